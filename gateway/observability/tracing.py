"""OpenTelemetry tracing, optional (the ``tracing`` extra) and off unless ``GATEWAY_TRACING=true``: a span per
GraphQL operation and a client span per Cognito call, named and attributed per the semantic conventions.
Spans never carry the document, variables or request parameters: only names, codes and IDs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gateway.observability.metrics import graphql_name
from gateway.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

SERVICE = "CognitoIdentityProvider"


def otlp_exporter() -> SpanExporter:
    """OTLP over HTTP; the endpoint and headers come from the standard ``OTEL_EXPORTER_OTLP_*`` variables."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """The app's own provider (the global one is left alone), or ``None`` when tracing is off."""
    if not settings.tracing:
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        exporter = otlp_exporter()
    except ImportError as error:
        raise RuntimeError(
            "GATEWAY_TRACING=true needs OpenTelemetry: install the `tracing` extra"
            " (pip install 'cognito-gateway[tracing]')"
        ) from error
    provider = TracerProvider(resource=Resource.create({"service.name": "cognito-gateway"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def remote_parent(headers: Mapping[str, str]) -> Context:
    """The trace the caller's headers continue (W3C ``traceparent``, or what ``OTEL_PROPAGATORS`` names); an
    empty context, so a new trace, when they carry none or a malformed one."""
    from opentelemetry import propagate

    return propagate.extract(headers)


@contextmanager
def operation_span(tracer: Tracer, parent: Context | None = None) -> Iterator[Span]:
    """The span of one GraphQL operation, the gateway's entry span (a child of the caller's, if it sent one),
    current while it executes; :func:`name_operation` names it once the document is parsed."""
    from opentelemetry.trace import SpanKind

    with tracer.start_as_current_span("GraphQL Operation", context=parent, kind=SpanKind.SERVER) as span:
        yield span


def name_operation(span: Span, operation_type: str, name: str | None) -> None:
    name = graphql_name(name)  # a name given in `operationName` that the document lacks may be anything
    span.update_name(f"{operation_type} {name}" if name else operation_type)
    span.set_attribute("graphql.operation.type", operation_type)
    if name:
        span.set_attribute("graphql.operation.name", name)


def start_call_span(tracer: Tracer, operation: str, region: str) -> Span:
    from opentelemetry.trace import SpanKind

    return tracer.start_span(
        f"{SERVICE}.{operation}",
        kind=SpanKind.CLIENT,
        attributes={
            "rpc.system": "aws-api",
            "rpc.service": SERVICE,
            "rpc.method": operation,
            "cloud.region": region,
        },
    )


def end_call_span(span: Span, meta: Any, error_code: str | None = None) -> None:
    """Ends a Cognito call's span with its request ID and status (``meta`` is its ResponseMeta, if any)."""
    from opentelemetry.trace import StatusCode

    if meta is not None:
        if meta.request_id:
            span.set_attribute("aws.request_id", meta.request_id)
        if meta.http_status_code:
            span.set_attribute("http.response.status_code", meta.http_status_code)
    if error_code is not None:
        span.set_attribute("error.type", error_code)
        span.set_status(StatusCode.ERROR)
    span.end()
