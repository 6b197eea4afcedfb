"""OpenTelemetry spans (GATEWAY_TRACING=true), exported to memory instead of OTLP."""

import sys

import pytest

from gateway.app import create_app
from gateway.observability import tracing
from gateway.settings import Settings
from tests.conftest import running_gateway
from tests.helpers import create_users

pytest.importorskip("opentelemetry.sdk")
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402

PASSWORD = "Tr4cing!Secret-Passw0rd"


@pytest.fixture
def exporter(monkeypatch):
    exporter = InMemorySpanExporter()
    monkeypatch.setattr(tracing, "otlp_exporter", lambda: exporter)
    return exporter


async def test_a_span_per_operation_with_a_client_span_per_cognito_call(backend, cognito, pool_id, exporter):
    create_users(cognito, pool_id, 2)
    async with running_gateway(backend, tracing=True) as gateway:
        await gateway.data(
            "query Dashboard($pool: ID!) { users(userPoolId: $pool) { ... on UserConnection { nodes { username } } } }",
            {"pool": pool_id},
        )
        missing = '{ user(userPoolId: "%s", username: "nobody") { __typename } }' % pool_id
        assert (await gateway.data(missing))["user"]["__typename"] == "UserNotFoundError"
    spans = {span.name: span for span in exporter.get_finished_spans()}

    dashboard, list_users = spans["query Dashboard"], spans["CognitoIdentityProvider.ListUsers"]
    assert dashboard.kind is SpanKind.SERVER and dashboard.parent is None  # no traceparent sent: a new trace
    assert dict(dashboard.attributes) == {"graphql.operation.type": "query", "graphql.operation.name": "Dashboard"}
    assert dashboard.resource.attributes["service.name"] == "cognito-gateway"
    assert list_users.kind is SpanKind.CLIENT
    assert list_users.parent.span_id == dashboard.context.span_id
    assert list_users.context.trace_id == dashboard.context.trace_id
    attributes = dict(list_users.attributes)
    assert attributes.pop("aws.request_id")
    assert attributes == {
        "rpc.system": "aws-api",
        "rpc.service": "CognitoIdentityProvider",
        "rpc.method": "ListUsers",
        "cloud.region": "us-east-1",
        "http.response.status_code": 200,
    }
    assert list_users.status.status_code is StatusCode.UNSET

    anonymous, get_user = spans["query"], spans["CognitoIdentityProvider.AdminGetUser"]
    assert dict(anonymous.attributes) == {"graphql.operation.type": "query"}
    assert get_user.parent.span_id == anonymous.context.span_id
    assert get_user.attributes["error.type"] == "UserNotFoundException"
    assert get_user.status.status_code is StatusCode.ERROR


TRACE_ID, PARENT_SPAN_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


@pytest.mark.parametrize(
    ("traceparent", "continued"),
    [(f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01", True), ("00-not-a-trace-01", False)],
)
async def test_an_operation_continues_the_callers_trace(backend, exporter, traceparent, continued):
    async with running_gateway(backend, tracing=True) as gateway:
        response = await gateway.http.post(
            "/graphql", json={"query": "query Who { me { subject } }"}, headers={"traceparent": traceparent}
        )
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    [operation] = [span for span in exporter.get_finished_spans() if span.name == "query Who"]

    if continued:
        assert operation.context.trace_id == int(TRACE_ID, 16)
        assert operation.parent.span_id == int(PARENT_SPAN_ID, 16) and operation.parent.is_remote
    else:  # a malformed header starts a new trace rather than failing the request
        assert operation.parent is None and operation.context.trace_id != int(TRACE_ID, 16)


async def test_no_span_attribute_holds_an_argument_value(backend, cognito, pool_id, exporter):
    async with running_gateway(backend, tracing=True) as gateway:
        created = await gateway.mutate(
            "adminCreateUser",
            {"userPoolId": pool_id, "username": "alice", "temporaryPassword": PASSWORD, "messageAction": "SUPPRESS"},
        )
        assert created["__typename"] == "AdminCreateUserPayload"
        result = await gateway.mutate(
            "adminSetUserPassword",
            {"userPoolId": pool_id, "username": "alice", "password": PASSWORD, "permanent": True},
        )
        assert result["__typename"] == "AdminSetUserPasswordPayload"
    spans = exporter.get_finished_spans()

    assert {
        "mutation Run",
        "CognitoIdentityProvider.AdminCreateUser",
        "CognitoIdentityProvider.AdminSetUserPassword",
    } <= {span.name for span in spans}
    values = [str(value) for span in spans for value in span.attributes.values()]
    assert not [value for value in values if PASSWORD in value or "alice" in value or pool_id in value]
    assert not [key for span in spans for key in span.attributes if key.startswith("graphql.document")]


async def test_tracing_is_off_by_default(gateway):
    assert gateway.app.state.tracer_provider is None
    assert gateway.app.state.cognito.tracer is None


def test_tracing_without_opentelemetry_fails_at_start_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)

    with pytest.raises(RuntimeError, match=r"cognito-gateway\[tracing\]"):
        create_app(Settings(auth_mode="none", allow_insecure=True, tracing=True))
