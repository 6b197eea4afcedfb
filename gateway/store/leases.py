"""A lease's claims and its release, kept in order.

A claim is a whole write (gateway.store.database.whole): cancelled, its caller stops waiting but the claim runs to its
end. One under way when its holder stops (a restart, a shutdown) could land after the release and take the lease
back, leaving it held by no one who works on it until it runs out. :class:`Lease` keeps track of its claims until
they land, and releases only after them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Lease:
    """One holder's lease: ``claim`` takes or extends it (True when held), ``release`` gives it up."""

    def __init__(self, claim: Callable[[], Awaitable[bool]], release: Callable[[], Awaitable[None]]) -> None:
        self._claim = claim
        self._release = release
        self._landing: set[asyncio.Future[bool]] = set()  # claims not landed yet

    async def claim(self) -> bool:
        attempt = asyncio.ensure_future(self._claim())
        self._landing.add(attempt)
        attempt.add_done_callback(self._landing.discard)
        return await asyncio.shield(attempt)

    async def release(self) -> None:
        """After the claims under way have landed (whatever their outcome)."""
        await asyncio.gather(*self._landing, return_exceptions=True)
        await self._release()
