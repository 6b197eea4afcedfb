"""Threat protection (risk configuration), log delivery, the classic hosted UI's look and the signing certificate
(gateway.graphql.pool_security): the nested fields of UserPool and UserPoolClient and the set* mutations, through HTTP
against the real app and the demo backend (gateway.demo.pool_settings)."""

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from cryptography import x509
from cryptography.x509.oid import NameOID

from gateway.auth.api_keys import hash_key
from gateway.cognito import model
from gateway.demo import pool_settings
from gateway.demo.server import DemoBackend
from gateway.graphql.pagination import FILTERED_PAGES
from gateway.settings import ApiKey
from tests.conftest import Gateway, running_gateway
from tests.graphql.test_audit import Audited
from tests.helpers import assert_error

CSS = ".banner-customizable { padding: 4px; }"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SES = "arn:aws:ses:us-east-1:123456789012:identity/security@example.com"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:cognito-notifications"
BUCKET = "arn:aws:s3:::cognito-activity"
MISSING_POOL = "us-east-1_nothere"
OPERATIONS = (
    "DescribeRiskConfiguration",
    "SetRiskConfiguration",
    "GetLogDeliveryConfiguration",
    "SetLogDeliveryConfiguration",
    "GetUICustomization",
    "SetUICustomization",
    "GetSigningCertificate",
)

RISK_FIELDS = """userPoolId clientId lastModifiedDate
  compromisedCredentialsRiskConfiguration { eventFilter actions { eventAction } }
  accountTakeoverRiskConfiguration {
    notifyConfiguration { from replyTo sourceArn blockEmail { subject htmlBody textBody } }
    actions { lowAction { notify eventAction } mediumAction { notify eventAction } highAction { notify eventAction } }
  }
  riskExceptionConfiguration { blockedIpRangeList skippedIpRangeList }"""
LOG_FIELDS = """userPoolId logConfigurations { logLevel eventSource cloudWatchLogsConfiguration { logGroupArn }
  s3Configuration { bucketArn } firehoseConfiguration { streamArn } }"""
UI_FIELDS = "userPoolId clientId css cssVersion imageUrl creationDate lastModifiedDate"

POOL = """
query($id: ID!) {
  userPool(id: $id) {
    __typename
    ... on CognitoError { code message requestId }
    ... on UserPool { %s }
  }
}"""
CLIENT = """
query($pool: ID!, $client: String!) {
  userPoolClient(userPoolId: $pool, clientId: $client) {
    __typename
    ... on UserPoolClient { %s }
  }
}"""

# The input of setRiskConfiguration for the whole pool, and what Cognito keeps of it.
RISK_INPUT = {
    "compromisedCredentialsRiskConfiguration": {"eventFilter": ["SIGN_IN"], "actions": {"eventAction": "BLOCK"}},
    "accountTakeoverRiskConfiguration": {
        "notifyConfiguration": {
            "from": "security@example.com",
            "replyTo": "help@example.com",
            "sourceArn": SES,
            "blockEmail": {"subject": "Blocked", "htmlBody": "<p>Blocked</p>", "textBody": "Blocked"},
        },
        "actions": {
            "lowAction": {"notify": False, "eventAction": "NO_ACTION"},
            "mediumAction": {"notify": True, "eventAction": "MFA_IF_CONFIGURED"},
            "highAction": {"notify": True, "eventAction": "BLOCK"},
        },
    },
    "riskExceptionConfiguration": {"blockedIpRangeList": ["192.0.2.0/24"], "skippedIpRangeList": ["10.0.0.0/8"]},
}
STORED_RISK = {
    "CompromisedCredentialsRiskConfiguration": {"EventFilter": ["SIGN_IN"], "Actions": {"EventAction": "BLOCK"}},
    "AccountTakeoverRiskConfiguration": {
        "NotifyConfiguration": {
            "From": "security@example.com",
            "ReplyTo": "help@example.com",
            "SourceArn": SES,
            "BlockEmail": {"Subject": "Blocked", "HtmlBody": "<p>Blocked</p>", "TextBody": "Blocked"},
        },
        "Actions": {
            "LowAction": {"Notify": False, "EventAction": "NO_ACTION"},
            "MediumAction": {"Notify": True, "EventAction": "MFA_IF_CONFIGURED"},
            "HighAction": {"Notify": True, "EventAction": "BLOCK"},
        },
    },
    "RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.0/24"], "SkippedIPRangeList": ["10.0.0.0/8"]},
}
NOTIFICATION_LOGS = {
    "logLevel": "ERROR",
    "eventSource": "USER_NOTIFICATION",
    "cloudWatchLogsConfiguration": {"logGroupArn": LOG_GROUP},
}


