"""Request limits, checked before execution: nothing reaches Cognito when one is exceeded."""

import asyncio

import pytest
from graphql import parse, validate

from bench.hostile import HOSTILE
from bench.scenarios import DASHBOARD, USER_DETAIL
from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.graphql.limits import QueryCost
from gateway.graphql.schema import build_schema
from tests.conftest import running_gateway
from tests.databases import opened
from tests.helpers import create_group, create_users

POOL_USERS_GROUPS = """{
  userPools { ... on UserPoolConnection { nodes { users { nodes { groups { groupName } } } } } }
}"""


async def refusal(gateway, document: str, variables: dict | None = None) -> dict:
    """The single error of a refused request (no `data` entry, no Cognito call)."""
    body = await gateway.query(document, variables)
    assert "data" not in body, body
    [error] = body["errors"]
    assert gateway.calls == {}
    return error


async def test_too_deep(backend, cognito):
    document = '{ userPool(id: "x") { ... on UserPool { users { nodes { groups { groupName } } } } } }'
    async with running_gateway(backend, max_depth=3) as gateway:
        error = await refusal(gateway, document)

    assert "4 levels deep: it exceeds maximum operation depth of 3" in error["message"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 4, "maxDepth": 3}


async def test_too_many_aliases(gateway):
    document = "{ " + " ".join(f"a{index}: __typename" for index in range(31)) + " }"

    error = await refusal(gateway, document)

    assert error["message"] == "31 aliases found. Allowed: 30"
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "aliases": 31, "maxAliases": 30}


def fragment_bomb(levels: int, spreads: int) -> str:
    """Fragments that each spread the next ``spreads`` times: a few hundred bytes that expand to
    ``spreads ** levels`` selections. Each fragment holds one alias."""
    fragments = [
        f"fragment F{level} on User {{ a{level}: username "
        + " ".join([f"...F{level + 1}"] * spreads if level + 1 < levels else [])
        + " }"
        for level in range(levels)
    ]
    return '{ user(userPoolId: "us-east-1_x", username: "x") { ... on User { ...F0 } } }\n' + "\n".join(fragments)


async def test_a_fragment_bomb_is_measured_without_expanding_it(gateway):
    """Each fragment is measured once, not at each of its 6 ** 9 spreads (Strawberry's own limiters walked
    every path: minutes for this document). The bound only guards against that regression."""
    document = fragment_bomb(levels=10, spreads=6)

    error = await asyncio.wait_for(refusal(gateway, document), timeout=30)

    # One alias per fragment, once per spread: 6 ** 9 + ..., counted up to 1000 times the limit.
    assert sum(6**level for level in range(10)) > 30_000
    assert error["message"] == "30000 or more aliases found. Allowed: 30"
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "aliases": 30_000, "maxAliases": 30}


async def test_too_many_tokens(gateway):
    document = "{ " + "__typename " * 2000 + "}"

    error = await refusal(gateway, document)

    assert "more than 2000 tokens" in error["message"]
    assert error["extensions"] == {"code": "TOO_MANY_TOKENS"}


async def test_too_costly(gateway):
    # 5 ListUserPools (a filtered walk's pages) + 60 DescribeUserPool
    # + 60 pools x (1 ListUsers + 60 users x 1 AdminListGroupsForUser)
    error = await refusal(gateway, POOL_USERS_GROUPS)

    assert "3725" in error["message"] and "500" in error["message"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 3725, "maxCost": 500}


async def test_smaller_pages_cost_less(gateway):
    document = POOL_USERS_GROUPS.replace("userPools", "userPools(first: 2)").replace("users", "users(first: 3)")

    body = await gateway.query(document)

    assert "errors" not in body, body["errors"]  # 5 + 2 + 2 x (1 + 3) = 15


async def test_the_dashboard_is_within_the_default_budget(backend, cognito, pool_id):
    create_group(cognito, pool_id, "staff", create_users(cognito, pool_id, 3))
    async with running_gateway(backend) as gateway:
        body = await gateway.query(DASHBOARD, {"pool": pool_id, "first": 60})
    assert "errors" not in body, body["errors"]
    assert [node["groups"] for node in body["data"]["users"]["nodes"]] == [[{"groupName": "staff"}]] * 3


