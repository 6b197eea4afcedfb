"""The search compiler on both engines: every operator of DESIGN.md section 8 and its easy-to-get-wrong details,
sorting with keyset positions, exact counts, facets, and bad input refused before any query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.search import (
    CompiledSearch,
    Condition,
    InvalidSearch,
    Search,
    SearchOperator,
    Sort,
    SortDirection,
)
from gateway.store.tables import users
from tests.directory.both_ways import Searching

POOL = "eu-west-1_Search"
OTHER_POOL = "eu-west-1_Other"
START = datetime(2024, 1, 1, tzinfo=UTC)
Op = SearchOperator


def user(username, attributes=None, *, status="CONFIRMED", enabled=True, day=0, groups=()):
    return IndexedUser(
        username=username,
        attributes=attributes or {},
        user_status=status,
        enabled=enabled,
        user_create_date=START + timedelta(days=day),
        user_last_modified_date=START + timedelta(days=day, hours=1),
        groups=frozenset(groups),
    )


USERS = [
    user(
        "ada",
        {"email": "Ada.Lovelace@Example.com", "name": "Ada Lovelace", "custom:tier": "gold", "custom:age": "36"},
        day=0,
        groups=["eng", "admins"],
    ),
    user(
        "Bob",
        {"email": "bob@example.org", "name": "Bob Stone", "custom:tier": "Gold", "custom:age": "9"},
        status="UNCONFIRMED",
        day=1,
        groups=["eng"],
    ),
    user(
        "carol",
        {"email": "carol@test.net", "custom:tier": "silver", "custom:age": "100", "birthdate": "1990-05-01"},
        enabled=False,
        day=2,
        groups=["sales"],
    ),
    user("dave", {"email": "dave@example.com", "birthdate": "1985-12-24"}, status="RESET_REQUIRED", day=3),
    user("eve_x", {"email": "eve%x@example.com", "custom:tier": "gold"}, day=4, groups=["sales", "eng"]),
]


@pytest.fixture
async def index(database):
    repository = IndexRepository(database)
    await repository.upsert_groups(POOL, [IndexedGroup(name) for name in ("eng", "admins", "sales", "empty")])
    await repository.upsert_users(POOL, USERS)
    await repository.upsert_users(OTHER_POOL, [user("ada", {"email": "ada@other.com"})])  # never in POOL's results
    await repository.update_state(POOL, state=IndexState.READY)
    return repository


@pytest.fixture
def searching(database):
    return Searching(database)


async def names(searching, *conditions, text=None, sort=(), first=50):
    search = Search(POOL, text=text, conditions=list(conditions), sort=list(sort), first=first)
    page = await (await searching(search)).page()
    found = [hit.user.username for hit in page.hits]
    return found if sort else sorted(found)


def cond(field, operator, value=None, values=None):
    return Condition(field, operator, value, values)


async def test_equals_compares_exactly_case_and_all(searching, index, database):
    assert await names(searching, cond("custom:tier", Op.EQUALS, "gold")) == ["ada", "eve_x"]
    assert await names(searching, cond("custom:tier", Op.EQUALS, "Gold")) == ["Bob"]
    assert await names(searching, cond("username", Op.EQUALS, "bob")) == []
    assert await names(searching, cond("username", Op.EQUALS, "Bob")) == ["Bob"]


async def test_in_compares_exactly(searching, index, database):
    assert await names(searching, cond("custom:tier", Op.IN, values=["Gold", "silver"])) == ["Bob", "carol"]
    assert await names(searching, cond("username", Op.IN, values=["ada", "dave", "nobody"])) == ["ada", "dave"]
    assert await names(searching, cond("userStatus", Op.IN, values=["UNCONFIRMED", "RESET_REQUIRED"])) == [
        "Bob",
        "dave",
    ]


async def test_not_equals_and_not_in_match_users_lacking_the_attribute(searching, index, database):
    assert await names(searching, cond("custom:tier", Op.NOT_EQUALS, "gold")) == ["Bob", "carol", "dave"]
    assert await names(searching, cond("custom:tier", Op.NOT_IN, values=["gold", "Gold"])) == ["carol", "dave"]
    assert await names(searching, cond("username", Op.NOT_IN, values=["ada", "Bob"])) == ["carol", "dave", "eve_x"]


async def test_starts_ends_contains_ignore_case(searching, index, database):
    assert await names(searching, cond("email", Op.STARTS_WITH, "ADA.")) == ["ada"]
    assert await names(searching, cond("email", Op.ENDS_WITH, "EXAMPLE.COM")) == ["ada", "dave", "eve_x"]
    assert await names(searching, cond("email", Op.CONTAINS, "Example")) == ["Bob", "ada", "dave", "eve_x"]
    assert await names(searching, cond("custom:tier", Op.CONTAINS, "ol")) == ["Bob", "ada", "eve_x"]  # < 3 chars
    assert await names(searching, cond("username", Op.STARTS_WITH, "b")) == ["Bob"]
    assert await names(searching, cond("username", Op.ENDS_WITH, "ROL")) == ["carol"]
    assert await names(searching, cond("username", Op.CONTAINS, "AV")) == ["dave"]
    assert await names(searching, cond("userStatus", Op.STARTS_WITH, "reset")) == ["dave"]


async def test_like_wildcards_in_operands_are_literal(searching, index, database):
    assert await names(searching, cond("email", Op.CONTAINS, "%x@")) == ["eve_x"]
    assert await names(searching, cond("username", Op.CONTAINS, "_")) == ["eve_x"]
    assert await names(searching, cond("email", Op.STARTS_WITH, "%")) == []


async def test_exists_and_not_exists(searching, index, database):
    assert await names(searching, cond("birthdate", Op.EXISTS)) == ["carol", "dave"]
    assert await names(searching, cond("custom:tier", Op.NOT_EXISTS)) == ["dave"]
    assert await names(searching, cond("username", Op.NOT_EXISTS)) == []


async def test_greater_and_less_compare_numbers_as_numbers(searching, index, database):
    # As strings "9" > "36" > "100"; as numbers 100 > 36 > 9.
    assert await names(searching, cond("custom:age", Op.GREATER_THAN, "10")) == ["ada", "carol"]
    assert await names(searching, cond("custom:age", Op.LESS_THAN, "36")) == ["Bob"]


async def test_greater_and_less_compare_dates_as_instants(searching, index, database):
    assert await names(searching, cond("birthdate", Op.GREATER_THAN, "1989-01-01")) == ["carol"]
    assert await names(searching, cond("userCreateDate", Op.GREATER_THAN, "2024-01-03T00:00:00Z")) == ["dave", "eve_x"]
    assert await names(searching, cond("userLastModifiedDate", Op.LESS_THAN, "2024-01-01T02:00:00+01:00")) == []
    assert await names(searching, cond("userLastModifiedDate", Op.LESS_THAN, "2024-01-01T02:00:00Z")) == ["ada"]


async def test_greater_and_less_compare_other_strings_ignoring_case(searching, index, database):
    assert await names(searching, cond("custom:tier", Op.GREATER_THAN, "h")) == ["carol"]
    assert await names(searching, cond("email", Op.LESS_THAN, "C")) == ["Bob", "ada"]


async def test_group_semantics(searching, index, database):
    assert await names(searching, cond("group", Op.EQUALS, "eng")) == ["Bob", "ada", "eve_x"]
    assert await names(searching, cond("group", Op.IN, values=["admins", "sales"])) == ["ada", "carol", "eve_x"]
    assert await names(searching, cond("group", Op.NOT_EQUALS, "eng")) == ["carol", "dave"]
    assert await names(searching, cond("group", Op.NOT_IN, values=["eng", "sales"])) == ["dave"]
    assert await names(searching, cond("group", Op.EXISTS)) == ["Bob", "ada", "carol", "eve_x"]
    assert await names(searching, cond("group", Op.NOT_EXISTS)) == ["dave"]


async def test_enabled_and_status(searching, index, database):
    assert await names(searching, cond("enabled", Op.EQUALS, "false")) == ["carol"]
    assert await names(searching, cond("enabled", Op.NOT_IN, values=["false"])) == ["Bob", "ada", "dave", "eve_x"]
    assert await names(searching, cond("userStatus", Op.NOT_EQUALS, "CONFIRMED")) == ["Bob", "dave"]


async def test_conditions_and_together(searching, index, database):
    found = await names(searching, cond("group", Op.EQUALS, "eng"), cond("custom:tier", Op.EQUALS, "gold"))
    assert found == ["ada", "eve_x"]


async def test_text_tokens_each_match_some_field_ignoring_case(searching, index, database):
    assert await names(searching, text="LOVELACE") == ["ada"]
    assert await names(searching, text="example  stone") == ["Bob"]  # two tokens, two fields of one user
    assert await names(searching, text="ca") == ["carol"]  # shorter than a trigram: a scan
    assert await names(searching, text="example nobody") == []
    assert await names(searching, text="gold") == []  # custom:tier is not a text field
    assert await names(searching, text="lovelace\tada") == ["ada"]


async def test_text_token_never_spans_two_fields(searching, index, database):
    # search_text joins username and email with a newline: "ada\nada.lovelace..." holds no "ada ada".
    assert await names(searching, text="adaada") == []


async def test_sort_strings_ignore_case_ties_by_username(searching, index, database):
    assert await names(searching, sort=[Sort("username")]) == ["ada", "Bob", "carol", "dave", "eve_x"]
    # gold, Gold and gold tie (case ignored) and go by username, bytewise: Bob < ada < eve_x; then silver, then none.
    found = await names(searching, sort=[Sort("custom:tier")])
    assert found == ["Bob", "ada", "eve_x", "carol", "dave"]


async def test_missing_values_sort_last_in_both_directions(searching, index, database):
    assert await names(searching, sort=[Sort("birthdate")]) == ["dave", "carol", "Bob", "ada", "eve_x"]
    assert await names(searching, sort=[Sort("birthdate", SortDirection.DESC)]) == [
        "carol",
        "dave",
        "Bob",
        "ada",
        "eve_x",
    ]


async def test_sort_numbers_as_numbers_and_dates_descending(searching, index, database):
    assert await names(searching, sort=[Sort("custom:age", SortDirection.DESC)]) == [
        "carol",
        "ada",
        "Bob",
        "dave",
        "eve_x",
    ]
    assert await names(searching, sort=[Sort("userCreateDate", SortDirection.DESC)]) == [
        "eve_x",
        "dave",
        "carol",
        "Bob",
        "ada",
    ]
    assert await names(searching, sort=[Sort("enabled"), Sort("username", SortDirection.DESC)]) == [
        "carol",
        "eve_x",
        "dave",
        "Bob",
        "ada",
    ]


@pytest.mark.parametrize(
    "sort",
    [
        [Sort("custom:tier")],
        [Sort("birthdate", SortDirection.DESC)],
        [Sort("custom:age"), Sort("userStatus", SortDirection.DESC)],
        [Sort("userCreateDate", SortDirection.DESC)],
        [],
    ],
)
async def test_keyset_pages_walk_the_whole_order_once(searching, index, database, sort):
    everything = await names(searching, sort=sort)
    walked, after = [], None
    while True:
        page = await (await searching(Search(POOL, sort=sort, first=2, after=after))).page()
        walked += [hit.user.username for hit in page.hits]
        if not page.has_next_page:
            break
        after = page.hits[-1].position
    assert walked == (everything if sort else sorted(everything))


async def test_positions_stay_stable_when_users_change_between_pages(searching, index, database):
    first = await (await searching(Search(POOL, sort=[Sort("username")], first=2))).page()
    await index.upsert_user(POOL, user("aaron"))  # sorts before the page already seen
    rest = await (
        await searching(Search(POOL, sort=[Sort("username")], first=10, after=first.hits[-1].position))
    ).page()
    assert [hit.user.username for hit in rest.hits] == ["carol", "dave", "eve_x"]


async def test_page_nodes_carry_attributes_and_groups(searching, index, database):
    page = await (await searching(Search(POOL, conditions=[cond("username", Op.EQUALS, "ada")]))).page()
    assert page.hits[0].user == USERS[0]


async def test_total_count_is_exact_and_ignores_first(searching, index, database):
    compiled = await searching(Search(POOL, conditions=[cond("email", Op.CONTAINS, "example")], first=1))
    assert len((await compiled.page()).hits) == 1
    assert await compiled.total_count() == 4


async def test_facets_count_all_matches_by_count_then_value(searching, index, database):
    compiled = await searching(Search(POOL, first=1))
    tier, group, enabled, missing = await compiled.facets(["custom:tier", "group", "enabled", "custom:none"])
    assert [(v.value, v.count) for v in tier.values] == [("gold", 2), ("Gold", 1), ("silver", 1)]
    assert [(v.value, v.count) for v in group.values] == [("eng", 3), ("sales", 2), ("admins", 1)]
    assert [(v.value, v.count) for v in enabled.values] == [("true", 4), ("false", 1)]
    assert missing.values == []
    narrowed = await searching(Search(POOL, conditions=[cond("group", Op.EQUALS, "sales")]))
    (tier,) = await narrowed.facets(["custom:tier"])
    assert [(v.value, v.count) for v in tier.values] == [("gold", 1), ("silver", 1)]


async def test_facets_keep_at_most_100_values(searching, database):
    repository = IndexRepository(database)
    await repository.upsert_users(POOL, [user(f"u{n:03}", {"custom:n": f"v{n:03}"}) for n in range(120)])
    (facet,) = await (await searching(Search(POOL))).facets(["custom:n"])
    assert len(facet.values) == 100 and facet.values[0].value == "v000"


@pytest.mark.parametrize(
    "search",
    [
        Search(POOL, first=0),
        Search(POOL, first=501),
        Search(POOL, sort=[Sort("group")]),
        Search(POOL, conditions=[Condition("custom:tier", Op.IN)]),
        Search(POOL, conditions=[Condition("custom:tier", Op.EQUALS)]),
        Search(POOL, conditions=[Condition("custom:tier", Op.EXISTS, "x")]),
        Search(POOL, conditions=[Condition("group", Op.CONTAINS, "e")]),
        Search(POOL, conditions=[Condition("enabled", Op.EQUALS, "yes")]),
        Search(POOL, conditions=[Condition("userCreateDate", Op.GREATER_THAN, "yesterday")]),
        Search(POOL, conditions=[Condition("", Op.EXISTS)]),
        Search(POOL, after="not a position"),
        Search(POOL, after="[1]"),
        Search(POOL, after='["x", "y"]'),
    ],
)
async def test_bad_input_is_refused_before_any_query(searching, database, search):
    with pytest.raises(InvalidSearch):
        await searching(search)


async def _plan(database, compiled) -> str:
    statement = select(users.c.id).where(compiled.where)
    async with database.connect() as connection:
        sql = statement.compile(connection.sync_connection, compile_kwargs={"literal_binds": True})
        if database.dialect == "postgresql":
            # A few thousand rows are cheap to read whole; what matters is that the trigram index can answer.
            await connection.execute(text("SET enable_seqscan = off"))
            return "\n".join((await connection.execute(text(f"EXPLAIN {sql}"))).scalars())
        return "\n".join(row[-1] for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


async def test_the_trigram_indexes_answer_text_and_contains(searching, index, database):
    # Enough users that a scan of the pool costs more than the trigram index, and fresh statistics.
    filler = [user(f"filler{n:04}", {"email": f"filler{n:04}@corp.example"}) for n in range(2000)]
    await index.upsert_users(POOL, filler)
    async with database.connect() as connection:
        # VACUUM also flushes GIN's pending list, whose entries the planner prices as a scan.
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE" if database.dialect == "postgresql" else "ANALYZE"))

    by_text = await _plan(database, CompiledSearch(database, Search(POOL, text="lovelace")))
    by_contains = await _plan(
        database, CompiledSearch(database, Search(POOL, conditions=[cond("email", Op.CONTAINS, "lovelace")]))
    )

    if database.dialect == "postgresql":
        assert "ix_directory_users_search_text_trgm" in by_text
        assert "ix_directory_user_attributes_value_trgm" in by_contains
    else:
        assert "VIRTUAL TABLE INDEX" in by_text and "directory_users_text" in by_text
        assert "VIRTUAL TABLE INDEX" in by_contains and "directory_attributes_text" in by_contains
    assert await names(searching, text="lovelace") == ["ada"]


async def test_facets_of_a_field_also_in_a_condition_count_each_match_by_its_own_values(searching, index, database):
    # The conditions' subqueries read the same tables as the facets (attributes, memberships): each must be about
    # the matching user, not about the facet's row.
    compiled = await searching(
        Search(POOL, conditions=[cond("group", Op.EQUALS, "sales"), cond("custom:tier", Op.EQUALS, "gold")])
    )
    group, tier = await compiled.facets(["group", "custom:tier"])
    assert [(v.value, v.count) for v in group.values] == [("eng", 1), ("sales", 1)]  # eve_x alone
    assert [(v.value, v.count) for v in tier.values] == [("gold", 1)]


@pytest.mark.parametrize(
    "words", ['"lovelace', 'love"lace', "lovelace*", "NEAR(lovelace)", "lovelace OR", "a%b", "x_y"]
)
async def test_text_with_fts_or_like_syntax_is_taken_literally(searching, index, database, words):
    assert await names(searching, text=words) == []
    assert await names(searching, cond("email", Op.CONTAINS, words)) == []