@dataclass
class Pool:
    id: str
    client_id: str
    other_client_id: str


@pytest.fixture
def pool(cognito: BaseClient) -> Pool:
    """An Essentials pool with threat protection in AUDIT mode, a hosted UI domain and two app clients."""
    pool_id = cognito.create_user_pool(PoolName="guarded", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})[
        "UserPool"
    ]["Id"]
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain="guarded-login")
    clients = [
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name)["UserPoolClient"]["ClientId"]
        for name in ("web", "mobile")
    ]
    return Pool(pool_id, *clients)


def stored_risk(cognito: BaseClient, pool_id: str, client_id: str | None = None) -> dict[str, Any]:
    client = {"ClientId": client_id} if client_id else {}
    configuration = cognito.describe_risk_configuration(UserPoolId=pool_id, **client)["RiskConfiguration"]
    configuration.pop("LastModifiedDate", None)
    return configuration


def without_dates(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if key not in ("lastModifiedDate", "creationDate")}


def error_entry(body: dict[str, Any], *path: str) -> dict[str, Any]:
    [error] = [error for error in body["errors"] if error["path"] == list(path)]
    return error


# --- none of these operations carries a secret ---------------------------------------------------------


def _members(shape: Any, seen: set[str]) -> list[Any]:
    if shape is None or shape.name in seen:
        return []
    seen.add(shape.name)
    nested = {"structure": lambda: shape.members.values(), "list": lambda: [shape.member], "map": lambda: [shape.value]}
    children = list(nested.get(shape.type_name, lambda: [])())
    return [shape] + [found for child in children for found in _members(child, seen)]


def test_no_member_of_these_operations_is_a_secret() -> None:
    """So a viewer reads every field (a notify e-mail's SES ARN, a log group) and the audit writes the input whole;
    were a later model to mark one, cognito_type would make it admin-only and the audit would redact it."""
    for operation in OPERATIONS:
        op = model.operation(operation)
        shapes = _members(op.input_shape, set()) + _members(op.output_shape, set())
        assert shapes and not [shape.name for shape in shapes if model.is_secret(shape)], operation


# --- riskConfiguration / setRiskConfiguration --------------------------------------------------------------


async def test_set_risk_configuration_of_a_pool(gateway: Gateway, cognito: BaseClient, pool: Pool) -> None:
    result = await gateway.mutate(
        "setRiskConfiguration", {"userPoolId": pool.id, **RISK_INPUT}, f"riskConfiguration {{ {RISK_FIELDS} }}"
    )

    assert result["__typename"] == "SetRiskConfigurationPayload"
    configuration = result["riskConfiguration"]
    assert configuration.pop("lastModifiedDate")
    assert configuration == {"userPoolId": pool.id, "clientId": None, **RISK_INPUT}
    assert stored_risk(cognito, pool.id) == {"UserPoolId": pool.id, **STORED_RISK}
    assert gateway.calls == {"SetRiskConfiguration": 1}


async def test_pool_risk_configuration(gateway: Gateway, cognito: BaseClient, pool: Pool) -> None:
    await gateway.mutate("setRiskConfiguration", {"userPoolId": pool.id, **RISK_INPUT})
    gateway.reset_calls()

    data = await gateway.data(POOL % f"riskConfiguration {{ {RISK_FIELDS} }}", {"id": pool.id})

    configuration = data["userPool"]["riskConfiguration"]
    assert configuration.pop("lastModifiedDate")
    assert configuration == {"userPoolId": pool.id, "clientId": None, **RISK_INPUT}
    assert gateway.calls == {"DescribeUserPool": 1, "DescribeRiskConfiguration": 1}


