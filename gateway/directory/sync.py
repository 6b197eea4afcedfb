"""The full sync of one pool into the directory index, and the runner that keeps the configured pools indexed.

A full sync costs what DESIGN.md section 8 says and nothing per user: one DescribeUserPool (the estimate of the
pool's size, for ``progress``), ceil(N/60) ListUsers, ListGroups' pages, and ceil(members/60) ListUsersInGroup per
group. Its calls go through the gateway's Cognito layer as background work (``in_background``): the quota limiter
serves them behind interactive requests.

Each ListUsers page is written as it comes, its users stamped with the sync's generation, while the next pages are
already being read (a page's database writes do not wait for Cognito, nor Cognito for them; pages that arrive while
the writes lag are written together). The groups and their
members are read meanwhile, a few groups at a time (ListUsersInGroup shares ListUsers' quota bucket: several page
chains keep it busy where one chain would wait on each round trip), behind the ListUsers chain in the limiter
(``DEFERRED_RESERVE``: that chain's pages come one after another and set the sync's length, so it goes first and the
group walks take the tokens it leaves), and written once every user is; then the users
the sync did not see (an older generation) are swept. The pagination token reached and the
generation are the checkpoint: a sync interrupted (a restart, an upstream failure) resumes from its page. A lease
keeps two replicas from syncing one pool at once.

State: NOT_INDEXED -> SYNCING -> READY, or FAILED with ``error``. A re-sync of a READY pool leaves it READY and
searchable; ``progress`` describes the first sync (users seen / estimated, below 1 until done) and never goes back.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from gateway.cognito.client import CognitoGateway, in_background
from gateway.cognito.errors import CognitoException
from gateway.cognito.quotas import DEFERRED_RESERVE
from gateway.directory.columns import ColumnCache
from gateway.directory.records import IndexedGroup, IndexedUser, IndexState, PoolIndex
from gateway.directory.repository import IndexRepository
from gateway.directory.states import PoolStates
from gateway.store.leases import Lease
from gateway.store.tables import utcnow

logger = logging.getLogger(__name__)

PAGE = 60  # ListUsers, ListGroups and ListUsersInGroup: the most the model allows per page
# A sync renews its lease every quarter of this (and with every page); a replica that dies lets another take the pool
# after this long, and the runners look for such pools every LOOK_SECONDS: a sync is taken over within 30 s.
LEASE_SECONDS = 20.0
LOOK_SECONDS = 10.0
# `progress` until the sync is done (users seen / estimated may reach 1 before the groups are read).
PROGRESS_BEFORE_DONE = 0.99
# Groups whose members are read at once, beside the ListUsers chain.
MEMBER_WALKS = 4
# ListUsers pages read ahead of the writes (held in memory until written).
READ_AHEAD = 10


class LeaseHeld(Exception):
    """Another replica syncs the pool now."""


def sync_calls(users: int, groups: int, members: Iterable[int]) -> int:
    """The Cognito calls of a full sync (section 8): one DescribeUserPool, the ListUsers pages, the ListGroups
    pages and each group's ListUsersInGroup pages (an empty list is still one page)."""
    return (
        1
        + max(1, math.ceil(users / PAGE))
        + max(1, math.ceil(groups / PAGE))
        + sum(max(1, math.ceil(count / PAGE)) for count in members)
    )


