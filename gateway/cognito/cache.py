"""A short-TTL cache of pool-level reads, shared by all requests of the process.

Pool-level objects (the pool, its groups, app clients, MFA settings, who is in which group) change rarely
and are read by every dashboard page, so within a few seconds one read serves them all. Concurrent
requests for the same entry share one call. The gateway's own mutations drop their pool's entries at
once (:meth:`ReadCache.forget_pool`), on every replica when they share a Redis (``generations``:
gateway.shared.generations); changes made outside the gateway show after at most the TTL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from gateway.cognito.operations import OPERATIONS
from gateway.observability.metrics import Metrics
from gateway.shared.generations import UNCHECKED, CacheGenerations

# The reads the cache keeps: pool-level objects, not users (marked `cached` in the operations table).
CACHED_OPERATIONS = frozenset(operation for operation, facts in OPERATIONS.items() if facts.cached)


_PURGE_ABOVE = 4096  # entries; expired ones are dropped when the cache grows past this


class ReadCache:
    """Keys are tuples whose first item names the read (the operation): hits and misses are counted by it."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        generations: CacheGenerations | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.ttl = ttl_seconds
        self._generations = generations if generations is not None and generations.active else None
        self._clock = clock
        self._metrics = metrics or Metrics()
        # key -> (expiry, the pool it belongs to, the pool's generation when loaded, the answer or the call in flight)
        self._entries: dict[Hashable, tuple[float, str | None, str | None, asyncio.Future[Any]]] = {}
        self.hits = 0
        if self._generations is not None:
            # Writes through other replicas went unseen while Redis was down.
            self._generations.state.on_reconnect(self._entries.clear)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def get_or_load(self, key: Hashable, pool_id: str | None, load: Callable[[], Awaitable[Any]]) -> Any:
        """The cached answer for ``key``, or ``load()``'s (failures are not cached). Callers must not mutate it."""
        if not self.enabled:
            return await load()
        # Read before the load starts: a write landing during the load makes this entry stale at the next lookup.
        generation = await self._generations.current(pool_id) if self._generations is not None else UNCHECKED
        now = self._clock()
        entry = self._entries.get(key)
        read = key[0] if isinstance(key, tuple) else "other"
        if entry is not None and entry[0] > now and (generation is UNCHECKED or entry[2] == generation):
            self.hits += 1
            self._metrics.cache_hits.labels(read).inc()
            return await asyncio.shield(entry[3])
        self._metrics.cache_misses.labels(read).inc()
        if len(self._entries) >= _PURGE_ABOVE:
            self._purge(now)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now + self.ttl, pool_id, generation, future)
        try:
            result = await load()
        except BaseException as error:
            if key in self._entries and self._entries[key][3] is future:
                del self._entries[key]  # failures are not cached
            if isinstance(error, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(error)
                future.exception()  # marked retrieved: the waiters re-raise it
            raise
        future.set_result(result)
        return result

    def _purge(self, now: float) -> None:
        for key in [key for key, (expiry, *_) in self._entries.items() if expiry <= now]:
            del self._entries[key]

    async def forget_pool(self, pool_id: str | None) -> None:
        """Drop a pool's entries (all entries when the pool is not known), here and on every replica."""
        if pool_id is None:
            self._entries.clear()
        else:
            for key in [key for key, (_, pool, *_) in self._entries.items() if pool == pool_id]:
                del self._entries[key]
        if self._generations is not None:
            await self._generations.bump(pool_id)
