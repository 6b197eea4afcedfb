"""searchUsers over HTTP on both engines: conditions, sort, facets and totalCount from the directory index with no
Cognito call; paging with sealed cursors; IndexNotReadyError; bad input; roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from tests.conftest import running_gateway
from tests.graphql.callers import callers, forbidden

START = datetime(2024, 1, 1, tzinfo=UTC)

SEARCH = """
query Search($pool: ID!, $text: String, $where: [UserConditionInput!], $sort: [UserSortInput!], $first: Int = 50,
             $after: String, $facets: [String!]! = []) {
  searchUsers(userPoolId: $pool, text: $text, where: $where, sort: $sort, first: $first, after: $after) {
    __typename
    ... on UserSearchConnection {
      totalCount
      nodes { username enabled userStatus email: attribute(name: "email") groups { groupName description } }
      edges { cursor node { username } }
      pageInfo { hasNextPage endCursor }
      facets(fields: $facets) { field values { value count } }
      indexStatus { userPoolId state usersIndexed }
    }
    ... on CognitoError { code message retryable }
    ... on IndexNotReadyError { indexStatus { state } }
  }
}
"""


def indexed(username, email, tier=None, *, day=0, groups=(), enabled=True):
    attributes = {"email": email, **({"custom:tier": tier} if tier else {})}
    return IndexedUser(
        username=username,
        attributes=attributes,
        user_status="CONFIRMED",
        enabled=enabled,
        user_create_date=START + timedelta(days=day),
        user_last_modified_date=START + timedelta(days=day),
        groups=frozenset(groups),
    )


async def fill(database, pool_id, *, state=IndexState.READY):
    repository = IndexRepository(database)
    await repository.upsert_groups(pool_id, [IndexedGroup("eng", description="Engineers"), IndexedGroup("sales")])
    await repository.upsert_users(
        pool_id,
        [
            indexed("ada", "ada@example.com", "gold", day=0, groups=["eng"]),
            indexed("bob", "bob@example.com", "silver", day=1, groups=["eng", "sales"]),
            indexed("carol", "carol@corp.test", "gold", day=2, groups=["sales"], enabled=False),
            indexed("dave", "dave@example.com", day=3),
            indexed("erin", "erin@example.com", "gold", day=4),
        ],
    )
    await repository.update_state(pool_id, state=state)


@pytest.fixture
async def searching(backend, cognito, database, database_url):
    async with running_gateway(backend, database_url=database_url) as gateway:
        yield gateway


async def search(gateway, pool_id, **variables):
    body = await gateway.query(SEARCH, {"pool": pool_id, **variables})
    assert "errors" not in body, body["errors"]
    return body["data"]["searchUsers"]


async def test_conditions_sort_facets_and_total_count_with_no_cognito_call(searching, database, pool_id):
    await fill(database, pool_id)
    searching.reset_calls()

    found = await search(
        searching,
        pool_id,
        text="EXAMPLE",
        where=[
            {"field": "custom:tier", "operator": "NOT_EQUALS", "value": "silver"},
            {"field": "enabled", "operator": "EQUALS", "value": "true"},
        ],
        sort=[{"field": "userCreateDate", "direction": "DESC"}],
        first=2,
        facets=["custom:tier", "group"],
    )

    assert found["__typename"] == "UserSearchConnection"
    assert found["totalCount"] == 3  # ada, dave (no tier), erin
    assert [node["username"] for node in found["nodes"]] == ["erin", "dave"]
    assert found["nodes"][0]["email"] == "erin@example.com"
    assert found["pageInfo"]["hasNextPage"] is True
    assert found["facets"] == [
        {"field": "custom:tier", "values": [{"value": "gold", "count": 2}]},
        {"field": "group", "values": [{"value": "eng", "count": 1}]},
    ]
    assert found["indexStatus"] == {"userPoolId": pool_id, "state": "READY", "usersIndexed": 5}
    assert searching.calls == {}


async def test_groups_come_from_the_index(searching, database, pool_id):
    await fill(database, pool_id)
    searching.reset_calls()

    found = await search(searching, pool_id, where=[{"field": "group", "operator": "EQUALS", "value": "eng"}])

    assert {node["username"]: node["groups"] for node in found["nodes"]} == {
        "ada": [{"groupName": "eng", "description": "Engineers"}],
        "bob": [{"groupName": "eng", "description": "Engineers"}, {"groupName": "sales", "description": None}],
    }
    assert searching.calls == {}


async def test_cursors_page_through_every_match_once(searching, database, pool_id):
    await fill(database, pool_id)
    seen, after = [], None
    while True:
        found = await search(searching, pool_id, sort=[{"field": "custom:tier"}], first=2, after=after)
        assert found["totalCount"] == 5
        seen += [edge["node"]["username"] for edge in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert seen == ["ada", "carol", "erin", "bob", "dave"]  # gold x3 by username, silver, none last


async def test_a_query_gets_what_it_selects_and_only_that_is_worked_out(searching, database, pool_id):
    await fill(database, pool_id)
    where = '[{field: "custom:tier", operator: EQUALS, value: "gold"}]'

    async def selecting(selection: str) -> dict:
        body = await searching.query(
            f"query($pool: ID!) {{ searchUsers(userPoolId: $pool, where: {where}, first: 2) {{ "
            f"... on UserSearchConnection {{ {selection} }} }} }}",
            {"pool": pool_id},
        )
        assert "errors" not in body, body["errors"]
        return body["data"]["searchUsers"]

    assert await selecting("totalCount") == {"totalCount": 3}
    assert await selecting('facets(fields: ["group"]) { values { value count } }') == {
        "facets": [{"values": [{"value": "eng", "count": 1}, {"value": "sales", "count": 1}]}]
    }
    # pageInfo alone: its cursor pages on, to the same users as with the nodes selected.
    first = await selecting("pageInfo { hasNextPage endCursor }")
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await search(
        searching,
        pool_id,
        where=[{"field": "custom:tier", "operator": "EQUALS", "value": "gold"}],
        after=first["pageInfo"]["endCursor"],
    )
    assert [node["username"] for node in rest["nodes"]] == ["erin"]
    # Nodes without attributes, then with them (the index gives both).
    assert await selecting("nodes { username }") == {"nodes": [{"username": "ada"}, {"username": "carol"}]}
    with_email = await selecting('nodes { email: attribute(name: "email") }')
    assert with_email == {"nodes": [{"email": "ada@example.com"}, {"email": "carol@corp.test"}]}


async def test_a_cursor_of_another_search_is_refused(searching, database, pool_id):
    await fill(database, pool_id)
    first = await search(searching, pool_id, first=1)

    other = await search(searching, pool_id, text="example", first=1, after=first["pageInfo"]["endCursor"])

    assert other["__typename"] == "InvalidParameterError"


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 0},
        {"first": 501},
        {"sort": [{"field": "group"}]},
        {"where": [{"field": "custom:tier", "operator": "IN"}]},
        {"where": [{"field": "enabled", "operator": "EQUALS", "value": "maybe"}]},
    ],
)
async def test_bad_input_is_an_invalid_parameter_error(searching, database, pool_id, variables):
    await fill(database, pool_id)

    found = await search(searching, pool_id, **variables)

    assert (found["__typename"], found["code"]) == ("InvalidParameterError", "InvalidParameterException")
    assert searching.calls == {}


@pytest.mark.parametrize(("state", "retryable"), [(IndexState.SYNCING, True), (IndexState.NOT_INDEXED, False)])
async def test_a_pool_not_ready_gives_index_not_ready(searching, database, pool_id, state, retryable):
    await fill(database, pool_id, state=state)

    found = await search(searching, pool_id)

    assert found["__typename"] == "IndexNotReadyError"
    assert (found["code"], found["retryable"]) == ("IndexNotReady", retryable)
    assert found["indexStatus"] == {"state": state.value}


async def test_a_pool_never_indexed_is_not_ready_and_not_retryable(searching, pool_id):
    found = await search(searching, "eu-west-1_Never")

    assert (found["__typename"], found["retryable"]) == ("IndexNotReadyError", False)


async def test_viewers_search_and_callers_of_other_pools_are_refused(backend, cognito, database, database_url, pool_id):
    await fill(database, pool_id)
    await fill(database, "eu-west-1_Elsewhere")
    async with callers(backend, pool_id, database_url=database_url) as as_caller:
        viewer = as_caller("viewer")
        assert (await search(viewer, pool_id))["totalCount"] == 5

        pool_admin = as_caller("pool-admin")
        assert (await search(pool_admin, pool_id))["totalCount"] == 5
        body = await pool_admin.query(SEARCH, {"pool": "eu-west-1_Elsewhere"})
        assert body["data"]["searchUsers"] is None
        forbidden(body, ["searchUsers"])


async def test_search_fields_cost_no_upstream_call_in_the_query_cost_limit(
    backend, cognito, database, database_url, pool_id
):
    await fill(database, pool_id)
    document = """query($pool: ID!) { searchUsers(userPoolId: $pool, first: 500) {
        ... on UserSearchConnection { totalCount nodes { username } facets(fields: ["group"]) { field } } } }"""
    async with running_gateway(backend, database_url=database_url, max_query_cost=1) as gateway:
        body = await gateway.query(document, {"pool": pool_id})
        assert "errors" not in body, body.get("errors")
        assert body["data"]["searchUsers"]["totalCount"] == 5
        # A node field that calls Cognito is still counted, one call per node.
        costly = document.replace("nodes { username }", "nodes { username preferredMfaSetting }")
        body = await gateway.query(costly, {"pool": pool_id})
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_fields_the_index_lacks_load_from_cognito(searching, database, cognito, pool_id):
    cognito.admin_create_user(UserPoolId=pool_id, Username="ada", MessageAction="SUPPRESS")
    await fill(database, pool_id)
    searching.reset_calls()

    body = await searching.query(
        """query($pool: ID!) { searchUsers(userPoolId: $pool, where: [{field: "username", operator: EQUALS,
           value: "ada"}]) { ... on UserSearchConnection { nodes { username userMfaSettingList } } } }""",
        {"pool": pool_id},
    )

    assert body["data"]["searchUsers"]["nodes"] == [{"username": "ada", "userMfaSettingList": []}]
    assert searching.calls == {"AdminGetUser": 1}


async def test_the_readme_example_runs(searching, database, pool_id):
    from tests.test_readme import readme_graphql_blocks

    [example] = [block for block in readme_graphql_blocks() if "searchUsers(" in block]
    await fill(database, pool_id)
    searching.reset_calls()

    found = (await searching.data(example, {"pool": pool_id}))["searchUsers"]

    # Tier gold or silver, "example" in a text field, created after 2024-01-01T00:00Z (not ada, created then), in no
    # contractors group; none has a family_name, so the creation date orders them.
    assert found["totalCount"] == 2 and [node["username"] for node in found["nodes"]] == ["erin", "bob"]
    assert found["facets"][0] == {
        "field": "custom:tier",
        "values": [{"value": "gold", "count": 1}, {"value": "silver", "count": 1}],
    }
    assert searching.calls == {}


async def test_with_the_in_memory_copy_off_sql_answers_the_same(searching, backend, database, database_url, pool_id):
    await fill(database, pool_id)
    variables = {
        "text": "example",
        "where": [{"field": "group", "operator": "NOT_EQUALS", "value": "sales"}],
        "sort": [{"field": "custom:tier", "direction": "DESC"}],
        "first": 2,
        "facets": ["custom:tier", "group", "enabled"],
    }
    in_memory = await search(searching, pool_id, **variables)
    async with running_gateway(backend, database_url=database_url, index_in_memory=False) as in_sql:
        assert in_sql.app.state.index.columns is None
        answered = await search(in_sql, pool_id, **variables)
        after = await search(in_sql, pool_id, **variables, after=answered["pageInfo"]["endCursor"])
    assert {**answered, "edges": None, "pageInfo": None} == {**in_memory, "edges": None, "pageInfo": None}
    assert answered["totalCount"] == 3 and [node["username"] for node in after["nodes"]] == ["dave"]
