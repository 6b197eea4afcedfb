"""The bench's world (the backend process: moto, the seeded pool and the counting proxy; the gateway process;
the two peers) and the five scenarios measured in it, each for the gateway and its peers in the same run."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from bench.backend import DEVICES, BackendProcess
from bench.gateway_server import GatewayProcess
from bench.peers import IdealClient, NaiveClient
from bench.report import Row, Scenario, Target, number

DASHBOARD_PAGE = 60  # users on the dashboard page: one Cognito page

DASHBOARD = """
query Dashboard($pool: ID!, $first: Int!) {
  userPool(id: $pool) { __typename ... on UserPool { name estimatedNumberOfUsers } ... on CognitoError { code message } }
  users(userPoolId: $pool, first: $first) {
    __typename
    ... on UserConnection { nodes { username enabled userStatus email: attribute(name: "email") groups { groupName } } }
    ... on CognitoError { code message }
  }
}"""

USER_DETAIL = """
query UserDetail($pool: ID!, $username: String!) {
  user(userPoolId: $pool, username: $username) {
    __typename
    ... on User {
      username enabled userStatus userCreateDate userLastModifiedDate
      attributes { name value }
      groups { groupName description precedence }
      devices { nodes { deviceKey deviceLastAuthenticatedDate deviceAttributes { name value } } }
      preferredMfaSetting userMfaSettingList
    }
    ... on CognitoError { code message }
  }
}"""

ALIAS_FIELDS = (
    '__typename ... on User { username enabled userStatus email: attribute(name: "email") }'
    " ... on CognitoError { code message }"
)


def aliases_query(count: int) -> str:
    fields = "\n".join(
        f"  u{i}: user(userPoolId: $pool, username: $username) {{ {ALIAS_FIELDS} }}" for i in range(count)
    )
    return f"query Aliases($pool: ID!, $username: String!) {{\n{fields}\n}}"


@dataclass(frozen=True)
class Options:
    latency_ms: float
    users: int
    groups: int
    concurrency: int
    duration: float  # seconds of each client's run in (d)
    cache_ttl: float  # GATEWAY_CACHE_TTL_SECONDS for the gateway process
    repeat: int  # sequential requests per client in (a) warm, (b) and (c)
    aliases: int  # of the same user in (c)
    overhead_concurrency: int  # keep-alive connections in (e)
    overhead_duration: float  # seconds per measured query in (e)

    def as_dict(self) -> dict[str, Any]:
        return {key: number(value) if isinstance(value, float) else value for key, value in vars(self).items()}


def gateway_failure(response: httpx.Response, allowed_error: str | None = None) -> str | None:
    """What went wrong with a GraphQL answer (HTTP status, GraphQL error, error member of a root field), or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        error = body["errors"][0]
        return f"GraphQL error: {error.get('message')} ({(error.get('extensions') or {}).get('code')})"
    for name, value in (body.get("data") or {}).items():
        if isinstance(value, dict) and "code" in value and value.get("__typename") != allowed_error:
            return f"{name}: {value.get('__typename')} {value['code']}: {value.get('message')}"
    return None


def gateway_dashboard_rows(body: dict[str, Any]) -> dict[str, Any]:
    """The gateway's dashboard answer in the peers' plain form (see :func:`bench.peers.dashboard_rows`)."""
    pool, users = body["data"]["userPool"], body["data"]["users"]["nodes"]
    return {
        "pool": (pool["name"], pool["estimatedNumberOfUsers"]),
        "users": [
            (
                u["username"],
                u["enabled"],
                u["userStatus"],
                u["email"],
                sorted(g["groupName"] for g in u["groups"] or []),
            )
            for u in users
        ],
    }


Request = Callable[[], str | None]  # one request: None if it went well, else what went wrong
Check = Callable[[httpx.Response], str | None]


