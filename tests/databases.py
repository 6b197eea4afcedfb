"""The gateway's database in tests, on both engines, real servers (DESIGN.md sections 7 and 10).

PostgreSQL: the server at ``COGNITO_GATEWAY_TEST_POSTGRESQL_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``,
trust authentication) when it answers, else a throw-away one started from Debian's binaries
(``/usr/lib/postgresql/*/bin``: initdb and postgres on a free port in a temporary directory, as the ``postgres`` user
when run as root, since PostgreSQL refuses to run as root). Either way, the session works in a database of its own,
created at start and dropped at the end. With neither, the PostgreSQL tests skip, unless
``COGNITO_GATEWAY_REQUIRE_POSTGRESQL`` is set (CI sets it): then they fail.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from gateway.settings import Settings
from gateway.store import Database, open_database
from gateway.store.tables import metadata

ENGINES = ["sqlite", "postgresql"]
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
REQUIRE_VARIABLE = "COGNITO_GATEWAY_REQUIRE_POSTGRESQL"


def settings(database_url: str | None = None, data_dir: Path | None = None) -> Settings:
    return Settings(auth_mode="none", database_url=database_url, data_dir=data_dir or Path(tempfile.gettempdir()))


async def _answers(url: URL) -> bool:
    try:
        connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False), timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
        return False
    await connection.close()
    return True


async def _admin(url: URL, statement: str) -> None:
    connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _throwaway_server() -> Iterator[URL]:
    """A PostgreSQL server of Debian's binaries in a temporary directory, for the session."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    if not bindirs:
        raise FileNotFoundError("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt install postgresql)")
    bindir = Path(bindirs[-1])
    directory = Path(tempfile.mkdtemp(prefix="gateway-postgresql-"))
    run_as: dict[str, int] = {}  # the processes themselves run as postgres, so that signals reach the server
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")  # Debian's package makes it
        os.chown(directory, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    port = _free_port()
    server = None
    try:
        subprocess.run(
            [bindir / "initdb", "-D", directory / "data", "-U", "postgres", "-A", "trust", "-E", "UTF8"]
            + ["--no-sync", "--locale=C.UTF-8"],
            check=True,
            capture_output=True,
            cwd=directory,
            **run_as,
        )
        server = subprocess.Popen(
            [bindir / "postgres", "-D", directory / "data", "-p", str(port), "-k", directory]
            + ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off"]
            + ["-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=directory,
            **run_as,
        )
        url = make_url(f"postgresql://postgres@127.0.0.1:{port}/postgres")
        deadline = time.monotonic() + 30
        while not asyncio.run(_answers(url)):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not start: {server.stderr.read().decode() if server.stderr else ''}"
                )
            time.sleep(0.1)
        yield url
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # fast shutdown
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgresql_server() -> Iterator[URL]:
    """An administrative URL of a PostgreSQL server the tests may create databases on."""
    configured = make_url(os.environ.get("COGNITO_GATEWAY_TEST_POSTGRESQL_URL", DEFAULT_SERVER))
    if asyncio.run(_answers(configured)):
        yield configured
        return
    try:
        with _throwaway_server() as url:
            yield url
    except (FileNotFoundError, KeyError, subprocess.CalledProcessError, RuntimeError) as error:
        detail = getattr(error, "stderr", None) or error
        if os.environ.get(REQUIRE_VARIABLE):
            pytest.fail(f"PostgreSQL is required ({REQUIRE_VARIABLE}) but none answers nor starts: {detail}")
        pytest.skip(f"no PostgreSQL server answers at {configured.render_as_string()} nor starts here: {detail}")


@contextmanager
def fresh_postgresql_database(server: URL) -> Iterator[str]:
    """A new, empty database on ``server``, dropped on exit: its ``postgresql://`` URL."""
    name = f"gateway_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(False)
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgresql() -> Iterator[URL]:
    with postgresql_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgresql_database(postgresql: URL) -> Iterator[str]:
    """The session's PostgreSQL database (migrated by the first test that opens it)."""
    with fresh_postgresql_database(postgresql) as url:
        yield url


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of each engine: a new SQLite file, or the session's PostgreSQL database, emptied of rows."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return request.getfixturevalue("postgresql_database")


@pytest.fixture
def empty_database_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of each engine's database with nothing in it, not even the schema."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with fresh_postgresql_database(request.getfixturevalue("postgresql")) as url:
        yield url


@asynccontextmanager
async def opened(database_url: str) -> AsyncIterator[Database]:
    async with open_database(settings(database_url)) as database:
        yield database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The database of each engine, migrated, with no rows."""
    async with opened(database_url) as database:
        if database.dialect == "postgresql":
            async with database.transaction() as connection:
                names = ", ".join(table.name for table in metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield database


async def settled(database: Database) -> object:
    """The version once it stops moving: on PostgreSQL a write of this process moves it at once, and again when its
    own notification comes back to the listener."""
    version = database.changes.version()
    while True:
        await asyncio.sleep(0.05)
        if database.changes.version() == version:
            return version
        version = database.changes.version()
