"""Bulk user jobs in the graph (DESIGN.md section 9): ``startUserJob``, ``job``, ``jobs``, ``cancelJob``. The work is
gateway/jobs; the fields here shape arguments, check the caller's role on the job's pool and map the results."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any, Optional, Union

import strawberry

from gateway.auth import AccessDenied, Role
from gateway.cognito.errors import exception_class, invalid_parameter
from gateway.directory import search as index_search
from gateway.directory.records import IndexState as StoredIndexState
from gateway.graphql.context import Info
from gateway.graphql.declarations import CognitoCall, Declared
from gateway.graphql.errors import ERROR_TYPES, ServiceError, result_union
from gateway.graphql.pagination import Connection, Edge, PageInfo, Position
from gateway.graphql.permissions import requires
from gateway.graphql.search import IndexNotReadyError, UserConditionInput, not_ready
from gateway.graphql.shapes import input_type, to_cognito
from gateway.jobs import records
from gateway.jobs.actions import ACTIONS
from gateway.jobs.audit import write_record
from gateway.jobs.downloads import download_url
from gateway.jobs.records import EXPORT_ROLE, MAX_USERNAMES, JobSpec, Selection
from gateway.jobs.repository import JobFinished, JobNotFound

UserJobAction = strawberry.enum(records.JobAction, name="UserJobAction", description="What a job does to each user.")
JobState = strawberry.enum(
    records.JobState, description="SUCCEEDED: every item was tried (`failed` says how many failed)."
)
JobItemOutcome = strawberry.enum(records.ItemOutcome, name="JobItemOutcome")
ExportFormat = strawberry.enum(records.ExportFormat)
AttributeInput = input_type("AttributeType")

JOBS_FIRST, JOBS_MAX = 20, 100
PROGRESS_INTERVAL_SECONDS = 0.25  # jobProgress's events, at most 4 a second
POLL_SECONDS = 1.0  # a job another replica runs is read this often by its followers here
ITEMS_FIRST, ITEMS_MAX = 50, 500


@strawberry.type(description="One user of a job's selection and what became of it.")
class JobItem:
    username: str
    outcome: JobItemOutcome  # type: ignore[valid-type]
    error_code: Optional[str]
    message: Optional[str]


JobItemConnection = Connection[JobItem]


@strawberry.type(description="A bulk job over a selection of a pool's users.")
class Job:
    id: strawberry.ID
    user_pool_id: strawberry.ID
    action: UserJobAction  # type: ignore[valid-type]
    state: JobState  # type: ignore[valid-type]
    total: Optional[int] = strawberry.field(description="Items in the selection; null until it is listed.")
    done: int = strawberry.field(description="Items that succeeded.")
    failed: int
    unknown: int = strawberry.field(description="Items whose outcome is unknown and cannot be read back.")
    skipped: int = strawberry.field(description="Items a dry run listed.")
    progress: float = strawberry.field(description="0..1: items with an outcome over the total; 1 when final.")
    created_at: datetime
    started_at: Optional[datetime]
    finished_at: Optional[datetime]
    eta_seconds: Optional[float] = strawberry.field(description="From the rate of the last seconds; null until known.")
    created_by: str
    dry_run: bool
    error: Optional[str] = strawberry.field(description="Why a FAILED job could not go on.")
    download_url: Optional[str] = strawberry.field(description="An export's file, once it is SUCCEEDED.")
    stored: strawberry.Private[records.Job]

    @strawberry.field(description="The selection's items in order, those with `outcome` only when given (1..500).")
    async def items(
        self,
        info: Info,
        outcome: Optional[JobItemOutcome] = None,  # type: ignore[valid-type]
        first: int = ITEMS_FIRST,
        after: Optional[str] = None,
    ) -> JobItemConnection:  # type: ignore[valid-type]
        _check_first(first, ITEMS_MAX)
        listing = json.dumps(["jobItems", self.stored.id, outcome.value if outcome else None]).encode()
        start = int(info.context.cursors.open(after, listing, 0).token or 0) if after else None
        found = await _runner(info).repository.items(
            self.stored.id, outcome=records.ItemOutcome(outcome.value) if outcome else None, first=first, after=start
        )
        page = found[:first]
        edges = [
            Edge(
                cursor=info.context.cursors.seal(Position(str(item.position), 0), listing),
                node=JobItem(
                    username=item.username,
                    outcome=JobItemOutcome(item.outcome.value),
                    error_code=item.error_code,
                    message=item.message,
                ),
            )
            for item in page
        ]
        return JobItemConnection(
            edges=edges,
            nodes=[edge.node for edge in edges],
            page_info=_page_info(edges, len(found) > first),
        )

    @classmethod
    def of(cls, job: records.Job, eta_seconds: float | None) -> Job:
        return cls(
            id=strawberry.ID(job.id),
            user_pool_id=strawberry.ID(job.spec.user_pool_id),
            action=UserJobAction(job.spec.action.value),
            state=JobState(job.state.value),
            total=job.total,
            done=job.done,
            failed=job.failed,
            unknown=job.unknown,
            skipped=job.skipped,
            progress=job.progress,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            eta_seconds=eta_seconds,
            created_by=job.created_by,
            dry_run=job.spec.dry_run,
            error=job.error,
            download_url=download_url(job.id)
            if job.spec.action is records.JobAction.EXPORT
            and job.state is records.JobState.SUCCEEDED
            and not job.spec.dry_run
            else None,
            stored=job,
        )


JobConnection = Connection[Job]


@strawberry.input(description="Usernames, or a search over the directory index; empty: the whole pool.")
class UserSelectionInput:
    usernames: Optional[list[str]] = strawberry.field(default=None, description=f"At most {MAX_USERNAMES:,}.")
    text: Optional[str] = None
    where: Optional[list[UserConditionInput]] = None


@strawberry.input
class StartUserJobInput:
    user_pool_id: strawberry.ID
    action: UserJobAction  # type: ignore[valid-type]
    selection: UserSelectionInput
    group_name: Optional[str] = strawberry.field(default=None, description="ADD_TO_GROUP, REMOVE_FROM_GROUP.")
    user_attributes: Optional[list[AttributeInput]] = strawberry.field(  # type: ignore[valid-type]
        default=None, description="UPDATE_ATTRIBUTES."
    )
    format: ExportFormat = ExportFormat.CSV  # type: ignore[valid-type]
    dry_run: bool = strawberry.field(default=False, description="List and count the selection; write nothing.")


@strawberry.input
class CancelJobInput:
    id: strawberry.ID


@strawberry.type
class StartUserJobPayload:
    job: Job


@strawberry.type
class CancelJobPayload:
    job: Job


_InvalidParameterError = ERROR_TYPES["InvalidParameterException"]
_ResourceNotFoundError = ERROR_TYPES["ResourceNotFoundException"]


def _union(name: str, *members: Any) -> Any:
    return Optional[Annotated[Union[(*members, ServiceError)], strawberry.union(name)]]  # type: ignore[valid-type]


# GetGroup: a group job checks its group first (below).
StartUserJobResult = result_union("StartUserJobResult", [StartUserJobPayload, IndexNotReadyError], "GetGroup")
JobResult = _union("JobResult", Job, _ResourceNotFoundError)
JobsResult = _union("JobsResult", JobConnection, _InvalidParameterError)
CancelJobResult = _union("CancelJobResult", CancelJobPayload, _InvalidParameterError, _ResourceNotFoundError)

# A group job checks its group once, before any item: 5,000 calls that all fail would spend the quota for nothing.
_GROUP_CHECK = CognitoCall("GetGroup", Role.OPERATOR)


def _runner(info: Info) -> Any:
    runner = info.context.jobs
    if runner is None:  # the schema executed outside the app
        raise RuntimeError("jobs need the app's job runner")
    return runner


def _check_first(first: int, limit: int) -> None:
    if not 1 <= first <= limit:
        raise invalid_parameter(f"first must be 1..{limit}; it was {first}")


def _page_info(edges: list[Any], has_next_page: bool) -> PageInfo:
    return PageInfo(
        has_next_page=has_next_page,
        has_previous_page=False,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


def role_for(info: Info, action: records.JobAction) -> Role:
    """The role the action's single mutation needs, as its field declares it (EXPORT: operator)."""
    if action is records.JobAction.EXPORT:
        return EXPORT_ROLE
    operation = ACTIONS[action].operation
    mutation = info.schema.get_type_by_name("Mutation")
    field_name = operation[0].lower() + operation[1:]
    for field in mutation.fields:  # type: ignore[union-attr]
        if field.graphql_name == field_name or field.name == field_name:
            for extension in field.extensions:
                if isinstance(extension, Declared):
                    return extension.call.role
    raise RuntimeError(f"no mutation declares {operation}")


