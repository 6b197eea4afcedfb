"""Whether the database may have changed since a moment: what lets a reader keep what it read (the directory index's
pool states, read before every search) without reading it again.

``version()`` gives a value that differs after any commit to the database that could matter, or None when this
process cannot tell (then a reader reads). Commits made through this process's :meth:`Database.transaction` move it
at once (read-your-writes); those of other processes (another replica, another gateway on the same file):

- SQLite: ``PRAGMA data_version`` on a connection of its own, which changes when any other connection commits (a few
  µs, no I/O: it reads the WAL index in shared memory).
- PostgreSQL: a ``LISTEN`` connection, told by a trigger on ``directory_pools`` (migration 0003) about every
  statement that changes a pool's state, users included (each advances the pool's revision). A notification arrives
  when the other transaction commits, before its replica answers its caller. While the connection is down, or its
  health check (every ``HEALTH_CHECK_SECONDS``) goes unanswered, ``version()`` is None.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import urllib.parse
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

CHANNEL = "cognito_gateway_directory_pools"  # the trigger of migration 0003 notifies it
HEALTH_CHECK_SECONDS = 5.0
RECONNECT_SECONDS = (0.5, 30.0)  # the first wait before listening again, and the longest


class Changes(Protocol):
    def version(self) -> object | None: ...

    def wrote(self) -> None:
        """A write transaction of this process ended (committed or not)."""

    async def aclose(self) -> None: ...


class Unknown:
    """A database whose changes cannot be seen: every reader reads."""

    def version(self) -> object | None:
        return None

    def wrote(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class SQLiteChanges:
    """``PRAGMA data_version`` of a read-only connection of its own to the database file."""

    def __init__(self, path: str) -> None:
        uri = f"file:{urllib.parse.quote(path)}?mode=ro"  # quoted: a path may hold '?' or '#'
        self._probe = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        self._writes = 0

    def version(self) -> object | None:
        try:
            (data_version,) = self._probe.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            return None
        return (data_version, self._writes)

    def wrote(self) -> None:
        self._writes += 1

    async def aclose(self) -> None:
        self._probe.close()


class PostgreSQLChanges:
    """Notifications on :data:`CHANNEL`, received on a connection of its own (``connect`` opens one: an engine
    without a pool, so that it takes no place in the app's), kept open by a background task."""

    def __init__(self, listener_engine: AsyncEngine) -> None:
        self._engine = listener_engine
        self._changes = 0
        self._listening = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def ready(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` seconds) until the notifications are heard."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not self._listening:
                    await asyncio.sleep(0.01)
        return self._listening

    def version(self) -> object | None:
        return self._changes if self._listening else None

    def wrote(self) -> None:
        self._changes += 1

    def _notified(self, *_: Any) -> None:
        self._changes += 1

    async def _listen(self) -> None:
        wait = RECONNECT_SECONDS[0]
        while True:
            try:
                async with self._engine.connect() as connection:
                    driver = (await connection.get_raw_connection()).driver_connection
                    lost = asyncio.Event()
                    driver.add_termination_listener(lambda _: lost.set())
                    await driver.add_listener(CHANNEL, self._notified)
                    self._changes += 1  # anything may have changed while nobody listened
                    self._listening = True
                    if wait > RECONNECT_SECONDS[0]:
                        logger.info("listening to the database's changes again")
                    wait = RECONNECT_SECONDS[0]
                    await _until_lost(lost, lambda: driver.fetchval("SELECT 1", timeout=HEALTH_CHECK_SECONDS))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the server gone, restarted, unreachable: listen again later
                logger.warning(
                    "not listening to the database's changes (%s): searches read the index state each time; "
                    "trying again in %.1f s",
                    type(error).__name__,
                    wait,
                )
            finally:
                self._listening = False
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT_SECONDS[1])

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._engine.dispose()


async def _until_lost(lost: asyncio.Event, check: Callable[[], Any]) -> None:
    """Until the connection closes, or fails its health check (a network that died silently closes nothing)."""
    while True:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HEALTH_CHECK_SECONDS):
                await lost.wait()
        if lost.is_set():
            raise ConnectionError("the listening connection closed")
        await check()
