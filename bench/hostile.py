"""``python -m bench.hostile [--repeat N]``: what refusing a hostile request costs the gateway.

Sends each request of ``HOSTILE`` (the catalogue tests/test_hostile_input.py checks the refusals of) ``N``
times to the app in process (ASGI) on moto, next to a small valid query, and prints the p50 and the worst
time of each and its p50 over the valid query's. Each GraphQL document gets a fresh comment per request,
so the parse and validation caches do not hide the cost of a document an attacker varies. Then it sends
``INVENTED_REGIONS`` requests each naming a region of its own and reports the process's resident memory before
and after (a client per region would grow it without bound). The figures go to the Hostile input section of
``bench/results.md``.
"""

from __future__ import annotations

import asyncio
import random
import resource
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import graphql
import httpx
import orjson

from bench import in_process, report
from gateway.demo.server import DemoBackend

POOL = "us-east-1_Nope"
INVENTED_REGIONS = 300


@dataclass(frozen=True)
class HostileRequest:
    """A request to ``/graphql``: a GraphQL ``document`` with ``variables``, or a ``raw`` body as sent."""

    document: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"
    method: str = "POST"

    def query(self, nonce: int | None = None) -> str | None:
        """The document; a ``nonce`` (a comment) makes it new to the gateway's caches. The parser's is keyed
        by the text; the validation cache's by the syntax tree, whose nodes compare by their positions but
        hold no comments: a comment as long as another request's (`# 1`, `# 2`) hit it. So the comment's
        length differs for every nonce."""
        return self.document if nonce is None else f"{self.document}\n# {nonce}{' ' * nonce}."

    def body(self, nonce: int | None = None) -> bytes:
        """The body to POST."""
        if self.raw is not None:
            return self.raw
        return orjson.dumps({"query": self.query(nonce), "variables": self.variables})

    async def send(self, http: httpx.AsyncClient, nonce: int | None = None) -> httpx.Response:
        if self.method == "GET":
            params = {"query": self.query(nonce)}
            return await http.get("/graphql", params=params, headers={"accept": "application/json"})
        return await http.post("/graphql", content=self.body(nonce), headers={"content-type": self.content_type})


VALID = HostileRequest("{ me { subject } }")


def six_hops(aliases: int = 30) -> str:
    """A user's groups, their users, their groups... six hops of pages of 60 under the depth limit, each hop
    ``aliases`` times through fragments: a cost past 2**64 (60 * 30) ** 6."""

    def hop(field: str, fragment: str) -> str:
        return " ".join(f"a{index}: {field} {{ ...{fragment} }}" for index in range(aliases))

    fragments = ["fragment U0 on User { username }"]
    for level in range(1, 7):
        if level % 2:  # a group's users, then their nodes
            fragments.append(f"fragment G{level} on Group {{ {hop('users(first: 60)', f'N{level}')} }}")
            fragments.append(f"fragment N{level} on UserConnection {{ nodes {{ ...U{level - 1} }} }}")
        else:  # a user's groups
            fragments.append(f"fragment U{level} on User {{ {hop('groups', f'G{level - 1}')} }}")
    top = f'{{ userPool(id: "{POOL}") {{ ... on UserPool {{ users(first: 60) {{ nodes {{ ...U6 }} }} }} }} }}'
    return " ".join([top, *fragments])


def twelve_hops() -> str:
    """A user's groups, their users... twelve hops of pages of 60, as deep as written: a cost of 3600 ** 6."""
    selection = "username"
    for _ in range(6):
        selection = f"groups {{ users(first: 60) {{ nodes {{ {selection} }} }} }}"
    return f'{{ userPool(id: "{POOL}") {{ ... on UserPool {{ users(first: 60) {{ nodes {{ {selection} }} }} }} }} }}'


