"""The FastAPI app: the lifespan owns the Cognito clients and the gateway's database; /graphql, /healthz, /readyz,
and /metrics (or the app that serves it on a port of its own)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway import __version__
from gateway.auth.authenticator import Authenticator
from gateway.cognito import CognitoGateway
from gateway.cognito.sqs import EventQueue
from gateway.console.page import console_routes
from gateway.directory.changes import ChangeApplier
from gateway.directory.queue import EventConsumer
from gateway.directory.repository import IndexRepository
from gateway.directory.sync import IndexRunner
from gateway.graphql import audit
from gateway.graphql.pagination import CursorSeal
from gateway.graphql.schema import build_schema
from gateway.guard import RequestGuard
from gateway.ide.page import ASSETS_PATH, AssetFiles, assets_dir
from gateway.jobs.downloads import download_route
from gateway.jobs.repository import JobRepository
from gateway.jobs.runner import JobRunner
from gateway.observability import Metrics, RequestObserver, configure_logging, tracing
from gateway.persisted import CONSOLE_DOCUMENTS, PersistedDocuments
from gateway.readiness import Readiness
from gateway.settings import Settings
from gateway.shared.state import SharedState
from gateway.store import open_database
from gateway.unexpected import UnexpectedErrors
from gateway.view import GraphQLApp

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    endpoint_url: str | None = None,
    credentials: dict[str, str] | None = None,
    demo: bool = False,
) -> FastAPI:
    """The gateway app. ``endpoint_url`` and ``credentials`` point it at the embedded demo backend;
    without them botocore reads the standard AWS environment. ``demo`` allows ``GATEWAY_AUTH_MODE=none``."""
    settings = settings or Settings()
    if settings.auth_mode == "none" and not (demo or settings.allow_insecure):
        raise ValueError("GATEWAY_AUTH_MODE=none lets anyone in: it needs --demo or GATEWAY_ALLOW_INSECURE=true")
    configure_logging(settings)
    authenticator = Authenticator(settings)
    audit.configure(settings.audit_log_path)
    metrics = Metrics(max_operation_names=settings.metrics_max_operation_names)
    tracer_provider = tracing.tracer_provider(settings)
    tracer = tracer_provider.get_tracer("cognito-gateway", __version__) if tracer_provider else None
    # Redis, when configured: what the replicas share (quota budgets, rate limits, the cache's invalidation).
    shared = SharedState(
        settings.redis_url.get_secret_value() if settings.redis_url else None,
        namespace=settings.redis_key_prefix,
        expected_replicas=settings.expected_replicas,
        metrics=metrics,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auth_mode == "none":
            logger.warning("authentication is off (GATEWAY_AUTH_MODE=none): every caller is an admin")
        async with (
            shared,  # Redis down does not stop the start: the replica serves on its local budget meanwhile
            open_database(settings) as database,  # migrated before the first request
            CognitoGateway(
                settings,
                endpoint_url=endpoint_url,
                credentials=credentials,
                metrics=metrics,
                tracer=tracer,
                shared=shared,
            ) as cognito,
        ):
            app.state.database = database
            app.state.cognito = cognito
            app.state.readiness = Readiness(cognito.reachable, settings.ready_check_seconds)
            # The directory index: syncs GATEWAY_INDEX_POOLS in the background, and those indexUserPool asks for.
            app.state.index = IndexRunner(IndexRepository(database), cognito, settings)
            app.state.index.start()
            # Bulk jobs: those left unfinished (a restart, a replica gone) are resumed.
            app.state.jobs = JobRunner(
                JobRepository(database),
                cognito,
                app.state.index.repository,
                lease_seconds=settings.job_lease_seconds,
            )
            app.state.jobs.start()
            async with AsyncExitStack() as consumers:
                app.state.index_events = None
                if settings.index_events_queue_url:
                    # Changes made outside the gateway, from CloudTrail through EventBridge and SQS.
                    queue = await consumers.enter_async_context(
                        EventQueue.open(
                            settings.index_events_queue_url,
                            settings,
                            endpoint_url=endpoint_url,
                            credentials=credentials,
                        )
                    )
                    applier = ChangeApplier(app.state.index.repository, cognito, app.state.index)
                    app.state.index_events = EventConsumer(queue, applier)
                    consuming = asyncio.get_running_loop().create_task(app.state.index_events.run())
                    consumers.push_async_callback(_stop, consuming)  # before the queue's client closes
                try:
                    yield
                finally:
                    await app.state.jobs.aclose()
                    await app.state.index.aclose()
                await app.state.readiness.aclose()
                await authenticator.aclose()
                if tracer_provider:
                    tracer_provider.shutdown()  # exports the spans still buffered

    app = FastAPI(title="cognito-gateway", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.draining = False  # set by the server on SIGTERM
    app.state.metrics = metrics
    app.state.tracer_provider = tracer_provider
    app.state.shared = shared
    # Documents a request may name by ID: the console's, and a team's own (GATEWAY_PERSISTED_DOCUMENTS_DIR).
    app.state.documents = PersistedDocuments(
        [CONSOLE_DOCUMENTS, *([settings.persisted_documents_dir] if settings.persisted_documents_dir else [])],
        required=settings.persisted_documents == "required",
    )
    app.state.cursors = CursorSeal(settings.cursor_key.get_secret_value() if settings.cursor_key else None)
    schema = build_schema(
        introspection=settings.introspection,
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_query_cost=settings.max_query_cost,
        max_field_selections=settings.max_field_selections,
    )
    graphql = GraphQLApp(schema, RequestGuard(settings, authenticator, shared=shared, metrics=metrics))
    app.add_route("/graphql", graphql, methods=["GET", "POST"])
    app.router.routes.append(WebSocketRoute("/graphql", graphql))  # subscriptions (jobProgress): graphql-transport-ws
    app.router.routes.append(download_route(graphql.guard))  # exports' files (a job's downloadUrl)
    app.mount(ASSETS_PATH, AssetFiles(assets_dir(settings.ide_assets_dir)))
    if settings.console:
        app.router.routes.extend(console_routes(settings))  # the admin console: a page on the graph, nothing more
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(UnexpectedErrors)  # inside the observer, so that its 500 carries the request ID
    app.add_middleware(RequestObserver, metrics=metrics)  # around CORS and refusals
    if settings.trusted_proxies:
        # Outermost: the client address every layer sees (the failed-authentication budget, the access log) is
        # the one a trusted proxy forwarded. uvicorn's own copy of this middleware is off (gateway.server).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(net) for net in settings.trusted_proxies])

    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    if settings.metrics and not settings.metrics_port:
        app.add_route("/metrics", metrics_endpoint(metrics), methods=["GET"])

    return app


# The probes are module functions reading the app from the request: FastAPI keeps the endpoints it has
# classified in caches of its own (4096 entries), and a closure over the app would keep every app made in the
# process alive, with its clients and their botocore models (the test suite makes over a thousand).
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    if state.draining:
        return JSONResponse({"status": "draining"}, status_code=503)
    ready = await state.readiness.ready()  # the last check's answer, within a second
    # Redis down is reported, never a reason to take the replica out: it serves on its local budget meanwhile.
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable"}
    if (shared := state.shared.detail()) is not None:
        body["sharedState"] = shared
    return JSONResponse(body, status_code=200 if ready else 503)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def metrics_endpoint(metrics: Metrics) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return endpoint


def metrics_app(app: FastAPI) -> Starlette:
    """``GET /metrics`` of ``app``, to serve on ``GATEWAY_METRICS_PORT``: nothing else answers there."""
    return Starlette(routes=[Route("/metrics", metrics_endpoint(app.state.metrics), methods=["GET"])])
