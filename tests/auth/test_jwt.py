"""Bearer JWTs through HTTP on the real app, verified against a JWKS the tests serve."""

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.auth.conftest import AUDIENCE, IdentityProvider, SigningKey
from tests.conftest import Gateway

POOLS = "{ userPools { __typename } }"
CREATE_GROUP = 'mutation { createGroup(input: {userPoolId: "us-east-1_x", groupName: "g"}) { __typename } }'


async def post(gateway: Gateway, token: str | None, query: str = POOLS, scheme: str = "Bearer") -> Any:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return await gateway.http.post("/graphql", json={"query": query}, headers=headers)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], claims: dict[str, Any], sign: Any = lambda _: b"") -> str:
    """A token built without PyJWT, which refuses to make these."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def claims_of(idp: IdentityProvider, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "mallory", "iss": idp.url, "client_id": AUDIENCE, "token_use": "access", "iat": now,
            "exp": now + 300, "cognito:groups": ["gateway-admins"], **overrides}  # fmt: skip


@pytest.mark.parametrize("key_fixture", ["rsa_key", "ec_key"])
async def test_a_good_token_is_accepted(jwt_gateway, idp, key_fixture, request):
    key = request.getfixturevalue(key_fixture)

    response = await post(jwt_gateway, idp.token(key))

    assert response.status_code == 200, response.text
    assert "errors" not in response.json()
    assert response.json()["data"]["userPools"]["__typename"]


async def test_an_id_token_is_refused_by_default(jwt_gateway, idp, rsa_key):
    response = await post(jwt_gateway, idp.id_token(rsa_key))

    assert_unauthenticated(response, jwt_gateway, "unexpected token_use")


async def test_id_tokens_are_an_opt_in_matched_by_aud(jwt_gateway_with, idp, rsa_key):
    async with jwt_gateway_with(jwt_token_use=["access", "id"]) as gateway:
        id_token = await post(gateway, idp.id_token(rsa_key))
        access_token = await post(gateway, idp.token(rsa_key))
        other_client = await post(gateway, idp.id_token(rsa_key, aud="other-client"))

    assert id_token.status_code == 200 and "errors" not in id_token.json(), id_token.text
    assert access_token.status_code == 200 and "errors" not in access_token.json(), access_token.text
    assert other_client.status_code == 401 and "wrong audience" in other_client.text


async def test_a_token_without_token_use_is_accepted(jwt_gateway, idp, rsa_key):
    """Cognito always sets `token_use`; another OIDC issuer's access token may not have it (README)."""
    response = await post(jwt_gateway, idp.token(rsa_key, token_use=None))

    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_a_token_expired_within_the_leeway_is_accepted(jwt_gateway, idp, rsa_key):
    response = await post(jwt_gateway, idp.token(rsa_key, lifetime=-10))  # the default leeway is 30 s

    assert response.status_code == 200 and "errors" not in response.json(), response.text


def forged_signature(idp, rsa_key, other_rsa_key):
    return idp.token(other_rsa_key)  # same kid as the published RSA key, different private key


def hs256_with_the_public_key(idp, rsa_key, other_rsa_key):
    pem = rsa_key.public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": rsa_key.kid}
    return hand_made(header, claims_of(idp), lambda data: hmac.new(pem, data, hashlib.sha256).digest())


def alg_none(idp, rsa_key, other_rsa_key):
    return hand_made({"alg": "none", "typ": "JWT", "kid": rsa_key.kid}, claims_of(idp))


def rs256_header_on_the_ec_key(idp, rsa_key, other_rsa_key):
    return idp.token(rsa_key, headers={"kid": "ec-1"})  # a published kid, but not the key's algorithm


