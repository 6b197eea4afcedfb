"""App client secret rotation: ``UserPoolClient.secrets``, ``addUserPoolClientSecret`` and
``deleteUserPoolClientSecret``, through HTTP against the real app and the moto server: secrets hidden from all but
admins, redacted in the audit, never logged, and the gateway's own SECRET_HASH following a rotation."""

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from gateway.cognito import model
from gateway.cognito.auth_crypto import secret_hash
from gateway.demo.server import DemoBackend
from gateway.graphql import audit
from tests.conftest import running_gateway
from tests.graphql.callers import callers, forbidden
from tests.helpers import PASSWORD, assert_error

CHOSEN_SECRET = "chosen0secret0of0the0caller0abcdef"  # 24..64 characters of [\w+]
DESCRIPTOR = "clientSecretId clientSecretCreateDate clientSecretValue"

SECRETS = (
    """
query($pool: ID!, $client: String!) {
  userPoolClient(userPoolId: $pool, clientId: $client) {
    __typename
    ... on UserPoolClient { clientId secrets { %s } }
  }
}"""
    % DESCRIPTOR
)


def confidential_client(cognito: BaseClient, pool_id: str) -> dict[str, Any]:
    """A client with a generated secret that signs in with USER_SRP_AUTH."""
    return cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="confidential", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]


def stored_secret_ids(cognito: BaseClient, pool_id: str, client_id: str) -> list[str]:
    response = cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)
    return [secret["ClientSecretId"] for secret in response["ClientSecrets"]]


def client_key(pool_id: str, client_id: str) -> dict[str, str]:
    return {"userPoolId": pool_id, "clientId": client_id}


# --- UserPoolClient.secrets -----------------------------------------------------------------------------


async def test_secrets_of_a_confidential_client(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)

    data = await gateway.data(SECRETS, {"pool": pool_id, "client": client["ClientId"]})

    [secret] = data["userPoolClient"]["secrets"]
    assert secret["clientSecretId"] == stored_secret_ids(cognito, pool_id, client["ClientId"])[0]
    assert secret["clientSecretId"].startswith(f"{client['ClientId']}--")
    assert secret["clientSecretCreateDate"]
    assert secret["clientSecretValue"] is None  # the list never answers a value
    assert gateway.calls == {"DescribeUserPoolClient": 1, "ListUserPoolClientSecrets": 1}


async def test_a_public_client_has_no_secrets(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="public")["UserPoolClient"]["ClientId"]

    data = await gateway.data(SECRETS, {"pool": pool_id, "client": client_id})

    assert data["userPoolClient"]["secrets"] == []