def _require(info: Info, role: Role, user_pool_id: str, what: str) -> None:
    if not info.context.caller.may(role, user_pool_id):
        raise AccessDenied(f"Forbidden: {what} needs the {role.label} role on user pool {user_pool_id}.")


async def _job(info: Info, job_id: str) -> records.Job:
    job = await _runner(info).repository.find(job_id)
    if job is None or not info.context.caller.may(Role.VIEWER, job.spec.user_pool_id):
        # A job on a pool the caller may not see is as unknown as one that never was.
        raise exception_class("ResourceNotFoundException")(f"Job {job_id} not found.")
    return job


def _spec(input: StartUserJobInput) -> JobSpec:
    action = records.JobAction(input.action.value)
    selection = input.selection
    conditions = tuple(
        index_search.Condition(c.field, index_search.SearchOperator(c.operator.value), c.value, c.values)
        for c in selection.where or ()
    )
    if selection.usernames is not None and (selection.text or conditions):
        raise invalid_parameter("selection: give usernames, or text and where, not both")
    if selection.usernames is not None:
        if not selection.usernames:
            raise invalid_parameter("selection.usernames is empty: leave it out to select the whole pool")
        if len(selection.usernames) > MAX_USERNAMES:
            raise invalid_parameter(
                f"selection.usernames holds {len(selection.usernames):,} names; at most {MAX_USERNAMES:,} are allowed"
            )
    group = input.group_name
    if action in (records.JobAction.ADD_TO_GROUP, records.JobAction.REMOVE_FROM_GROUP):
        if not group:
            raise invalid_parameter(f"{action.value} needs groupName")
    elif group is not None:
        raise invalid_parameter(f"groupName is for ADD_TO_GROUP and REMOVE_FROM_GROUP, not {action.value}")
    pairs = [to_cognito(attribute) for attribute in input.user_attributes or ()]
    if action is records.JobAction.UPDATE_ATTRIBUTES:
        if not pairs:
            raise invalid_parameter("UPDATE_ATTRIBUTES needs userAttributes")
    elif pairs:
        raise invalid_parameter(f"userAttributes is for UPDATE_ATTRIBUTES, not {action.value}")
    return JobSpec(
        user_pool_id=str(input.user_pool_id),
        action=action,
        selection=Selection(usernames=selection.usernames, text=selection.text, where=conditions),
        group_name=group,
        user_attributes=tuple((pair["Name"], pair.get("Value", "")) for pair in pairs),
        format=records.ExportFormat(input.format.value),
        dry_run=input.dry_run,
    )


