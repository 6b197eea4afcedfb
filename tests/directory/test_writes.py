"""Read-your-writes over HTTP on both engines: after each mutation that changes a user, the very next searchUsers sees
the change, at the Cognito calls the mutation made before (one AdminGetUser more only where the new state depends on
the pool); pools the index does not hold are left alone; a failed index write does not fail the mutation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from botocore.client import BaseClient
from sqlalchemy import text

from gateway.cognito.operations import OPERATIONS
from gateway.directory.records import IndexState
from gateway.directory.writes import EFFECTS, NOT_INDEXED_EFFECTS, REREADS
from gateway.graphql.declarations import declared_fields
from gateway.graphql.schema import build_schema
from tests.conftest import Gateway, running_gateway
from tests.helpers import HANG_GUARD_SECONDS, PASSWORD, create_group

SEARCH = """
query Search($pool: ID!, $where: [UserConditionInput!]) {
  searchUsers(userPoolId: $pool, where: $where, first: 500) {
    ... on UserSearchConnection {
      totalCount
      nodes {
        username enabled userStatus
        email: attribute(name: "email") givenName: attribute(name: "given_name")
        groups { groupName }
      }
    }
    ... on CognitoError { code message }
  }
}
"""
STATUS = "query Status($pool: ID!) { indexStatus(userPoolId: $pool) { ... on IndexStatus { state usersIndexed } } }"
INDEX = "mutation Index($pool: ID!) { indexUserPool(input: {userPoolId: $pool}) { __typename } }"


def create_user(cognito: BaseClient, pool_id: str, username: str, given_name: str) -> None:
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "given_name", "Value": given_name},
        ],
    )


@pytest.fixture
def arranged_pool(cognito: BaseClient, pool_id: str) -> str:
    """ada (CONFIRMED, in eng) and bob (FORCE_CHANGE_PASSWORD) in Cognito, before the index sees them."""
    create_user(cognito, pool_id, "ada", "Ada")
    create_user(cognito, pool_id, "bob", "Bob")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="ada", Password=PASSWORD, Permanent=True)
    create_group(cognito, pool_id, "eng", ["ada"])
    create_group(cognito, pool_id, "ops")
    return pool_id


@pytest.fixture
async def gateway(backend, cognito, database, database_url) -> AsyncIterator[Gateway]:
    """The app on each engine's database (emptied by ``database``)."""
    async with running_gateway(backend, database_url=database_url) as running:
        yield running


async def index(gateway: Gateway, pool_id: str) -> None:
    """indexUserPool, its sync awaited (a re-sync of a READY pool stays READY throughout), then READY in
    indexStatus; the calls are counted afresh."""
    assert (await gateway.data(INDEX, {"pool": pool_id}))["indexUserPool"]["__typename"] == "IndexUserPoolPayload"
    await asyncio.wait_for(gateway.app.state.index.last_sync(pool_id), HANG_GUARD_SECONDS)
    assert (await gateway.data(STATUS, {"pool": pool_id}))["indexStatus"]["state"] == "READY"
    gateway.reset_calls()


@pytest.fixture
async def indexed(gateway: Gateway, arranged_pool: str) -> Gateway:
    await index(gateway, arranged_pool)
    return gateway


async def users(gateway: Gateway, pool_id: str, *where: dict) -> dict[str, dict]:
    """The users a search finds, by username (the search itself calls nothing)."""
    calls = gateway.calls
    found = (await gateway.data(SEARCH, {"pool": pool_id, "where": list(where)}))["searchUsers"]
    assert gateway.calls == calls
    assert found["totalCount"] == len(found["nodes"])
    return {node.pop("username"): node for node in found["nodes"]}


async def change(gateway: Gateway, name: str, input: dict, selection: str = "__typename") -> dict:
    result = await gateway.mutate(name, input, selection)
    assert result["__typename"] == f"{name[0].upper()}{name[1:]}Payload", result
    return result


def where(field: str, operator: str, value: str | None = None) -> dict:
    return {"field": field, "operator": operator, **({"value": value} if value is not None else {})}


