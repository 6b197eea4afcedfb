"""App client secret rotation in the demo backend (gateway.demo.client_secrets), through boto3 on the moto server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from botocore.client import BaseClient

from gateway.demo import client_secrets
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, PASSWORD, check_against_model, raises, secret_hash

CHOSEN = "my0own0secret0of0thirty0chars"  # ClientSecretType: 24..64 of [\w+]


def confidential_client(cognito: BaseClient, pool_id: str, **config: object) -> dict:
    return cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="server-app",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **config,
    )["UserPoolClient"]


def sign_in(cognito: BaseClient, pool_id: str, client_id: str, secret: str) -> dict:
    """Start an SRP sign-in, where moto checks the SECRET_HASH (not in its password flows)."""
    return cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": "alice", "SRP_A": "a1b2c3", "SECRET_HASH": secret_hash(secret, client_id, "alice")},
    )


@pytest.fixture
def alice(cognito: BaseClient, pool_id: str) -> str:
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    return "alice"


def test_the_generated_secret_is_listed_without_its_value(cognito: BaseClient, pool_id: str) -> None:
    client = confidential_client(cognito, pool_id, GenerateSecret=True)
    listed = cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client["ClientId"])
    assert "NextToken" not in listed
    [secret] = listed["ClientSecrets"]
    assert re.fullmatch(re.escape(client["ClientId"]) + r"--\d{13}", secret["ClientSecretId"])
    assert abs(datetime.now(UTC) - secret["ClientSecretCreateDate"]) < timedelta(minutes=1)
    assert "ClientSecretValue" not in secret


def test_rotate_a_secret(cognito: BaseClient, pool_id: str, alice: str) -> None:
    client = confidential_client(cognito, pool_id, GenerateSecret=True)
    client_id, old_secret = client["ClientId"], client["ClientSecret"]
    added = cognito.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=client_id)["ClientSecretDescriptor"]
    new_secret = added["ClientSecretValue"]  # generated, so answered once
    assert re.fullmatch(r"[\w+]{24,64}", new_secret) and new_secret != old_secret
    check_against_model(added, MODEL.shape_for("ClientSecretDescriptorType"), "ClientSecretDescriptor")
    listed = cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)["ClientSecrets"]
    assert [secret["ClientSecretId"] for secret in listed][1] == added["ClientSecretId"]
    assert all("ClientSecretValue" not in secret for secret in listed)
    # Both secrets sign in while both are held.
    assert sign_in(cognito, pool_id, client_id, old_secret)["ChallengeName"] == "PASSWORD_VERIFIER"
    assert sign_in(cognito, pool_id, client_id, new_secret)["ChallengeName"] == "PASSWORD_VERIFIER"
    # Retire the old one: only the new one works, and it is the client's secret now.
    cognito.delete_user_pool_client_secret(
        UserPoolId=pool_id, ClientId=client_id, ClientSecretId=listed[0]["ClientSecretId"]
    )
    raises("NotAuthorizedException", sign_in, cognito, pool_id, client_id, old_secret)
    assert sign_in(cognito, pool_id, client_id, new_secret)["ChallengeName"] == "PASSWORD_VERIFIER"
    described = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert described["ClientSecret"] == new_secret
    remaining = cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)["ClientSecrets"]
    assert [secret["ClientSecretId"] for secret in remaining] == [added["ClientSecretId"]]


def test_a_chosen_secret_is_not_answered_back(cognito: BaseClient, pool_id: str, alice: str) -> None:
    client_id = confidential_client(cognito, pool_id, GenerateSecret=True)["ClientId"]
    added = cognito.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=client_id, ClientSecret=CHOSEN)
    assert "ClientSecretValue" not in added["ClientSecretDescriptor"]
    assert sign_in(cognito, pool_id, client_id, CHOSEN)["ChallengeName"] == "PASSWORD_VERIFIER"


def test_at_most_two_secrets_and_never_none(cognito: BaseClient, pool_id: str) -> None:
    client_id = confidential_client(cognito, pool_id, GenerateSecret=True)["ClientId"]
    cognito.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=client_id)
    raises("LimitExceededException", cognito.add_user_pool_client_secret, UserPoolId=pool_id, ClientId=client_id)
    first, second = cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)["ClientSecrets"]
    cognito.delete_user_pool_client_secret(
        UserPoolId=pool_id, ClientId=client_id, ClientSecretId=second["ClientSecretId"]
    )
    raises(
        "InvalidParameterException",
        cognito.delete_user_pool_client_secret,
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientSecretId=first["ClientSecretId"],
    )
    assert len(cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)["ClientSecrets"]) == 1


def test_client_secret_errors(cognito: BaseClient, pool_id: str) -> None:
    client_id = confidential_client(cognito, pool_id, GenerateSecret=True)["ClientId"]
    public_id = confidential_client(cognito, pool_id)["ClientId"]
    for operation in (cognito.add_user_pool_client_secret, cognito.list_user_pool_client_secrets):
        raises("ResourceNotFoundException", operation, UserPoolId="us-east-1_nopool", ClientId=client_id)
        raises("ResourceNotFoundException", operation, UserPoolId=pool_id, ClientId="noclient")
    raises(
        "ResourceNotFoundException",
        cognito.delete_user_pool_client_secret,
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientSecretId=f"{client_id}--1",
    )
    raises("InvalidParameterException", cognito.add_user_pool_client_secret, UserPoolId=pool_id, ClientId=public_id)
    assert cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=public_id)["ClientSecrets"] == []
    message = raises(
        "InvalidParameterException",
        cognito.add_user_pool_client_secret,
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientSecret="has-dashes-and-is-long-enough-x",
    )
    assert "has-dashes-and-is-long-enough-x" not in message  # a secret is never echoed
    assert len(cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client_id)["ClientSecrets"]) == 1


def test_create_user_pool_client_with_a_chosen_secret(cognito: BaseClient, pool_id: str, alice: str) -> None:
    client = confidential_client(cognito, pool_id, ClientSecret=CHOSEN)
    assert client["ClientSecret"] == CHOSEN
    described = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientSecret"] == CHOSEN
    # A confidential client: the secret hash is required and checked against the chosen secret.
    assert sign_in(cognito, pool_id, client["ClientId"], CHOSEN)["ChallengeName"] == "PASSWORD_VERIFIER"
    raises("NotAuthorizedException", sign_in, cognito, pool_id, client["ClientId"], "another0secret0of0length0x")
    [secret] = cognito.list_user_pool_client_secrets(UserPoolId=pool_id, ClientId=client["ClientId"])["ClientSecrets"]
    assert secret["ClientSecretId"].startswith(client["ClientId"] + "--")


def test_create_user_pool_client_secret_errors(cognito: BaseClient, pool_id: str) -> None:
    raises(
        "InvalidParameterException",
        confidential_client,
        cognito,
        pool_id,
        GenerateSecret=True,
        ClientSecret=CHOSEN,
    )
    raises(
        "InvalidParameterException", confidential_client, cognito, pool_id, ClientSecret="bad-secret-with-dashes-long"
    )
    assert cognito.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"] == []


def test_reset_drops_the_secrets(backend: DemoBackend, cognito: BaseClient, pool_id: str) -> None:
    client_id = confidential_client(cognito, pool_id, GenerateSecret=True)["ClientId"]
    cognito.add_user_pool_client_secret(UserPoolId=pool_id, ClientId=client_id)
    client = client_secrets.find_client(client_id)
    assert client is not None and len(client_secrets.client_secrets(client)) == 2
    backend.reset()
    assert client_secrets.find_client(client_id) is None
    raises("ResourceNotFoundException", cognito.list_user_pool_client_secrets, UserPoolId=pool_id, ClientId=client_id)