async def test_secrets_of_listed_clients_need_no_description(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    """The list's summary has the client's ID: selecting ``secrets`` costs one call per client, no describe."""
    clients = [confidential_client(cognito, pool_id)["ClientId"] for _ in range(3)]

    data = await gateway.data(
        "query($pool: ID!) { userPoolClients(userPoolId: $pool) {"
        "  ... on UserPoolClientConnection { nodes { clientId secrets { clientSecretId } } } } }",
        {"pool": pool_id},
    )

    nodes = data["userPoolClients"]["nodes"]
    assert sorted(node["clientId"] for node in nodes) == sorted(clients)
    for node in nodes:
        assert [secret["clientSecretId"] for secret in node["secrets"]] == stored_secret_ids(
            cognito, pool_id, node["clientId"]
        )
    assert gateway.calls == {"ListUserPoolClients": 1, "ListUserPoolClientSecrets": 3}


# --- addUserPoolClientSecret ---------------------------------------------------------------------------


async def test_add_a_generated_secret_answers_its_value_once(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)
    [first_id] = stored_secret_ids(cognito, pool_id, client["ClientId"])

    result = await gateway.mutate(
        "addUserPoolClientSecret",
        client_key(pool_id, client["ClientId"]),
        f"userPoolId clientId clientSecretDescriptor {{ {DESCRIPTOR} }}",
    )

    assert result["__typename"] == "AddUserPoolClientSecretPayload"
    assert (result["userPoolId"], result["clientId"]) == (pool_id, client["ClientId"])
    added = result["clientSecretDescriptor"]
    assert added["clientSecretValue"] and added["clientSecretValue"] != client["ClientSecret"]
    assert added["clientSecretCreateDate"]
    assert stored_secret_ids(cognito, pool_id, client["ClientId"]) == [first_id, added["clientSecretId"]]
    assert gateway.calls == {"AddUserPoolClientSecret": 1}

    listed = await gateway.data(SECRETS, {"pool": pool_id, "client": client["ClientId"]})
    assert [secret["clientSecretId"] for secret in listed["userPoolClient"]["secrets"]] == [
        first_id,
        added["clientSecretId"],
    ]
    assert all(secret["clientSecretValue"] is None for secret in listed["userPoolClient"]["secrets"])


async def test_add_a_chosen_secret(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)

    result = await gateway.mutate(
        "addUserPoolClientSecret",
        {**client_key(pool_id, client["ClientId"]), "clientSecret": CHOSEN_SECRET},
        f"clientSecretDescriptor {{ {DESCRIPTOR} }}",
    )

    added = result["clientSecretDescriptor"]
    assert added["clientSecretValue"] is None  # Cognito answers only a value it generated: the caller has its own
    assert added["clientSecretId"] in stored_secret_ids(cognito, pool_id, client["ClientId"])


async def test_a_third_secret_is_limit_exceeded(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)
    cognito.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=client["ClientId"])

    result = await gateway.mutate("addUserPoolClientSecret", client_key(pool_id, client["ClientId"]))

    assert_error(result, "LimitExceededError", "LimitExceededException")
    assert len(stored_secret_ids(cognito, pool_id, client["ClientId"])) == 2


async def test_a_public_client_has_no_secret_to_rotate(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="public")["UserPoolClient"]["ClientId"]

    result = await gateway.mutate("addUserPoolClientSecret", client_key(pool_id, client_id))

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert stored_secret_ids(cognito, pool_id, client_id) == []


async def test_add_a_secret_to_a_missing_client(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("addUserPoolClientSecret", client_key(pool_id, "no-such-client"))

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


@pytest.mark.parametrize("chosen", ["too0short0secret", "x" * 65])
async def test_a_chosen_secret_out_of_bounds_is_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str, chosen: str
) -> None:
    client = confidential_client(cognito, pool_id)

    result = await gateway.mutate(
        "addUserPoolClientSecret", {**client_key(pool_id, client["ClientId"]), "clientSecret": chosen}
    )

    assert result["__typename"] == "InvalidParameterError"
    assert chosen not in result["message"]  # a refused secret is not echoed
    assert gateway.calls == {}
    assert len(stored_secret_ids(cognito, pool_id, client["ClientId"])) == 1


# --- deleteUserPoolClientSecret ----------------------------------------------------------------------------


async def test_delete_a_secret(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)
    [old_id] = stored_secret_ids(cognito, pool_id, client["ClientId"])
    new_id = cognito.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=client["ClientId"])[
        "ClientSecretDescriptor"
    ]["ClientSecretId"]

    result = await gateway.mutate(
        "deleteUserPoolClientSecret",
        {**client_key(pool_id, client["ClientId"]), "clientSecretId": old_id},
        "userPoolId clientId clientSecretId",
    )

    assert result == {
        "__typename": "DeleteUserPoolClientSecretPayload",
        "userPoolId": pool_id,
        "clientId": client["ClientId"],
        "clientSecretId": old_id,
    }
    assert stored_secret_ids(cognito, pool_id, client["ClientId"]) == [new_id]
    assert gateway.calls == {"DeleteUserPoolClientSecret": 1}


async def test_delete_the_last_secret_is_refused(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)
    [only_id] = stored_secret_ids(cognito, pool_id, client["ClientId"])

    result = await gateway.mutate(
        "deleteUserPoolClientSecret", {**client_key(pool_id, client["ClientId"]), "clientSecretId": only_id}
    )

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert stored_secret_ids(cognito, pool_id, client["ClientId"]) == [only_id]


