"""The Cognito operations the demo backend adds to moto (gateway.demo.extensions), through boto3.

Every test gets a freshly reset moto (the ``cognito`` fixture of tests/conftest.py).
Devices and auth events are arranged through real sign-ins where the API can
make them, and through the in-process seeding functions where a test needs
many of them or specific dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient
from moto.cognitoidp.exceptions import ResourceNotFoundError, UserNotFoundError
from moto.cognitoidp.responses import CognitoIdpResponse

from gateway.demo import extensions
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, PASSWORD, Pool, check_against_model, make_pool, raises, secret_hash

DEVICE_KEY = "us-east-1_0a1b2c3d-1111-2222-3333-444455556666"


@pytest.fixture
def pool(cognito: BaseClient) -> Pool:
    """A pool with advanced security in AUDIT mode and one confirmed user, alice."""
    created = make_pool(cognito)
    created.create_user(cognito, "alice", email="alice@example.com")
    return created


def attributes(device: dict[str, Any]) -> dict[str, str]:
    return {attribute["Name"]: attribute["Value"] for attribute in device["DeviceAttributes"]}


# -- installation ------------------------------------------------------------------


def test_install_is_idempotent(pool: Pool, cognito: BaseClient) -> None:
    assert extensions.is_installed()  # by DemoBackend.start()
    wrapped = CognitoIdpResponse.admin_initiate_auth
    extensions.install()
    assert CognitoIdpResponse.admin_initiate_auth is wrapped
    # One sign-in, one event: the handler is wrapped once.
    pool.sign_in(cognito, "alice")
    assert len(cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]) == 1


def test_device_and_event_shapes_match_the_botocore_model() -> None:
    """The dicts the extension answers with, before moto's serializer could drop anything."""
    now = datetime(2024, 5, 1, 12, 0)
    device = extensions.Device(DEVICE_KEY, "Pixel 8", True, now, now, now, "192.0.2.1", {"Salt": "SECRET-SALT"})
    check_against_model(device.to_json(), MODEL.shape_for("DeviceType"), "Device")
    assert "SECRET-SALT" not in str(device.to_json())  # the verifier is never answered
    event = extensions.AuthEvent(
        "e-1", now, "Fail", challenges=[("Password", "Failure")], risk_level="Low",
        risk_decision="AccountTakeover", city="Dublin", country="Ireland", feedback=("Invalid", "Admin", now),
    )  # fmt: skip
    check_against_model(event.to_json(), MODEL.shape_for("AuthEventType"), "AuthEvent")


# -- devices -----------------------------------------------------------------------


def test_confirm_device_with_a_real_access_token(pool: Pool, cognito: BaseClient) -> None:
    tokens = pool.sign_in(cognito, "alice")["AuthenticationResult"]
    confirmed = cognito.confirm_device(
        AccessToken=tokens["AccessToken"],
        DeviceKey=DEVICE_KEY,
        DeviceName="iPhone 15",
        DeviceSecretVerifierConfig={"PasswordVerifier": "verifier", "Salt": "salt"},
    )
    assert confirmed["UserConfirmationNecessary"] is False
    device = cognito.admin_get_device(UserPoolId=pool.id, Username="alice", DeviceKey=DEVICE_KEY)["Device"]
    assert device["DeviceKey"] == DEVICE_KEY
    assert attributes(device) == {
        "device_status": "remembered",
        "dev:device_remembered_status": "remembered",
        "device_name": "iPhone 15",
        "last_ip_used": "127.0.0.1",
    }
    assert device["DeviceCreateDate"] == device["DeviceLastModifiedDate"] == device["DeviceLastAuthenticatedDate"]
    assert abs(datetime.now(UTC) - device["DeviceCreateDate"]) < timedelta(minutes=1)
    assert "verifier" not in str(device)


