"""GetClientToken and GetTokensFromRefreshToken in the demo backend (gateway.demo.tokens), through boto3 on moto."""

from __future__ import annotations

import time

import pytest
from botocore.client import BaseClient

from gateway.demo.extensions import _jwt_claims
from gateway.demo.server import DemoBackend
from tests.demo.support import Pool, make_pool, raises

M2M_FLOWS = ["ALLOW_CLIENT_TOKEN_AUTH"]


@pytest.fixture
def pool(cognito: BaseClient) -> Pool:
    created = make_pool(cognito, advanced_security=None)
    created.create_user(cognito, "alice")
    cognito.create_resource_server(
        UserPoolId=created.id,
        Identifier="orders",
        Name="Orders API",
        Scopes=[
            {"ScopeName": "read", "ScopeDescription": "read orders"},
            {"ScopeName": "write", "ScopeDescription": "write orders"},
        ],
    )
    return created


def m2m_client(cognito: BaseClient, pool: Pool, **config: object) -> dict:
    settings = {"ExplicitAuthFlows": M2M_FLOWS, "AllowedOAuthScopes": ["orders/read", "orders/write"], **config}
    return cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="worker", GenerateSecret=True, **settings)[
        "UserPoolClient"
    ]


# -- GetClientToken -------------------------------------------------------------------


def test_get_client_token(cognito: BaseClient, pool: Pool) -> None:
    client = m2m_client(cognito, pool, AccessTokenValidity=15, TokenValidityUnits={"AccessToken": "minutes"})
    result = cognito.get_client_token(
        ClientId=client["ClientId"], Secret=client["ClientSecret"], Scopes=["orders/read"]
    )
    token = result["ClientAuthenticationResult"]
    assert token["TokenType"] == "Bearer" and token["ExpiresIn"] == 15 * 60
    claims = _jwt_claims(token["AccessToken"])
    assert claims["token_use"] == "access"
    assert claims["client_id"] == claims["sub"] == client["ClientId"]
    assert claims["scope"] == "orders/read"
    assert claims["iss"].endswith(f"/{pool.id}")
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_get_client_token_defaults_to_the_client_scopes_and_takes_a_new_secret(cognito: BaseClient, pool: Pool) -> None:
    client = m2m_client(cognito, pool)
    added = cognito.add_user_pool_client_secret(UserPoolId=pool.id, ClientId=client["ClientId"])
    result = cognito.get_client_token(
        ClientId=client["ClientId"], Secret=added["ClientSecretDescriptor"]["ClientSecretValue"]
    )
    claims = _jwt_claims(result["ClientAuthenticationResult"]["AccessToken"])
    assert claims["scope"] == "orders/read orders/write"
    assert result["ClientAuthenticationResult"]["ExpiresIn"] == 3600


def test_get_client_token_errors(cognito: BaseClient, pool: Pool) -> None:
    client = m2m_client(cognito, pool, AllowedOAuthScopes=["orders/read"])
    client_id, secret = client["ClientId"], client["ClientSecret"]
    raises("ResourceNotFoundException", cognito.get_client_token, ClientId="noclient", Secret=secret)
    raises(
        "NotAuthorizedException", cognito.get_client_token, ClientId=client_id, Secret="wrong0secret0of0enough0length"
    )
    raises(
        "InvalidParameterException",
        cognito.get_client_token,
        ClientId=client_id,
        Secret=secret,
        Scopes=["orders/write"],
    )
    raises(
        "InvalidParameterException", cognito.get_client_token, ClientId=client_id, Secret=secret, Scopes=["nope/read"]
    )
    # A client without the flow, and a public client.
    user_client = m2m_client(cognito, pool, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    raises(
        "InvalidParameterException",
        cognito.get_client_token,
        ClientId=user_client["ClientId"],
        Secret=user_client["ClientSecret"],
    )
    raises("NotAuthorizedException", cognito.get_client_token, ClientId=pool.client_id, Secret=secret)


# -- GetTokensFromRefreshToken --------------------------------------------------------------


def refresh_token(cognito: BaseClient, pool: Pool, client_id: str | None = None) -> str:
    result = cognito.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=client_id or pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!Passw0rd"},
    )
    return result["AuthenticationResult"]["RefreshToken"]


def rotating_client(cognito: BaseClient, pool: Pool, grace: int) -> str:
    return cognito.create_user_pool_client(
        UserPoolId=pool.id,
        ClientName="rotating",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": grace},
    )["UserPoolClient"]["ClientId"]


