"""``python -m bench.jobs``: issue 15's bench of bulk user jobs: a 5,000-user ADD_TO_GROUP job against moto at the
default quota rates, with interactive reads going on meanwhile.

The pool (``--users`` users, each in one seeded group) is seeded in the bench's backend process (moto behind the
counting proxy, no added latency: :mod:`bench.backend`), and the job's group is created there. The app, in this process
with its quota limiter at the default rates and a fresh SQLite database, is asked over HTTP to
``startUserJob(action: ADD_TO_GROUP, selection: {usernames: [...every user...]})``; the job is followed with
``job(id)`` once a second until its run is done. Meanwhile interactive ``user(userPoolId, username) { username
enabled }`` queries go to the same app at a steady ``--reads-per-second``, as they did before the job for
``--idle-seconds`` (the idle baseline, the same run). Printed, and written to the "Jobs" section of
``bench/results.md``:

- the achieved rate: items over the wall time of the items phase (from the items' listing to the job's end), as a
  fraction of AdminAddUserToGroup's quota category UserResourceUpdate, 25/s (target >= 0.9);
- the upstream calls per item (AdminAddUserToGroup calls over items, counted by the proxy; target 1.0), and every
  other call the job made (the group's check, GetGroup) or the reads made meanwhile (AdminGetUser);
- the interactive reads' p50 (and p95) during the job over the same idle (target <= 2);
- where the items phase's time went: the runner's database calls (timed around the job repository's methods) and
  its windows' calls (the limiter's waits, the calls themselves), so that a rate under target says why.

Then, unless ``--export-users 0``, an EXPORT of a 50,000-user pool (:mod:`bench.job_export`): its time and the
gateway's peak RSS (target < 300 MB).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import in_process, job_export, report
from bench.backend import BackendProcess, Pool
from bench.peers import boto_client
from gateway.cognito.operations import DEFAULT_RATES
from gateway.cognito.quotas import BACKGROUND_RESERVE, CATEGORY_OF, burst
from gateway.jobs.records import MAX_USERNAMES
from gateway.jobs.runner import WINDOW

OPERATION = "AdminAddUserToGroup"
CATEGORY = CATEGORY_OF[OPERATION]  # UserResourceUpdate
GROUP = "bench-job"
TARGET_RATE = 0.9  # of the quota
TARGET_LATENCY = 2.0  # interactive p50 during the job over idle
WARM_UP_READS = 5

START = """mutation($input: StartUserJobInput!) { startUserJob(input: $input) {
  __typename ... on StartUserJobPayload { job { id state } } ... on CognitoError { code message } } }"""
JOB = """query($id: ID!) { job(id: $id) {
  __typename ... on Job { state total done failed unknown progress error } ... on CognitoError { code message } } }"""
USER = """query($pool: ID!, $username: String!) { user(userPoolId: $pool, username: $username) {
  __typename ... on User { username enabled } ... on CognitoError { code message } } }"""

Entry = tuple[str, tuple[Any, ...], float, float]  # a timed call: method, positional arguments, start, end

# The job repository's methods the runner calls in its items phase, each a database transaction or read.
REPOSITORY_METHODS = ("get", "claim", "next_items", "mark_sending", "record", "finish", "start", "add_items")


class Timed:
    """``target`` with its async methods ``names`` timed: each call's (name, positional arguments, start, end) is
    logged. Everything else goes straight to ``target``."""

    def __init__(self, target: Any, names: set[str], log: list[Entry]) -> None:
        self._target = target
        self._names = names
        self._log = log

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name not in self._names:
            return attribute

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await attribute(*args, **kwargs)
            finally:
                self._log.append((name, args, started, time.perf_counter()))

        return timed


@dataclass
class Reads:
    """Interactive reads at a steady rate: each one's latency, and those that did not answer a User."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def percentile(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


