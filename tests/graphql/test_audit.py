"""The audit trail through HTTP on the real app and the moto server: one JSON line per mutation field."""

import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient

from gateway.auth.api_keys import hash_key
from gateway.cognito import model
from gateway.demo.server import DemoBackend
from gateway.graphql import audit
from gateway.settings import ApiKey
from tests.conftest import Gateway, running_gateway

PASSWORD = "Passw0rd!Passw0rd"
KEY = "viewer-key-0123456789"
CODE = "918273"


class Audited:
    def __init__(self, gateway: Gateway, path: Path) -> None:
        self.gateway = gateway
        self.path = path

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.path.read_text().splitlines()]


@pytest.fixture
async def audited(backend: DemoBackend, cognito: BaseClient, tmp_path: Path) -> AsyncIterator[Audited]:
    path = tmp_path / "audit.log"
    async with running_gateway(backend, audit_log_path=str(path)) as gateway:
        yield Audited(gateway, path)


async def test_an_allowed_mutation_that_succeeds(audited: Audited, pool_id: str):
    result = await audited.gateway.mutate(
        "adminCreateUser", {"userPoolId": pool_id, "username": "alice", "messageAction": "SUPPRESS"}
    )

    assert result["__typename"] == "AdminCreateUserPayload"
    [record] = audited.records()
    assert datetime.fromisoformat(record["time"]).utcoffset().total_seconds() == 0
    assert record["caller"] == "anonymous"
    assert record["roles"] == ["admin"]
    assert record["auth_mode"] == "none"
    assert (record["operation"], record["field"]) == ("AdminCreateUser", "adminCreateUser")
    assert record["pool"] == pool_id
    assert record["object"] == {"Username": "alice"}
    assert record["input"] == {"UserPoolId": pool_id, "Username": "alice", "MessageAction": "SUPPRESS"}
    assert record["outcome"] == "AdminCreateUserPayload"
    assert len(record["request_ids"]) == 1 and record["request_ids"][0]
    assert record["duration_ms"] > 0


async def test_a_failed_mutation_has_its_error_type_and_request_id(audited: Audited, pool_id: str):
    result = await audited.gateway.mutate("adminDeleteUser", {"userPoolId": pool_id, "username": "nobody"})

    assert result["__typename"] == "UserNotFoundError"
    [record] = audited.records()
    assert record["outcome"] == "UserNotFoundError"
    assert record["object"] == {"Username": "nobody"}
    assert record["request_ids"] == [result["requestId"]]


async def test_a_refused_request_is_recorded_without_request_id(audited: Audited):
    result = await audited.gateway.mutate("adminDeleteUser", {"userPoolId": "not-a-pool", "username": "alice"})

    assert result["__typename"] == "InvalidParameterError"
    [record] = audited.records()
    assert (record["outcome"], record["request_ids"]) == ("InvalidParameterError", [])


