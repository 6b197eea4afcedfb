"""``python -m bench.fuzz [--examples N] [--seed S]``: fuzz every query and mutation of the graph with
schemathesis (hypothesis-graphql documents), against the real app on a moto backend, in process (ASGI).

A failure is any answer that schemathesis' checks refuse (a 5xx, a body that is not a GraphQL response,
a non-null field that is null), except that any ``errors[]`` is not one in itself; and any ``errors[]`` entry of a field (one with a ``path``) that has no
``extensions.code`` or the code ``INTERNAL``: an exception the gateway did not expect. Syntax and validation
errors carry no code by design, and have no ``path``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timezone

import graphql
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.core.failures import Failure as CheckFailure
from schemathesis.core.failures import FailureGroup
from schemathesis.graphql import nodes
from schemathesis.graphql.checks import GraphQLClientError, GraphQLServerError
from schemathesis.python import asgi

from bench import in_process, report
from gateway.demo.server import DemoBackend


@dataclass
class Failure:
    operation: str
    document: str
    status: int
    body: str
    reason: str

    def __str__(self) -> str:
        return f"{self.operation} -> HTTP {self.status}: {self.reason}\n{self.document}\n{self.body[:2000]}"


@contextmanager
def fuzzed_app(endpoint_url: str) -> Iterator[FastAPI]:
    """The app as the tests run it (no auth, no rate limit, one attempt), its lifespan ended on the way out."""
    app = in_process.app(endpoint_url, introspection=True)  # schemathesis reads the schema by introspection
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()  # schemathesis started it on its own event loop thread


def _json_value(value: object) -> graphql.ValueNode:
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    return nodes.String(value)


def _json_object(fields: dict[str, object]) -> graphql.ValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=_json_value(value))
            for key, value in fields.items()
        ]
    )


# The custom scalars: JSON holds Cognito's string maps (and, now and then, other values), DateTime ISO 8601.
_NAMES = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,12}\Z")
schemathesis.graphql.scalar(
    "JSON",
    st.dictionaries(_NAMES, st.one_of(st.text(max_size=40), st.integers(), st.booleans()), max_size=4).map(
        _json_object
    ),
)
schemathesis.graphql.scalar(
    "DateTime", st.datetimes(timezones=st.just(timezone.utc)).map(lambda moment: nodes.String(moment.isoformat()))
)


def unexpected_errors(body: object) -> list[dict]:
    """The ``errors[]`` entries of fields that have no code, or INTERNAL (an unexpected exception)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return [
        error
        for error in errors or []
        if error.get("path") and (error.get("extensions") or {}).get("code") in (None, "INTERNAL")
    ]


def fuzz(app: FastAPI, examples: int, seed_value: int = 0) -> tuple[int, list[Failure]]:
    """Sends ``examples`` generated documents per operation; the number sent and the failures seen."""
    schema = schemathesis.graphql.from_asgi("/graphql", app)
    failures: list[Failure] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @seed(seed_value)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is reported as sent
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            nonlocal sent
            sent += 1
            response = case.call()
            reasons = []
            try:
                case.validate_response(response)
            except (CheckFailure, FailureGroup) as raised:
                found = raised.exceptions if isinstance(raised, FailureGroup) else [raised]
                # Any errors[] is a failure to schemathesis; here refusals and coded field errors are answers.
                reasons += [
                    f"{failure.title}: {failure.message}"
                    for failure in found
                    if not isinstance(failure, (GraphQLClientError, GraphQLServerError))
                ]
            try:
                reasons += [f"unexpected error {json.dumps(error)}" for error in unexpected_errors(response.json())]
            except ValueError:
                reasons.append("the body is not JSON")
            if reasons:
                document = case.body["query"] if isinstance(case.body, dict) else str(case.body)
                failures.append(
                    Failure(operation.label, document, response.status_code, response.text, "; ".join(reasons))
                )

        check()
    return sent, failures


def main(argv: list[str] | None = None) -> int:
    parser = in_process.argument_parser("python -m bench.fuzz", __doc__, "Fuzz")
    parser.add_argument("--examples", type=int, default=200, help="documents per operation (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with DemoBackend() as backend, fuzzed_app(backend.endpoint_url) as app:
        sent, failures = fuzz(app, args.examples, args.seed)
    for failure in failures:
        print(failure, end="\n\n")
    summary = f"{sent} documents, {len(failures)} failures, {time.perf_counter() - started:.0f} s"
    print(summary)
    section = [
        "## Fuzz",
        "",
        f"`python -m bench.fuzz --examples {args.examples} --seed {args.seed}` ({report.machine_line()}, git"
        f" {report.git_revision()}): schemathesis documents for every query and mutation, sent to the app on moto.",
        "",
        f"- {summary} (a failure: a 5xx, a body that is not a GraphQL response, a broken non-null field, or a"
        " field error without a code or with INTERNAL).",
        *(f"- `{failure.operation}`: {failure.reason}" for failure in failures[:10]),
    ]
    report.write_section(args.out, "## Fuzz", "\n".join(section) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
