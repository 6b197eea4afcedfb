"""Relay connections (gateway/graphql/pagination.py): PageInfo's four fields, and cursors sealed so that they
reveal nothing of Cognito's tokens, open on their own list only, and cannot be altered or forged."""

import base64
import json

import pytest

from gateway.graphql.pagination import FILTERED_PAGES, CursorSeal, paginate
from tests.conftest import running_gateway
from tests.helpers import create_group, create_users

USERS = """
query($pool: ID!, $first: Int = 60, $after: String) {
  users(userPoolId: $pool, first: $first, after: $after) {
    __typename
    ... on UserConnection {
      edges { cursor node { username } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
    ... on CognitoError { code message }
  }
}"""
GROUPS = """
query($pool: ID!, $after: String) {
  groups(userPoolId: $pool, after: $after) { __typename ... on CognitoError { code message } }
}"""


def raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


async def test_page_info_has_relays_four_fields(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 5)

    page = (await gateway.data(USERS, {"pool": pool_id, "first": 2}))["users"]
    rest = (await gateway.data(USERS, {"pool": pool_id, "first": 3, "after": page["pageInfo"]["endCursor"]}))["users"]

    cursors = [edge["cursor"] for edge in page["edges"]]
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,  # forward only
        "startCursor": cursors[0],
        "endCursor": cursors[-1],
    }
    assert rest["pageInfo"]["hasPreviousPage"] is False and rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["startCursor"] == rest["edges"][0]["cursor"]
    assert len(page["edges"]) + len(rest["edges"]) == 5


async def test_an_empty_page_has_no_start_cursor(gateway, pool_id):
    page = (await gateway.data(USERS, {"pool": pool_id}))["users"]

    assert page["edges"] == []
    assert page["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}


async def test_cursors_are_sealed_and_the_same_for_the_same_position(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 4)

    once = (await gateway.data(USERS, {"pool": pool_id, "first": 2}))["users"]
    again = (await gateway.data(USERS, {"pool": pool_id, "first": 2}))["users"]

    assert once["edges"] == again["edges"]  # a client may compare or cache them
    for edge in once["edges"]:
        sealed = raw(edge["cursor"])
        assert b"user-" not in sealed  # the position's username is not readable in it...
        with pytest.raises(ValueError):  # ...nor is it the JSON of a position (random bytes are never valid JSON)
            json.loads(sealed)
        assert pool_id.encode() not in sealed


@pytest.mark.parametrize(
    "forge",
    [
        lambda cursor: cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB"),  # altered
        lambda cursor: cursor[:10],  # cut short
        lambda cursor: base64.urlsafe_b64encode(b"[null,1]").decode(),  # the unsealed form of a position
        lambda cursor: "not-a-cursor",
        lambda cursor: "é" * 8,
    ],
    ids=["altered", "cut", "unsealed", "text", "non-ascii"],
)
async def test_a_forged_cursor_is_refused_before_any_call(gateway, cognito, pool_id, forge):
    create_users(cognito, pool_id, 3)
    cursor = (await gateway.data(USERS, {"pool": pool_id, "first": 1}))["users"]["pageInfo"]["endCursor"]
    gateway.reset_calls()

    refused = (await gateway.data(USERS, {"pool": pool_id, "first": 1, "after": forge(cursor)}))["users"]

    assert refused["__typename"] == "InvalidParameterError", refused
    assert refused["code"] == "InvalidParameterException"
    assert gateway.calls == {}


async def test_a_cursor_opens_on_its_own_list_only(gateway, cognito, pool_id):
    other_pool = cognito.create_user_pool(PoolName="other")["UserPool"]["Id"]
    for pool in (pool_id, other_pool):
        create_users(cognito, pool, 3)
        create_group(cognito, pool, "staff")
    cursor = (await gateway.data(USERS, {"pool": pool_id, "first": 1}))["users"]["pageInfo"]["endCursor"]
    gateway.reset_calls()

    other_pools_users = (await gateway.data(USERS, {"pool": other_pool, "first": 1, "after": cursor}))["users"]
    groups = (await gateway.data(GROUPS, {"pool": pool_id, "after": cursor}))["groups"]

    assert other_pools_users["__typename"] == "InvalidParameterError"
    assert groups["__typename"] == "InvalidParameterError"
    assert gateway.calls == {}


async def test_replicas_with_one_cursor_key_resume_each_others_cursors(backend, cognito, pool_id):
    create_users(cognito, pool_id, 4)
    key = "a-cursor-key-shared-by-every-replica"
    async with running_gateway(backend, cursor_key=key) as one, running_gateway(backend, cursor_key=key) as two:
        page = (await one.data(USERS, {"pool": pool_id, "first": 2}))["users"]
        rest = (await two.data(USERS, {"pool": pool_id, "first": 2, "after": page["pageInfo"]["endCursor"]}))["users"]
    async with running_gateway(backend) as restarted_without_the_key:
        refused = await restarted_without_the_key.data(
            USERS, {"pool": pool_id, "first": 2, "after": page["pageInfo"]["endCursor"]}
        )

    usernames = [edge["node"]["username"] for edge in page["edges"] + rest["edges"]]
    assert sorted(usernames) == [f"user-{n:03d}" for n in range(4)]
    assert refused["users"]["__typename"] == "InvalidParameterError"


# --- filling a filtered page from further Cognito pages ---------------------------------------------------
# The walk over more Cognito pages than a test can create pools for (moto takes ~0.2 s a pool), on a list of
# numbers paged as Cognito pages: `paginate` takes the fetch, and the seal, as arguments.


class NumberList:
    """``count`` numbers paged like a Cognito list: the token is the index the next page starts at."""

    def __init__(self, count: int) -> None:
        self.count, self.reads = count, 0

    async def fetch(self, token, size):
        self.reads += 1
        start = int(token or 0)
        end = min(start + size, self.count)
        return list(range(start, end)), (str(end) if end < self.count else None)


async def page_of(numbers, visible, first, after=None):
    return await paginate(numbers.fetch, first, after, 60, SEAL, b"numbers", keep=visible.__contains__)


SEAL = CursorSeal()


async def test_a_filtered_page_is_filled_from_the_following_cognito_pages():
    numbers = NumberList(130)

    page = await page_of(numbers, {3, 62, 125}, first=2)
    rest = await page_of(numbers, {3, 62, 125}, first=2, after=page.end_cursor)

    assert [item for item, _ in page.edges] == [3, 62] and page.has_next_page is True
    assert [item for item, _ in rest.edges] == [125] and rest.has_next_page is False
    assert numbers.reads == 3 + 2  # 0-59, 60-119 and 120-129 to know 125 follows; then from 62 on


async def test_a_filtered_walk_reads_at_most_its_bound_of_pages_and_resumes_past_them():
    numbers = NumberList(FILTERED_PAGES * 60 + 100)
    beyond = FILTERED_PAGES * 60 + 50

    empty = await page_of(numbers, {beyond}, first=1)
    reads_of_the_first = numbers.reads
    found = await page_of(numbers, {beyond}, first=1, after=empty.end_cursor)

    assert reads_of_the_first == FILTERED_PAGES
    assert empty.edges == [] and empty.has_next_page is True and empty.end_cursor
    assert [item for item, _ in found.edges] == [beyond] and found.has_next_page is False
    assert numbers.reads - reads_of_the_first == 2  # resumed past the pages read, not from the start


async def test_a_list_with_nothing_visible_is_one_empty_last_page():
    numbers = NumberList(100)

    page = await page_of(numbers, set(), first=5)

    assert page.edges == [] and page.has_next_page is False and numbers.reads == 2
