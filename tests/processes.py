"""The gateway as users run it, in processes of its own.

- :func:`demo_process`: ``cognito-gateway serve --demo``.
- :func:`gateway_processes` (:func:`gateway_process` for one): ``cognito-gateway serve`` on a Cognito URL (moto, or
  the bench's counting proxy in front of it) and a database, several started at once, each on a free port, its
  settings from its environment (:func:`gateway_env`). The tests of jobs across restarts
  (tests/jobs/test_process_restart.py) and of replicas (tests/shared/test_replicas.py) use it, and so does
  ``python -m bench.replicas``: it raises RuntimeError, not a pytest outcome, when a process does not start.
- The jobs' helpers those share: the documents, a job stopped mid-window, its end.

Nothing here imports the test suite's fixtures, so that the bench can import it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION
from tests.helpers import GraphQLOverHTTP

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from bench.proxy import CountingProxy

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60  # a process starting on a loaded machine (several start at once on two cores)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def demo_process(timeout: float = 120, env: dict[str, str] | None = None) -> Iterator[tuple[int, str]]:
    """Starts `serve --demo` on a free port, with ``env`` over this process's environment; yields the port and what
    it printed until it listened."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
    )
    printed = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (line := process.stdout.readline()):
            printed.append(line)
            if "Uvicorn running" in line:  # printed once the socket listens
                yield port, "".join(printed)
                return
        pytest.fail("the demo did not start:\n" + "".join(printed))
    finally:
        process.terminate()
        process.wait(timeout=15)


def gateway_env(cognito_url: str, database_url: str | None = None, **settings: str) -> dict[str, str]:
    """The environment (over this process's: GATEWAY_DATA_DIR is the test session's) of a `serve` whose Cognito is
    at ``cognito_url`` and whose database is ``database_url`` (None: SQLite in GATEWAY_DATA_DIR), with the demo's
    credentials and region, no authentication, /metrics on the app's own port, and ``settings`` (environment names,
    ``GATEWAY_QUOTA_RATES='{"UserList": 5}'``, ``AWS_ENDPOINT_URL_STS=...``) over those."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": cognito_url,
        "AWS_ACCESS_KEY_ID": DEMO_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DEMO_CREDENTIALS["aws_secret_access_key"],
        "AWS_REGION": DEMO_REGION,
        "GATEWAY_AUTH_MODE": "none",
        "GATEWAY_ALLOW_INSECURE": "true",
        "GATEWAY_METRICS_PORT": "0",
        "GATEWAY_SHUTDOWN_TIMEOUT_SECONDS": "10",
    }
    if database_url is not None:
        env["GATEWAY_DATABASE_URL"] = database_url
    else:
        env.pop("GATEWAY_DATABASE_URL", None)
    env.update(settings)
    return env


@dataclass
class GatewayProcess(GraphQLOverHTTP):
    process: subprocess.Popen[bytes]
    http: httpx.AsyncClient
    log: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def printed(self) -> str:
        return self.log.read_text(errors="replace")

    async def job(self, job_id: str, document: str | None = None) -> dict[str, Any]:
        job = (await self.data(document or JOB, {"id": job_id}))["job"]
        assert job["__typename"] == "Job", job
        return job

    async def stop(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        return await asyncio.to_thread(self.process.wait, 30)


async def _listening(started: Sequence[tuple[subprocess.Popen[bytes], Path, int]], timeout: float) -> None:
    """Returns once every process printed that it listens; RuntimeError with the log of one that exited or is late."""
    deadline = time.monotonic() + timeout
    waiting = list(started)
    while waiting:
        for process, log, port in list(waiting):
            if "Uvicorn running" in log.read_text(errors="replace"):  # printed once the socket listens
                waiting.remove((process, log, port))
            elif process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not start ({log}):\n" + log.read_text(errors="replace")[-5000:])
        await asyncio.sleep(0.05)


@asynccontextmanager
async def gateway_processes(
    envs: Sequence[Mapping[str, str]], logs: Sequence[Path], timeout: float = START_SECONDS
) -> AsyncIterator[list[GatewayProcess]]:
    """One `cognito-gateway serve` per environment (:func:`gateway_env`), each on a free port, its output into its
    log; all started at once, yielded once all listen; killed on exit if still running."""
    assert len(envs) == len(logs)
    started: list[tuple[subprocess.Popen[bytes], Path, int]] = []
    clients: list[httpx.AsyncClient] = []
    try:
        for env, log in zip(envs, logs, strict=True):
            port = free_port()
            with log.open("wb") as output:  # a file, not a pipe: the access log never blocks the process
                process = subprocess.Popen(
                    [sys.executable, "-m", "gateway.cli", "serve"],
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                    env={**env, "GATEWAY_PORT": str(port)},
                )
            started.append((process, log, port))
        await _listening(started, timeout)
        gateways = []
        for process, log, port in started:
            clients.append(httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=30))
            gateways.append(GatewayProcess(process, clients[-1], log, port))
        yield gateways
    finally:
        for client in clients:
            await client.aclose()
        for process, _, _ in started:
            if process.poll() is None:
                process.kill()
                process.wait()


@asynccontextmanager
async def gateway_process(
    cognito_url: str, database_url: str | None, log: Path, **settings: str
) -> AsyncIterator[GatewayProcess]:
    """One `cognito-gateway serve` (:func:`gateway_processes`), its environment :func:`gateway_env`'s."""
    async with gateway_processes([gateway_env(cognito_url, database_url, **settings)], [log]) as (process,):
        yield process


