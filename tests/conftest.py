"""Fixtures: one moto server per session (reset for every test), the real app over HTTP in front of it."""

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from _pytest.monkeypatch import MonkeyPatch
from botocore.client import BaseClient
from fastapi import FastAPI

from bench import in_process
from gateway.demo.server import DemoBackend
from tests.databases import (  # noqa: F401
    database,
    database_url,
    empty_database_url,
    engine_name,
    postgresql,
    postgresql_database,
)

# The gateway's database on each engine (tests/databases.py), for tests/store and tests/directory.
from tests.helpers import GraphQLOverHTTP

# Redis for the state replicas share (tests/redis_servers.py), for tests/shared.
from tests.redis_servers import redis_namespace, redis_server  # noqa: F401


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session's heap (moto's backends and botocore's models in this process: about a million objects) is freed
    by reference counts at exit, but the interpreter's last collections would first walk all of it: minutes on a
    loaded machine, after the summary is printed. Frozen, it is out of their way."""
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The gateway's data directory for the whole session (every app started opens its database there), and for
    the servers the tests start as processes: never the user's own."""
    with MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("gateway-data")
        patch.setenv("GATEWAY_DATA_DIR", str(path))
        patch.delenv("GATEWAY_DATABASE_URL", raising=False)
        yield path


async def _start_and_stop_an_app(backend: DemoBackend) -> None:
    async with running_gateway(backend):
        pass


@pytest.fixture(scope="session")
def backend(data_dir: Path) -> Iterator[DemoBackend]:
    with DemoBackend() as server:
        # What every app shares for the rest of the session (botocore's parsed data, the schema) is loaded by a
        # first app; that and the rest loaded by now (moto's backends) lives until the session ends: out of the
        # collector's generations, a full collection in the middle of a test does not walk it again.
        asyncio.run(_start_and_stop_an_app(server))
        gc.collect()
        gc.freeze()
        yield server


@pytest.fixture
def cognito(backend: DemoBackend) -> BaseClient:
    """A boto3 client on the same moto server, to arrange and inspect state around the gateway."""
    backend.reset()
    return backend.client()


@dataclass
class Gateway(GraphQLOverHTTP):
    app: FastAPI
    http: httpx.AsyncClient

    @property
    def calls(self) -> dict[str, int]:
        """Upstream calls per Cognito operation, as counted by the gateway's Cognito layer."""
        return dict(self.app.state.cognito.calls)

    def reset_calls(self) -> None:
        self.app.state.cognito.calls.clear()

    async def mutate(self, name: str, input: dict[str, Any], selection: str = "__typename") -> dict[str, Any]:
        """Run one mutation; its result selects ``__typename``, the error fields and ``selection`` on the payload."""
        operation = name[0].upper() + name[1:]
        document = f"""
            mutation Run($input: {operation}Input!) {{
              result: {name}(input: $input) {{
                __typename
                ... on CognitoError {{ code message requestId }}
                ... on {operation}Payload {{ {selection} }}
              }}
            }}
        """
        return (await self.data(document, {"input": input}))["result"]


@asynccontextmanager
async def running_gateway(backend: DemoBackend, **settings: Any) -> AsyncIterator[Gateway]:
    """The app with its lifespan running, on the moto server, with ``settings`` over the test defaults (those
    of ``bench.in_process``, with introspection on, and every Cognito call checked against the declarations of the
    fields being resolved)."""
    # The client and moto share this process: a full collection of the suite's heap can pause both for over ten
    # seconds, and a write timed out by that pause is the test's artifact, not the gateway's. Tests of timeouts set
    # their own.
    defaults = {"introspection": True, "check_declarations": True, "read_timeout_seconds": 30}
    async with in_process.started(backend.endpoint_url, **{**defaults, **settings}) as (app, http):
        yield Gateway(app, http)


@pytest.fixture
async def gateway(backend: DemoBackend, cognito: BaseClient) -> AsyncIterator[Gateway]:
    async with running_gateway(backend) as running:
        yield running


@pytest.fixture
def pool_id(cognito: BaseClient) -> str:
    """An empty user pool with a password policy."""
    response = cognito.create_user_pool(
        PoolName="test-pool",
        Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireNumbers": True}},
    )
    return response["UserPool"]["Id"]