async def test_a_first_from_a_variable_is_costed_with_its_value(backend, cognito, pool_id):
    """Validated once per document, `first: $first` counts as 60 (1 DescribeUserPool + 1 ListUsers + 60 users'
    groups = 62); over the limit only so, the operation is costed again with the request's value."""
    create_users(cognito, pool_id, 2)
    async with running_gateway(backend, max_query_cost=61) as gateway:
        small = await gateway.query(DASHBOARD, {"pool": pool_id, "first": 5})  # 1 + 1 + 5 = 7
        gateway.reset_calls()
        error = await refusal(gateway, DASHBOARD, {"pool": pool_id, "first": 60})
        again = await gateway.query(DASHBOARD, {"pool": pool_id, "first": 59})  # the cached refusal is intact

    assert "errors" not in small and len(small["data"]["users"]["nodes"]) == 2, small
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 62, "maxCost": 61}
    assert "errors" not in again, again


@pytest.mark.parametrize(
    ("variables", "cost"),
    [
        ({}, 7),  # the variable's default
        ({"n": 9}, 11),
        ({"n": 500}, 62),  # past the bound the resolver refuses: at most 60 are read
        ({"n": "five"}, 62),  # not a number: the bound (execution refuses the value)
    ],
)
def test_cost_with_the_request_variables(variables, cost):
    document = parse(DASHBOARD.replace("$first: Int!", "$n: Int = 5").replace("first: $first", "first: $n"))
    rule = type("Probe", (QueryCost,), {"max_cost": 1, "variables": variables})
    [error] = validate(build_schema()._schema, document, [rule])
    assert error.extensions["cost"] == cost and not error.pages_from_variables


def cost_of(document: str) -> int:
    rule = type("Probe", (QueryCost,), {"max_cost": 1})
    [error] = validate(build_schema()._schema, parse(document), [rule])
    return error.extensions["cost"]


@pytest.mark.parametrize(
    ("document", "cost"),
    [
        (DASHBOARD, 62),
        (USER_DETAIL, 4),  # user, groups, devices, and one AdminGetUser for both MFA fields
        ('{ a: userPool(id: "x") { __typename } b: userPool(id: "y") { __typename } }', 2),
        # a fragment spread twice is merged as execution merges it; edges and nodes describe the pools once
        (
            "{ ...F ...F } fragment F on Query { userPools(first: 3) { ... on UserPoolConnection {"
            " nodes { name } edges { node { name } } } } }",
            8,  # up to 5 pages of ListUserPools (filtered for a caller granted some pools), 3 described
        ),
        (
            '{ group(userPoolId: "p", groupName: "g") { ... on Group { users(first: 7) { nodes { devices { nodes '
            "{ deviceKey } } } } } } }",
            9,
        ),
        (
            'mutation { adminEnableUser(input: {userPoolId: "p", username: "u"}) {'
            " ... on AdminEnableUserPayload { user { groups { groupName } } } } }",
            3,
        ),
    ],
)
def test_cost_estimates(document, cost):
    assert cost_of(document) == cost


SEARCH_GROUPS = """query($pool: ID!) { searchUsers(userPoolId: $pool, first: 500) {
  ... on UserSearchConnection { nodes { username groups { groupName } } } ... on CognitoError { code } } }"""


@pytest.mark.parametrize(
    ("document", "cost"),
    [
        # The search primes its nodes' groups from the index: free, however many nodes.
        (SEARCH_GROUPS, 0),
        (
            '{ searchUsers(userPoolId: "p", first: 500) { ... on UserSearchConnection { edges { node { groups {'
            " groupName } } } } } }",
            0,
        ),
        # Fields the index lacks are one call per node, up to the search's bound of 500 (not Cognito's 60).
        (
            '{ searchUsers(userPoolId: "p", first: 500) { ... on UserSearchConnection { nodes { devices { nodes {'
            " deviceKey } } } } } }",
            500,
        ),
        ('{ searchUsers(userPoolId: "p") { ... on UserSearchConnection { nodes { devices { __typename } } } } }', 50),
        # Only the search's own nodes are primed: a group's members, read from Cognito, are not.
        (
            '{ searchUsers(userPoolId: "p", first: 2) { ... on UserSearchConnection { nodes { groups { users(first:'
            " 3) { nodes { groups { groupName } } } } } } } }",
            2 * 60 * (1 + 3),
        ),
        # A ListUsers page's groups still cost a call per node.
        ('{ users(userPoolId: "p") { ... on UserConnection { nodes { groups { groupName } } } } }', 61),
    ],
)
def test_search_nodes_cost_only_what_the_index_lacks(document, cost):
    if cost == 0:  # the rule reports a cost only over its limit, of at least 1
        rule = type("Probe", (QueryCost,), {"max_cost": 1})
        assert validate(build_schema()._schema, parse(document), [rule]) == []
    else:
        assert cost_of(document) == cost


