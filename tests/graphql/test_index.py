"""indexStatus and indexUserPool over HTTP, by role, on both engines."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.demo.server import DEMO_REGION
from tests.graphql.callers import callers, forbidden
from tests.helpers import HANG_GUARD_SECONDS, assert_error, create_group, create_users

STATUS = """
    query Status($pool: ID!) {
      indexStatus(userPoolId: $pool) {
        __typename
        ... on CognitoError { code message }
        ... on IndexStatus {
          userPoolId state usersIndexed estimatedUsers progress lastFullSyncAt lastChangeAt error
        }
      }
    }
"""
INDEX = """
    mutation Index($pool: ID!) {
      indexUserPool(input: {userPoolId: $pool}) {
        __typename
        ... on CognitoError { code message requestId }
        ... on IndexUserPoolPayload { indexStatus { userPoolId state progress error } }
      }
    }
"""


@pytest.fixture
async def as_caller(backend, pool_id, database, database_url):
    async with callers(backend, pool_id, database_url=database_url) as as_caller:
        yield as_caller


async def status(gateway, pool_id: str) -> dict:
    return (await gateway.data(STATUS, {"pool": pool_id}))["indexStatus"]


async def until_ready(gateway, pool_id: str) -> dict:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while (current := await status(gateway, pool_id))["state"] != "READY":
        assert current["state"] == "SYNCING" and time.monotonic() < deadline, current
        await asyncio.sleep(0.01)
    return current


async def test_a_pool_never_synced_is_not_indexed_and_reading_it_calls_nothing(as_caller, pool_id):
    viewer = as_caller("viewer")

    assert await status(viewer, pool_id) == {
        "__typename": "IndexStatus",
        "userPoolId": pool_id,
        "state": "NOT_INDEXED",
        "usersIndexed": 0,
        "estimatedUsers": None,
        "progress": 0.0,
        "lastFullSyncAt": None,
        "lastChangeAt": None,
        "error": None,
    }
    assert viewer.calls == {}


async def test_index_user_pool_syncs_in_the_background_and_a_re_sync_stays_ready(as_caller, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 65)
    create_group(cognito, pool_id, "eng", usernames[:3])
    admin = as_caller("admin")

    started = await admin.data(INDEX, {"pool": pool_id})

    assert started["indexUserPool"] == {
        "__typename": "IndexUserPoolPayload",
        "indexStatus": {"userPoolId": pool_id, "state": "SYNCING", "progress": 0.0, "error": None},
    }
    ready = await until_ready(as_caller("viewer"), pool_id)
    assert (ready["usersIndexed"], ready["estimatedUsers"], ready["progress"]) == (65, 65, 1.0)
    assert ready["lastFullSyncAt"] is not None

    cognito.admin_delete_user(UserPoolId=pool_id, Username=usernames[0])
    again = await as_caller("pool-admin").data(INDEX, {"pool": pool_id})
    assert again["indexUserPool"]["indexStatus"]["state"] == "READY"
    viewer = as_caller("viewer")
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while (current := await status(viewer, pool_id))["lastFullSyncAt"] == ready["lastFullSyncAt"]:
        assert (current["state"], current["progress"]) == ("READY", 1.0)
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    assert (current["state"], current["progress"], current["usersIndexed"]) == ("READY", 1.0, 64)


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_only_admins_may_index_a_pool(as_caller, pool_id, role):
    caller = as_caller(role)

    body = await caller.query(INDEX, {"pool": pool_id})

    assert body["data"]["indexUserPool"] is None
    assert "needs the admin role" in forbidden(body, ["indexUserPool"])
    assert caller.calls == {}
    assert (await status(caller, pool_id))["state"] == "NOT_INDEXED"


async def test_an_unknown_pool_is_refused_with_its_typed_error_and_nothing_starts(as_caller):
    missing = f"{DEMO_REGION}_NoSuchPool"
    admin = as_caller("admin")

    result = (await admin.data(INDEX, {"pool": missing}))["indexUserPool"]

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
    await asyncio.sleep(0.05)
    assert (await status(admin, missing))["state"] == "NOT_INDEXED"
    assert admin.app.state.index.syncing(missing) is False


async def test_a_pool_of_a_region_not_served_is_an_invalid_parameter(backend, pool_id, database, database_url):
    async with callers(backend, pool_id, database_url=database_url, regions=DEMO_REGION) as as_caller:
        result = await status(as_caller("viewer"), "eu-west-3_Elsewhere")

    assert result["__typename"] == "InvalidParameterError" and "eu-west-3" in result["message"]
