"""Credentials to a :class:`Caller`, per ``GATEWAY_AUTH_MODE``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from gateway.auth import ANONYMOUS, AuthenticationError, Caller
from gateway.auth.api_keys import ApiKeyVerifier
from gateway.auth.roles import grants_for, parse_role_map
from gateway.settings import Settings

logger = logging.getLogger(__name__)


class Authenticator:
    """Owns what authentication needs for the app's lifetime (the JWKS cache); one per app."""

    def __init__(self, settings: Settings) -> None:
        self.mode = settings.auth_mode
        self._role_claim = settings.jwt_role_claim
        self._role_map = parse_role_map(settings.role_map)
        self._api_keys = ApiKeyVerifier(settings.api_keys)
        self._jwt = None
        if self.mode == "jwt":
            from gateway.auth.jwt import JwtVerifier

            self._jwt = JwtVerifier(settings)

    async def aclose(self) -> None:
        if self._jwt is not None:
            await self._jwt.aclose()

    async def authenticate(self, headers: Mapping[str, str]) -> Caller:
        if self.mode == "none":
            return ANONYMOUS
        if self.mode == "api-key":
            key = headers.get("x-api-key")
            if not key:
                raise AuthenticationError("missing X-API-Key header")
            caller = self._api_keys.caller(key)
            if caller is None:
                raise AuthenticationError("unknown API key")
            return caller
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("missing bearer token (Authorization: Bearer <JWT>)")
        assert self._jwt is not None
        claims = await self._jwt.claims(token.strip())
        return self._caller_from_claims(claims)

    def _caller_from_claims(self, claims: dict[str, Any]) -> Caller:
        values = claims.get(self._role_claim)
        if values is None:
            values = []
        elif isinstance(values, str):
            values = values.split()  # a space-separated claim, like OAuth's `scope`
        # A signed token is still the issuer's data, not ours: a role claim of another shape grants nothing
        # knowable, so it is refused rather than read (or failing as a 500).
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise AuthenticationError(f"the role claim {self._role_claim} is not a list of strings")
        return Caller(subject=claims["sub"], auth_mode="jwt", grants=grants_for(values, self._role_map))
