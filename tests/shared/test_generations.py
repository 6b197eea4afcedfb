"""A write through one replica is read through the others at once (DESIGN.md section 10): two gateways on one moto
server and one Redis, each with its own read cache. The same two without Redis read the stale group for the cache's
TTL, which shows the test can fail."""

from contextlib import AsyncExitStack

from tests.conftest import running_gateway
from tests.helpers import create_group

GROUP = """query($pool: ID!, $name: String!) { group(userPoolId: $pool, groupName: $name) {
  ... on Group { description } } }"""
GROUPS = """query($pool: ID!) { groups(userPoolId: $pool) { ... on GroupConnection { nodes { groupName } } } }"""


async def two_replicas(stack: AsyncExitStack, backend, **settings):
    return [await stack.enter_async_context(running_gateway(backend, **settings)) for _ in range(2)]


async def describe(gateway, pool_id: str) -> str:
    return (await gateway.data(GROUP, {"pool": pool_id, "name": "support"}))["group"]["description"]


async def update(gateway, pool_id: str, description: str) -> None:
    result = await gateway.mutate(
        "updateGroup", {"userPoolId": pool_id, "groupName": "support", "description": description}
    )
    assert result["__typename"] == "UpdateGroupPayload", result


async def test_a_write_through_one_replica_is_read_through_the_other_at_once(
    backend, cognito, pool_id, redis_server, redis_namespace
):
    create_group(cognito, pool_id, "support", [])
    async with AsyncExitStack() as stack:
        a, b = await two_replicas(
            stack, backend, redis_url=redis_server, redis_key_prefix=redis_namespace, cache_ttl_seconds=300
        )
        assert await describe(b, pool_id) == "the support"
        assert await describe(b, pool_id) == "the support"
        assert b.calls["GetGroup"] == 1  # cached on B

        for round in range(3):
            await update(a, pool_id, f"version {round}")
            assert await describe(b, pool_id) == f"version {round}"
            assert await describe(b, pool_id) == f"version {round}"  # cached again until the next write
        assert b.calls["GetGroup"] == 4

        # A write naming the pool drops all of the pool's reads on B, not only the group's.
        await b.data(GROUPS, {"pool": pool_id})
        created = await a.mutate("createGroup", {"userPoolId": pool_id, "groupName": "auditors"})
        assert created["__typename"] == "CreateGroupPayload", created
        names = [node["groupName"] for node in (await b.data(GROUPS, {"pool": pool_id}))["groups"]["nodes"]]
        assert sorted(names) == ["auditors", "support"]


async def test_without_redis_the_other_replica_reads_stale_until_the_ttl(backend, cognito, pool_id):
    create_group(cognito, pool_id, "support", [])
    async with AsyncExitStack() as stack:
        a, b = await two_replicas(stack, backend, cache_ttl_seconds=300)
        assert await describe(b, pool_id) == "the support"

        await update(a, pool_id, "changed")

        assert await describe(a, pool_id) == "changed"
        assert await describe(b, pool_id) == "the support"  # what section 10 forbids with Redis


async def test_a_write_while_redis_is_down_is_not_lost_on_the_writing_replica(backend, cognito, pool_id):
    """Redis unreachable: each replica still drops its own entries on its own writes, and nothing fails."""
    from tests.redis_servers import closed_port_url

    create_group(cognito, pool_id, "support", [])
    async with running_gateway(backend, redis_url=closed_port_url(), cache_ttl_seconds=300) as gateway:
        assert await describe(gateway, pool_id) == "the support"
        await update(gateway, pool_id, "changed")
        assert await describe(gateway, pool_id) == "changed"
        ready = await gateway.http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["sharedState"]["backend"] == "local"