@dataclass
class Measured:
    users: int
    reads_per_second: float
    idle: Reads
    during: Reads
    calls: Counter[str]  # upstream, from the startUserJob request until the job's run is done
    job: dict[str, Any]  # job(id) then
    polls: int  # job(id) queries while it ran
    start_request_s: float  # the startUserJob request (GetGroup, the job's row)
    listing_s: float  # the runner's start until the selection's items are written
    items_s: float  # the items phase: from the items written until the job's end
    total_s: float  # from the startUserJob request until the job's run is done
    repository_s: dict[str, tuple[int, float]]  # in the items phase: calls and seconds, by method
    item_calls: list[float]  # the runner's AdminAddUserToGroup calls: seconds each, limiter's wait included
    limiter_waits: list[float]  # the limiter's waits of those calls
    windows: int
    audit: Counter[str] = field(default_factory=Counter)  # the audit records written meanwhile, by operation
    seed_s: float = 0.0  # the backend process's start: moto, the pool seeded

    @property
    def items(self) -> int:
        return (self.job.get("done") or 0) + (self.job.get("failed") or 0) + (self.job.get("unknown") or 0)

    @property
    def rate(self) -> float:
        return self.items / self.items_s if self.items_s else 0.0

    @property
    def quota(self) -> float:
        return DEFAULT_RATES[CATEGORY]


async def read_once(http: httpx.AsyncClient, pool_id: str, username: str, reads: Reads) -> None:
    started = time.perf_counter()
    try:
        variables = {"pool": pool_id, "username": username}
        response = await http.post("/graphql", json={"query": USER, "variables": variables})
        user = (response.json().get("data") or {}).get("user") or {}
        outcome = user.get("__typename", f"HTTP {response.status_code}")
    except (httpx.HTTPError, ValueError) as error:
        outcome = type(error).__name__
    reads.latencies_ms.append(1000 * (time.perf_counter() - started))
    if outcome != "User":
        reads.errors[outcome] += 1


async def read_steadily(
    http: httpx.AsyncClient, pool: Pool, reads: Reads, per_second: float, until: Callable[[], bool]
) -> None:
    """``user`` queries at ``per_second``, each on its own schedule (a slow answer delays none of the next), until
    ``until()``; their latencies into ``reads``."""
    usernames = itertools.cycle(reversed(pool.usernames))
    pending: set[asyncio.Task[None]] = set()
    interval = 1 / per_second
    next_at = time.perf_counter()
    while not until():
        task = asyncio.create_task(read_once(http, pool.id, next(usernames), reads))
        pending.add(task)
        task.add_done_callback(pending.discard)
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.gather(*pending)


async def measure(backend: BackendProcess, directory: Path, reads_per_second: float, idle_seconds: float) -> Measured:
    pool = backend.pool
    log: list[Entry] = []
    database_url = f"sqlite:///{directory / 'gateway.db'}"
    audit_log = directory / "audit.jsonl"  # written as a deployment writes it, off the bench's output
    settings = {"database_url": database_url, "quota_rates": dict(DEFAULT_RATES), "audit_log_path": str(audit_log)}
    async with in_process.started(backend.proxy_url, **settings) as (app, http):
        runner = app.state.jobs
        runner.repository = Timed(runner.repository, set(REPOSITORY_METHODS), log)
        runner.cognito = Timed(runner.cognito, {"call"}, log)  # the runner's calls only (the reads use the app's)
        cognito = app.state.cognito
        if cognito.limiter is not None:
            cognito.limiter = Timed(cognito.limiter, {"acquire"}, log)

        warm_up = Reads()  # the first calls open the client and its connections
        for username in pool.usernames[:WARM_UP_READS]:
            await read_once(http, pool.id, username, warm_up)
        idle = Reads()
        idle_until = time.perf_counter() + idle_seconds
        await read_steadily(http, pool, idle, reads_per_second, lambda: time.perf_counter() >= idle_until)

        before = backend.calls()
        audited = len(audit_log.read_bytes().splitlines()) if audit_log.exists() else 0
        log.clear()
        started = time.perf_counter()
        variables = {
            "input": {
                "userPoolId": pool.id,
                "action": "ADD_TO_GROUP",
                "groupName": GROUP,
                "selection": {"usernames": pool.usernames},
            }
        }
        response = (await http.post("/graphql", json={"query": START, "variables": variables})).json()
        payload = (response.get("data") or {}).get("startUserJob") or {}
        if payload.get("__typename") != "StartUserJobPayload":
            raise RuntimeError(f"startUserJob failed: {response}")
        start_request_s = time.perf_counter() - started
        job_id = payload["job"]["id"]
        task = runner.running(job_id)
        if task is None:
            raise RuntimeError(f"job {job_id} is not running in this app")

        async def follow() -> int:
            polls = 0
            while not task.done():
                await http.post("/graphql", json={"query": JOB, "variables": {"id": job_id}})
                polls += 1
                await asyncio.wait([task], timeout=1.0)
            return polls

        during = Reads()
        polls, _ = await asyncio.gather(follow(), read_steadily(http, pool, during, reads_per_second, task.done))
        await task
        total_s = time.perf_counter() - started
        calls = backend.calls() - before
        response = (await http.post("/graphql", json={"query": JOB, "variables": {"id": job_id}})).json()
        job = response["data"]["job"]
    audit = Counter(json.loads(line)["operation"] for line in audit_log.read_bytes().splitlines()[audited:])
    measured = summarize(pool, reads_per_second, idle, during, calls, job, polls, start_request_s, total_s, log)
    measured.audit = audit
    return measured