class PoolSync:
    """One full sync of one pool. ``resume``: continue from the pool's checkpoint when it has one."""

    def __init__(
        self,
        repository: IndexRepository,
        cognito: CognitoGateway,
        user_pool_id: str,
        *,
        owner: str,
        resume: bool = True,
        estimated_users: int | None = None,
    ) -> None:
        self.repository = repository
        self.cognito = cognito
        self.user_pool_id = user_pool_id
        self.owner = owner
        self.resume = resume
        self.estimated_users = estimated_users
        self._lease = Lease(
            lambda: repository.claim_lease(user_pool_id, owner, LEASE_SECONDS),
            lambda: repository.release_lease(user_pool_id, owner),
        )

    async def run(self) -> PoolIndex:
        """Sync the pool; its state afterwards. Raises :class:`LeaseHeld` when another replica syncs it; an upstream
        failure is recorded (FAILED, or READY with ``error`` for a re-sync) and not raised."""
        pool = self.user_pool_id
        heartbeat: asyncio.Task[None] | None = None
        try:
            if not await self._lease.claim():
                raise LeaseHeld(pool)
            heartbeat = asyncio.get_running_loop().create_task(self._keep_lease())
            with in_background():
                return await self._sync()
        except CognitoException as failure:
            state = await self.repository.state(pool)
            logger.warning("index sync of %s failed: %s", pool, failure.code)
            return await self.repository.update_state(
                pool,
                state=IndexState.READY if state.state is IndexState.READY else IndexState.FAILED,
                error=f"{failure.code}: {failure.message}",
            )
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
                await asyncio.gather(heartbeat, return_exceptions=True)
            # Not shielded: a cancelled sync (a restart) ends only once its lease is released (after any claim still
            # landing), so that the sync replacing it (same owner) does not have its new lease released under it. (A
            # lease another replica holds is not released: the release names this owner.)
            await self._lease.release()

    async def _sync(self) -> PoolIndex:
        pool = self.user_pool_id
        state = await self.repository.state(pool)
        checkpoint: dict[str, Any] = dict(state.sync_checkpoint or {}) if self.resume else {}
        first_sync = state.state is not IndexState.READY
        resumed = bool(checkpoint)
        if checkpoint:
            generation = checkpoint["generation"]
        else:
            generation = state.sync_generation + 1
            checkpoint = {"generation": generation, "token": None, "seen": 0, "users_done": False}
        # The cached pool-level reads (ListGroups, DescribeUserPool) may be older than the sync: it reads afresh.
        await self.cognito.forget({"UserPoolId": pool})
        estimate = self.estimated_users
        if estimate is None and resumed:
            estimate = state.estimated_users
        if estimate is None:
            described = await self.cognito.call("DescribeUserPool", UserPoolId=pool)
            estimate = described["UserPool"].get("EstimatedNumberOfUsers", 0)
        state = await self.repository.update_state(
            pool,
            state=IndexState.READY if not first_sync else IndexState.SYNCING,
            estimated_users=estimate,
            sync_generation=generation,
            sync_started_at=state.sync_started_at if resumed else utcnow(),
            sync_checkpoint=checkpoint,
            error=None,
        )
        progress = state.progress
        groups_read = asyncio.create_task(self._read_groups())
        try:
            if not checkpoint["users_done"]:
                progress = await self._users(checkpoint, estimate or 0, progress, first_sync)
            found, members = await groups_read
        finally:
            if not groups_read.done():
                groups_read.cancel()
                await asyncio.gather(groups_read, return_exceptions=True)
        await self._write_groups(found, members)
        await self.repository.sweep_unseen_users(pool, generation)
        await self.repository.prune_removals(pool)
        await self.repository.recount_users(pool)
        return await self.repository.update_state(
            pool,
            state=IndexState.READY,
            progress=1.0 if first_sync else max(progress, state.progress),
            last_full_sync_at=utcnow(),
            sync_checkpoint=None,
            error=None,
        )

    async def _read_users(self, token: str | None, pages: asyncio.Queue[dict[str, Any] | BaseException]) -> None:
        """ListUsers page by page from ``token`` into ``pages`` (a failure too, as the last item), at most
        ``READ_AHEAD`` pages ahead of the writes."""
        pool = self.user_pool_id
        try:
            while True:
                params: dict[str, Any] = {"UserPoolId": pool, "Limit": PAGE}
                if token:
                    params["PaginationToken"] = token
                try:
                    page = await self.cognito.call("ListUsers", **params)
                except CognitoException as failure:
                    if not (token and failure.code == "InvalidParameterException"):
                        raise
                    # A checkpoint's token Cognito no longer takes (expired): list again from the start, in the same
                    # generation (the users already written stay, and are written again).
                    logger.info("index sync of %s: the checkpoint's token was refused, listing from the start", pool)
                    token = None
                    continue
                await pages.put(page)
                token = page.get("PaginationToken")
                if not token:
                    return
        except Exception as failure:
            await pages.put(failure)

    async def _users(self, checkpoint: dict[str, Any], estimate: int, progress: float, first_sync: bool) -> float:
        """ListUsers from the checkpoint's token, read ahead in a task of its own while the pages read so far are
        written: one page at a time while the writes keep up, those waiting together when they fall behind (one
        transaction, one checkpoint for them)."""
        pages: asyncio.Queue[dict[str, Any] | BaseException] = asyncio.Queue(READ_AHEAD)
        reader = asyncio.create_task(self._read_users(checkpoint["token"], pages))
        try:
            while True:
                batch = [await pages.get()]
                while not pages.empty():
                    batch.append(pages.get_nowait())
                read = [page for page in batch if not isinstance(page, BaseException)]
                if read:
                    progress = await self._write_pages(read, checkpoint, estimate, progress, first_sync)
                if len(read) < len(batch):
                    raise next(page for page in batch if isinstance(page, BaseException))
                if checkpoint["users_done"]:
                    return progress
        finally:
            if not reader.done():
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def _write_pages(
        self,
        read: list[dict[str, Any]],
        checkpoint: dict[str, Any],
        estimate: int,
        progress: float,
        first_sync: bool,
    ) -> float:
        """ListUsers pages into the index, and the checkpoint past the last of them."""
        pool = self.user_pool_id
        found = [user for page in read for user in page.get("Users") or []]
        await self.repository.upsert_users(
            pool,
            [IndexedUser.from_cognito(user) for user in found],
            generation=checkpoint["generation"],
            record_change=False,
        )
        checkpoint["seen"] += len(found)
        checkpoint["token"] = read[-1].get("PaginationToken")
        checkpoint["users_done"] = not checkpoint["token"]
        changes: dict[str, Any] = {"sync_checkpoint": dict(checkpoint)}
        if first_sync:
            progress = max(progress, min(PROGRESS_BEFORE_DONE, checkpoint["seen"] / max(estimate, 1)))
            changes["progress"] = progress
        await self.repository.update_state(pool, **changes)
        await self._renew_lease()
        return progress

    async def _read_groups(self) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
        """The pool's groups (ListGroups) and each one's members' usernames (ListUsersInGroup), ``MEMBER_WALKS``
        groups at a time."""
        pool = self.user_pool_id
        found = await self.cognito.paginate("ListGroups", "Groups", UserPoolId=pool, Limit=PAGE)
        walks = asyncio.Semaphore(MEMBER_WALKS)

        async def members(name: str) -> list[str]:
            async with walks:
                with in_background(DEFERRED_RESERVE):  # behind the ListUsers chain, which sets the sync's length
                    listed = await self.cognito.paginate(
                        "ListUsersInGroup", "Users", UserPoolId=pool, GroupName=name, Limit=PAGE
                    )
            return [user["Username"] for user in listed]

        names = [group["GroupName"] for group in found]
        return found, dict(zip(names, await asyncio.gather(*map(members, names)), strict=True))

    async def _write_groups(self, found: list[dict[str, Any]], members: dict[str, list[str]]) -> None:
        pool = self.user_pool_id
        await self.repository.replace_groups(pool, [IndexedGroup.from_cognito(group) for group in found])
        for name, usernames in members.items():
            await self.repository.replace_group_members(pool, name, usernames)
            await self._renew_lease()

    async def _keep_lease(self) -> None:
        """Renew the lease while the sync runs, pages or not (a page may wait long on a throttled Cognito); once
        another replica holds it, stop: the sync's next page finds it lost and ends."""
        while True:
            await asyncio.sleep(LEASE_SECONDS / 4)
            if not await self._lease.claim():
                return

    async def _renew_lease(self) -> None:
        if not await self._lease.claim():
            raise LeaseHeld(self.user_pool_id)  # expired and taken: the other replica carries on from the checkpoint


