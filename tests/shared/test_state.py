"""The Redis connection: down at start, down mid-run and back, without failing a check (a server of the test's own,
stopped and started)."""

import asyncio
import logging

from gateway.observability.metrics import Metrics
from gateway.shared.buckets import SharedBuckets
from gateway.shared.state import SharedState
from tests.redis_servers import private_redis


async def wait_for(condition, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


async def test_a_redis_that_goes_away_and_comes_back(caplog):
    caplog.set_level(logging.INFO, logger="gateway.shared.state")
    metrics = Metrics()
    reconnects = []
    with private_redis() as server:
        async with SharedState(
            server.url, namespace="t", expected_replicas=3, metrics=metrics, probe_seconds=0.1
        ) as state:
            state.on_reconnect(lambda: reconnects.append(1))
            buckets = SharedBuckets("quota", state, metrics=metrics)
            assert state.up and state.detail() == {"backend": "redis"}
            assert metrics.shared_state_up._value.get() == 1
            assert await buckets.reserve("k", 30, 6) == 0.0

            server.stop()
            # The first check after Redis went away is served locally, at once: no failure, no wait.
            assert await buckets.reserve("k", 30, 6) == 0.0
            assert not state.up
            assert state.detail()["backend"] == "local"
            assert state.detail()["reason"].startswith("Redis unreachable: ConnectionError")
            assert metrics.shared_state_up._value.get() == 0
            assert metrics.shared_state_fallbacks.labels("quota")._value.get() == 1
            assert len(buckets) == 1  # kept here meanwhile

            server.start()
            await wait_for(lambda: state.up)
            assert reconnects == [1]
            assert state.detail() == {"backend": "redis"}
            assert await buckets.reserve("k2", 30, 6) == 0.0
            assert metrics.shared_state_fallbacks.labels("quota")._value.get() == 1
    messages = [record.getMessage() for record in caplog.records if record.name == "gateway.shared.state"]
    assert sum("unreachable" in message for message in messages) == 1  # said once, not per check
    assert any(message.startswith("Redis answers again") for message in messages)


async def test_a_redis_down_at_start_does_not_stop_the_start():
    with private_redis() as server:
        server.stop()
        async with SharedState(server.url, namespace="t", probe_seconds=0.1) as state:
            assert not state.up
            server.start()
            await wait_for(lambda: state.up)


async def test_the_urls_password_is_never_logged_nor_shown(caplog):
    from tests.redis_servers import free_port

    async with SharedState(f"redis://:s3cret@127.0.0.1:{free_port()}/0", namespace="t") as state:
        assert not state.up
        detail = state.detail()
    assert "Redis is unreachable" in caplog.text
    assert "s3cret" not in caplog.text and "s3cret" not in str(detail)


async def test_the_gateway_fails_no_request_while_its_redis_is_gone(backend, cognito, pool_id):
    """Through HTTP: Redis killed mid-run, then started again; every request answers, /readyz says which budget it
    serves on, and the metric follows."""
    from tests.conftest import running_gateway
    from tests.helpers import create_users

    create_users(cognito, pool_id, 3)
    query = """query($pool: ID!) { userPool(id: $pool) { ... on UserPool { name } }
      users(userPoolId: $pool, first: 3) { ... on UserConnection { nodes { username } } } }"""
    with private_redis() as server:
        async with running_gateway(backend, redis_url=server.url, expected_replicas=4) as gateway:
            for expected in ("redis", "local", "redis"):
                if expected == "local":
                    server.stop()
                elif gateway.app.state.shared.up is False:
                    server.start()
                    await wait_for(lambda: gateway.app.state.shared.up)
                for _ in range(3):
                    data = await gateway.data(query, {"pool": pool_id})
                    assert len(data["users"]["nodes"]) == 3
                ready = await gateway.http.get("/readyz")
                metrics = (await gateway.http.get("/metrics")).text
                assert ready.status_code == 200
                assert ready.json()["sharedState"]["backend"] == expected
                up = "1.0" if expected == "redis" else "0.0"
                assert f"cognito_gateway_shared_state_up {up}" in metrics
            assert ready.json()["status"] == "ready"