async def test_a_search_of_500_nodes_with_their_groups_is_accepted_and_calls_nothing(
    backend, cognito, pool_id, tmp_path
):
    users = [
        IndexedUser(username=f"user{n:03}", attributes={"email": f"user{n:03}@example.com"}, groups=frozenset({"eng"}))
        for n in range(120)
    ]
    database_url = f"sqlite:///{tmp_path / 'gateway.db'}"
    async with opened(database_url) as database:
        repository = IndexRepository(database)
        await repository.upsert_groups(pool_id, [IndexedGroup("eng")])
        await repository.upsert_users(pool_id, users)
        await repository.update_state(pool_id, state=IndexState.READY)
    listing = '{ users(userPoolId: "%s", first: 20) { ... on UserConnection { nodes { groups { groupName } } } } }'
    async with running_gateway(backend, database_url=database_url, max_query_cost=10) as gateway:
        gateway.reset_calls()
        found = await gateway.query(SEARCH_GROUPS, {"pool": pool_id})
        calls = gateway.calls
        refused = await refusal(gateway, listing % pool_id)  # 1 ListUsers + 20 users' groups

    assert "errors" not in found, found["errors"]
    nodes = found["data"]["searchUsers"]["nodes"]
    assert len(nodes) == 120 and all(node["groups"] == [{"groupName": "eng"}] for node in nodes)
    assert calls == {}
    assert refused["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 21, "maxCost": 10}


async def test_a_document_is_validated_once(gateway, monkeypatch):
    validated = []
    original = QueryCost.enter_operation_definition
    monkeypatch.setattr(
        QueryCost, "enter_operation_definition", lambda self, *args: validated.append(1) or original(self, *args)
    )
    document = "query ValidatedOnce { __typename }"

    for _ in range(3):
        assert await gateway.data(document) == {"__typename": "Query"}

    assert validated == [1]


@pytest.mark.parametrize("first", [0, 61])
async def test_first_out_of_range(gateway, pool_id, first):
    document = "query($pool: ID!, $first: Int) { users(userPoolId: $pool, first: $first) { __typename } }"

    data = await gateway.data(document, {"pool": pool_id, "first": first})

    assert data["users"]["__typename"] == "InvalidParameterError"
    assert gateway.calls == {}


async def test_one_operation_per_request(gateway):
    response = await gateway.http.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])

    assert response.status_code == 400
    assert gateway.calls == {}


async def test_no_mutation_over_get(gateway):
    """GraphQL over HTTP: a mutation over GET is a 405 naming the method that is allowed, and nothing runs."""
    document = 'mutation { deleteGroup(input: {userPoolId: "us-east-1_x", groupName: "g"}) { __typename } }'

    response = await gateway.http.get("/graphql", params={"query": document})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "errors": [
            {"message": "mutations are not allowed when using GET", "extensions": {"code": "METHOD_NOT_ALLOWED"}}
        ]
    }
    assert gateway.calls == {}


MISSPELLED = [
    "{ userPols { __typename } }",
    '{ users(userPoolId: "x", frist: 5) { __typename } }',
    '{ users(userPoolId: "x", filter: {attribute: EMAL, value: "a"}) { __typename } }',
]


async def test_introspection_and_suggestions_off_by_default(backend, cognito):
    async with running_gateway(backend, introspection=False) as gateway:
        error = (await gateway.query("{ __schema { types { name } } }"))["errors"][0]
        messages = [(await gateway.query(document))["errors"][0]["message"] for document in MISSPELLED]
        assert gateway.calls == {}

    assert "introspection has been disabled" in error["message"]
    assert not [message for message in messages if "Did you mean" in message], messages


async def test_introspection_and_suggestions_when_on(gateway):
    data = await gateway.data("{ __schema { queryType { name } } }")
    messages = [(await gateway.query(document))["errors"][0]["message"] for document in MISSPELLED]

    assert data == {"__schema": {"queryType": {"name": "Query"}}}
    assert all("Did you mean" in message for message in messages), messages


# Each fragment leads twice to the next: 2^40 paths to the last one.
NESTED_FRAGMENTS = (
    '{ user(userPoolId: "p", username: "u") { ...F0 } } '
    + " ".join(
        f"fragment F{i} on User {{ a{i}: groups {{ users(first: 1) {{ nodes {{ ...F{i + 1} }} }} }}"
        f" b{i}: groups {{ users(first: 1) {{ nodes {{ ...F{i + 1} }} }} }} }}"
        for i in range(40)
    )
    + " fragment F40 on User { username }"
)


def test_nested_fragments_are_costed_without_walking_every_path():
    # Each fragment is costed once; the cost (over 2^40) saturates at 1000 times the limit of 1.
    assert cost_of(NESTED_FRAGMENTS) == 1000


