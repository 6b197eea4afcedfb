"""The `groups` and `group` queries and the `Group` type's nested fields."""

from tests.helpers import create_group, create_users

GROUPS = """
query($pool: ID!, $first: Int = 60, $after: String) {
  groups(userPoolId: $pool, first: $first, after: $after) {
    __typename
    ... on GroupConnection { nodes { groupName description userPoolId } pageInfo { hasNextPage endCursor } }
    ... on CognitoError { code requestId }
  }
}"""

GROUP = """
query($pool: ID!, $name: String!, $first: Int = 60, $after: String) {
  group(userPoolId: $pool, groupName: $name) {
    __typename
    ... on Group {
      groupName description precedence roleArn creationDate lastModifiedDate
      users(first: $first, after: $after) { nodes { username } pageInfo { hasNextPage endCursor } }
      userPool { id name }
    }
    ... on CognitoError { code message requestId }
  }
}"""


async def test_groups_of_a_pool_page_by_page(gateway, cognito, pool_id):
    for name in ("admins", "billing", "support"):
        create_group(cognito, pool_id, name)

    first = (await gateway.data(GROUPS, {"pool": pool_id, "first": 2}))["groups"]
    rest = (await gateway.data(GROUPS, {"pool": pool_id, "first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "groups"
    ]

    names = [g["groupName"] for g in first["nodes"] + rest["nodes"]]
    assert sorted(names) == ["admins", "billing", "support"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False
    assert first["nodes"][0]["userPoolId"] == pool_id
    assert {g["description"] for g in first["nodes"] + rest["nodes"]} == {"the admins", "the billing", "the support"}


async def test_group_with_members_and_pool(gateway, cognito, pool_id):
    members = create_users(cognito, pool_id, 3)
    create_users(cognito, pool_id, 2, prefix="outsider")
    create_group(cognito, pool_id, "support", members)

    group = (await gateway.data(GROUP, {"pool": pool_id, "name": "support"}))["group"]

    assert group["__typename"] == "Group"
    assert group["description"] == "the support"
    assert sorted(u["username"] for u in group["users"]["nodes"]) == members
    assert group["users"]["pageInfo"]["hasNextPage"] is False
    assert group["userPool"] == {"id": pool_id, "name": "test-pool"}
    assert group["creationDate"].endswith("+00:00")
    assert gateway.calls == {"GetGroup": 1, "ListUsersInGroup": 1, "DescribeUserPool": 1}


async def test_group_members_page_by_page(gateway, cognito, pool_id):
    members = create_users(cognito, pool_id, 5)
    create_group(cognito, pool_id, "support", members)

    first = (await gateway.data(GROUP, {"pool": pool_id, "name": "support", "first": 3}))["group"]["users"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gateway.data(GROUP, {"pool": pool_id, "name": "support", "first": 3, "after": after}))["group"][
        "users"
    ]

    assert first["pageInfo"]["hasNextPage"] is True
    assert sorted(u["username"] for u in first["nodes"] + rest["nodes"]) == members


async def test_missing_group_is_a_typed_error(gateway, pool_id):
    group = (await gateway.data(GROUP, {"pool": pool_id, "name": "nobody"}))["group"]

    assert group["__typename"] == "ResourceNotFoundError"
    assert group["code"] == "ResourceNotFoundException"
    assert group["requestId"]


async def test_a_nested_failure_goes_to_errors_and_keeps_the_rest(gateway, cognito, pool_id):
    create_group(cognito, pool_id, "support")

    body = await gateway.query(GROUP, {"pool": pool_id, "name": "support", "first": 61})

    assert body["data"]["group"]["groupName"] == "support"
    assert body["data"]["group"]["users"] is None
    [error] = body["errors"]
    assert error["path"] == ["group", "users"]
    assert error["extensions"] == {"code": "InvalidParameterException", "requestId": None, "retryable": False}
    assert body["data"]["group"]["userPool"]["id"] == pool_id
    assert gateway.calls == {"GetGroup": 1, "DescribeUserPool": 1}
