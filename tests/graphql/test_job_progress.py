"""``jobProgress`` over graphql-transport-ws on ``/graphql`` (DESIGN.md section 9): a snapshot, progress events at
most a few a second, the final state, then complete; authenticated from the upgrade request or connection_init."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bench import in_process
from gateway.auth.api_keys import hash_key
from gateway.settings import ApiKey
from tests.helpers import HANG_GUARD_SECONDS, create_users

# Starlette's test client speaks websockets; it warns that it will move to httpx2.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PROTOCOL = "graphql-transport-ws"
START = """mutation($input: StartUserJobInput!) { startUserJob(input: $input) {
  ... on StartUserJobPayload { job { id } } } }"""
PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { state total done progress etaSeconds } }"


def events(socket, subscription_id: str = "1") -> list[dict]:
    """Every ``next`` payload until ``complete``."""
    received, deadline = [], time.monotonic() + HANG_GUARD_SECONDS
    while time.monotonic() < deadline:
        message = socket.receive_json()
        if message["type"] == "next":
            assert message["id"] == subscription_id
            received.append(message["payload"])
        elif message["type"] == "complete":
            return received
        else:
            raise AssertionError(message)
    raise AssertionError("no complete")


def test_a_job_is_followed_from_snapshot_to_its_final_state(backend, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 40)
    app = in_process.app(backend.endpoint_url, quota_rates={"UserUpdate": 20})
    with TestClient(app) as client:
        started = client.post(
            "/graphql",
            json={
                "query": START,
                "variables": {
                    "input": {"userPoolId": pool_id, "action": "DISABLE", "selection": {"usernames": usernames}}
                },
            },
        ).json()
        job_id = started["data"]["startUserJob"]["job"]["id"]
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as socket:
            socket.send_json({"type": "connection_init"})
            assert socket.receive_json()["type"] == "connection_ack"
            socket.send_json(
                {"id": "1", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": job_id}}}
            )
            received = events(socket)

    jobs = [event["data"]["jobProgress"] for event in received]
    assert all("errors" not in event for event in received), received
    assert jobs[-1]["state"] == "SUCCEEDED" and jobs[-1]["done"] == 40 and jobs[-1]["progress"] == 1.0
    assert all(job["state"] != "SUCCEEDED" for job in jobs[:-1])  # one event in the final state, the last
    etas = [job["etaSeconds"] for job in jobs[1:-1] if job["etaSeconds"] is not None]
    assert etas and all(0 <= eta < 10 for eta in etas)  # from the rate measured meanwhile: 40 items at 20/s
    assert jobs[-1]["etaSeconds"] is None
    done = [job["done"] for job in jobs]
    assert done == sorted(done) and len(set(done)) >= 3  # progress in between, never back
    # 40 items at 20/s take about 2 s: at most 4 events a second, plus the snapshot and the final one.
    assert len(jobs) <= 4 * 3 + 2


@pytest.mark.parametrize("where", ["upgrade headers", "connection_init"])
def test_the_socket_authenticates_like_any_caller(backend, cognito, pool_id, where):
    create_users(cognito, pool_id, 1)
    keys = [ApiKey(name="ops", role="operator", hash=hash_key("ops-key"))]
    app = in_process.app(backend.endpoint_url, auth_mode="api-key", api_keys=keys)
    with TestClient(app) as client:
        started = client.post(
            "/graphql",
            headers={"X-API-Key": "ops-key"},
            json={
                "query": START,
                "variables": {
                    "input": {"userPoolId": pool_id, "action": "ENABLE", "selection": {"usernames": ["user-000"]}}
                },
            },
        ).json()
        job_id = started["data"]["startUserJob"]["job"]["id"]

        headers = {"X-API-Key": "ops-key"} if where == "upgrade headers" else {}
        init = {} if where == "upgrade headers" else {"X-API-Key": "ops-key"}
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL], headers=headers) as socket:
            socket.send_json({"type": "connection_init", "payload": init})
            assert socket.receive_json()["type"] == "connection_ack"
            socket.send_json(
                {"id": "1", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": job_id}}}
            )
            assert events(socket)[-1]["data"]["jobProgress"]["state"] == "SUCCEEDED"

        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as socket:
            socket.send_json({"type": "connection_init", "payload": {"X-API-Key": "wrong"}})
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()
            assert closed.value.code == 4403
