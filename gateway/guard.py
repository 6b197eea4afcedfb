"""What a GraphQL request passes before Strawberry sees it: the body size cap, authentication and the
per-caller rate limit. A refusal is a GraphQL-shaped error body (``errors[0].extensions.code``) and nothing
executes."""

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
from gateway.settings import Settings
from gateway.token_bucket import TokenBucket

logger = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class RequestGuard:
    def __init__(self, settings: Settings, authenticator: Authenticator, clock: Callable[[], float] = time.monotonic):
        self.authenticator = authenticator
        self._max_body = settings.max_body_bytes
        self._rate = settings.rate_limit_per_second
        self._burst = settings.rate_limit_burst
        self._buckets: dict[str, TokenBucket] = {}
        self._clock = clock
        self._challenge = {"jwt": 'Bearer realm="cognito-gateway"', "api-key": 'ApiKey realm="cognito-gateway"'}.get(
            authenticator.mode
        )

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
        try:
            return await self.authenticator.authenticate(request.headers)
        except AuthenticationError as error:
            # The reason is safe to log and to return: it never quotes the credential.
            logger.warning("authentication refused: %s", error.reason)
            headers = {"WWW-Authenticate": self._challenge} if self._challenge else None
            raise Refused(error_response(401, "UNAUTHENTICATED", f"Not authenticated: {error.reason}.", headers))

    def check_rate(self, caller: Caller) -> None:
        if not self._rate:
            return
        now = self._clock()
        bucket = self._buckets.get(caller.subject)
        if bucket is None:
            bucket = self._buckets[caller.subject] = TokenBucket(self._rate, self._burst, now)
        wait = bucket.try_take(now)
        if wait:
            raise Refused(
                error_response(
                    429,
                    "RATE_LIMITED",
                    f"Too many requests from {caller.subject}: at most {self._rate:g}/s (burst {self._burst}).",
                    {"Retry-After": str(math.ceil(wait))},
                )
            )


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
