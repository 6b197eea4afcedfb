"""The token bucket behind the Cognito quota limiter (which waits) and the per-caller rate limit (which refuses)."""

from __future__ import annotations


class TokenBucket:
    """``rate`` tokens a second, holding at most ``capacity`` (a burst)."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def reserve(self, now: float) -> float:
        """Take a token (going into debt if none is left); returns how long to wait for it."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def try_take(self, now: float) -> float:
        """Take a token if one is left: returns 0, or how long until one will be (and takes nothing)."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
