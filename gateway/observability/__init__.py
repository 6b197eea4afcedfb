"""Metrics (Prometheus), JSON logs with a request ID, and optional OpenTelemetry tracing."""

from __future__ import annotations

import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.logs import configure_logging, request_id, uvicorn_log_config
from gateway.observability.metrics import Metrics

__all__ = ["Metrics", "RequestObserver", "configure_logging", "uvicorn_log_config"]

_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other is labelled `other`


class RequestObserver:
    """ASGI middleware: the request ID for the logs and the response, and the HTTP duration by route template.
    Outermost, so refusals and 404s carry the ID too. The ID is an incoming sane ``X-Request-ID``, else 128
    random bits in hex (a uuid4's form at a quarter of ``uuid4().hex``'s cost)."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self._templates: dict[object, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = next((value for name, value in scope["headers"] if name == b"x-request-id"), None)
        raw_id = incoming if incoming and _SANE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex().encode()
        token = request_id.set(raw_id.decode())
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", raw_id)]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
            if self.metrics is not None:
                route = self._template(scope)
                method = scope["method"] if scope["method"] in _METHODS else "other"
                self.metrics.http_duration[method, route, str(status)].observe(time.perf_counter() - started)

    def _template(self, scope: Scope) -> str:
        """The route template of the matched route (never the raw path)."""
        route = getattr(scope.get("route"), "path", None)
        if route is not None:
            return route
        # FastAPI's router records only its own routes in the scope; plain routes (/graphql) by their endpoint.
        if self._templates is None:
            self._templates = {
                route.endpoint: route.path for route in scope["app"].routes if hasattr(route, "endpoint")
            }
        return self._templates.get(scope.get("endpoint"), "unmatched")
