"""The shared read cache: one call per entry within the TTL, shared by concurrent readers, failures not kept."""

import asyncio

import pytest

from gateway.cognito.cache import ReadCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting_load(result="answer"):
    calls = []

    async def load():
        calls.append(1)
        await asyncio.sleep(0)
        return result

    return load, calls


async def test_entries_live_for_the_ttl():
    clock = Clock()
    cache = ReadCache(5, clock=clock)
    load, calls = counting_load()

    assert await cache.get_or_load("k", "pool", load) == "answer"
    assert await cache.get_or_load("k", "pool", load) == "answer"
    clock.now += 5.01
    await cache.get_or_load("k", "pool", load)

    assert len(calls) == 2
    assert cache.hits == 1


async def test_concurrent_readers_share_one_call():
    cache = ReadCache(5)
    load, calls = counting_load()

    results = await asyncio.gather(*(cache.get_or_load("k", "pool", load) for _ in range(10)))

    assert results == ["answer"] * 10
    assert len(calls) == 1


async def test_failures_are_not_cached():
    cache = ReadCache(5)
    attempts = []

    async def failing():
        attempts.append(1)
        raise RuntimeError("upstream down")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            await cache.get_or_load("k", "pool", failing)

    assert len(attempts) == 2


async def test_forgetting_a_pool_drops_only_its_entries():
    cache = ReadCache(5)
    load, calls = counting_load()
    await cache.get_or_load(("DescribeUserPool", "a"), "pool-a", load)
    await cache.get_or_load(("DescribeUserPool", "b"), "pool-b", load)

    await cache.forget_pool("pool-a")
    await cache.get_or_load(("DescribeUserPool", "a"), "pool-a", load)
    await cache.get_or_load(("DescribeUserPool", "b"), "pool-b", load)

    assert len(calls) == 3


async def test_a_zero_ttl_turns_it_off():
    cache = ReadCache(0)
    load, calls = counting_load()

    for _ in range(3):
        await cache.get_or_load("k", "pool", load)

    assert len(calls) == 3
