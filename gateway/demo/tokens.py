"""Token issuance moto 5.2.5 lacks: GetClientToken (machine-to-machine) and GetTokensFromRefreshToken.

GetClientToken needs a confidential client with the ``ALLOW_CLIENT_TOKEN_AUTH`` flow and one of its secrets; the
access token (signed with the pool's key, like moto's own tokens) carries the requested scopes, or the client's
AllowedOAuthScopes when none are requested.  GetTokensFromRefreshToken answers new ID and access tokens for a
refresh token moto issued; when the client turns RefreshTokenRotation on it also answers a new refresh token, and
the one sent stops working after the client's RetryGracePeriodSeconds (RefreshTokenReuseException after that;
within it the same successor is answered again, so a client may retry a lost response).  Rotations are kept on
moto's pool object, so ``POST /moto-api/reset`` drops them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from joserfc import jwt
from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

from gateway.demo.client_secrets import is_client_secret
from gateway.demo.exceptions import RefreshTokenReuseException
from gateway.demo.requests import Operations, client_pool, pool_state, required_param

__all__ = ["CLIENT_TOKEN_FLOW", "OPERATIONS"]

CLIENT_TOKEN_FLOW: Final = "ALLOW_CLIENT_TOKEN_AUTH"
_SECONDS_PER_UNIT: Final = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_DEFAULT_ACCESS_TOKEN_SECONDS: Final = 3600
_STATE_ATTRIBUTE: Final = "_gateway_rotated_refresh_tokens"


@dataclass(frozen=True)
class _Rotation:
    """A refresh token rotated out: who it was for, its successor and when it stops working."""

    client_id: str
    username: str
    successor: str
    valid_until: datetime


def _rotations(pool: CognitoIdpUserPool) -> dict[str, _Rotation]:
    return pool_state(pool, _STATE_ATTRIBUTE, dict)


def _client(response: CognitoIdpResponse) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    client_id = required_param(response, "ClientId")
    found = client_pool(response, client_id)
    if found is None:
        raise ResourceNotFoundError(f"Client {client_id} does not exist.")
    return found


def _access_token_seconds(client: CognitoIdpUserPoolClient) -> int:
    validity = client.extended_config.get("AccessTokenValidity")
    if not validity:
        return _DEFAULT_ACCESS_TOKEN_SECONDS
    unit = (client.extended_config.get("TokenValidityUnits") or {}).get("AccessToken") or "hours"
    return int(validity) * _SECONDS_PER_UNIT[unit]


OPERATIONS: Final = Operations()


# -- GetClientToken ---------------------------------------------------------------------


def _granted_scopes(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, requested: Any) -> list[str]:
    allowed = list(client.extended_config.get("AllowedOAuthScopes") or [])
    if requested is None or requested == []:
        return allowed
    if not isinstance(requested, list) or not all(isinstance(scope, str) for scope in requested):
        raise InvalidParameterException("Scopes must be a list of scope names.")
    for scope in requested:
        identifier, _, name = scope.rpartition("/")
        server = pool.resource_servers.get(identifier)
        if server is None or name not in {item.get("ScopeName") for item in server.scopes or []}:
            raise InvalidParameterException(f"Scope {scope} does not belong to a resource server of this user pool.")
        if scope not in allowed:
            raise InvalidParameterException(f"Scope {scope} is not allowed for client {client.id}.")
    return list(dict.fromkeys(requested))


@OPERATIONS.add
def get_client_token(self: CognitoIdpResponse) -> ActionResult:
    pool, client = _client(self)
    secret = required_param(self, "Secret")
    if not client.generate_secret or not is_client_secret(client, secret):
        raise NotAuthorizedError("Invalid client secret.")
    if CLIENT_TOKEN_FLOW not in (client.extended_config.get("ExplicitAuthFlows") or []):
        raise InvalidParameterException(f"{CLIENT_TOKEN_FLOW} flow not enabled for this client.")
    scopes = _granted_scopes(pool, client, self._get_param("Scopes"))
    expires_in = _access_token_seconds(client)
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}",
        "sub": client.id,
        "client_id": client.id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iat": now,
        "exp": now + expires_in,
        "jti": str(uuid.uuid4()),
        "version": 2,
    }
    token = jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, pool.json_web_key)  # moto's key and kid
    return ActionResult(
        {"ClientAuthenticationResult": {"AccessToken": token, "ExpiresIn": expires_in, "TokenType": "Bearer"}}
    )


# -- GetTokensFromRefreshToken ------------------------------------------------------------


def _rotation_on(client: CognitoIdpUserPoolClient) -> tuple[bool, int]:
    rotation = client.extended_config.get("RefreshTokenRotation") or {}
    return rotation.get("Feature") == "ENABLED", int(rotation.get("RetryGracePeriodSeconds") or 0)


def _tokens(pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str) -> dict[str, Any]:
    access_token, expires_in = pool.create_access_token(client_id, username, origin_jti)
    id_token, _ = pool.create_id_token(client_id, username, origin_jti)
    return {"AccessToken": access_token, "IdToken": id_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}


@OPERATIONS.add
def get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
    refresh_token = required_param(self, "RefreshToken")
    pool, client = _client(self)
    if client.generate_secret:
        sent = self._get_param("ClientSecret")
        if sent is None:
            raise NotAuthorizedError(f"Client {client.id} is configured for secret but secret was not received")
        if not is_client_secret(client, sent):
            raise NotAuthorizedError("Invalid client secret.")
    rotated = _rotations(pool).get(refresh_token)
    if rotated is not None:
        if rotated.client_id != client.id:
            raise NotAuthorizedError("Invalid Refresh Token.")
        if utcnow() > rotated.valid_until:
            raise RefreshTokenReuseException()
        # A retry within the grace period: the same successor, fresh ID and access tokens.
        refresh_token = rotated.successor
    issued = pool.refresh_tokens.get(refresh_token)
    if issued is None:  # unknown, revoked (RevokeToken, GlobalSignOut) or a successor since revoked
        raise NotAuthorizedError("Invalid Refresh Token.")
    issued_to, username, origin_jti = issued
    if issued_to != client.id:
        raise NotAuthorizedError("Invalid Refresh Token.")
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    rotate, grace_seconds = _rotation_on(client)
    if not rotate or rotated is not None:
        result = _tokens(pool, client.id, username, origin_jti)
        if rotated is not None:
            result["RefreshToken"] = refresh_token
        return ActionResult({"AuthenticationResult": result})
    successor, successor_jti = pool.create_refresh_token(client.id, username)
    # The token sent stops working now for every flow (moto's revocation marker); this call alone keeps
    # honouring it until the grace period ends.
    pool.refresh_tokens[refresh_token] = None
    _rotations(pool)[refresh_token] = _Rotation(
        client.id, username, successor, utcnow() + timedelta(seconds=grace_seconds)
    )
    result = _tokens(pool, client.id, username, successor_jti)
    result["RefreshToken"] = successor
    return ActionResult({"AuthenticationResult": result})
