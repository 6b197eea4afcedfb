"""The `users` and `user` queries and the `User` type's nested fields, through HTTP against moto."""

import pytest

from tests.helpers import create_group, create_users

USERS_PAGE = """
query($pool: ID!, $filter: UserFilterInput, $first: Int = 60, $after: String) {
  users(userPoolId: $pool, filter: $filter, first: $first, after: $after) {
    __typename
    ... on UserConnection {
      nodes { username }
      edges { cursor node { username } }
      pageInfo { hasNextPage endCursor }
    }
    ... on CognitoError { code message requestId }
  }
}"""


async def all_usernames(gateway, pool_id, first, condition=None):
    """Walks every page; returns the usernames and the number of pages."""
    usernames, after, pages = [], None, 0
    while True:
        data = await gateway.data(USERS_PAGE, {"pool": pool_id, "first": first, "after": after, "filter": condition})
        page = data["users"]
        assert page["__typename"] == "UserConnection", page
        pages += 1
        usernames += [node["username"] for node in page["nodes"]]
        assert [edge["node"]["username"] for edge in page["edges"]] == [n["username"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return usernames, pages
        after = page["pageInfo"]["endCursor"]


async def test_pages_through_more_than_one_cognito_page(gateway, cognito, pool_id):
    expected = create_users(cognito, pool_id, 75)

    usernames, pages = await all_usernames(gateway, pool_id, first=60)

    assert sorted(usernames) == sorted(expected)
    assert pages == 2
    assert gateway.calls == {"ListUsers": 2}


async def test_pages_through_a_filtered_list(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 130)
    condition = {"attribute": "GIVEN_NAME", "value": "Even"}

    usernames, pages = await all_usernames(gateway, pool_id, first=60, condition=condition)

    assert len(usernames) == 65 and len(set(usernames)) == 65
    assert all(int(name[-3:]) % 2 == 0 for name in usernames)
    assert pages == 2


async def test_resumes_after_any_edge_cursor(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 12)
    first_page = (await gateway.data(USERS_PAGE, {"pool": pool_id, "first": 5}))["users"]
    third_edge = first_page["edges"][2]

    rest = (await gateway.data(USERS_PAGE, {"pool": pool_id, "first": 4, "after": third_edge["cursor"]}))["users"]

    full = (await gateway.data(USERS_PAGE, {"pool": pool_id}))["users"]["nodes"]
    assert [n["username"] for n in rest["nodes"]] == [n["username"] for n in full[3:7]]
    assert rest["pageInfo"]["hasNextPage"] is True


async def test_starts_with_filter(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 3, prefix="ann")
    create_users(cognito, pool_id, 2, prefix="bob")

    data = await gateway.data(
        USERS_PAGE, {"pool": pool_id, "filter": {"attribute": "USERNAME", "operator": "STARTS_WITH", "value": "bob"}}
    )

    assert sorted(n["username"] for n in data["users"]["nodes"]) == ["bob-000", "bob-001"]


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ('x" or username ^= "', 'username = "x\\" or username ^= \\""'),
        ("\\", 'username = "\\\\"'),
        ('\\"', 'username = "\\\\\\""'),
        ('"', 'username = "\\""'),
        ("", 'username = ""'),
    ],
)
async def test_filter_values_cannot_widen_the_result(gateway, cognito, pool_id, value, sent):
    create_users(cognito, pool_id, 3)
    client = await gateway.app.state.cognito.client("us-east-1")
    filters = []
    client.meta.events.register(
        "provide-client-params.cognito-idp.ListUsers", lambda params, **_: filters.append(params.get("Filter"))
    )

    data = await gateway.data(USERS_PAGE, {"pool": pool_id, "filter": {"attribute": "USERNAME", "value": value}})

    assert filters == [sent]
    assert data["users"]["nodes"] == []


async def test_filter_finds_a_value_with_an_apostrophe(gateway, cognito, pool_id):
    cognito.admin_create_user(
        UserPoolId=pool_id, Username="obrien", UserAttributes=[{"Name": "family_name", "Value": "O'Brien"}]
    )
    create_users(cognito, pool_id, 2)

    data = await gateway.data(USERS_PAGE, {"pool": pool_id, "filter": {"attribute": "FAMILY_NAME", "value": "O'Brien"}})

    assert [n["username"] for n in data["users"]["nodes"]] == ["obrien"]


@pytest.mark.parametrize("first", [0, 61, -1])
async def test_first_out_of_range_is_refused_before_any_call(gateway, pool_id, first):
    data = await gateway.data(USERS_PAGE, {"pool": pool_id, "first": first})

    assert data["users"]["__typename"] == "InvalidParameterError"
    assert data["users"]["code"] == "InvalidParameterException"
    assert "between 1 and 60" in data["users"]["message"]
    assert data["users"]["requestId"] is None
    assert gateway.calls == {}


