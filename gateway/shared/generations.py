"""Which cached reads of a pool are current, across replicas: a write through any replica is read through every
other at once.

Each pool has a generation in Redis, a random token that a write through any replica replaces before its answer
leaves (:meth:`CacheGenerations.bump`). A replica's read cache keeps with each entry the generation it was loaded
under and serves the entry only while that generation is still current (:meth:`CacheGenerations.current`, one
``MGET`` per lookup). A token, not a counter: a Redis that restarted empty does not count back up to a generation an
old entry holds. Not publish/subscribe alone: a message races the caller's next request to another replica, and a
message lost while a replica reconnects leaves its entries stale for the whole TTL.

Writes that name no pool bump a generation of every pool at once. While Redis is down there is no generation to
check (:data:`UNCHECKED`): entries live their TTL, as without Redis, and a replica drops all of them when Redis
answers again, since writes through the others went unseen meanwhile.
"""

from __future__ import annotations

import uuid
from typing import Final

from gateway.shared.state import SharedState, SharedStateDown

UNCHECKED: Final = None  # the generation while Redis cannot say
_ALL_POOLS: Final = "*"
# A generation's key outlives any entry loaded under it (the cache's TTL is seconds); a key that expires reads as
# no generation, which an entry loaded under a later token does not match.
KEY_SECONDS: Final = 86_400


class CacheGenerations:
    def __init__(self, state: SharedState) -> None:
        self.state = state

    @property
    def active(self) -> bool:
        return self.state.configured

    def _keys(self, pool_id: str | None) -> list[str]:
        return [self.state.key("cache", pool_id or _ALL_POOLS), self.state.key("cache", _ALL_POOLS)]

    async def current(self, pool_id: str | None) -> str | None:
        """The pool's generation now (absent: ``-``), or :data:`UNCHECKED` while Redis is down."""
        try:
            values = await self.state.run(lambda client: client.mget(self._keys(pool_id)))
        except SharedStateDown:
            return UNCHECKED
        return "|".join(value.decode() if value else "-" for value in values)

    async def bump(self, pool_id: str | None) -> None:
        """A write changed the pool (every pool, when ``pool_id`` is None): entries loaded before it are stale."""
        key = self._keys(pool_id)[0]
        try:
            await self.state.run(lambda client: client.set(key, uuid.uuid4().hex, ex=KEY_SECONDS))
        except SharedStateDown:
            pass  # the replicas learn it within their TTL; this one has dropped its own entries
