"""``python -m bench.replicas``: three gateway replicas on one Redis and one PostgreSQL database, one AWS account
(DESIGN.md section 10), as a deployment runs them: ``cognito-gateway serve`` processes of their own.

moto runs in a process of its own with a seeded pool, behind the counting proxy (:mod:`bench.backend`); a second
counting proxy in this process, in front of it, records when each call reaches Cognito (every replica's calls go
through it). The replicas share a throw-away PostgreSQL database (``tests/databases.py``: the server at
``COGNITO_GATEWAY_TEST_POSTGRESQL_URL``, default 127.0.0.1:5432, else one started from Debian's binaries) and a key
namespace of their own in Redis (``tests/redis_servers.py``: 127.0.0.1:6379 or ``COGNITO_GATEWAY_TEST_REDIS_URL``,
else a ``redis-server`` started here), with ListUsers budgeted at 10/s for the account
(``GATEWAY_QUOTA_RATES='{"UserList": 10}'``, the other categories at their defaults). A fourth gateway, alone (no
Redis, its own SQLite), is the baseline of the latency part. Measured, and printed:

- mixed load through the three for ``--seconds`` (default 30) from concurrent clients: ``users`` pages followed from
  replica to replica, ``group`` and ``user`` reads, a few writes. At Cognito: the highest count of ListUsers in any one
  second (target <= 1.2 x the budget: 12) and the ListUsers calls over budget x seconds (target >= 0.9);
- staleness: ``--rounds`` rounds of a group's description written through one replica and read at once through the
  two others, each of which held the old one in its read cache (target: 0 stale);
- what sharing costs a request: p50/p95 of ``user(userPoolId, username)`` (one AdminGetUser; the caller's rate limit
  and the UserRead bucket, both in Redis) through a replica against the lone gateway, alternated, one at a time;
- a job's replica SIGKILLed mid-job, at the default ``GATEWAY_JOB_LEASE_SECONDS`` (20): seconds from the kill until
  another replica's first call for the job reaches Cognito and until its progress moves (bound: the lease + the
  runners' 5 s look for jobs, <= 30 s), and the users written twice (target 0).

Writes nothing unless ``--out`` names the report: then its "Replicas" section is written (or replaced).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import os
import random
import signal
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from bench import in_process, report
from bench.backend import BackendProcess, Pool
from bench.peers import boto_client
from bench.proxy import CountingProxy
from gateway.jobs.runner import POLL_SECONDS, WINDOW
from gateway.settings import Settings
from tests.processes import PROGRESS, GatewayProcess, gateway_env, gateway_processes, start_job

REPLICAS = 3
LIST_RATE = 10.0  # UserList calls a second for the account (GATEWAY_QUOTA_RATES)
TARGET_BUSIEST = 1.2  # the highest one-second count of ListUsers over the budget
TARGET_SPENT = 0.9  # ListUsers calls over budget x seconds
TAKEOVER_BOUND_S = 30.0  # DESIGN.md section 10: a dead replica's job is taken over within 30 s
LEASE_S = Settings.model_fields["job_lease_seconds"].default  # 20: the deployments' own
LIST_PAGE = 20
MIXED_RATE = 30.0  # the mixed clients' requests a second, all replicas together
WRITE_SHARE = 0.05  # of the mixed requests
COHERENCE_GROUP = "bench-coherence"

USERS = """query($pool: ID!, $first: Int!, $after: String) { users(userPoolId: $pool, first: $first, after: $after) {
  __typename ... on UserConnection { nodes { username } pageInfo { hasNextPage endCursor } }
  ... on CognitoError { code } } }"""
GROUP = """query($pool: ID!, $name: String!) { group(userPoolId: $pool, groupName: $name) {
  __typename ... on Group { description } ... on CognitoError { code } } }"""
USER = """query($pool: ID!, $username: String!) { user(userPoolId: $pool, username: $username) {
  __typename ... on User { username enabled } ... on CognitoError { code } } }"""
UPDATE_GROUP = """mutation($input: UpdateGroupInput!) { updateGroup(input: $input) {
  __typename ... on CognitoError { code } } }"""
UPDATE_USER = """mutation($input: AdminUpdateUserAttributesInput!) { adminUpdateUserAttributes(input: $input) {
  __typename ... on CognitoError { code } } }"""


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def busiest_second(times: list[float]) -> tuple[int, float]:
    """The most calls in any one-second window [t, t + 1), and the window's start (some call's time)."""
    times = sorted(times)
    best, start = 0, float("nan")
    for index, begin in enumerate(times):
        count = bisect.bisect_left(times, begin + 1.0) - index
        if count > best:
            best, start = count, begin
    return best, start


# -- what a run measured --------------------------------------------------------------------------------------------


@dataclass
class Load:
    seconds: float
    list_times: list[float]  # every ListUsers call's arrival at Cognito during the phase and its tail
    began: float
    ended: float  # when the clients stopped sending (their last requests still answered after)
    requests: Counter[str] = field(default_factory=Counter)  # by kind
    errors: Counter[str] = field(default_factory=Counter)  # by kind and what came back
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_replica: Counter[int] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)  # at Cognito during the phase, by operation
    cross_replica_pages: int = 0  # pages asked of a replica with a cursor another one sealed

    @property
    def busiest(self) -> tuple[int, float]:
        return busiest_second(self.list_times)

    def whole_seconds(self) -> Counter[int]:
        """How many of the load's whole seconds [began + k, began + k + 1) held each count of ListUsers calls."""
        counts = Counter(int(t - self.began) for t in self.list_times if self.began <= t < self.ended)
        return Counter(counts[k] for k in range(int(self.seconds)))

    @property
    def spent(self) -> int:
        return sum(self.began <= t < self.ended for t in self.list_times)

    @property
    def spent_share(self) -> float:
        return self.spent / (LIST_RATE * self.seconds)


