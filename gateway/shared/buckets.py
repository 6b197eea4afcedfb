"""Token buckets shared by every replica: in Redis while it answers, else in this process at a share of the rate.

Each check is one Lua script run atomically in Redis, on Redis's clock (``TIME``), so replicas with clocks apart
agree, and N replicas together spend one budget: the Cognito quota of an account, region and category, or one
caller's rate limit. The script is :class:`~gateway.token_bucket.TokenBucket`'s arithmetic, so a replica behaves
the same with and without Redis: ``reserve`` takes a token into debt and returns how long to wait for it (the quota
limiter's calls then leave in arrival order across replicas), ``take`` takes one only while ``keep`` more are left
(background work's reserve; a rate limit's refusal), ``wait`` looks without taking.

Not the ``limits`` library: its strategies only refuse (no token taken in debt, so waiting calls would poll and lose
their order) and have no reserve for interactive calls. A bucket key expires once its bucket would be full again,
which is the same as no key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import redis.asyncio as redis

from gateway.observability.metrics import Metrics
from gateway.shared.state import SharedState, SharedStateDown
from gateway.token_bucket import BucketTable

# KEYS[1]: the bucket, a hash {tokens, updated}. ARGV: mode, rate, capacity, keep. Returns the seconds to wait as a
# string (Redis would truncate a Lua number to an integer).
TOKEN_BUCKET_SCRIPT = """
local mode = ARGV[1]
local rate = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
if mode == 'wait' and not state[1] then
  return '0'
end
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local wait = 0
if mode == 'reserve' then
  tokens = tokens - 1
  if tokens < 0 then wait = -tokens / rate end
elseif tokens >= 1 + keep then
  if mode == 'take' then tokens = tokens - 1 end
else
  wait = (1 + keep - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'updated', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return string.format('%.6f', wait)
"""

Mode = Literal["reserve", "take", "wait"]


class SharedBuckets:
    """Token buckets of one ``kind`` (``quota``, ``caller``, ``auth-failures``) by key, in Redis through ``state``
    when it is up, else in a :class:`~gateway.token_bucket.BucketTable` of this process where each bucket fills at
    rate / ``state.expected_replicas`` (and holds as much less): N replicas without Redis (none configured, or
    unreachable) still spend about one budget together. Without a ``state``, the local table at the full rate."""

    def __init__(
        self,
        kind: str,
        state: SharedState | None = None,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.kind = kind
        self.state = state
        self.local = BucketTable(max_entries)
        self._clock = clock
        self._metrics = metrics or Metrics()
        self._script: Any = None

    def __len__(self) -> int:
        """Keys this process keeps itself (while Redis is down, or when it has none)."""
        return len(self.local)

    async def reserve(self, key: str, rate: float, capacity: float) -> float:
        """Take a token of ``key``'s bucket, into debt if need be: the seconds to wait for it."""
        return await self._check("reserve", key, rate, capacity, 0.0)

    async def take(self, key: str, rate: float, capacity: float, keep: float = 0.0) -> float:
        """Take a token if one is left with ``keep`` more besides: 0, or the seconds until one is (nothing taken)."""
        return await self._check("take", key, rate, capacity, keep)

    async def wait(self, key: str, rate: float, capacity: float) -> float:
        """The seconds until ``key`` has a token: 0 if it has one now. Takes nothing, and keeps no new key."""
        return await self._check("wait", key, rate, capacity, 0.0)

    async def _check(self, mode: Mode, key: str, rate: float, capacity: float, keep: float) -> float:
        if self.state is not None and self.state.configured:
            try:
                return await self.state.run(lambda client: self._run_script(client, mode, key, rate, capacity, keep))
            except SharedStateDown:
                self._metrics.shared_state_fallbacks.labels(self.kind).inc()
        share = 1 / self.state.expected_replicas if self.state is not None else 1.0
        local_rate, local_capacity = rate * share, max(1.0, capacity * share)
        local_keep = min(keep * share, local_capacity - 1)
        now = self._clock()
        if mode == "reserve":
            return self.local.reserve(key, local_rate, local_capacity, now)
        if mode == "take":
            return self.local.take(key, local_rate, local_capacity, now, local_keep)
        return self.local.wait(key, now)

    async def _run_script(
        self, client: redis.Redis, mode: Mode, key: str, rate: float, capacity: float, keep: float
    ) -> float:
        if self._script is None:
            self._script = client.register_script(TOKEN_BUCKET_SCRIPT)  # EVALSHA, loading the script when missing
        assert self.state is not None
        answer = await self._script(keys=[self.state.key(self.kind, key)], args=[mode, rate, capacity, keep])
        return float(answer)
