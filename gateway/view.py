"""The GraphQL HTTP view: Strawberry's ASGI view behind the request guard, with errors in the GraphQL shape,
orjson both ways, and GraphiQL served from the gateway's own assets.

GraphQL over HTTP: the response is in the media type the ``Accept`` header prefers (gateway/negotiation.py).
A request error (one raised before any field ran) has no ``data`` entry; with
``application/graphql-response+json`` it is a 400 (the guard's refusals keep their own statuses), with
``application/json`` a 200 as clients written before that type expect. A mutation over GET is a 405."""

import json
import logging
from collections.abc import AsyncGenerator, Mapping
from urllib.parse import urlencode

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql.validation.validate import ValidationAbortedError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gateway import persisted
from gateway.auth import AuthenticationError, Caller
from gateway.graphql.context import Context
from gateway.graphql.errors import shape_error
from gateway.guard import Refused, RequestGuard, error_response, replay
from gateway.ide.page import assets_dir, ide_page
from gateway.jobs.records import MAX_USERNAMES
from gateway.negotiation import CONTENT_TYPES, GRAPHQL_RESPONSE, JSON, response_media_type

logger = logging.getLogger(__name__)


class TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go in text frames (browser clients read no others): orjson's bytes as text. A
    ``subscribe`` may name a persisted document (gateway/persisted.py) instead of sending its text."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        documents: persisted.PersistedDocuments = self.ws.app.state.documents
        async for message in super().iter_json(ignore_parsing_errors=ignore_parsing_errors):
            if (
                isinstance(message, dict)
                and message.get("type") == "subscribe"
                and isinstance(message.get("payload"), dict)
            ):
                try:
                    resolved = documents.resolve(message["payload"])
                except persisted.DocumentError as refused:
                    error = {"message": refused.message, "extensions": {"code": refused.code}}
                    await self.send_json({"id": message.get("id"), "type": "error", "payload": [error]})
                    continue
                if resolved is not None:
                    message = {**message, "payload": resolved}
            yield message

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLApp(GraphQL):
    """Strawberry's ASGI view, mounted as a plain route: FastAPI's dependency injection would cost more per
    request than executing a small query, and the view needs none of it."""

    websocket_adapter_class = TextFrames  # type: ignore[assignment]

    def __init__(self, schema: object, guard: RequestGuard) -> None:
        super().__init__(schema)  # type: ignore[arg-type]
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        if _is_ide_page(request):  # the page holds no data; the queries it sends carry credentials
            return await (await self.render_graphql_ide(request))(scope, receive, send)
        media_type = response_media_type(request.headers.get("accept"))
        if media_type is None:
            message = f"The Accept header allows neither {GRAPHQL_RESPONSE} nor {JSON}."
            return await _in_media_type(error_response(406, "NOT_ACCEPTABLE", message), JSON)(scope, receive, send)
        request.state.media_type = media_type
        try:
            body = await self.guard.read_body(request)
            caller = await self.guard.authenticate(request)
            await self.guard.check_rate(caller)
        except Refused as refusal:
            return await _in_media_type(refusal.response, media_type)(scope, receive, send)
        request.state.caller = caller
        if request.method == "POST" and _is_json(request) and body.lstrip()[:1] not in (b"{", b"["):
            # Strawberry would call `.get` on a JSON string, number or null and fail with a 500.
            refusal = error_response(400, "BAD_REQUEST", "The request body must be a JSON object.")
            return await _in_media_type(refusal, media_type)(scope, receive, send)
        try:
            if request.method == "GET":
                scope["query_string"] = self._with_persisted_query(request)
            else:
                body = self._with_persisted_document(request, body)
        except persisted.DocumentError as refused:
            status = 404 if refused.code == "PERSISTED_DOCUMENT_NOT_FOUND" else 400
            return await _in_media_type(error_response(status, refused.code, refused.message), media_type)(
                scope, receive, send
            )
        await super().__call__(scope, replay(body), send)

    def _with_persisted_query(self, request: Request) -> bytes:
        """A GET's query string with the text of the persisted document its ``documentId`` names (the spec's
        ``?documentId=...&variables=...``), or refused when it sends a text where only persisted documents run."""
        documents: persisted.PersistedDocuments = request.app.state.documents
        params = dict(request.query_params)
        resolved = documents.resolve(params) if params else None
        return request.scope["query_string"] if resolved is None else urlencode(resolved).encode()

    def _with_persisted_document(self, request: Request, body: bytes) -> bytes:
        """The body with the text of the persisted document it names (a JSON POST's ``documentId``), or refused
        when it sends a text where only persisted documents run. Bodies that cannot name one pass as they are."""
        documents: persisted.PersistedDocuments = request.app.state.documents
        if not _is_json(request) or not (documents.required or b"documentId" in body):
            return body
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body  # Strawberry refuses it, in its words
        if not isinstance(data, dict):
            return body
        resolved = documents.resolve(data)
        return body if resolved is None else orjson.dumps(resolved)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN; this one, from the gateway (gateway/ide/).
        return ide_page(assets_dir(request.app.state.settings.ide_assets_dir))

    async def run(self, request: Request | WebSocket, context: object = UNSET, root_value: object = UNSET) -> Response:
        if isinstance(request, WebSocket):
            return await super().run(request, context, root_value)  # type: ignore[arg-type]
        media_type = request.state.media_type
        try:
            response = await super().run(request, context, root_value)  # type: ignore[arg-type]
        except HTTPException as error:
            # Strawberry's refusals of malformed requests are plain text: give them the GraphQL shape.
            if isinstance(error.__cause__, InvalidOperationTypeError):  # a mutation over GET, the only such case
                refusal = error_response(405, "METHOD_NOT_ALLOWED", error.reason, {"Allow": "POST"})
            else:
                code = _HTTP_CODES.get(error.status_code, "BAD_REQUEST")
                headers = {"Allow": "GET, POST"} if error.status_code == 405 else None
                refusal = error_response(error.status_code, code, error.reason, headers)
            return _in_media_type(refusal, media_type)
        if response.headers.get("content-type") == JSON:  # a GraphQL response (not the GraphiQL page)
            if media_type == GRAPHQL_RESPONSE and getattr(request.state, "request_error", False):
                response.status_code = 400  # the spec's watershed: no data, a 4xx; legacy JSON clients keep 200
            _in_media_type(response, media_type)
        return response

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:  # type: ignore[override]
        """A websocket not authenticated by its upgrade request's headers is by its ``connection_init`` payload
        (``{"Authorization": "Bearer ..."}`` or ``{"X-API-Key": ...}``: browsers cannot set headers on a websocket);
        refused, it closes with 4403."""
        if context.caller is None:
            params = context.connection_params or {}
            headers = {str(name).lower(): value for name, value in params.items() if isinstance(value, str)}
            try:
                context.caller = await self.guard.authenticator.authenticate(headers)
            except AuthenticationError as error:
                logger.warning("websocket authentication refused: %s", error.reason)
                raise ConnectionRejectionError from None
        return UNSET

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(data.operation_name, (str, type(None))):
            # Strawberry checks the other parameters' types, and would look for an operation named `0`.
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        # Cognito's lists hold at most 200 items and a job's usernames selection 10,000: a longer list is refused
        # here, not read (and audited) whole.
        if isinstance(data, GraphQLRequestData) and _longest_list(data.variables) > MAX_LIST_ITEMS:
            raise HTTPException(400, f"A list in `variables` has more than {MAX_LIST_ITEMS} items.")
        return data  # type: ignore[return-value]

    async def get_context(self, request: Request | WebSocket, response: Response) -> Context:
        state = request.app.state
        if isinstance(request, WebSocket):
            # Its upgrade request's headers, when they authenticate; else its connection_init (on_ws_connect).
            try:
                caller: Caller | None = await self.guard.authenticator.authenticate(request.headers)
            except AuthenticationError:
                caller = None
        else:
            caller = request.state.caller
        return Context.for_request(
            state.cognito,
            caller,
            request.headers,
            state.cursors,
            getattr(state, "index", None),
            getattr(state, "jobs", None),
        )

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [shape_error(error) for error in result.errors]
            for error in result.errors:
                if isinstance(error, ValidationAbortedError):  # graphql-core's budget for comparing fields
                    error.extensions = {"code": "QUERY_TOO_COMPLEX"}
        response = process_result(result)
        if _is_request_error(result):
            del response["data"]  # the GraphQL spec: an error raised before execution leaves no `data` entry
            request.state.request_error = True
        return response

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than the stdlib on large pages of users, and UTF-8 as is. Never raises:
        # an exception here, with the status already chosen, would leave the client a plain 500.
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return _encode_what_orjson_refuses(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson's errors are JSONDecodeErrors (400) where the stdlib raises others (500): invalid UTF-8,
        # integers of more than 4300 digits.
        return orjson.loads(data)


def _encode_what_orjson_refuses(data: object) -> bytes:
    """orjson refuses integers past 64 bits, keys that are not strings, unknown types and nesting past 254
    levels; the stdlib writes the first three. What neither can write becomes an ``INTERNAL`` error."""
    try:
        return json.dumps(data, default=str, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError, RecursionError) as error:
        logger.error("A response could not be encoded as JSON (%s)", type(error).__name__)
        return UNENCODABLE


UNENCODABLE = orjson.dumps(
    {"data": None, "errors": [{"message": "The response could not be encoded.", "extensions": {"code": "INTERNAL"}}]}
)
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
MAX_LIST_ITEMS = MAX_USERNAMES


def _is_request_error(result: ExecutionResult) -> bool:
    """Whether the errors came before any field ran: parsing, validation (the gateway's limits included),
    choosing the operation, coercing the variables. None of those has a path; a field error always has one.
    An unexpected failure (INTERNAL) is not the request's fault: it keeps ``data: null``."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None and (error.extensions or {}).get("code") != "INTERNAL" for error in result.errors)
    )


def _in_media_type(response: Response, media_type: str) -> Response:
    """``response`` (a GraphQL-shaped body) labelled with the negotiated type; it varies with Accept."""
    response.headers["content-type"] = CONTENT_TYPES[media_type]
    response.headers["vary"] = "Accept"
    return response


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