@strawberry.type
class JobQueries:
    @strawberry.field(
        description="A bulk job (no Cognito call: read from the gateway's database).",
        extensions=[requires(Role.VIEWER, pool_in_arguments=False)],  # and on the job's pool: below
    )
    async def job(self, info: Info, id: strawberry.ID) -> JobResult:
        job = await _job(info, str(id))
        return Job.of(job, _runner(info).eta_seconds(job))

    @strawberry.field(
        description="Bulk jobs, newest first: of one pool, or of every pool the caller may view.",
        extensions=[requires(Role.VIEWER)],
    )
    async def jobs(
        self,
        info: Info,
        user_pool_id: Optional[strawberry.ID] = None,
        first: int = JOBS_FIRST,
        after: Optional[str] = None,
    ) -> JobsResult:
        _check_first(first, JOBS_MAX)
        caller = info.context.caller
        if user_pool_id is not None:
            _require(info, Role.VIEWER, str(user_pool_id), "Query.jobs")
            pools: list[str] | None = [str(user_pool_id)]
        else:
            pools = caller.pools
        listing = json.dumps(["jobs", user_pool_id, pools]).encode()
        start = None
        if after:
            created, job_id = json.loads(info.context.cursors.open(after, listing, 0).token or "[]")
            start = (datetime.fromisoformat(created), job_id)
        runner = _runner(info)
        found = await runner.repository.page(user_pool_ids=pools, first=first, after=start)
        edges = [
            Edge(
                cursor=info.context.cursors.seal(
                    Position(json.dumps([job.created_at.isoformat(), job.id]), 0), listing
                ),
                node=Job.of(job, runner.eta_seconds(job)),
            )
            for job in found[:first]
        ]
        return JobConnection(
            edges=edges, nodes=[edge.node for edge in edges], page_info=_page_info(edges, len(found) > first)
        )


