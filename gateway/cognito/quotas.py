"""Client-side request-rate limits per Cognito quota category, so the gateway never throttles itself.

Cognito's request-rate quotas are per account and region and shared by every caller; its operations are
grouped in categories (the "Quotas in Amazon Cognito" page of the developer guide; each operation's is in
:data:`gateway.cognito.operations.OPERATIONS`). The limiter keeps the gateway under each category's rate with a
token bucket per (account, region, category): a burst beyond the rate waits for its turn instead of failing with
TooManyRequestsException. With ``GATEWAY_REDIS_URL`` the buckets are in Redis and every replica spends the same
budget (gateway.shared); without it, or while Redis is down, each replica keeps its own at rate /
``GATEWAY_EXPECTED_REPLICAS``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping

from gateway.cognito.operations import DEFAULT_RATES, OPERATIONS
from gateway.observability.metrics import Metrics
from gateway.shared.buckets import SharedBuckets

# The share of each bucket that background work (the directory index's sync) leaves to interactive requests: it takes
# a token only while more than this share is left, and never goes into debt, so a request arriving during a sync
# finds its burst intact and waits no longer than it would without the sync. At a steady rate the sync still gets
# every token nobody else uses.
BACKGROUND_RESERVE = 0.25
# The share that background work off its task's critical path leaves to interactive requests and to other background
# work: a sync's group walks, which can run at any time, leave the tokens first to its ListUsers chain, whose pages
# must come one after another (each needs the last one's token) and so set the sync's length.
DEFERRED_RESERVE = 0.5
# A bucket holds this many seconds of its rate: after a quiet spell, a burst of 0.2 s worth of calls leaves at once,
# so no one second sends more than 1.2 times the quota (a full second's burst on top of the refill sent twice it).
BURST_SECONDS = 0.2

CATEGORY_OF: Mapping[str, str] = {operation: facts.category for operation, facts in OPERATIONS.items()}


def burst(rate: float) -> float:
    """A category's bucket capacity: :data:`BURST_SECONDS` of its rate, and at least one call."""
    return max(1.0, rate * BURST_SECONDS)


def check_categories(rates: Mapping[str, float]) -> Mapping[str, float]:
    """``rates`` if every key is a quota category, else a ValueError naming the unknown ones."""
    unknown = sorted(set(rates) - set(DEFAULT_RATES))
    if unknown:
        raise ValueError(f"unknown quota categories {unknown}; known: {sorted(DEFAULT_RATES)}")
    return rates


class QuotaLimiter:
    """Waits before a call whose category is over its rate in that region. Calls are served in arrival order:
    each takes its token at once (the bucket may go into debt), then sleeps until the debt is paid.

    The buckets are ``buckets``: this process's own, or shared through Redis by every replica of the account
    (:class:`~gateway.shared.buckets.SharedBuckets`, keyed by ``account``, region and category)."""

    def __init__(
        self,
        rates: Mapping[str, float] = DEFAULT_RATES,
        *,
        buckets: SharedBuckets | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        metrics: Metrics | None = None,
    ) -> None:
        self.rates = {**DEFAULT_RATES, **check_categories(rates)}
        self._metrics = metrics or Metrics()
        self._buckets = buckets if buckets is not None else SharedBuckets("quota", clock=clock, metrics=self._metrics)
        self._sleep = sleep
        self.account = "default"  # the AWS account whose budgets these are: set once known (GetCallerIdentity)
        self.waits: Counter[str] = Counter()  # calls that had to wait, per category

    async def acquire(self, region: str, operation: str, *, reserve: float = 0.0) -> float:
        """Wait until ``operation`` may be sent in ``region``; returns the seconds waited. A call with a ``reserve``
        (background work: :data:`BACKGROUND_RESERVE`, :data:`DEFERRED_RESERVE`) waits behind those with a smaller
        one: until the bucket holds its token beyond that share of it."""
        category = CATEGORY_OF.get(operation)
        if category is None:
            return 0.0
        key = f"{self.account}:{region}:{category}"
        rate = self.rates[category]
        capacity = burst(rate)
        waited = 0.0
        if reserve > 0:
            keep = max(0.0, min(reserve * capacity, capacity - 1))  # reachable
            while (pause := await self._buckets.take(key, rate, capacity, keep)) > 0:
                waited += pause
                self._waited(category, pause)
                await self._sleep(pause)
            return waited
        delay = await self._buckets.reserve(key, rate, capacity)
        if delay > 0:
            self._waited(category, delay)
            await self._sleep(delay)
        return delay

    def _waited(self, category: str, seconds: float) -> None:
        self.waits[category] += 1
        self._metrics.limiter_waits.labels(category).inc()
        self._metrics.limiter_wait_seconds.labels(category).inc(seconds)