def test_confirm_device_errors(pool: Pool, cognito: BaseClient) -> None:
    access_token = pool.sign_in(cognito, "alice")["AuthenticationResult"]["AccessToken"]
    raises("NotAuthorizedException", cognito.confirm_device, AccessToken="not.a.token", DeviceKey=DEVICE_KEY)
    raises("InvalidParameterException", cognito.confirm_device, AccessToken=access_token, DeviceKey="no-underscore")
    cognito.confirm_device(AccessToken=access_token, DeviceKey=DEVICE_KEY)
    raises("DeviceKeyExistsException", cognito.confirm_device, AccessToken=access_token, DeviceKey=DEVICE_KEY)


def test_confirm_device_when_the_pool_asks_the_user_first(cognito: BaseClient) -> None:
    pool = make_pool(cognito, DeviceConfiguration={"DeviceOnlyRememberedOnUserPrompt": True})
    pool.create_user(cognito, "bob")
    access_token = pool.sign_in(cognito, "bob")["AuthenticationResult"]["AccessToken"]
    assert cognito.confirm_device(AccessToken=access_token, DeviceKey=DEVICE_KEY)["UserConfirmationNecessary"]
    device = cognito.admin_get_device(UserPoolId=pool.id, Username="bob", DeviceKey=DEVICE_KEY)["Device"]
    assert attributes(device)["dev:device_remembered_status"] == "not_remembered"


def test_admin_list_devices_pages_past_the_default_page(pool: Pool, cognito: BaseClient) -> None:
    now = datetime.now(UTC)
    keys = [
        extensions.seed_device(pool.id, "alice", name=f"device {n}", remembered=True, last_authenticated=now)
        for n in range(61)
    ]
    first = cognito.admin_list_devices(UserPoolId=pool.id, Username="alice")
    assert len(first["Devices"]) == 60 and first["PaginationToken"]
    second = cognito.admin_list_devices(UserPoolId=pool.id, Username="alice", PaginationToken=first["PaginationToken"])
    assert "PaginationToken" not in second
    assert [d["DeviceKey"] for d in first["Devices"] + second["Devices"]] == keys
    # Limit 0 means the maximum, like no Limit.
    assert len(cognito.admin_list_devices(UserPoolId=pool.id, Username="alice", Limit=0)["Devices"]) == 60


def test_admin_list_devices_with_a_limit(pool: Pool, cognito: BaseClient) -> None:
    now = datetime.now(UTC)
    keys = [
        extensions.seed_device(pool.id, "alice", name=f"device {n}", remembered=n % 2 == 0, last_authenticated=now)
        for n in range(5)
    ]
    seen, token, pages = [], None, 0
    while True:
        page = cognito.admin_list_devices(
            UserPoolId=pool.id, Username="alice", Limit=2, **({"PaginationToken": token} if token else {})
        )
        pages += 1
        assert len(page["Devices"]) <= 2
        seen += [device["DeviceKey"] for device in page["Devices"]]
        if not (token := page.get("PaginationToken")):
            break
    assert pages == 3 and seen == keys


def test_admin_list_devices_errors(pool: Pool, cognito: BaseClient, unvalidated: BaseClient) -> None:
    missing_pool = "us-east-1_doesnotexist"
    raises("ResourceNotFoundException", cognito.admin_list_devices, UserPoolId=missing_pool, Username="alice")
    raises("UserNotFoundException", cognito.admin_list_devices, UserPoolId=pool.id, Username="nobody")
    raises("InvalidParameterException", unvalidated.admin_list_devices, UserPoolId=pool.id, Username="alice", Limit=61)
    raises("InvalidParameterException", unvalidated.admin_list_devices, UserPoolId=pool.id, Username="alice", Limit=-1)
    raises(
        "InvalidParameterException",
        cognito.admin_list_devices,
        UserPoolId=pool.id,
        Username="alice",
        PaginationToken="bm90LWEta2V5",
    )


def test_admin_get_device_errors(pool: Pool, cognito: BaseClient) -> None:
    get = cognito.admin_get_device
    raises("ResourceNotFoundException", get, UserPoolId=pool.id, Username="alice", DeviceKey=DEVICE_KEY)
    raises("UserNotFoundException", get, UserPoolId=pool.id, Username="nobody", DeviceKey=DEVICE_KEY)