async def test_client_risk_configuration_is_its_own_else_the_pools(
    gateway: Gateway, cognito: BaseClient, pool: Pool
) -> None:
    cognito.set_risk_configuration(
        UserPoolId=pool.id, RiskExceptionConfiguration={"SkippedIPRangeList": ["10.0.0.0/8"]}
    )
    own = {"compromisedCredentialsRiskConfiguration": {"actions": {"eventAction": "NO_ACTION"}}}
    result = await gateway.mutate(
        "setRiskConfiguration",
        {"userPoolId": pool.id, "clientId": pool.client_id, **own},
        "riskConfiguration { clientId compromisedCredentialsRiskConfiguration { actions { eventAction } } }",
    )
    assert result["riskConfiguration"]["clientId"] == pool.client_id
    gateway.reset_calls()

    data = await gateway.data(
        POOL
        % """clients { nodes { clientId riskConfiguration { clientId
               compromisedCredentialsRiskConfiguration { actions { eventAction } }
               riskExceptionConfiguration { skippedIpRangeList } } } }""",
        {"id": pool.id},
    )

    risks = {node["clientId"]: node["riskConfiguration"] for node in data["userPool"]["clients"]["nodes"]}
    assert risks == {
        pool.client_id: {
            "clientId": pool.client_id,
            "compromisedCredentialsRiskConfiguration": {"actions": {"eventAction": "NO_ACTION"}},
            "riskExceptionConfiguration": None,
        },
        # No configuration of its own: the pool's, which names no client.
        pool.other_client_id: {
            "clientId": None,
            "compromisedCredentialsRiskConfiguration": None,
            "riskExceptionConfiguration": {"skippedIpRangeList": ["10.0.0.0/8"]},
        },
    }
    # The clients' summaries name them: no DescribeUserPoolClient, one DescribeRiskConfiguration each.
    assert gateway.calls == {"DescribeUserPool": 1, "ListUserPoolClients": 1, "DescribeRiskConfiguration": 2}


async def test_risk_configuration_without_threat_protection_is_an_error_entry(
    gateway: Gateway, cognito: BaseClient, pool_id: str
) -> None:
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]

    body = await gateway.query(
        POOL % "name riskConfiguration { userPoolId } logDeliveryConfiguration { userPoolId }", {"id": pool_id}
    )
    client_body = await gateway.query(
        CLIENT % "clientName riskConfiguration { userPoolId }", {"pool": pool_id, "client": client_id}
    )

    # The rest of the data still returns.
    assert body["data"]["userPool"] == {
        "__typename": "UserPool",
        "name": "test-pool",
        "riskConfiguration": None,
        "logDeliveryConfiguration": {"userPoolId": pool_id},
    }
    error = error_entry(body, "userPool", "riskConfiguration")
    assert error["extensions"]["code"] == "UserPoolAddOnNotEnabledException"
    assert error["extensions"]["requestId"] and error["extensions"]["retryable"] is False
    assert client_body["data"]["userPoolClient"] == {
        "__typename": "UserPoolClient",
        "clientName": "web",
        "riskConfiguration": None,
    }
    client_error = error_entry(client_body, "userPoolClient", "riskConfiguration")
    assert client_error["extensions"]["code"] == "UserPoolAddOnNotEnabledException"


async def test_set_risk_configuration_without_threat_protection(gateway: Gateway, pool_id: str) -> None:
    result = await gateway.mutate("setRiskConfiguration", {"userPoolId": pool_id, **RISK_INPUT})

    assert_error(result, "UserPoolAddOnNotEnabledError", "UserPoolAddOnNotEnabledException")


async def test_set_risk_configuration_with_a_bad_ip_range_changes_nothing(
    gateway: Gateway, cognito: BaseClient, pool: Pool
) -> None:
    cognito.set_risk_configuration(
        UserPoolId=pool.id, RiskExceptionConfiguration={"SkippedIPRangeList": ["10.0.0.0/8"]}
    )

    result = await gateway.mutate(
        "setRiskConfiguration",
        {"userPoolId": pool.id, "riskExceptionConfiguration": {"blockedIpRangeList": ["not-a-range"]}},
    )

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert stored_risk(cognito, pool.id)["RiskExceptionConfiguration"] == {"SkippedIPRangeList": ["10.0.0.0/8"]}