async def test_delete_a_missing_secret(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)

    result = await gateway.mutate(
        "deleteUserPoolClientSecret",
        {**client_key(pool_id, client["ClientId"]), "clientSecretId": f"{client['ClientId']}--1"},
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
    assert len(stored_secret_ids(cognito, pool_id, client["ClientId"])) == 1


# --- SECRET_HASH after a rotation -----------------------------------------------------------------------


def srp_sign_in(pool_id: str, client_id: str) -> dict[str, Any]:
    """alice's USER_SRP_AUTH driven by the gateway, which adds SECRET_HASH (moto checks it on this flow)."""
    return {
        "userPoolId": pool_id,
        "clientId": client_id,
        "authFlow": "USER_SRP_AUTH",
        "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
    }


def create_alice(cognito: BaseClient, pool_id: str) -> None:
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)


def hash_accepted(cognito: BaseClient, client_id: str, secret: str) -> bool:
    """Whether Cognito takes a SECRET_HASH computed with ``secret`` for alice's SRP sign-in."""
    try:
        cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={
                "USERNAME": "alice",
                "SRP_A": "abc123",
                "SECRET_HASH": secret_hash("alice", client_id, secret),
            },
        )
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NotAuthorizedException"
        return False
    return True


TOKENS = "authenticationResult { accessToken }"


