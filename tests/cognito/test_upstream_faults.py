"""Upstream faults, through HTTP on the real app, with bench.faults.FaultProxy between the gateway and moto:
typed and bounded failures, no lost or phantom writes, readiness that follows Cognito, partial data."""

import asyncio
import json
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest

from bench.faults import FaultProxy
from gateway.demo.server import DemoBackend
from tests.conftest import running_gateway
from tests.helpers import HANG_GUARD_SECONDS, create_group, create_users, readiness_turns


@pytest.fixture
def faults(backend: DemoBackend, cognito):
    proxy = FaultProxy(backend.endpoint_url).start()
    yield proxy
    proxy.stop()


@asynccontextmanager
async def gateway_through(proxy: FaultProxy, **settings):
    """The gateway with Cognito behind the fault proxy, three attempts per call as in production."""
    through = SimpleNamespace(endpoint_url=proxy.endpoint_url)  # running_gateway reads only the endpoint
    async with running_gateway(through, **{"max_attempts": 3, "read_timeout_seconds": 2, **settings}) as gateway:
        yield gateway


CREATE_USER = {"username": "alice", "messageAction": "SUPPRESS"}


async def test_a_write_whose_answer_is_lost_is_outcome_unknown_and_not_retried(faults, cognito, pool_id):
    faults.faults.rules = {"AdminCreateUser": "reset_after_forward"}
    async with gateway_through(faults) as gateway:
        result = await gateway.mutate(
            "adminCreateUser",
            {"userPoolId": pool_id, **CREATE_USER},
            selection="__typename",
        )
        error = (
            await gateway.query(
                """mutation($pool: ID!) { r: adminCreateUser(input: {userPoolId: $pool, username: "bob",
                     messageAction: SUPPRESS}) { ... on OutcomeUnknownError { code operation check retryable } } }""",
                {"pool": pool_id},
            )
        )["data"]["r"]

    assert result["__typename"] == "OutcomeUnknownError"
    assert error == {
        "code": "OutcomeUnknown",
        "operation": "AdminCreateUser",
        "check": f"Read the user 'bob' of user pool {pool_id} to see whether it took effect before sending "
        "AdminCreateUser again.",
        "retryable": False,
    }
    # Both users were created: the gateway said neither "done" nor "failed", and sent each request once.
    assert {user["Username"] for user in cognito.list_users(UserPoolId=pool_id)["Users"]} == {"alice", "bob"}
    assert faults.calls()["AdminCreateUser"] == 2


async def test_the_read_a_lost_answer_advises_does_not_come_from_the_cache(faults, cognito, pool_id):
    """The write took effect but its answer was lost: the error says to read the group, and that read is Cognito's,
    not the cached group from before the write."""
    create_group(cognito, pool_id, "support", [])
    read = """query($pool: ID!) { group(userPoolId: $pool, groupName: "support") { ... on Group { description } } }"""
    async with gateway_through(faults, cache_ttl_seconds=300) as gateway:
        before = (await gateway.data(read, {"pool": pool_id}))["group"]["description"]
        faults.faults.rules = {"UpdateGroup": "reset_after_forward"}
        result = await gateway.mutate(
            "updateGroup", {"userPoolId": pool_id, "groupName": "support", "description": "after"}, "__typename"
        )
        faults.faults.rules = {}
        after = (await gateway.data(read, {"pool": pool_id}))["group"]["description"]

    assert result["__typename"] == "OutcomeUnknownError"
    assert (before, after) == ("the support", "after")


async def test_a_write_that_times_out_is_outcome_unknown_within_the_read_timeout(faults, cognito, pool_id):
    faults.faults.rules = {"AdminCreateUser": "hang_after_forward"}
    async with gateway_through(faults, read_timeout_seconds=1) as gateway:
        # The proxy holds the answer until released: only the read timeout can end this request.
        created = gateway.mutate("adminCreateUser", {"userPoolId": pool_id, **CREATE_USER})
        result = await asyncio.wait_for(created, HANG_GUARD_SECONDS)
    faults.release()

    assert result["__typename"] == "OutcomeUnknownError"
    assert faults.calls()["AdminCreateUser"] == 1  # no retry after the timeout


async def test_a_server_error_on_a_write_is_outcome_unknown(faults, pool_id, tmp_path):
    faults.faults.rules = {"AdminDeleteUser": "error500"}
    audit_log = tmp_path / "audit.log"
    async with gateway_through(faults, audit_log_path=str(audit_log)) as gateway:
        result = await gateway.mutate("adminDeleteUser", {"userPoolId": pool_id, "username": "alice"})

    assert result["__typename"] == "OutcomeUnknownError"
    assert "InternalErrorException" in result["message"]
    assert faults.calls()["AdminDeleteUser"] == 1
    [record] = [json.loads(line) for line in audit_log.read_text().splitlines()]
    assert record["outcome"] == "OutcomeUnknownError"