def test_admin_update_device_status(pool: Pool, cognito: BaseClient) -> None:
    then = datetime.now(UTC) - timedelta(days=3)
    key = extensions.seed_device(pool.id, "alice", name="Pixel 8", remembered=True, last_authenticated=then)
    cognito.admin_update_device_status(
        UserPoolId=pool.id, Username="alice", DeviceKey=key, DeviceRememberedStatus="not_remembered"
    )
    device = cognito.admin_get_device(UserPoolId=pool.id, Username="alice", DeviceKey=key)["Device"]
    assert attributes(device)["device_status"] == "not_remembered"
    assert attributes(device)["dev:device_remembered_status"] == "not_remembered"
    assert device["DeviceLastModifiedDate"] > device["DeviceLastAuthenticatedDate"]
    cognito.admin_update_device_status(
        UserPoolId=pool.id, Username="alice", DeviceKey=key, DeviceRememberedStatus="remembered"
    )
    device = cognito.admin_get_device(UserPoolId=pool.id, Username="alice", DeviceKey=key)["Device"]
    assert attributes(device)["dev:device_remembered_status"] == "remembered"

    update = cognito.admin_update_device_status
    alice, nobody = {"UserPoolId": pool.id, "Username": "alice"}, {"UserPoolId": pool.id, "Username": "nobody"}
    raises("InvalidParameterException", update, **alice, DeviceKey=key, DeviceRememberedStatus="forever")
    raises("ResourceNotFoundException", update, **alice, DeviceKey=DEVICE_KEY, DeviceRememberedStatus="remembered")
    raises("UserNotFoundException", update, **nobody, DeviceKey=key, DeviceRememberedStatus="remembered")


def test_admin_forget_device(pool: Pool, cognito: BaseClient) -> None:
    now = datetime.now(UTC)
    key = extensions.seed_device(pool.id, "alice", name="Pixel 8", remembered=True, last_authenticated=now)
    cognito.admin_forget_device(UserPoolId=pool.id, Username="alice", DeviceKey=key)
    assert cognito.admin_list_devices(UserPoolId=pool.id, Username="alice")["Devices"] == []
    forget = cognito.admin_forget_device
    raises("ResourceNotFoundException", forget, UserPoolId=pool.id, Username="alice", DeviceKey=key)
    raises("UserNotFoundException", forget, UserPoolId=pool.id, Username="nobody", DeviceKey=key)


# -- auth events -------------------------------------------------------------------


def test_password_sign_ins_are_recorded_newest_first(pool: Pool, cognito: BaseClient) -> None:
    raises("NotAuthorizedException", pool.sign_in, cognito=cognito, username="alice", password="wrong-password")
    assert "AuthenticationResult" in pool.sign_in(cognito, "alice")
    events = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]
    assert [event["EventResponse"] for event in events] == ["Pass", "Fail"]
    assert events[0]["CreationDate"] >= events[1]["CreationDate"]
    assert len({event["EventId"] for event in events}) == 2
    for event, outcome in zip(events, ["Success", "Failure"], strict=True):
        assert event["EventType"] == "SignIn"
        assert event["EventRisk"] == {"RiskDecision": "NoRisk", "CompromisedCredentialsDetected": False}
        assert event["ChallengeResponses"] == [{"ChallengeName": "Password", "ChallengeResponse": outcome}]
        assert event["EventContextData"]["IpAddress"] == "127.0.0.1"
        assert "EventFeedback" not in event


def test_user_password_auth_is_recorded_with_the_reported_address(pool: Pool, cognito: BaseClient) -> None:
    cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        UserContextData={"IpAddress": "198.51.100.7"},
    )
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]
    assert event["EventResponse"] == "Pass"
    assert event["EventContextData"]["IpAddress"] == "198.51.100.7"


def test_a_sign_in_that_continues_with_a_challenge_is_in_progress(pool: Pool, cognito: BaseClient) -> None:
    cognito.admin_create_user(
        UserPoolId=pool.id, Username="invited", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    assert pool.sign_in(cognito, "invited")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="invited")["AuthEvents"]
    assert event["EventResponse"] == "InProgress"


