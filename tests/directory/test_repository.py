"""The index's repository on both engines: users with attributes and groups, deletions, group members, the pool's
index state and the sync's lease."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from gateway.directory.records import IndexedGroup, IndexedUser, IndexState, PoolIndex
from gateway.directory.repository import IndexRepository
from gateway.store.tables import attributes, groups, memberships

POOL = "eu-west-1_Index"
CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def index(database) -> IndexRepository:
    return IndexRepository(database)


def ada(**changes) -> IndexedUser:
    values = {
        "username": "ada",
        "attributes": {"sub": "sub-ada", "email": "Ada@Example.com", "custom:tier": "gold", "custom:age": "36"},
        "user_status": "CONFIRMED",
        "enabled": True,
        "user_create_date": CREATED,
        "user_last_modified_date": CREATED,
        "groups": frozenset({"eng", "admins"}),
    }
    return IndexedUser(**{**values, **changes})


async def _rows(index: IndexRepository, table, *columns):
    async with index.database.connect() as connection:
        return sorted(tuple(row) for row in await connection.execute(select(*[table.c[name] for name in columns])))


async def test_a_user_is_written_with_its_attributes_groups_and_shadow_values(index):
    assert await index.upsert_user(POOL, ada()) is True

    assert await index.get_user(POOL, "ada") == ada()
    assert await _rows(index, attributes, "name", "value_lower", "value_number", "value_time") == [
        ("custom:age", "36", 36.0, None),
        ("custom:tier", "gold", None, None),
        ("email", "ada@example.com", None, None),
        ("sub", "sub-ada", None, None),
    ]
    state = await index.state(POOL)
    assert state.users_indexed == 1 and state.last_change_at is not None
    assert await index.username_for_sub(POOL, "sub-ada") == "ada"


async def test_upserting_again_replaces_attributes_and_groups_and_counts_the_user_once(index):
    await index.upsert_user(POOL, ada())

    again = ada(attributes={"sub": "sub-ada", "email": "ada@example.org", "birthdate": "1815-12-10"}, enabled=False)
    assert await index.upsert_user(POOL, again.__class__(**{**vars(again), "groups": frozenset({"eng"})})) is False

    user = await index.get_user(POOL, "ada")
    assert user.attributes == {"sub": "sub-ada", "email": "ada@example.org", "birthdate": "1815-12-10"}
    assert (user.enabled, user.groups) == (False, {"eng"})
    assert await _rows(index, attributes, "name", "value_time") == [
        ("birthdate", datetime(1815, 12, 10, tzinfo=UTC)),
        ("email", None),
        ("sub", None),
    ]
    assert (await index.state(POOL)).users_indexed == 1


async def test_groups_none_leaves_memberships_as_they_are(index):
    await index.upsert_user(POOL, ada())

    await index.upsert_user(POOL, ada(groups=None, user_status="RESET_REQUIRED"))

    user = await index.get_user(POOL, "ada")
    assert (user.user_status, user.groups) == ("RESET_REQUIRED", {"eng", "admins"})


async def test_a_batch_is_written_in_one_call_and_counts_only_new_users(index):
    batch = [IndexedUser(f"user{n:03}", {"email": f"user{n}@example.com"}) for n in range(120)]

    assert await index.upsert_users(POOL, batch, record_change=False) == 120
    assert await index.upsert_users(POOL, batch[100:] + [IndexedUser("late")], record_change=False) == 1

    state = await index.state(POOL)
    assert (state.users_indexed, state.last_change_at) == (121, None)
    assert await index.recount_users(POOL) == 121


async def test_deleting_a_user_removes_its_attributes_and_memberships(index):
    await index.upsert_users(POOL, [ada(), IndexedUser("grace", {"email": "grace@example.com"})])

    assert await index.delete_user(POOL, "ada") is True
    assert await index.delete_user(POOL, "ada") is False

    assert await index.get_user(POOL, "ada") is None
    assert await _rows(index, attributes, "name") == [("email",)]
    assert await _rows(index, memberships, "group_name") == []
    assert (await index.state(POOL)).users_indexed == 1


async def test_the_text_indexes_stay_in_step_with_writes_and_deletions(index):
    """SQLite's FTS5 tables are kept by triggers (cascaded deletions included): its integrity check compares them
    with their content tables."""
    await index.upsert_users(POOL, [ada(), IndexedUser("grace", {"email": "grace@example.com"})])
    await index.upsert_user(POOL, ada(attributes={"email": "lovelace@example.org"}))
    await index.delete_user(POOL, "grace")
    if index.database.dialect == "sqlite":
        attribute_match = (
            "id IN (SELECT rowid FROM directory_attributes_text WHERE directory_attributes_text MATCH '{}')"
        )
        user_match = "id IN (SELECT rowid FROM directory_users_text WHERE directory_users_text MATCH '{}')"
    else:
        attribute_match, user_match = "value_lower LIKE '%{}%'", "search_text LIKE '%{}%'"

    async with index.database.transaction() as connection:
        if index.database.dialect == "sqlite":
            for table in ("directory_users_text", "directory_attributes_text"):
                await connection.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
        found = await connection.exec_driver_sql(
            f"SELECT value FROM directory_user_attributes WHERE {attribute_match.format('lovelace')}"
        )
        assert found.scalars().all() == ["lovelace@example.org"]
        gone = await connection.exec_driver_sql(f"SELECT id FROM directory_users WHERE {user_match.format('grace')}")
        assert gone.all() == []


async def test_replacing_a_groups_members_adds_removes_and_names_the_unindexed(index):
    await index.upsert_users(POOL, [ada(), IndexedUser("grace"), IndexedUser("linus")])

    missing = await index.replace_group_members(POOL, "eng", ["grace", "linus", "ghost"])

    assert missing == {"ghost"}
    assert (await index.get_user(POOL, "ada")).groups == {"admins"}
    assert (await index.get_user(POOL, "grace")).groups == {"eng"}
    assert (await index.get_user(POOL, "linus")).groups == {"eng"}


async def test_membership_changes_one_at_a_time(index):
    await index.upsert_user(POOL, IndexedUser("grace"))

    assert await index.add_membership(POOL, "grace", "ops") is True
    assert await index.add_membership(POOL, "ghost", "ops") is False
    assert (await index.get_user(POOL, "grace")).groups == {"ops"}
    assert await index.remove_membership(POOL, "grace", "ops") is True
    assert await index.remove_membership(POOL, "grace", "ops") is False
    assert (await index.get_user(POOL, "grace")).groups == frozenset()


async def test_groups_are_upserted_replaced_and_deleted_with_their_memberships(index):
    await index.upsert_user(POOL, ada())
    await index.upsert_groups(POOL, [IndexedGroup("eng", description="Engineering", precedence=1)])

    assert await _rows(index, groups, "group_name", "description", "precedence") == [
        ("admins", None, None),
        ("eng", "Engineering", 1),
    ]
    assert await index.replace_groups(POOL, [IndexedGroup("eng")]) == 1  # admins is gone
    assert (await index.get_user(POOL, "ada")).groups == {"eng"}
    assert await index.delete_group(POOL, "eng") is True
    assert (await index.get_user(POOL, "ada")).groups == frozenset()


async def test_a_full_sync_sweeps_the_users_it_did_not_see_but_keeps_those_written_meanwhile(index):
    await index.upsert_users(POOL, [IndexedUser("stale"), IndexedUser("kept")])
    state = await index.update_state(POOL, state=IndexState.SYNCING, sync_generation=1)

    await index.upsert_users(POOL, [IndexedUser("kept")], generation=state.sync_generation, record_change=False)
    await index.upsert_user(POOL, IndexedUser("created-during-the-sync"))  # an event: the pool's generation

    assert await index.sweep_unseen_users(POOL, 1) == 1
    assert await index.get_user(POOL, "stale") is None
    assert await index.get_user(POOL, "created-during-the-sync") is not None
    assert (await index.state(POOL)).users_indexed == 2


async def test_the_index_state_of_an_unknown_pool_is_not_indexed_and_nothing_is_written(index):
    assert await index.state("eu-west-1_Never") == PoolIndex("eu-west-1_Never")
    assert await index.states() == []


async def test_progress_never_goes_back_whatever_is_written(index):
    """A restarted sync's last page may land after the next sync read the state: the write itself keeps the maximum."""
    await index.update_state(POOL, state=IndexState.SYNCING, progress=0.9)

    assert (await index.update_state(POOL, progress=0.4)).progress == 0.9
    assert (await index.update_state(POOL, progress=0.95)).progress == 0.95