REFUSED = {
    "forged signature": (forged_signature, "bad signature"),
    "expired": (lambda idp, key, _: idp.token(key, lifetime=-120), "token expired"),
    "not yet valid": (lambda idp, key, _: idp.token(key, nbf=int(time.time()) + 300), "token not yet valid"),
    "wrong issuer": (lambda idp, key, _: idp.token(key, iss="https://elsewhere.example"), "wrong issuer"),
    "wrong client_id": (lambda idp, key, _: idp.token(key, client_id="other-client"), "wrong audience"),
    "wrong audience on an ID token": (lambda idp, key, _: idp.id_token(key, aud="other-client"), "wrong audience"),
    "no audience": (lambda idp, key, _: idp.token(key, client_id=None), "wrong audience"),
    "ID token by default": (lambda idp, key, _: idp.id_token(key), "unexpected token_use"),
    "refresh token_use": (lambda idp, key, _: idp.token(key, token_use="refresh"), "unexpected token_use"),
    "odd token_use": (lambda idp, key, _: idp.token(key, token_use="whatever"), "unexpected token_use"),
    "no sub": (lambda idp, key, _: idp.token(key, sub=None), "missing required claim"),
    # Signed by the issuer, but of shapes no issuer should send: each was a 500 (issue 11, item 7).
    "token_use a list": (lambda idp, key, _: idp.token(key, token_use=["access"]), "token_use is not a string"),
    "token_use an object": (lambda idp, key, _: idp.token(key, token_use={"a": 1}), "token_use is not a string"),
    "groups an integer": (lambda idp, key, _: idp.token(key, groups=5), "cognito:groups is not a list of strings"),
    "groups an object": (
        lambda idp, key, _: idp.token(key, groups={"gateway-admins": True}),
        "cognito:groups is not a list of strings",
    ),
    "groups holding a number": (
        lambda idp, key, _: idp.token(key, groups=["gateway-admins", 7]),
        "cognito:groups is not a list of strings",
    ),
    "groups holding a list": (
        lambda idp, key, _: idp.token(key, groups=[["gateway-admins"]]),
        "cognito:groups is not a list of strings",
    ),
    "groups false": (lambda idp, key, _: idp.token(key, groups=False), "cognito:groups is not a list of strings"),
    "sub a number": (lambda idp, key, _: idp.token(key, sub=42), "sub is not a string"),
    "sub an object": (lambda idp, key, _: idp.token(key, sub={"id": "admin"}), "sub is not a string"),
    "sub empty": (lambda idp, key, _: idp.token(key, sub=""), "empty sub"),
    "jti a number": (lambda idp, key, _: idp.token(key, jti=1), "jti is not a string"),
    "exp a string": (lambda idp, key, _: idp.token(key, exp="tomorrow"), "malformed token"),
    "no kid": (lambda idp, key, _: hand_made({"alg": "RS256"}, claims_of(idp)), "missing key ID"),
    "alg none": (alg_none, "algorithm not allowed"),
    "HS256 with the public key": (hs256_with_the_public_key, "algorithm not allowed"),
    "RS256 header on an EC key": (rs256_header_on_the_ec_key, "algorithm not allowed"),
    "garbage": (lambda idp, key, _: "not.a.jwt", "malformed token"),
}


def assert_unauthenticated(response: Any, gateway: Gateway, reason: str | None = None) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    if reason:
        assert reason in body["errors"][0]["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert gateway.calls == {}


@pytest.mark.parametrize("case", REFUSED)
async def test_a_bad_token_is_refused_before_anything_runs(jwt_gateway, idp, rsa_key, other_rsa_key, case, caplog):
    make, reason = REFUSED[case]
    token = make(idp, rsa_key, other_rsa_key)

    with caplog.at_level(logging.INFO):
        response = await post(jwt_gateway, token)

    assert_unauthenticated(response, jwt_gateway, reason)
    assert token not in response.text and token not in caplog.text  # reasons never quote the token


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}])
async def test_no_bearer_token_is_refused(jwt_gateway, idp, headers):
    response = await jwt_gateway.http.post("/graphql", json={"query": POOLS}, headers=headers)

    assert_unauthenticated(response, jwt_gateway, "missing bearer token")
    assert idp.fetches == 0


async def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval(jwt_gateway, idp, rsa_key):
    assert (await post(jwt_gateway, idp.token(rsa_key))).status_code == 200
    assert idp.fetches == 1
    jwt_gateway.reset_calls()
    unpublished = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    for attempt in range(5):
        token = idp.token(SigningKey(f"made-up-{attempt}", "RS256", unpublished))
        assert_unauthenticated(await post(jwt_gateway, token), jwt_gateway, "unknown signing key")

    assert idp.fetches <= 2