def test_no_auth_events_without_advanced_security(cognito: BaseClient) -> None:
    for mode in (None, "OFF"):
        pool = make_pool(cognito, advanced_security=mode)
        pool.create_user(cognito, "bob")
        pool.sign_in(cognito, "bob")  # not recorded, and no error either
        list_events = cognito.admin_list_user_auth_events
        raises("UserPoolAddOnNotEnabledException", list_events, UserPoolId=pool.id, Username="bob")
        raises(
            "UserPoolAddOnNotEnabledException",
            cognito.admin_update_auth_event_feedback,
            UserPoolId=pool.id,
            Username="bob",
            EventId="e-1",
            FeedbackValue="Valid",
        )
    # Switching it on later shows only what happened since.
    cognito.update_user_pool(UserPoolId=pool.id, UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})
    assert cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="bob")["AuthEvents"] == []


def test_admin_list_user_auth_events_pages_newest_first(
    pool: Pool, cognito: BaseClient, unvalidated: BaseClient
) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    ids = [
        extensions.seed_auth_event(pool.id, "alice", response="Pass", created=start + timedelta(days=day))
        for day in (3, 0, 6, 1, 5, 2, 4)
    ]
    newest_first = [ids[index] for index in (2, 4, 6, 0, 5, 3, 1)]
    seen, token = [], None
    while True:
        page = cognito.admin_list_user_auth_events(
            UserPoolId=pool.id, Username="alice", MaxResults=3, **({"NextToken": token} if token else {})
        )
        seen.append([event["EventId"] for event in page["AuthEvents"]])
        if not (token := page.get("NextToken")):
            break
    assert [len(page) for page in seen] == [3, 3, 1]
    assert sum(seen, []) == newest_first
    everything = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice", MaxResults=0)
    assert [event["EventId"] for event in everything["AuthEvents"]] == newest_first
    assert "NextToken" not in everything

    list_events = unvalidated.admin_list_user_auth_events
    raises("InvalidParameterException", list_events, UserPoolId=pool.id, Username="alice", MaxResults=61)
    raises("InvalidParameterException", list_events, UserPoolId=pool.id, Username="alice", NextToken="garbage!")
    raises("UserNotFoundException", list_events, UserPoolId=pool.id, Username="nobody")
    raises("ResourceNotFoundException", list_events, UserPoolId="us-east-1_doesnotexist", Username="alice")


def test_admin_update_auth_event_feedback(pool: Pool, cognito: BaseClient) -> None:
    raises("NotAuthorizedException", pool.sign_in, cognito=cognito, username="alice", password="wrong-password")
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]
    cognito.admin_update_auth_event_feedback(
        UserPoolId=pool.id, Username="alice", EventId=event["EventId"], FeedbackValue="Invalid"
    )
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="alice")["AuthEvents"]
    feedback = event["EventFeedback"]
    assert feedback["FeedbackValue"] == "Invalid" and feedback["Provider"] == "Admin"
    assert feedback["FeedbackDate"] >= event["CreationDate"]

    update = cognito.admin_update_auth_event_feedback
    alice, nobody = {"UserPoolId": pool.id, "Username": "alice"}, {"UserPoolId": pool.id, "Username": "nobody"}
    raises("ResourceNotFoundException", update, **alice, EventId="unknown", FeedbackValue="Valid")
    raises("InvalidParameterException", update, **alice, EventId=event["EventId"], FeedbackValue="Maybe")
    raises("UserNotFoundException", update, **nobody, EventId=event["EventId"], FeedbackValue="Valid")


# -- tags --------------------------------------------------------------------------


def test_tags_on_a_user_pool_arn(cognito: BaseClient) -> None:
    pool = make_pool(cognito, UserPoolTags={"team": "platform"})
    assert cognito.list_tags_for_resource(ResourceArn=pool.arn)["Tags"] == {"team": "platform"}
    cognito.tag_resource(ResourceArn=pool.arn, Tags={"env": "test", "team": "identity"})
    cognito.untag_resource(ResourceArn=pool.arn, TagKeys=["env", "never-set"])
    expected = {"team": "identity"}
    assert cognito.list_tags_for_resource(ResourceArn=pool.arn)["Tags"] == expected
    assert cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]["UserPoolTags"] == expected