def summarize(
    pool: Pool,
    reads_per_second: float,
    idle: Reads,
    during: Reads,
    calls: Counter[str],
    job: dict[str, Any],
    polls: int,
    start_request_s: float,
    total_s: float,
    log: list[Entry],
) -> Measured:
    """The phases, from the timed repository methods: the runner's ``start`` (listing begins), ``add_items`` (the
    items phase begins), ``finish`` (it ends); the runner's calls and the limiter's waits for them in between."""

    def when(name: str, end: bool) -> float:
        found = [entry for entry in log if entry[0] == name]
        if not found:
            raise RuntimeError(f"the runner never called {name}: {job}")
        return found[-1][3] if end else found[0][2]

    listing_began, items_began, items_ended = when("start", True), when("add_items", True), when("finish", True)
    by_method: dict[str, list[float]] = defaultdict(list)
    item_calls: list[float] = []
    waits: list[float] = []
    windows = 0
    for name, args, begin, end in log:
        if not items_began <= begin <= items_ended:
            continue
        if name == "call" and args[0] == OPERATION:  # CognitoGateway.call(operation, ...): the runner's
            item_calls.append(end - begin)
        elif name == "acquire" and args[1] == OPERATION:  # QuotaLimiter.acquire(region, operation, ...)
            waits.append(end - begin)
        elif name in REPOSITORY_METHODS:
            by_method[name].append(end - begin)
            windows += name == "mark_sending"
    return Measured(
        users=len(pool.usernames),
        reads_per_second=reads_per_second,
        idle=idle,
        during=during,
        calls=calls,
        job=job,
        polls=polls,
        start_request_s=start_request_s,
        listing_s=items_began - listing_began,
        items_s=items_ended - items_began,
        total_s=total_s,
        repository_s={name: (len(times), sum(times)) for name, times in by_method.items()},
        item_calls=item_calls,
        limiter_waits=waits,
        windows=windows,
    )