async def test_the_index_state_is_updated_and_read_back(index):
    synced = datetime(2024, 6, 1, tzinfo=UTC)

    state = await index.update_state(
        POOL,
        state="READY",
        estimated_users=100,
        progress=1.0,
        last_full_sync_at=synced,
        error=None,
        sync_checkpoint={"users_token": "abc", "groups_done": ["eng"]},
    )

    assert state == await index.state(POOL)
    assert (state.state, state.estimated_users, state.progress, state.last_full_sync_at) == (
        IndexState.READY,
        100,
        1.0,
        synced,
    )
    assert state.sync_checkpoint == {"users_token": "abc", "groups_done": ["eng"]}
    assert [pool.user_pool_id for pool in await index.states()] == [POOL]
    with pytest.raises(TypeError, match="users_indexed"):
        await index.update_state(POOL, users_indexed=5)
    with pytest.raises(ValueError):
        await index.update_state(POOL, state="DONE")


async def test_one_owner_holds_the_sync_lease_until_it_expires_or_is_released(index):
    assert await index.claim_lease(POOL, "replica-a", 30) is True
    assert await index.claim_lease(POOL, "replica-b", 30) is False
    assert await index.claim_lease(POOL, "replica-a", 30) is True  # renewed

    await index.release_lease(POOL, "replica-a")
    assert await index.claim_lease(POOL, "replica-b", -1) is True  # taken, already expired
    assert await index.claim_lease(POOL, "replica-a", 30) is True


async def test_dropping_a_pool_forgets_everything_of_it_and_nothing_else(index):
    await index.upsert_user(POOL, ada())
    await index.upsert_user("eu-west-1_Other", ada())

    assert await index.drop_pool(POOL) is True

    assert await index.state(POOL) == PoolIndex(POOL)
    assert await index.get_user(POOL, "ada") is None
    async with index.database.connect() as connection:
        left = await connection.execute(
            select(attributes.c.user_pool_id, func.count()).group_by(attributes.c.user_pool_id)
        )
        assert left.all() == [("eu-west-1_Other", 4)]


async def test_a_write_whose_caller_is_cancelled_runs_to_its_end_and_holds_no_lock(index):
    # A restart cancels a sync, a client gone cancels its request: a transaction cut at an await would keep SQLite's
    # write lock on its connection, and the next write (the sync's lease release) would wait 5 s, then fail.
    batch = [ada(username=f"user{n:04}", groups=None) for n in range(1500)]
    writing = asyncio.get_running_loop().create_task(index.upsert_users(POOL, batch))
    await asyncio.sleep(0.02)  # inside its transaction
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing

    started = time.monotonic()
    await index.update_state(POOL, state=IndexState.READY)
    assert time.monotonic() - started < 2
    assert await index.recount_users(POOL) == 1500