class Bench:
    """Everything one run needs, started in order and stopped in reverse."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.failures: Counter[str] = Counter()  # what went wrong, for the report
        self._failures_lock = threading.Lock()  # threaded_load's threads count them too
        self._stack = ExitStack()

    def __enter__(self) -> Bench:
        o, stack = self.options, self._stack
        try:
            self.backend = BackendProcess(o.users, o.groups, o.latency_ms)
            stack.callback(self.backend.stop)
            self.backend.start()
            self.pool = self.backend.pool
            self.gateway = self.start_gateway(o.cache_ttl)
            # A second gateway without the shared cache: every request it serves is cold, so the cold latency
            # is a percentile over many requests rather than a single sample. Its quota limiter is off: back
            # to back, cold pages would wait for the UserList quota (30/s), which the ideal client ignores.
            self.uncached_gateway = self.start_gateway(0, GATEWAY_QUOTA_LIMITER="false")
            self.ideal = IdealClient(self.backend.proxy_url, parallel=o.concurrency * (o.groups + 2))
            stack.callback(self.ideal.close)
            self.naive = NaiveClient(self.backend.proxy_url, parallel=o.concurrency)
            self.http = stack.enter_context(httpx.Client(base_url=self.gateway.url, trust_env=False, timeout=120))
            self.uncached_http = stack.enter_context(
                httpx.Client(base_url=self.uncached_gateway.url, trust_env=False, timeout=120)
            )
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def start_gateway(self, cache_ttl: float, **settings: str) -> GatewayProcess:
        # The bench measures Cognito calls and the gateway's own cost, not authentication: one anonymous
        # caller, no per-caller rate limit.
        env = {
            "GATEWAY_CACHE_TTL_SECONDS": number(cache_ttl),
            "GATEWAY_AUTH_MODE": "none",
            "GATEWAY_ALLOW_INSECURE": "true",
            "GATEWAY_RATE_LIMIT_PER_SECOND": "0",
            **settings,
        }
        gateway = GatewayProcess(self.backend.proxy_url, env)
        self._stack.callback(gateway.stop)
        return gateway.start()

    # -- requests ------------------------------------------------------------------------------------

    def graphql(self, document: str, variables: dict[str, Any], *, uncached: bool = False) -> httpx.Response:
        http = self.uncached_http if uncached else self.http
        return http.post("/graphql", json={"query": document, "variables": variables})

    def _timed(self, request: Request, latencies: list[float]) -> bool:
        """Run one request, adding its latency; a failure is counted, not raised: it is a figure of the run."""
        sent = time.perf_counter()
        try:
            failure = request()
        except Exception as error:
            failure = f"{type(error).__name__}: {error}"
        latencies.append((time.perf_counter() - sent) * 1000)
        if failure is not None:
            with self._failures_lock:
                self.failures[failure[:300]] += 1
        return failure is None

    def sequential(self, client: str, request: Request, repeat: int) -> Row:
        """``repeat`` requests one after another; the upstream calls they made, by operation."""
        before, latencies = self.backend.calls(), []
        start = time.perf_counter()
        errors = sum(not self._timed(request, latencies) for _ in range(repeat))
        elapsed = time.perf_counter() - start
        return Row(client, repeat, self.backend.calls() - before, latencies, elapsed, errors)

    def threaded_load(self, client: str, request: Request, concurrency: int, duration: float) -> Row:
        """``concurrency`` threads sending ``request`` back to back for ``duration`` s (then finishing)."""
        latencies: list[float] = []
        deadline = time.perf_counter() + duration

        def worker() -> int:
            errors = 0
            while time.perf_counter() < deadline:
                errors += not self._timed(request, latencies)
            return errors

        before, start, process_cpu = self.backend.calls(), time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=concurrency) as executor:
            errors = sum(future.result() for future in [executor.submit(worker) for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
        row = Row(client, len(latencies), self.backend.calls() - before, latencies, elapsed, errors)
        row.extra["bench process CPU %"] = f"{100 * (time.process_time() - process_cpu) / elapsed:.0f}"
        return row

    def gateway_load(
        self, client: str, method: str, path: str, body: Any, check: Check, concurrency: int, duration: float
    ) -> Row:
        """``concurrency`` kept-alive httpx connections to the gateway, requests back to back for ``duration``
        s; the row also gets the gateway process's CPU time."""
        cpu, process_cpu, before = self.gateway.cpu_seconds(), time.process_time(), self.backend.calls()
        latencies, failures, elapsed = asyncio.run(
            _hammer(self.gateway.url, method, path, body, check, concurrency, duration)
        )
        self.failures.update(failures)
        row = Row(client, len(latencies), self.backend.calls() - before, latencies, elapsed, sum(failures.values()))
        row.gateway_cpu_s = self.gateway.cpu_seconds() - cpu
        row.extra["bench process CPU %"] = f"{100 * (time.process_time() - process_cpu) / elapsed:.0f}"
        row.extra["gateway CPU %"] = f"{100 * row.gateway_cpu_s / elapsed:.0f}"
        row.extra["gateway CPU µs / request"] = f"{row.gateway_cpu_per_request_us:.0f}"
        return row


