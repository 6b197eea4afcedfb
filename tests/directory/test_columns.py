"""The in-memory columns follow the database: every kind of write (by this process or another, which is the same to
them) is seen by the next search after a catch-up that reads only what changed; a first search, or one after too many
changes, loads the pool whole in the background and gives None meanwhile (the search then runs in SQL)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from gateway.directory import columns as columns_module
from gateway.directory.columns import ColumnCache, PoolColumns
from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.search import InvalidSearch, Search, SearchOperator, Sort
from tests.directory.both_ways import Searching
from tests.directory.random_directory import POOL as RANDOM_POOL
from tests.directory.random_directory import index_ready, random_search, random_users

POOL = "eu-west-1_Follow"
Op = SearchOperator


def user(username, tier="gold", groups=("eng",)):
    return IndexedUser(username, {"custom:tier": tier, "email": f"{username}@example.com"}, groups=frozenset(groups))


@pytest.fixture
async def repository(database):
    repository = IndexRepository(database)
    await repository.upsert_groups(POOL, [IndexedGroup("eng"), IndexedGroup("ops")])
    await repository.upsert_users(POOL, [user(f"u{n}") for n in range(6)])
    await repository.update_state(POOL, state=IndexState.READY)
    return repository


async def everything(searching: Searching) -> list[tuple[str, str | None, frozenset[str]]]:
    """Every user, compared both ways (the columns caught up first), as (username, tier, groups)."""
    both = await searching(Search(POOL, sort=[Sort("username")], first=500))
    await both.total_count()
    await both.facets(["custom:tier", "group", "username"])
    page = await both.page()
    return [(hit.user.username, hit.user.attributes.get("custom:tier"), hit.user.groups) for hit in page.hits]


async def test_every_write_is_seen_by_the_next_search_after_a_catch_up(database, repository):
    searching = Searching(database)
    assert len(await everything(searching)) == 6
    assert (searching.cache.loads, searching.cache.catch_ups) == (1, 0)

    await repository.upsert_user(POOL, user("u1", tier="silver", groups=("ops",)))
    await repository.upsert_user(POOL, user("new"))
    assert ("u1", "silver", frozenset({"ops"})) in await everything(searching)
    await repository.delete_user(POOL, "u2")
    await repository.add_membership(POOL, "u3", "ops")
    await repository.remove_membership(POOL, "u4", "eng")
    found = {name: groups for name, _, groups in await everything(searching)}
    assert "u2" not in found and found["u3"] == {"eng", "ops"} and found["u4"] == frozenset()
    await repository.delete_group(POOL, "eng")
    assert all("eng" not in groups for _, _, groups in await everything(searching))
    await repository.replace_group_members(POOL, "ops", ["u0", "new"])
    await repository.replace_groups(POOL, [IndexedGroup("ops")])
    found = {name: groups for name, _, groups in await everything(searching)}
    assert {name for name, groups in found.items() if groups} == {"u0", "new"}
    generation = (await repository.state(POOL)).sync_generation + 1
    await repository.upsert_users(POOL, [user("u0"), user("u5")], generation=generation)
    await repository.sweep_unseen_users(POOL, generation)
    assert [name for name, _, _ in await everything(searching)] == ["u0", "u5"]
    assert searching.cache.loads == 1 and searching.cache.catch_ups == 5


async def test_a_pool_dropped_and_indexed_again_leaves_none_of_its_old_users(database, repository):
    searching = Searching(database)
    await everything(searching)
    await repository.drop_pool(POOL)
    await repository.upsert_users(POOL, [user("fresh")])
    await repository.update_state(POOL, state=IndexState.READY)
    assert [name for name, _, _ in await everything(searching)] == ["fresh"]


async def test_a_first_search_loads_in_the_background(database, repository):
    cache = ColumnCache(database)
    revision = (await repository.state(POOL)).revision
    assert await cache.columns(POOL, revision) is None  # loading: this search runs in SQL
    loaded = await cache.columns(POOL, revision, wait=True)
    assert isinstance(loaded, PoolColumns) and loaded.revision == revision and len(loaded.slot_of) == 6
    assert await cache.columns(POOL, revision) is loaded and cache.loads == 1
    await cache.aclose()


async def test_too_many_changes_load_the_pool_again_in_the_background(database, repository, monkeypatch):
    monkeypatch.setattr(columns_module, "CATCH_UP_USERS", 2)
    cache = ColumnCache(database)
    first = await cache.columns(POOL, (await repository.state(POOL)).revision, wait=True)
    await repository.upsert_users(POOL, [user(f"u{n}", tier="bronze") for n in range(5)])  # 5 of 6: over half
    revision = (await repository.state(POOL)).revision
    assert await cache.columns(POOL, revision) is None
    again = await cache.columns(POOL, revision, wait=True)
    assert again is not first and cache.loads == 2 and cache.catch_ups == 0
    assert again.attributes["custom:tier"].slots_equal(again.size, ["bronze"]).sum() == 5
    await cache.aclose()


async def test_random_writes_between_sorted_searches_keep_the_orders_right(database):
    rng = random.Random(11)
    people = random_users(rng, 80)
    repository = await index_ready(database, people)
    searching = Searching(database)
    searches = [dataclasses.replace(random_search(rng, people), first=500) for _ in range(12)]
    for _ in range(25):
        for search in rng.sample(searches, 4):  # their orders are kept, then moved by the writes below
            try:
                await (await searching(search)).page()
            except InvalidSearch:
                pass
        changed = random_users(rng, 3)  # new values for some users (and a few new users)
        for person in changed:
            target = rng.choice(people).username if rng.random() < 0.8 else person.username
            await repository.upsert_user(RANDOM_POOL, dataclasses.replace(person, username=target))
        if rng.random() < 0.5:
            await repository.delete_user(RANDOM_POOL, rng.choice(people).username)
    assert searching.cache.loads == 1 and searching.cache.catch_ups == 24


async def test_a_copy_behind_the_pruned_removals_is_loaded_again_and_one_after_them_catches_up(database, repository):
    searching = Searching(database)
    await everything(searching)
    for name in ("u1", "u2", "u3"):  # three revisions, one removal each
        await repository.delete_user(POOL, name)
    assert await repository.prune_removals(POOL, keep=1) == 2  # only u3's is left
    state = await repository.state(POOL)
    assert state.removals_from == state.revision
    assert [name for name, _, _ in await everything(searching)] == ["u0", "u4", "u5"]
    assert (searching.cache.loads, searching.cache.catch_ups) == (2, 0)  # too far behind: loaded whole

    await repository.delete_user(POOL, "u4")
    await repository.prune_removals(POOL, keep=1)  # u4's is kept: the copy is one revision behind it
    assert [name for name, _, _ in await everything(searching)] == ["u0", "u5"]
    assert (searching.cache.loads, searching.cache.catch_ups) == (2, 1)