async def test_disabling_and_enabling_show_at_once(indexed, pool_id):
    await change(indexed, "adminDisableUser", {"userPoolId": pool_id, "username": "ada"})

    assert list(await users(indexed, pool_id, where("enabled", "EQUALS", "false"))) == ["ada"]
    assert indexed.calls == {"AdminDisableUser": 1}

    await change(indexed, "adminEnableUser", {"userPoolId": pool_id, "username": "ada"})

    assert await users(indexed, pool_id, where("enabled", "EQUALS", "false")) == {}
    assert indexed.calls == {"AdminDisableUser": 1, "AdminEnableUser": 1}


async def test_attributes_set_and_deleted_show_at_once_with_no_read(indexed, pool_id):
    await change(
        indexed,
        "adminUpdateUserAttributes",
        {"userPoolId": pool_id, "username": "ada", "userAttributes": [{"name": "given_name", "value": "Augusta"}]},
    )

    found = await users(indexed, pool_id, where("given_name", "EQUALS", "Augusta"))
    assert found == {
        "ada": {
            "enabled": True,
            "userStatus": "CONFIRMED",
            "email": "ada@example.com",
            "givenName": "Augusta",
            "groups": [{"groupName": "eng"}],  # the memberships stay as they were
        }
    }

    await change(
        indexed,
        "adminDeleteUserAttributes",
        {"userPoolId": pool_id, "username": "ada", "userAttributeNames": ["given_name"]},
    )

    assert list(await users(indexed, pool_id, where("given_name", "NOT_EXISTS"))) == ["ada"]
    assert indexed.calls == {"AdminUpdateUserAttributes": 1, "AdminDeleteUserAttributes": 1}


async def test_a_new_email_is_read_back_once_and_the_payload_reads_no_more(indexed, cognito, pool_id):
    # Cognito resets email_verified (or keeps the old address until verified, per the pool): the index reads it.
    result = await change(
        indexed,
        "adminUpdateUserAttributes",
        {"userPoolId": pool_id, "username": "bob", "userAttributes": [{"name": "email", "value": "robert@corp.test"}]},
        'user { username email: attribute(name: "email") }',
    )

    assert result["user"] == {"username": "bob", "email": "robert@corp.test"}
    assert list(await users(indexed, pool_id, where("email", "ENDS_WITH", "@corp.test"))) == ["bob"]
    assert indexed.calls == {"AdminUpdateUserAttributes": 1, "AdminGetUser": 1}


async def test_status_changes_show_at_once(indexed, cognito, pool_id):
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    cognito.sign_up(ClientId=client_id, Username="cy", Password=PASSWORD)  # outside the gateway: not indexed
    username = {"userPoolId": pool_id, "username": "bob"}

    await change(indexed, "adminSetUserPassword", {**username, "password": PASSWORD, "permanent": True})
    assert (await users(indexed, pool_id))["bob"]["userStatus"] == "CONFIRMED"

    await change(indexed, "adminResetUserPassword", username)
    assert (await users(indexed, pool_id))["bob"]["userStatus"] == "RESET_REQUIRED"

    await change(indexed, "adminSetUserPassword", {**username, "password": PASSWORD, "permanent": False})
    assert (await users(indexed, pool_id))["bob"]["userStatus"] == "FORCE_CHANGE_PASSWORD"

    assert indexed.calls == {"AdminSetUserPassword": 2, "AdminResetUserPassword": 1}


async def test_a_user_the_index_lacks_is_read_back_when_ready_and_skipped_while_syncing(indexed, cognito, pool_id):
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    for username in ("cy", "dee"):  # outside the gateway: news to the index
        cognito.sign_up(ClientId=client_id, Username=username, Password=PASSWORD)

    # READY: the index should hold every user, so it reads this one back, whole (after the change).
    await change(indexed, "adminConfirmSignUp", {"userPoolId": pool_id, "username": "cy"})
    assert (await users(indexed, pool_id))["cy"]["userStatus"] == "CONFIRMED"
    assert indexed.calls == {"AdminConfirmSignUp": 1, "AdminGetUser": 1}

    # SYNCING: the sync brings the users it has not reached, at no call.
    await indexed.app.state.index.repository.update_state(pool_id, state=IndexState.SYNCING)
    indexed.reset_calls()
    await change(indexed, "adminConfirmSignUp", {"userPoolId": pool_id, "username": "dee"})
    assert indexed.calls == {"AdminConfirmSignUp": 1}
    await indexed.app.state.index.repository.update_state(pool_id, state=IndexState.READY)
    assert "dee" not in await users(indexed, pool_id)