async def test_sign_in_after_a_rotation_uses_the_current_secret(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    """The gateway computes SECRET_HASH from DescribeUserPoolClient's secret, which the shared cache keeps: the
    rotation's mutations drop it, so the sign-in after the old secret is deleted hashes with the new one."""
    client = confidential_client(cognito, pool_id)
    client_id, old_secret = client["ClientId"], client["ClientSecret"]
    create_alice(cognito, pool_id)
    before = await gateway.mutate("initiateAuth", srp_sign_in(pool_id, client_id), TOKENS)
    assert before["authenticationResult"]["accessToken"], before  # the old secret is now in the shared cache
    [old_id] = stored_secret_ids(cognito, pool_id, client_id)

    added = await gateway.mutate(
        "addUserPoolClientSecret", client_key(pool_id, client_id), "clientSecretDescriptor { clientSecretValue }"
    )
    deleted = await gateway.mutate(
        "deleteUserPoolClientSecret", {**client_key(pool_id, client_id), "clientSecretId": old_id}
    )
    assert deleted["__typename"] == "DeleteUserPoolClientSecretPayload", deleted
    gateway.reset_calls()
    after = await gateway.mutate("initiateAuth", srp_sign_in(pool_id, client_id), TOKENS)

    assert after["__typename"] == "InitiateAuthPayload", after
    assert after["authenticationResult"]["accessToken"]
    # The client described afresh (once: the pool check and SECRET_HASH share the read).
    assert gateway.calls == {"DescribeUserPoolClient": 1, "InitiateAuth": 1, "RespondToAuthChallenge": 1}
    # Why it matters: the old secret's hash is refused now, the new one's taken.
    assert not hash_accepted(cognito, client_id, old_secret)
    assert hash_accepted(cognito, client_id, added["clientSecretDescriptor"]["clientSecretValue"])


async def test_sign_in_while_both_secrets_are_held(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    """Between add and delete the client holds two secrets: the gateway's sign-in keeps working, and either secret's
    hash is taken."""
    client = confidential_client(cognito, pool_id)
    create_alice(cognito, pool_id)

    added = await gateway.mutate(
        "addUserPoolClientSecret",
        client_key(pool_id, client["ClientId"]),
        "clientSecretDescriptor { clientSecretValue }",
    )
    result = await gateway.mutate("initiateAuth", srp_sign_in(pool_id, client["ClientId"]), TOKENS)

    assert result["authenticationResult"]["accessToken"], result
    assert hash_accepted(cognito, client["ClientId"], client["ClientSecret"])
    assert hash_accepted(cognito, client["ClientId"], added["clientSecretDescriptor"]["clientSecretValue"])


# --- roles ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["viewer", "operator"])
async def test_only_an_admin_rotates_secrets(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, caller: str
) -> None:
    client = confidential_client(cognito, pool_id)
    [secret_id] = stored_secret_ids(cognito, pool_id, client["ClientId"])
    add = "mutation($pool: ID!, $client: String!) { run: addUserPoolClientSecret(input: {userPoolId: $pool, clientId: $client}) { __typename } }"  # noqa: E501
    delete = (
        "mutation($pool: ID!, $client: String!, $id: String!) { run: deleteUserPoolClientSecret("
        "input: {userPoolId: $pool, clientId: $client, clientSecretId: $id}) { __typename } }"
    )
    variables = {"pool": pool_id, "client": client["ClientId"], "id": secret_id}
    async with callers(backend, pool_id) as as_caller:
        gateway = as_caller(caller)
        for document in (add, delete):
            body = await gateway.query(document, variables)
            assert body["data"]["run"] is None
            assert "admin role" in forbidden(body, ["run"])
        assert gateway.calls == {}
        admin = await as_caller("pool-admin").query(add, variables)

    assert admin["data"]["run"] == {"__typename": "AddUserPoolClientSecretPayload"}
    assert len(stored_secret_ids(cognito, pool_id, client["ClientId"])) == 2


async def test_only_an_admin_reads_the_secrets(backend: DemoBackend, cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id)
    variables = {"pool": pool_id, "client": client["ClientId"]}
    async with callers(backend, pool_id) as as_caller:
        viewer = as_caller("viewer")
        refused = await viewer.query(SECRETS, variables)
        refused_calls = viewer.calls
        allowed = await as_caller("pool-admin").query(SECRETS, variables)

    assert refused["data"]["userPoolClient"] == {
        "__typename": "UserPoolClient",
        "clientId": client["ClientId"],
        "secrets": None,
    }
    assert "admin role" in forbidden(refused, ["userPoolClient", "secrets"])
    assert refused_calls == {"DescribeUserPoolClient": 1}
    assert "errors" not in allowed
    assert len(allowed["data"]["userPoolClient"]["secrets"]) == 1


# --- audit and logs -------------------------------------------------------------------------------------


async def test_secrets_are_redacted_in_the_audit_and_never_logged(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    audit_path = tmp_path / "audit.log"
    async with running_gateway(backend, audit_log_path=str(audit_path)) as gateway:
        audit.logger.addHandler(caplog.handler)  # the audit logger does not propagate to the root
        try:
            created = await gateway.mutate(
                "createUserPoolClient",
                {"userPoolId": pool_id, "clientName": "chosen", "clientSecret": CHOSEN_SECRET},
                "clientSecret userPoolClient { clientId }",
            )
            client_id = created["userPoolClient"]["clientId"]
            generated = await gateway.mutate(
                "addUserPoolClientSecret",
                client_key(pool_id, client_id),
                "clientSecretDescriptor { clientSecretValue }",
            )
            [old_id, _] = stored_secret_ids(cognito, pool_id, client_id)
            await gateway.mutate(
                "deleteUserPoolClientSecret", {**client_key(pool_id, client_id), "clientSecretId": old_id}
            )
            chosen_again = "another0chosen0secret0of0the0caller0xyz"
            rotated = await gateway.mutate(
                "addUserPoolClientSecret", {**client_key(pool_id, client_id), "clientSecret": chosen_again}
            )
        finally:
            audit.logger.removeHandler(caplog.handler)

    assert created["clientSecret"] == CHOSEN_SECRET
    assert rotated["__typename"] == "AddUserPoolClientSecretPayload"
    generated_secret = generated["clientSecretDescriptor"]["clientSecretValue"]
    assert generated_secret
    records = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert [record["operation"] for record in records] == [
        "CreateUserPoolClient",
        "AddUserPoolClientSecret",
        "DeleteUserPoolClientSecret",
        "AddUserPoolClientSecret",
    ]
    assert records[0]["input"]["ClientSecret"] == model.REDACTED
    assert records[1]["input"] == {"UserPoolId": pool_id, "ClientId": client_id}
    assert records[2]["input"]["ClientSecretId"] == old_id
    assert records[3]["input"]["ClientSecret"] == model.REDACTED
    logged = [audit_path.read_text(), caplog.text]
    logged += [f"{record.getMessage()} {record.args!r} {getattr(record, 'audit', '')!r}" for record in caplog.records]
    for secret in (CHOSEN_SECRET, generated_secret, chosen_again):
        assert not [text for text in logged if secret in text], "a client secret was logged"