async def test_set_risk_configuration_of_a_missing_pool_or_client(gateway: Gateway, pool: Pool) -> None:
    missing_pool = await gateway.mutate("setRiskConfiguration", {"userPoolId": MISSING_POOL, **RISK_INPUT})
    missing_client = await gateway.mutate(
        "setRiskConfiguration", {"userPoolId": pool.id, "clientId": "nosuchclient", **RISK_INPUT}
    )

    assert_error(missing_pool, "ResourceNotFoundError", "ResourceNotFoundException")
    assert_error(missing_client, "ResourceNotFoundError", "ResourceNotFoundException")


# --- logDeliveryConfiguration / setLogDeliveryConfiguration ----------------------------------------------


async def test_log_delivery_configuration_of_a_pool_never_configured(gateway: Gateway, pool: Pool) -> None:
    data = await gateway.data(POOL % f"logDeliveryConfiguration {{ {LOG_FIELDS} }}", {"id": pool.id})

    assert data["userPool"]["logDeliveryConfiguration"] == {"userPoolId": pool.id, "logConfigurations": []}
    assert gateway.calls == {"DescribeUserPool": 1, "GetLogDeliveryConfiguration": 1}


async def test_set_log_delivery_configuration(gateway: Gateway, cognito: BaseClient, pool: Pool) -> None:
    result = await gateway.mutate(
        "setLogDeliveryConfiguration",
        {"userPoolId": pool.id, "logConfigurations": [NOTIFICATION_LOGS]},
        f"logDeliveryConfiguration {{ {LOG_FIELDS} }}",
    )
    read = await gateway.data(POOL % f"logDeliveryConfiguration {{ {LOG_FIELDS} }}", {"id": pool.id})

    expected = {
        "userPoolId": pool.id,
        "logConfigurations": [{**NOTIFICATION_LOGS, "s3Configuration": None, "firehoseConfiguration": None}],
    }
    assert result == {"__typename": "SetLogDeliveryConfigurationPayload", "logDeliveryConfiguration": expected}
    assert read["userPool"]["logDeliveryConfiguration"] == expected
    stored = cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"]
    assert stored["LogConfigurations"] == [
        {
            "LogLevel": "ERROR",
            "EventSource": "userNotification",
            "CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP},
        }
    ]


async def test_user_activity_logs_need_the_plus_tier(gateway: Gateway, cognito: BaseClient, pool: Pool) -> None:
    activity = {"logLevel": "INFO", "eventSource": "USER_AUTH_EVENTS", "s3Configuration": {"bucketArn": BUCKET}}

    result = await gateway.mutate(
        "setLogDeliveryConfiguration", {"userPoolId": pool.id, "logConfigurations": [activity]}
    )

    assert_error(result, "FeatureUnavailableInTierError", "FeatureUnavailableInTierException")
    assert cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"] == {
        "UserPoolId": pool.id,
        "LogConfigurations": [],
    }


