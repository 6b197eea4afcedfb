"""Jobs and their items in the gateway's database (``jobs``, ``job_items``: gateway/store/tables.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, select, update

from gateway.jobs.records import ItemOutcome, Job, JobItem, JobSpec, JobState
from gateway.store import Database
from gateway.store.database import whole
from gateway.store.tables import job_export_parts, job_items, jobs, utcnow

# Which counter of the job each outcome moves.
_COUNTERS = {
    ItemOutcome.DONE: "done",
    ItemOutcome.FAILED: "failed",
    ItemOutcome.UNKNOWN: "unknown",
    ItemOutcome.SKIPPED: "skipped",
}


ITEMS_PER_STATEMENT = 5_000


class JobNotFound(LookupError):
    pass


class JobFinished(ValueError):
    """A change asked of a job already in a final state."""


@dataclass(frozen=True)
class Outcome:
    """An item's outcome, as the runner records it."""

    position: int
    outcome: ItemOutcome
    error_code: str | None = None
    message: str | None = None


class JobRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    @whole
    async def create(self, spec: JobSpec, created_by: str) -> Job:
        job_id = str(uuid.uuid4())
        async with self.database.transaction() as connection:
            await connection.execute(
                jobs.insert().values(
                    id=job_id,
                    user_pool_id=spec.user_pool_id,
                    action=str(spec.action),
                    state=str(JobState.QUEUED),
                    spec=spec.to_json(),
                    dry_run=spec.dry_run,
                    created_by=created_by,
                    created_at=utcnow(),
                )
            )
        return await self.get(job_id)

    async def find(self, job_id: str) -> Job | None:
        async with self.database.connect() as connection:
            row = (await connection.execute(select(jobs).where(jobs.c.id == job_id))).mappings().one_or_none()
        return Job.from_row(row) if row is not None else None

    async def get(self, job_id: str) -> Job:
        job = await self.find(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    async def page(
        self, *, user_pool_ids: Sequence[str] | None, first: int, after: tuple[datetime, str] | None
    ) -> list[Job]:
        """Newest first (then by id), ``first`` + 1 of them (the extra one says there is a next page); only the pools
        named when ``user_pool_ids`` is not None."""
        statement = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(first + 1)
        if user_pool_ids is not None:
            statement = statement.where(jobs.c.user_pool_id.in_(list(user_pool_ids)))
        if after is not None:
            created, job_id = after
            statement = statement.where(
                or_(jobs.c.created_at < created, and_(jobs.c.created_at == created, jobs.c.id < job_id))
            )
        async with self.database.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [Job.from_row(row) for row in rows]

    # The runner's side.

    @whole
    async def claim(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        """Take (or renew) the job's lease for ``owner``: False when another owner holds an unexpired one or the job
        is final."""
        now = utcnow()
        async with self.database.transaction() as connection:
            result = await connection.execute(
                update(jobs)
                .where(
                    jobs.c.id == job_id,
                    jobs.c.state.in_([str(JobState.QUEUED), str(JobState.RUNNING)]),
                    or_(jobs.c.lease_owner.is_(None), jobs.c.lease_owner == owner, jobs.c.lease_expires_at < now),
                )
                .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds))
            )
        return bool(result.rowcount)

    async def runnable(self, owner: str) -> list[str]:
        """Jobs not final whose lease is free, expired or this owner's, oldest first."""
        now = utcnow()
        async with self.database.connect() as connection:
            rows = await connection.execute(
                select(jobs.c.id)
                .where(
                    jobs.c.state.in_([str(JobState.QUEUED), str(JobState.RUNNING)]),
                    or_(jobs.c.lease_owner.is_(None), jobs.c.lease_owner == owner, jobs.c.lease_expires_at < now),
                )
                .order_by(jobs.c.created_at, jobs.c.id)
            )
            return [row[0] for row in rows]

    @whole
    async def release(self, job_id: str, owner: str) -> None:
        async with self.database.transaction() as connection:
            await connection.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )

    @whole
    async def start(self, job_id: str) -> None:
        async with self.database.transaction() as connection:
            await connection.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state == str(JobState.QUEUED))
                .values(state=str(JobState.RUNNING), started_at=utcnow())
            )

    @whole
    async def add_items(self, job_id: str, usernames: Sequence[str], outcome: ItemOutcome) -> None:
        """The listed selection as the job's items, and its ``total``, in one transaction: a listing cut short
        leaves nothing, and is done again."""
        async with self.database.transaction() as connection:
            for start in range(0, len(usernames), ITEMS_PER_STATEMENT):
                await connection.execute(
                    job_items.insert(),
                    [
                        {
                            "job_id": job_id,
                            "position": position,
                            "username": name,
                            "outcome": str(outcome),
                            "sending": False,
                        }
                        for position, name in enumerate(usernames[start : start + ITEMS_PER_STATEMENT], start)
                    ],
                )
            skipped = len(usernames) if outcome is ItemOutcome.SKIPPED else 0
            await connection.execute(
                update(jobs).where(jobs.c.id == job_id).values(total=len(usernames), skipped=skipped)
            )

    async def next_items(self, job_id: str, limit: int) -> list[JobItem]:
        """The PENDING items in the selection's order: those left ``sending`` by a stopped runner first."""
        async with self.database.connect() as connection:
            rows = await connection.execute(
                select(job_items)
                .where(job_items.c.job_id == job_id, job_items.c.outcome == str(ItemOutcome.PENDING))
                .order_by(job_items.c.sending.desc(), job_items.c.position)
                .limit(limit)
            )
            return [_item(row) for row in rows.mappings()]

    @whole
    async def mark_sending(self, job_id: str, positions: Sequence[int]) -> None:
        """Committed before the calls leave: an item found ``sending`` later may have been written."""
        async with self.database.transaction() as connection:
            await connection.execute(
                update(job_items)
                .where(job_items.c.job_id == job_id, job_items.c.position.in_(list(positions)))
                .values(sending=True)
            )

    @whole
    async def record(self, job_id: str, outcomes: Sequence[Outcome], export_part: bytes | None = None) -> Job:
        """The items' outcomes and the job's counters, in one transaction, with the part of an export's file that
        holds those items (numbered by its first item's position, so that the parts read in order make the file)."""
        async with self.database.transaction() as connection:
            if export_part:
                part = min(outcome.position for outcome in outcomes)
                await connection.execute(job_export_parts.insert().values(job_id=job_id, part=part, data=export_part))
            if outcomes:
                await connection.execute(
                    update(job_items)
                    .where(job_items.c.job_id == job_id, job_items.c.position == bindparam("item_position"))
                    .values(
                        outcome=bindparam("item_outcome"),
                        sending=False,
                        error_code=bindparam("item_code"),
                        message=bindparam("item_message"),
                    ),
                    [
                        {
                            "item_position": o.position,
                            "item_outcome": str(o.outcome),
                            "item_code": o.error_code,
                            "item_message": o.message,
                        }
                        for o in outcomes
                    ],
                )
                counts = {name: 0 for name in _COUNTERS.values()}
                for o in outcomes:
                    counts[_COUNTERS[o.outcome]] += 1
                await connection.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id)
                    .values({name: jobs.c[name] + count for name, count in counts.items() if count})
                )
            row = (await connection.execute(select(jobs).where(jobs.c.id == job_id))).mappings().one()
        return Job.from_row(row)

    @whole
    async def finish(self, job_id: str, state: JobState, error: str | None = None) -> Job:
        """Into a final state (a job already final stays as it is)."""
        async with self.database.transaction() as connection:
            await connection.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_([str(JobState.QUEUED), str(JobState.RUNNING)]))
                .values(state=str(state), finished_at=utcnow(), error=error, lease_owner=None, lease_expires_at=None)
            )
            row = (await connection.execute(select(jobs).where(jobs.c.id == job_id))).mappings().one()
        return Job.from_row(row)

    @whole
    async def cancel(self, job_id: str) -> Job:
        """CANCELLED, unless final (:class:`JobFinished`) or unknown (:class:`JobNotFound`). The runner sees it before
        its next items: those in flight finish."""
        async with self.database.transaction() as connection:
            row = (await connection.execute(select(jobs).where(jobs.c.id == job_id))).mappings().one_or_none()
            if row is None:
                raise JobNotFound(job_id)
            if JobState(row["state"]).final:
                raise JobFinished(f"job {job_id} is already {row['state']}")
            await connection.execute(
                update(jobs).where(jobs.c.id == job_id).values(state=str(JobState.CANCELLED), finished_at=utcnow())
            )
            row = (await connection.execute(select(jobs).where(jobs.c.id == job_id))).mappings().one()
        return Job.from_row(row)

    async def items(self, job_id: str, *, outcome: ItemOutcome | None, first: int, after: int | None) -> list[JobItem]:
        """In the selection's order, ``first`` + 1 of them, after position ``after``."""
        statement = (
            select(job_items).where(job_items.c.job_id == job_id).order_by(job_items.c.position).limit(first + 1)
        )
        if outcome is not None:
            statement = statement.where(job_items.c.outcome == str(outcome))
        if after is not None:
            statement = statement.where(job_items.c.position > after)
        async with self.database.connect() as connection:
            return [_item(row) for row in (await connection.execute(statement)).mappings()]

    async def export_parts(self, job_id: str) -> AsyncIterator[bytes]:
        """An export's file, part by part in their order (one part in memory at a time)."""
        after = -1
        while True:
            async with self.database.connect() as connection:
                row = (
                    await connection.execute(
                        select(job_export_parts.c.part, job_export_parts.c.data)
                        .where(job_export_parts.c.job_id == job_id, job_export_parts.c.part > after)
                        .order_by(job_export_parts.c.part)
                        .limit(1)
                    )
                ).one_or_none()
            if row is None:
                return
            after = row.part
            yield bytes(row.data)


def _item(row: object) -> JobItem:
    values = dict(row)  # type: ignore[call-overload]
    return JobItem(
        position=values["position"],
        username=values["username"],
        outcome=ItemOutcome(values["outcome"]),
        sending=bool(values["sending"]),
        error_code=values["error_code"],
        message=values["message"],
    )
