"""The `userPools` and `userPool` queries and the `UserPool` type's nested connections."""

import base64
from contextlib import asynccontextmanager

import pytest

from gateway.auth.api_keys import hash_key
from gateway.settings import ApiKey
from tests.conftest import running_gateway
from tests.helpers import create_group, create_users

POOLS = """
query($region: String, $first: Int = 60, $after: String) {
  userPools(region: $region, first: $first, after: $after) {
    __typename
    ... on UserPoolConnection { nodes { id name creationDate } pageInfo { hasNextPage endCursor } }
    ... on CognitoError { code message }
  }
}"""


async def test_user_pools_from_the_list_alone(gateway, cognito):
    ids = {cognito.create_user_pool(PoolName=f"pool-{n}")["UserPool"]["Id"] for n in range(3)}

    first = (await gateway.data(POOLS, {"first": 2}))["userPools"]
    rest = (await gateway.data(POOLS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))["userPools"]

    assert {p["id"] for p in first["nodes"] + rest["nodes"]} == ids
    assert first["pageInfo"]["hasNextPage"] is True
    assert gateway.calls == {"ListUserPools": 2}


async def test_user_pools_describe_each_pool_once_when_more_is_selected(gateway, cognito):
    for n in range(3):
        cognito.create_user_pool(PoolName=f"pool-{n}", Policies={"PasswordPolicy": {"MinimumLength": 10 + n}})

    data = await gateway.data(
        """{ userPools { ... on UserPoolConnection {
              edges { node { name policies { passwordPolicy { minimumLength } } } }
              again: nodes { arn } } } }"""
    )

    lengths = sorted(e["node"]["policies"]["passwordPolicy"]["minimumLength"] for e in data["userPools"]["edges"])
    assert lengths == [10, 11, 12]
    assert all(n["arn"].startswith("arn:aws:cognito-idp:us-east-1:") for n in data["userPools"]["again"])
    assert gateway.calls == {"ListUserPools": 1, "DescribeUserPool": 3}


async def test_user_pools_of_another_region(gateway, cognito, backend):
    cognito.create_user_pool(PoolName="here")
    backend.client("eu-west-1").create_user_pool(PoolName="there")

    data = await gateway.data(POOLS, {"region": "eu-west-1"})

    assert [p["name"] for p in data["userPools"]["nodes"]] == ["there"]


async def test_user_pools_of_a_malformed_region_are_refused(gateway):
    data = await gateway.data(POOLS, {"region": "../etc"})

    assert data["userPools"]["__typename"] == "InvalidParameterError"
    assert gateway.calls == {}


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("zz-made-up-1", "'zz-made-up-1' is not a region this gateway serves user pools in"),
        ("us-east-\uff11", "'us-east-\uff11' is not an AWS region (e.g. eu-west-1)"),
    ],
)
async def test_user_pools_of_a_region_cognito_is_not_in_are_refused_before_a_client_exists(gateway, region, message):
    opened = gateway.app.state.cognito.open_regions

    data = await gateway.data(POOLS, {"region": region})

    assert data["userPools"] == {
        "__typename": "InvalidParameterError",
        "code": "InvalidParameterException",
        "message": message,
    }
    assert gateway.app.state.cognito.open_regions == opened
    assert gateway.calls == {}


async def test_user_pools_only_in_the_regions_configured(backend, cognito):
    async with running_gateway(backend, regions=["us-east-1", "eu-west-1"]) as gateway:
        served = await gateway.data(POOLS, {"region": "eu-west-1"})
        refused = await gateway.data(POOLS, {"region": "eu-west-2"})  # Cognito is there, this gateway is not

        assert served["userPools"]["__typename"] == "UserPoolConnection"
        assert refused["userPools"]["__typename"] == "InvalidParameterError"
        assert gateway.calls == {"ListUserPools": 1}
        assert gateway.app.state.cognito.open_regions == {"us-east-1", "eu-west-1"}


async def test_user_pool_with_every_nested_shape(gateway, cognito):
    pool = cognito.create_user_pool(
        PoolName="full",
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": True, "TemporaryPasswordValidityDays": 3}},
        AutoVerifiedAttributes=["email"],
        AliasAttributes=["email", "preferred_username"],
        Schema=[{"Name": "department", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        UserPoolTags={"team": "identity"},
    )["UserPool"]

    data = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { __typename ... on UserPool {
             id name arn status creationDate mfaConfiguration
             policies { passwordPolicy { minimumLength requireSymbols requireNumbers temporaryPasswordValidityDays } }
             autoVerifiedAttributes aliasAttributes userPoolTags
             schemaAttributes { name attributeDataType mutable stringAttributeConstraints { maxLength } }
             adminCreateUserConfig { allowAdminCreateUserOnly }
             accountRecoverySetting { recoveryMechanisms { name priority } }
        } } }""",
        {"id": pool["Id"]},
    )

    got = data["userPool"]
    assert got["__typename"] == "UserPool" and got["name"] == "full"
    assert got["policies"]["passwordPolicy"]["minimumLength"] == 12
    assert got["policies"]["passwordPolicy"]["requireSymbols"] is True
    assert got["policies"]["passwordPolicy"]["temporaryPasswordValidityDays"] == 3
    assert got["autoVerifiedAttributes"] == ["EMAIL"]
    assert sorted(got["aliasAttributes"]) == ["EMAIL", "PREFERRED_USERNAME"]
    assert got["userPoolTags"] == {"team": "identity"}
    assert {
        "name": "custom:department",
        "attributeDataType": "STRING",
        "mutable": True,
        "stringAttributeConstraints": None,
    } in got["schemaAttributes"] or any(
        a["name"] == "custom:department" and a["attributeDataType"] == "STRING" for a in got["schemaAttributes"]
    )
    assert got["adminCreateUserConfig"] == {"allowAdminCreateUserOnly": True}
    assert got["accountRecoverySetting"]["recoveryMechanisms"] == [{"name": "VERIFIED_EMAIL", "priority": 1}]


async def test_user_pool_users_and_groups(gateway, cognito, pool_id):
    create_users(cognito, pool_id, 4)
    create_group(cognito, pool_id, "admins", ["user-001"])

    data = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             users(first: 2, filter: {attribute: GIVEN_NAME, value: "Odd"}) { nodes { username } pageInfo { hasNextPage } }
             groups { nodes { groupName users { nodes { username } } } }
        } } }""",
        {"id": pool_id},
    )

    pool = data["userPool"]
    assert sorted(u["username"] for u in pool["users"]["nodes"]) == ["user-001", "user-003"]
    assert pool["groups"]["nodes"] == [{"groupName": "admins", "users": {"nodes": [{"username": "user-001"}]}}]


