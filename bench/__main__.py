"""``python -m bench [--quick] [--out bench/results.md] ...``: run every scenario, print the report, write it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import report
from bench.scenarios import Options, run

DEFAULTS = {
    "latency_ms": 25.0,
    "users": 600,
    "groups": 5,
    "concurrency": 50,
    "duration": 20.0,
    "cache_ttl": 10.0,
    "repeat": 10,
}
# A smoke run: a tiny pool, low latency, short runs.
QUICK = {"latency_ms": 2.0, "users": 40, "groups": 2, "concurrency": 4, "duration": 1.0, "cache_ttl": 1.0, "repeat": 3}


def parse_options(argv: list[str] | None = None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--latency-ms", type=float, help="added to every upstream call (default 25)")
    parser.add_argument("--users", type=int, help="users in the pool (default 600)")
    parser.add_argument("--groups", type=int, help="groups of equal size, one per user (default 5)")
    parser.add_argument("--concurrency", type=int, help="concurrent clients in (d) (default 50)")
    parser.add_argument("--duration", type=float, help="seconds each client runs in (d) (default 20)")
    parser.add_argument("--cache-ttl", type=float, help="GATEWAY_CACHE_TTL_SECONDS of the gateway (default 10)")
    parser.add_argument("--repeat", type=int, help="sequential requests per client in (a), (b), (c) (default 10)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run; explicit options still apply")
    parser.add_argument("--out", type=Path, default=Path("bench/results.md"), help="the Markdown report")
    args = parser.parse_args(argv)
    values = (QUICK if args.quick else DEFAULTS) | {
        key: value for key, value in vars(args).items() if key in DEFAULTS and value is not None
    }
    if values["users"] < 1 or values["groups"] < 1 or values["concurrency"] < 1 or values["repeat"] < 1:
        parser.error("--users, --groups, --concurrency and --repeat must be at least 1")
    options = Options(
        **values,
        aliases=10,
        overhead_concurrency=min(8, values["concurrency"]),
        overhead_duration=0.5 if args.quick else max(1.0, values["duration"] / 4),
    )
    return options, args


def main(argv: list[str] | None = None) -> None:
    options, args = parse_options(argv)
    started = time.perf_counter()
    print(
        f"bench: {options.users} users in {options.groups} groups, {options.latency_ms:g} ms per upstream call",
        flush=True,
    )
    scenarios, gateway_settings, failures = run(options)
    text = report.render({**options.as_dict(), "quick": args.quick}, gateway_settings, scenarios, failures)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.keep_sections(args.out, text))
    print(f"written to {args.out} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