async def test_a_user_named_by_an_alias_is_read_back_once(gateway, cognito):
    # A pool that signs in with email: the username is a generated ID, and callers name the user by email.
    pool_id = cognito.create_user_pool(PoolName="by-email", UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=pool_id, Username="eve@example.com", MessageAction="SUPPRESS")
    cognito.create_group(UserPoolId=pool_id, GroupName="eng")
    await index(gateway, pool_id)
    [username] = await users(gateway, pool_id)
    assert username != "eve@example.com"

    await change(gateway, "adminDisableUser", {"userPoolId": pool_id, "username": "eve@example.com"})
    await change(
        gateway, "adminAddUserToGroup", {"userPoolId": pool_id, "username": "eve@example.com", "groupName": "eng"}
    )

    found = await users(gateway, pool_id, where("email", "EQUALS", "eve@example.com"))
    assert {name: (user["enabled"], user["groups"]) for name, user in found.items()} == {
        username: (False, [{"groupName": "eng"}])
    }
    assert gateway.calls == {"AdminDisableUser": 1, "AdminAddUserToGroup": 1, "AdminGetUser": 2}


async def test_confirming_a_sign_up_shows_at_once(indexed, cognito, pool_id):
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    cognito.sign_up(ClientId=client_id, Username="cy", Password=PASSWORD)
    await index(indexed, pool_id)  # a re-sync brings cy, UNCONFIRMED
    assert (await users(indexed, pool_id))["cy"]["userStatus"] == "UNCONFIRMED"

    await change(indexed, "adminConfirmSignUp", {"userPoolId": pool_id, "username": "cy"})

    assert (await users(indexed, pool_id))["cy"]["userStatus"] == "CONFIRMED"
    assert indexed.calls == {"AdminConfirmSignUp": 1}


async def test_a_sign_up_and_its_confirmation_are_read_back_once(indexed, cognito, pool_id):
    # A sign-up's username and what a confirmation verifies depend on the pool: one AdminGetUser each, which the
    # payload's user then reads from the request's loader.
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    ids = {"userPoolId": pool_id, "clientId": client_id, "username": "cy"}

    signed_up = await change(indexed, "signUp", {**ids, "password": PASSWORD}, "user { userStatus }")
    assert signed_up["user"] == {"userStatus": "UNCONFIRMED"}
    assert (await users(indexed, pool_id))["cy"]["userStatus"] == "UNCONFIRMED"

    await change(indexed, "confirmSignUp", {**ids, "confirmationCode": "123456"}, "user { userStatus }")
    assert (await users(indexed, pool_id))["cy"]["userStatus"] == "CONFIRMED"

    # Without userPoolId the pool is Cognito's to know: left to the events queue.
    await change(indexed, "signUp", {"clientId": client_id, "username": "dee", "password": PASSWORD})
    assert "dee" not in await users(indexed, pool_id)

    assert indexed.calls == {"DescribeUserPoolClient": 1, "SignUp": 2, "ConfirmSignUp": 1, "AdminGetUser": 2}


async def test_a_new_password_answered_in_a_sign_in_is_read_back_once(indexed, cognito, pool_id):
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    ids = {"userPoolId": pool_id, "clientId": client_id}
    temporary = {"userPoolId": pool_id, "username": "bob", "password": PASSWORD, "permanent": False}
    await change(indexed, "adminSetUserPassword", temporary)
    challenge = await change(
        indexed,
        "adminInitiateAuth",
        {**ids, "authFlow": "ADMIN_USER_PASSWORD_AUTH", "authParameters": {"USERNAME": "bob", "PASSWORD": PASSWORD}},
        "challengeName session",
    )
    assert challenge["challengeName"] == "NEW_PASSWORD_REQUIRED"
    assert (await users(indexed, pool_id))["bob"]["userStatus"] == "FORCE_CHANGE_PASSWORD"

    await change(
        indexed,
        "adminRespondToAuthChallenge",
        {
            **ids,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
            "challengeResponses": {"USERNAME": "bob", "NEW_PASSWORD": "N3w-Passw0rd!"},
        },
    )

    assert (await users(indexed, pool_id))["bob"]["userStatus"] == "CONFIRMED"
    assert indexed.calls == {
        "AdminSetUserPassword": 1,
        "DescribeUserPoolClient": 1,
        "AdminInitiateAuth": 1,
        "AdminRespondToAuthChallenge": 1,
        "AdminGetUser": 1,
    }