REPEATED = "450 repeated fields under an alias"
HOSTILE: dict[str, HostileRequest] = {
    "100 aliases": HostileRequest("{" + " ".join(f"a{i}: me {{ subject }}" for i in range(100)) + "}"),
    "one field 1000 times": HostileRequest("{ me { " + "subject " * 1000 + "} }"),
    REPEATED: HostileRequest(f"{{ a{random.randrange(10**6)}: me {{ subject }} " + "me { subject } " * 450 + "}"),
    "cost past 2^63": HostileRequest(six_hops()),
    "cost past 2^63, twelve hops": HostileRequest(twelve_hops()),
    "500 directives": HostileRequest("{ me { subject" + " @include(if: true)" * 500 + " } }"),
    "20 levels deep": HostileRequest("{ " + "me { " * 20 + "subject" + " }" * 20 + " }"),
    "list literal 900 deep": HostileRequest("{ userPool(id: " + "[" * 900 + "]" * 900 + ") { __typename } }"),
    "circular introspection": HostileRequest(
        "{ __schema { types { " + "fields { type { " * 3 + "name" + " } }" * 3 + " } } }"
    ),
    # orjson writes no JSON nested this deep, so the body is written out.
    "JSON variable 1000 deep": HostileRequest(
        raw=b'{"query": "query Q($m: JSON) { me { subject } }", "variables": {"m": ' + b"[" * 1000 + b"]" * 1000 + b"}}"
    ),
    # Every mutation is audited: the audit writes such a value as a marker (and the model check refuses it).
    "JSON member 990 deep in a mutation": HostileRequest(
        raw=b'{"query": "mutation M($input: AdminCreateUserInput!) { adminCreateUser(input: $input) { __typename } }",'
        b' "variables": {"input": {"userPoolId": "'
        + POOL.encode()
        + b'", "username": "u", "clientMetadata": {"m": '
        + b"[" * 990
        + b"]" * 990
        + b"}}}}"
    ),
    "100k-item list variable": HostileRequest(
        "mutation M($names: [String!]!) { adminDeleteUserAttributes(input: "
        f'{{userPoolId: "{POOL}", username: "u", userAttributeNames: $names}}) {{ __typename }} }}',
        {"names": ["a"] * 100_000},
    ),
    "900 KB string variable": HostileRequest(
        f'query Q($u: String!) {{ user(userPoolId: "{POOL}", username: $u) '
        "{ __typename ... on CognitoError { message } } }",
        {"u": "a" * 900_000},
    ),
    "1.1 MB body": HostileRequest(raw=b'{"query": "' + b"a" * 1_100_000 + b'"}'),
    "array batching": HostileRequest(raw=b'[{"query": "{ me { subject } }"}, {"query": "{ me { subject } }"}]'),
    "invalid UTF-8": HostileRequest(raw=b'{"query": "{ me { subject \xff\xfe } }"}'),
    "text/plain body": HostileRequest("{ me { subject } }", content_type="text/plain"),
    # A position written as cursors were before they were sealed: Cognito's token for another pool, skip 0.
    "forged cursor": HostileRequest(
        f'{{ users(userPoolId: "{POOL}", first: 1, after: "WyJleUp3WVhKaGJXVjBaWEpEYUdWamEzTjFiU0k2SURGOSIsMF0") '
        "{ __typename } }"
    ),
    "mutation over GET": HostileRequest(
        f'mutation {{ adminDeleteUser(input: {{userPoolId: "{POOL}", username: "u"}}) {{ __typename }} }}',
        method="GET",
    ),
    # Each region would open a client kept for good (~1.2 MB each: the RSS figure below).
    "invented region": HostileRequest(
        '{ userPools(region: "zz-made-up-1") { __typename ... on CognitoError { message } } }'
    ),
    # Python's \d takes any Unicode digit: a full-width one used to get past the region's pattern.
    "full-width digit in pool ID": HostileRequest(
        '{ userPool(id: "us-east-\uff11_abc") { __typename ... on CognitoError { message } } }'
    ),
}


def parse_ms(request: HostileRequest, repeat: int) -> float:
    """The p50 of graphql-core parsing ``request``'s document alone, fresh each time, in ms."""
    times = []
    for nonce in range(repeat):
        document = request.query(nonce)
        started = time.perf_counter()
        graphql.parse(document)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def invented_region(index: int) -> HostileRequest:
    """``userPools`` in a region that has the shape of one but does not exist."""
    return HostileRequest(f'{{ userPools(region: "zz-made-up-{index}") {{ __typename }} }}')


