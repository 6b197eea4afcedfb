"""Many replicas, one account (DESIGN.md section 10), on real processes: three `cognito-gateway serve` replicas share
one Redis namespace and one PostgreSQL database, in front of moto through the bench's counting proxy, which counts
(and times) every call that reaches Cognito whichever replica sent it.

- One quota budget: ListUsers hammered through all three at once reaches Cognito at the rate of one replica.
- One cache: a write through one replica is read through the others at once, though each keeps its reads 300 s.
- One job table: the job of a SIGKILLed replica is taken over by another, which finishes it writing each user once.

The three processes are started once for the module (concurrently) and shared by its tests; the job test kills one,
so it comes last. Each test makes its own pool (the ``cognito`` fixture resets moto).
"""

from __future__ import annotations

import asyncio
import bisect
import json
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
import redis
from botocore.client import BaseClient
from sqlalchemy.engine import URL

from bench.proxy import CountingProxy
from gateway.demo.server import DemoBackend
from gateway.jobs.runner import POLL_SECONDS, WINDOW
from tests.databases import fresh_postgresql_database
from tests.helpers import create_users
from tests.processes import (
    PROGRESS,
    GatewayProcess,
    disabled,
    gateway_env,
    gateway_processes,
    settled_at_cognito,
    start_job,
    stopped_mid_window,
)
from tests.redis_servers import delete_namespace

# Slow: three gateway processes and a SIGKILLed runner's lease to run out (about 20 s for the module). One event loop
# for the module: its fixture's processes and HTTP clients serve every test.
pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

REPLICAS = 3
LIST_RATE = 5  # UserList (ListUsers) calls a second, for the account: all three replicas together
UPDATE_RATE = 10  # UserUpdate (AdminDisableUser): the job's window of 10 takes about a second
LEASE = 2  # GATEWAY_JOB_LEASE_SECONDS (the least allowed): a dead replica's job is free 2 s after its last renewal
HAMMER_SECONDS = 3.0
CLIENTS_PER_REPLICA = 3  # requests always waiting in each replica's limiter
JOB_USERS = 4 * WINDOW  # the runner is killed in the second window, or else the third
ROUNDS = 6  # of the coherence test: each replica writes twice

USERS = """query($pool: ID!) { users(userPoolId: $pool, first: 5) {
  __typename ... on UserConnection { nodes { username } } ... on CognitoError { code message } } }"""
GROUP = """query($pool: ID!, $name: String!) { group(userPoolId: $pool, groupName: $name) {
  __typename ... on Group { description } ... on CognitoError { code message } } }"""
UPDATE_GROUP = """mutation($input: UpdateGroupInput!) { updateGroup(input: $input) {
  __typename ... on UpdateGroupPayload { group { description } } ... on CognitoError { code message } } }"""


@dataclass
class Replicas:
    gateways: list[GatewayProcess]
    proxy: CountingProxy


@pytest.fixture(scope="module")
def replicas_database(postgresql: URL) -> Iterator[str]:
    """A PostgreSQL database of the module's own (the replicas migrate it together on their start)."""
    with fresh_postgresql_database(postgresql) as url:
        yield url


@pytest.fixture(scope="module")
def replicas_namespace(redis_server: str) -> Iterator[str]:
    """GATEWAY_REDIS_KEY_PREFIX of the module's own on the session's Redis; its keys deleted after."""
    namespace = f"gateway-test-replicas-{uuid.uuid4().hex[:12]}"
    yield namespace
    delete_namespace(redis_server, namespace)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replicas(
    backend: DemoBackend,
    redis_server: str,
    replicas_namespace: str,
    replicas_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Replicas]:
    proxy = CountingProxy(backend.endpoint_url, latency_seconds=0, record_times=True).start()
    env = gateway_env(
        proxy.endpoint_url,
        replicas_database,
        AWS_ENDPOINT_URL_STS=backend.endpoint_url,  # the account of the shared budgets (moto's), not counted
        GATEWAY_REDIS_URL=redis_server,
        GATEWAY_REDIS_KEY_PREFIX=replicas_namespace,
        GATEWAY_EXPECTED_REPLICAS=str(REPLICAS),
        GATEWAY_QUOTA_RATES=json.dumps({"UserList": LIST_RATE, "UserUpdate": UPDATE_RATE}),
        GATEWAY_JOB_LEASE_SECONDS=str(LEASE),
        GATEWAY_CACHE_TTL_SECONDS="300",  # a stale read would last the test: only the invalidation prevents it
        # Every request of the tests comes from one caller (anonymous), whose rate limit the replicas share too.
        GATEWAY_RATE_LIMIT_PER_SECOND="1000",
        GATEWAY_RATE_LIMIT_BURST="1000",
        GATEWAY_CURSOR_KEY="replicas-test-cursor-key-" + "x" * 32,  # one key for all, as the chart sets it
    )
    directory = tmp_path_factory.mktemp("replicas")
    logs = [directory / f"replica-{index}.log" for index in range(REPLICAS)]
    try:
        async with gateway_processes([env] * REPLICAS, logs) as gateways:
            yield Replicas(gateways, proxy)
    finally:
        proxy.stop()


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window [t, t + 1): at most the count from some call's time on."""
    times = sorted(times)
    return max((bisect.bisect_left(times, start + 1.0) - index for index, start in enumerate(times)), default=0)


