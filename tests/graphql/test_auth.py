"""Auth flows through HTTP against the real app and the moto server: sign-in and its challenges, USER_SRP_AUTH,
SECRET_HASH, sign-up, password recovery and token revocation.

What the gateway sent to Cognito is read with a botocore event handler on the gateway's own client.
"""

import asyncio
import base64
import copy
import gc
import hashlib
import hmac
import json
import logging
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from botocore.client import BaseClient

from bench.faults import FaultProxy
from gateway.auth.api_keys import hash_key
from gateway.cognito import model
from gateway.demo.auth_event_feedback import feedback_token
from gateway.demo.server import DEMO_REGION, DemoBackend
from gateway.graphql.errors import error_type_name
from gateway.graphql.loaders import Loaders
from gateway.graphql.schema import build_schema
from gateway.settings import ApiKey
from tests.conftest import running_gateway
from tests.helpers import assert_error

PASSWORD = "Passw0rd!"
NEW_PASSWORD = "N3w-Passw0rd!"
TOKENS = "authenticationResult { accessToken idToken refreshToken expiresIn tokenType }"
CHALLENGE = f"challengeName session challengeParameters {TOKENS}"
FLOWS = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
USER_FIELDS = "clientId username userPoolId user { username userStatus }"


def expected_hash(username: str, client_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{username}{client_id}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@pytest.fixture
def client_id(cognito: BaseClient, pool_id: str) -> str:
    """A public app client (no secret)."""
    client = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="public", ExplicitAuthFlows=FLOWS)
    return client["UserPoolClient"]["ClientId"]


@pytest.fixture
def confidential(cognito: BaseClient, pool_id: str) -> tuple[str, str]:
    """An app client with a secret: (client ID, secret)."""
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="confidential", GenerateSecret=True, ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]
    return client["ClientId"], client["ClientSecret"]


def create_user(cognito: BaseClient, pool_id: str, username: str = "alice", *, permanent: bool = True) -> None:
    """A user with PASSWORD: CONFIRMED when ``permanent``, else FORCE_CHANGE_PASSWORD."""
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        TemporaryPassword=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    if permanent:
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