async def test_a_cursor_the_gateway_did_not_give_is_refused(gateway, pool_id):
    data = await gateway.data(USERS_PAGE, {"pool": pool_id, "after": "bm90LWEtY3Vyc29y"})

    assert data["users"]["__typename"] == "InvalidParameterError"
    assert gateway.calls == {}


async def test_users_of_a_missing_pool(gateway):
    data = await gateway.data(USERS_PAGE, {"pool": "us-east-1_missing"})

    assert data["users"]["__typename"] == "ResourceNotFoundError"
    assert data["users"]["requestId"]


USER = """
query($pool: ID!, $username: String!) {
  user(userPoolId: $pool, username: $username) {
    __typename
    ... on User {
      username enabled userStatus userCreateDate userLastModifiedDate
      attributes { name value }
      email: attribute(name: "email")
      nothing: attribute(name: "custom:missing")
      mfaOptions { deliveryMedium attributeName }
      preferredMfaSetting userMfaSettingList
      groups { groupName precedence userPoolId }
      userPool { id name }
    }
    ... on CognitoError { code message requestId fault retryable }
  }
}"""


async def test_user_with_its_attributes_groups_and_pool(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 1)
    create_group(cognito, pool_id, "admins", ["user-000"])
    create_group(cognito, pool_id, "support", ["user-000"])
    cognito.admin_disable_user(UserPoolId=pool_id, Username="user-000")

    user = (await gateway.data(USER, {"pool": pool_id, "username": "user-000"}))["user"]

    assert user["__typename"] == "User"
    assert user["username"] == "user-000"
    assert user["enabled"] is False
    assert user["userStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["email"] == "user-000@example.com"
    assert user["nothing"] is None
    assert {"name": "given_name", "value": "Even"} in user["attributes"]
    assert user["userCreateDate"].endswith("+00:00")
    assert sorted(g["groupName"] for g in user["groups"]) == ["admins", "support"]
    assert {g["userPoolId"] for g in user["groups"]} == {pool_id}
    assert user["userPool"] == {"id": pool_id, "name": "test-pool"}
    assert gateway.calls == {"AdminGetUser": 1, "AdminListGroupsForUser": 1, "DescribeUserPool": 1}


async def test_missing_user_is_a_typed_error_with_its_request_id(gateway, pool_id):
    error = (await gateway.data(USER, {"pool": pool_id, "username": "ghost"}))["user"]

    assert error["__typename"] == "UserNotFoundError"
    assert error["code"] == "UserNotFoundException"
    assert error["fault"] == "CLIENT"
    assert error["retryable"] is False
    assert error["requestId"]


async def test_members_only_admin_get_user_gives_load_lazily_on_listed_users(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 2)

    data = await gateway.data(
        "query($pool: ID!) { users(userPoolId: $pool) { ... on UserConnection { nodes { username preferredMfaSetting } } } }",
        {"pool": pool_id},
    )

    assert sorted(n["username"] for n in data["users"]["nodes"]) == ["user-000", "user-001"]
    assert gateway.calls == {"ListUsers": 1, "AdminGetUser": 2}


async def test_a_users_detail_is_one_round_of_calls(backend, cognito):
    """groups, devices and auth events start beside AdminGetUser (each call 0.2 s upstream): all four are in
    flight at once, and each is made once (the edges find the reads already started)."""
    from types import SimpleNamespace

    from bench.faults import FaultProxy, Faults
    from tests.conftest import running_gateway

    pool_id = cognito.create_user_pool(PoolName="audited", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})[
        "UserPool"
    ]["Id"]
    [username] = create_users(cognito, pool_id, 1)
    slow = FaultProxy(backend.endpoint_url, Faults(latency=0.2)).start()
    document = """query($pool: ID!, $name: String!) { user(userPoolId: $pool, username: $name) {
      ... on User { username groups { groupName } devices(first: 5) { nodes { deviceKey } } authEvents { nodes { eventId } } }
    } }"""
    try:
        async with running_gateway(SimpleNamespace(endpoint_url=slow.endpoint_url)) as gateway:
            data = await gateway.data(document, {"pool": pool_id, "name": username})
            peak = gateway.app.state.cognito.peak_in_flight
            calls = gateway.calls
    finally:
        slow.stop()

    assert data["user"]["username"] == username
    assert calls == {
        "AdminGetUser": 1,
        "AdminListGroupsForUser": 1,
        "AdminListDevices": 1,
        "AdminListUserAuthEvents": 1,
    }
    assert peak == 4
