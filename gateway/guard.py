"""What a GraphQL request passes before Strawberry sees it: the body size cap, authentication (with a budget of
failed attempts per client address) and the per-caller rate limit. A refusal is a GraphQL-shaped error body
(``errors[0].extensions.code``) and nothing executes.

The client address is ``request.client``: the TCP peer, or what a trusted proxy put in X-Forwarded-For
(``GATEWAY_TRUSTED_PROXIES``, applied by uvicorn's ProxyHeadersMiddleware in :mod:`gateway.app`)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive

from gateway.auth import AuthenticationError, Caller
from gateway.auth.authenticator import Authenticator
from gateway.observability.metrics import Metrics
from gateway.settings import Settings
from gateway.shared.buckets import SharedBuckets
from gateway.shared.state import SharedState

logger = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal as a GraphQL response: nothing executed, so no ``data`` entry. It is ``application/json``; the
    view relabels it in the type the request's Accept header chose."""
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class RequestGuard:
    """The per-caller rate limit and the failed-authentication budget are token buckets shared by every replica
    through ``shared`` (Redis) when it is configured: a caller spread over N replicas by a load balancer gets the
    configured rate in all, not N times it."""

    def __init__(
        self,
        settings: Settings,
        authenticator: Authenticator,
        clock: Callable[[], float] = time.monotonic,
        *,
        shared: SharedState | None = None,
        metrics: Metrics | None = None,
    ):
        self.authenticator = authenticator
        self._max_body = settings.max_body_bytes
        self._rate = settings.rate_limit_per_second
        self._burst = settings.rate_limit_burst
        limits = {"max_entries": settings.rate_limit_max_entries, "clock": clock, "metrics": metrics}
        self._callers = SharedBuckets("caller", shared, **limits) if self._rate else None
        self._failure_rate = settings.auth_failure_rate_per_minute
        self._failure_burst = settings.auth_failure_burst
        self._failures = (
            SharedBuckets("auth-failures", shared, **limits)
            if self._failure_rate and authenticator.mode != "none"
            else None
        )
        self._challenge = {"jwt": 'Bearer realm="cognito-gateway"', "api-key": 'ApiKey realm="cognito-gateway"'}.get(
            authenticator.mode
        )

    @property
    def callers_tracked(self) -> int:
        """Callers whose rate-limit bucket is kept (not full, among the most recent)."""
        return len(self._callers) if self._callers is not None else 0

    @property
    def addresses_tracked(self) -> int:
        """Client addresses whose failed-authentication bucket is kept."""
        return len(self._failures) if self._failures is not None else 0

    async def read_body(self, request: Request) -> bytes:
        """The body, refused past the cap without reading the rest (Content-Length is checked first)."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body:
            raise Refused(self._too_large())
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._max_body:
                raise Refused(self._too_large())
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> Response:
        return error_response(413, "PAYLOAD_TOO_LARGE", f"The request body is over {self._max_body} bytes.")

    async def authenticate(self, request: Request) -> Caller:
        address = request.client.host if request.client else "unknown"
        # An address over its budget of failures is refused before its credential is looked at, valid or not:
        # a flood then costs no JWKS fetch and no hash.
        failures = (self._failure_rate / 60, self._failure_burst)
        wait = await self._failures.wait(address, *failures) if self._failures is not None else 0.0
        if wait:
            raise _rate_limited(
                f"Too many failed authentication attempts from this address: at most {self._failure_rate:g} "
                f"a minute (burst {self._failure_burst}).",
                wait,
            )
        try:
            return await self.authenticator.authenticate(request.headers)
        except AuthenticationError as error:
            if self._failures is not None:
                await self._failures.take(address, *failures)
            # The reason is safe to log and to return: it never quotes the credential.
            logger.warning("authentication refused: %s", error.reason, extra={"client": address})
            headers = {"WWW-Authenticate": self._challenge} if self._challenge else None
            raise Refused(error_response(401, "UNAUTHENTICATED", f"Not authenticated: {error.reason}.", headers))

    async def check_rate(self, caller: Caller) -> None:
        if self._callers is None:
            return
        wait = await self._callers.take(caller.subject, self._rate, self._burst)
        if wait:
            raise _rate_limited(
                f"Too many requests from {caller.subject}: at most {self._rate:g}/s (burst {self._burst}).", wait
            )


def _rate_limited(message: str, wait: float) -> Refused:
    """HTTP 429 ``RATE_LIMITED``, with ``Retry-After`` in whole seconds."""
    return Refused(error_response(429, "RATE_LIMITED", message, {"Retry-After": str(math.ceil(wait))}))


def replay(body: bytes) -> Receive:
    """A ``receive`` that hands the already-read body to the next app."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