# -- jobs across processes ----------------------------------------------------------------------------------------

START = """mutation($input: StartUserJobInput!) { startUserJob(input: $input) {
  __typename ... on CognitoError { code message } ... on StartUserJobPayload { job { id state } } } }"""
PROGRESS = """query($id: ID!) { job(id: $id) { __typename ... on Job { state done } } }"""
JOB = """query($id: ID!) { job(id: $id) { __typename ... on CognitoError { code message }
  ... on Job { state total done failed unknown skipped error items(first: 100) { nodes { username outcome } } } } }"""


async def start_job(gateway: GatewayProcess, input: dict[str, Any]) -> str:
    """``startUserJob(input)`` through ``gateway`` (which then runs it): the job's ID."""
    started = (await gateway.data(START, {"input": input}))["startUserJob"]
    assert started["__typename"] == "StartUserJobPayload", started
    return started["job"]["id"]


def disabled(cognito: BaseClient, pool_id: str) -> set[str]:
    users = cognito.get_paginator("list_users").paginate(UserPoolId=pool_id).build_full_result()["Users"]
    return {user["Username"] for user in users if not user["Enabled"]}


async def stopped_mid_window(
    gateway: GatewayProcess, proxy: CountingProxy, job_id: str, *, total: int, window: int
) -> None:
    """Returns once a window before the last is in flight: one recorded, and at most half of the next window's
    AdminDisableUser calls at Cognito, so that the rest are still to go."""
    deadline = time.monotonic() + 30
    while True:
        job = await gateway.job(job_id, PROGRESS)
        sent = proxy.calls()["AdminDisableUser"]  # read after `done`: a window recorded meanwhile shows as sent
        if job["done"] >= window and 1 <= sent - job["done"] <= window // 2:
            return
        assert job["state"] in ("QUEUED", "RUNNING") and job["done"] < total - window, (
            f"the job went past its middle: {job}"
        )
        assert time.monotonic() < deadline, f"the job did not get going: {job}\n{gateway.printed()}"
        await asyncio.sleep(0.02)


async def settled_at_cognito(cognito: BaseClient, pool_id: str, proxy: CountingProxy) -> int:
    """The AdminDisableUser calls counted once those the proxy was still forwarding have landed: each one disabled a
    user of its own (none was sent twice)."""
    deadline = time.monotonic() + 10
    while (sent := proxy.calls()["AdminDisableUser"]) != len(disabled(cognito, pool_id)):
        assert time.monotonic() < deadline, (sent, disabled(cognito, pool_id))
        await asyncio.sleep(0.05)
    return sent


async def finished(gateway: GatewayProcess, job_id: str, within_seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + within_seconds
    while (job := await gateway.job(job_id, PROGRESS))["state"] in ("QUEUED", "RUNNING"):
        assert time.monotonic() < deadline, f"the job was not finished: {job}\n{gateway.printed()}"
        await asyncio.sleep(0.1)
    return await gateway.job(job_id)
