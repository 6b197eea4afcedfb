"""Threat protection, log delivery, classic hosted UI and the signing certificate (gateway.demo.pool_settings).

Through boto3 against the moto server of tests/conftest.py, freshly reset for
every test (the ``cognito`` fixture).  ``unvalidated`` sends what botocore
would refuse, to see the server refuse it too.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.client import BaseClient
from cryptography import x509
from moto.cognitoidp.exceptions import ResourceNotFoundError

from gateway.demo import pool_settings
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, TwoClientPool, pool_with_two_clients, raises

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(64))
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:cognito-notifications"
BUCKET = "arn:aws:s3:::cognito-activity"
STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/cognito-activity"
SES = "arn:aws:ses:us-east-1:123456789012:identity/security@example.com"


@pytest.fixture
def pool(cognito: BaseClient) -> TwoClientPool:
    """A Plus pool with threat protection in AUDIT mode, a hosted UI domain and two app clients."""
    created = pool_with_two_clients(
        cognito, "settings", UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"}
    )
    cognito.create_user_pool_domain(UserPoolId=created.id, Domain="settings-demo")
    return created


# -- risk configuration -------------------------------------------------------------------------

TAKEOVER = {
    "NotifyConfiguration": {
        "From": "security@example.com",
        "SourceArn": SES,
        "BlockEmail": {"Subject": "Blocked sign-in", "TextBody": "We blocked a sign-in attempt."},
    },
    "Actions": {
        "LowAction": {"Notify": False, "EventAction": "NO_ACTION"},
        "MediumAction": {"Notify": True, "EventAction": "MFA_IF_CONFIGURED"},
        "HighAction": {"Notify": True, "EventAction": "BLOCK"},
    },
}


def test_risk_configuration_round_trip_and_client_fallback(pool: TwoClientPool, cognito: BaseClient) -> None:
    # Never configured: only the pool's ID.
    assert cognito.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"] == {"UserPoolId": pool.id}
    answer = cognito.set_risk_configuration(
        UserPoolId=pool.id,
        AccountTakeoverRiskConfiguration=TAKEOVER,
        CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}},
        RiskExceptionConfiguration={"BlockedIPRangeList": ["192.0.2.0/24"], "SkippedIPRangeList": ["10.0.0.0/8"]},
    )["RiskConfiguration"]
    assert "ClientId" not in answer
    assert abs(answer.pop("LastModifiedDate") - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    assert answer == {
        "UserPoolId": pool.id,
        "AccountTakeoverRiskConfiguration": TAKEOVER,
        # "Defaults to all events".
        "CompromisedCredentialsRiskConfiguration": {
            "EventFilter": ["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"],
            "Actions": {"EventAction": "BLOCK"},
        },
        "RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.0/24"], "SkippedIPRangeList": ["10.0.0.0/8"]},
    }
    pool_level = cognito.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"]
    assert {key: value for key, value in pool_level.items() if key != "LastModifiedDate"} == answer
    # A client without its own configuration gets the pool's.
    assert cognito.describe_risk_configuration(UserPoolId=pool.id, ClientId=pool.client_id)["RiskConfiguration"] == (
        pool_level
    )

    # A client's own configuration applies to it only.
    own = {"Actions": {"EventAction": "NO_ACTION"}, "EventFilter": ["SIGN_UP"]}
    cognito.set_risk_configuration(
        UserPoolId=pool.id, ClientId=pool.client_id, CompromisedCredentialsRiskConfiguration=own
    )
    client_level = cognito.describe_risk_configuration(UserPoolId=pool.id, ClientId=pool.client_id)
    assert client_level["RiskConfiguration"]["ClientId"] == pool.client_id
    assert client_level["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"] == own
    assert "AccountTakeoverRiskConfiguration" not in client_level["RiskConfiguration"]  # Set replaces the whole
    other = cognito.describe_risk_configuration(UserPoolId=pool.id, ClientId=pool.other_client_id)
    assert other["RiskConfiguration"] == pool_level

    # Only the IDs: the client inherits again, then the pool goes back to defaults.
    cognito.set_risk_configuration(UserPoolId=pool.id, ClientId=pool.client_id)
    assert cognito.describe_risk_configuration(UserPoolId=pool.id, ClientId=pool.client_id)["RiskConfiguration"] == (
        pool_level
    )
    cognito.set_risk_configuration(UserPoolId=pool.id)
    assert cognito.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"] == {"UserPoolId": pool.id}


def test_risk_configuration_errors(pool: TwoClientPool, cognito: BaseClient, unvalidated: BaseClient) -> None:
    blocked = {"BlockedIPRangeList": ["192.0.2.0/24"]}
    cognito.set_risk_configuration(UserPoolId=pool.id, RiskExceptionConfiguration=blocked)
    for call in (cognito.set_risk_configuration, cognito.describe_risk_configuration):
        raises("ResourceNotFoundException", call, UserPoolId="us-east-1_missing")
        message = raises("ResourceNotFoundException", call, UserPoolId=pool.id, ClientId="missingclient")
        assert "missingclient" in message
    message = raises(
        "InvalidParameterException",
        cognito.set_risk_configuration,
        UserPoolId=pool.id,
        RiskExceptionConfiguration={"BlockedIPRangeList": ["192.0.2.0/33"]},
    )
    assert "192.0.2.0/33" in message
    takeover_without_email = {"Actions": {"HighAction": {"Notify": True, "EventAction": "BLOCK"}}}
    message = raises(
        "InvalidParameterException",
        cognito.set_risk_configuration,
        UserPoolId=pool.id,
        AccountTakeoverRiskConfiguration=takeover_without_email,
    )
    assert "NotifyConfiguration" in message
    # What botocore would refuse, the server refuses the way Cognito words it.
    message = raises(
        "InvalidParameterException",
        unvalidated.set_risk_configuration,
        UserPoolId=pool.id,
        CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "LOG_ONLY"}},
    )
    assert message == (
        "1 validation error detected: Value 'LOG_ONLY' at 'compromisedCredentialsRiskConfiguration.actions."
        "eventAction' failed to satisfy constraint: Member must satisfy enum value set: [BLOCK, NO_ACTION]"
    )
    message = raises(
        "InvalidParameterException",
        unvalidated.set_risk_configuration,
        UserPoolId=pool.id,
        ClientId="web-client",
        AccountTakeoverRiskConfiguration={"Actions": {}},
    )
    # A sensitive value is not echoed.
    assert message.startswith(
        "1 validation error detected: Value at 'clientId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern"
    )
    # Nothing changed by the refusals.
    assert cognito.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"][
        "RiskExceptionConfiguration"
    ] == (blocked)


def test_risk_configuration_needs_threat_protection(cognito: BaseClient) -> None:
    off = pool_with_two_clients(cognito, "settings")
    raises("UserPoolAddOnNotEnabledException", cognito.describe_risk_configuration, UserPoolId=off.id)
    raises(
        "UserPoolAddOnNotEnabledException",
        cognito.set_risk_configuration,
        UserPoolId=off.id,
        CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}},
    )


# -- log delivery ---------------------------------------------------------------------------------

NOTIFICATIONS = {
    "LogLevel": "ERROR",
    "EventSource": "userNotification",
    "CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP},
}
ACTIVITY = {"LogLevel": "INFO", "EventSource": "userAuthEvents", "S3Configuration": {"BucketArn": BUCKET}}


def test_log_delivery_round_trip(pool: TwoClientPool, cognito: BaseClient) -> None:
    assert cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"] == {
        "UserPoolId": pool.id,
        "LogConfigurations": [],
    }
    answer = cognito.set_log_delivery_configuration(UserPoolId=pool.id, LogConfigurations=[NOTIFICATIONS, ACTIVITY])
    expected = {"UserPoolId": pool.id, "LogConfigurations": [NOTIFICATIONS, ACTIVITY]}
    assert answer["LogDeliveryConfiguration"] == expected
    assert cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"] == expected
    # Set replaces; an empty list turns delivery off.
    firehose = {"LogLevel": "INFO", "EventSource": "userAuthEvents", "FirehoseConfiguration": {"StreamArn": STREAM}}
    cognito.set_log_delivery_configuration(UserPoolId=pool.id, LogConfigurations=[firehose])
    got = cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"]
    assert got["LogConfigurations"] == [firehose]
    cognito.set_log_delivery_configuration(UserPoolId=pool.id, LogConfigurations=[])
    assert cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"] == {
        "UserPoolId": pool.id,
        "LogConfigurations": [],
    }


@pytest.mark.parametrize(
    ("configurations", "wording"),
    [
        ([NOTIFICATIONS, NOTIFICATIONS], "one log configuration per event source"),
        ([{**NOTIFICATIONS, "LogLevel": "INFO"}], "must be ERROR"),
        ([{**ACTIVITY, "LogLevel": "ERROR"}], "must be INFO"),
        ([{"LogLevel": "ERROR", "EventSource": "userNotification"}], "exactly one destination"),
        ([{**ACTIVITY, "FirehoseConfiguration": {"StreamArn": STREAM}}], "exactly one destination"),
        ([{**NOTIFICATIONS, "CloudWatchLogsConfiguration": None, "S3Configuration": {"BucketArn": BUCKET}}], "only to"),
        ([{**NOTIFICATIONS, "CloudWatchLogsConfiguration": {"LogGroupArn": "log-group"}}], "regular expression"),
        ([NOTIFICATIONS, ACTIVITY, NOTIFICATIONS], "length less than or equal to 2"),
        ([{**NOTIFICATIONS, "EventSource": "userSignIns"}], "enum value set: [userNotification, userAuthEvents]"),
    ],
)
def test_log_delivery_refuses(
    pool: TwoClientPool,
    cognito: BaseClient,
    unvalidated: BaseClient,
    configurations: list[dict[str, Any]],
    wording: str,
) -> None:
    cognito.set_log_delivery_configuration(UserPoolId=pool.id, LogConfigurations=[NOTIFICATIONS])
    configurations = [{key: value for key, value in item.items() if value is not None} for item in configurations]
    message = raises(
        "InvalidParameterException",
        unvalidated.set_log_delivery_configuration,
        UserPoolId=pool.id,
        LogConfigurations=configurations,
    )
    assert wording in message
    got = cognito.get_log_delivery_configuration(UserPoolId=pool.id)["LogDeliveryConfiguration"]
    assert got["LogConfigurations"] == [NOTIFICATIONS]  # unchanged


def test_log_delivery_tier_and_pool(cognito: BaseClient) -> None:
    essentials = pool_with_two_clients(cognito, "settings")
    cognito.set_log_delivery_configuration(UserPoolId=essentials.id, LogConfigurations=[NOTIFICATIONS])
    raises(
        "FeatureUnavailableInTierException",
        cognito.set_log_delivery_configuration,
        UserPoolId=essentials.id,
        LogConfigurations=[ACTIVITY],
    )
    raises("ResourceNotFoundException", cognito.get_log_delivery_configuration, UserPoolId="us-east-1_missing")
    raises(
        "ResourceNotFoundException",
        cognito.set_log_delivery_configuration,
        UserPoolId="us-east-1_missing",
        LogConfigurations=[],
    )


# -- classic hosted UI ------------------------------------------------------------------------------


def test_ui_customization_pool_default_and_client_override(pool: TwoClientPool, cognito: BaseClient) -> None:
    assert cognito.get_ui_customization(UserPoolId=pool.id)["UICustomization"] == {}
    everyone = cognito.set_ui_customization(UserPoolId=pool.id, ClientId="ALL", CSS=".banner {color: red}")
    everyone = everyone["UICustomization"]
    assert everyone["UserPoolId"] == pool.id and "ClientId" not in everyone and "ImageUrl" not in everyone
    assert everyone["CSS"] == ".banner {color: red}" and everyone["CSSVersion"]
    # A client without its own customization gets the pool's.
    fallback = cognito.get_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id)["UICustomization"]
    assert fallback == cognito.get_ui_customization(UserPoolId=pool.id)["UICustomization"] == everyone

    own = cognito.set_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id, ImageFile=PNG)["UICustomization"]
    assert own["ClientId"] == pool.client_id and "CSS" not in own
    assert own["ImageUrl"].startswith("https://") and own["ImageUrl"].endswith(".png")
    assert cognito.get_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id)["UICustomization"] == own
    assert cognito.get_ui_customization(UserPoolId=pool.id, ClientId=pool.other_client_id)["UICustomization"] == (
        everyone
    )
    assert pool_settings.ui_image(pool.id, pool.client_id) == PNG
    assert pool_settings.ui_image(pool.id) is None  # the pool-wide one has CSS only

    # A new image is a new URL; the creation date stays.
    again = cognito.set_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id, ImageFile=JPEG, CSS=".x {}")
    again = again["UICustomization"]
    assert again["ImageUrl"] != own["ImageUrl"] and again["ImageUrl"].endswith(".jpg")
    assert again["CreationDate"] == own["CreationDate"] and again["LastModifiedDate"] >= own["LastModifiedDate"]

    # Neither CSS nor image: the client's customization is removed, the pool's applies again.
    cognito.set_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id)
    assert cognito.get_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id)["UICustomization"] == everyone
    cognito.set_ui_customization(UserPoolId=pool.id)
    assert cognito.get_ui_customization(UserPoolId=pool.id, ClientId=pool.client_id)["UICustomization"] == {}


def test_ui_customization_errors(pool: TwoClientPool, cognito: BaseClient, unvalidated: BaseClient) -> None:
    no_domain = pool_with_two_clients(cognito, "settings")
    message = raises("InvalidParameterException", cognito.set_ui_customization, UserPoolId=no_domain.id, CSS=".a{}")
    assert "domain" in message
    raises("ResourceNotFoundException", cognito.set_ui_customization, UserPoolId="us-east-1_missing", CSS=".a{}")
    raises("ResourceNotFoundException", cognito.get_ui_customization, UserPoolId="us-east-1_missing")
    raises("ResourceNotFoundException", cognito.get_ui_customization, UserPoolId=pool.id, ClientId="missingclient")
    raises(
        "ResourceNotFoundException", cognito.set_ui_customization, UserPoolId=pool.id, ClientId="missing", CSS=".a{}"
    )
    message = raises("InvalidParameterException", cognito.set_ui_customization, UserPoolId=pool.id, ImageFile=b"GIF8")
    assert "PNG or JPEG" in message
    too_big = PNG + bytes(MODEL.shape_for("ImageFileType").metadata["max"])
    message = raises(
        "InvalidParameterException", unvalidated.set_ui_customization, UserPoolId=pool.id, ImageFile=too_big
    )
    assert "imageFile" in message and "less than or equal to" in message
    assert cognito.get_ui_customization(UserPoolId=pool.id)["UICustomization"] == {}  # nothing was set
    with pytest.raises(ResourceNotFoundError):
        pool_settings.ui_image("us-east-1_missing")


# -- signing certificate ------------------------------------------------------------------------------


def test_signing_certificate_is_a_stable_self_signed_x509(pool: TwoClientPool, cognito: BaseClient) -> None:
    pem = cognito.get_signing_certificate(UserPoolId=pool.id)["Certificate"]
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert certificate.issuer == certificate.subject
    assert pool.id in certificate.subject.rfc4514_string()
    certificate.verify_directly_issued_by(certificate)  # really self-signed
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert datetime.timedelta(days=365 * 10 - 3) <= lifetime <= datetime.timedelta(days=365 * 10 + 3)
    assert cognito.get_signing_certificate(UserPoolId=pool.id)["Certificate"] == pem
    other = pool_with_two_clients(cognito, "settings")
    assert cognito.get_signing_certificate(UserPoolId=other.id)["Certificate"] != pem
    raises("ResourceNotFoundException", cognito.get_signing_certificate, UserPoolId="us-east-1_missing")


# -- state lifetime -------------------------------------------------------------------------------------


def test_reset_drops_the_settings(backend: DemoBackend, cognito: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # TwoClientPool and client IDs derived from their names, so the pool after the reset has the same IDs.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")

    def arrange() -> TwoClientPool:
        created = pool_with_two_clients(
            cognito, "settings", UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"}
        )
        cognito.create_user_pool_domain(UserPoolId=created.id, Domain="reset-demo")
        return created

    before = arrange()
    cognito.set_risk_configuration(UserPoolId=before.id, RiskExceptionConfiguration={"SkippedIPRangeList": []})
    cognito.set_log_delivery_configuration(UserPoolId=before.id, LogConfigurations=[NOTIFICATIONS])
    cognito.set_ui_customization(UserPoolId=before.id, CSS=".a{}", ImageFile=PNG)
    certificate = cognito.get_signing_certificate(UserPoolId=before.id)["Certificate"]
    backend.reset()
    after = arrange()
    assert after == before
    assert cognito.describe_risk_configuration(UserPoolId=after.id)["RiskConfiguration"] == {"UserPoolId": after.id}
    assert (
        cognito.get_log_delivery_configuration(UserPoolId=after.id)["LogDeliveryConfiguration"]["LogConfigurations"]
        == []
    )
    assert cognito.get_ui_customization(UserPoolId=after.id)["UICustomization"] == {}
    assert cognito.get_signing_certificate(UserPoolId=after.id)["Certificate"] != certificate