def test_tag_errors(pool: Pool, cognito: BaseClient) -> None:
    unknown = pool.arn.rsplit("/", 1)[0] + "/us-east-1_doesnotexist"
    raises("ResourceNotFoundException", cognito.list_tags_for_resource, ResourceArn=unknown)
    raises("ResourceNotFoundException", cognito.tag_resource, ResourceArn=unknown, Tags={"a": "b"})
    raises("ResourceNotFoundException", cognito.untag_resource, ResourceArn=unknown, TagKeys=["a"])
    not_a_pool = "arn:aws:s3:us-east-1:123456789012:bucket/some-bucket"
    raises("InvalidParameterException", cognito.list_tags_for_resource, ResourceArn=not_a_pool)
    too_many = {f"key-{n}": "v" for n in range(51)}
    raises("InvalidParameterException", cognito.tag_resource, ResourceArn=pool.arn, Tags=too_many)


# -- resource servers --------------------------------------------------------------


def test_update_and_delete_resource_server(pool: Pool, cognito: BaseClient) -> None:
    identifier = "https://api.example.com"
    cognito.create_resource_server(
        UserPoolId=pool.id,
        Identifier=identifier,
        Name="api",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}],
    )
    new_scopes = [
        {"ScopeName": "read", "ScopeDescription": "Read things"},
        {"ScopeName": "write", "ScopeDescription": "Write things"},
    ]
    updated = cognito.update_resource_server(
        UserPoolId=pool.id, Identifier=identifier, Name="API v2", Scopes=new_scopes
    )
    assert updated["ResourceServer"] == {
        "UserPoolId": pool.id, "Identifier": identifier, "Name": "API v2", "Scopes": new_scopes,
    }  # fmt: skip
    described = cognito.describe_resource_server(UserPoolId=pool.id, Identifier=identifier)["ResourceServer"]
    assert described == updated["ResourceServer"]

    cognito.delete_resource_server(UserPoolId=pool.id, Identifier=identifier)
    assert cognito.list_resource_servers(UserPoolId=pool.id, MaxResults=10)["ResourceServers"] == []
    delete, update = cognito.delete_resource_server, cognito.update_resource_server
    raises("ResourceNotFoundException", delete, UserPoolId=pool.id, Identifier=identifier)
    raises("ResourceNotFoundException", update, UserPoolId=pool.id, Identifier=identifier, Name="x")
    raises("ResourceNotFoundException", delete, UserPoolId="us-east-1_doesnotexist", Identifier=identifier)


# -- identity providers ------------------------------------------------------------


def test_get_identity_provider_by_identifier(pool: Pool, cognito: BaseClient) -> None:
    cognito.create_identity_provider(
        UserPoolId=pool.id,
        ProviderName="Corp",
        ProviderType="SAML",
        ProviderDetails={"MetadataURL": "https://idp.example.com/metadata"},
        IdpIdentifiers=["example.com", "corp"],
    )
    cognito.create_identity_provider(
        UserPoolId=pool.id, ProviderName="Google", ProviderType="Google", ProviderDetails={"client_id": "id"}
    )
    provider = cognito.get_identity_provider_by_identifier(UserPoolId=pool.id, IdpIdentifier="corp")["IdentityProvider"]
    assert provider["ProviderName"] == "Corp" and provider["ProviderType"] == "SAML"
    assert provider["UserPoolId"] == pool.id
    assert provider["IdpIdentifiers"] == ["example.com", "corp"]
    get = cognito.get_identity_provider_by_identifier
    raises("ResourceNotFoundException", get, UserPoolId=pool.id, IdpIdentifier="Google")  # a name, not an identifier
    raises("ResourceNotFoundException", get, UserPoolId="us-east-1_doesnotexist", IdpIdentifier="corp")