async def _hammer(
    url: str, method: str, path: str, body: Any, check: Check, concurrency: int, duration: float
) -> tuple[list[float], Counter[str], float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120, trust_env=False) as http:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    failure = check(await http.request(method, path, json=body))
                except httpx.HTTPError as error:
                    failure = f"{type(error).__name__}: {error}"
                latencies.append((time.perf_counter() - sent) * 1000)
                if failure is not None:
                    failures[failure[:300]] += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, failures, time.perf_counter() - start


def target(text: str, measured: str, met: bool, *rows: Row) -> Target:
    """A target, never met by figures from failed requests."""
    failed = sum(row.errors for row in rows)
    if failed:
        return Target(text, f"{measured} ({failed} failed requests)", False)
    return Target(text, measured, met)


def succeeds(read: Callable[[], Any]) -> Request:
    """A peer's read as a request: it failed if it raised."""

    def request() -> None:
        read()

    return request


# -- the scenarios -----------------------------------------------------------------------------------


def dashboard(bench: Bench) -> Scenario:
    o, pool = bench.options, bench.pool
    answers: dict[str, Any] = {}

    def gateway(uncached: bool = False) -> str | None:
        response = bench.graphql(DASHBOARD, {"pool": pool.id, "first": DASHBOARD_PAGE}, uncached=uncached)
        if (failure := gateway_failure(response)) is None:
            answers["gateway"] = gateway_dashboard_rows(response.json())
        return failure

    def peer(client: IdealClient | NaiveClient) -> Request:
        def request() -> None:
            answers[client.name] = client.dashboard(pool.id, DASHBOARD_PAGE)

        return request

    cold = bench.sequential("gateway, cold (first request after start)", gateway, 1)
    warm = bench.sequential("gateway, warm (repeated within the cache TTL)", gateway, o.repeat)
    warm_span = warm.elapsed_s + cold.elapsed_s
    time.sleep(o.cache_ttl + 1)
    expired = bench.sequential(f"gateway, cold (after the {number(o.cache_ttl)} s cache TTL expired)", gateway, 1)
    uncached = bench.sequential(
        "gateway, cache and quota limiter off (every request cold)", lambda: gateway(uncached=True), o.repeat
    )
    ideal = bench.sequential("ideal", peer(bench.ideal), o.repeat)
    naive = bench.sequential("naive", peer(bench.naive), max(2, o.repeat // 3))

    ideal_calls, ideal_ms = ideal.calls_per_request(), ideal.percentile(50)
    cold_ms = uncached.percentile(50)
    targets = [
        target(
            "cold: upstream calls ≤ the ideal client's",
            f"{number(cold.calls_per_request())}, {number(expired.calls_per_request())} and "
            f"{number(uncached.calls_per_request())} vs {number(ideal_calls)}",
            max(cold.calls_per_request(), expired.calls_per_request(), uncached.calls_per_request()) <= ideal_calls,
            cold,
            uncached,
            expired,
            ideal,
        ),
        target(
            "cold: latency ≤ 1.35 × the ideal client's (p50 of the gateway without cache vs the ideal's p50)",
            f"{cold_ms:.1f} ms vs 1.35 × {ideal_ms:.1f} = {1.35 * ideal_ms:.1f} ms",
            cold_ms <= 1.35 * ideal_ms,
            uncached,
            ideal,
        ),
        target(
            "warm: ≤ 2 upstream calls per request",
            number(warm.calls_per_request()),
            warm.calls_per_request() <= 2,
            warm,
        ),
    ]
    notes = [
        f"{o.users} users in {o.groups} groups of about {o.users // o.groups}, each user in one group;"
        f" the page shows {min(DASHBOARD_PAGE, o.users)}.",
        f"the warm requests ended {warm_span:.1f} s after the cold one started, "
        + ("within" if warm_span < o.cache_ttl else "**beyond** (some may have been cold)")
        + f" the {number(o.cache_ttl)} s cache TTL.",
    ]
    for peer_name in ("ideal", "naive"):
        if "gateway" in answers and peer_name in answers:
            same = "equals" if answers["gateway"] == answers[peer_name] else "**differs from**"
            notes.append(f"the gateway's data (pool header, users, their groups) {same} the {peer_name} client's.")
    return Scenario(
        "a",
        "dashboard page",
        f"The pool header (name, estimatedNumberOfUsers) and {DASHBOARD_PAGE} users with"
        ' `enabled userStatus email: attribute(name: "email") groups { groupName }`.',
        [cold, warm, expired, uncached, ideal, naive],
        targets,
        notes,
    )


def user_detail(bench: Bench) -> Scenario:
    o, pool = bench.options, bench.pool
    answer: dict[str, Any] = {}

    def gateway() -> str | None:
        response = bench.graphql(USER_DETAIL, {"pool": pool.id, "username": pool.detail_user})
        if (failure := gateway_failure(response)) is None:
            answer.update(response.json()["data"]["user"])
        return failure

    rows = [
        bench.sequential("gateway", gateway, o.repeat),
        bench.sequential("ideal", succeeds(lambda: bench.ideal.user_detail(pool.id, pool.detail_user)), o.repeat),
        bench.sequential("naive", succeeds(lambda: bench.naive.user_detail(pool.id, pool.detail_user)), o.repeat),
    ]
    notes = []
    if answer:
        devices = len((answer.get("devices") or {}).get("nodes", []))
        groups = [g["groupName"] for g in answer.get("groups") or []]
        notes.append(
            f"the gateway's answer: {len(answer.get('attributes') or [])} attributes, groups {groups}, {devices} devices,"
            f" preferred MFA {answer.get('preferredMfaSetting')}, MFA list {answer.get('userMfaSettingList')}"
            f" (seeded: {DEVICES} devices, SMS MFA)."
        )
    return Scenario(
        "b",
        "user detail",
        "One user with attributes, groups, devices and MFA settings (preferredMfaSetting userMfaSettingList).",
        rows,
        notes=notes,
    )


def aliases(bench: Bench) -> Scenario:
    o, pool = bench.options, bench.pool
    document, variables = aliases_query(o.aliases), {"pool": pool.id, "username": pool.detail_user}
    gateway = bench.sequential("gateway", lambda: gateway_failure(bench.graphql(document, variables)), o.repeat)
    rows = [
        gateway,
        bench.sequential(
            "ideal", succeeds(lambda: bench.ideal.aliases(pool.id, pool.detail_user, o.aliases)), o.repeat
        ),
        bench.sequential(
            "naive", succeeds(lambda: bench.naive.aliases(pool.id, pool.detail_user, o.aliases)), o.repeat
        ),
    ]
    per_request = gateway.calls_per_request("AdminGetUser")
    return Scenario(
        "c",
        f"the same user under {o.aliases} aliases",
        f"One query naming the same user {o.aliases} times (`username enabled userStatus email`).",
        rows,
        [target("exactly 1 AdminGetUser per request", number(per_request), per_request == 1, gateway)],
    )


def load(bench: Bench) -> Scenario:
    o, pool = bench.options, bench.pool
    body = {"query": DASHBOARD, "variables": {"pool": pool.id, "first": DASHBOARD_PAGE}}
    gateway = bench.gateway_load("gateway", "POST", "/graphql", body, gateway_failure, o.concurrency, o.duration)
    peak_mb = bench.gateway.status("VmHWM") / 1024
    gateway.extra["gateway peak RSS MB"] = f"{peak_mb:.0f}"
    rows = [
        gateway,
        bench.threaded_load(
            "ideal", succeeds(lambda: bench.ideal.dashboard(pool.id, DASHBOARD_PAGE)), o.concurrency, o.duration
        ),
        bench.threaded_load(
            "naive", succeeds(lambda: bench.naive.dashboard(pool.id, DASHBOARD_PAGE)), o.concurrency, o.duration
        ),
    ]
    for row in rows:
        row.extra["upstream calls/s"] = f"{sum(row.calls.values()) / row.elapsed_s:.0f}"
        for operation, count in row.calls.most_common(1):  # to set against that operation's Cognito quota
            row.extra["busiest operation, calls/s"] = f"{operation} {count / row.elapsed_s:.0f}"
    return Scenario(
        "d",
        f"{o.concurrency} concurrent dashboards",
        f"{o.concurrency} clients each sending the dashboard request of (a) back to back for {number(o.duration)} s"
        " (requests in flight at the end are waited for and counted).",
        rows,
        [
            target(
                "gateway peak RSS < 250 MB (VmHWM, the process's peak so far)",
                f"{peak_mb:.0f} MB",
                peak_mb < 250,
                gateway,
            )
        ],
        [
            "three processes share this machine's"
            f" {os.cpu_count()} CPUs: moto with the counting proxy, the gateway, and the bench (the clients).",
        ],
    )


def overhead(bench: Bench) -> Scenario:
    o, pool = bench.options, bench.pool

    def bare_failure(response: httpx.Response) -> str | None:
        return None if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:200]}"

    bad_id = partial(gateway_failure, allowed_error="InvalidParameterError")  # the answer it should give
    variants = [
        ("bare FastAPI route `GET /bench/bare`", "GET", "/bench/bare", None, bare_failure),
        ("gateway `{ __typename }`", "POST", "/graphql", {"query": "{ __typename }"}, gateway_failure),
        (
            'gateway `userPool(id: "not-a-pool-id")` (refused before any upstream call)',
            "POST",
            "/graphql",
            {"query": '{ userPool(id: "not-a-pool-id") { __typename ... on CognitoError { code } } }'},
            bad_id,
        ),
        (
            "gateway `userPool(id: ...) { name }`",
            "POST",
            "/graphql",
            {"query": f'{{ userPool(id: "{pool.id}") {{ __typename ... on UserPool {{ name }} }} }}'},
            gateway_failure,
        ),
    ]
    rows = []
    for client, method, path, body, check in variants:
        asyncio.run(_hammer(bench.gateway.url, method, path, body, check, o.overhead_concurrency, 0.3))  # warm-up
        rows.append(bench.gateway_load(client, method, path, body, check, o.overhead_concurrency, o.overhead_duration))
    bare, targets, notes = rows[0], [], []
    for row in rows:
        ratio = row.requests_per_second / bare.requests_per_second if bare.requests_per_second else 0.0
        # The capacity ratio: of the requests/s each would reach with the gateway process's CPU saturated.
        capacity = bare.gateway_cpu_per_request_us / row.gateway_cpu_per_request_us if row.gateway_cpu_s else 0.0
        row.extra["requests/s ÷ bare's"] = f"{ratio:.2f}"
        row.extra["bare's CPU/request ÷ this"] = f"{capacity:.2f}"
        if row is bare:
            continue
        measured = f"{row.requests_per_second:.0f} vs {bare.requests_per_second:.0f} requests/s: {ratio:.2f}"
        targets.append(target(f"{row.client}: requests/s ≥ 0.5 × bare's", measured, ratio >= 0.5, bare, row))
        # Reported, not a target of the issue (whose target is the requests/s ratio): the server-side cost.
        notes.append(
            f"{row.client}, capacity: the gateway's CPU time per request is {row.gateway_cpu_per_request_us:.0f} µs"
            f" vs the bare route's {bare.gateway_cpu_per_request_us:.0f} µs (bare's ÷ this = {capacity:.2f}):"
            " with the gateway's CPU saturated, that is the ratio of requests/s it would reach."
        )
    client_cpu = max(float(row.extra["bench process CPU %"]) for row in rows)
    gateway_cpu = max(float(row.extra["gateway CPU %"]) for row in rows)
    if client_cpu >= 90 and gateway_cpu < 90:
        notes.append(
            f"in this run the client was the bottleneck: the bench process used up to {client_cpu:.0f} % of a CPU,"
            f" the gateway at most {gateway_cpu:.0f} %. The requests/s ratios measure the client more than the gateway."
        )
    return Scenario(
        "e",
        "overhead against a bare FastAPI route",
        f"The same gateway process, {o.overhead_concurrency} kept-alive httpx connections, {number(o.overhead_duration)} s"
        " per query after a short warm-up. The httpx client runs in the bench process; where it rather than the"
        " gateway is the bottleneck (gateway CPU well under 100 %), requests/s understate the gap, and the ratio of"
        " the gateway's CPU time per request (the capacity ratio) is the truer measure of overhead.",
        rows,
        targets,
        notes,
    )


SCENARIOS = (dashboard, user_detail, aliases, load, overhead)


def run(options: Options) -> tuple[list[Scenario], dict[str, Any], Counter[str]]:
    """Every scenario, in order; also the gateway's own settings and what went wrong, by kind."""
    with Bench(options) as bench:
        scenarios = []
        for scenario in SCENARIOS:
            scenarios.append(scenario(bench))
            print(f"  ({scenarios[-1].key}) {scenarios[-1].title}: done", flush=True)
        return scenarios, bench.gateway.info.get("settings", {}), bench.failures