@dataclass
class Coherence:
    rounds: int
    reads: int
    stale: list[tuple[int, str]]
    get_group_calls: int  # at Cognito during the rounds
    cached_reads_before_writes: int  # the reads that warmed the replicas, served from their caches


@dataclass
class Latency:
    shared_ms: list[float]
    alone_ms: list[float]
    redis_ping_ms: list[float]


@dataclass
class Takeover:
    users: int
    killed_after_done: int
    first_call_s: float | None  # from the kill to the next call of the job at Cognito
    resumed_s: float | None  # from the kill until its progress moved (followed through a survivor)
    total_s: float  # from the kill until the job's end
    state: str
    job: dict[str, Any]
    disable_calls: int
    read_backs: int
    disabled: int
    taken_by: list[int]
    killed_replica: int


@dataclass
class Measured:
    load: Load
    coherence: Coherence
    latency: Latency
    takeover: Takeover | None
    fallbacks: float  # shared-state fallbacks the replicas counted (Redis failed a check)
    pool_users: int
    setup_s: float


# -- the parts ------------------------------------------------------------------------------------------------------


async def ask(gateway: GatewayProcess, document: str, variables: dict[str, Any], field_name: str) -> tuple[str, Any]:
    """The ``__typename`` of ``field_name`` (or what went wrong) and the field's value."""
    try:
        response = await gateway.http.post("/graphql", json={"query": document, "variables": variables})
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return type(error).__name__, None
    value = (body.get("data") or {}).get(field_name)
    if not isinstance(value, dict):
        return f"HTTP {response.status_code} {str(body.get('errors'))[:80]}", None
    return value.get("__typename", "?"), value