# -- users -------------------------------------------------------------------------


def test_admin_set_user_settings_shows_in_get_and_list(pool: Pool, cognito: BaseClient) -> None:
    sms = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    cognito.admin_set_user_settings(UserPoolId=pool.id, Username="alice", MFAOptions=sms)
    user = cognito.admin_get_user(UserPoolId=pool.id, Username="alice")
    assert user["MFAOptions"] == sms
    assert "SMS_MFA" in user["UserMFASettingList"]
    assert cognito.list_users(UserPoolId=pool.id)["Users"][0]["MFAOptions"] == sms

    cognito.admin_set_user_settings(UserPoolId=pool.id, Username="alice", MFAOptions=[])
    user = cognito.admin_get_user(UserPoolId=pool.id, Username="alice")
    assert user.get("MFAOptions", []) == [] and "SMS_MFA" not in user["UserMFASettingList"]

    email = [{"DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    set_settings = cognito.admin_set_user_settings
    raises("InvalidParameterException", set_settings, UserPoolId=pool.id, Username="alice", MFAOptions=email)
    raises("UserNotFoundException", set_settings, UserPoolId=pool.id, Username="nobody", MFAOptions=sms)


@pytest.fixture
def providers(pool: Pool, cognito: BaseClient) -> Pool:
    """``pool`` with a Google and a SAML identity provider, and a second user, bob."""
    cognito.create_identity_provider(
        UserPoolId=pool.id, ProviderName="Google", ProviderType="Google", ProviderDetails={"client_id": "id"}
    )
    cognito.create_identity_provider(
        UserPoolId=pool.id, ProviderName="Corp", ProviderType="SAML", ProviderDetails={"MetadataURL": "https://x"}
    )
    pool.create_user(cognito, "bob")
    return pool


def link(
    cognito: BaseClient, pool: Pool, username: str, provider: str, value: str, attribute: str = "Cognito_Subject"
) -> None:
    cognito.admin_link_provider_for_user(
        UserPoolId=pool.id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": username},
        SourceUser={"ProviderName": provider, "ProviderAttributeName": attribute, "ProviderAttributeValue": value},
    )


def test_link_and_unlink_a_provider_identity(providers: Pool, cognito: BaseClient) -> None:
    pool = providers
    link(cognito, pool, "alice", "Google", "1234567890")
    link(cognito, pool, "alice", "Google", "1234567890")  # the same link again is fine
    # The identity now belongs to alice.
    raises("AliasExistsException", link, cognito, pool, "bob", "Google", "1234567890")
    google_user = {
        "ProviderName": "Google",
        "ProviderAttributeName": "Cognito_Subject",
        "ProviderAttributeValue": "1234567890",
    }
    cognito.admin_disable_provider_for_user(UserPoolId=pool.id, User=google_user)
    # Unlinked: it can be linked to someone else, and disabling it again finds nothing.
    link(cognito, pool, "bob", "Google", "1234567890")
    cognito.admin_disable_provider_for_user(UserPoolId=pool.id, User=google_user)
    raises("UserNotFoundException", cognito.admin_disable_provider_for_user, UserPoolId=pool.id, User=google_user)


def test_link_errors(providers: Pool, cognito: BaseClient) -> None:
    pool = providers
    raises("UserNotFoundException", link, cognito, pool, "nobody", "Google", "1")
    raises("InvalidParameterException", link, cognito, pool, "alice", "Facebook", "1")  # not an IdP of the pool
    # Social IdPs identify users by Cognito_Subject only.
    raises("InvalidParameterException", link, cognito, pool, "alice", "Google", "1", attribute="email")
    raises("InvalidParameterException", link, cognito, pool, "alice", "Cognito", "bob")  # the source must be external
    missing_pool = Pool("us-east-1_doesnotexist", "", "")
    raises("ResourceNotFoundException", link, cognito, missing_pool, "alice", "Google", "1")
    for n in range(5):
        link(cognito, pool, "alice", "Corp", f"alice-{n}@example.com", attribute="email")
    raises("LimitExceededException", link, cognito, pool, "alice", "Google", "1")


def test_disable_a_native_user_turns_off_the_password(providers: Pool, cognito: BaseClient) -> None:
    pool = providers
    native = {"ProviderName": "Cognito", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "bob"}
    cognito.admin_disable_provider_for_user(UserPoolId=pool.id, User=native)
    raises("NotAuthorizedException", pool.sign_in, cognito=cognito, username="bob")
    [event] = cognito.admin_list_user_auth_events(UserPoolId=pool.id, Username="bob")["AuthEvents"]
    assert event["EventResponse"] == "Fail"
    assert "AuthenticationResult" in pool.sign_in(cognito, "alice")  # nobody else
    nobody = {**native, "ProviderAttributeValue": "nobody"}
    raises("UserNotFoundException", cognito.admin_disable_provider_for_user, UserPoolId=pool.id, User=nobody)


def test_resend_confirmation_code(cognito: BaseClient) -> None:
    pool = make_pool(cognito, AutoVerifiedAttributes=["email"])
    cognito.sign_up(
        ClientId=pool.client_id,
        Username="carol",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
    )
    details = cognito.resend_confirmation_code(ClientId=pool.client_id, Username="carol")["CodeDeliveryDetails"]
    assert details == {"Destination": "c***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}

    resend = cognito.resend_confirmation_code
    raises("UserNotFoundException", resend, ClientId=pool.client_id, Username="nobody")
    raises("ResourceNotFoundException", resend, ClientId="unknownclient", Username="carol")
    cognito.admin_confirm_sign_up(UserPoolId=pool.id, Username="carol")
    raises("InvalidParameterException", resend, ClientId=pool.client_id, Username="carol")


def test_resend_confirmation_code_prefers_the_phone_and_checks_the_secret_hash(cognito: BaseClient) -> None:
    pool = make_pool(cognito, AutoVerifiedAttributes=["email", "phone_number"])
    client = cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="server", GenerateSecret=True)[
        "UserPoolClient"
    ]
    client_id, secret = client["ClientId"], client["ClientSecret"]
    cognito.sign_up(
        ClientId=client_id,
        SecretHash=secret_hash(secret, client_id, "dave"),
        Username="dave",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "dave@example.com"},
            {"Name": "phone_number", "Value": "+15555550123"},
        ],
    )
    resend = cognito.resend_confirmation_code
    raises("NotAuthorizedException", resend, ClientId=client_id, Username="dave")
    wrong = secret_hash("wrong", client_id, "dave")
    raises("NotAuthorizedException", resend, ClientId=client_id, Username="dave", SecretHash=wrong)
    right = secret_hash(secret, client_id, "dave")
    details = resend(ClientId=client_id, Username="dave", SecretHash=right)["CodeDeliveryDetails"]
    assert details == {"Destination": "+*******0123", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}