async def test_a_denied_mutation_is_forbidden_and_calls_nothing(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, tmp_path: Path
):
    path = tmp_path / "audit.log"
    settings = {"auth_mode": "api-key", "api_keys": [ApiKey(name="ci", role="viewer", hash=hash_key(KEY))]}
    async with running_gateway(backend, audit_log_path=str(path), **settings) as gateway:
        gateway.reset_calls()
        response = await gateway.http.post(
            "/graphql",
            headers={"X-API-Key": KEY},
            json={
                "query": "mutation($input: AdminDeleteUserInput!) { adminDeleteUser(input: $input) { __typename } }",
                "variables": {"input": {"userPoolId": pool_id, "username": "alice"}},
            },
        )
        calls = gateway.calls

    body = response.json()
    assert body["data"] == {"adminDeleteUser": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert calls == {}
    [record] = [json.loads(line) for line in path.read_text().splitlines()]
    assert (record["caller"], record["roles"], record["auth_mode"]) == ("ci", ["viewer"], "api-key")
    assert (record["outcome"], record["request_ids"]) == ("FORBIDDEN", [])
    assert record["pool"] == pool_id


async def test_secrets_in_the_input_are_redacted(audited: Audited, pool_id: str):
    await audited.gateway.mutate(
        "adminCreateUser",
        {"userPoolId": pool_id, "username": "alice", "temporaryPassword": PASSWORD, "messageAction": "SUPPRESS"},
    )
    await audited.gateway.mutate(
        "adminSetUserPassword", {"userPoolId": pool_id, "username": "alice", "password": PASSWORD, "permanent": True}
    )

    created, set_password = audited.records()
    assert created["input"]["TemporaryPassword"] == "REDACTED"
    assert set_password["input"]["Password"] == "REDACTED"
    assert set_password["object"] == {"Username": "alice"}  # a sensitive shape in the model, kept on purpose
    assert PASSWORD not in audited.path.read_text()


async def test_one_record_per_mutation_field(audited: Audited, pool_id: str):
    document = """
        mutation($pool: ID!) {
          first: createGroup(input: {userPoolId: $pool, groupName: "admins"}) { __typename }
          second: createGroup(input: {userPoolId: $pool, groupName: "admins"}) { __typename }
        }
    """
    data = await audited.gateway.data(document, {"pool": pool_id})

    assert data == {"first": {"__typename": "CreateGroupPayload"}, "second": {"__typename": "GroupExistsError"}}
    records = audited.records()
    assert [record["outcome"] for record in records] == ["CreateGroupPayload", "GroupExistsError"]
    assert all(record["object"] == {"GroupName": "admins"} for record in records)
    assert audited.gateway.calls == {"CreateGroup": 2}


async def test_a_query_and_an_invalid_mutation_are_not_recorded(audited: Audited, pool_id: str):
    await audited.gateway.data("query($id: ID!) { userPool(id: $id) { __typename } }", {"id": pool_id})
    body = await audited.gateway.query("mutation { adminDeleteUser(input: {username: 1}) { __typename } }")

    assert body["errors"]
    assert not audited.path.exists() or audited.records() == []


async def test_stdout_by_default(backend: DemoBackend, cognito: BaseClient, pool_id: str, capsys: Any):
    async with running_gateway(backend) as gateway:
        await gateway.mutate("createGroup", {"userPoolId": pool_id, "groupName": "admins"})

    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["outcome"] == "CreateGroupPayload"


async def test_configuring_twice_replaces_the_sink(tmp_path: Path):
    audit.configure(str(tmp_path / "one.log"))
    audit.configure(str(tmp_path / "two.log"))

    assert len(audit.logger.handlers) == 1
    audit.logger.info("x", extra={"audit": {"outcome": "test"}})
    assert (tmp_path / "two.log").read_text() == '{"outcome":"test"}\n'
    assert (tmp_path / "one.log").read_text() == ""


async def test_an_integer_past_64_bits_in_a_json_input_is_still_recorded(audited: Audited, pool_id: str):
    """orjson refuses such integers; the record falls back to the stdlib encoder rather than being lost."""
    huge = 2**64
    result = await audited.gateway.mutate(
        "createIdentityProvider",
        {"userPoolId": pool_id, "providerName": "x", "providerType": "SAML", "providerDetails": {"a": huge}},
    )

    assert result["__typename"] == "InvalidParameterError"
    [record] = audited.records()
    assert record["input"]["ProviderDetails"] == {"a": huge}
    assert record["outcome"] == "InvalidParameterError"


async def test_an_input_nested_990_deep_is_still_recorded_once(audited: Audited, pool_id: str):
    """Past the audit's depth bound a value is written as a marker: the record is never lost to recursion."""
    deep = "[" * 990 + "]" * 990  # no JSON encoder writes this, so the body is written out
    document = "mutation($input: AdminCreateUserInput!) { adminCreateUser(input: $input) { __typename } }"
    audited.gateway.reset_calls()
    body = (
        f'{{"query": "{document}", "variables": {{"input": {{"userPoolId": "{pool_id}", "username": "alice",'
        f' "clientMetadata": {{"deep": {deep}}}}}}}}}'
    )

    response = await audited.gateway.http.post("/graphql", content=body, headers={"content-type": "application/json"})

    result = response.json()["data"]["adminCreateUser"]
    assert result["__typename"] == "InvalidParameterError"  # refused before the call: not a string map
    assert audited.gateway.calls == {}
    [line] = audited.path.read_text().splitlines()
    record = json.loads(line)
    assert (record["operation"], record["outcome"]) == ("AdminCreateUser", result["__typename"])
    assert record["object"] == {"Username": "alice"}
    assert json.dumps(record["input"]["ClientMetadata"]).count("[") == model.MAX_DEPTH - 2
    assert f'"{model.TRUNCATED}"' in line


def test_the_formatter_writes_what_no_encoder_can():
    """A value nested past any bound (one the redaction did not meet) costs the record its input, not the record."""
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    record = logging.LogRecord("audit", logging.INFO, __file__, 1, "x", None, None)
    record.audit = {"outcome": "FORBIDDEN", "object": {}, "input": {"ClientMetadata": deep}}

    assert json.loads(audit.JsonFormatter().format(record)) == {
        "outcome": "FORBIDDEN",
        "object": model.TRUNCATED,
        "input": model.TRUNCATED,
    }


async def test_confirmation_codes_are_redacted(audited: Audited, cognito: BaseClient, pool_id: str):
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="public")["UserPoolClient"]["ClientId"]
    user = {"userPoolId": pool_id, "clientId": client_id, "username": "alice", "confirmationCode": CODE}

    await audited.gateway.mutate("confirmSignUp", user)
    await audited.gateway.mutate("confirmForgotPassword", {**user, "password": PASSWORD})

    records = audited.records()
    assert [record["operation"] for record in records] == ["ConfirmSignUp", "ConfirmForgotPassword"]
    assert [record["input"]["ConfirmationCode"] for record in records] == ["REDACTED", "REDACTED"]
    assert CODE not in audited.path.read_text() and PASSWORD not in audited.path.read_text()