class IndexRunner:
    """Keeps the pools of ``GATEWAY_INDEX_POOLS`` indexed: syncs those not READY at start (resuming interrupted
    syncs), re-syncs every ``GATEWAY_INDEX_RECONCILE_SECONDS``, and runs the syncs ``indexUserPool`` asks for. One
    sync per pool at a time in this process; the lease keeps other replicas off it."""

    def __init__(self, repository: IndexRepository, cognito: CognitoGateway, settings: Any) -> None:
        self.repository = repository
        self.cognito = cognito
        self.pools_setting: list[str] = list(settings.index_pools)
        self.region = settings.aws_region
        self.reconcile_seconds: float = settings.index_reconcile_seconds
        self.owner = f"gateway-{uuid.uuid4().hex[:12]}"
        self._syncs: dict[str, asyncio.Task[PoolIndex | None]] = {}
        self._loop: asyncio.Task[None] | None = None
        # What searches run on: the indexed pools' users in memory, kept up to date from the database (unless
        # GATEWAY_INDEX_IN_MEMORY is off: then SQL answers every search).
        self.columns = ColumnCache(repository.database) if settings.index_in_memory else None
        self.states = PoolStates(repository)  # what searches and indexStatus read

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        # A context of its own: not the request's that asked for it (its declared operations, its request IDs).
        return asyncio.get_running_loop().create_task(coroutine, context=contextvars.Context())

    def start(self) -> None:
        if self._loop is None:  # with no pools configured too: it takes over the syncs of replicas that died
            self._loop = self._spawn(self._keep_indexed())

    async def aclose(self) -> None:
        tasks = [task for task in [self._loop, *self._syncs.values()] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._syncs.clear()
        self._loop = None
        if self.columns is not None:
            await self.columns.aclose()

    def syncing(self, user_pool_id: str) -> bool:
        task = self._syncs.get(user_pool_id)
        return task is not None and not task.done()

    def last_sync(self, user_pool_id: str) -> asyncio.Task[PoolIndex | None] | None:
        """The task of the pool's latest sync started here (running or done), if any."""
        return self._syncs.get(user_pool_id)

    def sync(
        self, user_pool_id: str, *, resume: bool = False, estimated_users: int | None = None
    ) -> asyncio.Task[PoolIndex | None]:
        """Start a full sync of the pool in the background (a sync of it running here is cancelled: a restart)."""
        running = self._syncs.get(user_pool_id)
        if running is not None and not running.done():
            running.cancel()
        job = PoolSync(
            self.repository,
            self.cognito,
            user_pool_id,
            owner=self.owner,
            resume=resume,
            estimated_users=estimated_users,
        )
        task = self._syncs[user_pool_id] = self._spawn(self._run(job, running))
        return task

    async def start_sync(self, user_pool_id: str, *, estimated_users: int | None = None) -> PoolIndex:
        """``indexUserPool``: a fresh full sync of the pool in the background; its state as it starts (SYNCING
        unless READY, which it stays)."""
        state = await self.repository.state(user_pool_id)
        if state.state is not IndexState.READY:
            state = await self.repository.update_state(
                user_pool_id, state=IndexState.SYNCING, estimated_users=estimated_users, error=None
            )
        self.sync(user_pool_id, resume=False, estimated_users=estimated_users)
        return state

    async def _run(self, job: PoolSync, previous: asyncio.Task[Any] | None) -> PoolIndex | None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)  # its lease released before this one claims it
        try:
            return await job.run()
        except LeaseHeld:
            logger.info("index sync of %s skipped: another replica holds its lease", job.user_pool_id)
            return None
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("index sync of %s failed", job.user_pool_id)
            await self.repository.update_state(job.user_pool_id, state=IndexState.FAILED, error="internal error")
            return None

    async def pools(self) -> list[str]:
        """The pool IDs of the setting (``*``: every pool of the configured region, listed now)."""
        if "*" not in self.pools_setting:
            return list(dict.fromkeys(self.pools_setting))
        with in_background():
            found = await self.cognito.paginate("ListUserPools", "UserPools", region=self.region, MaxResults=60)
        named = [name for name in self.pools_setting if name != "*"]
        return list(dict.fromkeys([*named, *(pool["Id"] for pool in found)]))

    async def _keep_indexed(self) -> None:
        """Every ``LOOK_SECONDS``: sync the pools that are due (:meth:`_due`), by whichever replica gets the lease.
        The setting's pools are listed again every reconcile interval (``*`` costs a ListUserPools)."""
        configured: list[str] = []
        listed_at = -math.inf
        first = True
        while True:
            try:
                if time.monotonic() - listed_at >= self.reconcile_seconds:
                    configured = await self.pools()
                    listed_at = time.monotonic()
                states = {state.user_pool_id: state for state in await self.repository.states()}
                for pool in dict.fromkeys([*configured, *states]):
                    state = states.get(pool) or PoolIndex(pool)
                    if not self.syncing(pool) and self._due(state, configured=pool in configured, first=first):
                        self.sync(pool, resume=True)
                first = False
            except CognitoException as failure:
                logger.warning("index pools could not be listed: %s", failure.code)
            except Exception:
                logger.exception("index runner pass failed")
            await asyncio.sleep(min(LOOK_SECONDS, self.reconcile_seconds))

    def _due(self, state: PoolIndex, *, configured: bool, first: bool = False) -> bool:
        """Whether a pool needs a sync now. A sync whose replica died (its lease ran out, never released) is resumed,
        wherever it was asked for. A pool of the setting is synced until READY, retried after a failure at start and
        once per reconcile interval, and reconciled once per interval by one replica: the interval runs from the last
        full sync, whoever made it, so N replicas do not reconcile N times."""
        now = utcnow()
        if state.lease_owner is not None and state.lease_expires_at is not None:
            if state.lease_expires_at > now:
                return False  # a replica syncs it now
            if state.sync_checkpoint or state.state is IndexState.SYNCING:
                return True  # abandoned
        if not configured:
            return False
        interval = timedelta(seconds=self.reconcile_seconds)
        if state.state is IndexState.FAILED:
            return first or state.sync_started_at is None or now - state.sync_started_at >= interval
        if state.state is not IndexState.READY or state.sync_checkpoint:
            return True
        return state.last_full_sync_at is None or now - state.last_full_sync_at >= interval
