"""Prometheus metrics, in a registry of the app's own (two apps in one process do not share counters)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,127}")
# Upstream calls are regional round trips, retried with backoff: a wider range than the HTTP buckets.
_UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 60, 120, 250, 500)


class _Children(dict):  # type: ignore[type-arg]
    """A family's children by label values: a dict lookup on the per-request path instead of ``labels()``."""

    def __init__(self, family: Any) -> None:
        self.family = family

    def __missing__(self, labels: tuple[str, ...]) -> Any:
        child = self[labels] = self.family.labels(*labels)
        return child


class Metrics:
    def __init__(self, *, max_operation_names: int = 100, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.max_operation_names = max_operation_names
        self._operation_names: set[str] = set()

        def family(kind: type, name: str, doc: str, labels: Iterable[str], **options: Any) -> Any:
            return kind(f"cognito_gateway_{name}", doc, labels, registry=self.registry, **options)

        self.http_duration = _Children(
            family(
                Histogram,
                "http_request_duration_seconds",
                "HTTP requests by method, route template and status",
                ("method", "route", "status"),
            )
        )
        self.operations = _Children(
            family(Counter, "graphql_operations", "GraphQL operations by type and name", ("type", "name"))
        )
        self.operation_errors = _Children(
            family(
                Counter,
                "graphql_errors",
                "errors[] entries by operation type, operation name and extensions.code",
                ("type", "name", "code"),
            )
        )
        self.upstream_calls = family(
            Counter,
            "upstream_calls",
            "Cognito calls by operation and outcome (ok or the error code)",
            ("operation", "outcome"),
        )
        self.upstream_duration = family(
            Histogram,
            "upstream_call_duration_seconds",
            "Cognito call duration by operation, retries included",
            ("operation",),
            buckets=_UPSTREAM_BUCKETS,
        )
        self.upstream_retries = family(
            Counter, "upstream_retries", "Cognito call attempts retried by botocore, by operation", ("operation",)
        )
        self.loader_batch_size = family(
            Histogram,
            "dataloader_batch_size",
            "Keys per dataloader batch, by loader",
            ("loader",),
            buckets=_BATCH_BUCKETS,
        )
        self.cache_hits = family(Counter, "cache_hits", "Shared read cache hits by read", ("operation",))
        self.cache_misses = family(Counter, "cache_misses", "Shared read cache misses by read", ("operation",))
        self.index_write_failures = family(
            Counter,
            "index_write_failures",
            "Mutations whose change Cognito made but the directory index did not take (the reconcile scan repairs "
            "it), by Cognito operation",
            ("operation",),
        )
        self.limiter_waits = family(
            Counter, "quota_limiter_waits", "Calls the quota limiter held back, by quota category", ("category",)
        )
        self.limiter_wait_seconds = family(
            Counter,
            "quota_limiter_wait_seconds",
            "Seconds calls waited for the quota limiter, by category",
            ("category",),
        )
        self.shared_state_up = family(
            Gauge,
            "shared_state_up",
            "1 while Redis (GATEWAY_REDIS_URL) is in use: quota budgets, rate limits and cache invalidation shared by "
            "every replica; 0 while this replica serves on its local fallback (or has no Redis configured)",
            (),
        )
        self.shared_state_fallbacks = family(
            Counter,
            "shared_state_fallbacks",
            "Token-bucket checks served by this replica's local fallback because Redis was down, by kind "
            "(quota, caller, auth-failures)",
            ("kind",),
        )

    def operation_name(self, name: str | None) -> str:
        """The label of an operation name: kept while fewer than ``max_operation_names`` distinct names are,
        and only if it is a GraphQL name (clients choose names: the label set must stay bounded)."""
        if name is None:
            return "anonymous"
        if name in self._operation_names:
            return name
        if len(self._operation_names) < self.max_operation_names and graphql_name(name):
            self._operation_names.add(name)
            return name
        return "other"

    def observe_operation(self, operation_type: str, name: str | None, error_codes: Iterable[str]) -> None:
        label = self.operation_name(name)
        self.operations[operation_type, label].inc()
        for code in error_codes:
            self.operation_errors[operation_type, label, code].inc()

    def observe_call(self, operation: str, outcome: str, seconds: float, attempts: int | None) -> None:
        self.upstream_calls.labels(operation, outcome).inc()
        self.upstream_duration.labels(operation).observe(seconds)
        if attempts and attempts > 1:
            self.upstream_retries.labels(operation).inc(attempts - 1)


def graphql_name(name: str | None) -> str | None:
    """``name`` if it is a GraphQL name (an operation name as the client sent it may be anything)."""
    return name if name is not None and _GRAPHQL_NAME.fullmatch(name) else None


def error_code(error: GraphQLError) -> str:
    """The label of an ``errors[]`` entry as the client sees it: its ``extensions.code``, else (syntax and
    validation errors have none) the code Apollo Server gives those."""
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    return "GRAPHQL_PARSE_FAILED" if error.message.startswith("Syntax Error") else "GRAPHQL_VALIDATION_FAILED"
