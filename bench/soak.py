"""``python -m bench.soak [--duration 60] [--clients 50] [--fault-rate 0.05]``: mixed reads and writes against
the gateway while a fraction of upstream calls fail, then a check of every write against Cognito.

The gateway runs in its own process (as in production) in front of the fault proxy and moto. Each client
loops over a dashboard page, a user's detail, creating a user and deleting one it created. A response is:
* typed: every root field answered its union (a payload, an object or a ``CognitoError`` with its code);
* untyped: an HTTP 5xx, an ``errors[]`` entry without ``extensions.code`` or with ``INTERNAL`` (must be 0);
* a crash: no HTTP answer at all (must be 0).
After the faults stop, each write reported done must be in Cognito and each reported failed must not;
``OutcomeUnknownError`` writes are counted apart (either state is honest for them).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import report
from bench.backend import seed_pool
from bench.faults import FaultProxy, Faults
from bench.gateway_server import GatewayProcess
from bench.peers import boto_client
from bench.scenarios import DASHBOARD, USER_DETAIL
from gateway.demo.server import DemoBackend

# The 5% of upstream calls that fail, spread over every kind of fault the gateway must survive.
FAULT_MIX = {"throttle": 0.3, "error500": 0.2, "reset": 0.2, "reset_after_forward": 0.2, "hang_after_forward": 0.1}

CREATE = """mutation($pool: ID!, $name: String!) {
  r: adminCreateUser(input: {userPoolId: $pool, username: $name, messageAction: SUPPRESS}) {
    __typename ... on CognitoError { code }
  }
}"""
DELETE = """mutation($pool: ID!, $name: String!) {
  r: adminDeleteUser(input: {userPoolId: $pool, username: $name}) { __typename ... on CognitoError { code } }
}"""


@dataclass
class Tally:
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    typed_errors: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    # username -> the outcome of its creation and of its deletion ("done", "failed", "unknown")
    created: dict[str, str] = field(default_factory=dict)
    deleted: dict[str, str] = field(default_factory=dict)

    def answer(self, body: dict, status: int) -> dict:
        if status >= 500:
            self.untyped.append(f"HTTP {status}")
        for error in body.get("errors") or ():
            code = (error.get("extensions") or {}).get("code")
            if code in (None, "INTERNAL"):
                self.untyped.append(error.get("message", "?"))
            else:
                self.typed_errors[code] += 1
        for value in (body.get("data") or {}).values():
            if isinstance(value, dict) and "code" in value:
                self.typed_errors[value["code"]] += 1
        return body


def outcome(result: dict | None) -> str:
    typename = (result or {}).get("__typename", "")
    if typename.endswith("Payload"):
        return "done"
    return "unknown" if typename in ("OutcomeUnknownError", "") else "failed"


async def client(http: httpx.AsyncClient, pool: str, users: list[str], tally: Tally, deadline: float, index: int):
    rng = random.Random(index)
    mine: list[str] = []
    while time.monotonic() < deadline:
        draw = rng.random()
        if draw < 0.4:
            document, variables = DASHBOARD, {"pool": pool, "first": 60}
        elif draw < 0.65:
            document, variables = USER_DETAIL, {"pool": pool, "username": rng.choice(users)}
        elif draw < 0.9 or not mine:
            name = f"soak-{index}-{len(tally.created)}-{rng.randrange(10**9)}"
            document, variables = CREATE, {"pool": pool, "name": name}
        else:
            name = mine.pop(rng.randrange(len(mine)))
            document, variables = DELETE, {"pool": pool, "name": name}
        started = time.perf_counter()
        try:
            response = await http.post("/graphql", json={"query": document, "variables": variables})
            body = tally.answer(response.json(), response.status_code)
        except (httpx.HTTPError, ValueError) as error:
            tally.crashes.append(repr(error))
            continue
        finally:
            tally.requests += 1
            tally.latencies.append(time.perf_counter() - started)
        if document is CREATE:
            tally.created[variables["name"]] = outcome((body.get("data") or {}).get("r"))
            if tally.created[variables["name"]] == "done":
                mine.append(variables["name"])
        elif document is DELETE:
            tally.deleted[variables["name"]] = outcome((body.get("data") or {}).get("r"))


def verify(cognito, pool: str, tally: Tally) -> dict[str, int]:
    """Each write against what Cognito holds now: honest (matches its report), wrong, or unknown (either)."""
    present = {
        user["Username"]
        for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool)
        for user in page["Users"]
    }
    counts: Counter[str] = Counter()
    for name, created in tally.created.items():
        deleted = tally.deleted.get(name)
        if created == "unknown" or deleted == "unknown":
            counts["unknown"] += 1
            continue
        expected = created == "done" and deleted != "done"
        counts["honest" if (name in present) == expected else "wrong"] += 1
    return dict(counts)


def rss_kb(gateway: GatewayProcess) -> int:
    return gateway.status("VmRSS")


async def soak(
    http: httpx.AsyncClient, pool: str, users: list[str], clients: int, duration: float, gateway: GatewayProcess
) -> tuple[Tally, int]:
    """The load, and the gateway's RSS once warmed up (after the first sixth of the run, at most 10 s): the
    first requests fill caches, pools and the interpreter's arenas, which is not growth."""
    tally = Tally()
    deadline = time.monotonic() + duration

    async def warmed_rss() -> int:
        await asyncio.sleep(min(10.0, duration / 6))
        return rss_kb(gateway)

    sampled = asyncio.create_task(warmed_rss())
    await asyncio.gather(*(client(http, pool, users, tally, deadline, index) for index in range(clients)))
    return tally, await sampled


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="fraction of upstream calls failing")
    parser.add_argument("--users", type=int, default=200, help="users in the seeded pool (default 200)")
    parser.add_argument("--out", type=Path, default=Path("bench/results.md"), help="report file (its Soak section)")
    args = parser.parse_args(argv)

    with DemoBackend() as backend:
        seeded = seed_pool(backend.endpoint_url, args.users, 4)
        proxy = FaultProxy(backend.endpoint_url, Faults(latency=0.01), seed=7).start()
        env = {"GATEWAY_MAX_ATTEMPTS": "3", "GATEWAY_READ_TIMEOUT_SECONDS": "2", "GATEWAY_CACHE_TTL_SECONDS": "5"}
        gateway = GatewayProcess(proxy.endpoint_url, {**env, **_insecure()}).start()
        try:
            with httpx.Client(base_url=gateway.url, trust_env=False, timeout=30) as warm:
                warm.post(
                    "/graphql", json={"query": DASHBOARD, "variables": {"pool": seeded.id, "first": 60}}
                ).raise_for_status()
            proxy.faults.rates = {fault: share * args.fault_rate for fault, share in FAULT_MIX.items()}
            print(f"soak: {args.clients} clients for {args.duration:g} s, {args.fault_rate:.0%} faults", flush=True)

            async def run() -> tuple[Tally, int]:
                limits = httpx.Limits(max_connections=args.clients)
                async with httpx.AsyncClient(base_url=gateway.url, trust_env=False, timeout=60, limits=limits) as http:
                    return await soak(http, seeded.id, seeded.usernames, args.clients, args.duration, gateway)

            tally, rss_start = asyncio.run(run())
            rss_end = rss_kb(gateway)
            faults = sum(proxy.fault_counts().values())
            upstream = sum(proxy.calls().values())
            proxy.faults = Faults()
            proxy.release()
            alive = gateway.running
            checked = verify(boto_client(backend.endpoint_url, 4), seeded.id, tally)
        finally:
            gateway.stop()
            proxy.stop()

    latencies = sorted(tally.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    growth = (rss_end - rss_start) / rss_start
    writes = Counter(tally.created.values()) + Counter(tally.deleted.values())
    lines = [
        "## Soak",
        "",
        f"`python -m bench.soak --duration {args.duration:g} --clients {args.clients} --fault-rate {args.fault_rate}`"
        f" ({report.machine_line()}, git {report.git_revision()}): mixed reads and writes, {faults} of {upstream}"
        " upstream calls failed on purpose (throttling, HTTP 500, resets before and after Cognito acted, hangs).",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| requests | {tally.requests} ({tally.requests / args.duration:.1f}/s) | |",
        f"| p95 latency | {p95 * 1000:.0f} ms | reported |",
        f"| typed errors by code | {', '.join(f'{c} {n}' for c, n in tally.typed_errors.most_common()) or 'none'} | |",
        f"| untyped errors | {len(tally.untyped)} | 0 |",
        f"| crashes (no answer; gateway process {'alive' if alive else 'DEAD'}) | {len(tally.crashes)} | 0 |",
        f"| RSS after warm-up → end | {rss_start / 1024:.0f} MB → {rss_end / 1024:.0f} MB ({growth:+.1%}) | growth < 10% |",
        f"| writes reported done / failed / outcome unknown | {writes['done']} / {writes['failed']} /"
        f" {writes['unknown']} | |",
        f"| writes checked against Cognito: honest / wrong / unknown | {checked.get('honest', 0)} /"
        f" {checked.get('wrong', 0)} / {checked.get('unknown', 0)} | wrong = 0 |",
    ]
    if tally.untyped or tally.crashes:
        lines += ["", "First untyped errors and crashes: " + "; ".join((tally.untyped + tally.crashes)[:5])]
    text = "\n".join(lines) + "\n"
    print(text)
    report.write_section(args.out, "## Soak", text)
    print(f"written to {args.out}")
    return {
        "requests": tally.requests,
        "untyped": len(tally.untyped),
        "crashes": len(tally.crashes),
        "alive": alive,
        "faults": faults,
        "writes": dict(writes),
        "checked": checked,
        "rss_growth": growth,
    }


def _insecure() -> dict[str, str]:
    return {"GATEWAY_AUTH_MODE": "none", "GATEWAY_ALLOW_INSECURE": "true", "GATEWAY_RATE_LIMIT_PER_SECOND": "0"}


if __name__ == "__main__":
    main()
