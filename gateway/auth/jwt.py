"""Bearer JWTs (Cognito access tokens, ID tokens when ``GATEWAY_JWT_TOKEN_USE`` lists ``id``, or any OIDC
issuer's): verified against the issuer's JWKS, then checked for the claims' shapes (a signed token of odd shape
is a 401, never a 500).

The JWKS is cached by ``kid`` for ``jwks_cache_seconds``. A token naming a ``kid`` the cache lacks may be a
key rotation, so it refetches, but at most once per ``jwks_min_refresh_seconds``: a flood of made-up ``kid``s
costs the issuer one fetch per interval, not one per request. Failure reasons never quote the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from jwt.exceptions import InvalidJTIError, InvalidSubjectError

from gateway.auth import AuthenticationError
from gateway.settings import Settings

logger = logging.getLogger(__name__)

# PyJWT's exceptions to the reasons a caller is told (most specific first: several subclass others).
_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidIssuedAtError, "bad issued-at time"),
    (jwt.MissingRequiredClaimError, "missing required claim"),
    (InvalidSubjectError, "sub is not a string"),
    (InvalidJTIError, "jti is not a string"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.DecodeError, "malformed token"),
)


class JwtVerifier:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        assert settings.jwks_url and settings.jwt_issuer and settings.jwt_audience
        self._url = settings.jwks_url
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._algorithms = list(settings.jwt_algorithms)
        self._token_use = set(settings.jwt_token_use)
        self._leeway = settings.jwt_leeway_seconds
        self._cache_seconds = settings.jwks_cache_seconds
        self._min_refresh = settings.jwks_min_refresh_seconds
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=3.0))
        self._lock = asyncio.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last fetch, successful or not
        self._failed_at: float | None = None  # last failed fetch

    async def aclose(self) -> None:
        await self._client.aclose()

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of ``token``, or :class:`AuthenticationError`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationError("malformed token") from None
        # Checked before any key is looked up: `none`, and HS256 "signed" with the (public) RSA key, stop here.
        if header.get("alg") not in self._algorithms:
            raise AuthenticationError("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("missing key ID")
        key = await self._signing_key(kid)
        if header["alg"] != key.algorithm_name:  # a key verifies with its own algorithm only
            raise AuthenticationError("algorithm not allowed")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=self._algorithms,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.PyJWTError as error:
            reason = next((text for kind, text in _REASONS if isinstance(error, kind)), "invalid token")
            raise AuthenticationError(reason) from None
        self._check_audience(claims)
        self._check_token_use(claims)
        if not claims["sub"]:
            raise AuthenticationError("empty sub")
        return claims

    def _check_token_use(self, claims: dict[str, Any]) -> None:
        # Checked when present only: Cognito always sets it, other OIDC issuers may not (README).
        if "token_use" not in claims:
            return
        token_use = claims["token_use"]
        if not isinstance(token_use, str):
            raise AuthenticationError("token_use is not a string")
        if token_use not in self._token_use:
            raise AuthenticationError("unexpected token_use")

    def _check_audience(self, claims: dict[str, Any]) -> None:
        # ID tokens carry the app client in `aud`; Cognito access tokens have no `aud`, only `client_id`.
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._audience not in audiences and claims.get("client_id") != self._audience:
            raise AuthenticationError("wrong audience")

    def _fresh(self, now: float) -> bool:
        return self._loaded_at is not None and now - self._loaded_at < self._cache_seconds

    async def _signing_key(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid) if self._fresh(self._clock()) else None
        if key is None:
            async with self._lock:  # single flight: who waited here sees the keys the first one fetched
                now = self._clock()
                key = self._keys.get(kid) if self._fresh(now) else None
                if key is None:
                    await self._refresh(now)
                    key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError("unknown signing key")
        return key

    async def _refresh(self, now: float) -> None:
        """Fetch the JWKS (the lock is held), unless the interval since the last fetch is too short."""
        if self._fresh(now):
            if self._attempted_at is not None and now - self._attempted_at < self._min_refresh:
                return  # an unknown kid with current keys: not worth another fetch yet
        elif self._failed_at is not None and now - self._failed_at < self._min_refresh:
            return self._keep_stale_keys()  # do not hammer an issuer that is down
        self._attempted_at = now
        try:
            response = await self._client.get(self._url)
            response.raise_for_status()
            keys = jwt.PyJWKSet.from_dict(response.json()).keys
        except (httpx.HTTPError, ValueError, AttributeError, jwt.PyJWTError) as error:  # AttributeError: not a dict
            self._failed_at = now
            logger.warning("could not fetch the JWKS from %s: %s", self._url, error)
            return self._keep_stale_keys()
        # Symmetric ("oct") keys are skipped: nothing published in a JWKS may sign tokens with a shared secret.
        self._keys = {key.key_id: key for key in keys if key.key_id and key.key_type != "oct"}
        self._loaded_at = now

    def _keep_stale_keys(self) -> None:
        """The issuer cannot be reached: go on verifying with the keys it last published (an outage of the
        issuer's JWKS endpoint must not lock every admin out), or refuse when there are none."""
        if not self._keys:
            raise AuthenticationError("signing keys unavailable")
