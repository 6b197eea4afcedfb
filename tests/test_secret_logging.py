"""Secrets never reach a log: every logger at DEBUG while the secret-bearing operations run through HTTP.

botocore logs request and response bodies at DEBUG; the Cognito layer pins it (and its kin) to INFO.
The audit trail redacts what the model marks sensitive.
"""

import logging
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient

from gateway.auth.api_keys import hash_key
from gateway.demo.server import DEMO_REGION, DemoBackend
from gateway.graphql import audit
from gateway.graphql.declarations import declaration
from gateway.graphql.schema import build_schema
from gateway.settings import ApiKey
from tests.conftest import Gateway, running_gateway
from tests.graphql.test_auth import admin_sign_in

TEMPORARY_PASSWORD = "Temp0rary!Secret-1"
PASSWORD = "Perm4nent!Secret-2"
IDP_SECRET = "idp-client-secret-3"
TOKENS = "authenticationResult { accessToken idToken refreshToken }"


async def sign_in(gateway: Gateway, pool_id: str, client_id: str, password: str) -> dict[str, Any]:
    return await admin_sign_in(gateway, pool_id, client_id, password, selection=f"challengeName session {TOKENS}")


async def run_secret_bearing_operations(gateway: Gateway, pool_id: str) -> list[str]:
    """Every operation whose input or answer holds a secret; returns the secrets seen."""
    created = await gateway.mutate(
        "createUserPoolClient",
        {
            "userPoolId": pool_id,
            "clientName": "confidential",
            "generateSecret": True,
            "explicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        },
        "clientSecret userPoolClient { clientId }",
    )
    client_id, client_secret = created["userPoolClient"]["clientId"], created["clientSecret"]
    shown = await gateway.data(
        "query($pool: ID!, $client: String!) {"
        "  userPoolClientSecret(userPoolId: $pool, clientId: $client) { ... on UserPoolClientSecret { clientSecret } }"
        "}",
        {"pool": pool_id, "client": client_id},
    )
    assert shown["userPoolClientSecret"]["clientSecret"] == client_secret

    user = await gateway.mutate(
        "adminCreateUser",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "temporaryPassword": TEMPORARY_PASSWORD,
            "messageAction": "SUPPRESS",
        },
    )
    assert user["__typename"] == "AdminCreateUserPayload", user
    challenge = await sign_in(gateway, pool_id, client_id, TEMPORARY_PASSWORD)
    assert challenge["challengeName"] == "NEW_PASSWORD_REQUIRED" and challenge["session"], challenge

    changed = await gateway.mutate(
        "adminSetUserPassword", {"userPoolId": pool_id, "username": "alice", "password": PASSWORD, "permanent": True}
    )
    assert changed["__typename"] == "AdminSetUserPasswordPayload", changed
    tokens = (await sign_in(gateway, pool_id, client_id, PASSWORD))["authenticationResult"]
    assert tokens and tokens["refreshToken"]

    refreshed = await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "REFRESH_TOKEN_AUTH",
            "authParameters": {"REFRESH_TOKEN": tokens["refreshToken"], "USERNAME": "alice"},
        },
        TOKENS,
    )
    assert refreshed["authenticationResult"]["accessToken"], refreshed
    revoked = await gateway.mutate(
        "revokeToken", {"userPoolId": pool_id, "clientId": client_id, "token": tokens["refreshToken"]}
    )
    assert revoked["__typename"] == "RevokeTokenPayload", revoked

    provider = await gateway.mutate(
        "createIdentityProvider",
        {
            "userPoolId": pool_id,
            "providerName": "Google",
            "providerType": "GOOGLE",
            "providerDetails": {"client_id": "google-id", "client_secret": IDP_SECRET, "authorize_scopes": "openid"},
        },
    )
    assert provider["__typename"] == "CreateIdentityProviderPayload", provider

    return [
        TEMPORARY_PASSWORD,
        PASSWORD,
        IDP_SECRET,
        client_secret,
        challenge["session"],
        *tokens.values(),
        *(value for value in refreshed["authenticationResult"].values() if value),
    ]