class Sent:
    """The parameters of every call the gateway's client makes, in order, as (operation, params)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.calls.append((model.name, copy.deepcopy(params)))

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    def text(self) -> str:
        return json.dumps(self.calls, default=str)


@pytest.fixture
async def sent(gateway: Any) -> Sent:
    recorder = Sent()
    for write in (False, True):  # reads and writes go through clients of their own
        client = await gateway.app.state.cognito.client(DEMO_REGION, write=write)
        client.meta.events.register("provide-client-params.cognito-idp.*", recorder)
    return recorder


def assert_tokens(result: dict[str, Any], *, refresh: bool = True) -> None:
    tokens = result["authenticationResult"]
    assert tokens is not None, result
    assert result["challengeName"] is None
    assert tokens["accessToken"].count(".") == 2 and tokens["idToken"].count(".") == 2
    assert tokens["tokenType"] == "Bearer" and tokens["expiresIn"] > 0
    assert bool(tokens["refreshToken"]) is refresh


async def admin_sign_in(
    gateway: Any, pool_id: str, client_id: str, password: str = PASSWORD, selection: str | None = None
) -> dict[str, Any]:
    """alice signs in with ADMIN_USER_PASSWORD_AUTH; ``selection`` on the payload (default: the challenge)."""
    return await gateway.mutate(
        "adminInitiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "ADMIN_USER_PASSWORD_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": password},
        },
        selection or f"{CHALLENGE} availableChallenges",
    )


# --- the schema --------------------------------------------------------------------------------------

OPERATIONS = [
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "RevokeToken",
    "GetTokensFromRefreshToken",
    "GetClientToken",
    "UpdateAuthEventFeedback",
]


def lower_camel(member: str) -> str:
    head, *rest = xform_name(member).split("_")
    return head + "".join(part.capitalize() for part in rest)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operation_is_a_mutation_with_its_input_payload_and_errors(operation):
    schema = build_schema()._schema
    name = operation[0].lower() + operation[1:]
    field = schema.mutation_type.fields[name]
    op = model.operation(operation)

    assert list(field.args) == ["input"] and str(field.args["input"].type) == f"{operation}Input!"
    inputs = set(schema.get_type(f"{operation}Input").fields)
    members = {lower_camel(member) for member in op.input_shape.members}
    # The client-side operations name no pool: their input takes an optional userPoolId beside the members.
    assert inputs - members == (set() if "UserPoolId" in op.input_shape.members else {"userPoolId"})
    assert members <= inputs
    payload = schema.get_type(f"{operation}Payload")
    assert {lower_camel(member) for member in op.output_shape.members} <= set(payload.fields)
    union = {member.name for member in schema.get_type(f"{operation}Result").types}
    errors = {error_type_name(code) for code in model.operation_error_codes(operation)}
    assert union == {f"{operation}Payload", "OutcomeUnknownError", "ServiceError"} | errors


def test_auth_types_come_from_the_model():
    schema = build_schema()._schema

    assert set(schema.get_type("AdminInitiateAuthPayload").fields) == {
        "authenticationResult",
        "challengeName",
        "session",
        "challengeParameters",
        "availableChallenges",
    }
    assert set(schema.get_type("AuthenticationResult").fields) == {
        "accessToken",
        "expiresIn",
        "tokenType",
        "refreshToken",
        "idToken",
        "newDeviceMetadata",
    }
    assert {"deviceKey", "deviceGroupKey"} == set(schema.get_type("NewDeviceMetadata").fields)
    assert {"destination", "deliveryMedium", "attributeName"} == set(schema.get_type("CodeDeliveryDetails").fields)
    assert "USER_SRP_AUTH" in schema.get_type("AuthFlow").values
    assert "NEW_PASSWORD_REQUIRED" in schema.get_type("ChallengeName").values
    assert schema.get_type("AuthEventChallengeName") is not None
    for name in ("AnalyticsMetadataInput", "UserContextDataInput"):
        assert schema.get_type(name) is not None
    for field in ("authParameters", "clientMetadata"):
        assert str(schema.get_type("InitiateAuthInput").fields[field].type) == "JSON"
    assert str(schema.get_type("RespondToAuthChallengeInput").fields["challengeResponses"].type) == "JSON"
    assert str(schema.get_type("InitiateAuthPayload").fields["challengeParameters"].type) == "JSON"


# --- adminInitiateAuth / adminRespondToAuthChallenge -------------------------------------------------------


async def test_admin_user_password_auth_gives_tokens(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)

    result = await admin_sign_in(gateway, pool_id, client_id)

    assert result["__typename"] == "AdminInitiateAuthPayload", result
    assert_tokens(result)
    assert result["session"] is None and result["availableChallenges"] is None
    # The access token is good for Cognito: GetUser answers with the user.
    assert cognito.get_user(AccessToken=result["authenticationResult"]["accessToken"])["Username"] == "alice"
    assert gateway.calls == {"DescribeUserPoolClient": 1, "AdminInitiateAuth": 1}


async def test_admin_sign_in_with_a_wrong_password_is_not_authorized(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
):
    create_user(cognito, pool_id)

    result = await admin_sign_in(gateway, pool_id, client_id, password="Wr0ng-password")

    assert_error(result, "NotAuthorizedError", "NotAuthorizedException")


async def test_admin_sign_in_of_an_unknown_user(gateway: Any, pool_id: str, client_id: str):
    result = await admin_sign_in(gateway, pool_id, client_id)

    assert_error(result, "UserNotFoundError", "UserNotFoundException")


async def test_new_password_required_answered_with_admin_respond_to_auth_challenge(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
):
    create_user(cognito, pool_id, permanent=False)

    challenge = await admin_sign_in(gateway, pool_id, client_id)
    assert challenge["challengeName"] == "NEW_PASSWORD_REQUIRED", challenge
    assert challenge["session"] and challenge["authenticationResult"] is None

    result = await gateway.mutate(
        "adminRespondToAuthChallenge",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
            "challengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": NEW_PASSWORD},
        },
        CHALLENGE,
    )

    assert result["__typename"] == "AdminRespondToAuthChallengePayload", result
    assert_tokens(result)
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="alice")["UserStatus"] == "CONFIRMED"
    assert (await admin_sign_in(gateway, pool_id, client_id, password=NEW_PASSWORD))["authenticationResult"]


async def test_a_new_password_the_policy_refuses(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id, permanent=False)
    challenge = await admin_sign_in(gateway, pool_id, client_id)

    result = await gateway.mutate(
        "adminRespondToAuthChallenge",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
            "challengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": "short"},
        },
    )

    assert_error(result, "InvalidPasswordError", "InvalidPasswordException")
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="alice")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


# --- initiateAuth: USER_PASSWORD_AUTH, USER_SRP_AUTH ---------------------------------------------------------


async def test_user_password_auth(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)
    input = {"clientId": client_id, "authFlow": "USER_PASSWORD_AUTH", "authParameters": {"USERNAME": "alice"}}

    signed_in = await gateway.mutate(
        "initiateAuth", {**input, "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}, CHALLENGE
    )
    refused = await gateway.mutate(
        "initiateAuth", {**input, "authParameters": {"USERNAME": "alice", "PASSWORD": "Wr0ng-password"}}
    )

    assert signed_in["__typename"] == "InitiateAuthPayload", signed_in
    assert_tokens(signed_in)
    assert_error(refused, "NotAuthorizedError", "NotAuthorizedException")
    # Without userPoolId nothing is looked up: the request goes as it is, to the default region.
    assert gateway.calls == {"InitiateAuth": 2}


async def test_user_srp_auth_end_to_end_never_sends_the_password(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, client_id: str
):
    create_user(cognito, pool_id)

    result = await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
            "clientMetadata": {"source": "tests"},
        },
        f"{CHALLENGE} availableChallenges",
    )

    assert result["__typename"] == "InitiateAuthPayload", result
    assert_tokens(result)
    assert cognito.get_user(AccessToken=result["authenticationResult"]["accessToken"])["Username"] == "alice"
    [initiate] = sent.of("InitiateAuth")
    assert initiate["AuthFlow"] == "USER_SRP_AUTH"
    assert set(initiate["AuthParameters"]) == {"USERNAME", "SRP_A"}
    [respond] = sent.of("RespondToAuthChallenge")
    assert respond["ChallengeName"] == "PASSWORD_VERIFIER"
    assert set(respond["ChallengeResponses"]) == {
        "USERNAME",
        "TIMESTAMP",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "PASSWORD_CLAIM_SIGNATURE",
    }
    assert respond["ClientMetadata"] == {"source": "tests"}
    assert PASSWORD not in sent.text()
    assert gateway.calls == {"DescribeUserPoolClient": 1, "InitiateAuth": 1, "RespondToAuthChallenge": 1}


async def test_user_srp_auth_then_new_password_required_answered_with_respond_to_auth_challenge(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, client_id: str
):
    create_user(cognito, pool_id, permanent=False)

    challenge = await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        },
        CHALLENGE,
    )
    assert challenge["challengeName"] == "NEW_PASSWORD_REQUIRED", challenge
    assert challenge["session"] and challenge["authenticationResult"] is None

    result = await gateway.mutate(
        "respondToAuthChallenge",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
            "challengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": NEW_PASSWORD},
        },
        CHALLENGE,
    )

    assert result["__typename"] == "RespondToAuthChallengePayload", result
    assert_tokens(result)
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="alice")["UserStatus"] == "CONFIRMED"
    assert PASSWORD not in json.dumps([params for name, params in sent.calls if name == "InitiateAuth"])


async def test_respond_to_auth_challenge_with_an_unknown_session(gateway: Any, pool_id: str, client_id: str):
    result = await gateway.mutate(
        "respondToAuthChallenge",
        {
            "clientId": client_id,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": "00000000-0000-4000-8000-000000000000",
            "challengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": NEW_PASSWORD},
        },
    )

    # Cognito answers NotAuthorizedException ("Invalid session"); moto says ResourceNotFoundException.
    assert result["__typename"] in {"NotAuthorizedError", "ResourceNotFoundError"}, result
    assert result["requestId"]


async def test_user_srp_auth_with_a_password_needs_the_user_pool(gateway: Any, client_id: str):
    result = await gateway.mutate(
        "initiateAuth",
        {
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        },
        CHALLENGE,
    )

    assert result["__typename"] == "InvalidParameterError" and "userPoolId" in result["message"], result
    assert gateway.calls == {}


async def test_user_srp_auth_of_an_unconfirmed_user(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    cognito.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD)

    result = await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        },
    )

    assert_error(result, "UserNotConfirmedError", "UserNotConfirmedException")


async def test_user_srp_auth_passes_through_when_the_caller_sends_srp_a(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, client_id: str
):
    create_user(cognito, pool_id)

    result = await gateway.mutate(
        "initiateAuth",
        {
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "SRP_A": "abc123"},
        },
        CHALLENGE,
    )

    # The caller does SRP itself: the PASSWORD_VERIFIER challenge is its to answer.
    assert result["challengeName"] == "PASSWORD_VERIFIER", result
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"} <= set(result["challengeParameters"])
    assert sent.of("InitiateAuth")[0]["AuthParameters"] == {"USERNAME": "alice", "SRP_A": "abc123"}


async def test_auth_parameters_must_be_a_string_map(gateway: Any, pool_id: str, client_id: str):
    result = await gateway.mutate(
        "adminInitiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "ADMIN_USER_PASSWORD_AUTH",
            "authParameters": ["alice"],
        },
    )

    assert result["__typename"] == "InvalidParameterError", result
    assert gateway.calls == {}


# --- SECRET_HASH --------------------------------------------------------------------------------------------


async def test_user_srp_auth_with_a_confidential_client_sends_the_secret_hash(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    create_user(cognito, pool_id)
    input = {
        "userPoolId": pool_id,
        "clientId": client_id,
        "authFlow": "USER_SRP_AUTH",
        "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
    }

    body = await gateway.query(
        f"""mutation Run($input: InitiateAuthInput!) {{
              result: initiateAuth(input: $input) {{ __typename ... on InitiateAuthPayload {{ {CHALLENGE} }} }}
            }}""",
        {"input": input},
    )

    result = body["data"]["result"]
    assert_tokens(result)
    assert sent.of("InitiateAuth")[0]["AuthParameters"]["SECRET_HASH"] == expected_hash("alice", client_id, secret)
    assert sent.of("RespondToAuthChallenge")[0]["ChallengeResponses"]["SECRET_HASH"] == expected_hash(
        "alice", client_id, secret
    )
    # The secret is read, never returned.
    assert secret not in json.dumps(body)


async def test_without_the_secret_hash_the_same_flow_is_refused(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    create_user(cognito, pool_id)
    input = {
        "clientId": client_id,
        "authFlow": "USER_SRP_AUTH",
        "authParameters": {"USERNAME": "alice", "SRP_A": "abc123"},
    }

    without_pool = await gateway.mutate("initiateAuth", input, "challengeName")
    with_pool = await gateway.mutate("initiateAuth", {**input, "userPoolId": pool_id}, "challengeName")
    caller_hash = await gateway.mutate(
        "initiateAuth",
        {
            **input,
            "authParameters": {**input["authParameters"], "SECRET_HASH": expected_hash("alice", client_id, secret)},
        },
        "challengeName",
    )

    assert_error(without_pool, "NotAuthorizedError", "NotAuthorizedException")
    assert with_pool["challengeName"] == "PASSWORD_VERIFIER", with_pool
    assert caller_hash["challengeName"] == "PASSWORD_VERIFIER", caller_hash  # a hash the caller gives is kept
    assert "SECRET_HASH" not in sent.of("InitiateAuth")[0]["AuthParameters"]


async def test_admin_sign_in_with_a_confidential_client_sends_the_secret_hash(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    create_user(cognito, pool_id)

    result = await admin_sign_in(gateway, pool_id, client_id)

    assert_tokens(result)
    assert sent.of("AdminInitiateAuth")[0]["AuthParameters"]["SECRET_HASH"] == expected_hash("alice", client_id, secret)


async def test_the_client_secret_is_read_once_within_the_cache_ttl(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    document = """
        mutation Two($a: SignUpInput!, $b: SignUpInput!) {
          a: signUp(input: $a) { __typename ... on SignUpPayload { userSub } }
          b: signUp(input: $b) { __typename ... on SignUpPayload { userSub } }
        }
    """

    def input(username: str) -> dict[str, Any]:
        return {"userPoolId": pool_id, "clientId": client_id, "username": username, "password": PASSWORD}

    first = await gateway.data(document, {"a": input("alice"), "b": input("bob")})
    assert gateway.calls == {"DescribeUserPoolClient": 1, "SignUp": 2}
    second = await gateway.data(document, {"a": input("carol"), "b": input("dave")})

    assert all(result["__typename"] == "SignUpPayload" for result in (*first.values(), *second.values()))
    # Signing up changes no app client: the shared cache (GATEWAY_CACHE_TTL_SECONDS) keeps serving it.
    assert gateway.calls == {"DescribeUserPoolClient": 1, "SignUp": 4}
    hashes = {params["Username"]: params["SecretHash"] for params in sent.of("SignUp")}
    assert hashes == {name: expected_hash(name, client_id, secret) for name in ("alice", "bob", "carol", "dave")}


async def test_an_unknown_client_in_the_pool_is_a_typed_error(gateway: Any, pool_id: str):
    result = await gateway.mutate(
        "signUp", {"userPoolId": pool_id, "clientId": "nosuchclient", "username": "alice", "password": PASSWORD}
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_neither_passwords_nor_secrets_are_logged(
    gateway: Any, cognito: BaseClient, pool_id: str, confidential: tuple[str, str], caplog: pytest.LogCaptureFixture
):
    client_id, secret = confidential
    create_user(cognito, pool_id)
    caplog.set_level(logging.DEBUG, logger="gateway")

    await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        },
        TOKENS,
    )
    await admin_sign_in(gateway, pool_id, client_id, password="Wr0ng-password")  # an error is logged briefly

    gateway_records = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("gateway"))
    assert PASSWORD not in gateway_records and "Wr0ng-password" not in gateway_records
    assert secret not in gateway_records


# --- REFRESH_TOKEN_AUTH --------------------------------------------------------------------------------------


async def test_refresh_token_auth(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)
    refresh_token = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]["refreshToken"]

    refreshed = await gateway.mutate(
        "initiateAuth",
        {"clientId": client_id, "authFlow": "REFRESH_TOKEN_AUTH", "authParameters": {"REFRESH_TOKEN": refresh_token}},
        CHALLENGE,
    )
    admin_refreshed = await gateway.mutate(
        "adminInitiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "REFRESH_TOKEN_AUTH",
            "authParameters": {"REFRESH_TOKEN": refresh_token},
        },
        CHALLENGE,
    )
    refused = await gateway.mutate(
        "initiateAuth",
        {"clientId": client_id, "authFlow": "REFRESH_TOKEN_AUTH", "authParameters": {"REFRESH_TOKEN": "not-a-token"}},
    )

    for result in (refreshed, admin_refreshed):
        assert_tokens(result, refresh=False)  # a refresh gives new access and ID tokens, no new refresh token
        assert cognito.get_user(AccessToken=result["authenticationResult"]["accessToken"])["Username"] == "alice"
    assert_error(refused, "NotAuthorizedError", "NotAuthorizedException")


async def test_refresh_token_auth_with_a_confidential_client(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    create_user(cognito, pool_id)
    refresh_token = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]["refreshToken"]
    input = {
        "clientId": client_id,
        "authFlow": "REFRESH_TOKEN_AUTH",
        "authParameters": {"REFRESH_TOKEN": refresh_token},
    }

    without_hash = await gateway.mutate("initiateAuth", input, TOKENS)
    without_username = await gateway.mutate("initiateAuth", {**input, "userPoolId": pool_id}, TOKENS)
    refreshed = await gateway.mutate(
        "initiateAuth",
        {**input, "userPoolId": pool_id, "authParameters": {"REFRESH_TOKEN": refresh_token, "USERNAME": "alice"}},
        TOKENS,
    )

    assert_error(without_hash, "NotAuthorizedError", "NotAuthorizedException")
    # The hash is computed from the username, which REFRESH_TOKEN_AUTH does not otherwise take.
    assert without_username["__typename"] == "InvalidParameterError" and "USERNAME" in without_username["message"]
    assert refreshed["authenticationResult"]["accessToken"], refreshed
    # USERNAME served the hash only: REFRESH_TOKEN_AUTH is sent without it.
    assert sent.of("InitiateAuth")[-1]["AuthParameters"] == {
        "REFRESH_TOKEN": refresh_token,
        "SECRET_HASH": expected_hash("alice", client_id, secret),
    }


# --- signUp / confirmSignUp / resendConfirmationCode ---------------------------------------------------------


async def test_sign_up(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    result = await gateway.mutate(
        "signUp",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "username": "alice",
            "password": PASSWORD,
            "userAttributes": [{"name": "email", "value": "alice@example.com"}],
            "clientMetadata": {"source": "tests"},
        },
        f"userConfirmed userSub codeDeliveryDetails {{ destination deliveryMedium attributeName }} {USER_FIELDS}",
    )

    assert result["__typename"] == "SignUpPayload", result
    assert result["userConfirmed"] is False and result["userSub"]
    assert (result["clientId"], result["username"], result["userPoolId"]) == (client_id, "alice", pool_id)
    assert result["user"] == {"username": "alice", "userStatus": "UNCONFIRMED"}
    stored = cognito.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert stored["UserStatus"] == "UNCONFIRMED"
    assert {"Name": "sub", "Value": result["userSub"]} in stored["UserAttributes"]


async def test_sign_up_twice_and_with_a_weak_password(gateway: Any, pool_id: str, client_id: str):
    input = {"clientId": client_id, "username": "alice", "password": PASSWORD}

    first = await gateway.mutate("signUp", input, "userSub user { username }")
    again = await gateway.mutate("signUp", input)
    weak = await gateway.mutate("signUp", {**input, "username": "bob", "password": "short"})

    assert first["__typename"] == "SignUpPayload" and first["user"] is None  # no userPoolId: no user to read
    assert_error(again, "UsernameExistsError", "UsernameExistsException")
    assert_error(weak, "InvalidPasswordError", "InvalidPasswordException")


async def test_confirm_sign_up(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    cognito.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD)

    result = await gateway.mutate(
        "confirmSignUp",
        {"userPoolId": pool_id, "clientId": client_id, "username": "alice", "confirmationCode": "123456"},
        f"session {USER_FIELDS}",
    )
    unknown = await gateway.mutate(
        "confirmSignUp", {"clientId": client_id, "username": "nobody", "confirmationCode": "123456"}
    )

    assert result["__typename"] == "ConfirmSignUpPayload", result
    assert result["user"] == {"username": "alice", "userStatus": "CONFIRMED"}
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="alice")["UserStatus"] == "CONFIRMED"
    assert_error(unknown, "UserNotFoundError", "UserNotFoundException")


async def test_sign_up_confirm_and_sign_in_with_a_confidential_client(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    ids = {"userPoolId": pool_id, "clientId": client_id, "username": "alice"}

    signed_up = await gateway.mutate("signUp", {**ids, "password": PASSWORD}, "userSub")
    confirmed = await gateway.mutate("confirmSignUp", {**ids, "confirmationCode": "123456"}, "username")
    signed_in = await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "USER_SRP_AUTH",
            "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        },
        TOKENS,
    )

    assert signed_up["__typename"] == "SignUpPayload" and confirmed["__typename"] == "ConfirmSignUpPayload"
    assert signed_in["authenticationResult"]["accessToken"], signed_in
    assert sent.of("SignUp")[0]["SecretHash"] == expected_hash("alice", client_id, secret)
    assert sent.of("ConfirmSignUp")[0]["SecretHash"] == expected_hash("alice", client_id, secret)
    assert gateway.calls["DescribeUserPoolClient"] == 1  # then served by the shared cache


async def test_resend_confirmation_code(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    cognito.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    cognito.sign_up(
        ClientId=client_id,
        Username="alice",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )

    result = await gateway.mutate(
        "resendConfirmationCode",
        {"userPoolId": pool_id, "clientId": client_id, "username": "alice"},
        f"codeDeliveryDetails {{ destination deliveryMedium attributeName }} {USER_FIELDS}",
    )
    unknown = await gateway.mutate("resendConfirmationCode", {"clientId": client_id, "username": "nobody"})

    assert result["__typename"] == "ResendConfirmationCodePayload", result
    assert result["codeDeliveryDetails"] == {
        "destination": "a***@e***",
        "deliveryMedium": "EMAIL",
        "attributeName": "email",
    }
    assert result["user"] == {"username": "alice", "userStatus": "UNCONFIRMED"}
    assert_error(unknown, "UserNotFoundError", "UserNotFoundException")


# --- forgotPassword / confirmForgotPassword ------------------------------------------------------------------


async def test_forgot_password(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)
    recovery = {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
    cognito.update_user_pool(UserPoolId=pool_id, AccountRecoverySetting=recovery)

    result = await gateway.mutate(
        "forgotPassword",
        {"userPoolId": pool_id, "clientId": client_id, "username": "alice"},
        f"codeDeliveryDetails {{ destination deliveryMedium attributeName }} {USER_FIELDS}",
    )
    unknown_client = await gateway.mutate("forgotPassword", {"clientId": "nosuchclient", "username": "alice"})

    assert result["__typename"] == "ForgotPasswordPayload", result
    assert result["codeDeliveryDetails"] == {
        "destination": "a***@e***",
        "deliveryMedium": "EMAIL",
        "attributeName": "email",
    }
    assert result["user"]["username"] == "alice"
    assert_error(unknown_client, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_confirm_forgot_password(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)
    # moto hands the code it "sent" back in a header (Cognito would mail it).
    response = cognito.forgot_password(ClientId=client_id, Username="alice")
    code = response["ResponseMetadata"]["HTTPHeaders"]["x-moto-forgot-password-confirmation-code"]
    ids = {"userPoolId": pool_id, "clientId": client_id, "username": "alice"}

    wrong = await gateway.mutate(
        "confirmForgotPassword", {**ids, "confirmationCode": "moto-confirmation-code:000000", "password": NEW_PASSWORD}
    )
    result = await gateway.mutate(
        "confirmForgotPassword", {**ids, "confirmationCode": code, "password": NEW_PASSWORD}, USER_FIELDS
    )

    assert_error(wrong, "ExpiredCodeError", "ExpiredCodeException")
    assert result["__typename"] == "ConfirmForgotPasswordPayload", result
    assert (result["clientId"], result["username"], result["user"]["username"]) == (client_id, "alice", "alice")
    assert (await admin_sign_in(gateway, pool_id, client_id, password=NEW_PASSWORD))["authenticationResult"]
    assert_error(await admin_sign_in(gateway, pool_id, client_id), "NotAuthorizedError", "NotAuthorizedException")


# --- revokeToken ---------------------------------------------------------------------------------------------


async def test_revoke_token(gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]):
    client_id, secret = confidential
    create_user(cognito, pool_id)
    tokens = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]

    result = await gateway.mutate(
        "revokeToken", {"userPoolId": pool_id, "clientId": client_id, "token": tokens["refreshToken"]}, "clientId"
    )
    refresh = await gateway.mutate(
        "initiateAuth",
        {
            "userPoolId": pool_id,
            "clientId": client_id,
            "authFlow": "REFRESH_TOKEN_AUTH",
            "authParameters": {"REFRESH_TOKEN": tokens["refreshToken"], "USERNAME": "alice"},
        },
    )

    assert result == {"__typename": "RevokeTokenPayload", "clientId": client_id}
    assert sent.of("RevokeToken")[0]["ClientSecret"] == secret  # filled in by the gateway, never returned
    assert_error(refresh, "NotAuthorizedError", "NotAuthorizedException")


async def test_revoke_an_access_token(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)
    tokens = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]

    # Only refresh tokens can be revoked.
    result = await gateway.mutate("revokeToken", {"clientId": client_id, "token": tokens["accessToken"]})

    assert_error(result, "UnsupportedTokenTypeError", "UnsupportedTokenTypeException")


async def test_resend_confirmation_code_with_a_confidential_client(
    gateway: Any, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    cognito.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    cognito.sign_up(
        ClientId=client_id,
        Username="alice",
        Password=PASSWORD,
        SecretHash=expected_hash("alice", client_id, secret),
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    input = {"clientId": client_id, "username": "alice"}

    without_pool = await gateway.mutate("resendConfirmationCode", input)
    with_pool = await gateway.mutate(
        "resendConfirmationCode", {**input, "userPoolId": pool_id}, "codeDeliveryDetails { deliveryMedium }"
    )

    assert_error(without_pool, "NotAuthorizedError", "NotAuthorizedException")
    assert with_pool == {
        "__typename": "ResendConfirmationCodePayload",
        "codeDeliveryDetails": {"deliveryMedium": "EMAIL"},
    }


async def test_revoke_token_of_a_confidential_client_without_its_secret(
    gateway: Any, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, _ = confidential
    create_user(cognito, pool_id)
    tokens = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]

    # Without userPoolId the gateway cannot read the secret, and the caller gave none.
    result = await gateway.mutate("revokeToken", {"clientId": client_id, "token": tokens["refreshToken"]})

    assert_error(result, "UnauthorizedError", "UnauthorizedException")


async def test_a_secret_lookup_error_the_operation_does_not_declare_is_a_service_error(gateway: Any, pool_id: str):
    # RevokeToken declares no ResourceNotFoundException; DescribeUserPoolClient raised it.
    result = await gateway.mutate("revokeToken", {"userPoolId": pool_id, "clientId": "nosuchclient", "token": "t" * 20})

    assert_error(result, "ServiceError", "ResourceNotFoundException")
    assert gateway.calls == {"DescribeUserPoolClient": 1}


async def test_what_a_request_cached_goes_with_it(
    gateway: Any, pool_id: str, confidential: tuple[str, str], monkeypatch: pytest.MonkeyPatch
):
    built: list[weakref.ref] = []
    build = Loaders.build

    def recording_build(cognito: Any) -> Loaders:
        loaders = build(cognito)
        built.append(weakref.ref(loaders))
        return loaders

    monkeypatch.setattr(Loaders, "build", recording_build)
    client_id, _ = confidential
    ok = await gateway.mutate(
        "signUp", {"userPoolId": pool_id, "clientId": client_id, "username": "alice", "password": PASSWORD}
    )
    # A failed secret lookup is cached (with its traceback) for the rest of its request, no longer.
    failed = await gateway.mutate(
        "signUp", {"userPoolId": pool_id, "clientId": "nosuchclient", "username": "bob", "password": PASSWORD}
    )
    for _ in range(3):  # let the loop run the wake-ups still queued for the finished request
        await asyncio.sleep(0)
    gc.collect()

    assert (ok["__typename"], failed["__typename"]) == ("SignUpPayload", "ResourceNotFoundError")
    assert len(built) == 2 and all(ref() is None for ref in built)


async def test_an_invalid_input_does_not_log_its_password(gateway: Any, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)

    body = await gateway.query(
        "mutation Run($input: SignUpInput!) { signUp(input: $input) { __typename } }",
        {"input": {"clientId": "client", "username": "alice", "password": PASSWORD, "unknownField": 1}},
    )

    assert body["errors"]  # refused before any resolver ran
    assert PASSWORD not in caplog.text


# --- a grant limited to pools and the client-side flows --------------------------------------------------------

POOL_ADMIN_KEY = "pool-admin-key-0123456789"
HASH = "c2VjcmV0LWhhc2g="  # a caller's own SECRET_HASH: no secret lookup is needed for the flow
# Every client-side flow, with an input that names a user and brings its own hash, so that the gateway needs
# no DescribeUserPoolClient of its own for the flow.
CLIENT_SIDE_INPUTS: dict[str, dict[str, Any]] = {
    "InitiateAuth": {
        "authFlow": "USER_PASSWORD_AUTH",
        "authParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": HASH},
    },
    "RespondToAuthChallenge": {
        "challengeName": "NEW_PASSWORD_REQUIRED",
        "session": "s" * 40,
        "challengeResponses": {"USERNAME": "alice", "NEW_PASSWORD": NEW_PASSWORD, "SECRET_HASH": HASH},
    },
    "SignUp": {"username": "alice", "password": PASSWORD, "secretHash": HASH},
    "ConfirmSignUp": {"username": "alice", "confirmationCode": "123456", "secretHash": HASH},
    "ResendConfirmationCode": {"username": "alice", "secretHash": HASH},
    "ForgotPassword": {"username": "alice", "secretHash": HASH},
    "ConfirmForgotPassword": {
        "username": "alice",
        "confirmationCode": "123456",
        "password": NEW_PASSWORD,
        "secretHash": HASH,
    },
    "RevokeToken": {"token": "t" * 40, "clientSecret": "s" * 24},  # ClientSecretType: 24 to 64 characters
    "GetTokensFromRefreshToken": {"refreshToken": "r" * 40, "clientSecret": "s" * 24},
    "GetClientToken": {"secret": "s" * 24},
}


def test_every_client_side_flow_is_checked_below():
    client_side = {
        operation for operation in OPERATIONS if "UserPoolId" not in model.operation(operation).input_shape.members
    }

    assert set(CLIENT_SIDE_INPUTS) == client_side


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit.log"


@pytest.fixture
async def pool_admin(backend: DemoBackend, cognito: BaseClient, pool_id: str, audit_path: Path) -> AsyncIterator[Any]:
    """The app in api-key mode, called as an admin of ``pool_id`` only, writing its audit to ``audit_path``."""
    key = ApiKey(name="pool-admin", role="admin", pools=[pool_id], hash=hash_key(POOL_ADMIN_KEY))
    async with running_gateway(backend, auth_mode="api-key", api_keys=[key], audit_log_path=str(audit_path)) as gw:
        gw.http.headers["X-API-Key"] = POOL_ADMIN_KEY
        yield gw


async def run_flow(gateway: Any, operation: str, pool: str, client: str) -> dict[str, Any]:
    name = operation[0].lower() + operation[1:]
    document = f"mutation($input: {operation}Input!) {{ run: {name}(input: $input) {{ __typename }} }}"
    gateway.reset_calls()
    return await gateway.query(
        document, {"input": {"userPoolId": pool, "clientId": client, **CLIENT_SIDE_INPUTS[operation]}}
    )


@pytest.mark.parametrize("operation", CLIENT_SIDE_INPUTS)
async def test_a_pool_grant_cannot_reach_another_pool_through_its_client(
    pool_admin: Any, cognito: BaseClient, pool_id: str, audit_path: Path, operation: str
):
    other_pool = cognito.create_user_pool(PoolName="other-pool")["UserPool"]["Id"]
    other_client = cognito.create_user_pool_client(UserPoolId=other_pool, ClientName="public", ExplicitAuthFlows=FLOWS)
    create_user(cognito, other_pool)

    body = await run_flow(pool_admin, operation, pool_id, other_client["UserPoolClient"]["ClientId"])

    assert body["data"] == {"run": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert "is not an app client of user pool" in error["message"]
    assert pool_admin.calls == {"DescribeUserPoolClient": 1}  # the flow itself was never called
    [record] = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert (record["operation"], record["pool"], record["outcome"]) == (operation, pool_id, "FORBIDDEN")


@pytest.mark.parametrize("operation", CLIENT_SIDE_INPUTS)
async def test_a_pool_grant_runs_the_flows_of_its_own_pool_s_clients(
    pool_admin: Any, cognito: BaseClient, pool_id: str, client_id: str, operation: str
):
    create_user(cognito, pool_id)

    body = await run_flow(pool_admin, operation, pool_id, client_id)

    assert "errors" not in body, body["errors"]
    assert body["data"]["run"]["__typename"]  # a payload or Cognito's own answer to the made-up input
    assert pool_admin.calls["DescribeUserPoolClient"] == 1 and pool_admin.calls[operation] >= 1


async def test_an_unknown_client_is_forbidden_to_a_pool_grant_and_not_found_to_a_grant_on_every_pool(
    pool_admin: Any, gateway: Any, pool_id: str
):
    refused = await run_flow(pool_admin, "SignUp", pool_id, "nosuchclient")
    unknown = await run_flow(gateway, "SignUp", pool_id, "nosuchclient")

    assert refused["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert unknown["data"]["run"] == {"__typename": "ResourceNotFoundError"}
    assert gateway.calls == {"DescribeUserPoolClient": 1}


# --- getTokensFromRefreshToken ---------------------------------------------------------------------------------


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def refresh(gateway: Any, input: dict[str, Any]) -> dict[str, Any]:
    return await gateway.mutate("getTokensFromRefreshToken", input, TOKENS)


async def test_get_tokens_from_refresh_token(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str):
    create_user(cognito, pool_id)
    refresh_token = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]["refreshToken"]
    gateway.reset_calls()

    result = await refresh(gateway, {"clientId": client_id, "refreshToken": refresh_token})
    again = await refresh(gateway, {"clientId": client_id, "refreshToken": refresh_token})

    assert result["__typename"] == "GetTokensFromRefreshTokenPayload", result
    tokens = result["authenticationResult"]
    assert cognito.get_user(AccessToken=tokens["accessToken"])["Username"] == "alice"
    assert jwt_claims(tokens["idToken"])["token_use"] == "id" and tokens["tokenType"] == "Bearer"
    assert tokens["refreshToken"] is None  # the client does not rotate: the token sent stays good
    assert again["authenticationResult"]["accessToken"]
    assert gateway.calls == {"GetTokensFromRefreshToken": 2}  # no pool named: nothing is read first


async def test_a_rotated_refresh_token_sent_again_is_refresh_token_reuse(
    gateway: Any, cognito: BaseClient, pool_id: str
):
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="rotating",
        ExplicitAuthFlows=FLOWS,
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )["UserPoolClient"]["ClientId"]
    create_user(cognito, pool_id)
    first = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]["refreshToken"]
    input = {"userPoolId": pool_id, "clientId": client_id, "refreshToken": first}

    rotated = await refresh(gateway, input)
    reused = await refresh(gateway, input)
    successor = rotated["authenticationResult"]["refreshToken"]
    next_one = await refresh(gateway, {**input, "refreshToken": successor})

    assert successor and successor != first
    assert_error(reused, "RefreshTokenReuseError", "RefreshTokenReuseException")
    assert next_one["authenticationResult"]["refreshToken"] not in {None, first, successor}


async def test_an_unknown_refresh_token_is_not_authorized(gateway: Any, client_id: str):
    result = await refresh(gateway, {"clientId": client_id, "refreshToken": "r" * 40})

    assert_error(result, "NotAuthorizedError", "NotAuthorizedException")


async def test_get_tokens_from_refresh_token_gets_the_client_secret_filled_in(
    gateway: Any, sent: Sent, cognito: BaseClient, pool_id: str, confidential: tuple[str, str]
):
    client_id, secret = confidential
    create_user(cognito, pool_id)
    refresh_token = (await admin_sign_in(gateway, pool_id, client_id))["authenticationResult"]["refreshToken"]
    input = {"clientId": client_id, "refreshToken": refresh_token}

    without_pool = await refresh(gateway, input)
    body = await gateway.query(
        """mutation($input: GetTokensFromRefreshTokenInput!) { r: getTokensFromRefreshToken(input: $input) {
             __typename ... on GetTokensFromRefreshTokenPayload { authenticationResult { accessToken } } } }""",
        {"input": {**input, "userPoolId": pool_id}},
    )

    assert_error(without_pool, "NotAuthorizedError", "NotAuthorizedException")
    assert body["data"]["r"]["authenticationResult"]["accessToken"], body
    assert [params.get("ClientSecret") for params in sent.of("GetTokensFromRefreshToken")] == [None, secret]
    assert secret not in json.dumps(body)


# --- getClientToken ------------------------------------------------------------------------------------------

CLIENT_TOKEN = "clientAuthenticationResult { accessToken expiresIn tokenType }"


@pytest.fixture
def m2m(cognito: BaseClient, pool_id: str) -> tuple[str, str]:
    """A confidential client for client credentials, allowed two scopes of a resource server: (client ID, secret)."""
    scopes = [{"ScopeName": name, "ScopeDescription": f"{name} orders"} for name in ("read", "write")]
    cognito.create_resource_server(UserPoolId=pool_id, Identifier="orders", Name="Orders API", Scopes=scopes)
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="worker",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_CLIENT_TOKEN_AUTH"],
        AllowedOAuthScopes=["orders/read", "orders/write"],
    )["UserPoolClient"]
    return client["ClientId"], client["ClientSecret"]


def test_get_client_token_takes_its_secret_from_the_pool_named():
    fields = build_schema()._schema.get_type("GetClientTokenInput").fields

    # Cognito requires the secret; the graph lets the gateway read it when the input names the pool.
    assert "Secret" in model.operation("GetClientToken").input_shape.required_members
    assert str(fields["secret"].type) == "String" and str(fields["clientId"].type) == "String!"


async def test_get_client_token_with_the_secret_filled_in(gateway: Any, sent: Sent, pool_id: str, m2m: tuple[str, str]):
    client_id, secret = m2m

    body = await gateway.query(
        f"""mutation($input: GetClientTokenInput!) {{ r: getClientToken(input: $input) {{
              __typename ... on GetClientTokenPayload {{ {CLIENT_TOKEN} }} }} }}""",
        {"input": {"userPoolId": pool_id, "clientId": client_id, "scopes": ["orders/read"]}},
    )

    token = body["data"]["r"]["clientAuthenticationResult"]
    assert token["tokenType"] == "Bearer" and token["expiresIn"] > 0
    claims = jwt_claims(token["accessToken"])
    assert (claims["client_id"], claims["scope"], claims["token_use"]) == (client_id, "orders/read", "access")
    assert sent.of("GetClientToken")[0]["Secret"] == secret
    assert secret not in json.dumps(body)
    assert gateway.calls == {"DescribeUserPoolClient": 1, "GetClientToken": 1}


async def test_get_client_token_with_the_caller_s_secret(gateway: Any, m2m: tuple[str, str]):
    client_id, secret = m2m

    result = await gateway.mutate("getClientToken", {"clientId": client_id, "secret": secret}, CLIENT_TOKEN)
    wrong = await gateway.mutate("getClientToken", {"clientId": client_id, "secret": "w" * 30})
    not_allowed = await gateway.mutate(
        "getClientToken", {"clientId": client_id, "secret": secret, "scopes": ["orders/delete"]}
    )

    # No scopes asked: the client's own.
    assert jwt_claims(result["clientAuthenticationResult"]["accessToken"])["scope"] == "orders/read orders/write"
    assert_error(wrong, "NotAuthorizedError", "NotAuthorizedException")
    assert_error(not_allowed, "InvalidParameterError", "InvalidParameterException")
    assert gateway.calls == {"GetClientToken": 3}


async def test_get_client_token_needs_a_secret_or_the_pool(gateway: Any, pool_id: str, client_id: str):
    without = await gateway.mutate("getClientToken", {"clientId": client_id})
    assert gateway.calls == {}
    public = await gateway.mutate("getClientToken", {"userPoolId": pool_id, "clientId": client_id})

    assert without["__typename"] == "InvalidParameterError" and "userPoolId" in without["message"], without
    assert public["__typename"] == "InvalidParameterError" and "has no secret" in public["message"], public
    assert gateway.calls == {"DescribeUserPoolClient": 1}  # GetClientToken was never sent


# --- updateAuthEventFeedback ---------------------------------------------------------------------------------

FEEDBACK = "userPoolId username user { authEvents { nodes { eventId eventFeedback { feedbackValue provider } } } }"


def signed_in_with_threat_protection(cognito: BaseClient, pool_id: str, client_id: str) -> str:
    """alice signs in once in a pool with threat protection; the ID of that sign-in's auth event."""
    cognito.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    create_user(cognito, pool_id)
    cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool_id, Username="alice")["AuthEvents"]
    return event["EventId"]