async def mixed_load(replicas: list[GatewayProcess], proxy: CountingProxy, pool: Pool, seconds: float) -> Load:
    """Two clients a replica following ``users`` pages (each page asked of the next replica, with the cursor the
    last one gave), and two a replica of reads and writes at MIXED_RATE all together."""
    rng = random.Random(7)
    before = proxy.calls()
    first_time = len(proxy.times().get("ListUsers", []))
    load = Load(seconds, [], 0.0, 0.0)
    load.began = time.monotonic()
    load.ended = load.began + seconds

    async def timed(kind: str, index: int, document: str, variables: dict[str, Any], name: str, want: str) -> Any:
        started = time.perf_counter()
        typename, value = await ask(replicas[index], document, variables, name)
        load.latencies_ms[kind].append(1000 * (time.perf_counter() - started))
        load.requests[kind] += 1
        load.by_replica[index] += 1
        if typename != want:
            load.errors[f"{kind}: {typename}"] += 1
            return None
        return value

    async def pages(start: int) -> None:
        index, after, sealed_by = start, None, None
        while time.monotonic() < load.ended:
            variables = {"pool": pool.id, "first": LIST_PAGE, "after": after}
            load.cross_replica_pages += after is not None and sealed_by != index
            page = await timed("users page", index, USERS, variables, "users", "UserConnection")
            info = page["pageInfo"] if page else {"hasNextPage": False}
            after, sealed_by = (info["endCursor"], index) if info["hasNextPage"] else (None, None)
            index = (index + 1) % len(replicas)

    clients = 2 * len(replicas)
    interval = clients / MIXED_RATE

    async def mixed(index: int) -> None:
        next_at = time.monotonic() + rng.random() * interval
        while (now := time.monotonic()) < load.ended:
            await asyncio.sleep(max(0.0, next_at - now))
            next_at += interval
            draw = rng.random()
            if draw < WRITE_SHARE / 2:
                description = f"bench {uuid.uuid4().hex[:8]}"
                input = {"userPoolId": pool.id, "groupName": rng.choice(pool.groups), "description": description}
                await timed(
                    "write: updateGroup", index, UPDATE_GROUP, {"input": input}, "updateGroup", "UpdateGroupPayload"
                )
            elif draw < WRITE_SHARE:
                input = {
                    "userPoolId": pool.id,
                    "username": rng.choice(pool.usernames),
                    "userAttributes": [{"name": "name", "value": f"Bench {uuid.uuid4().hex[:8]}"}],
                }
                await timed(
                    "write: adminUpdateUserAttributes",
                    index,
                    UPDATE_USER,
                    {"input": input},
                    "adminUpdateUserAttributes",
                    "AdminUpdateUserAttributesPayload",
                )
            elif draw < (1 + WRITE_SHARE) / 2:
                variables = {"pool": pool.id, "name": rng.choice(pool.groups)}
                await timed("group", index, GROUP, variables, "group", "Group")
            else:
                variables = {"pool": pool.id, "username": rng.choice(pool.usernames)}
                await timed("user", index, USER, variables, "user", "User")

    tasks = [pages(i % len(replicas)) for i in range(clients)]
    tasks += [mixed(i % len(replicas)) for i in range(clients)]
    await asyncio.gather(*tasks)
    load.list_times = proxy.times().get("ListUsers", [])[first_time:]
    load.calls = proxy.calls() - before
    return load