async def test_a_throttled_write_is_retried_with_backoff_then_typed_and_retryable(faults, cognito, pool_id):
    faults.faults.rules = {"AdminCreateUser": "throttle"}
    async with gateway_through(faults) as gateway:
        result = await gateway.query(
            """mutation($pool: ID!) { r: adminCreateUser(input: {userPoolId: $pool, username: "alice",
                 messageAction: SUPPRESS}) { __typename ... on CognitoError { code retryable } } }""",
            {"pool": pool_id},
        )

    assert result["data"]["r"] == {
        "__typename": "TooManyRequestsError",
        "code": "TooManyRequestsException",
        "retryable": True,
    }
    assert faults.calls()["AdminCreateUser"] == 3  # throttled requests were not executed: safe to resend
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


async def test_a_throttled_read_is_retried_then_typed_and_retryable(faults, pool_id):
    faults.faults.rules = {"AdminGetUser": "throttle"}
    async with gateway_through(faults) as gateway:
        result = await gateway.query(
            """query($pool: ID!) { user(userPoolId: $pool, username: "alice") {
                 __typename ... on CognitoError { code retryable metadata { attempts } } } }""",
            {"pool": pool_id},
        )

    assert result["data"]["user"] == {
        "__typename": "TooManyRequestsError",
        "code": "TooManyRequestsException",
        "retryable": True,
        "metadata": {"attempts": 3},
    }


async def test_an_unreachable_cognito_is_a_quick_retryable_error_and_not_ready(faults, pool_id):
    async with gateway_through(faults, connect_timeout_seconds=1, ready_check_seconds=0.5) as gateway:
        ready_before = await readiness_turns(gateway.http, 200)
        faults.faults.rules = {"AdminGetUser": "reset", "ListUserPools": "reset"}
        read = gateway.query(
            """query($pool: ID!) { user(userPoolId: $pool, username: "alice") {
                 __typename ... on CognitoError { code retryable fault metadata { attempts } } } }""",
            {"pool": pool_id},
        )
        result = await asyncio.wait_for(read, HANG_GUARD_SECONDS)
        not_ready = await readiness_turns(gateway.http, 503)
        faults.faults.rules = {}
        ready = await readiness_turns(gateway.http, 200)

    assert result["data"]["user"] == {
        "__typename": "ServiceError",
        "code": "EndpointConnectionError",
        "retryable": True,
        "fault": "SERVER",
        "metadata": None,  # no answer came
    }
    assert faults.calls()["AdminGetUser"] == 3  # a reset read is retried, with backoff, then typed
    # Ready, then not while Cognito resets every connection, then ready again once it answers.
    assert (ready_before, not_ready, ready) == ({"status": "ready"}, {"status": "unavailable"}, {"status": "ready"})


async def test_a_hung_cognito_still_gets_a_readiness_answer_then_unavailable(faults):
    # Calls wait for Cognito longer than the hang guard: only the readiness check's own bound can answer.
    async with gateway_through(faults, ready_check_seconds=0.5, read_timeout_seconds=2 * HANG_GUARD_SECONDS) as gateway:
        ready = await readiness_turns(gateway.http, 200)
        faults.faults.rules = {"ListUserPools": "hang"}  # no answer ever, until released
        # Every probe answers while the check hangs (readiness_turns fails on one that does not), from the last
        # result until the check times out.
        not_ready = await readiness_turns(gateway.http, 503)
        hung_checks = faults.fault_counts()[("ListUserPools", "hang")]
    faults.release()

    assert (ready, not_ready) == ({"status": "ready"}, {"status": "unavailable"})
    assert hung_checks >= 1


async def test_a_nested_failure_leaves_the_rest_of_the_response(faults, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 2)
    create_group(cognito, pool_id, "staff", usernames)
    faults.faults.rules = {"AdminListGroupsForUser": "throttle", "ListUsersInGroup": "throttle"}
    async with gateway_through(faults, max_attempts=1) as gateway:
        body = await gateway.query(
            """query($pool: ID!, $name: String!) {
                 user(userPoolId: $pool, username: $name) { ... on User { username enabled groups { groupName } } }
               }""",
            {"pool": pool_id, "name": usernames[0]},
        )

    assert body["data"]["user"] == {"username": usernames[0], "enabled": True, "groups": None}
    [error] = body["errors"]
    assert error["path"] == ["user", "groups"]
    assert error["extensions"]["code"] == "TooManyRequestsException"
    assert error["extensions"]["retryable"] is True


async def test_a_write_that_never_left_is_a_clean_retryable_failure(cognito, pool_id):
    """A refused connection proves nothing was sent: retried, then a plain failure (not OutcomeUnknown)."""
    from tests.test_app import closed_port

    closed = SimpleNamespace(endpoint_url=f"http://127.0.0.1:{closed_port()}")
    async with running_gateway(closed, max_attempts=2) as gateway:
        result = await gateway.query(
            """mutation($pool: ID!) { r: adminDeleteUser(input: {userPoolId: $pool, username: "alice"}) {
                 __typename ... on CognitoError { code retryable message } } }""",
            {"pool": pool_id},
        )

    assert result["data"]["r"] == {
        "__typename": "ServiceError",
        "code": "EndpointConnectionError",
        "retryable": True,
        "message": "Cognito could not be reached",
    }
