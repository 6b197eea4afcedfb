"""gateway/server.py: uvicorn as `serve` runs it. (SIGTERM and draining are in tests/test_cli.py, on a process.)"""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from bench.hostile import HOSTILE
from gateway.app import create_app
from gateway.auth.api_keys import hash_key
from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION
from gateway.server import GatewayServer
from gateway.settings import Settings
from tests.test_app import closed_port

SETTINGS = Settings(
    aws_region=DEMO_REGION, auth_mode="none", allow_insecure=True, host="127.0.0.1", port=0, metrics_port=0
)


class UnfrozenServer(GatewayServer):
    """`serve`'s server but for the freeze after startup (its own test is below): in the whole suite's heap, the
    freeze's full collection takes seconds, which the tests that only talk to the server need not spend."""

    def freeze(self) -> None:
        pass


@asynccontextmanager
async def running(server: GatewayServer) -> AsyncIterator[GatewayServer]:
    """``server`` serving, from its start until the block ends."""
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)


@asynccontextmanager
async def serving(app: FastAPI, settings: Settings = SETTINGS) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` served by uvicorn on a free port, and a client that keeps its one connection alive."""
    async with running(UnfrozenServer(app, settings)) as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, trust_env=False) as http:
            yield http


def connection(response: httpx.Response) -> object:
    return response.extensions["network_stream"]


def collected(obj: object) -> bool:
    """Whether a full collection walks ``obj`` (frozen objects are tracked, but in no generation)."""
    return any(tracked is obj for tracked in gc.get_objects())


@pytest.fixture
def session_refrozen():
    """The test unfreezes what the server froze, and with it what the session had frozen (tests/conftest.py):
    frozen again afterwards, a full collection in a later test does not walk the session's heap."""
    yield
    gc.collect()
    gc.freeze()


async def test_a_started_server_takes_its_startup_objects_out_of_the_collectors_way(backend, session_refrozen):
    app = create_app(SETTINGS, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS)
    async with running(GatewayServer(app, SETTINGS)):
        try:
            cognito = app.state.cognito
            frozen, walked = gc.get_freeze_count(), collected(cognito)
        finally:
            gc.unfreeze()  # the rest of the suite runs in this process

    assert frozen > 0 and not walked  # the app's Cognito gateway, made by the lifespan, is frozen
    assert gc.is_tracked(cognito) and collected(cognito)  # and back in a generation once unfrozen


async def test_x_forwarded_for_from_localhost_is_not_believed_unless_listed(backend):
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the gateway only from GATEWAY_TRUSTED_PROXIES,
    so a local client cannot pose as other addresses to dodge the failed-authentication budget."""
    api_keys = [{"name": "ci", "role": "viewer", "hash": hash_key("cgw_the-key")}]
    settings = Settings(
        aws_region=DEMO_REGION, auth_mode="api-key", api_keys=api_keys, host="127.0.0.1", port=0,
        auth_failure_rate_per_minute=1, auth_failure_burst=2, metrics_port=0,
    )  # fmt: skip
    app = create_app(settings, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS)
    statuses = []
    async with serving(app, settings) as http:
        for attempt in range(3):
            headers = {"X-API-Key": "cgw_guess", "X-Forwarded-For": f"198.51.100.{attempt}"}
            response = await http.post("/graphql", json={"query": "{ me { subject } }"}, headers=headers)
            statuses.append(response.status_code)

    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("name", ["cost past 2^63", "cost past 2^63, twelve hops"])
async def test_the_connection_serves_the_next_request_after_a_costly_query(backend, cognito, name):
    """A cost past 64 bits once made the response a plain 500 after which uvicorn closed the connection
    unannounced: the next request on it was reset."""
    app = create_app(SETTINGS, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS)
    async with serving(app) as http:
        costly = await http.post("/graphql", json={"query": HOSTILE[name].document})
        after = await http.post("/graphql", json={"query": "{ me { subject } }"})

    assert costly.status_code == 200 and costly.json()["errors"], costly.text
    assert after.json() == {"data": {"me": {"subject": "anonymous"}}}
    assert connection(after) is connection(costly)


async def test_an_unexpected_exception_answers_a_whole_500_and_keeps_the_connection(backend, cognito, caplog):
    app = create_app(SETTINGS, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS)

    @app.get("/fails")
    async def fails() -> None:
        raise RuntimeError("a bug")

    async with serving(app) as http:
        failed = await http.get("/fails")
        after = await http.get("/healthz")

    assert failed.status_code == 500
    assert failed.json()["errors"] == [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}]
    assert "x-request-id" in failed.headers
    assert after.status_code == 200
    assert connection(after) is connection(failed)
    assert "RuntimeError: a bug" in caplog.text  # the trace is logged, never sent


async def test_metrics_are_served_on_a_port_of_their_own(backend, cognito):
    """GATEWAY_METRICS_PORT: scrapers reach /metrics there, and only /metrics; the API's port has none."""
    settings = SETTINGS.model_copy(update={"metrics_port": closed_port()})
    app = create_app(settings, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS)
    async with serving(app, settings) as http:
        await http.post("/graphql", json={"query": "{ me { subject } }"})
        on_api_port = await http.get("/metrics")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.metrics_port}", trust_env=False) as scraper:
            scraped = await scraper.get("/metrics")
            graphql = await scraper.post("/graphql", json={"query": "{ me { subject } }"})

    assert on_api_port.status_code == 404
    assert scraped.status_code == 200
    assert 'cognito_gateway_graphql_operations_total{name="anonymous",type="query"} 1.0' in scraped.text
    assert graphql.status_code == 404
