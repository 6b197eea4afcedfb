"""The pools' index states as searches and ``indexStatus`` read them: kept in memory while the database says nothing
changed since they were read (``store.changes``), read again when it may have. A search needs its pool's state (is
it READY, and at which revision are its columns) and would otherwise pay a database round trip for it every time."""

from __future__ import annotations

from gateway.directory.records import PoolIndex
from gateway.directory.repository import IndexRepository


class PoolStates:
    def __init__(self, repository: IndexRepository) -> None:
        self.repository = repository
        self._version: object | None = None
        self._states: dict[str, PoolIndex] = {}

    async def state(self, user_pool_id: str) -> PoolIndex:
        changes = self.repository.database.changes
        version = changes.version()
        if version is None:
            return await self.repository.state(user_pool_id)
        if version != self._version:
            self._states, self._version = {}, version
        known = self._states.get(user_pool_id)
        if known is not None:
            return known
        state = await self.repository.state(user_pool_id)
        if changes.version() == version:  # else a commit landed while it was read: it may be older than that
            self._states[user_pool_id] = state
        return state