def test_resend_confirmation_code_edge_cases(cognito: BaseClient) -> None:
    # Without auto-verified attributes there is nowhere to send a code.
    pool = make_pool(cognito)
    cognito.sign_up(ClientId=pool.client_id, Username="erin", Password=PASSWORD)
    raises("InvalidParameterException", cognito.resend_confirmation_code, ClientId=pool.client_id, Username="erin")
    # With user existence errors prevented, an unknown user gets a plausible answer.
    verified = make_pool(cognito, AutoVerifiedAttributes=["email"])
    quiet = cognito.create_user_pool_client(
        UserPoolId=verified.id, ClientName="quiet", PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]["ClientId"]
    details = cognito.resend_confirmation_code(ClientId=quiet, Username="nobody")["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL" and details["Destination"].endswith("***")


def test_revoke_token_stops_refresh_and_its_access_tokens(pool: Pool, cognito: BaseClient) -> None:
    first = pool.sign_in(cognito, "alice")["AuthenticationResult"]
    other = pool.sign_in(cognito, "alice")["AuthenticationResult"]
    refresh = {"REFRESH_TOKEN": first["RefreshToken"]}
    refreshed = cognito.admin_initiate_auth(
        UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
    )["AuthenticationResult"]
    assert cognito.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "alice"

    cognito.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)

    raises(
        "NotAuthorizedException",
        cognito.admin_initiate_auth,
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters=refresh,
    )
    raises(
        "NotAuthorizedException",
        cognito.initiate_auth,
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters=refresh,
    )
    # The access tokens it minted are revoked with it; other sessions are not.
    raises("NotAuthorizedException", cognito.get_user, AccessToken=first["AccessToken"])
    raises("NotAuthorizedException", cognito.get_user, AccessToken=refreshed["AccessToken"])
    assert cognito.get_user(AccessToken=other["AccessToken"])["Username"] == "alice"
    cognito.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": other["RefreshToken"]},
    )
    # Revoking again (or an unknown token) is not an error.
    cognito.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)