async def test_set_log_delivery_configuration_of_a_missing_pool(gateway: Gateway) -> None:
    result = await gateway.mutate(
        "setLogDeliveryConfiguration", {"userPoolId": MISSING_POOL, "logConfigurations": [NOTIFICATION_LOGS]}
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- uiCustomization / setUICustomization -----------------------------------------------------------------


async def test_ui_customization_is_null_when_none_is_set(gateway: Gateway, pool: Pool) -> None:
    data = await gateway.data(POOL % f"uiCustomization {{ {UI_FIELDS} }}", {"id": pool.id})

    assert data["userPool"]["uiCustomization"] is None
    assert gateway.calls == {"DescribeUserPool": 1, "GetUICustomization": 1}


async def test_set_ui_customization_with_a_logo(gateway: Gateway, pool: Pool) -> None:
    encoded = base64.b64encode(PNG).decode()
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))  # as `base64` prints it

    result = await gateway.mutate(
        "setUICustomization",
        {"userPoolId": pool.id, "clientId": pool.client_id, "css": CSS, "imageFile": wrapped},
        f"uiCustomization {{ {UI_FIELDS} }}",
    )
    read = await gateway.data(
        CLIENT % f"uiCustomization {{ {UI_FIELDS} }}", {"pool": pool.id, "client": pool.client_id}
    )

    customization = result["uiCustomization"]
    assert customization["imageUrl"].endswith("/assets/images/image.png")
    assert without_dates(customization) == {
        "userPoolId": pool.id,
        "clientId": pool.client_id,
        "css": CSS,
        "cssVersion": customization["cssVersion"],
        "imageUrl": customization["imageUrl"],
    }
    assert read["userPoolClient"]["uiCustomization"] == customization
    # The bytes arrived as they were, not their base64 text encoded once more.
    assert pool_settings.ui_image(pool.id, pool.client_id) == PNG


async def test_client_ui_customization_is_its_own_else_the_pools(gateway: Gateway, pool: Pool) -> None:
    await gateway.mutate("setUICustomization", {"userPoolId": pool.id, "css": ".label-customizable { color: red; }"})
    await gateway.mutate(
        "setUICustomization", {"userPoolId": pool.id, "clientId": pool.client_id, "css": ".label-customizable {}"}
    )
    gateway.reset_calls()

    data = await gateway.data(
        POOL % "uiCustomization { clientId css } clients { nodes { clientId uiCustomization { clientId css } } }",
        {"id": pool.id},
    )

    assert data["userPool"]["uiCustomization"] == {"clientId": None, "css": ".label-customizable { color: red; }"}
    customizations = {node["clientId"]: node["uiCustomization"] for node in data["userPool"]["clients"]["nodes"]}
    assert customizations == {
        pool.client_id: {"clientId": pool.client_id, "css": ".label-customizable {}"},
        pool.other_client_id: {"clientId": None, "css": ".label-customizable { color: red; }"},
    }
    assert gateway.calls == {"DescribeUserPool": 1, "ListUserPoolClients": 1, "GetUICustomization": 3}


@pytest.mark.parametrize(
    "image",
    # a foreign character, one outside ASCII, missing padding, padding inside, the URL-safe alphabet
    ["not base64!", "iVBORw0KGgoé", "iVBORw0KGgo", "iVBORw0KG=go", "iVBORw0K-_8A"],
)
async def test_set_ui_customization_refuses_invalid_base64_before_any_call(
    gateway: Gateway, pool: Pool, image: str
) -> None:
    await gateway.mutate("setUICustomization", {"userPoolId": pool.id, "css": ".banner-customizable {}"})
    gateway.reset_calls()

    result = await gateway.mutate(
        "setUICustomization", {"userPoolId": pool.id, "css": ".label-customizable {}", "imageFile": image}
    )

    assert result["__typename"] == "InvalidParameterError"
    assert "imageFile" in result["message"] or "ImageFile" in result["message"]
    assert result["requestId"] is None
    assert gateway.calls == {}
    data = await gateway.data(POOL % "uiCustomization { css imageUrl }", {"id": pool.id})
    assert data["userPool"]["uiCustomization"] == {"css": ".banner-customizable {}", "imageUrl": None}


async def test_set_ui_customization_refuses_a_logo_over_the_models_size_before_any_call(
    gateway: Gateway, pool: Pool
) -> None:
    limit = model.shape("ImageFileType").metadata["max"]
    image = PNG + bytes(limit + 1 - len(PNG))

    result = await gateway.mutate(
        "setUICustomization", {"userPoolId": pool.id, "imageFile": base64.b64encode(image).decode()}
    )

    assert result["__typename"] == "InvalidParameterError"
    assert f"{limit + 1} bytes" in result["message"]
    assert gateway.calls == {}
    assert pool_settings.ui_image(pool.id) is None