@strawberry.type
class JobSubscriptions:
    @strawberry.subscription(
        description="A job as it goes: a snapshot first, then an event on progress (at most "
        f"{1 / PROGRESS_INTERVAL_SECONDS:g} a second), the last in its final state; then the subscription completes.",
        extensions=[requires(Role.VIEWER, pool_in_arguments=False)],  # and on the job's pool: below
    )
    async def job_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Job, None]:
        runner = _runner(info)
        job = await _job(info, str(id))
        yield Job.of(job, runner.eta_seconds(job))
        sent_at = time.monotonic()
        while not job.state.final:
            await runner.changed(job.id, timeout=POLL_SECONDS)
            await asyncio.sleep(max(0.0, sent_at + PROGRESS_INTERVAL_SECONDS - time.monotonic()))
            current = await runner.repository.get(job.id)
            if current != job:
                job = current
                yield Job.of(job, runner.eta_seconds(job))
                sent_at = time.monotonic()


@strawberry.type
class JobMutations:
    @strawberry.mutation(
        description="Start a bulk job over a selection of a pool's users; it runs in the background (see `job` and "
        "the `jobProgress` subscription). It needs the role its action's mutation needs on the pool.",
        # Every action needs at least an operator (section 9); the action's own role on the pool is checked below.
        extensions=[requires(Role.OPERATOR, changes=True), Declared(_GROUP_CHECK)],
    )
    async def start_user_job(self, info: Info, input: StartUserJobInput) -> StartUserJobResult:
        caller = info.context.caller
        spec = _spec(input)
        _require(info, role_for(info, spec.action), spec.user_pool_id, "Mutation.startUserJob")
        if spec.selection.searches or spec.action is records.JobAction.EXPORT:  # an export reads the index too
            if info.context.index is None:  # the schema executed outside the app
                raise RuntimeError("a search selection needs the app's directory index")
            state = await info.context.index.states.state(spec.user_pool_id)
            if state.state is not StoredIndexState.READY:
                write_record(caller.subject, "startUserJob", spec, "IndexNotReadyError")
                return not_ready(state)
        try:
            if spec.group_name:
                await info.context.cognito.call("GetGroup", UserPoolId=spec.user_pool_id, GroupName=spec.group_name)
            job = await _runner(info).submit(spec, caller.subject)
        except Exception as error:
            write_record(caller.subject, "startUserJob", spec, getattr(error, "code", "INTERNAL"))
            raise
        write_record(caller.subject, "startUserJob", spec, "StartUserJobPayload", job_id=job.id)
        return StartUserJobPayload(job=Job.of(job, None))

    @strawberry.mutation(
        description="Cancel a job: it stops before its next items (those in flight finish).",
        extensions=[requires(Role.OPERATOR, pool_in_arguments=False)],  # and the action's role on its pool: below
    )
    async def cancel_job(self, info: Info, input: CancelJobInput) -> CancelJobResult:
        job = await _job(info, str(input.id))
        _require(info, role_for(info, job.spec.action), job.spec.user_pool_id, "Mutation.cancelJob")
        try:
            cancelled = await _runner(info).cancel(job.id)
        except JobNotFound:
            raise exception_class("ResourceNotFoundException")(f"Job {job.id} not found.") from None
        except JobFinished as finished:
            write_record(info.context.caller.subject, "cancelJob", job.spec, "InvalidParameterError", job_id=job.id)
            raise invalid_parameter(str(finished)) from None
        write_record(info.context.caller.subject, "cancelJob", job.spec, "CancelJobPayload", job_id=job.id)
        return CancelJobPayload(job=Job.of(cancelled, None))