async def test_missing_user_pool_is_a_typed_error(gateway):
    data = await gateway.data(
        '{ userPool(id: "us-east-1_nothere") { __typename ... on CognitoError { code requestId } } }'
    )

    assert data["userPool"]["__typename"] == "ResourceNotFoundError"
    assert data["userPool"]["requestId"]


# --- callers granted some pools ---------------------------------------------------------------------

POOL_PAGE = """
query($first: Int!, $after: String) {
  userPools(first: $first, after: $after) {
    __typename
    ... on UserPoolConnection {
      edges { cursor node { id } }
      pageInfo { hasNextPage startCursor endCursor }
    }
  }
}"""


@pytest.fixture
def pools(cognito):
    """Five pools, in the order ListUserPools gives them."""
    for name in "ABCDE":
        cognito.create_user_pool(PoolName=name)
    return [pool["Id"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]]


@asynccontextmanager
async def granted(backend, pool_ids):
    """The gateway, called by a viewer whose grant holds on ``pool_ids`` only."""
    key = ApiKey(name="limited", role="viewer", pools=pool_ids, hash=hash_key("limited-key"))
    async with running_gateway(backend, auth_mode="api-key", api_keys=[key]) as gateway:
        gateway.http.headers["X-API-Key"] = "limited-key"
        yield gateway


async def walk(gateway, first, after=None):
    """Every page from ``after`` on, as the response bodies' ``userPools`` (a walk of more than ten pages fails)."""
    pages = []
    for _ in range(10):
        page = (await gateway.data(POOL_PAGE, {"first": first, "after": after}))["userPools"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
    pytest.fail(f"more than ten pages: {pages}")


def cursors_of(pages):
    info = [page["pageInfo"] for page in pages]
    return [edge["cursor"] for page in pages for edge in page["edges"]] + [
        cursor for page_info in info for cursor in (page_info["startCursor"], page_info["endCursor"]) if cursor
    ]


@pytest.mark.parametrize(
    "visible", [[0], [1, 2], [4], [0, 2, 4]], ids=["first", "two after one", "last", "every other"]
)
async def test_a_caller_granted_some_pools_pages_through_those_only(backend, pools, visible):
    """No empty page, the last page says there is no next one, and no cursor holds another pool (moto's tokens
    are base64 JSON naming the ARN of the pool they stop at)."""
    granted_pools = [pools[index] for index in visible]
    hidden = [pool for pool in pools if pool not in granted_pools]
    async with granted(backend, granted_pools) as gateway:
        pages = await walk(gateway, first=1)
        calls = gateway.calls

    assert [[edge["node"]["id"] for edge in page["edges"]] for page in pages] == [[pool] for pool in granted_pools]
    assert pages[-1]["pageInfo"]["hasNextPage"] is False
    assert calls == {"ListUserPools": len(granted_pools)}  # five pools are one Cognito page
    for cursor in cursors_of(pages):
        for secret in (cursor.encode(), base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))):
            assert not any(pool.encode() in secret or pool.split("_")[1].encode() in secret for pool in hidden)


async def test_a_filled_page_resumes_after_any_of_its_edges(backend, pools):
    granted_pools = [pools[0], pools[2], pools[4]]
    async with granted(backend, granted_pools) as gateway:
        page = (await gateway.data(POOL_PAGE, {"first": 2}))["userPools"]
        rest = (await gateway.data(POOL_PAGE, {"first": 2, "after": page["edges"][0]["cursor"]}))["userPools"]

    assert [edge["node"]["id"] for edge in page["edges"]] == granted_pools[:2]
    assert page["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["id"] for edge in rest["edges"]] == granted_pools[1:]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_caller_granted_no_pool_of_the_region_gets_one_empty_last_page(backend, pools):
    async with granted(backend, ["eu-west-1_Elsewhere"]) as gateway:
        pages = await walk(gateway, first=1)

    assert len(pages) == 1 and pages[0]["edges"] == []
    assert pages[0]["pageInfo"] == {"hasNextPage": False, "startCursor": None, "endCursor": None}


async def test_an_unlimited_caller_still_pages_with_one_call_a_page(gateway, pools):
    pages = await walk(gateway, first=2)

    assert [edge["node"]["id"] for page in pages for edge in page["edges"]] == pools
    assert gateway.calls == {"ListUserPools": 3}
