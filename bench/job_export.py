"""The export part of ``python -m bench.jobs``: an EXPORT job of a whole pool's users (50,000 by default) from the
directory index, in a gateway process of its own, timed from startUserJob to SUCCEEDED and through its download,
with the process's peak RSS (VmHWM; target < 300 MB: an export streams, it never holds the pool).

The index is written straight into a fresh SQLite database (bench.search's users, as the search bench does); the
export is JSON Lines, which needs no Cognito call (CSV asks GetCSVHeader once for its columns: the bench's gateway
has no Cognito behind it)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import search
from bench.gateway_server import GatewayProcess
from bench.index_memory import NO_COGNITO, megabytes, without_cognito

TARGET_MB = 300
START = """mutation($pool: ID!) { startUserJob(input: {userPoolId: $pool, action: EXPORT, format: JSONL,
  selection: {}}) { __typename ... on StartUserJobPayload { job { id } } ... on CognitoError { code message } } }"""
JOB = """query($id: ID!) { job(id: $id) { ... on Job { state total done failed downloadUrl error } } }"""


@dataclass
class Export:
    users: int
    fill_s: float
    job_s: float
    download_s: float
    lines: int
    megabytes_downloaded: float
    start_mb: float
    peak_mb: float
    job: dict


def measure(users: int) -> Export:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as directory:
        database_url = f"sqlite:///{Path(directory) / 'gateway.db'}"
        fill_s = asyncio.run(search.fill(database_url, users))
        audit = {"GATEWAY_AUDIT_LOG_PATH": str(Path(directory) / "audit.log")}
        gateway = GatewayProcess(NO_COGNITO, {**without_cognito(database_url), **audit})
        try:
            gateway.start()
            start_mb = megabytes(gateway.status("VmRSS"))
            with httpx.Client(base_url=gateway.url, trust_env=False, timeout=300) as http:
                started = time.perf_counter()
                answer = http.post("/graphql", json={"query": START, "variables": {"pool": search.POOL}}).json()
                payload = answer["data"]["startUserJob"]
                if payload["__typename"] != "StartUserJobPayload":
                    raise RuntimeError(f"startUserJob failed: {payload}")
                job_id = payload["job"]["id"]
                while True:
                    job = http.post("/graphql", json={"query": JOB, "variables": {"id": job_id}}).json()["data"]["job"]
                    if job["state"] not in ("QUEUED", "RUNNING"):
                        break
                    time.sleep(0.1)
                job_s = time.perf_counter() - started
                if job["state"] != "SUCCEEDED":
                    raise RuntimeError(f"the export did not succeed: {job}")
                started = time.perf_counter()
                lines = size = 0
                with http.stream("GET", job["downloadUrl"]) as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        lines += chunk.count(b"\n")
                download_s = time.perf_counter() - started
            peak_mb = megabytes(gateway.status("VmHWM"))
        finally:
            gateway.stop()
    return Export(users, fill_s, job_s, download_s, lines, size / 1e6, start_mb, peak_mb, job)


def render(export: Export) -> list[str]:
    met = "met" if export.peak_mb < TARGET_MB else "NOT met"
    return [
        "",
        f"### Export of {export.users:,} users",
        "",
        "An EXPORT job (JSON Lines, the whole pool: an empty selection) in a gateway process of its own, from a "
        f"{export.users:,}-user SQLite index written straight in ({export.fill_s:.0f} s); timed from startUserJob "
        "until the job is SUCCEEDED, then its download streamed.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| job: total / done / failed | {export.job['total']:,} / {export.job['done']:,} / {export.job['failed']:,} |",
        f"| startUserJob to SUCCEEDED | {export.job_s:.1f} s ({export.users / export.job_s:,.0f} users/s) |",
        f"| download | {export.download_s:.1f} s, {export.megabytes_downloaded:.1f} MB, {export.lines:,} lines |",
        f"| RSS at start | {export.start_mb:.0f} MB |",
        f"| **peak RSS (VmHWM)** | **{export.peak_mb:.0f} MB** (target < {TARGET_MB} MB: {met}) |",
    ]
