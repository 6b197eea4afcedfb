"""A user's auth factors (``User.configuredUserAuthFactors``, AdminGetUserAuthFactors) and the removal of their
authenticator app (``adminDeleteSoftwareToken``), through HTTP against the real app and the demo backend."""

from typing import Any

import pytest
from botocore.client import BaseClient
from graphql import parse, validate

from gateway.auth.api_keys import hash_key
from gateway.demo.server import DemoBackend
from gateway.graphql.limits import QueryCost
from gateway.graphql.schema import build_schema
from gateway.settings import ApiKey
from tests.conftest import running_gateway
from tests.helpers import PASSWORD, assert_error

FACTORS = "configuredUserAuthFactors preferredMfaSetting userMfaSettingList"
USER = """query($pool: ID!, $name: String!) {
  user(userPoolId: $pool, username: $name) { ... on User { username %s } }
}"""
DELETE = "userPoolId username user { %s }" % FACTORS


@pytest.fixture
def pool_id(cognito: BaseClient) -> str:
    """A pool whose users may sign in first with a password or an email code."""
    return cognito.create_user_pool(
        PoolName="factors",
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    )["UserPool"]["Id"]


def create_user(cognito: BaseClient, pool_id: str, username: str = "alice") -> None:
    """A confirmed user with a password and a verified email."""
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


def register_totp(cognito: BaseClient, pool_id: str, username: str = "alice") -> None:
    """The user registers an authenticator app (moto accepts any code) and prefers it for MFA."""
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    access_token = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    cognito.associate_software_token(AccessToken=access_token)
    cognito.verify_software_token(AccessToken=access_token, UserCode="123456")
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=username, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )


# --- User.configuredUserAuthFactors ------------------------------------------------------------------------------


async def test_a_user_s_auth_factors(gateway: Any, cognito: BaseClient, pool_id: str):
    create_user(cognito, pool_id)
    register_totp(cognito, pool_id)

    user = (await gateway.data(USER % FACTORS, {"pool": pool_id, "name": "alice"}))["user"]

    assert user == {
        "username": "alice",
        "configuredUserAuthFactors": ["PASSWORD", "EMAIL_OTP", "SOFTWARE_TOKEN"],
        "preferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        "userMfaSettingList": ["SOFTWARE_TOKEN_MFA"],
    }
    assert gateway.calls == {"AdminGetUser": 1, "AdminGetUserAuthFactors": 1}


async def test_factors_follow_the_user(gateway: Any, cognito: BaseClient, pool_id: str):
    cognito.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")  # no password yet

    user = (await gateway.data(USER % "configuredUserAuthFactors", {"pool": pool_id, "name": "bob"}))["user"]

    assert user == {"username": "bob", "configuredUserAuthFactors": []}


async def test_on_a_page_of_users_one_call_per_user_and_one_per_user_named_twice(
    gateway: Any, cognito: BaseClient, pool_id: str
):
    for name in ("alice", "bob", "carol"):
        create_user(cognito, pool_id, name)
    document = """query($pool: ID!) {
      users(userPoolId: $pool) { ... on UserConnection { nodes { username configuredUserAuthFactors } } }
      again: user(userPoolId: $pool, username: "alice") { ... on User { configuredUserAuthFactors } }
    }"""

    data = await gateway.data(document, {"pool": pool_id})

    assert {user["username"]: user["configuredUserAuthFactors"] for user in data["users"]["nodes"]} == {
        name: ["PASSWORD", "EMAIL_OTP"] for name in ("alice", "bob", "carol")
    }
    assert data["again"] == {"configuredUserAuthFactors": ["PASSWORD", "EMAIL_OTP"]}
    # Cognito has no batch read of factors: one call per user, alice's shared by the two fields that ask.
    assert gateway.calls == {"ListUsers": 1, "AdminGetUser": 1, "AdminGetUserAuthFactors": 3}


