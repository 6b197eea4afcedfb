"""``python -m bench.overhead [--requests N] [--profile]``: the gateway's own cost per request, in-process.

Calls the ASGI app directly (no sockets, no HTTP client, no upstream call) with ``{ __typename }`` and with
a bare FastAPI JSON route added to the same app, and prints microseconds per request of each and their ratio.
Unlike scenario (e) of ``python -m bench``, no client competes for the CPU, so the ratio is the gateway's
overhead alone. ``--profile`` prints where the GraphQL request's time goes (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from typing import Any

from gateway.app import create_app
from gateway.demo.server import DEMO_CREDENTIALS
from gateway.settings import Settings

GRAPHQL_BODY = json.dumps({"query": "{ __typename }"}).encode()


def build_app() -> Any:
    # No upstream call is made: the endpoint only has to be well-formed.
    app = create_app(
        Settings(aws_region="us-east-1", auth_mode="none", allow_insecure=True, rate_limit_per_second=0),
        endpoint_url="http://127.0.0.1:9",
        credentials=DEMO_CREDENTIALS,
    )

    @app.get("/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    return app


async def request(app: Any, method: str, path: str, body: bytes = b"") -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"{method} {path} answered {message['status']}")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    await app(scope, receive, send)


async def measure(requests: int, profile: bool) -> None:
    app = build_app()
    calls = {"graphql": ("POST", "/graphql", GRAPHQL_BODY), "bare": ("GET", "/bare", b"")}
    async with app.router.lifespan_context(app):
        for _ in range(200):  # warm the parse and validation caches
            for method, path, body in calls.values():
                await request(app, method, path, body)
        per_request = {}
        for name, (method, path, body) in calls.items():
            started = time.perf_counter()
            for _ in range(requests):
                await request(app, method, path, body)
            per_request[name] = (time.perf_counter() - started) / requests * 1e6
        print(f"{{ __typename }}: {per_request['graphql']:.0f} µs/request")
        print(f"bare FastAPI route: {per_request['bare']:.0f} µs/request")
        print(f"bare ÷ gateway: {per_request['bare'] / per_request['graphql']:.2f} (the bench's (e) target is ≥ 0.5)")
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(requests):
                await request(app, *calls["graphql"])
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.overhead", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per route (default 2000)")
    parser.add_argument("--profile", action="store_true", help="profile the GraphQL requests")
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.profile))


if __name__ == "__main__":
    main()