async def coherence(replicas: list[GatewayProcess], proxy: CountingProxy, pool: Pool, rounds: int) -> Coherence:
    """Each round: the group read through every replica (each then holds it in its read cache), its description
    written through one (in turn), then read at once through the two others, together."""
    variables = {"pool": pool.id, "name": COHERENCE_GROUP}
    stale: list[tuple[int, str]] = []
    reads = cached = 0
    before = proxy.calls()["GetGroup"]

    async def descriptions(readers: list[GatewayProcess]) -> list[str]:
        answers = await asyncio.gather(*(ask(reader, GROUP, variables, "group") for reader in readers))
        return [value["description"] if value else f"({typename})" for typename, value in answers]

    for round in range(1, rounds + 1):
        writer = replicas[round % len(replicas)]
        readers = [replica for replica in replicas if replica is not writer]
        await descriptions(replicas)  # loaded, where the last round's write made them stale
        loaded = proxy.calls()["GetGroup"]
        await descriptions(replicas)  # now from each replica's cache
        cached += len(replicas) if proxy.calls()["GetGroup"] == loaded else 0
        input = {"userPoolId": pool.id, "groupName": COHERENCE_GROUP, "description": f"round {round}"}
        typename, _ = await ask(writer, UPDATE_GROUP, {"input": input}, "updateGroup")
        if typename != "UpdateGroupPayload":
            raise RuntimeError(f"updateGroup answered {typename}")
        seen = await descriptions(readers)
        reads += len(seen)
        stale += [(round, description) for description in seen if description != f"round {round}"]
    return Coherence(rounds, reads, stale, proxy.calls()["GetGroup"] - before, cached)


async def latency(shared: GatewayProcess, alone: GatewayProcess, pool: Pool, requests: int, redis_url: str) -> Latency:
    """``user`` queries one at a time, alternately through a replica (Redis) and the lone gateway."""
    usernames = itertools.cycle(pool.usernames)
    result = Latency([], [], [])
    for index in range(requests + 20):
        for gateway, times in ((shared, result.shared_ms), (alone, result.alone_ms)):
            started = time.perf_counter()
            typename, _ = await ask(gateway, USER, {"pool": pool.id, "username": next(usernames)}, "user")
            elapsed = 1000 * (time.perf_counter() - started)
            if typename != "User":
                raise RuntimeError(f"user answered {typename}")
            if index >= 20:  # the first ones warm the connections
                times.append(elapsed)
    client = redis.Redis.from_url(redis_url)
    try:
        for _ in range(200):
            started = time.perf_counter()
            client.ping()
            result.redis_ping_ms.append(1000 * (time.perf_counter() - started))
    finally:
        client.close()
    return result


async def takeover(
    replicas: list[GatewayProcess], proxy: CountingProxy, backend: BackendProcess, usernames: list[str]
) -> Takeover:
    """A DISABLE job through replica 0 (which runs it), SIGKILLed while a window of it is in flight; followed
    through replica 1 until its end."""
    runner, follower = replicas[0], replicas[1]
    before = proxy.calls()
    job_id = await start_job(
        runner, {"userPoolId": backend.pool.id, "action": "DISABLE", "selection": {"usernames": usernames}}
    )
    deadline = time.monotonic() + 60
    while True:  # a window recorded, the next one's calls partly sent
        job = await runner.job(job_id, PROGRESS)
        sent = (proxy.calls() - before)["AdminDisableUser"]
        if job["done"] >= WINDOW and 1 <= sent - job["done"] < WINDOW:
            break
        if job["state"] not in ("QUEUED", "RUNNING") or job["done"] >= len(usernames) - WINDOW:
            raise RuntimeError(f"the job went past its middle before the kill: {job}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the job did not get going: {job}")
        await asyncio.sleep(0.01)
    killed_at = time.monotonic()
    await runner.stop(signal.SIGKILL)
    done_when_killed = (await follower.job(job_id, PROGRESS))["done"]
    resumed_at = None
    deadline = killed_at + TAKEOVER_BOUND_S + 60
    while (job := await follower.job(job_id, PROGRESS))["state"] in ("QUEUED", "RUNNING"):
        if resumed_at is None and job["done"] > done_when_killed:
            resumed_at = time.monotonic()
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    ended_at = time.monotonic()
    job = await follower.job(job_id)
    await asyncio.sleep(0.5)  # calls the proxy is still forwarding
    calls = proxy.calls() - before
    # The dead replica's last calls reached the proxy within moments of the kill; the lease keeps the job from any
    # other replica for seconds more.
    times = proxy.times()
    later = [t for op in ("AdminGetUser", "AdminDisableUser") for t in times.get(op, []) if t > killed_at + 1.0]
    cognito = boto_client(backend.proxy_url, 4)
    users = cognito.get_paginator("list_users").paginate(UserPoolId=backend.pool.id).build_full_result()["Users"]
    return Takeover(
        users=len(usernames),
        killed_after_done=done_when_killed,
        first_call_s=min(later) - killed_at if later else None,
        resumed_s=resumed_at - killed_at if resumed_at else None,
        total_s=ended_at - killed_at,
        state=job["state"],
        job={name: job[name] for name in ("total", "done", "failed", "unknown", "skipped", "error")},
        disable_calls=calls["AdminDisableUser"],
        read_backs=calls["AdminGetUser"],
        disabled=sum(not user["Enabled"] for user in users if user["Username"] in set(usernames)),
        taken_by=[index for index, replica in enumerate(replicas[1:], 1) if job_id in replica.printed()],
        killed_replica=0,
    )