async def test_each_replica_reports_its_state_shared_through_redis(replicas: Replicas):
    for gateway in replicas.gateways:
        response = await gateway.http.get("/readyz")
        assert response.status_code == 200, (response.text, gateway.printed())
        assert response.json()["sharedState"] == {"backend": "redis"}, (response.json(), gateway.printed())
        # The account was found (STS): the replicas key their budgets by it, not by 'default' after a timeout.
        assert "the AWS account is unknown" not in gateway.printed()


async def test_the_replicas_spend_one_listusers_budget(
    replicas: Replicas, cognito: BaseClient, pool_id: str, redis_server: str, replicas_namespace: str
):
    """ListUsers requests waiting in all three replicas at once for HAMMER_SECONDS: at Cognito, no one second holds
    more than 1.2 times the rate, and the rate is spent. Each replica at the full rate would send three times it (18
    in the busiest second, measured); each alone at a third of it (Redis down) would pass too, so the bucket is
    checked in Redis: one key, the account's."""
    create_users(cognito, pool_id, 5)
    began = time.monotonic()
    until = began + HAMMER_SECONDS

    def buckets() -> list[str]:
        client = redis.Redis.from_url(redis_server)
        try:
            return sorted(key.decode() for key in client.scan_iter(match=f"{replicas_namespace}:quota:*:UserList"))
        finally:
            client.close()

    async def buckets_meanwhile() -> list[str]:
        await asyncio.sleep(HAMMER_SECONDS / 2)
        return await asyncio.to_thread(buckets)

    async def client(gateway: GatewayProcess) -> int:
        answered = 0
        while time.monotonic() < until:
            users = (await gateway.data(USERS, {"pool": pool_id}))["users"]
            assert users["__typename"] == "UserConnection", users
            answered += 1
        return answered

    shared, *answers = await asyncio.gather(
        buckets_meanwhile(), *(client(g) for g in replicas.gateways for _ in range(CLIENTS_PER_REPLICA))
    )
    times = replicas.proxy.times()["ListUsers"]
    busiest = busiest_second(times)
    spent = sum(began <= t < until for t in times)
    per_replica = [sum(answers[i * CLIENTS_PER_REPLICA : (i + 1) * CLIENTS_PER_REPLICA]) for i in range(REPLICAS)]
    print(
        f"ListUsers at {LIST_RATE}/s for the account, {HAMMER_SECONDS:g} s through {REPLICAS} replicas "
        f"(answered {per_replica}): busiest second {busiest} calls, {spent} calls in the period "
        f"({spent / (LIST_RATE * HAMMER_SECONDS):.2f} of the budget)"
    )

    assert all(per_replica), per_replica  # each replica was asked all along
    # One bucket for the three, keyed by the account STS named (moto's), not 'default'.
    assert len(shared) == 1 and f"{replicas_namespace}:quota:default:" not in shared[0], shared
    # The bucket refills LIST_RATE tokens a second and holds 0.2 s of them (BURST_SECONDS): the calls leaving the
    # limiter in any one second are at most 1.2 x LIST_RATE = 6, a whole number (floor). Counted at the proxy, as
    # Cognito sees them; each call's own delay after its turn (the event loop, HTTP) can only bunch two calls into one
    # second where their turns were 0.2 s apart if the delays differ by 0.2 s or more.
    assert busiest <= int(1.2 * LIST_RATE), sorted(times)
    assert spent >= 0.8 * LIST_RATE * HAMMER_SECONDS, sorted(times)


