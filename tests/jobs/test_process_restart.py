"""A bulk job survives its gateway process being stopped mid-job (DESIGN.md section 9: "a restarted gateway resumes
its jobs where they stopped", "each item is written at most once"), on both engines.

The gateway runs as users run it, `cognito-gateway serve` in a process of its own, in front of moto through the
bench's counting proxy, which counts every call that reaches Cognito whichever process sent it. The proxy reads a
whole request before it counts it, then forwards it even when its client is gone, so its count is what Cognito got.
A first process runs a DISABLE job (UserUpdate slowed to 10/s, so that the job takes seconds) and is stopped while a
window of items is in flight (marked ``sending``, their calls partly sent); a second process on the same database
finishes the job. Each user is then disabled, and AdminDisableUser reached Cognito exactly once per user: the items
left ``sending`` were each read back once (AdminGetUser), and only those proven not written were sent again.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import websockets
from sqlalchemy import select
from websockets.typing import Subprotocol

from bench.proxy import CountingProxy
from gateway.jobs.records import JobItem, JobState
from gateway.jobs.repository import JobRepository
from gateway.jobs.runner import POLL_SECONDS, WINDOW
from gateway.store import Database
from gateway.store.tables import jobs
from tests.helpers import create_users
from tests.processes import (
    GatewayProcess,
    disabled,
    finished,
    gateway_process,
    settled_at_cognito,
    start_job,
    stopped_mid_window,
)

pytestmark = pytest.mark.slow  # two gateway processes a test, and a SIGKILLed runner's lease to run out
LEASE = 4  # GATEWAY_JOB_LEASE_SECONDS: the SIGKILLed runner's job is taken over within it and POLL_SECONDS

USERS = 4 * WINDOW  # the process is stopped in the second window, or else the third
RATE = 10  # UserUpdate calls a second: a window takes about a second
SETTINGS = {"GATEWAY_JOB_LEASE_SECONDS": str(LEASE), "GATEWAY_QUOTA_RATES": f'{{"UserUpdate": {RATE}}}'}


def started_gateway(cognito_url: str, database_url: str, log: Path):
    """`cognito-gateway serve` (tests/processes.py) on ``database_url``, with this module's lease and rate."""
    return gateway_process(cognito_url, database_url, log, **SETTINGS)


@asynccontextmanager
async def follower(gateway: GatewayProcess, job_id: str) -> AsyncIterator[asyncio.Future[int]]:
    """A jobProgress subscription over graphql-transport-ws, its snapshot received; the future is its close code."""
    url = str(gateway.http.base_url).replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        subscribe = {"query": "subscription($id: ID!) { jobProgress(id: $id) { state } }", "variables": {"id": job_id}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        assert json.loads(await socket.recv())["payload"]["data"]["jobProgress"]["state"] == "RUNNING"

        async def close_code() -> int:
            try:
                while True:
                    await socket.recv()
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else -1

        yield asyncio.ensure_future(close_code())


async def items_of(database: Database, job_id: str) -> list[JobItem]:
    return await JobRepository(database).items(job_id, outcome=None, first=1000, after=None)


# SIGKILL on PostgreSQL (the replicas' engine), SIGTERM on SQLite (the embedded default): both ways on both engines
# would double the test's 35 s for no path of the runner's that differs by engine.
@pytest.mark.parametrize(
    ("engine_name", "sig"),
    [("postgresql", signal.SIGKILL), ("sqlite", signal.SIGTERM)],
    ids=["postgresql-SIGKILL", "sqlite-SIGTERM"],
)
async def test_a_job_resumes_in_the_next_process_and_writes_each_user_once(
    sig, backend, cognito, pool_id, database, database_url, tmp_path
):
    usernames = create_users(cognito, pool_id, USERS)
    proxy = CountingProxy(backend.endpoint_url, latency_seconds=0).start()
    try:
        # The first process: stopped while a window before the last is in flight.
        async with started_gateway(proxy.endpoint_url, database_url, tmp_path / "first.log") as first:
            selection = {"usernames": usernames}
            job_id = await start_job(first, {"userPoolId": pool_id, "action": "DISABLE", "selection": selection})
            await stopped_mid_window(first, proxy, job_id, total=USERS, window=WINDOW)
            if sig == signal.SIGTERM:  # a follower of the job is told to subscribe again elsewhere: 1012
                async with follower(first, job_id) as closed:
                    exit_code = await first.stop(sig)
                    assert (await asyncio.wait_for(closed, 10)) == 1012
            else:
                exit_code = await first.stop(sig)
            first_log = first.printed()
        # uvicorn re-raises SIGTERM once it has drained, so both end as killed by their signal.
        assert exit_code == -sig, first_log

        # What it left: a RUNNING job, one window recorded, the next window's items `sending`.
        job = await JobRepository(database).get(job_id)
        items = await items_of(database, job_id)
        sending = [item.position for item in items if item.sending]
        done_when_stopped = sum(item.outcome == "DONE" for item in items)
        assert job.state is JobState.RUNNING and job.done == done_when_stopped
        assert WINDOW <= done_when_stopped < USERS
        assert sending == list(range(done_when_stopped, done_when_stopped + WINDOW))  # the window in flight
        sent_by_first = await settled_at_cognito(cognito, pool_id, proxy)
        landed = sent_by_first - done_when_stopped  # of the window in flight, those that reached Cognito
        assert 1 <= landed <= len(sending)
        async with database.connect() as connection:
            lease = (await connection.execute(select(jobs.c.lease_expires_at).where(jobs.c.id == job_id))).scalar()
        if sig == signal.SIGTERM:
            # Drained: the runner let go of its lease on the way out, so the next process takes the job at once.
            assert job.lease_owner is None and lease is None, first_log
        else:
            assert job.lease_owner is not None and lease is not None  # a dead runner's, until it runs out

        # The second process, on the same database: it takes the job over and finishes it.
        async with started_gateway(proxy.endpoint_url, database_url, tmp_path / "second.log") as second:
            within = LEASE + POLL_SECONDS + 20 if sig == signal.SIGKILL else 20
            final = await finished(second, job_id, within)
        calls = proxy.calls()
    finally:
        proxy.stop()

    assert final["state"] == "SUCCEEDED", final
    counts = {name: final[name] for name in ("total", "done", "failed", "unknown", "skipped")}
    assert counts == {"total": USERS, "done": USERS, "failed": 0, "unknown": 0, "skipped": 0}
    assert final["items"]["nodes"] == [{"username": name, "outcome": "DONE"} for name in usernames]
    assert disabled(cognito, pool_id) == set(usernames)
    # Each user written exactly once, across both processes: the items left `sending` were each read back once, and
    # only the ones proven not written (still enabled) were sent again; the rest, once each.
    assert calls["AdminGetUser"] == len(sending)
    assert calls["AdminDisableUser"] == USERS, (calls, landed)
    assert calls["AdminDisableUser"] - sent_by_first == USERS - done_when_stopped - landed