async def test_a_cost_past_64_bits_is_reported_saturated(backend, cognito):
    """3600 ** 6 calls, more than orjson can write: the response was a plain 500, and the connection was
    closed under the client (tests/test_server.py sends a request after it on the same connection). Within the
    default depth limit the document is refused for its depth before it is costed."""
    async with running_gateway(backend, max_depth=21) as gateway:
        cost = await refusal(gateway, HOSTILE["cost past 2^63, twelve hops"].document)

    assert cost["message"].startswith("The query may make 500000 or more Cognito calls, over the limit of 500:")
    assert cost["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 500_000, "maxCost": 500}


# --- repeated selections -------------------------------------------------------------------------------------


async def test_a_field_repeated_450_times_is_refused_before_validation(gateway, monkeypatch):
    """Validation compares every pair of fields of one response key: seconds for this document."""
    validated = []
    original = QueryCost.enter_operation_definition
    monkeypatch.setattr(
        QueryCost, "enter_operation_definition", lambda self, *args: validated.append(1) or original(self, *args)
    )

    error = await refusal(gateway, HOSTILE["450 repeated fields under an alias"].document)

    assert error["message"] == (
        "`me` is selected 450 times in one selection set (fragments and repeated parents included);"
        " at most 20 are allowed: select each field once."
    )
    assert error["extensions"] == {"code": "TOO_MANY_SELECTIONS", "selections": 450, "maxSelections": 20}
    assert validated == []


@pytest.mark.parametrize(
    "document",
    [
        # through fragments
        "{ ...A ...B ...C } fragment A on Query { " + "me { subject } " * 7 + "}"
        " fragment B on Query { "
        + "me { subject } " * 7
        + "} fragment C on Query { ... on Query { "
        + "me { subject } " * 7
        + "} }",
        # into the children of parents of one response key
        "{ me { " + "subject " * 11 + "} me { " + "subject " * 10 + "} }",
        # in a fragment no operation spreads (validated all the same)
        "{ __typename } fragment Unused on Me { " + "subject " * 21 + "}",
    ],
)
async def test_repeats_are_counted_as_execution_merges_them(gateway, document):
    error = await refusal(gateway, document)

    assert error["extensions"] == {"code": "TOO_MANY_SELECTIONS", "selections": 21, "maxSelections": 20}


async def test_repeats_up_to_the_limit_are_merged(gateway):
    document = "{ me { " + "authMode " * 10 + "} ...F } fragment F on Query { me { " + "authMode " * 10 + "} }"

    assert await gateway.data(document) == {"me": {"authMode": "none"}}


async def test_the_repeat_limit_is_a_setting(backend, cognito):
    async with running_gateway(backend, max_field_selections=2) as gateway:
        error = await refusal(gateway, "{ me { subject subject subject } }")

    assert error["extensions"] == {"code": "TOO_MANY_SELECTIONS", "selections": 3, "maxSelections": 2}


async def test_a_fragment_cycle_is_left_to_validation(gateway):
    body = await gateway.query("{ me { ...A } } fragment A on Me { subject ...B } fragment B on Me { ...A }")

    assert "data" not in body
    assert "Cannot spread fragment 'A' within itself via 'B'." in body["errors"][0]["message"]


async def test_fragments_that_expand_without_end_are_refused(gateway):
    body = await asyncio.wait_for(gateway.query(NESTED_FRAGMENTS), timeout=30)

    assert "data" not in body and gateway.calls == {}
    depth, aliases, error = body["errors"]  # all measured before validation, each fragment once
    assert (depth["extensions"]["code"], aliases["extensions"]["code"]) == ("QUERY_TOO_DEEP", "TOO_MANY_ALIASES")
    # No more fields than a document within the token limit could write out.
    assert error["message"] == "The document selects more than 2000 fields once its fragments are expanded."
    assert error["extensions"] == {"code": "TOO_MANY_SELECTIONS", "maxExpandedFields": 2000}


async def test_several_operations_need_an_operation_name(gateway):
    """The spec's rule (Strawberry would run the first one): refused without operationName, run with it."""
    document = 'query A { user(userPoolId: "us-east-1_x", username: "x") { __typename } } query B { __typename }'

    refused = await gateway.query(document)
    named = await gateway.http.post("/graphql", json={"query": document, "operationName": "B"})

    assert "data" not in refused
    assert [error["extensions"] for error in refused["errors"]] == [{"code": "OPERATION_NAME_REQUIRED"}]
    assert gateway.calls == {}
    assert named.json() == {"data": {"__typename": "Query"}}
