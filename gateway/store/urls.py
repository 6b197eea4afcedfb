"""``GATEWAY_DATABASE_URL`` to the URL of an async SQLAlchemy engine.

Two engines are supported: SQLite through aiosqlite (the embedded default, a file in ``GATEWAY_DATA_DIR``) and
PostgreSQL through asyncpg. asyncpg rather than psycopg 3: it speaks PostgreSQL's protocol itself, so the image needs
no libpq (psycopg's pure-Python build needs the system's; its binary build bundles one), it ships wheels for every
platform the lock covers, and it is the faster of the two for the many small statements an index sync makes.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DATABASE_FILE_NAME = "gateway.db"

# What a URL may name, and the driver each one uses. The plain names are the usual ones (`postgresql://` as libpq
# writes it; `postgres://` as Heroku and others do).
DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def default_url(data_dir: Path) -> URL:
    return URL.create("sqlite+aiosqlite", database=str(data_dir / DATABASE_FILE_NAME))


def engine_url(configured: str | None, *, data_dir: Path) -> URL:
    """The engine URL for ``GATEWAY_DATABASE_URL`` (``configured``), or the default SQLite file in ``data_dir``.
    A ``ValueError`` names what is wrong without repeating the URL, which may hold a password."""
    if not configured:
        return default_url(data_dir)
    try:
        url = make_url(configured)
    except ArgumentError:
        raise ValueError("GATEWAY_DATABASE_URL is not a database URL (e.g. postgresql://user@host/db)") from None
    driver = DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"GATEWAY_DATABASE_URL names {url.drivername!r}: the gateway works with sqlite:///<file> and "
            "postgresql://... (through asyncpg)"
        )
    if driver.startswith("sqlite") and url.database in (None, "", ":memory:"):
        # Every pooled connection would have a database of its own, and the index would die with the process.
        raise ValueError("GATEWAY_DATABASE_URL: an in-memory SQLite database is not supported; name a file")
    return url.set(drivername=driver)


def redacted(url: URL) -> str:
    """The URL to show in logs and errors: without its password."""
    return url.render_as_string(hide_password=True)
