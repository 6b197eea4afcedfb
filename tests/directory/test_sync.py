"""The full sync of a pool into the directory index, on both engines, against the demo's moto backend: its call cost,
the index equal to Cognito, progress, re-syncs, resuming after a restart, upstream failures, the lease, the runner."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from botocore.client import BaseClient

from gateway.demo.server import DEMO_REGION
from gateway.directory.records import IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.sync import PAGE, sync_calls
from tests.conftest import Gateway, running_gateway
from tests.helpers import HANG_GUARD_SECONDS, create_group, create_users

USERS = 130
GROUPS = {"eng": 70, "ops": 5, "empty": 0}  # members: the first N users


@pytest.fixture
def big_pool(cognito: BaseClient, pool_id: str) -> str:
    usernames = create_users(cognito, pool_id, USERS)
    for name, members in GROUPS.items():
        create_group(cognito, pool_id, name, usernames[:members])
    cognito.admin_disable_user(UserPoolId=pool_id, Username=usernames[7])
    return pool_id


@pytest.fixture
async def gateway(backend, cognito, database, database_url) -> AsyncIterator[Gateway]:
    """The app on each engine's database (emptied by ``database``)."""
    async with running_gateway(backend, database_url=database_url) as running:
        yield running


def index_of(gateway: Gateway) -> IndexRepository:
    return gateway.app.state.index.repository


async def sync(gateway: Gateway, pool_id: str, **options):
    return await asyncio.wait_for(gateway.app.state.index.sync(pool_id, **options), HANG_GUARD_SECONDS)


def cognito_users(cognito: BaseClient, pool_id: str) -> dict[str, IndexedUser]:
    """Every user as Cognito has it, with its groups (read through boto3, around the gateway)."""
    users = [
        user for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool_id) for user in page["Users"]
    ]
    groups: dict[str, set[str]] = {user["Username"]: set() for user in users}
    for group in cognito.list_groups(UserPoolId=pool_id)["Groups"]:
        pages = cognito.get_paginator("list_users_in_group").paginate(UserPoolId=pool_id, GroupName=group["GroupName"])
        for page in pages:
            for user in page["Users"]:
                groups[user["Username"]].add(group["GroupName"])
    return {user["Username"]: IndexedUser.from_cognito(user, groups[user["Username"]]) for user in users}


async def assert_index_equals_cognito(gateway: Gateway, cognito: BaseClient, pool_id: str) -> None:
    expected = cognito_users(cognito, pool_id)
    index = index_of(gateway)
    indexed = {name: await index.get_user(pool_id, name) for name in expected}
    assert indexed == expected
    assert (await index.state(pool_id)).users_indexed == len(expected)


async def watch_progress(index: IndexRepository, pool_id: str, seen: list) -> None:
    while True:
        state = await index.state(pool_id)
        seen.append((state.state, state.progress))
        await asyncio.sleep(0.005)


async def test_a_full_sync_costs_what_section_8_says_and_indexes_what_cognito_has(gateway, cognito, big_pool):
    gateway.reset_calls()

    state = await sync(gateway, big_pool)

    # 1 DescribeUserPool, ceil(130/60) = 3 ListUsers, 1 ListGroups, ceil(70/60) + 1 + 1 ListUsersInGroup.
    assert gateway.calls == {"DescribeUserPool": 1, "ListUsers": 3, "ListGroups": 1, "ListUsersInGroup": 4}
    assert sum(gateway.calls.values()) == sync_calls(USERS, len(GROUPS), GROUPS.values())
    assert state.state is IndexState.READY and state.progress == 1.0 and state.error is None
    assert (state.users_indexed, state.estimated_users) == (USERS, USERS)
    assert state.last_full_sync_at is not None and state.sync_checkpoint is None
    await assert_index_equals_cognito(gateway, cognito, big_pool)
    assert (await index_of(gateway).get_user(big_pool, "user-007")).enabled is False