def run(users: int, reads_per_second: float, idle_seconds: float) -> Measured:
    seeding = time.perf_counter()
    backend = BackendProcess(users, 1, latency_ms=0).start()
    seed_s = time.perf_counter() - seeding
    try:
        boto_client(backend.proxy_url, 1).create_group(UserPoolId=backend.pool.id, GroupName=GROUP)
        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as directory:
            measured = asyncio.run(measure(backend, Path(directory), reads_per_second, idle_seconds))
            measured.seed_s = seed_s
            return measured
    finally:
        backend.stop()


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def render(
    measured: Measured,
    command: str,
    load: tuple[float, float],
    revision: str,
    export: job_export.Export | None = None,
) -> str:
    job, calls, items, quota = measured.job, measured.calls, measured.items, measured.quota
    share = measured.rate / quota
    per_item = calls[OPERATION] / items if items else float("nan")
    idle, during = measured.idle, measured.during
    p50 = during.percentile(50) / idle.percentile(50)
    p95 = during.percentile(95) / idle.percentile(95)
    others = sorted(set(calls) - {OPERATION, "GetGroup", "AdminGetUser"})

    def verdict(met: bool) -> str:
        return "met" if met else "**not met**"

    lines = [
        "## Jobs",
        "",
        f"`{command}` ({report.machine_line()}, git {revision}): `startUserJob(action: ADD_TO_GROUP, "
        f"selection: {{usernames}})` over HTTP to the app (in process, a fresh SQLite database, the quota limiter at "
        f"the default rates: {OPERATION}'s {CATEGORY} {quota:g}/s), the {measured.users:,} users of a pool in moto "
        f"(its own process, behind the counting proxy, no added latency) into a new group. The job then: "
        f"{job['state']}, total {job['total']}, done {job['done']}, failed {job['failed']}, unknown {job['unknown']}"
        f"{', error ' + str(job['error']) if job.get('error') else ''}; followed with `job(id)` once a second "
        f"({measured.polls} queries). Interactive `user(userPoolId, username) {{ username enabled }}` queries at "
        f"{measured.reads_per_second:g}/s over HTTP to the same app: {len(idle.latencies_ms)} idle, before the job, "
        f"{len(during.latencies_ms)} during it. Load average (1 min) before and after: {load[0]:.1f}, {load[1]:.1f} "
        "(the machine is shared: times vary from run to run).",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
        f"| achieved rate: items / the items phase's wall time, of {CATEGORY}'s {quota:g}/s | {items:,} in "
        f"{measured.items_s:.2f} s = {measured.rate:.2f}/s = **{share:.2f}** | >= {TARGET_RATE:g} | "
        f"{verdict(share >= TARGET_RATE)} |",
        f"| upstream calls per item: {OPERATION} calls / items | {calls[OPERATION]:,} / {items:,} = "
        f"**{per_item:.2f}** | 1.0 | {verdict(per_item == 1)} |",
        f"| interactive `user` p50 during the job / idle | {during.percentile(50):.1f} / {idle.percentile(50):.1f} ms = "
        f"**{p50:.2f}x** | <= {TARGET_LATENCY:g} | {verdict(p50 <= TARGET_LATENCY)} |",
        f"| interactive `user` p95 during the job / idle | {during.percentile(95):.1f} / {idle.percentile(95):.1f} ms = "
        f"{p95:.2f}x | | |",
        "",
        "| operation | calls | per item | made by |",
        "|---|---|---|---|",
        f"| {OPERATION} | {calls[OPERATION]} | {per_item:.2f} | the job's items |",
        f"| GetGroup | {calls['GetGroup']} | {calls['GetGroup'] / max(items, 1):.4f} | startUserJob's check of the group |",
        f"| AdminGetUser | {calls['AdminGetUser']} | | the {len(during.latencies_ms)} interactive reads during the job |",
    ]
    lines += [f"| {operation} (unexpected) | {calls[operation]} | | |" for operation in others]
    db_s = sum(s for _, s in measured.repository_s.values())
    windows = max(measured.windows, 1)
    window_ms = 1000 * measured.items_s / windows
    calls_ms = window_ms - 1000 * db_s / windows
    lines += [
        "",
        "| phase | s |",
        "|---|---|",
        f"| the startUserJob request (GetGroup, the job's row) | {measured.start_request_s:.2f} |",
        f"| listing: the runner's start until the {items:,} items are written | {measured.listing_s:.2f} |",
        f"| **the items phase**: from the items written to the job's end | **{measured.items_s:.2f}** |",
        f"| the quota-bound minimum of the items phase: {items:,} / {quota:g}/s | {items / quota:.2f} |",
        f"| from the startUserJob request until the job's run is done | {measured.total_s:.2f} |",
        f"| (the bench's seeding of the pool, in the backend process) | {measured.seed_s:.0f} |",
        "",
        f"Where the items phase went, in windows of {WINDOW} items ({measured.windows} windows, "
        f"{window_ms:.0f} ms each on average; the quota alone: {1000 * WINDOW / quota:.0f} ms):",
        "",
        "| the runner's step | calls | total s | ms per window |",
        "|---|---|---|---|",
    ]
    for name in REPOSITORY_METHODS:
        if name in measured.repository_s:
            count, total = measured.repository_s[name]
            lines.append(f"| database: JobRepository.{name} | {count} | {total:.2f} | {1000 * total / windows:.1f} |")
    wait = mean(measured.limiter_waits)
    call = mean(measured.item_calls)
    lines += [
        f"| the window's {WINDOW} calls, gathered (the rest) | {len(measured.item_calls)} | "
        f"{measured.items_s - db_s:.2f} | {calls_ms:.1f} |",
        "",
        f"- Each {OPERATION} call of the runner took {1000 * call:.1f} ms on average (p50 "
        f"{1000 * percentile(measured.item_calls, 50):.1f}, p95 {1000 * percentile(measured.item_calls, 95):.1f}, "
        f"max {1000 * max(measured.item_calls, default=math.nan):.1f}), of which {1000 * wait:.1f} ms waiting in the "
        f"limiter (p95 {1000 * percentile(measured.limiter_waits, 95):.1f}) and {1000 * (call - wait):.1f} ms the "
        "call itself (botocore, the proxy, moto). A window waits for its slowest call, then "
        "records its outcomes: the database steps above are the time no call of the job is in flight.",
        "- The limiter starts with a full bucket (a fifth of a second of the rate), of which background work may take "
        f"three quarters at once ({int((1 - BACKGROUND_RESERVE) * burst(quota))} calls): nearly every call waits its turn.",
        "- Audit records written from the startUserJob request on (one per job start, one per item written): "
        + (", ".join(f"{operation} {count}" for operation, count in sorted(measured.audit.items())) or "none")
        + ".",
        f"- Interactive reads' errors: idle {dict(idle.errors) or 'none'}, during the job "
        f"{dict(during.errors) or 'none'}. They wait in another quota category (AdminGetUser: UserRead "
        f"{DEFAULT_RATES['UserRead']:g}/s) than the job's; what they share with it is the app's event loop and its "
        "database.",
    ]
    if export is not None:
        lines += job_export.render(export)
    lines.append("")
    return "\n".join(lines)