async def test_set_ui_customization_without_a_domain(gateway: Gateway, pool_id: str) -> None:
    result = await gateway.mutate("setUICustomization", {"userPoolId": pool_id, "css": ".banner-customizable {}"})

    assert_error(result, "InvalidParameterError", "InvalidParameterException")


async def test_ui_customization_of_a_missing_client(gateway: Gateway, pool: Pool) -> None:
    result = await gateway.mutate(
        "setUICustomization", {"userPoolId": pool.id, "clientId": "nosuchclient", "css": ".banner-customizable {}"}
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_the_audit_records_the_logo_by_its_size(
    backend: DemoBackend, cognito: BaseClient, pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "audit.log"
    encoded = base64.b64encode(PNG).decode()
    async with running_gateway(backend, audit_log_path=str(path)) as gateway:
        result = await gateway.mutate("setUICustomization", {"userPoolId": pool.id, "imageFile": encoded})

    [record] = Audited(gateway, path).records()
    assert record["outcome"] == result["__typename"] == "SetUICustomizationPayload"
    # A blob is recorded by its size: the logo is data, not who did what (and would be ~175 KB of base64 at its max).
    assert record["input"] == {"UserPoolId": pool.id, "ImageFile": f"{len(PNG)} bytes"}


# --- signingCertificate --------------------------------------------------------------------------------------


async def test_signing_certificate(gateway: Gateway, cognito: BaseClient, pool_id: str) -> None:
    data = await gateway.data(POOL % "signingCertificate", {"id": pool_id})

    pem = data["userPool"]["signingCertificate"]
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == pool_id
    assert pem == cognito.get_signing_certificate(UserPoolId=pool_id)["Certificate"]
    assert gateway.calls == {"DescribeUserPool": 1, "GetSigningCertificate": 1}


async def test_signing_certificate_of_listed_pools_needs_no_description(gateway: Gateway, cognito: BaseClient) -> None:
    ids = [cognito.create_user_pool(PoolName=name)["UserPool"]["Id"] for name in ("one", "two")]

    data = await gateway.data("{ userPools { ... on UserPoolConnection { nodes { id signingCertificate } } } }")

    certificates = {node["id"]: node["signingCertificate"] for node in data["userPools"]["nodes"]}
    assert set(certificates) == set(ids)
    assert all(certificate.startswith("-----BEGIN CERTIFICATE-----") for certificate in certificates.values())
    assert gateway.calls == {"ListUserPools": 1, "GetSigningCertificate": 2}


# --- calls and cost ------------------------------------------------------------------------------------------

ALL_FOUR = (
    "riskConfiguration { userPoolId } logDeliveryConfiguration { userPoolId } uiCustomization { css } "
    "signingCertificate"
)


async def test_the_four_fields_of_a_pool_make_one_call_each(gateway: Gateway, pool: Pool) -> None:
    data = await gateway.data(POOL % f"name {ALL_FOUR}", {"id": pool.id})

    assert data["userPool"]["riskConfiguration"] == {"userPoolId": pool.id}
    assert gateway.calls == {
        "DescribeUserPool": 1,
        "DescribeRiskConfiguration": 1,
        "GetLogDeliveryConfiguration": 1,
        "GetUICustomization": 1,
        "GetSigningCertificate": 1,
    }


async def test_the_four_fields_on_listed_pools_are_one_call_each_per_pool(
    gateway: Gateway, cognito: BaseClient, pool: Pool
) -> None:
    cognito.create_user_pool(PoolName="unguarded")

    body = await gateway.query(f"{{ userPools {{ ... on UserPoolConnection {{ nodes {{ id {ALL_FOUR} }} }} }} }}")

    nodes = {node["id"]: node for node in body["data"]["userPools"]["nodes"]}
    assert nodes[pool.id]["riskConfiguration"] == {"userPoolId": pool.id}
    [unguarded] = set(nodes) - {pool.id}
    assert nodes[unguarded]["riskConfiguration"] is None and nodes[unguarded]["signingCertificate"]
    [error] = body["errors"]
    assert error["path"][-1] == "riskConfiguration"
    assert error["extensions"]["code"] == "UserPoolAddOnNotEnabledException"
    assert gateway.calls == {
        "ListUserPools": 1,
        "DescribeRiskConfiguration": 2,
        "GetLogDeliveryConfiguration": 2,
        "GetUICustomization": 2,
        "GetSigningCertificate": 2,
    }


async def test_the_cost_limit_counts_the_four_fields_per_listed_pool(backend: DemoBackend, cognito: BaseClient) -> None:
    first = 20
    listing = f"{{ userPools(first: {first}) {{ ... on UserPoolConnection {{ nodes {{ id name %s }} }} }} }}"
    # The list alone: up to FILTERED_PAGES ListUserPools calls and one DescribeUserPool per node.
    plain_cost = FILTERED_PAGES + first
    async with running_gateway(backend, max_query_cost=plain_cost) as gateway:
        allowed = await gateway.query(listing % "")
        refused = await gateway.query(listing % ALL_FOUR)
        calls = gateway.calls

    assert "errors" not in allowed
    [error] = refused["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": plain_cost + 4 * first, "maxCost": plain_cost}
    assert calls == {"ListUserPools": 1}  # the allowed query's only; the refused one made none


# --- roles ---------------------------------------------------------------------------------------------------

KEYS = {"viewer": "viewer-key-0123456789", "operator": "operator-key-0123456789", "admin": "admin-key-0123456789"}


@pytest.fixture
async def gateway_as(backend: DemoBackend, cognito: BaseClient) -> AsyncIterator[Any]:
    keys = [ApiKey(name=name, role=name, hash=hash_key(key)) for name, key in KEYS.items()]
    async with running_gateway(backend, auth_mode="api-key", api_keys=keys) as gateway:

        def as_caller(name: str) -> Gateway:
            gateway.http.headers["X-API-Key"] = KEYS[name]
            gateway.reset_calls()
            return gateway

        yield as_caller


async def test_a_viewer_reads_every_field(gateway_as: Any, cognito: BaseClient, pool: Pool) -> None:
    cognito.set_risk_configuration(UserPoolId=pool.id, **STORED_RISK)
    gateway = gateway_as("viewer")

    data = await gateway.data(
        POOL % f"riskConfiguration {{ {RISK_FIELDS} }} logDeliveryConfiguration {{ userPoolId }} "
        "uiCustomization { css } signingCertificate clients { nodes { riskConfiguration { userPoolId } "
        "uiCustomization { css } } }",
        {"id": pool.id},
    )

    notify = data["userPool"]["riskConfiguration"]["accountTakeoverRiskConfiguration"]["notifyConfiguration"]
    assert notify == RISK_INPUT["accountTakeoverRiskConfiguration"]["notifyConfiguration"]
    assert data["userPool"]["signingCertificate"]
    assert data["userPool"]["logDeliveryConfiguration"] == {"userPoolId": pool.id}


MUTATIONS = {
    "setRiskConfiguration": lambda pool: {"userPoolId": pool.id, **RISK_INPUT},
    "setLogDeliveryConfiguration": lambda pool: {"userPoolId": pool.id, "logConfigurations": [NOTIFICATION_LOGS]},
    "setUICustomization": lambda pool: {"userPoolId": pool.id, "css": ".banner-customizable {}"},
}


@pytest.mark.parametrize("name", list(MUTATIONS))
@pytest.mark.parametrize("caller", ["viewer", "operator"])
async def test_only_an_admin_changes_these_settings(
    gateway_as: Any, cognito: BaseClient, pool: Pool, name: str, caller: str
) -> None:
    refused = gateway_as(caller)
    operation = name[0].upper() + name[1:]
    document = f"mutation($input: {operation}Input!) {{ run: {name}(input: $input) {{ __typename }} }}"

    body = await refused.query(document, {"input": MUTATIONS[name](pool)})

    assert body["data"] == {"run": None}
    assert [error["extensions"] for error in body["errors"]] == [{"code": "FORBIDDEN"}]
    assert refused.calls == {}
    admin = gateway_as("admin")
    assert (await admin.data(document, {"input": MUTATIONS[name](pool)}))["run"] == {
        "__typename": f"{operation}Payload"
    }
