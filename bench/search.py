"""``python -m bench.search``: ``searchUsers`` on a large directory index, on SQLite and on PostgreSQL.

The users (100,000 by default) are written straight into the index through its repository (no Cognito, no sync);
then the app answers six query shapes of issue 14 over HTTP (in process, ASGI), each with ``totalCount`` and facets:
text, ENDS_WITH + enabled, a custom attribute IN + group, NOT_EXISTS, numeric GREATER_THAN, and the tenth page of a
sort by a custom attribute DESC (walked with cursors). Each shape's p50 and p95 are given as a multiple of a trivial
``{ __typename }`` request measured in the same run (target: p95 <= 10x trivial). PostgreSQL is the tests' (see
tests/databases.py: ``COGNITO_GATEWAY_TEST_POSTGRESQL_URL``, else a throw-away server of Debian's binaries); without
one its rows say so. Written to the "Search" section of ``bench/results.md``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import in_process, report
from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.settings import Settings
from gateway.store import open_database

POOL = "us-east-1_BenchSearch"
GROUPS = [f"team-{n:02}" for n in range(20)]
GIVEN = ["ann", "bob", "carla", "dmitri", "eve", "farid", "grace", "hana", "ivan", "jun", "kofi", "lena"]
FAMILY = ["smith", "garcia", "chen", "okafor", "novak", "silva", "tanaka", "kowalski", "haddad", "berg"]
DOMAINS = ["example.com", "example.org", "corp.test", "mail.test"]
TIERS = ["gold", "silver", "bronze", None]
BATCH = 1000
FACETS = '["custom:tier", "group"]'

SUMMARY = f"""totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ username }}
  facets(fields: {FACETS}) {{ field values {{ value count }} }}"""


def _search(arguments: str) -> str:
    return f"""query($pool: ID!, $after: String) {{ searchUsers(userPoolId: $pool, after: $after, {arguments}) {{
  ... on UserSearchConnection {{ {SUMMARY} }} ... on CognitoError {{ code message }} }} }}"""


SHAPES: dict[str, str] = {
    "text": _search('text: "smith ann"'),
    "ENDS_WITH + enabled": _search(
        'where: [{field: "email", operator: ENDS_WITH, value: "@example.org"}, '
        '{field: "enabled", operator: EQUALS, value: "true"}]'
    ),
    "custom IN + group": _search(
        'where: [{field: "custom:tier", operator: IN, values: ["gold", "silver"]}, '
        '{field: "group", operator: EQUALS, value: "team-03"}]'
    ),
    "NOT_EXISTS": _search('where: [{field: "custom:tier", operator: NOT_EXISTS}]'),
    "numeric GREATER_THAN": _search('where: [{field: "custom:score", operator: GREATER_THAN, value: "900"}]'),
    "sort custom DESC, page 10": _search('sort: [{field: "custom:score", direction: DESC}]'),
}
SORTED_PAGE = 10
AFTER_A_WRITE = ["custom IN + group", "sort custom DESC, page 10"]


def users(count: int) -> Iterator[IndexedUser]:
    rng = random.Random(14)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        attributes = {
            "sub": f"00000000-0000-4000-8000-{n:012}",
            "email": f"{given}.{family}{n}@{rng.choice(DOMAINS)}",
            "given_name": given.title(),
            "family_name": family.title(),
            "custom:score": str(rng.randrange(1000)),
        }
        tier = rng.choice(TIERS)
        if tier:
            attributes["custom:tier"] = tier
        yield IndexedUser(
            username=f"user{n:06}",
            attributes=attributes,
            user_status="CONFIRMED",
            enabled=rng.random() < 0.9,
            user_create_date=start + timedelta(minutes=n),
            user_last_modified_date=start + timedelta(minutes=n),
            groups=frozenset(rng.sample(GROUPS, rng.randrange(3))),
        )


async def fill(database_url: str, count: int) -> float:
    started = time.perf_counter()
    settings = Settings(auth_mode="none", allow_insecure=True, database_url=database_url)
    async with open_database(settings) as database:
        repository = IndexRepository(database)
        await repository.upsert_groups(POOL, [IndexedGroup(name) for name in GROUPS])
        batch: list[IndexedUser] = []
        for user in users(count):
            batch.append(user)
            if len(batch) == BATCH:
                await repository.upsert_users(POOL, batch, record_change=False)
                batch = []
        if batch:
            await repository.upsert_users(POOL, batch, record_change=False)
        await repository.recount_users(POOL)
        await repository.update_state(POOL, state=IndexState.READY, progress=1.0)
        async with database.connect() as connection:  # fresh statistics, as after a sync (PostgreSQL: autovacuum)
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def percentiles(durations: list[float]) -> tuple[float, float]:
    ordered = sorted(durations)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(database_url: str, repeats: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with in_process.started("http://127.0.0.1:9", database_url=database_url) as (gateway, http):

        async def timed(document: str, variables: dict[str, Any]) -> tuple[float, dict[str, Any]]:
            started = time.perf_counter()
            response = await http.post("/graphql", json={"query": document, "variables": variables})
            elapsed = 1000 * (time.perf_counter() - started)
            body = response.json()
            if "errors" in body or (body.get("data") or {}).get("searchUsers", {}).get("code"):
                raise RuntimeError(f"the bench's query failed: {body}")
            return elapsed, body

        # The pool's first search is answered in SQL while its columns load in the background.
        started = time.perf_counter()
        figures["first search"] = (await timed(SHAPES["custom IN + group"], {"pool": POOL}))[0]
        await gateway.state.index.columns.columns(POOL, 0, wait=True)
        figures["columns loaded"] = time.perf_counter() - started

        trivial = [(await timed("{ __typename }", {}))[0] for _ in range(repeats * 3)]
        figures["trivial"] = percentiles(trivial)
        cursors: dict[str, str | None] = {}
        for name, document in SHAPES.items():
            after = None
            if name.startswith("sort"):  # the cursor of page 9, then page 10 timed
                for _ in range(SORTED_PAGE - 1):
                    _, body = await timed(document, {"pool": POOL, "after": after})
                    after = body["data"]["searchUsers"]["pageInfo"]["endCursor"]
            cursors[name] = after
            await timed(document, {"pool": POOL, "after": after})  # warm: this sort's order, made once per revision
            durations, total = [], 0
            for _ in range(repeats):
                elapsed, body = await timed(document, {"pool": POOL, "after": after})
                durations.append(elapsed)
                total = body["data"]["searchUsers"]["totalCount"]
            figures[name] = (*percentiles(durations), total)

        # Right after a write (as after a mutation's read-your-writes): the search catches up with the change and,
        # for a sort, orders the pool again.
        repository = gateway.state.index.repository
        for name in AFTER_A_WRITE:
            durations = []
            for n in range(repeats):
                changed = dataclasses.replace(
                    next(users(1)), attributes={"custom:score": str(n), "custom:tier": "gold"}
                )
                await repository.upsert_user(POOL, changed)
                elapsed, body = await timed(SHAPES[name], {"pool": POOL, "after": cursors[name]})
                durations.append(elapsed)
                total = body["data"]["searchUsers"]["totalCount"]
            figures[f"{name}, after a write"] = (*percentiles(durations), total)
    return figures


@contextmanager
def postgresql_url(stack: ExitStack) -> Iterator[str | None]:
    try:
        from tests.databases import fresh_postgresql_database, postgresql_server

        server = stack.enter_context(postgresql_server())
        yield stack.enter_context(fresh_postgresql_database(server))
    except BaseException as error:  # pytest.skip's exception is a BaseException
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        yield None


def table(engine: str, count: int, fill_seconds: float, figures: dict[str, Any]) -> list[str]:
    trivial_p50, trivial_p95 = figures["trivial"]
    lines = [
        f"### {engine}: {count:,} users (written in {fill_seconds:.0f} s)",
        "",
        f"The pool's first search took {figures['first search']:.0f} ms (in SQL); its columns were loaded "
        f"{figures['columns loaded']:.1f} s after it.",
        "",
        "| query | matches | p50 ms | p95 ms | p50 / trivial | p95 / trivial |",
        "|---|---|---|---|---|---|",
        f"| `{{ __typename }}` (trivial) | | {trivial_p50:.2f} | {trivial_p95:.2f} | 1 | 1 |",
    ]
    for name in [*SHAPES, *(f"{name}, after a write" for name in AFTER_A_WRITE)]:
        p50, p95, total = figures[name]
        lines.append(
            f"| {name} | {total} | {p50:.1f} | {p95:.1f} | {p50 / trivial_p50:.1f}x | {p95 / trivial_p95:.1f}x |"
        )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = in_process.argument_parser("python -m bench.search", __doc__, "Search")
    parser.add_argument("--users", type=int, default=100_000, help="users in the index (default 100,000)")
    parser.add_argument("--repeats", type=int, default=30, help="requests per query shape (default 30)")
    args = parser.parse_args(argv)
    in_process.quiet_http_client_logs()
    sections = [
        "## Search",
        "",
        f"`python -m bench.search --users {args.users} --repeats {args.repeats}` ({report.machine_line()}, git "
        f"{report.git_revision()}): `searchUsers` in process over ASGI, each shape with `totalCount` and facets of "
        f"custom:tier and group over every match; `first` 50. Target: p95 <= 10x trivial.",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-search-") as directory, ExitStack() as stack:
        engines = {"SQLite": f"sqlite:///{Path(directory) / 'gateway.db'}"}
        with postgresql_url(stack) as url:
            engines["PostgreSQL"] = url
            for engine, database_url in engines.items():
                if database_url is None:
                    sections += [f"### {engine}: no server answers nor starts here, not measured", ""]
                    continue
                seconds = asyncio.run(fill(database_url, args.users))
                figures = asyncio.run(measure(database_url, args.repeats))
                sections += table(engine, args.users, seconds, figures)
    text = "\n".join(sections)
    print(text)
    report.write_section(args.out, "## Search", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