def percentile(values: list[float], p: int) -> float:
    return Reads(values).percentile(p)


def main(argv: list[str] | None = None) -> int:
    parser = in_process.argument_parser("python -m bench.jobs", __doc__, "Jobs")
    parser.add_argument("--users", type=int, default=5_000, help="users in the pool and the job (default 5,000)")
    parser.add_argument(
        "--reads-per-second", type=float, default=5, help="interactive user queries per second (default 5)"
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=None,
        help="the idle reads' duration, before the job (default: the job's quota-bound time, 2 to 20 s)",
    )
    parser.add_argument(
        "--export-users", type=int, default=50_000, help="users of the export part (default 50,000; 0: none)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.users <= MAX_USERNAMES or args.reads_per_second <= 0:
        parser.error(f"--users must be 1..{MAX_USERNAMES:,} (one usernames selection), --reads-per-second above 0")
    idle_seconds = args.idle_seconds
    if idle_seconds is None:
        idle_seconds = min(20.0, max(2.0, args.users / DEFAULT_RATES[CATEGORY]))
    in_process.quiet_http_client_logs()
    started = time.perf_counter()
    revision = report.git_revision()  # the code this process runs: others may commit while it does
    print(f"bench.jobs: seeding {args.users:,} users", flush=True)
    load_before = os.getloadavg()[0]
    measured = run(args.users, args.reads_per_second, idle_seconds)
    export = None
    if args.export_users > 0:
        print(f"bench.jobs: exporting {args.export_users:,} users", flush=True)
        export = job_export.measure(args.export_users)
    command = (
        f"python -m bench.jobs --users {args.users} --reads-per-second {args.reads_per_second:g} "
        f"--idle-seconds {idle_seconds:g} --export-users {args.export_users}"
    )
    text = render(measured, command, (load_before, os.getloadavg()[0]), revision, export)
    print(text)
    report.write_section(args.out, "## Jobs", text)
    print(f"written to {args.out} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
