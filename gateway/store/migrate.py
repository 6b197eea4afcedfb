"""Schema migrations at start: Alembic, driven from code (there is no alembic.ini and nothing to run by hand).

A database already at the head costs one query (the common case: every start after the first). Otherwise the upgrade
runs in one transaction that first takes a lock, so that replicas starting together migrate once: PostgreSQL's
advisory lock, SQLite's ``BEGIN IMMEDIATE`` (the write lock; other processes wait out the busy timeout).
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "gateway_schema_version"
# pg_advisory_xact_lock's key: any constant of our own ("cognito-gateway migrations").
POSTGRESQL_LOCK_KEY = 0x636F676E6D696772


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer gateway: this one does not know its revision."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    return _scripts().get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision; None when it has none (an empty database)."""
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        except DBAPIError:  # no version table yet
            return None
        return result.scalar_one_or_none()


async def upgrade(engine: AsyncEngine) -> bool:
    """Migrate the database to the head revision; True when something was migrated."""
    head = head_revision()
    revision = await current_revision(engine)
    if revision == head:
        return False
    if revision is not None:
        _check_known(revision)
    async with engine.begin() as connection:
        await _lock(connection)
        await connection.run_sync(_upgrade)
    return True


def _check_known(revision: str) -> None:
    try:
        known = _scripts().get_revision(revision)
    except Exception:
        known = None
    if known is None:
        raise SchemaTooNew(
            f"the database's schema is at revision {revision!r}, which this gateway does not know "
            f"(its newest is {head_revision()!r}): a newer gateway migrated it"
        )


async def _lock(connection: AsyncConnection) -> None:
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_LOCK_KEY})
    else:
        # The sqlite3 driver has not begun a transaction yet (it does so before the first DML statement only): this
        # one takes the write lock at once, and makes the DDL that follows part of it.
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


def _upgrade(connection: Connection) -> None:
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
