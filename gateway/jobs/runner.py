"""The job runner: claims a job (a lease, so that one replica runs it), lists its selection once into items, then
sends each item's call, a window at a time, as background work in the quota limiter (interactive requests first).

At most once per item: a window's items are marked ``sending`` and committed before their calls leave, and their
outcomes are recorded together after. An item found ``sending`` (its runner stopped: SIGTERM, SIGKILL, a lost lease)
or whose answer was lost (:class:`~gateway.cognito.errors.OutcomeUnknown`) is read back first
(:mod:`gateway.jobs.actions`). A cancelled job stops before its next window.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.cognito.client import CognitoGateway, collecting_request_ids, in_background
from gateway.cognito.errors import CognitoException, OutcomeUnknown
from gateway.directory import search as index_search
from gateway.directory.records import IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.writes import apply_write
from gateway.jobs import exports
from gateway.jobs.actions import ACTIONS, Action
from gateway.jobs.audit import write_record
from gateway.jobs.records import ExportFormat, ItemOutcome, Job, JobAction, JobItem, JobSpec, JobState
from gateway.jobs.repository import JobRepository, Outcome
from gateway.store.leases import Lease
from gateway.store.tables import utcnow

logger = logging.getLogger(__name__)

WINDOW = 10  # items marked sending together: enough calls in flight to keep a 25/s bucket busy
LEASE_SECONDS = 20.0  # the default of GATEWAY_JOB_LEASE_SECONDS
POLL_SECONDS = 5.0  # how often the runner looks for jobs to take (resumed, or left by a dead replica)
LIST_PAGE = 500  # users per page of a selection's search
EXPORT_PAGE = 500  # users per part of an export's file
RATE_WINDOW_SECONDS = 10.0  # the rate behind etaSeconds


class SelectionUnavailable(Exception):
    """The selection cannot be listed (its pool's index is not READY): the job FAILS with this message."""


class JobRunner:
    def __init__(
        self,
        repository: JobRepository,
        cognito: CognitoGateway,
        index: IndexRepository | None = None,
        *,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.repository = repository
        self.lease_seconds = lease_seconds
        self.cognito = cognito
        self.index = index
        self.owner = f"gateway-{uuid.uuid4().hex[:12]}"
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self._rates: dict[str, deque[tuple[float, int]]] = {}
        self._leases: dict[str, Lease] = {}  # the jobs this runner runs now
        self._changed: dict[str, asyncio.Event] = {}  # set when a job changes here (its followers wake)

    def _notify(self, job_id: str) -> None:
        event = self._changed.pop(job_id, None)
        if event is not None:
            event.set()

    async def changed(self, job_id: str, timeout: float) -> None:
        """Returns when the job changes in this process, or after ``timeout`` (another replica may be running it)."""
        event = self._changed.setdefault(job_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        # A context of its own: not the request's that started the job (its declared operations, its request IDs).
        return asyncio.get_running_loop().create_task(coroutine, context=contextvars.Context())

    def start(self) -> None:
        """Resume the jobs left unfinished (by this gateway before a restart, or by a replica that died)."""
        if self._loop is None:
            self._loop = self._spawn(self._take_over())

    async def aclose(self) -> None:
        tasks = [task for task in [self._loop, *self._tasks.values()] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._loop = None

    async def submit(self, spec: JobSpec, created_by: str) -> Job:
        job = await self.repository.create(spec, created_by)
        self._run_here(job.id)
        return job

    async def cancel(self, job_id: str) -> Job:
        job = await self.repository.cancel(job_id)  # the run sees it before its next window
        self._notify(job_id)
        return job

    def eta_seconds(self, job: Job) -> float | None:
        """The items left over the rate measured in the last seconds by the runner here; on a replica that only
        follows the job (another one runs it), over its average rate since it started. None until there is a rate."""
        if job.state is not JobState.RUNNING or job.total is None:
            return None
        samples = self._rates.get(job.id)
        if not samples or len(samples) < 2:
            if job.started_at is None or not job.finished_items:
                return None
            elapsed = (utcnow() - job.started_at).total_seconds()
            return max(0.0, (job.total - job.finished_items) * elapsed / job.finished_items) if elapsed > 0 else None
        (first_time, first_done), (last_time, last_done) = samples[0], samples[-1]
        if last_done <= first_done or last_time <= first_time:
            return None
        rate = (last_done - first_done) / (last_time - first_time)
        return max(0.0, (job.total - job.finished_items) / rate)

    def running(self, job_id: str) -> asyncio.Task[None] | None:
        return self._tasks.get(job_id)

    def _run_here(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is None or task.done():
            self._tasks[job_id] = self._spawn(self._run(job_id))

    async def _take_over(self) -> None:
        while True:
            try:
                for job_id in await self.repository.runnable(self.owner):
                    self._run_here(job_id)
            except Exception:
                logger.exception("jobs could not be listed")
            await asyncio.sleep(POLL_SECONDS)

    async def _run(self, job_id: str) -> None:
        lease = self._leases[job_id] = Lease(
            lambda: self.repository.claim(job_id, self.owner, self.lease_seconds),
            lambda: self.repository.release(job_id, self.owner),
        )
        if not await lease.claim():
            del self._leases[job_id]
            return
        # Renewed all along, not only between windows: a window whose calls wait long (a low quota, retries) must
        # not let another replica take the job and read back items whose calls are still on their way.
        renewing = asyncio.create_task(self._keep_lease(lease, job_id))
        try:
            job = await self.repository.get(job_id)
            await self.repository.start(job_id)
            self._notify(job_id)
            with in_background():
                if job.total is None:
                    job = await self._list(job)
                    self._notify(job_id)
                    if job.spec.dry_run:
                        await self.repository.finish(job_id, JobState.SUCCEEDED)
                        return
                if job.spec.action is JobAction.EXPORT:
                    await self._export(job)
                else:
                    await self._send_all(job)
        except SelectionUnavailable as reason:
            await self.repository.finish(job_id, JobState.FAILED, str(reason))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.exception("job %s failed", job_id)
            await self.repository.finish(job_id, JobState.FAILED, f"internal error ({type(error).__name__})")
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            self._rates.pop(job_id, None)
            del self._leases[job_id]
            await asyncio.shield(lease.release())  # after any claim still landing, or that claim takes it back
            self._notify(job_id)

    async def _list(self, job: Job) -> Job:
        """The selection's usernames into items (once: the selection is fixed when the job starts)."""
        usernames = await self._select(job.spec)
        outcome = ItemOutcome.SKIPPED if job.spec.dry_run else ItemOutcome.PENDING
        await self.repository.add_items(job.id, usernames, outcome)
        return await self.repository.get(job.id)

    async def _select(self, spec: JobSpec) -> list[str]:
        selection = spec.selection
        if not selection.searches:
            return list(dict.fromkeys(selection.usernames or ()))
        if self.index is None:
            raise SelectionUnavailable("a search selection needs the directory index")
        state = await self.index.state(spec.user_pool_id)
        if state.state is not IndexState.READY:
            raise SelectionUnavailable(f"the directory index of {spec.user_pool_id} is {state.state.value}")
        found: list[str] = []
        search = index_search.Search(
            spec.user_pool_id, text=selection.text, conditions=selection.where, first=LIST_PAGE
        )
        while True:
            compiled = index_search.CompiledSearch(self.index.database, search)
            page = await compiled.page(with_attributes=False)
            found += [hit.user.username for hit in page.hits]
            if not page.has_next_page or not page.hits:
                return found
            search = dataclasses.replace(search, after=page.hits[-1].position)

    async def _send_all(self, job: Job) -> None:
        action = ACTIONS[job.spec.action]

        async def send(window: list[JobItem]) -> tuple[list[Outcome], bytes | None]:
            fresh = [item.position for item in window if not item.sending]
            if fresh:
                await self.repository.mark_sending(job.id, fresh)
            return list(await asyncio.gather(*(self._item(job, action, item) for item in window))), None

        await self._windows(job, WINDOW, send)

    async def _export(self, job: Job) -> None:
        """The items' users from the directory index into the export's file, a page at a time: no Cognito call per
        user (CSV: one GetCSVHeader for its columns). A user the index does not hold FAILS (UserNotFoundException)."""
        pool = job.spec.user_pool_id
        index = self.index
        if index is None or (await index.state(pool)).state is not IndexState.READY:
            raise SelectionUnavailable(f"an export reads the directory index, and the index of {pool} is not READY")
        csv_format = job.spec.format is ExportFormat.CSV
        columns = (await self.cognito.call("GetCSVHeader", UserPoolId=pool))["CSVHeader"] if csv_format else []
        header_written = job.finished_items > 0

        async def export(window: list[JobItem]) -> tuple[list[Outcome], bytes | None]:
            nonlocal header_written
            found = await index.get_users(pool, [item.username for item in window])
            users = [found[item.username] for item in window if item.username in found]
            part = (
                exports.csv_rows(None if header_written else columns, users)
                if csv_format
                else exports.jsonl_rows(users)
            )
            header_written = True
            outcomes = [
                Outcome(item.position, ItemOutcome.DONE)
                if item.username in found
                else Outcome(item.position, ItemOutcome.FAILED, "UserNotFoundException", "not in the directory index")
                for item in window
            ]
            return outcomes, part

        await self._windows(job, EXPORT_PAGE, export)

    async def _windows(
        self,
        job: Job,
        size: int,
        process: Callable[[list[JobItem]], Awaitable[tuple[list[Outcome], bytes | None]]],
    ) -> None:
        """The job's items ``size`` at a time, while it is still this runner's: ``process`` gives each window's
        outcomes (and an export's part of its file), recorded in one transaction. SUCCEEDED once none is left."""
        while True:
            if not await self._still_mine(job.id):
                return
            window = await self.repository.next_items(job.id, size)
            if not window:
                await self.repository.finish(job.id, JobState.SUCCEEDED)
                return
            outcomes, part = await process(list(window))
            self._sample(await self.repository.record(job.id, outcomes, export_part=part))
            self._notify(job.id)

    async def _keep_lease(self, lease: Lease, job_id: str) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 4)
            try:
                await lease.claim()
            except Exception:  # the database away a moment: the next window's claim tells
                logger.warning("job %s: its lease could not be renewed", job_id)

    async def _still_mine(self, job_id: str) -> bool:
        """Not cancelled, and its lease renewed: one statement, as a claim takes no job in a final state."""
        if await self._leases[job_id].claim():
            return True
        if not (await self.repository.get(job_id)).state.final:
            logger.warning("job %s: its lease was lost to another replica", job_id)
        return False

    def _sample(self, job: Job) -> None:
        samples = self._rates.setdefault(job.id, deque())
        now = time.monotonic()
        samples.append((now, job.finished_items))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW_SECONDS:
            samples.popleft()

    async def _item(self, job: Job, action: Action, item: JobItem) -> Outcome:
        spec = job.spec
        request = action.request(spec, item.username)
        with collecting_request_ids() as request_ids:
            outcome = await self._write(action, spec, item, request)
        write_record(
            job.created_by,
            "startUserJob",
            spec,
            outcome.error_code or str(outcome.outcome),
            job_id=job.id,
            operation=action.operation,
            request=request,
            request_ids=request_ids,
        )
        return outcome

    async def _write(self, action: Action, spec: JobSpec, item: JobItem, request: dict[str, Any]) -> Outcome:
        if item.sending:  # its call may have left before the runner stopped
            verdict = await self._read_back(action, spec, item.username)
            if verdict is not False:
                return _verdict(item.position, verdict)
        for attempt in range(2):
            try:
                response = await self.cognito.call(action.operation, **request)
            except OutcomeUnknown:
                await self.cognito.forget(request)  # it may have been written
                verdict = await self._read_back(action, spec, item.username)
                if verdict is False and attempt == 0:
                    continue  # proven not written: sent again, once
                return _verdict(item.position, verdict)
            except CognitoException as failure:
                return Outcome(item.position, ItemOutcome.FAILED, failure.code, failure.message)
            await self.cognito.forget(request)  # the cached reads of the pool (its groups' members), on every replica
            await self._update_index(action.operation, spec, request, response)
            return Outcome(item.position, ItemOutcome.DONE)
        raise AssertionError("unreachable")

    async def _read_back(self, action: Action, spec: JobSpec, username: str) -> bool | None:
        try:
            return await action.read_back(self.cognito, spec, username)
        except CognitoException:
            return None  # the read failed too: the outcome stays unknown

    async def _update_index(
        self, operation: str, spec: JobSpec, request: dict[str, Any], response: dict[str, Any]
    ) -> None:
        if self.index is None:
            return
        cognito = self.cognito

        async def read_user(pool: str, username: str) -> dict[str, Any]:
            return await cognito.call("AdminGetUser", UserPoolId=pool, Username=username)

        await apply_write(
            self.index,
            operation,
            spec.user_pool_id,
            request,
            response,
            read_user=read_user,
            on_failure=lambda failed: cognito.metrics.index_write_failures.labels(failed).inc(),
        )


def _verdict(position: int, verdict: bool | None) -> Outcome:
    if verdict is True:
        return Outcome(position, ItemOutcome.DONE)
    return Outcome(
        position,
        ItemOutcome.UNKNOWN,
        "OutcomeUnknown",
        "the call was sent but its answer was lost, and it cannot be read back",
    )