async def test_update_auth_event_feedback_with_the_emailed_token(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
):
    event_id = signed_in_with_threat_protection(cognito, pool_id, client_id)
    input = {"userPoolId": pool_id, "username": "alice", "eventId": event_id, "feedbackValue": "INVALID"}

    refused = await gateway.mutate("updateAuthEventFeedback", {**input, "feedbackToken": "f" * 43})
    [unchanged] = cognito.admin_list_user_auth_events(UserPoolId=pool_id, Username="alice")["AuthEvents"]
    gateway.reset_calls()
    token = feedback_token(pool_id, "alice", event_id)  # what Cognito's email would carry
    result = await gateway.mutate("updateAuthEventFeedback", {**input, "feedbackToken": token}, FEEDBACK)

    assert_error(refused, "NotAuthorizedError", "NotAuthorizedException")
    assert "EventFeedback" not in unchanged
    assert result == {
        "__typename": "UpdateAuthEventFeedbackPayload",
        "userPoolId": pool_id,
        "username": "alice",
        "user": {
            "authEvents": {
                "nodes": [{"eventId": event_id, "eventFeedback": {"feedbackValue": "INVALID", "provider": "User"}}]
            }
        },
    }
    assert gateway.calls == {"UpdateAuthEventFeedback": 1, "AdminGetUser": 1, "AdminListUserAuthEvents": 1}


