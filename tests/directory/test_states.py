"""The pool states searches read (``PoolStates``): read once while nothing changes, read again after a write of this
gateway at once, and after another gateway's write as soon as the database tells (both engines)."""

from __future__ import annotations

import asyncio

from gateway.directory.records import IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.states import PoolStates
from gateway.store import Database
from gateway.store.changes import PostgreSQLChanges
from tests.databases import opened, settled

POOL = "us-east-1_States"


async def _states(database: Database) -> PoolStates:
    if isinstance(database.changes, PostgreSQLChanges):
        assert await database.changes.ready(10)
    return PoolStates(IndexRepository(database))


async def test_a_state_is_read_once_while_nothing_changes(database: Database):
    states = await _states(database)
    await states.repository.update_state(POOL, state=IndexState.READY)
    await settled(database)  # PostgreSQL: the write's own notification comes back, and moves the version again
    first = await states.state(POOL)
    assert first.state is IndexState.READY
    assert await states.state(POOL) is first  # from memory
    assert (await states.state("us-east-1_Other")).state is IndexState.NOT_INDEXED


async def test_a_write_of_this_gateway_is_seen_by_the_next_read(database: Database):
    states = await _states(database)
    await states.repository.update_state(POOL, state=IndexState.SYNCING)
    assert (await states.state(POOL)).state is IndexState.SYNCING
    await states.repository.update_state(POOL, state=IndexState.READY, progress=1.0)
    assert (await states.state(POOL)).state is IndexState.READY


async def test_another_gateways_write_is_seen(database: Database, database_url: str):
    states = await _states(database)
    await states.repository.update_state(POOL, state=IndexState.SYNCING)
    assert (await states.state(POOL)).state is IndexState.SYNCING
    async with opened(database_url) as other:
        await IndexRepository(other).update_state(POOL, state=IndexState.READY, progress=1.0)
        for _ in range(100):  # PostgreSQL: as soon as the notification arrives
            if (await states.state(POOL)).state is IndexState.READY:
                break
            await asyncio.sleep(0.01)
        assert (await states.state(POOL)).state is IndexState.READY
