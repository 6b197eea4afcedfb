"""The gateway's database: one async engine for the app's lifetime, migrated at start.

SQLite (the default, a file in ``GATEWAY_DATA_DIR``) runs in WAL mode, so that searches read while a sync writes,
with foreign keys on (they cascade a user's deletion to its attributes and memberships) and a busy timeout, so that
a writer waits for another rather than failing. PostgreSQL gets a pool sized by ``GATEWAY_DATABASE_POOL_SIZE`` and
``GATEWAY_DATABASE_MAX_OVERFLOW``, whose connections are checked before use (a restarted server costs no request).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from gateway.settings import Settings
from gateway.store import migrate
from gateway.store.changes import Changes, PostgreSQLChanges, SQLiteChanges, Unknown
from gateway.store.urls import engine_url, redacted

logger = logging.getLogger(__name__)

# The oldest SQLite with what the index uses: FTS5's trigram tokenizer (3.34) and RETURNING (3.35).
MINIMUM_SQLITE = (3, 35, 0)
SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = 10
POSTGRESQL_POOL_TIMEOUT_SECONDS = 10


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened or migrated at start (the message names it without its password)."""


P = ParamSpec("P")
T = TypeVar("T")


def whole(write: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A write runs to its end even when its caller is cancelled (a restart, a client gone): a transaction cut at an
    await can leave its connection holding SQLite's write lock, so that every later write waits for it, then fails."""

    @functools.wraps(write)
    async def whole_write(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.shield(write(*args, **kwargs))  # type: ignore[arg-type]

    return whole_write


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    url: URL
    changes: Changes = field(default_factory=Unknown)  # whether it may have changed since a reader read

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: what a compiled search is written for."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return redacted(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """``async with database.transaction() as connection``: committed on exit, rolled back on an exception."""
        try:
            async with self.engine.begin() as connection:
                yield connection
        finally:
            self.changes.wrote()

    def connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """``async with database.connect() as connection``: for reads."""
        return self.engine.connect()


def create_engine(url: URL, settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """The engine of ``url``; ``pooled=False`` opens a connection each time (PostgreSQL: the listener of
    ``store.changes``, which holds one for the app's lifetime, outside the app's pool)."""
    if url.get_backend_name() == "sqlite":
        if sqlite3.sqlite_version_info < MINIMUM_SQLITE:
            raise DatabaseUnavailable(
                f"SQLite {sqlite3.sqlite_version} is too old for the index (it needs "
                f"{'.'.join(map(str, MINIMUM_SQLITE))}+): use a newer Python build, or PostgreSQL"
            )
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    pool: dict[str, Any] = (
        {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": POSTGRESQL_POOL_TIMEOUT_SECONDS,
            "pool_pre_ping": True,
        }
        if pooled
        else {"poolclass": NullPool}
    )
    return create_async_engine(
        url,
        **pool,
        connect_args={
            "timeout": POSTGRESQL_CONNECT_TIMEOUT_SECONDS,
            "server_settings": {"application_name": "cognito-gateway"},
        },
    )


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode = WAL",
        "synchronous = NORMAL",  # in WAL mode: durable at each checkpoint, never corrupt
        "foreign_keys = ON",
        f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """The database of ``settings``, migrated to this gateway's schema; disposed of on exit."""
    configured = settings.database_url.get_secret_value() if settings.database_url else None
    url = engine_url(configured, data_dir=settings.data_dir)
    if configured is None:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise DatabaseUnavailable(
                f"GATEWAY_DATA_DIR {settings.data_dir} cannot be created ({error.strerror}): set it to a writable "
                "directory, or GATEWAY_DATABASE_URL"
            ) from None
    engine = create_engine(url, settings)
    try:
        try:
            if await migrate.upgrade(engine):
                logger.info("database migrated", extra={"database": redacted(url), "revision": migrate.head_revision()})
        except migrate.SchemaTooNew as error:
            raise DatabaseUnavailable(f"{redacted(url)}: {error}") from None
        except Exception as error:
            raise DatabaseUnavailable(f"the database {redacted(url)} cannot be opened: {error}") from error
        changes = _changes(url, settings)
        try:
            yield Database(engine, url, changes)
        finally:
            await changes.aclose()
    finally:
        await engine.dispose()


def _changes(url: URL, settings: Settings) -> Changes:
    if url.get_backend_name() == "sqlite":
        return SQLiteChanges(str(url.database))
    listening = PostgreSQLChanges(create_engine(url, settings, pooled=False))
    listening.start()
    return listening