async def test_progress_only_goes_up_and_reaches_1_when_done(backend, cognito, big_pool, database, database_url):
    # Paced at 2 ListUsers a second, so that the pages are seen one by one.
    async with running_gateway(backend, database_url=database_url, quota_rates={"UserList": 2}) as gateway:
        seen: list = []
        watcher = asyncio.create_task(watch_progress(index_of(gateway), big_pool, seen))
        await sync(gateway, big_pool)
        watcher.cancel()

    progress = [value for _, value in seen]
    assert progress == sorted(progress)
    middle = {round(value, 3) for state, value in seen if state is IndexState.SYNCING}
    assert {round(60 / USERS, 3), round(120 / USERS, 3)} <= middle and max(middle) < 1
    assert seen[-1] == (IndexState.READY, 1.0) or (await index_of(gateway).state(big_pool)).progress == 1.0


async def test_a_re_sync_removes_users_deleted_meanwhile_and_the_pool_stays_ready(gateway, cognito, big_pool):
    await sync(gateway, big_pool)
    for username in ("user-000", "user-100"):
        cognito.admin_delete_user(UserPoolId=big_pool, Username=username)
    cognito.admin_remove_user_from_group(UserPoolId=big_pool, Username="user-001", GroupName="eng")
    cognito.delete_group(UserPoolId=big_pool, GroupName="ops")
    create_users(cognito, big_pool, 1, prefix="late")

    seen: list = []
    watcher = asyncio.create_task(watch_progress(index_of(gateway), big_pool, seen))
    state = await sync(gateway, big_pool)
    watcher.cancel()

    assert {value for value in seen} == {(IndexState.READY, 1.0)}
    assert state.users_indexed == USERS - 2 + 1
    assert await index_of(gateway).get_user(big_pool, "user-000") is None
    await assert_index_equals_cognito(gateway, cognito, big_pool)


async def interrupted_sync(backend, database_url: str, pool_id: str) -> None:
    """A gateway that starts a sync of the pool and stops once it has written a page: at 2 ListUsers a second, the
    first page comes at once, the next a while later, when the gateway stops."""
    async with running_gateway(backend, database_url=database_url, quota_rates={"UserList": 2}) as first:
        index = index_of(first)
        first.app.state.index.sync(pool_id)
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while not ((await index.state(pool_id)).sync_checkpoint or {}).get("seen"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.005)


async def test_an_interrupted_sync_resumes_from_its_checkpoint_after_a_restart(
    backend, cognito, big_pool, database, database_url
):
    await interrupted_sync(backend, database_url, big_pool)
    interrupted = await IndexRepository(database).state(big_pool)
    assert interrupted.state is IndexState.SYNCING and interrupted.lease_owner is None
    pages_done = interrupted.sync_checkpoint["seen"] // PAGE
    assert 1 <= pages_done < 3 and interrupted.sync_checkpoint["token"]

    # The next start syncs the pools of GATEWAY_INDEX_POOLS that are not READY, resuming this one.
    async with running_gateway(backend, database_url=database_url, index_pools=big_pool) as second:
        index = index_of(second)
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while (await index.state(big_pool)).state is not IndexState.READY:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        # The estimate was kept: no DescribeUserPool; only the pages not yet read.
        assert second.calls == {"ListUsers": 3 - pages_done, "ListGroups": 1, "ListUsersInGroup": 4}
        state = await index.state(big_pool)
        assert state.sync_generation == interrupted.sync_generation and state.progress == 1.0
        await assert_index_equals_cognito(second, cognito, big_pool)


async def test_a_sync_whose_replica_died_is_taken_over_once_its_lease_runs_out(
    backend, cognito, big_pool, database, database_url
):
    """A replica SIGKILLed mid-sync leaves its checkpoint and a lease it never releases. Another replica's runner,
    with no pools configured (the sync was asked for by indexUserPool), resumes it once the lease has run out."""
    await interrupted_sync(backend, database_url, big_pool)
    # What SIGKILL would have left: the lease of a replica that is gone, still held for a moment.
    repository = IndexRepository(database)
    assert await repository.claim_lease(big_pool, "a-replica-killed", 1.0)
    pages_done = (await repository.state(big_pool)).sync_checkpoint["seen"] // PAGE

    async with running_gateway(backend, database_url=database_url, index_reconcile_seconds=0.2) as other:
        index = index_of(other)
        await asyncio.sleep(0.5)
        assert (await index.state(big_pool)).lease_owner == "a-replica-killed"  # left alone while it is held
        assert other.calls == {}
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while (await index.state(big_pool)).state is not IndexState.READY:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert other.calls == {"ListUsers": 3 - pages_done, "ListGroups": 1, "ListUsersInGroup": 4}
        await assert_index_equals_cognito(other, cognito, big_pool)