def test_revoke_token_errors(pool: Pool, cognito: BaseClient) -> None:
    tokens = pool.sign_in(cognito, "alice")["AuthenticationResult"]
    revoke = cognito.revoke_token
    raises("UnsupportedTokenTypeException", revoke, Token=tokens["AccessToken"], ClientId=pool.client_id)
    raises("UnauthorizedException", revoke, Token=tokens["RefreshToken"], ClientId="unknownclient")

    secret_client = cognito.create_user_pool_client(
        UserPoolId=pool.id,
        ClientName="server",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]
    raises("UnauthorizedException", revoke, Token=tokens["RefreshToken"], ClientId=secret_client["ClientId"])
    # A token of another client can't be revoked by this one, even with the right secret.
    raises(
        "UnauthorizedException",
        revoke,
        Token=tokens["RefreshToken"],
        ClientId=secret_client["ClientId"],
        ClientSecret=secret_client["ClientSecret"],
    )
    no_revocation = cognito.create_user_pool_client(
        UserPoolId=pool.id, ClientName="legacy", EnableTokenRevocation=False
    )["UserPoolClient"]["ClientId"]
    raises("UnsupportedOperationException", revoke, Token=tokens["RefreshToken"], ClientId=no_revocation)


# -- state lifetime ----------------------------------------------------------------


@pytest.fixture
def everything(pool: Pool, cognito: BaseClient) -> Iterator[Pool]:
    """``pool`` with one of each kind of extension state."""
    now = datetime.now(UTC)
    extensions.seed_device(pool.id, "alice", name="Pixel 8", remembered=True, last_authenticated=now)
    extensions.seed_auth_event(pool.id, "alice", response="Pass", created=now)
    cognito.admin_set_user_settings(
        UserPoolId=pool.id, Username="alice", MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    )
    cognito.tag_resource(ResourceArn=pool.arn, Tags={"kept": "no"})
    yield pool


def test_reset_clears_extension_state(backend: DemoBackend, everything: Pool, cognito: BaseClient) -> None:
    assert extensions.find_user_pool(everything.id) is not None
    backend.reset()
    assert extensions.find_user_pool(everything.id) is None
    # Still installed, and a new pool and user with the same names start empty.
    again = make_pool(cognito)
    again.create_user(cognito, "alice")
    assert cognito.admin_list_devices(UserPoolId=again.id, Username="alice")["Devices"] == []
    assert cognito.admin_list_user_auth_events(UserPoolId=again.id, Username="alice")["AuthEvents"] == []
    assert cognito.admin_get_user(UserPoolId=again.id, Username="alice").get("MFAOptions", []) == []
    assert cognito.list_tags_for_resource(ResourceArn=again.arn)["Tags"] == {}


def test_seeding_needs_an_in_process_pool_and_user(pool: Pool) -> None:
    now = datetime.now(UTC)
    with pytest.raises(ResourceNotFoundError):
        extensions.seed_device("us-east-1_doesnotexist", "alice", name="x", remembered=True, last_authenticated=now)
    with pytest.raises(UserNotFoundError):
        extensions.seed_auth_event(pool.id, "nobody", response="Pass", created=now)
    assert extensions.find_user_pool(pool.id, account_id="000000000000") is None
