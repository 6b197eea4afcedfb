"""An identity provider for the JWT tests: key pairs, a real JWKS over HTTP, and tokens minted with PyJWT."""

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from botocore.client import BaseClient
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.demo.server import DemoBackend
from tests.conftest import Gateway, running_gateway

AUDIENCE = "dashboard-client"
ROLE_MAP = "gateway-admins=admin,support=operator,readers=viewer"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private: Any

    @property
    def public(self) -> Any:
        return self.private.public_key()

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.RSAAlgorithm if self.alg.startswith("RS") else jwt.algorithms.ECAlgorithm
        return {**algorithm.to_jwk(self.public, as_dict=True), "kid": self.kid, "alg": self.alg, "use": "sig"}


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return SigningKey("rsa-1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return SigningKey("ec-1", "ES256", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="session")
def other_rsa_key() -> SigningKey:
    """Never published: what an attacker signs with."""
    return SigningKey("rsa-1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


@dataclass
class IdentityProvider:
    """Serves ``/.well-known/jwks.json`` for the keys in ``published`` and counts the fetches."""

    published: list[SigningKey]
    fetches: int = 0
    failing: bool = False  # answer 503 instead of the JWKS
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, key: SigningKey) -> None:
        self.published.append(key)

    def token(
        self,
        key: SigningKey,
        *,
        groups: Any = None,
        lifetime: float = 300,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A Cognito access token by default (``client_id``, ``token_use: access``, no ``aud``); a claim given as
        None is left out, ``groups`` (the role claim) may be given any shape."""
        now = int(time.time())
        payload = {
            "sub": "user-1",
            "iss": self.url,
            "client_id": AUDIENCE,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "username": "user-1",
            "iat": now,
            "exp": now + lifetime,
            "cognito:groups": groups if groups is not None else ["gateway-admins"],
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})})

    def id_token(self, key: SigningKey, **claims: Any) -> str:
        """A Cognito ID token: the app client in ``aud``, ``token_use: id``."""
        return self.token(key, **{"aud": AUDIENCE, "client_id": None, "token_use": "id", **claims})

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path != "/.well-known/jwks.json":
            handler.send_error(404)
            return
        with self._lock:
            self.fetches += 1
            body = json.dumps({"keys": [key.jwk() for key in self.published]}).encode()
        if self.failing:
            handler.send_error(503)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def idp(rsa_key: SigningKey, ec_key: SigningKey) -> Iterator[IdentityProvider]:
    provider = IdentityProvider(published=[rsa_key, ec_key])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            provider._serve(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def jwt_gateway_with(
    backend: DemoBackend, cognito: BaseClient, idp: IdentityProvider
) -> Callable[..., AbstractAsyncContextManager[Gateway]]:
    """The gateway in jwt mode trusting ``idp``, with settings over these defaults."""

    def start(**settings: Any) -> AbstractAsyncContextManager[Gateway]:
        defaults = {"auth_mode": "jwt", "jwt_issuer": idp.url, "jwt_audience": AUDIENCE, "role_map": ROLE_MAP}
        return running_gateway(backend, **{**defaults, **settings})

    return start


@pytest.fixture
async def jwt_gateway(jwt_gateway_with: Callable[..., AbstractAsyncContextManager[Gateway]]) -> AsyncIterator[Gateway]:
    async with jwt_gateway_with() as running:
        yield running
