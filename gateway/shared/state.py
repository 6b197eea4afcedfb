"""The connection to the Redis every replica shares (``GATEWAY_REDIS_URL``), and what happens when it is gone.

Redis only ever makes the gateway more exact, never less available: each use of it is one short command or script
with a timeout, and any failure (refused, timed out, a Redis restarting) turns this replica to its local fallback at
once (:class:`~gateway.shared.buckets.SharedBuckets`: a budget of rate / ``GATEWAY_EXPECTED_REPLICAS``), says so in
the log, in the ``cognito_gateway_shared_state_up`` gauge and in ``/readyz``'s detail, and fails no request. A probe
then pings Redis every :data:`PROBE_SECONDS` and turns the replica back when it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from gateway.observability.metrics import Metrics

logger = logging.getLogger(__name__)

# A command that takes longer is a Redis in trouble: the replica goes local rather than hold its requests.
COMMAND_TIMEOUT_SECONDS = 0.5
PROBE_SECONDS = 1.0


class SharedStateDown(Exception):
    """Redis cannot be used now: the caller uses its local fallback."""


class SharedState:
    """The Redis client (``url``), or none (``url`` unset: every replica keeps its own state). ``namespace`` starts
    every key, so that several gateways (staging and production, say) can share one Redis.

    :meth:`run` runs a command; it raises :class:`SharedStateDown` while Redis is down, and a failing command marks
    it down. Code that keeps something in this process that Redis makes coherent (the read cache) registers with
    :meth:`on_reconnect`: what it kept while Redis was down is dropped when Redis answers again."""

    def __init__(
        self,
        url: str | None,
        *,
        namespace: str,
        expected_replicas: int = 1,
        metrics: Metrics | None = None,
        command_timeout: float = COMMAND_TIMEOUT_SECONDS,
        probe_seconds: float = PROBE_SECONDS,
    ) -> None:
        self.configured = url is not None
        self.namespace = namespace
        self.expected_replicas = expected_replicas
        self._metrics = metrics or Metrics()
        self._probe_seconds = probe_seconds
        self._client: redis.Redis | None = None
        if url is not None:
            # One retry on a new connection covers a pooled connection that a Redis restart broke; botocore-style
            # backoff would hold the request instead of falling back.
            self._client = redis.Redis.from_url(
                url,
                socket_timeout=command_timeout,
                socket_connect_timeout=command_timeout,
                retry=Retry(NoBackoff(), 1),
                client_name="cognito-gateway",
            )
        self._up = False
        self._down_since: float | None = None
        self._reason: str | None = None
        self._probe: asyncio.Task[None] | None = None
        self._reconnect_callbacks: list[Callable[[], None]] = []

    @property
    def up(self) -> bool:
        """Whether Redis is in use now (configured and answering)."""
        return self._up

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._reconnect_callbacks.append(callback)

    async def __aenter__(self) -> SharedState:
        if self._client is not None:
            try:
                await self._client.ping()
            except (RedisError, OSError) as error:
                self._went_down(error)
            else:
                self._set_up(True)
                logger.info("Redis answers: quota budgets, rate limits and cache invalidation are shared")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        if self._client is not None:
            await self._client.aclose()

    async def run(self, command: Callable[[redis.Redis], Awaitable[Any]]) -> Any:
        """``command(client)``'s answer; :class:`SharedStateDown` if Redis is not configured, down, or fails now."""
        if not self._up or self._client is None:
            raise SharedStateDown
        try:
            return await command(self._client)
        except (RedisError, OSError) as error:
            self._went_down(error)
            raise SharedStateDown from error

    def detail(self) -> dict[str, Any] | None:
        """What ``/readyz`` says of the shared state: nothing for a lone gateway (no Redis, one replica expected)."""
        if not self.configured:
            if self.expected_replicas == 1:
                return None
            return {"backend": "local", "reason": "GATEWAY_REDIS_URL is not set", "budgetShare": self.local_share}
        if self._up:
            return {"backend": "redis"}
        return {
            "backend": "local",
            "reason": f"Redis unreachable: {self._reason}",
            "downForSeconds": round(time.monotonic() - (self._down_since or time.monotonic()), 1),
            "budgetShare": self.local_share,
        }

    @property
    def local_share(self) -> float:
        """The share of each budget this replica spends while it keeps it alone."""
        return round(1 / self.expected_replicas, 4)

    def _set_up(self, up: bool) -> None:
        self._up = up
        self._metrics.shared_state_up.set(1 if up else 0)

    def _went_down(self, error: BaseException) -> None:
        if not self._up and self._down_since is not None:
            return
        self._set_up(False)
        self._down_since = time.monotonic()
        # The error's class and text name the host and the cause; the URL (and any password in it) is not in them.
        self._reason = f"{type(error).__name__}: {error}"[:300]
        logger.warning(
            "Redis is unreachable (%s): serving on a local budget of 1/%d of each Cognito quota until it answers",
            self._reason,
            self.expected_replicas,
        )
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._probe_until_up())

    async def _probe_until_up(self) -> None:
        assert self._client is not None
        while True:
            await asyncio.sleep(self._probe_seconds)
            try:
                await self._client.ping()
            except (RedisError, OSError) as error:
                self._reason = f"{type(error).__name__}: {error}"[:300]
                continue
            for callback in self._reconnect_callbacks:
                callback()
            self._down_since = None
            self._reason = None
            self._set_up(True)
            logger.info("Redis answers again: quota budgets, rate limits and cache invalidation are shared")
            return