async def test_a_write_through_one_replica_is_read_through_the_others_at_once(
    replicas: Replicas, cognito: BaseClient, pool_id: str
):
    """Each replica keeps its group reads for 300 s; a write through any one of them is seen by the next read
    through every other, round after round."""
    cognito.create_group(UserPoolId=pool_id, GroupName="staff", Description="version 0")
    gateways = replicas.gateways
    variables = {"pool": pool_id, "name": "staff"}

    async def descriptions(readers: list[GatewayProcess]) -> list[str]:
        groups = await asyncio.gather(*(reader.data(GROUP, variables) for reader in readers))
        assert all(group["group"]["__typename"] == "Group" for group in groups), groups
        return [group["group"]["description"] for group in groups]

    assert await descriptions(gateways) == ["version 0"] * REPLICAS
    loaded = replicas.proxy.calls()["GetGroup"]
    assert await descriptions(gateways) == ["version 0"] * REPLICAS
    assert replicas.proxy.calls()["GetGroup"] == loaded  # cached: without the invalidation, the next reads are stale

    stale = []
    for round in range(1, ROUNDS + 1):
        writer = gateways[round % REPLICAS]
        readers = [gateway for gateway in gateways if gateway is not writer]
        await descriptions(gateways)  # every replica holds the current version
        input = {"userPoolId": pool_id, "groupName": "staff", "description": f"version {round}"}
        written = (await writer.data(UPDATE_GROUP, {"input": input}))["updateGroup"]
        assert written["__typename"] == "UpdateGroupPayload", written
        seen = await descriptions(readers)
        stale += [(round, description) for description in seen if description != f"version {round}"]
    print(f"{ROUNDS} rounds of a write through one replica read through the {REPLICAS - 1} others: {len(stale)} stale")
    assert stale == []


async def test_the_job_of_a_killed_replica_is_taken_over_by_another(
    replicas: Replicas, cognito: BaseClient, pool_id: str
):
    """The replica running a DISABLE job is SIGKILLed while a window is in flight. One of the two others takes the
    job over once the dead one's lease has run out (within LEASE + POLL_SECONDS), reads back the window it left
    `sending` and finishes the job: each user got AdminDisableUser exactly once at Cognito. Last in the module: it
    leaves two replicas."""
    usernames = create_users(cognito, pool_id, JOB_USERS)
    proxy = replicas.proxy
    before = proxy.calls()
    runner, *others = replicas.gateways
    selection = {"usernames": usernames}
    job_id = await start_job(runner, {"userPoolId": pool_id, "action": "DISABLE", "selection": selection})
    await stopped_mid_window(runner, proxy, job_id, total=JOB_USERS, window=WINDOW)
    killed_at = time.monotonic()
    assert await runner.stop(signal.SIGKILL) == -signal.SIGKILL
    done_when_killed = (await others[0].job(job_id, PROGRESS))["done"]
    await settled_at_cognito(cognito, pool_id, proxy)

    # Followed through a survivor: the first outcome recorded after the kill is the new runner's.
    deadline = killed_at + LEASE + POLL_SECONDS + 30
    resumed_at = None
    while (job := await others[0].job(job_id, PROGRESS))["state"] in ("QUEUED", "RUNNING"):
        if resumed_at is None and job["done"] > done_when_killed:
            resumed_at = time.monotonic()
        assert time.monotonic() < deadline, (job, [gateway.printed()[-3000:] for gateway in others])
        await asyncio.sleep(0.05)
    final = await others[0].job(job_id)
    calls = proxy.calls() - before
    # The new runner's first call: the read-back of the window left `sending` (no one else reads users here).
    first_call = min(t for t in proxy.times()["AdminGetUser"] if t > killed_at)
    # The replica that took it over wrote the items' audit records (to its output).
    taken_by = [replicas.gateways.index(gateway) for gateway in others if job_id in gateway.printed()]
    print(
        f"job of replica 0 taken over by replica {taken_by}: its first call {first_call - killed_at:.2f} s after "
        f"the SIGKILL, progress moved {(resumed_at or time.monotonic()) - killed_at:.2f} s after it "
        f"(lease {LEASE} s + the look for jobs every {POLL_SECONDS:g} s)"
    )

    assert len(taken_by) == 1, taken_by  # one replica runs a job at a time
    assert first_call - killed_at <= LEASE + POLL_SECONDS + 3  # + the claim and a loaded machine's delays
    assert final["state"] == "SUCCEEDED", final
    counts = {name: final[name] for name in ("total", "done", "failed", "unknown", "skipped")}
    assert counts == {"total": JOB_USERS, "done": JOB_USERS, "failed": 0, "unknown": 0, "skipped": 0}
    assert disabled(cognito, pool_id) == set(usernames)
    # Each user written exactly once across the two runners: JOB_USERS calls for JOB_USERS users all disabled. The
    # window in flight was read back, once per item; only those proven not written were sent again.
    assert calls["AdminDisableUser"] == JOB_USERS, calls
    assert calls["AdminGetUser"] == WINDOW, calls