async def test_concurrent_requests_on_a_cold_cache_fetch_the_jwks_once(jwt_gateway, idp, rsa_key, ec_key):
    tokens = [idp.token(key) for key in (rsa_key, ec_key) * 5]

    responses = await asyncio.gather(*(post(jwt_gateway, token) for token in tokens))

    assert [response.status_code for response in responses] == [200] * len(tokens)
    assert idp.fetches == 1


async def test_a_key_published_after_start_is_fetched(jwt_gateway_with, idp, rsa_key):
    async with jwt_gateway_with(jwks_min_refresh_seconds=0.2) as gateway:
        assert (await post(gateway, idp.token(rsa_key))).status_code == 200
        rotated = SigningKey("rsa-2", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
        idp.publish(rotated)
        await asyncio.sleep(0.3)

        response = await post(gateway, idp.token(rotated))

        assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert idp.fetches == 2


async def test_an_unreachable_jwks_refuses_with_a_warning(jwt_gateway, idp, rsa_key, caplog):
    idp.failing = True
    token = idp.token(rsa_key)

    with caplog.at_level(logging.WARNING, logger="gateway.auth.jwt"):
        response = await post(jwt_gateway, token)

    assert_unauthenticated(response, jwt_gateway, "signing keys unavailable")
    assert "could not fetch the JWKS" in caplog.text and token not in caplog.text


async def test_an_issuer_outage_keeps_the_keys_it_last_published(jwt_gateway_with, idp, rsa_key):
    """Past the JWKS cache time with the issuer down, known keys still verify; an unknown key does not."""
    async with jwt_gateway_with(jwks_cache_seconds=0.1, jwks_min_refresh_seconds=0) as gateway:
        assert (await post(gateway, idp.token(rsa_key))).status_code == 200
        idp.failing = True
        await asyncio.sleep(0.2)

        known = await post(gateway, idp.token(rsa_key))
        unknown = await post(gateway, idp.token(rsa_key, headers={"kid": "not-published"}))

    assert known.status_code == 200 and "errors" not in known.json(), known.text
    assert unknown.status_code == 401


async def test_groups_map_to_roles(jwt_gateway, idp, rsa_key):
    reader = (await post(jwt_gateway, idp.token(rsa_key, groups=["readers"]), CREATE_GROUP)).json()

    assert reader["data"]["createGroup"] is None
    assert reader["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "needs the admin role" in reader["errors"][0]["message"]
    assert jwt_gateway.calls == {}

    admin = (await post(jwt_gateway, idp.token(rsa_key, groups=["gateway-admins"]), CREATE_GROUP)).json()

    assert "errors" not in admin, admin
    assert admin["data"]["createGroup"]["__typename"]  # the pool does not exist: a typed Cognito error
    assert jwt_gateway.calls.get("CreateGroup") == 1


async def test_a_token_with_no_mapped_group_can_read_nothing(jwt_gateway, idp, rsa_key):
    body = (await post(jwt_gateway, idp.token(rsa_key, groups=["somebody-else"]))).json()

    assert body["data"]["userPools"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_address_over_its_failure_budget_costs_no_jwks_fetch(jwt_gateway_with, idp, rsa_key):
    """Made-up kids would each refetch the JWKS here (no minimum interval); past the budget of failed attempts
    the address is refused before its token is looked at, a valid one included."""
    unpublished = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    budget = {"auth_failure_rate_per_minute": 1, "auth_failure_burst": 3, "jwks_min_refresh_seconds": 0}
    async with jwt_gateway_with(**budget) as gateway:
        for attempt in range(3):
            token = idp.token(SigningKey(f"made-up-{attempt}", "RS256", unpublished))
            assert_unauthenticated(await post(gateway, token), gateway, "unknown signing key")
        fetches = idp.fetches
        flood = [await post(gateway, idp.token(SigningKey(f"more-{n}", "RS256", unpublished))) for n in range(5)]
        valid = await post(gateway, idp.token(rsa_key))

    assert fetches == 3
    assert [response.status_code for response in flood] == [429] * 5
    assert valid.status_code == 429
    assert idp.fetches == fetches
