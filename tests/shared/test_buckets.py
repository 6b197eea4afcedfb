"""Token buckets in a real Redis, shared by every replica: two SharedBuckets on one Redis are two replicas. And
the fallback when Redis is unreachable: this process's table at rate / GATEWAY_EXPECTED_REPLICAS."""

import pytest
import redis.asyncio as redis

from gateway.shared.buckets import SharedBuckets
from gateway.shared.state import SharedState
from tests.redis_servers import closed_port_url


def replica(url: str, namespace: str, *, expected_replicas: int = 1) -> SharedState:
    return SharedState(url, namespace=namespace, expected_replicas=expected_replicas)


async def test_two_replicas_spend_one_budget_in_arrival_order(redis_server, redis_namespace):
    async with replica(redis_server, redis_namespace) as a, replica(redis_server, redis_namespace) as b:
        on_a, on_b = SharedBuckets("quota", a), SharedBuckets("quota", b)

        # 10/s with a burst of 2: the burst is spent through A, then B's call waits its turn, then A's after it.
        waits = [
            await on_a.reserve("k", 10, 2),
            await on_a.reserve("k", 10, 2),
            await on_b.reserve("k", 10, 2),
            await on_a.reserve("k", 10, 2),
        ]

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(0.1, abs=0.01)
    assert waits[3] == pytest.approx(0.2, abs=0.01)
    assert len(on_a) == len(on_b) == 0  # nothing kept in either process


async def test_take_keeps_a_reserve_and_wait_takes_nothing(redis_server, redis_namespace):
    async with replica(redis_server, redis_namespace) as state:
        buckets = SharedBuckets("caller", state)

        assert await buckets.wait("someone", 1, 4) == 0.0  # no key: a full bucket
        assert [await buckets.take("someone", 1, 4, keep=2) for _ in range(2)] == [0.0, 0.0]
        assert await buckets.take("someone", 1, 4, keep=2) == pytest.approx(1.0, abs=0.01)  # nothing taken
        assert await buckets.take("someone", 1, 4) == 0.0  # 2 -> 1: no reserve to keep
        assert await buckets.wait("someone", 1, 4) == 0.0
        assert await buckets.take("someone", 1, 4) == 0.0
        assert await buckets.wait("someone", 1, 4) == pytest.approx(1.0, abs=0.01)

        client = redis.Redis.from_url(redis_server)
        try:
            key = state.key("caller", "someone")
            assert await client.hget(key, "tokens") is not None
            # The key lives until its bucket would be full again (4 tokens at 1/s), and no longer.
            assert 3000 < await client.pttl(key) <= 5000
            assert await client.exists(state.key("caller", "nobody")) == 0  # `wait` kept no key
        finally:
            await client.aclose()


async def test_an_unreachable_redis_leaves_each_replica_its_share(caplog):
    async with replica(closed_port_url(), "unreachable", expected_replicas=2) as state:
        buckets = SharedBuckets("quota", state)

        # 10/s with a burst of 2, over 2 replicas: 5/s with a burst of 1 here.
        waits = [await buckets.reserve("k", 10, 2) for _ in range(3)]

        assert waits[0] == 0.0
        assert waits[1] == pytest.approx(0.2, abs=0.01)
        assert waits[2] == pytest.approx(0.4, abs=0.01)
        assert state.up is False
        assert state.detail()["backend"] == "local" and state.detail()["budgetShare"] == 0.5
    assert "serving on a local budget of 1/2" in caplog.text


USERS = """query($pool: ID!) { users(userPoolId: $pool, first: 5) { ... on UserConnection { nodes { username } } } }"""


async def test_two_gateways_spend_one_listusers_budget(backend, cognito, pool_id, redis_server, redis_namespace):
    """Six users(...) pages through two replicas at 10 ListUsers/s (a burst of 2): the burst is spent once, so four
    calls wait in all. Each replica alone would let its own burst through (two waits in all)."""
    import asyncio

    from tests.conftest import running_gateway

    settings = {"quota_rates": {"UserList": 10}, "redis_url": redis_server, "redis_key_prefix": redis_namespace}
    async with running_gateway(backend, **settings) as a, running_gateway(backend, **settings) as b:
        assert a.app.state.cognito.limiter.account == b.app.state.cognito.limiter.account == "123456789012"
        await asyncio.gather(*(replica.data(USERS, {"pool": pool_id}) for replica in (a, b, a, b, a, b)))
        waits = [replica.app.state.cognito.limiter.waits["UserList"] for replica in (a, b)]
        calls = [replica.calls.get("ListUsers", 0) for replica in (a, b)]

    assert calls == [3, 3]
    assert sum(waits) == 4
