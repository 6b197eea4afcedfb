"""The readiness probe's answer: the last check of Cognito, refreshed in the background.

Calling Cognito on every probe spent quota on every pod, and a hung Cognito held the probe for the call's
timeouts and retries (31 s) while Kubernetes gives up after 5. A probe now starts a check only when the last
one is older than the interval (so N probes within it cost one call), and answers from what is known: it waits
for a check it started, or for the first one, at most ``ANSWER_WITHIN_SECONDS``; a check that does not finish
within the interval counts as a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

ANSWER_WITHIN_SECONDS = 1.0


class Readiness:
    """Whether ``check`` last succeeded, checked again at most every ``interval_seconds``."""

    def __init__(self, check: Callable[[], Awaitable[bool]], interval_seconds: float) -> None:
        self._check = check
        self._interval = interval_seconds
        self._ready: bool | None = None  # None until a check has finished
        self._checked_at = -float("inf")  # when the last check finished (monotonic)
        self._running: asyncio.Task[None] | None = None

    async def ready(self) -> bool:
        """The answer for a probe, within ``ANSWER_WITHIN_SECONDS`` whatever the check does."""
        started_here = False
        if self._running is None and time.monotonic() - self._checked_at >= self._interval:
            self._running = asyncio.create_task(self._refresh())
            started_here = True
        # A check already under way when something is known does not hold the probe up.
        if self._running is not None and (started_here or self._ready is None):
            await asyncio.wait({self._running}, timeout=ANSWER_WITHIN_SECONDS)
        return self._ready is True

    async def _refresh(self) -> None:
        try:
            async with asyncio.timeout(self._interval):
                ready = await self._check()
        except TimeoutError:
            ready = False
        except Exception:
            logger.exception("the readiness check failed")
            ready = False
        if ready != self._ready:
            if ready:
                logger.info("Cognito answers: ready")
            else:
                logger.warning("Cognito did not answer the readiness check: not ready")
        self._ready = ready
        self._checked_at = time.monotonic()
        self._running = None

    async def aclose(self) -> None:
        """Stop a check still under way (at shutdown, before the clients close)."""
        if self._running is not None:
            self._running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running