async def test_replicas_reconcile_a_pool_once_per_interval_between_them(
    backend, cognito, big_pool, database, database_url
):
    """The interval runs from the last full sync, whichever replica made it: a second replica started just after
    the first synced the pool does not sync it again."""
    settings = {"database_url": database_url, "index_pools": big_pool, "index_reconcile_seconds": 3600}
    async with running_gateway(backend, **settings) as first:
        index = index_of(first)
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while (await index.state(big_pool)).state is not IndexState.READY:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        async with running_gateway(backend, **settings) as second:
            await asyncio.sleep(0.3)
            assert second.calls == {}
            assert not second.app.state.index.syncing(big_pool)


async def test_an_upstream_failure_leaves_the_pool_failed_with_the_typed_message(gateway):
    missing = f"{DEMO_REGION}_NoSuchPool"

    state = await sync(gateway, missing)

    assert state.state is IndexState.FAILED
    assert state.error.startswith("ResourceNotFoundException: ")
    assert (await index_of(gateway).state(missing)).lease_owner is None


async def test_a_pool_leased_by_another_replica_is_left_to_it(gateway, big_pool):
    index = index_of(gateway)
    assert await index.claim_lease(big_pool, "another-replica", 60)
    gateway.reset_calls()

    assert await sync(gateway, big_pool) is None

    assert gateway.calls == {}
    state = await index.state(big_pool)
    assert (state.state, state.users_indexed, state.lease_owner) == (IndexState.NOT_INDEXED, 0, "another-replica")
    await index.release_lease(big_pool, "another-replica")
    assert (await sync(gateway, big_pool)).state is IndexState.READY


async def test_the_runner_syncs_every_pool_of_the_region_and_reconciles(backend, cognito, database, database_url):
    pools = [cognito.create_user_pool(PoolName=f"pool-{n}")["UserPool"]["Id"] for n in range(2)]
    for pool in pools:
        create_users(cognito, pool, 3)
    settings = {"database_url": database_url, "index_pools": "*", "index_reconcile_seconds": 0.2}
    async with running_gateway(backend, **settings) as gateway:
        index = index_of(gateway)
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while {(await index.state(pool)).state for pool in pools} != {IndexState.READY}:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        cognito.admin_delete_user(UserPoolId=pools[0], Username="user-001")
        while await index.get_user(pools[0], "user-001") is not None:  # the reconcile scan removes it
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        assert (await index.state(pools[0])).users_indexed == 2


async def test_index_user_pool_during_a_sync_restarts_it_and_progress_does_not_go_back(
    backend, cognito, big_pool, database, database_url
):
    async with running_gateway(backend, database_url=database_url, quota_rates={"UserList": 2}) as gateway:
        index, runner = index_of(gateway), gateway.app.state.index
        runner.sync(big_pool)
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while not ((await index.state(big_pool)).sync_checkpoint or {}).get("seen"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.005)
        first = await index.state(big_pool)
        seen: list = []
        watcher = asyncio.create_task(watch_progress(index, big_pool, seen))

        restarted = await runner.start_sync(big_pool, estimated_users=USERS)
        state = await asyncio.wait_for(runner.last_sync(big_pool), HANG_GUARD_SECONDS)
        watcher.cancel()

        assert restarted.state is IndexState.SYNCING
        assert state.state is IndexState.READY and state.sync_generation == first.sync_generation + 1
        progress = [value for _, value in seen]
        assert progress == sorted(progress) and progress[0] >= first.progress
        await assert_index_equals_cognito(gateway, cognito, big_pool)
