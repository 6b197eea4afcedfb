"""The app's HTTP surface: health, readiness, GraphiQL, and what an unreachable Cognito looks like."""

import gc
import socket
import weakref

import httpx

from gateway.app import create_app
from gateway.demo.server import DEMO_CREDENTIALS
from gateway.settings import Settings
from tests.conftest import running_gateway
from tests.helpers import readiness_turns


async def test_healthz(gateway):
    response = await gateway.http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_a_stopped_app_is_freed(backend, cognito):
    """Nothing process-wide (FastAPI's caches of the endpoints it has classified) keeps an app that has stopped,
    nor its clients: the test suite makes over a thousand apps in one process."""
    async with running_gateway(backend) as gateway:
        assert (await gateway.http.get("/readyz")).status_code in (200, 503)
        app, cognito_gateway = weakref.ref(gateway.app), weakref.ref(gateway.app.state.cognito)
    del gateway
    gc.collect()

    assert app() is None and cognito_gateway() is None


async def test_readyz_when_cognito_answers(gateway):
    assert await readiness_turns(gateway.http, 200) == {"status": "ready"}
    assert gateway.calls == {"ListUserPools": 1}


async def test_probes_within_the_check_interval_cost_one_call(backend, cognito):
    async with running_gateway(backend, ready_check_seconds=3600) as gateway:
        await readiness_turns(gateway.http, 200)
        answers = [await gateway.http.get("/readyz") for _ in range(5)]

        assert [response.status_code for response in answers] == [200] * 5
        assert gateway.calls == {"ListUserPools": 1}


async def test_graphiql_on_get(gateway):
    response = await gateway.http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_unreachable_cognito(backend):
    settings = Settings(
        aws_region="us-east-1", max_attempts=1, connect_timeout_seconds=1, auth_mode="none", allow_insecure=True
    )
    app = create_app(settings, endpoint_url=f"http://127.0.0.1:{closed_port()}", credentials=DEMO_CREDENTIALS)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
            ready = await http.get("/readyz")
            body = (
                await http.post(
                    "/graphql",
                    json={
                        "query": '{ userPool(id: "us-east-1_abc") { __typename ... on CognitoError { code fault retryable } } }'
                    },
                )
            ).json()

    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}
    assert body["data"]["userPool"] == {
        "__typename": "ServiceError",
        "code": "EndpointConnectionError",
        "fault": "SERVER",
        "retryable": True,
    }


async def test_configured_by_the_standard_aws_environment(backend, cognito, monkeypatch):
    pool_id = backend.client("eu-west-1").create_user_pool(PoolName="from-env")["UserPool"]["Id"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", backend.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("GATEWAY_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "none")
    monkeypatch.setenv("GATEWAY_ALLOW_INSECURE", "true")

    app = create_app()  # no endpoint or credentials given: botocore and pydantic-settings read the environment
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
            body = (
                await http.post(
                    "/graphql", json={"query": "{ userPools { ... on UserPoolConnection { nodes { id name } } } }"}
                )
            ).json()

    assert app.state.settings.aws_region == "eu-west-1"
    assert app.state.settings.max_attempts == 1
    assert body["data"]["userPools"]["nodes"] == [{"id": pool_id, "name": "from-env"}]


async def test_an_unexpected_failure_is_masked_over_http(gateway, monkeypatch):
    from gateway.graphql import user_pools

    async def broken(context, user_pool_id):
        raise RuntimeError("secret=hunter2 in /srv/gateway/internals.py")

    monkeypatch.setattr(user_pools, "user_pool_by_id", broken)  # a bug inside a resolver
    body = await gateway.query('{ userPool(id: "us-east-1_abc") { __typename } }')

    assert body["data"] == {"userPool": None}  # root fields are nullable: a failure nulls only itself
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["userPool"],
            "extensions": {"code": "INTERNAL"},
        }
    ]
