"""``python -m bench.index_memory``: the gateway's memory with a 100,000-user SQLite directory index.

The users of ``bench.search`` (its ``fill``: written straight into the index through its repository, no Cognito) go
into an SQLite file; the real gateway then runs as a process of its own (:mod:`bench.gateway_server`) with
``GATEWAY_DATABASE_URL`` pointing at that file, and answers ``--repeats`` requests of each of ``bench.search``'s
query shapes (the sorted shape walked to its tenth page each time). Its resident set is read from
``/proc/PID/status`` at start and after each shape: VmRSS (now) and VmHWM (the peak, the headline: target < 300 MB).
Written to the "Index memory" section of ``bench/results.md``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import in_process, report, search
from bench.gateway_server import GatewayProcess

TARGET_MB = 300
NO_COGNITO = "http://127.0.0.1:9"  # searches call no Cognito; nothing listens there


def megabytes(kilobytes: int) -> float:
    return kilobytes / 1024


def run_shape(http: httpx.Client, name: str, document: str, repeats: int) -> int:
    """``repeats`` requests of one shape (the sorted one: its first ``SORTED_PAGE`` pages each time); the matches."""
    pages = search.SORTED_PAGE if name.startswith("sort") else 1
    total = 0
    for _ in range(repeats):
        after = None
        for _ in range(pages):
            response = http.post(
                "/graphql", json={"query": document, "variables": {"pool": search.POOL, "after": after}}
            )
            body = response.json()
            found = (body.get("data") or {}).get("searchUsers") or {}
            if "errors" in body or "totalCount" not in found:
                raise RuntimeError(f"the bench's query {name!r} failed: {body}")
            total, after = found["totalCount"], found["pageInfo"]["endCursor"]
    return total


def without_cognito(database_url: str) -> dict[str, str]:
    """The environment of a gateway process on ``database_url`` that needs no Cognito (searches, exports)."""
    return {
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_AUTH_MODE": "none",
        "GATEWAY_ALLOW_INSECURE": "true",
        "GATEWAY_RATE_LIMIT_PER_SECOND": "0",
        "GATEWAY_METRICS_PORT": "0",
    }


def measure(database_url: str, repeats: int) -> dict[str, Any]:
    gateway = GatewayProcess(NO_COGNITO, without_cognito(database_url))
    try:
        gateway.start()
        rows: list[tuple[str, int | None, float, float, float]] = [
            ("at start", None, megabytes(gateway.status("VmRSS")), megabytes(gateway.status("VmHWM")), 0.0)
        ]
        with httpx.Client(base_url=gateway.url, trust_env=False, timeout=300) as http:
            for name, document in search.SHAPES.items():
                started = time.perf_counter()
                total = run_shape(http, name, document, repeats)
                elapsed = time.perf_counter() - started
                rows.append(
                    (name, total, megabytes(gateway.status("VmRSS")), megabytes(gateway.status("VmHWM")), elapsed)
                )
    finally:
        gateway.stop()
    return {"rows": rows, "peak_mb": max(row[3] for row in rows)}


def render(
    command: str, users: int, fill_s: float, file_mb: float, figures: dict[str, Any], repeats: int, load: float
) -> str:
    peak = figures["peak_mb"]
    lines = [
        "## Index memory",
        "",
        f"`{command}` ({report.machine_line()}, git {report.git_revision()}): the gateway in a process of its own "
        f"(`bench.gateway_server`, uvicorn) on an SQLite index of {users:,} users ({file_mb:.0f} MB file, written in "
        f"{fill_s:.0f} s by `bench.search`'s fill), {repeats} requests of each of `bench.search`'s shapes in turn "
        f"(with `totalCount` and facets; the sorted one walked to page {search.SORTED_PAGE} each time). Memory from "
        f"`/proc/PID/status` after each shape (s: the shape's requests' time; load average {load:.1f} at the "
        f"start, the machine is shared). Target: peak (VmHWM) < {TARGET_MB} MB.",
        "",
        "| after | matches | VmRSS MB | VmHWM (peak) MB | s |",
        "|---|---|---|---|---|",
    ]
    for name, total, rss, hwm, elapsed in figures["rows"]:
        lines.append(f"| {name} | {'' if total is None else total} | {rss:.0f} | {hwm:.0f} | {elapsed:.1f} |")
    lines += [
        "",
        f"- **Peak RSS (VmHWM): {peak:.0f} MB** against the target of < {TARGET_MB} MB: "
        f"{'met' if peak < TARGET_MB else '**not met**'}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = in_process.argument_parser("python -m bench.index_memory", __doc__, "Index memory")
    parser.add_argument("--users", type=int, default=100_000, help="users in the index (default 100,000)")
    parser.add_argument("--repeats", type=int, default=5, help="requests of each query shape (default 5)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.repeats < 1:
        parser.error("--users and --repeats must be at least 1")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-index-memory-") as directory:
        path = Path(directory) / "gateway.db"
        database_url = f"sqlite:///{path}"
        print(f"bench.index_memory: writing {args.users:,} users into {path}", flush=True)
        fill_s = asyncio.run(search.fill(database_url, args.users))
        file_mb = sum(file.stat().st_size for file in Path(directory).iterdir()) / 2**20
        figures = measure(database_url, args.repeats)
    command = f"python -m bench.index_memory --users {args.users} --repeats {args.repeats}"
    text = render(command, args.users, fill_s, file_mb, figures, args.repeats, load_before)
    print(text)
    report.write_section(args.out, "## Index memory", text)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
