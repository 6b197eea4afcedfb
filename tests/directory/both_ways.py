"""Every search of the directory tests runs both ways, in SQL (``CompiledSearch``) and on the pool's in-memory columns
(``ColumnSearch``), and the two must give the same pages (users, positions), counts and facets."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.directory.column_search import ColumnSearch
from gateway.directory.columns import ColumnCache
from gateway.directory.repository import IndexRepository
from gateway.directory.search import CompiledSearch, Facet, Page, Search
from gateway.store import Database


class BothWays:
    def __init__(self, sql: CompiledSearch, columns: ColumnSearch) -> None:
        self.sql = sql
        self.columns = columns

    async def page(self) -> Page:
        expected = await self.sql.page()
        assert await self.columns.page() == expected
        return expected

    async def total_count(self) -> int:
        expected = await self.sql.total_count()
        assert await self.columns.total_count() == expected
        return expected

    async def facets(self, fields: Sequence[str]) -> list[Facet]:
        expected = await self.sql.facets(fields)
        assert await self.columns.facets(fields) == expected
        return expected


class Searching:
    """``await searching(search)``: the search compiled both ways, the columns caught up with the database first."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.cache = ColumnCache(database)

    async def __call__(self, search: Search) -> BothWays:
        compiled = CompiledSearch(self.database, search)
        state = await IndexRepository(self.database).state(search.user_pool_id)
        columns = await self.cache.columns(search.user_pool_id, state.revision, wait=True)
        assert columns is not None
        return BothWays(compiled, ColumnSearch(compiled, columns))