def test_the_query_cost_counts_one_call_per_user_of_the_page():
    document = '{ users(userPoolId: "p", first: 60) { ... on UserConnection { nodes { configuredUserAuthFactors } } } }'
    rule = type("Probe", (QueryCost,), {"max_cost": 1})

    [error] = validate(build_schema()._schema, parse(document), [rule])

    assert error.extensions["cost"] == 61  # the page, and one AdminGetUserAuthFactors per user


# --- adminDeleteSoftwareToken ------------------------------------------------------------------------------------


async def test_admin_delete_software_token(gateway: Any, cognito: BaseClient, pool_id: str):
    create_user(cognito, pool_id)
    register_totp(cognito, pool_id)

    result = await gateway.mutate("adminDeleteSoftwareToken", {"userPoolId": pool_id, "username": "alice"}, DELETE)

    user = result.pop("user")
    assert result == {"__typename": "AdminDeleteSoftwareTokenPayload", "userPoolId": pool_id, "username": "alice"}
    assert user["configuredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP"] and user["userMfaSettingList"] == []
    assert not user["preferredMfaSetting"]  # moto's AdminGetUser answers a preference it dropped as ""
    # The payload's user was read after the change, not from what the request had read before.
    assert gateway.calls == {"AdminDeleteSoftwareToken": 1, "AdminGetUser": 1, "AdminGetUserAuthFactors": 1}
    assert (
        "SOFTWARE_TOKEN"
        not in cognito.admin_get_user_auth_factors(UserPoolId=pool_id, Username="alice")["ConfiguredUserAuthFactors"]
    )


async def test_admin_delete_software_token_of_a_user_without_one(gateway: Any, cognito: BaseClient, pool_id: str):
    create_user(cognito, pool_id)

    result = await gateway.mutate("adminDeleteSoftwareToken", {"userPoolId": pool_id, "username": "alice"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_admin_delete_software_token_of_an_unknown_user(gateway: Any, pool_id: str):
    result = await gateway.mutate("adminDeleteSoftwareToken", {"userPoolId": pool_id, "username": "nobody"})

    assert_error(result, "UserNotFoundError", "UserNotFoundException")


# --- roles ----------------------------------------------------------------------------------------------------------

KEYS = {"viewer": "viewer-key-0123456789", "operator": "operator-key-0123456789"}


@pytest.fixture
async def gateway_as(backend: DemoBackend, cognito: BaseClient) -> Any:
    keys = [ApiKey(name=name, role=name, hash=hash_key(key)) for name, key in KEYS.items()]
    async with running_gateway(backend, auth_mode="api-key", api_keys=keys) as gateway:

        def as_caller(name: str) -> Any:
            gateway.http.headers["X-API-Key"] = KEYS[name]
            gateway.reset_calls()
            return gateway

        yield as_caller


async def test_a_viewer_reads_the_factors_and_only_an_operator_removes_the_authenticator(
    gateway_as: Any, cognito: BaseClient, pool_id: str
):
    create_user(cognito, pool_id)
    register_totp(cognito, pool_id)
    document = """mutation($pool: ID!) {
      run: adminDeleteSoftwareToken(input: {userPoolId: $pool, username: "alice"}) { __typename }
    }"""

    viewer = gateway_as("viewer")
    read = await viewer.data(USER % "configuredUserAuthFactors", {"pool": pool_id, "name": "alice"})
    viewer.reset_calls()
    refused = await viewer.query(document, {"pool": pool_id})
    assert viewer.calls == {}
    operator = gateway_as("operator")
    done = await operator.data(document, {"pool": pool_id})

    assert read["user"]["configuredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP", "SOFTWARE_TOKEN"]
    assert refused["data"] == {"run": None}
    assert refused["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert done == {"run": {"__typename": "AdminDeleteSoftwareTokenPayload"}}
    assert operator.calls == {"AdminDeleteSoftwareToken": 1}
