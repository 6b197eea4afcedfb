"""Searches on the in-memory columns give exactly what SQL gives: a few hundred random searches (every field and
operator, text, sorts walked page by page, counts and facets) over random users with the awkward values, on both
engines."""

from __future__ import annotations

import random

from gateway.directory.search import InvalidSearch, Search
from tests.directory.both_ways import Searching
from tests.directory.random_directory import FIELDS, index_ready, random_search, random_users


async def test_random_searches_give_what_sql_gives(database):
    rng = random.Random(8)
    users = random_users(rng, 150)
    await index_ready(database, users)
    searching = Searching(database)
    compared = matched = 0
    for _ in range(150):
        search = random_search(rng, users)
        try:
            both = await searching(search)
        except InvalidSearch:
            continue
        total = await both.total_count()
        await both.facets(rng.sample(FIELDS, 3))
        pages, after = 0, None
        while pages < 3:
            page = await (await searching(Search(**{**vars(search), "after": after}))).page()
            pages += 1
            if not page.has_next_page:
                break
            after = page.hits[-1].position
        compared += 1
        matched += total > 0
    assert compared > 100 and matched > 50  # the random searches did find users, most of the time
