"""The gateway's database on both engines: the URL setting, migrations at start, the engine's configuration, the
text indexes (and that searches use them), and that what is written survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import insert, select, text

from gateway.directory.values import value_key
from gateway.settings import Settings
from gateway.store import Database, DatabaseUnavailable, open_database
from gateway.store.migrate import VERSION_TABLE, head_revision
from gateway.store.tables import (
    POSTGRESQL_TRIGRAM_INDEXES,
    SQLITE_TEXT_TABLES,
    attributes,
    metadata,
    pools,
    users,
    utcnow,
)
from tests.databases import opened, settings

# -- the settings --------------------------------------------------------------------------------------------------


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(monkeypatch, tmp_path):
    from gateway.store.urls import engine_url

    monkeypatch.delenv("GATEWAY_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    default = Settings(auth_mode="none")

    assert default.data_dir == tmp_path / ".local" / "share" / "cognito-gateway"
    assert default.database_url is None
    url = engine_url(None, data_dir=default.data_dir)
    assert (url.drivername, url.database) == ("sqlite+aiosqlite", str(default.data_dir / "gateway.db"))


@pytest.mark.parametrize(
    ("configured", "driver"),
    [
        ("postgresql://gateway:pw@db:5432/gateway", "postgresql+asyncpg"),
        ("postgres://gateway@db/gateway", "postgresql+asyncpg"),
        ("sqlite:////var/lib/gateway/index.db", "sqlite+aiosqlite"),
    ],
)
def test_database_urls_name_the_async_driver(configured, driver):
    from gateway.store.urls import engine_url

    assert engine_url(configured, data_dir=Path(".")).drivername == driver


@pytest.mark.parametrize(
    ("configured", "complaint"),
    [
        ("mysql://root:hunter2@db/gateway", "'mysql'"),
        ("sqlite://", "in-memory"),
        ("not a url", "not a database URL"),
    ],
)
def test_an_unsupported_database_url_is_refused_without_echoing_it(configured, complaint):
    with pytest.raises(ValidationError) as refused:
        Settings(auth_mode="none", database_url=configured)

    assert complaint in str(refused.value)
    assert "hunter2" not in str(refused.value)


async def test_a_data_directory_that_cannot_be_made_stops_the_start_with_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")

    with pytest.raises(DatabaseUnavailable, match="GATEWAY_DATA_DIR"):
        async with open_database(settings(data_dir=blocker / "data")):
            pass


async def test_an_unreachable_postgresql_stops_the_start_without_its_password():
    url = "postgresql://gateway:hunter2@127.0.0.1:1/gateway"

    with pytest.raises(DatabaseUnavailable) as refused:
        async with open_database(settings(url)):
            pass

    assert "127.0.0.1:1" in str(refused.value) and "hunter2" not in str(refused.value)


# -- migrations ----------------------------------------------------------------------------------------------------


async def _revision(database: Database) -> list[str]:
    async with database.connect() as connection:
        return list((await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).scalars())


async def test_migrations_run_at_start_on_an_empty_database_and_then_change_nothing(empty_database_url):
    async with opened(empty_database_url) as database:
        assert await _revision(database) == [head_revision()]
        async with database.connect() as connection:
            before = await connection.run_sync(lambda sync: sorted(_schema_objects(sync)))

    async with opened(empty_database_url) as database:  # the second start: nothing to do
        assert await _revision(database) == [head_revision()]
        async with database.connect() as connection:
            assert await connection.run_sync(lambda sync: sorted(_schema_objects(sync))) == before

    assert {table.name for table in metadata.sorted_tables} <= set(before)


def _schema_objects(connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    else:
        rows = connection.exec_driver_sql(
            "SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace WHERE nspname = 'public'"
        )
    return [name for (name,) in rows]


async def test_the_migrated_schema_is_the_one_the_tables_describe(database):
    def differences(connection):
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, parent: (
                    name is None
                    or name not in POSTGRESQL_TRIGRAM_INDEXES
                    and name != VERSION_TABLE
                    and not any(name.startswith(table) for table in SQLITE_TEXT_TABLES)
                ),
            },
        )
        return compare_metadata(context, metadata)

    async with database.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_a_database_migrated_by_a_newer_gateway_is_refused(empty_database_url):
    async with opened(empty_database_url) as database:
        async with database.transaction() as connection:
            await connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))

    with pytest.raises(DatabaseUnavailable, match="revision '9999'.*newer gateway"):
        async with opened(empty_database_url):
            pass


# -- the engine ----------------------------------------------------------------------------------------------------


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    async with opened(f"sqlite:///{tmp_path / 'gateway.db'}") as database:
        async with database.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }

    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


async def test_postgresql_gets_a_pool_sized_by_the_settings(postgresql_database):
    configured = Settings(
        auth_mode="none", database_url=postgresql_database, database_pool_size=3, database_max_overflow=2
    )
    async with open_database(configured) as database:
        pool = database.engine.sync_engine.pool

        assert (pool.size(), pool._max_overflow) == (3, 2)
        assert database.url.drivername == "postgresql+asyncpg"


async def test_the_app_opens_the_database_in_its_lifespan(backend, data_dir):
    from tests.conftest import running_gateway

    async with running_gateway(backend) as gateway:
        database = gateway.app.state.database
        assert await _revision(database) == [head_revision()]
        assert database.url.database == str(data_dir / "gateway.db")


# -- the text indexes ----------------------------------------------------------------------------------------------


async def _one_user(database: Database, email: str) -> None:
    async with database.transaction() as connection:
        await connection.execute(
            insert(pools).values(
                user_pool_id="us-east-1_p", state="READY", users_indexed=1, progress=1.0, sync_generation=0
            )
        )
        await connection.execute(
            insert(users).values(
                id=1,
                user_pool_id="us-east-1_p",
                username="ada",
                username_lower="ada",
                enabled=True,
                search_text=f"ada\n{email.lower()}",
                synced_generation=0,
                indexed_at=utcnow(),
            )
        )
        await connection.execute(
            insert(attributes).values(
                user_id=1,
                user_pool_id="us-east-1_p",
                name="email",
                value=email,
                value_lower=email.lower(),
                value_key=value_key(email),
            )
        )


async def _plan(database: Database, query: str) -> str:
    async with database.connect() as connection:
        if database.dialect == "sqlite":
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")
            return "\n".join(str(row[-1]) for row in rows)
        # Tables this small are scanned whatever the indexes: forbid scans, so that the plan shows whether an index
        # can answer at all (if none could, the plan would still be a sequential scan).
        await connection.exec_driver_sql("SET enable_seqscan = off")
        return "\n".join(row[0] for row in await connection.exec_driver_sql(f"EXPLAIN {query}"))


async def test_a_substring_of_an_attribute_is_found_through_the_trigram_index(database):
    await _one_user(database, "Ada.Lovelace@Example.com")
    if database.dialect == "sqlite":
        query = (
            "SELECT user_id FROM directory_user_attributes WHERE id IN "
            "(SELECT rowid FROM directory_attributes_text WHERE directory_attributes_text MATCH '\"lovelace@ex\"')"
        )
        index = "VIRTUAL TABLE INDEX"
    else:
        query = "SELECT user_id FROM directory_user_attributes WHERE value_lower LIKE '%lovelace@ex%'"
        index = "ix_directory_user_attributes_value_trgm"

    plan = await _plan(database, query)

    assert index in plan, plan
    async with database.connect() as connection:
        assert (await connection.exec_driver_sql(query)).scalars().all() == [1]
        assert (await connection.exec_driver_sql(query.replace("lovelace@ex", "babbage"))).scalars().all() == []


async def test_a_text_token_is_found_through_the_users_trigram_index(database):
    await _one_user(database, "ada@example.com")
    if database.dialect == "sqlite":
        query = (
            "SELECT id FROM directory_users WHERE id IN "
            "(SELECT rowid FROM directory_users_text WHERE directory_users_text MATCH '\"xample\"')"
        )
        index = "VIRTUAL TABLE INDEX"
    else:
        query = "SELECT id FROM directory_users WHERE search_text LIKE '%xample%'"
        index = "ix_directory_users_search_text_trgm"

    assert index in await _plan(database, query)
    async with database.connect() as connection:
        assert (await connection.exec_driver_sql(query)).scalars().all() == [1]


@pytest.mark.parametrize(
    ("condition", "index"),
    [
        ("name = 'email' AND value_key = 'ada@example.com'", "ix_directory_user_attributes_key"),  # EQUALS
        ("name = 'email' AND value_key >= 'ada' AND value_key < 'ada\U0010ffff'", "ix_directory_user_attributes_key"),
        ("name = 'custom:n' AND value_number > 590", "ix_directory_user_attributes_number"),  # GREATER_THAN
        ("name = 'birthdate' AND value_time < '1990-01-05'", "ix_directory_user_attributes_time"),  # LESS_THAN
    ],
)
async def test_attribute_comparisons_search_a_btree_index(database, condition, index):
    await _one_user(database, "ada@example.com")
    # Rows enough for the planner's statistics: a user per value, of the names the conditions look at.
    async with database.transaction() as connection:
        await connection.execute(
            insert(users),
            [
                {
                    "id": 10 + n,
                    "user_pool_id": "us-east-1_p",
                    "username": f"u{n}",
                    "username_lower": f"u{n}",
                    "enabled": True,
                    "search_text": f"u{n}",
                    "synced_generation": 0,
                    "indexed_at": utcnow(),
                }
                for n in range(600)
            ],
        )
        await connection.execute(
            insert(attributes),
            [
                {
                    "user_id": 10 + n,
                    "user_pool_id": "p",
                    "name": name,
                    "value": f"{n}",
                    "value_lower": f"{n}",
                    "value_key": f"{n}",
                    "value_number": n,
                    "value_time": datetime(1990, 1, 1, tzinfo=UTC) + timedelta(days=n),
                }
                for n in range(600)
                for name in ("email", "custom:n", "birthdate")
            ],
        )
        await connection.exec_driver_sql("ANALYZE")

    plan = await _plan(
        database, f"SELECT user_id FROM directory_user_attributes WHERE user_pool_id = 'p' AND {condition}"
    )

    assert index in plan, plan


async def test_a_prefix_range_on_the_key_is_a_prefix_on_both_engines(database):
    """Key columns sort bytewise on both engines, so a range from p to p + U+10FFFF holds exactly what starts with
    p (the database's own collation would not guarantee it on PostgreSQL)."""
    await _one_user(database, "ada@example.com")
    async with database.transaction() as connection:
        for id, value in enumerate(["ad", "ada", "adb", "ada-z", "adÀ", "Ada~", "ac"], start=2):
            await connection.execute(
                insert(attributes).values(
                    user_id=1,
                    user_pool_id="us-east-1_p",
                    name=f"custom:a{id}",
                    value=value,
                    value_lower=value.lower(),
                    value_key=value_key(value),
                )
            )
        found = await connection.execute(
            select(attributes.c.value)
            .where(attributes.c.value_key >= "ada", attributes.c.value_key < "ada\U0010ffff")
            .order_by(attributes.c.value_key, attributes.c.value)
        )

    assert found.scalars().all() == ["ada", "ada-z", "ada@example.com", "Ada~"]


# -- restarts ------------------------------------------------------------------------------------------------------


async def test_what_is_written_survives_an_engine_restart(database, database_url):
    from gateway.directory.records import IndexedUser, IndexState
    from gateway.directory.repository import IndexRepository

    index = IndexRepository(database)
    await index.upsert_user("us-east-1_r", IndexedUser("ada", {"email": "ada@example.com"}, groups=frozenset({"eng"})))
    await index.update_state("us-east-1_r", state=IndexState.READY, progress=1.0, sync_checkpoint={"users": "t"})
    await database.engine.dispose()  # every connection closed

    async with opened(database_url) as database:  # a new engine, new connections
        index = IndexRepository(database)
        state = await index.state("us-east-1_r")
        user = await index.get_user("us-east-1_r", "ada")

    assert (state.state, state.users_indexed, state.progress, state.sync_checkpoint) == (
        "READY",
        1,
        1.0,
        {"users": "t"},
    )
    assert user.attributes == {"email": "ada@example.com"} and user.groups == {"eng"}
