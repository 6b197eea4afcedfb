"""``python -m bench.pauses``: how long a full garbage collection stops a started gateway, before and after
``gateway.server.freeze_startup_objects`` (what ``cognito-gateway serve`` does once started).

The app is started as ``serve`` starts it (its lifespan opens the AWS clients) and warmed with requests that
make no upstream call; then a full collection is timed five times each way. A full collection runs with the
event loop stopped, so its time is added to every request in flight. Written to the "GC pauses" section of
``bench/results.md``.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time

from bench import in_process, report
from gateway.server import freeze_startup_objects


def full_collection_ms(times: int = 5) -> float:
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        gc.collect()
        durations.append(1000 * (time.perf_counter() - started))
    return statistics.median(durations)


async def measure(warm_up: int) -> dict[str, float]:
    # Nothing here calls Cognito: the endpoint is never reached.
    async with in_process.started("http://127.0.0.1:9") as (_, http):
        for index in range(warm_up):
            await http.post("/graphql", json={"query": f"{{ me {{ subject }} }} # {index}"})
        figures = {"objects": len(gc.get_objects()), "before": full_collection_ms()}
        freeze_startup_objects()
        figures |= {"frozen": gc.get_freeze_count(), "after": full_collection_ms()}
        gc.unfreeze()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = in_process.argument_parser("python -m bench.pauses", __doc__, "GC pauses")
    parser.add_argument("--warm-up", type=int, default=200, help="requests before measuring (default 200)")
    args = parser.parse_args(argv)
    in_process.quiet_http_client_logs()
    figures = asyncio.run(measure(args.warm_up))
    text = "\n".join(
        [
            "## GC pauses",
            "",
            f"`python -m bench.pauses` ({report.machine_line()}, git {report.git_revision()}): a started gateway"
            f" after {args.warm_up} requests, {figures['objects']} objects tracked by the collector.",
            "",
            "| | full collection (median of 5) |",
            "|---|---|",
            f"| as started | {figures['before']:.1f} ms |",
            f"| after `freeze_startup_objects()` ({figures['frozen']} objects frozen) | {figures['after']:.1f} ms |",
            "",
        ]
    )
    print(text)
    report.write_section(args.out, "## GC pauses", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
