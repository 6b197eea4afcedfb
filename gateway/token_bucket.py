"""The token bucket behind the Cognito quota limiter (which waits) and the per-caller and per-address rate limits
(which refuse), and the bounded table of buckets this process keeps. :mod:`gateway.shared.buckets` keeps the same
buckets in Redis, shared by every replica, with this table as its fallback."""

from __future__ import annotations

from collections import OrderedDict


class TokenBucket:
    """``rate`` tokens a second, holding at most ``capacity`` (a burst)."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = max(self.updated, now)

    def reserve(self, now: float) -> float:
        """Take a token (going into debt if none is left); returns how long to wait for it."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def take(self, now: float, keep: float = 0.0) -> float:
        """Take a token if one is left with ``keep`` more besides: returns 0, or how long until one will be (and
        takes nothing)."""
        wait = self.wait(now, keep)
        if not wait:
            self.tokens -= 1
        return wait

    def wait(self, now: float, keep: float = 0.0) -> float:
        """How long until a token is left with ``keep`` more besides: 0 if it is now. Takes nothing."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 + keep else (1 + keep - self.tokens) / self.rate

    def full(self, now: float) -> bool:
        return self.tokens + (now - self.updated) * self.rate >= self.capacity


class BucketTable:
    """Token buckets by key (a caller, a client address, a quota category), at most ``max_entries`` of them: a flood
    of distinct keys cannot grow memory. Each key's rate and capacity are given with each use (the same every time).

    A bucket that has refilled to full is the same as a new one, so it is dropped. Buckets are kept in the order
    they were last used, so the full ones gather at the front and each use drops them in amortized O(1); past
    ``max_entries`` the least recently used goes (its key starts again with a full bucket).

    Not the ``limits`` library: its in-process storage has no bound on keys (only expiry, by a task that walks
    every key) and no injectable clock, and its windows would change what the rate/burst settings mean."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def _bucket(self, key: str, rate: float, capacity: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, capacity, now)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def reserve(self, key: str, rate: float, capacity: float, now: float) -> float:
        """Take a token of ``key``'s bucket, into debt if need be: how long to wait for it."""
        wait = self._bucket(key, rate, capacity, now).reserve(now)
        self._prune(now)
        return wait

    def take(self, key: str, rate: float, capacity: float, now: float, keep: float = 0.0) -> float:
        """Take a token of ``key``'s bucket if one is left with ``keep`` more besides: 0, or how long until one is
        (and nothing is taken)."""
        wait = self._bucket(key, rate, capacity, now).take(now, keep)
        self._prune(now)
        return wait

    def wait(self, key: str, now: float) -> float:
        """How long until ``key`` has a token: 0 if it has one now. Takes nothing, and keeps no new key."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        self._buckets.move_to_end(key)
        wait = bucket.wait(now)
        self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        while self._buckets and next(iter(self._buckets.values())).full(now):
            self._buckets.popitem(last=False)
        while len(self._buckets) > self.max_entries:
            self._buckets.popitem(last=False)