async def test_no_secret_in_any_log_record_nor_audit_line(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    audit_path = tmp_path / "audit.log"
    async with running_gateway(backend, audit_log_path=str(audit_path)) as gateway:
        audit.logger.addHandler(caplog.handler)  # the audit logger does not propagate to the root
        try:
            secrets = await run_secret_bearing_operations(gateway, pool_id)
        finally:
            audit.logger.removeHandler(caplog.handler)

    assert len(secrets) >= 9 and all(secrets)
    audit_lines = audit_path.read_text()
    assert audit_lines.count("\n") == 8  # one per mutation; the query is not audited
    records = caplog.records
    assert any(record.name == "audit" for record in records)
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    logged = [audit_lines, caplog.text]
    logged += [f"{record.getMessage()} {record.args!r} {getattr(record, 'audit', '')!r}" for record in records]
    for secret in secrets:
        leaks = [text for text in logged if secret in text]
        assert not leaks, f"a secret was logged: {leaks[0][:500]}"


def test_botocore_loggers_stay_at_info_or_above():
    for name in ("botocore", "aiobotocore", "urllib3"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO


async def test_unpinned_botocore_would_log_the_password(
    gateway: Gateway, pool_id: str, caplog: pytest.LogCaptureFixture
):
    """Why the pin: the check above would catch a leak."""
    botocore_logger = logging.getLogger("botocore")
    level = botocore_logger.level
    caplog.set_level(logging.DEBUG)
    botocore_logger.setLevel(logging.DEBUG)
    try:
        await gateway.mutate(
            "adminSetUserPassword",
            {"userPoolId": pool_id, "username": "nobody", "password": PASSWORD, "permanent": True},
        )
    finally:
        botocore_logger.setLevel(level)

    assert PASSWORD in caplog.text


# --- denials and unexpected errors ------------------------------------------------------------------------------

VIEWER_KEY = "viewer-key-0123456789"
INLINE_PASSWORD = "Inl1ne!Passw0rd-4"


def logged_text(records: list[logging.LogRecord]) -> str:
    """Everything a handler could write of ``records``: messages, arguments and tracebacks."""
    formatter = logging.Formatter()
    return "\n".join(f"{formatter.format(record)} {record.args!r}" for record in records)


@pytest.mark.parametrize(
    ("field", "arguments"),
    [
        ("adminSetUserPassword", f'username: "alice", password: "{INLINE_PASSWORD}", permanent: true'),
        (
            "initiateAuth",
            f'clientId: "client", authFlow: USER_PASSWORD_AUTH, '
            f'authParameters: {{USERNAME: "alice", PASSWORD: "{INLINE_PASSWORD}"}}',
        ),
    ],
)
async def test_a_denial_is_logged_once_below_error_without_the_document(
    backend: DemoBackend,
    cognito: BaseClient,
    pool_id: str,
    caplog: pytest.LogCaptureFixture,
    field: str,
    arguments: str,
):
    settings = {"auth_mode": "api-key", "api_keys": [ApiKey(name="ci", role="viewer", hash=hash_key(VIEWER_KEY))]}
    document = f'mutation {{ {field}(input: {{userPoolId: "{pool_id}", {arguments}}}) {{ __typename }} }}'
    caplog.set_level(logging.DEBUG)
    async with running_gateway(backend, **settings) as gateway:
        response = await gateway.http.post("/graphql", headers={"X-API-Key": VIEWER_KEY}, json={"query": document})

    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert INLINE_PASSWORD not in logged_text(caplog.records)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    [denial] = [record for record in caplog.records if "denied" in record.getMessage()]
    assert denial.levelno == logging.WARNING and denial.exc_info is None
    message = denial.getMessage()
    role = declaration(build_schema()._schema.mutation_type.fields[field]).role.label
    assert "ci" in message and field in message and f"needs the {role} role" in message
    assert "mutation" not in message and "{" not in message


async def test_an_unexpected_error_is_logged_with_its_trace_but_not_the_document(
    gateway: Gateway, pool_id: str, caplog: pytest.LogCaptureFixture
):
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("a bug under the resolver")

    client = await gateway.app.state.cognito.client(DEMO_REGION, write=False)
    client.meta.events.register("before-call.cognito-idp.AdminGetUser", fail)
    caplog.set_level(logging.DEBUG)
    body = await gateway.query(
        f'{{ user(userPoolId: "{pool_id}", username: "needle-in-the-document") {{ __typename }} }}'
    )

    assert body["errors"][0]["extensions"] == {"code": "INTERNAL"}
    [logged] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "a bug under the resolver" in logged_text([logged])  # the trace is there
    assert "needle-in-the-document" not in logged_text(caplog.records)