async def fallbacks(replicas: list[GatewayProcess]) -> float:
    """cognito_gateway_shared_state_fallbacks_total over the live replicas: checks Redis failed (0 expected)."""
    total = 0.0
    for replica in replicas:
        if replica.process.poll() is not None:
            continue
        text = (await replica.http.get("/metrics")).text
        total += sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("cognito_gateway_shared_state_fallbacks_total")
        )
    return total


# -- the servers ----------------------------------------------------------------------------------------------------


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """A throw-away PostgreSQL database and the URL of a Redis (tests/databases.py, tests/redis_servers.py)."""
    from tests.databases import fresh_postgresql_database, postgresql_server
    from tests.redis_servers import DEFAULT_SERVER, answers, private_redis

    with ExitStack() as stack:
        try:
            database_url = stack.enter_context(fresh_postgresql_database(stack.enter_context(postgresql_server())))
            redis_url = os.environ.get("COGNITO_GATEWAY_TEST_REDIS_URL", DEFAULT_SERVER)
            if not answers(redis_url):
                redis_url = stack.enter_context(private_redis()).url
        except (pytest.skip.Exception, pytest.fail.Exception) as error:
            raise SystemExit(f"bench.replicas: {error}") from None
        yield database_url, redis_url


async def measure(args: argparse.Namespace, backend: BackendProcess, database_url: str, redis_url: str) -> Measured:
    started = time.perf_counter()
    proxy = CountingProxy(backend.proxy_url, 0, record_times=True).start()
    namespace = f"bench-replicas-{uuid.uuid4().hex[:12]}"
    cognito = boto_client(backend.proxy_url, 4)
    cognito.create_group(UserPoolId=backend.pool.id, GroupName=COHERENCE_GROUP, Description="round 0")
    common = {
        "AWS_ENDPOINT_URL_STS": backend.proxy_url,  # moto answers STS too: the account the replicas key budgets by
        "GATEWAY_QUOTA_RATES": json.dumps({"UserList": LIST_RATE}),
        # The bench is one caller (anonymous): its limit is checked (in Redis, for the replicas), never reached.
        "GATEWAY_RATE_LIMIT_PER_SECOND": "10000",
        "GATEWAY_RATE_LIMIT_BURST": "10000",
        "GATEWAY_CURSOR_KEY": "bench-replicas-cursor-key-" + uuid.uuid4().hex,  # one for all, as the chart sets
    }
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as directory:
            root = Path(directory)
            shared = {
                **common,
                "GATEWAY_REDIS_URL": redis_url,
                "GATEWAY_REDIS_KEY_PREFIX": namespace,
                "GATEWAY_EXPECTED_REPLICAS": str(REPLICAS),
            }
            envs = [
                gateway_env(proxy.endpoint_url, database_url, GATEWAY_DATA_DIR=str(root / f"replica-{index}"), **shared)
                for index in range(REPLICAS)
            ]
            envs.append(gateway_env(proxy.endpoint_url, None, GATEWAY_DATA_DIR=str(root / "alone"), **common))
            logs = [root / f"replica-{index}.log" for index in range(REPLICAS)] + [root / "alone.log"]
            async with gateway_processes(envs, logs, timeout=120) as gateways:
                replicas, alone = gateways[:REPLICAS], gateways[REPLICAS]
                for gateway in gateways:
                    ready = (await gateway.http.get("/readyz")).json()
                    if gateway is not alone and ready.get("sharedState") != {"backend": "redis"}:
                        raise RuntimeError(f"a replica does not share its state through Redis: {ready}")
                    await ask(gateway, USER, {"pool": backend.pool.id, "username": backend.pool.usernames[0]}, "user")
                setup_s = time.perf_counter() - started
                print(f"bench.replicas: {args.seconds:g} s of mixed load through {REPLICAS} replicas", flush=True)
                load = await mixed_load(replicas, proxy, backend.pool, args.seconds)
                await asyncio.sleep(2)  # the ListUsers budget's debt paid, the caches settled
                print(f"bench.replicas: {args.rounds} rounds of write-then-read", flush=True)
                coherent = await coherence(replicas, proxy, backend.pool, args.rounds)
                print(f"bench.replicas: {args.latency_requests} user reads each, with and without Redis", flush=True)
                timing = await latency(replicas[1], alone, backend.pool, args.latency_requests, redis_url)
                counted_fallbacks = await fallbacks(replicas)
                taken = None
                if args.job_users:
                    print(
                        f"bench.replicas: a job of {args.job_users} users, its replica SIGKILLed (lease {LEASE_S:g} s)",
                        flush=True,
                    )
                    taken = await takeover(replicas, proxy, backend, backend.pool.usernames[-args.job_users :])
                    if taken.state != "SUCCEEDED":
                        print("\n".join(replica.printed()[-3000:] for replica in replicas[1:]))
    finally:
        from tests.redis_servers import delete_namespace

        proxy.stop()
        delete_namespace(redis_url, namespace)
    return Measured(load, coherent, timing, taken, counted_fallbacks, len(backend.pool.usernames), setup_s)


