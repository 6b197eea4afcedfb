"""``Database.changes`` on both engines: its version moves with this process's writes at once, and with another
process's commits (another replica, another gateway on the same SQLite file) as they land; on PostgreSQL it is None
while its listening connection is down, and comes back."""

from __future__ import annotations

import asyncio

from sqlalchemy import text, update

from gateway.directory.records import IndexState
from gateway.directory.repository import IndexRepository
from gateway.store import Database
from gateway.store import changes as changes_module
from gateway.store.tables import pools
from tests.databases import opened, settled

POOL = "us-east-1_Changes"


async def _heard(database: Database) -> object:
    """The version, once the database's changes are heard (PostgreSQL's listener starts in the background)."""
    if isinstance(database.changes, changes_module.PostgreSQLChanges):
        assert await database.changes.ready(10)
    version = database.changes.version()
    assert version is not None
    return version


async def _moves(database: Database, before: object) -> bool:
    """Whether the version moves from ``before`` within a second (a notification travels)."""
    for _ in range(100):
        if database.changes.version() not in (before, None):
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_write_of_this_process_moves_the_version_before_it_returns(database: Database):
    before = await _heard(database)
    await IndexRepository(database).update_state(POOL, state=IndexState.SYNCING)
    assert database.changes.version() != before
    steady = await settled(database)
    async with database.connect() as connection:  # a read moves nothing
        await connection.execute(text("SELECT 1"))
    assert database.changes.version() == steady


async def test_a_commit_of_another_process_moves_the_version(database: Database, database_url: str):
    await IndexRepository(database).update_state(POOL, state=IndexState.SYNCING)
    async with opened(database_url) as other:
        await _heard(database)
        before = await settled(database)
        async with other.engine.begin() as connection:  # not through Database.transaction: another gateway's write
            await connection.execute(update(pools).where(pools.c.user_pool_id == POOL).values(progress=0.5))
        assert await _moves(database, before)
        steady = await settled(database)
        async with other.engine.begin() as connection:  # a write to another table than the pools' on PostgreSQL
            await connection.execute(text("SELECT 1"))
        await asyncio.sleep(0.1)
        assert database.changes.version() == steady


async def test_postgresql_says_it_cannot_tell_while_its_listener_is_down(postgresql_database: str, monkeypatch):
    monkeypatch.setattr(changes_module, "RECONNECT_SECONDS", (0.05, 0.05))
    async with opened(postgresql_database) as database:
        await _heard(database)
        async with database.transaction() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"  # the listener among them
                )
            )
        for _ in range(100):
            if database.changes.version() is None:
                break
            await asyncio.sleep(0.01)
        assert database.changes.version() is None
        await _heard(database)  # it listens again


async def test_a_sqlite_file_whose_path_needs_quoting_is_watched(tmp_path):
    directory = tmp_path / "odd #1 ?dir%20"
    directory.mkdir()
    async with opened(f"sqlite:///{directory / 'gateway.db'}") as database:
        async with opened(f"sqlite:///{directory / 'gateway.db'}") as other:
            before = await _heard(database)
            await IndexRepository(other).update_state(POOL, state=IndexState.SYNCING)
            assert await _moves(database, before)
