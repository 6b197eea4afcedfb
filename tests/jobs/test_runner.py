"""The job runner against moto, on both engines: resuming a stopped job without writing an item twice, cancelling."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bench.faults import FaultProxy, Faults
from gateway.jobs.records import ItemOutcome, JobAction, JobSpec, JobState, Selection
from gateway.jobs.repository import JobRepository
from tests.conftest import running_gateway
from tests.helpers import HANG_GUARD_SECONDS, PASSWORD, create_users


async def final(repository: JobRepository, job_id: str):
    async def poll():
        while not (job := await repository.get(job_id)).state.final:
            await asyncio.sleep(0.05)
        return job

    return await asyncio.wait_for(poll(), HANG_GUARD_SECONDS)


async def stopped_mid_window(repository: JobRepository, spec: JobSpec, sending: list[int]) -> str:
    """A job as a runner leaves it when it dies after marking a window ``sending``: RUNNING, its lease run out."""
    job = await repository.create(spec, "ops@example.com")
    assert await repository.claim(job.id, "a-replica-that-died", lease_seconds=-1)
    await repository.start(job.id)
    await repository.add_items(job.id, list(spec.selection.usernames or ()), ItemOutcome.PENDING)
    await repository.mark_sending(job.id, sending)
    return job.id


async def test_a_restarted_gateway_reads_back_the_items_in_flight_and_writes_none_twice(
    backend, cognito, pool_id, database, database_url
):
    usernames = create_users(cognito, pool_id, 5)
    # user-001's call had reached Cognito before the runner died; user-000's had not.
    cognito.admin_disable_user(UserPoolId=pool_id, Username="user-001")
    repository = JobRepository(database)
    spec = JobSpec(pool_id, JobAction.DISABLE, Selection(usernames=usernames))
    job_id = await stopped_mid_window(repository, spec, sending=[0, 1])

    async with running_gateway(backend, database_url=database_url) as gateway:
        job = await final(repository, job_id)
        calls = gateway.calls

    assert job.state is JobState.SUCCEEDED
    assert (job.total, job.done, job.failed, job.unknown) == (5, 5, 0, 0)
    # Both items in flight are read back; only the one proven not written is sent, and the rest once each.
    assert calls == {"AdminGetUser": 2, "AdminDisableUser": 4}
    assert all(not cognito.admin_get_user(UserPoolId=pool_id, Username=name)["Enabled"] for name in usernames)


async def test_an_item_in_flight_that_cannot_be_read_back_stays_unknown(
    backend, cognito, pool_id, database, database_url
):
    for username in create_users(cognito, pool_id, 2):  # confirmed, with a verified email: a reset can be sent
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
        cognito.admin_update_user_attributes(
            UserPoolId=pool_id, Username=username, UserAttributes=[{"Name": "email_verified", "Value": "true"}]
        )
    repository = JobRepository(database)
    spec = JobSpec(pool_id, JobAction.RESET_PASSWORD, Selection(usernames=["user-000", "user-001"]))
    job_id = await stopped_mid_window(repository, spec, sending=[0])

    async with running_gateway(backend, database_url=database_url) as gateway:
        job = await final(repository, job_id)
        calls = gateway.calls

    assert (job.state, job.done, job.unknown) == (JobState.SUCCEEDED, 1, 1)
    assert calls == {"AdminResetUserPassword": 1}  # user-001 only: a reset is never sent twice
    unknown = await repository.items(job_id, outcome=ItemOutcome.UNKNOWN, first=10, after=None)
    assert [(item.username, item.error_code) for item in unknown] == [("user-000", "OutcomeUnknown")]


async def test_a_cancelled_job_stops_before_its_next_window(backend, cognito, pool_id, database, database_url):
    usernames = create_users(cognito, pool_id, 40)
    repository = JobRepository(database)

    async with running_gateway(backend, database_url=database_url, quota_rates={"UserUpdate": 10}) as gateway:
        job = await gateway.app.state.jobs.submit(
            JobSpec(pool_id, JobAction.DISABLE, Selection(usernames=usernames)), "ops"
        )
        while (await repository.get(job.id)).done == 0:
            await asyncio.sleep(0.02)
        cancelled = await gateway.app.state.jobs.cancel(job.id)
        await asyncio.wait_for(gateway.app.state.jobs.running(job.id), HANG_GUARD_SECONDS)
        after = await repository.get(job.id)

    assert cancelled.state is JobState.CANCELLED
    assert after.state is JobState.CANCELLED and after.finished_at is not None
    assert 0 < after.done < 40
    assert gateway.calls["AdminDisableUser"] == after.done + after.failed
    pending = await repository.items(job.id, outcome=ItemOutcome.PENDING, first=100, after=None)
    assert len(pending) == 40 - after.done - after.failed


async def test_a_write_whose_answer_is_lost_is_read_back_not_resent(backend, cognito, pool_id, database, database_url):
    """The fault proxy forwards every AdminDisableUser to moto and drops its answer: each item's outcome is unknown,
    each is read back (AdminGetUser: disabled), so each is DONE and was sent once."""
    usernames = create_users(cognito, pool_id, 3)
    proxy = FaultProxy(backend.endpoint_url, Faults(rules={"AdminDisableUser": "reset_after_forward"})).start()
    through = SimpleNamespace(endpoint_url=proxy.endpoint_url)
    try:
        async with running_gateway(through, database_url=database_url, max_attempts=3) as gateway:
            job = await gateway.app.state.jobs.submit(
                JobSpec(pool_id, JobAction.DISABLE, Selection(usernames=usernames)), "ops"
            )
            job = await final(JobRepository(database), job.id)
        calls = proxy.calls()
    finally:
        proxy.stop()

    assert (job.state, job.done, job.unknown) == (JobState.SUCCEEDED, 3, 0)
    assert calls["AdminDisableUser"] == 3 and calls["AdminGetUser"] == 3
    assert all(not cognito.admin_get_user(UserPoolId=pool_id, Username=name)["Enabled"] for name in usernames)