async def test_update_auth_event_feedback_of_an_unknown_user_or_event(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
):
    event_id = signed_in_with_threat_protection(cognito, pool_id, client_id)
    input = {"userPoolId": pool_id, "eventId": event_id, "feedbackValue": "VALID", "feedbackToken": "f" * 43}

    unknown_user = await gateway.mutate("updateAuthEventFeedback", {**input, "username": "nobody"})
    unknown_event = await gateway.mutate("updateAuthEventFeedback", {**input, "username": "alice", "eventId": "no"})

    assert_error(unknown_user, "UserNotFoundError", "UserNotFoundException")
    assert_error(unknown_event, "ResourceNotFoundError", "ResourceNotFoundException")


# --- the new flows: roles, secrets, the audit, lost answers ---------------------------------------------------------

FLOW_INPUTS: dict[str, dict[str, Any]] = {
    "getTokensFromRefreshToken": {"clientId": "client", "refreshToken": "r" * 40},
    "getClientToken": {"clientId": "client", "secret": "s" * 24},
    "updateAuthEventFeedback": {
        "userPoolId": "us-east-1_abc",
        "username": "alice",
        "eventId": "e",
        "feedbackToken": "f" * 43,
        "feedbackValue": "VALID",
    },
}
CALLER_KEYS = {"viewer": "viewer-key-0123456789", "operator": "operator-key-0123456789"}