# -- the report -----------------------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def render(measured: Measured, command: str, revision: str, load_average: tuple[float, float]) -> str:
    load, coherent, timing, taken = measured.load, measured.coherence, measured.latency, measured.takeover
    busiest, busiest_at = load.busiest
    seconds = ", ".join(f"{count} calls: {n}" for count, n in sorted(load.whole_seconds().items(), reverse=True))
    budget = LIST_RATE
    shared_p50, alone_p50 = percentile(timing.shared_ms, 50), percentile(timing.alone_ms, 50)
    shared_p95, alone_p95 = percentile(timing.shared_ms, 95), percentile(timing.alone_ms, 95)
    lines = [
        "## Replicas",
        "",
        f"`{command}` ({report.machine_line()}, git {revision}): {REPLICAS} `cognito-gateway serve` processes "
        f"sharing one Redis namespace and one PostgreSQL database, ListUsers budgeted at {budget:g}/s for the account "
        f"(`GATEWAY_QUOTA_RATES='{{\"UserList\": {budget:g}}}'`, the other categories at their defaults), in front "
        f"of moto ({measured.pool_users} users in {REPLICAS + 1} groups; a process of its own) through a counting "
        "proxy that timed each call's arrival. A fourth gateway, alone (no Redis, SQLite), is the latency baseline. "
        f"Load average (1 min) before and after: {load_average[0]:.1f}, {load_average[1]:.1f} (two cores, shared: "
        "times vary from run to run).",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
        f"| the busiest one second of ListUsers at Cognito, any window [t, t+1), over the {load.seconds:g} s of "
        f"mixed load | **{busiest}** calls = {busiest / budget:.2f} x the budget | <= {TARGET_BUSIEST:g} x "
        f"{budget:g} = {TARGET_BUSIEST * budget:g} | {verdict(busiest <= TARGET_BUSIEST * budget)} |",
        f"| the budget spent: ListUsers calls in the {load.seconds:g} s / ({budget:g}/s x {load.seconds:g} s) | "
        f"{load.spent} / {budget * load.seconds:g} = **{load.spent_share:.2f}** | >= {TARGET_SPENT:g} | "
        f"{verdict(load.spent_share >= TARGET_SPENT)} |",
        f"| stale reads: a group's description written through one replica, read at once through the two others "
        f"(each held the old one in its cache), {coherent.rounds} rounds | **{len(coherent.stale)}** of "
        f"{coherent.reads} | 0 | {verdict(not coherent.stale)} |",
        f"| `user` (one AdminGetUser) p50, through a replica (Redis) / the lone gateway, one request at a time | "
        f"{shared_p50:.2f} / {alone_p50:.2f} ms = **{shared_p50 / alone_p50:.2f}x** (+{shared_p50 - alone_p50:.2f} "
        "ms) | | |",
        f"| the same, p95 | {shared_p95:.2f} / {alone_p95:.2f} ms = {shared_p95 / alone_p95:.2f}x "
        f"(+{shared_p95 - alone_p95:.2f} ms) | | |",
    ]
    if taken is not None:
        first = f"{taken.first_call_s:.1f} s" if taken.first_call_s is not None else "never"
        resumed = f"{taken.resumed_s:.1f} s" if taken.resumed_s is not None else "never"
        twice = taken.disable_calls - taken.users
        takeover_met = taken.first_call_s is not None and taken.first_call_s <= TAKEOVER_BOUND_S
        lines += [
            f"| a job's replica SIGKILLed mid-job: from the kill to another replica's first call of the job at Cognito "
            f"(lease {LEASE_S:g} s + the look for jobs every {POLL_SECONDS:g} s) | **{first}** (its progress moved "
            f"after {resumed}) | <= {TAKEOVER_BOUND_S:g} s | {verdict(takeover_met)} |",
            f"| users written twice: AdminDisableUser calls - users (all {taken.disabled} of {taken.users} disabled, "
            f"job {taken.state}) | **{twice}** | 0 | {verdict(twice == 0 and taken.state == 'SUCCEEDED')} |",
        ]
    lines += ["", "Mixed load, by request (latency from the bench's clients, through the replicas):", ""]
    lines += ["| request | count | errors | p50 ms | p95 ms |", "|---|---|---|---|---|"]
    for kind in sorted(load.requests):
        errors = sum(count for key, count in load.errors.items() if key.startswith(f"{kind}:"))
        latencies = load.latencies_ms[kind]
        lines.append(
            f"| {kind} | {load.requests[kind]} | {errors} | {percentile(latencies, 50):.1f} | "
            f"{percentile(latencies, 95):.1f} |"
        )
    calls = ", ".join(f"{operation} {count}" for operation, count in sorted(load.calls.items()))
    per_replica = ", ".join(str(load.by_replica[index]) for index in range(REPLICAS))
    ping = percentile(timing.redis_ping_ms, 50)
    lines += [
        "",
        f"- The load: {REPLICAS * 2} clients following `users(first: {LIST_PAGE})` pages, each page asked of the next "
        f"replica with the cursor the last one sealed ({load.cross_replica_pages} such pages: one "
        f"`GATEWAY_CURSOR_KEY` for all), and {REPLICAS * 2} clients of `group` and `user` reads and writes "
        f"({WRITE_SHARE:.0%}: updateGroup, adminUpdateUserAttributes) at {MIXED_RATE:g} requests/s together; "
        f"requests by replica: {per_replica}. Errors: {dict(load.errors) or 'none'}. Calls at Cognito meanwhile: "
        f"{calls}.",
        f"- ListUsers's bucket refills {budget:g} tokens a second and holds 0.2 s of them, in Redis for all "
        f"replicas: calls leave at most {TARGET_BUSIEST * budget:g} in any second. Each replica alone at the full "
        f"rate would send {REPLICAS} times it; the one-second count is taken at the proxy, so each call's own delay "
        "after its turn (its replica's event loop, HTTP) is in it. The busiest window began "
        f"{busiest_at - load.began:.1f} s into the load; the load's whole seconds, by ListUsers calls: {seconds}.",
        f"- Coherence: {coherent.get_group_calls} GetGroup calls for {coherent.rounds} rounds: each round's second "
        f"read through every replica came from its cache ({coherent.cached_reads_before_writes} of "
        f"{REPLICAS * coherent.rounds} such reads made no call), and the reads after a write loaded it again "
        f"(the pool's generation in Redis changed). Stale: {coherent.stale or 'none'}.",
        f"- Latency: {len(timing.shared_ms)} `user` queries each, alternated, one at a time, while nothing else ran. "
        "Through a replica, a request checks the caller's rate limit and takes the UserRead token in Redis (one "
        f"script each); a Redis round trip (PING) from the bench took {ping:.2f} ms (p50). Shared-state checks that "
        f"Redis failed (the replicas' fallback counter) over the whole run: {measured.fallbacks:g}.",
    ]
    if taken is not None:
        lines.append(
            f"- The job: DISABLE over {taken.users} users (UserUpdate at its default 25/s), started through replica "
            f"{taken.killed_replica}, which ran it and was SIGKILLed with {taken.killed_after_done} done and a window "
            f"in flight; replica(s) {taken.taken_by} took it over. It ended {taken.state} {taken.total_s:.1f} s after "
            f"the kill ({taken.job}). {taken.read_backs} AdminGetUser calls read back the window left `sending`; "
            f"AdminDisableUser calls {taken.disable_calls} for {taken.users} users."
        )
    lines += [f"- Setup (moto seeded, the 4 processes started and warmed): {measured.setup_s:.0f} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.replicas", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30, help="the mixed load's duration (default 30)")
    parser.add_argument("--users", type=int, default=200, help="users in the pool (default 200)")
    parser.add_argument("--rounds", type=int, default=30, help="write-then-read rounds (default 30)")
    parser.add_argument(
        "--latency-requests", type=int, default=300, help="user reads through each of the two (default 300)"
    )
    parser.add_argument(
        "--job-users", type=int, default=100, help="users of the job whose replica is killed (default 100; 0: none)"
    )
    parser.add_argument("--out", type=Path, default=None, help="the report whose Replicas section to write (none)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1 or args.latency_requests < 2 or not 0 <= args.job_users <= args.users:
        parser.error("--seconds above 0, --rounds at least 1, --latency-requests at least 2, --job-users <= --users")
    if args.job_users and args.job_users < 3 * WINDOW:
        parser.error(f"--job-users must be 0 or at least {3 * WINDOW} (the job is killed in a window before its last)")
    in_process.quiet_http_client_logs()
    started = time.perf_counter()
    revision = report.git_revision()
    load_before = os.getloadavg()[0]
    print(f"bench.replicas: seeding {args.users} users", flush=True)
    backend = BackendProcess(args.users, REPLICAS + 1, latency_ms=0).start()
    try:
        with servers() as (database_url, redis_url):
            measured = asyncio.run(measure(args, backend, database_url, redis_url))
    finally:
        backend.stop()
    command = (
        f"python -m bench.replicas --seconds {args.seconds:g} --users {args.users} --rounds {args.rounds} "
        f"--latency-requests {args.latency_requests} --job-users {args.job_users}"
    )
    text = render(measured, command, revision, (load_before, os.getloadavg()[0]))
    print(text)
    if args.out is not None:
        report.write_section(args.out, "## Replicas", text)
        print(f"written to {args.out} ({time.perf_counter() - started:.0f} s)")
    else:
        print(f"({time.perf_counter() - started:.0f} s; --out bench/results.md writes it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