async def test_memberships_show_at_once(indexed, pool_id):
    await change(indexed, "adminAddUserToGroup", {"userPoolId": pool_id, "username": "bob", "groupName": "ops"})
    await change(indexed, "adminRemoveUserFromGroup", {"userPoolId": pool_id, "username": "ada", "groupName": "eng"})

    found = await users(indexed, pool_id, where("group", "EXISTS"))
    assert {name: user["groups"] for name, user in found.items()} == {"bob": [{"groupName": "ops"}]}
    assert indexed.calls == {"AdminAddUserToGroup": 1, "AdminRemoveUserFromGroup": 1}


async def test_a_deleted_group_leaves_its_members_at_once(indexed, pool_id):
    await change(indexed, "deleteGroup", {"userPoolId": pool_id, "groupName": "eng"})

    assert await users(indexed, pool_id, where("group", "EQUALS", "eng")) == {}
    assert (await users(indexed, pool_id))["ada"]["groups"] == []
    assert indexed.calls == {"DeleteGroup": 1}


async def test_created_and_deleted_users_show_at_once(indexed, pool_id):
    await change(
        indexed,
        "adminCreateUser",
        {
            "userPoolId": pool_id,
            "username": "dee",
            "messageAction": "SUPPRESS",
            "userAttributes": [{"name": "email", "value": "dee@example.com"}],
        },
    )

    assert (await users(indexed, pool_id, where("email", "EQUALS", "dee@example.com"))) == {
        "dee": {
            "enabled": True,
            "userStatus": "FORCE_CHANGE_PASSWORD",
            "email": "dee@example.com",
            "givenName": None,
            "groups": [],
        }
    }
    status = (await indexed.data(STATUS, {"pool": pool_id}))["indexStatus"]
    assert status == {"state": "READY", "usersIndexed": 3}

    await change(indexed, "adminDeleteUser", {"userPoolId": pool_id, "username": "ada"})

    assert sorted(await users(indexed, pool_id)) == ["bob", "dee"]
    assert indexed.calls == {"AdminCreateUser": 1, "AdminDeleteUser": 1}


async def test_a_pool_the_index_does_not_hold_is_left_alone(gateway, arranged_pool, pool_id):
    await change(gateway, "adminDisableUser", {"userPoolId": pool_id, "username": "ada"})
    await change(gateway, "adminAddUserToGroup", {"userPoolId": pool_id, "username": "bob", "groupName": "ops"})

    status = (await gateway.data(STATUS, {"pool": pool_id}))["indexStatus"]
    assert status == {"state": "NOT_INDEXED", "usersIndexed": 0}
    assert await gateway.app.state.index.repository.states() == []  # nothing written, not even the pool's row


@pytest.mark.parametrize("engine_name", ["sqlite"])  # a trigger refusing the index's writes, in SQLite's dialect
async def test_a_failed_index_write_leaves_the_mutation_successful_and_is_counted(indexed, database, pool_id):
    async with database.transaction() as connection:
        await connection.execute(
            text("CREATE TRIGGER refuse BEFORE UPDATE ON directory_users BEGIN SELECT RAISE(ABORT, 'refused'); END")
        )

    await change(indexed, "adminDisableUser", {"userPoolId": pool_id, "username": "ada"})

    assert indexed.calls == {"AdminDisableUser": 1}
    metrics = (await indexed.http.get("/metrics")).text
    assert 'cognito_gateway_index_write_failures_total{operation="AdminDisableUser"} 1.0' in metrics


def test_every_mutation_of_a_user_says_what_it_does_to_the_index():
    """A new mutation of a user must be classified: an effect on the index, or none (and why, in writes.py)."""
    user_categories = {"UserCreation", "UserUpdate", "UserResourceUpdate", "UserFederation", "UserAccountRecovery"}
    mutations = {
        call.operation: call
        for type_name, _, _, call in declared_fields(build_schema()._schema)
        if type_name == "Mutation"
    }
    of_users = {operation for operation in mutations if OPERATIONS[operation].category in user_categories}
    assert not of_users - EFFECTS.keys() - NOT_INDEXED_EFFECTS
    assert not EFFECTS.keys() & NOT_INDEXED_EFFECTS
    assert EFFECTS.keys() <= mutations.keys()
    for operation in REREADS:  # a mutation that may read its user back declares the read
        assert "AdminGetUser" in mutations[operation].also, operation