def test_refresh_without_rotation(cognito: BaseClient, pool: Pool) -> None:
    token = refresh_token(cognito, pool)
    result = cognito.get_tokens_from_refresh_token(RefreshToken=token, ClientId=pool.client_id)["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert _jwt_claims(result["IdToken"])["cognito:username"] == "alice"
    assert cognito.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"
    # The same refresh token keeps working.
    cognito.get_tokens_from_refresh_token(RefreshToken=token, ClientId=pool.client_id)


def test_refresh_with_rotation_and_no_grace(cognito: BaseClient, pool: Pool) -> None:
    client_id = rotating_client(cognito, pool, grace=0)
    first = refresh_token(cognito, pool, client_id)
    result = cognito.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)["AuthenticationResult"]
    second = result["RefreshToken"]
    assert second != first
    assert cognito.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"
    raises("RefreshTokenReuseException", cognito.get_tokens_from_refresh_token, RefreshToken=first, ClientId=client_id)
    # The rotated-out token is dead for InitiateAuth too; the successor rotates in turn.
    raises(
        "NotAuthorizedException",
        cognito.initiate_auth,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first},
    )
    third = cognito.get_tokens_from_refresh_token(RefreshToken=second, ClientId=client_id)["AuthenticationResult"]
    assert third["RefreshToken"] not in (first, second)


def test_a_retry_within_the_grace_period_gets_the_same_successor(cognito: BaseClient, pool: Pool) -> None:
    client_id = rotating_client(cognito, pool, grace=2)
    first = refresh_token(cognito, pool, client_id)
    answer = cognito.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)["AuthenticationResult"]
    retried = cognito.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)["AuthenticationResult"]
    assert retried["RefreshToken"] == answer["RefreshToken"]
    assert retried["AccessToken"] != answer["AccessToken"]
    time.sleep(2.1)
    raises("RefreshTokenReuseException", cognito.get_tokens_from_refresh_token, RefreshToken=first, ClientId=client_id)
    cognito.get_tokens_from_refresh_token(RefreshToken=answer["RefreshToken"], ClientId=client_id)


def test_refresh_with_a_confidential_client(cognito: BaseClient, pool: Pool) -> None:
    client = cognito.create_user_pool_client(
        UserPoolId=pool.id,
        ClientName="server",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    client_id = client["ClientId"]
    token = cognito.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!Passw0rd"},
    )["AuthenticationResult"]["RefreshToken"]
    raises("NotAuthorizedException", cognito.get_tokens_from_refresh_token, RefreshToken=token, ClientId=client_id)
    raises(
        "NotAuthorizedException",
        cognito.get_tokens_from_refresh_token,
        RefreshToken=token,
        ClientId=client_id,
        ClientSecret="wrong0secret0of0enough0length",
    )
    cognito.get_tokens_from_refresh_token(RefreshToken=token, ClientId=client_id, ClientSecret=client["ClientSecret"])
    # A newly added secret is accepted too.
    added = cognito.add_user_pool_client_secret(UserPoolId=pool.id, ClientId=client_id)
    new_secret = added["ClientSecretDescriptor"]["ClientSecretValue"]
    cognito.get_tokens_from_refresh_token(RefreshToken=token, ClientId=client_id, ClientSecret=new_secret)


def test_refresh_errors(cognito: BaseClient, pool: Pool) -> None:
    token = refresh_token(cognito, pool)
    refresh = cognito.get_tokens_from_refresh_token
    raises("ResourceNotFoundException", refresh, RefreshToken=token, ClientId="noclient")
    raises("NotAuthorizedException", refresh, RefreshToken="not-a-refresh-token", ClientId=pool.client_id)
    other = make_pool(cognito, advanced_security=None)  # a client the token was not issued to
    raises("NotAuthorizedException", refresh, RefreshToken=token, ClientId=other.client_id)
    cognito.admin_disable_user(UserPoolId=pool.id, Username="alice")
    raises("NotAuthorizedException", refresh, RefreshToken=token, ClientId=pool.client_id)
    cognito.admin_enable_user(UserPoolId=pool.id, Username="alice")
    cognito.revoke_token(Token=token, ClientId=pool.client_id)
    raises("NotAuthorizedException", refresh, RefreshToken=token, ClientId=pool.client_id)
    fresh = refresh_token(cognito, pool)
    cognito.admin_delete_user(UserPoolId=pool.id, Username="alice")
    raises("UserNotFoundException", refresh, RefreshToken=fresh, ClientId=pool.client_id)


def test_reset_drops_rotations(backend: DemoBackend, cognito: BaseClient, pool: Pool) -> None:
    client_id = rotating_client(cognito, pool, grace=0)
    first = refresh_token(cognito, pool, client_id)
    cognito.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)
    backend.reset()
    raises("ResourceNotFoundException", cognito.get_tokens_from_refresh_token, RefreshToken=first, ClientId=client_id)
