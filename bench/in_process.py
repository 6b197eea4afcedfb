"""The app in this process, set up as the tests set it up (no authentication, no rate limit, one attempt per
call), for the benches that measure the gateway itself rather than a deployment of it."""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from gateway.app import create_app
from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION
from gateway.settings import Settings

SETTINGS: dict[str, Any] = {
    "aws_region": DEMO_REGION,
    "max_attempts": 1,  # moto answers what it lacks with HTTP 500, which retries would only slow down
    "auth_mode": "none",
    "allow_insecure": True,
    "rate_limit_per_second": 0,
    "metrics_port": 0,  # /metrics on the app itself: there is no server, and so no second port
}


def app(endpoint_url: str, **settings: Any) -> FastAPI:
    """The app on Cognito at ``endpoint_url``, with ``settings`` over :data:`SETTINGS`."""
    return create_app(Settings(**{**SETTINGS, **settings}), endpoint_url=endpoint_url, credentials=DEMO_CREDENTIALS)


@asynccontextmanager
async def started(endpoint_url: str, **settings: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan running, and an HTTP client to it over ASGI."""
    gateway = app(endpoint_url, **settings)
    async with gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=60) as http:
            yield gateway, http


def quiet_http_client_logs() -> None:
    """httpx logs a line per request at INFO: thousands in a bench run."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def argument_parser(prog: str, description: str | None, section: str) -> argparse.ArgumentParser:
    """A bench's options, with ``--out``: the report whose ``section`` it writes."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--out", type=Path, default=Path("bench/results.md"), help=f"report file (its {section} section)"
    )
    return parser
