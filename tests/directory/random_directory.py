"""Random users with the awkward values (case, non-ASCII, LIKE and FTS syntax, numbers and dates and neither, values
too long for the columns' byte arrays, missing ones) and random searches over them, for the tests that compare the
in-memory columns with SQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.directory.search import Condition, Search, SearchOperator, Sort, SortDirection
from gateway.store import Database

POOL = "eu-west-1_Random"
GROUPS = ["eng", "Eng", "sales", "ops", "été"]
NAMES = ["ada", "Bob", "carol", "Dave", "ève", "Zoë", "o'neil", "a_b", "x%y", "ÅSA", "li", "Ω"]
DOMAINS = ["example.com", "Example.org", "test.net", "ÉCOLE.fr"]
TIERS = ["gold", "Gold", "silver", "bronze", "gold "]
SCORES = ["1", "9", "10", "-3.5", "1e3", "007", "100.0", "n/a", "", "12abc"]
DATES = ["1990-05-01", "1985-12-24T10:00:00Z", "2024-02-30", "2001-01-01T00:00:00+02:00", "yesterday"]
STATUSES = ["CONFIRMED", "UNCONFIRMED", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD", None]
START = datetime(2024, 1, 1, tzinfo=UTC)
FIELDS = [
    "username",
    "userStatus",
    "enabled",
    "group",
    "userCreateDate",
    "userLastModifiedDate",
    "email",
    "name",
    "custom:tier",
    "custom:score",
    "birthdate",
    "custom:long",
    "custom:none",
]
Op = SearchOperator


def random_users(rng: random.Random, count: int) -> list[IndexedUser]:
    made = []
    for n in range(count):
        given = rng.choice(NAMES)
        attributes = {"sub": f"sub-{n}"}
        if rng.random() < 0.9:
            attributes["email"] = f"{given}.{n}@{rng.choice(DOMAINS)}"
        if rng.random() < 0.6:
            attributes["name"] = f"{given.title()} {rng.choice(NAMES)}"
        for name, choices, share in (
            ("custom:tier", TIERS, 0.7),
            ("custom:score", SCORES, 0.8),
            ("birthdate", DATES, 0.5),
        ):
            if rng.random() < share:
                attributes[name] = rng.choice(choices)
        if rng.random() < 0.1:  # longer than the byte arrays keep: searched apart
            attributes["custom:long"] = ("ünïcode " * 40) + given
        made.append(
            IndexedUser(
                username=f"{given}{n}" if rng.random() < 0.8 else f"{given.upper()}-{n}",
                attributes=attributes,
                user_status=rng.choice(STATUSES),
                enabled=rng.random() < 0.8,
                user_create_date=START + timedelta(days=rng.randrange(30)) if rng.random() < 0.9 else None,
                user_last_modified_date=START + timedelta(hours=rng.randrange(5)),
                groups=frozenset(rng.sample(GROUPS, rng.randrange(3))),
            )
        )
    return made


def operand(rng: random.Random, users: list[IndexedUser], field: str) -> str:
    """A value worth comparing with: some user's (whole, cut, or its case changed), or something else."""
    if field == "enabled":
        return rng.choice(["true", "false"])
    if field in ("userCreateDate", "userLastModifiedDate"):
        return (START + timedelta(days=rng.randrange(30), hours=rng.randrange(5))).isoformat()
    if field == "group":
        return rng.choice([*GROUPS, "nobody"])
    user = rng.choice(users)
    value = {"username": user.username, "userStatus": user.user_status or "x"}.get(field)
    if value is None:
        value = user.attributes.get(field, rng.choice(["zz", "5", "1990-01-01", "é"]))
    cut = rng.random()
    if cut < 0.3 and len(value) > 2:
        start = rng.randrange(len(value) - 1)
        value = value[start : start + rng.randrange(1, 6)]
    elif cut < 0.5:
        value = value.swapcase()
    return value


def random_condition(rng: random.Random, users: list[IndexedUser]) -> Condition:
    field = rng.choice(FIELDS)
    operators = list(Op)
    if field in ("group", "enabled"):
        operators = [Op.EQUALS, Op.NOT_EQUALS, Op.IN, Op.NOT_IN, Op.EXISTS, Op.NOT_EXISTS]
    elif field in ("userCreateDate", "userLastModifiedDate"):
        operators = [o for o in Op if o not in (Op.STARTS_WITH, Op.ENDS_WITH, Op.CONTAINS)]
    operator = rng.choice(operators)
    if operator in (Op.EXISTS, Op.NOT_EXISTS):
        return Condition(field, operator)
    if operator in (Op.IN, Op.NOT_IN):
        return Condition(field, operator, values=[operand(rng, users, field) for _ in range(rng.randrange(1, 4))])
    return Condition(field, operator, operand(rng, users, field))


def random_search(rng: random.Random, users: list[IndexedUser]) -> Search:
    text = None
    if rng.random() < 0.3:
        text = " ".join(operand(rng, users, rng.choice(["email", "name", "username"])) for _ in range(rng.randrange(3)))
    sortable = [f for f in FIELDS if f != "group"]
    return Search(
        POOL,
        text=text,
        conditions=[random_condition(rng, users) for _ in range(rng.randrange(3))],
        sort=[
            Sort(rng.choice(sortable), rng.choice([SortDirection.ASC, SortDirection.DESC]))
            for _ in range(rng.randrange(3))
        ],
        first=rng.randrange(1, 8),
    )


async def index_ready(database: Database, users: list[IndexedUser], pool: str = POOL) -> IndexRepository:
    """The users (and GROUPS) in a READY index of ``pool``."""
    repository = IndexRepository(database)
    await repository.upsert_groups(pool, [IndexedGroup(name) for name in GROUPS])
    await repository.upsert_users(pool, users)
    await repository.update_state(pool, state=IndexState.READY)
    return repository