@pytest.mark.parametrize("caller", CALLER_KEYS)
@pytest.mark.parametrize("mutation", FLOW_INPUTS)
async def test_the_new_flows_need_the_admin_role(backend: DemoBackend, cognito: BaseClient, caller: str, mutation: str):
    keys = [ApiKey(name=name, role=name, hash=hash_key(key)) for name, key in CALLER_KEYS.items()]
    async with running_gateway(backend, auth_mode="api-key", api_keys=keys) as gateway:
        gateway.http.headers["X-API-Key"] = CALLER_KEYS[caller]
        operation = mutation[0].upper() + mutation[1:]
        body = await gateway.query(
            f"mutation($input: {operation}Input!) {{ run: {mutation}(input: $input) {{ __typename }} }}",
            {"input": FLOW_INPUTS[mutation]},
        )

        assert body["data"] == {"run": None}
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        assert gateway.calls == {}


async def test_the_new_flows_keep_tokens_and_secrets_out_of_the_audit_and_the_logs(
    pool_admin: Any,
    audit_path: Path,
    cognito: BaseClient,
    pool_id: str,
    client_id: str,
    m2m: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG, logger="gateway")
    m2m_id, m2m_secret = m2m
    event_id = signed_in_with_threat_protection(cognito, pool_id, client_id)
    refresh_token = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["RefreshToken"]
    token = feedback_token(pool_id, "alice", event_id)

    refreshed = await pool_admin.mutate(
        "getTokensFromRefreshToken",
        {"userPoolId": pool_id, "clientId": client_id, "refreshToken": refresh_token},
        TOKENS,
    )
    issued = await pool_admin.mutate("getClientToken", {"userPoolId": pool_id, "clientId": m2m_id}, CLIENT_TOKEN)
    feedback = await pool_admin.mutate(
        "updateAuthEventFeedback",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "eventId": event_id,
            "feedbackToken": token,
            "feedbackValue": "VALID",
        },
    )

    # An admin of the pool reads the tokens, as with the other flows.
    assert refreshed["authenticationResult"]["accessToken"] and issued["clientAuthenticationResult"]["accessToken"]
    assert feedback["__typename"] == "UpdateAuthEventFeedbackPayload"
    records = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert [(record["operation"], record["outcome"]) for record in records] == [
        ("GetTokensFromRefreshToken", "GetTokensFromRefreshTokenPayload"),
        ("GetClientToken", "GetClientTokenPayload"),
        ("UpdateAuthEventFeedback", "UpdateAuthEventFeedbackPayload"),
    ]
    assert records[0]["input"]["RefreshToken"] == model.REDACTED
    assert records[2]["input"]["FeedbackToken"] == model.REDACTED
    issued_tokens = [
        refreshed["authenticationResult"]["accessToken"],
        refreshed["authenticationResult"]["idToken"],
        issued["clientAuthenticationResult"]["accessToken"],
    ]
    gateway_records = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("gateway"))
    for secret in (refresh_token, token, m2m_secret, *issued_tokens):
        assert secret not in audit_path.read_text() and secret not in gateway_records


@pytest.mark.parametrize(
    ("operation", "input"),
    [
        ("GetTokensFromRefreshToken", {"refreshToken": "REFRESH"}),
        ("GetClientToken", {"secret": "SECRET"}),
    ],
)
async def test_a_token_whose_answer_is_lost_is_not_asked_for_again(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, operation: str, input: dict[str, Any]
):
    """They are Get* by name, but each call issues a token (gateway.cognito.operations marks them): not retried."""
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=FLOWS)[
        "UserPoolClient"
    ]["ClientId"]
    input = {key: value * 8 for key, value in input.items()}  # long enough for the model, recognizable
    proxy = FaultProxy(backend.endpoint_url).start()
    try:
        proxy.faults.rules = {operation: "reset_after_forward"}
        through = type("Endpoint", (), {"endpoint_url": proxy.endpoint_url})
        async with running_gateway(through, max_attempts=3, read_timeout_seconds=2) as gateway:
            result = await gateway.mutate(operation[0].lower() + operation[1:], {"clientId": client_id, **input})
    finally:
        proxy.stop()

    assert result["__typename"] == "OutcomeUnknownError", result
    assert proxy.calls()[operation] == 1  # sent once, though three attempts are allowed
    assert all(value not in result["message"] for value in input.values())
