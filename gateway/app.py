"""The FastAPI app: the lifespan owns the Cognito clients; /graphql, /healthz, /readyz and /metrics."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from graphql.validation.validate import ValidationAbortedError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from gateway import __version__, audit
from gateway.auth.authenticator import Authenticator
from gateway.cognito import CognitoGateway
from gateway.graphql.context import Context
from gateway.graphql.errors import shape_error
from gateway.graphql.schema import build_schema
from gateway.guard import Refused, RequestGuard, error_response, replay
from gateway.ide.page import ASSETS_PATH, AssetFiles, assets_dir, ide_page
from gateway.observability import Metrics, RequestObserver, configure_logging, tracing
from gateway.settings import Settings

logger = logging.getLogger(__name__)


class GraphQLApp(GraphQL):
    """Strawberry's ASGI view, mounted as a plain route: FastAPI's dependency injection would cost more per
    request than executing a small query, and the view needs none of it."""

    def __init__(self, schema: object, guard: RequestGuard) -> None:
        super().__init__(schema)  # type: ignore[arg-type]
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        if _is_ide_page(request):  # the page holds no data; the queries it sends carry credentials
            return await (await self.render_graphql_ide(request))(scope, receive, send)
        try:
            body = await self.guard.read_body(request)
            caller = await self.guard.authenticate(request)
            self.guard.check_rate(caller)
        except Refused as refusal:
            return await refusal.response(scope, receive, send)
        request.state.caller = caller
        if request.method == "POST" and _is_json(request) and body.lstrip()[:1] not in (b"{", b"["):
            # Strawberry would call `.get` on a JSON string, number or null and fail with a 500.
            return await error_response(400, "BAD_REQUEST", "The request body must be a JSON object.")(
                scope, receive, send
            )
        await super().__call__(scope, replay(body), send)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN; this one, from the gateway (gateway/ide/).
        return ide_page(assets_dir(request.app.state.settings.ide_assets_dir))

    async def run(self, request: Request | WebSocket, context: object = UNSET, root_value: object = UNSET) -> Response:
        # Strawberry's refusals of malformed requests are plain text: give them the GraphQL shape, same status.
        try:
            return await super().run(request, context, root_value)  # type: ignore[arg-type]
        except HTTPException as error:
            if isinstance(request, WebSocket):
                raise
            return error_response(error.status_code, _HTTP_CODES.get(error.status_code, "BAD_REQUEST"), error.reason)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        data = await super().parse_http_body(request)
        # Cognito's lists hold at most 200 items: a longer one is refused here, not sent (and audited) whole.
        if isinstance(data, GraphQLRequestData) and _longest_list(data.variables) > MAX_LIST_ITEMS:
            raise HTTPException(400, f"A list in `variables` has more than {MAX_LIST_ITEMS} items.")
        return data  # type: ignore[return-value]

    async def get_context(self, request: Request, response: Response) -> Context:
        return Context.for_request(request.app.state.cognito, request.state.caller)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [shape_error(error) for error in result.errors]
            for error in result.errors:
                if isinstance(error, ValidationAbortedError):  # graphql-core's budget for comparing fields
                    error.extensions = {"code": "QUERY_TOO_COMPLEX"}
        return process_result(result)

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than the stdlib on large pages of users, and UTF-8 as is.
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson's errors are JSONDecodeErrors (400) where the stdlib raises others (500): invalid UTF-8,
        # integers of more than 4300 digits.
        return orjson.loads(data)


_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
MAX_LIST_ITEMS = 1000


def _longest_list(value: object) -> int:
    """The length of the longest list in a JSON value (iterative: the JSON may be nested 1000 deep)."""
    longest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            longest = max(longest, len(item))
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return longest


def _is_json(request: Request) -> bool:
    return "application/json" in request.headers.get("content-type", "")


def _is_ide_page(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "query" not in request.query_params and "text/html" in accept


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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auth_mode == "none":
            logger.warning("authentication is off (GATEWAY_AUTH_MODE=none): every caller is an admin")
        async with CognitoGateway(
            settings, endpoint_url=endpoint_url, credentials=credentials, metrics=metrics, tracer=tracer
        ) as cognito:
            app.state.cognito = cognito
            try:
                yield
            finally:
                await authenticator.aclose()
                if tracer_provider:
                    tracer_provider.shutdown()  # exports the spans still buffered

    app = FastAPI(title="cognito-gateway", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.draining = False  # set by the server on SIGTERM
    app.state.metrics = metrics
    app.state.tracer_provider = tracer_provider
    schema = build_schema(
        introspection=settings.introspection,
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_query_cost=settings.max_query_cost,
    )
    graphql = GraphQLApp(schema, RequestGuard(settings, authenticator))
    app.add_route("/graphql", graphql, methods=["GET", "POST"])
    app.mount(ASSETS_PATH, AssetFiles(assets_dir(settings.ide_assets_dir)))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RequestObserver, metrics=metrics)  # added last: outermost, around CORS and refusals

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        if app.state.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        ready = await app.state.cognito.reachable()
        return JSONResponse({"status": "ready" if ready else "unavailable"}, status_code=200 if ready else 503)

    if settings.metrics:

        async def metrics_endpoint(request: Request) -> Response:
            return Response(generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

        app.add_route("/metrics", metrics_endpoint, methods=["GET"])

    return app