def rss_mb() -> float:
    """This process's resident memory now (the peak where /proc is missing), in MB."""
    try:
        with open("/proc/self/status") as status:
            kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilobytes / 1024


@dataclass
class Timing:
    name: str
    status: int
    times_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)


async def time_request(http: httpx.AsyncClient, name: str, request: HostileRequest, repeat: int) -> Timing:
    times, status = [], 0
    for nonce in range(repeat):
        started = time.perf_counter()
        response = await request.send(http, nonce)
        times.append(1000 * (time.perf_counter() - started))
        status = response.status_code
    return Timing(name, status, times)


@dataclass
class Measured:
    valid: Timing
    hostile: list[Timing]
    calls: int  # upstream calls made by the hostile requests
    rss_before_mb: float  # before the invented regions
    rss_after_mb: float


async def measure(endpoint_url: str, repeat: int) -> Measured:
    """The valid query's timing, each hostile request's, the upstream calls the hostile ones made, and the
    process's memory before and after ``INVENTED_REGIONS`` requests in regions of their own."""
    # Introspection on, so that circular introspection meets its own limit.
    async with in_process.started(endpoint_url, introspection=True) as (app, http):
        valid = await time_request(http, "`{ me { subject } }` (valid)", VALID, repeat)
        app.state.cognito.calls.clear()
        hostile = [await time_request(http, name, request, repeat) for name, request in HOSTILE.items()]
        calls = sum(app.state.cognito.calls.values())
        before = rss_mb()
        for index in range(INVENTED_REGIONS):
            await invented_region(index).send(http)
        return Measured(valid, hostile, calls, before, rss_mb())


def main(argv: list[str] | None = None) -> int:
    parser = in_process.argument_parser("python -m bench.hostile", __doc__, "Hostile input")
    parser.add_argument("--repeat", type=int, default=20, help="requests of each kind (default 20)")
    args = parser.parse_args(argv)
    in_process.quiet_http_client_logs()
    with DemoBackend() as backend:
        measured = asyncio.run(measure(backend.endpoint_url, args.repeat))
    valid, hostile, calls = measured.valid, measured.hostile, measured.calls
    rows = [
        f"| {timing.name} | {timing.status} | {timing.p50:.2f} | {max(timing.times_ms):.2f} |"
        f" {timing.p50 / valid.p50:.1f} |"
        for timing in [valid, *hostile]
    ]
    worst = max(hostile, key=lambda timing: timing.p50)
    repeated = next(timing for timing in hostile if timing.name == REPEATED)
    repeated_document = HOSTILE[REPEATED].query(0) or ""
    parsing = parse_ms(HOSTILE[REPEATED], args.repeat)
    section = [
        "## Hostile input",
        "",
        f"`python -m bench.hostile --repeat {args.repeat}` ({report.machine_line()}, git {report.git_revision()}):"
        " each request sent to the app in process on moto, a fresh document each time.",
        "",
        "| request | status | p50 ms | max ms | p50 / valid p50 |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"- The costliest refusal, {worst.name}, takes {worst.p50 / valid.p50:.1f}× the valid query's p50."
        f" Upstream calls made by all {len(hostile) * args.repeat} hostile requests: {calls}.",
        f"- 450 repeated fields under an alias: {repeated.p50 / valid.p50:.1f}× the valid query's p50, of which"
        f" {parsing:.2f} ms is graphql-core parsing its {len(repeated_document)} bytes (as it would any document that"
        " long); the repeat limit refuses it before validation, which alone took 0.8 to 5.7 s before.",
        f"- RSS after {INVENTED_REGIONS} invented regions: {measured.rss_after_mb:.0f} MB"
        f" (before: {measured.rss_before_mb:.0f} MB).",
    ]
    text = "\n".join(section) + "\n"
    print(text)
    report.write_section(args.out, "## Hostile input", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
