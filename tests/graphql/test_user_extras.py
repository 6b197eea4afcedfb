"""User extras: MFA preference and legacy settings, provider links, auth events and their feedback."""

import pytest
from botocore.exceptions import ClientError

from tests.helpers import PASSWORD, assert_error, signed_in_user


async def test_set_mfa_preference(gateway, cognito, pool_id):
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    session = signed_in_user(cognito, pool_id)
    secret = cognito.associate_software_token(AccessToken=session["AccessToken"])["SecretCode"]
    assert secret
    cognito.verify_software_token(AccessToken=session["AccessToken"], UserCode="123456")

    result = await gateway.mutate(
        "adminSetUserMFAPreference",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "softwareTokenMfaSettings": {"enabled": True, "preferredMfa": True},
        },
        "username user { preferredMfaSetting userMfaSettingList }",
    )

    assert result["user"] == {"preferredMfaSetting": "SOFTWARE_TOKEN_MFA", "userMfaSettingList": ["SOFTWARE_TOKEN_MFA"]}
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="alice")["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


async def test_set_mfa_preference_of_a_missing_user(gateway, pool_id):
    result = await gateway.mutate(
        "adminSetUserMFAPreference",
        {"userPoolId": pool_id, "username": "ghost", "smsMfaSettings": {"enabled": True}},
    )

    assert_error(result, "UserNotFoundError", "UserNotFoundException")


async def test_set_user_settings_legacy_mfa_options(gateway, cognito, pool_id):
    cognito.admin_create_user(
        UserPoolId=pool_id, Username="alice", UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}]
    )

    result = await gateway.mutate(
        "adminSetUserSettings",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "mfaOptions": [{"deliveryMedium": "SMS", "attributeName": "phone_number"}],
        },
        "user { mfaOptions { deliveryMedium attributeName } }",
    )

    assert result["user"]["mfaOptions"] == [{"deliveryMedium": "SMS", "attributeName": "phone_number"}]
    stored = cognito.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert stored["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]


async def test_set_user_settings_of_a_missing_user(gateway, pool_id):
    result = await gateway.mutate(
        "adminSetUserSettings",
        {
            "userPoolId": pool_id,
            "username": "ghost",
            "mfaOptions": [{"deliveryMedium": "SMS", "attributeName": "phone_number"}],
        },
    )

    assert_error(result, "UserNotFoundError", "UserNotFoundException")


@pytest.fixture
def google(cognito, pool_id):
    cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "id", "client_secret": "secret", "authorize_scopes": "email"},
    )


async def test_link_then_disable_a_provider_user(gateway, cognito, pool_id, google):
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice")
    source = {
        "providerName": "Google",
        "providerAttributeName": "Cognito_Subject",
        "providerAttributeValue": "1234567890",
    }

    linked = await gateway.mutate(
        "adminLinkProviderForUser",
        {
            "userPoolId": pool_id,
            "destinationUser": {"providerName": "Cognito", "providerAttributeValue": "alice"},
            "sourceUser": source,
        },
        "userPoolId destinationUser { providerName providerAttributeValue } sourceUser { providerName providerAttributeValue }",
    )
    disabled = await gateway.mutate(
        "adminDisableProviderForUser",
        {"userPoolId": pool_id, "user": source},
        "userPoolId sourceUser { providerName providerAttributeName providerAttributeValue } destinationUser { providerName }",
    )

    assert linked["destinationUser"] == {"providerName": "Cognito", "providerAttributeValue": "alice"}
    assert linked["sourceUser"] == {"providerName": "Google", "providerAttributeValue": "1234567890"}
    assert disabled["sourceUser"] == source
    assert disabled["destinationUser"] is None


async def test_link_to_a_missing_user(gateway, pool_id, google):
    result = await gateway.mutate(
        "adminLinkProviderForUser",
        {
            "userPoolId": pool_id,
            "destinationUser": {"providerName": "Cognito", "providerAttributeValue": "ghost"},
            "sourceUser": {
                "providerName": "Google",
                "providerAttributeName": "Cognito_Subject",
                "providerAttributeValue": "1",
            },
        },
    )

    assert_error(result, "UserNotFoundError", "UserNotFoundException")


AUTH_EVENTS = """
query($pool: ID!, $first: Int = 60, $after: String) {
  user(userPoolId: $pool, username: "alice") {
    ... on User {
      authEvents(first: $first, after: $after) {
        nodes { eventId eventType eventResponse creationDate eventFeedback { feedbackValue } eventContextData { ipAddress } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}"""


def sign_in(cognito, pool_id, client_id, password):
    try:
        cognito.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": password},
        )
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NotAuthorizedException"


async def test_auth_events_of_real_sign_ins_and_their_feedback(gateway, cognito, pool_id):
    cognito.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    session = signed_in_user(cognito, pool_id)
    sign_in(cognito, pool_id, session["ClientId"], "wrong-password")
    sign_in(cognito, pool_id, session["ClientId"], PASSWORD)

    first = (await gateway.data(AUTH_EVENTS, {"pool": pool_id, "first": 2}))["user"]["authEvents"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gateway.data(AUTH_EVENTS, {"pool": pool_id, "first": 2, "after": after}))["user"]["authEvents"]

    events = first["nodes"] + rest["nodes"]
    assert [event["eventResponse"] for event in events] == ["PASS", "FAIL", "PASS"]  # newest first
    assert {event["eventType"] for event in events} == {"SIGN_IN"}
    failed = events[1]

    result = await gateway.mutate(
        "adminUpdateAuthEventFeedback",
        {"userPoolId": pool_id, "username": "alice", "eventId": failed["eventId"], "feedbackValue": "INVALID"},
        "username",
    )
    again = (await gateway.data(AUTH_EVENTS, {"pool": pool_id}))["user"]["authEvents"]["nodes"]

    assert result == {"__typename": "AdminUpdateAuthEventFeedbackPayload", "username": "alice"}
    assert again[1]["eventFeedback"]["feedbackValue"] == "INVALID"


async def test_auth_events_need_advanced_security(gateway, cognito, pool_id):
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice")

    body = await gateway.query(AUTH_EVENTS, {"pool": pool_id})

    assert body["data"]["user"]["authEvents"] is None
    [error] = body["errors"]
    assert error["path"] == ["user", "authEvents"]
    assert error["extensions"]["code"] == "UserPoolAddOnNotEnabledException"
    assert error["extensions"]["requestId"]


async def test_feedback_on_a_missing_event(gateway, cognito, pool_id):
    cognito.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    cognito.admin_create_user(UserPoolId=pool_id, Username="alice")

    result = await gateway.mutate(
        "adminUpdateAuthEventFeedback",
        {"userPoolId": pool_id, "username": "alice", "eventId": "nope", "feedbackValue": "VALID"},
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_disable_an_unknown_provider_user(gateway, cognito, pool_id, google):
    result = await gateway.mutate(
        "adminDisableProviderForUser",
        {
            "userPoolId": pool_id,
            "user": {
                "providerName": "Google",
                "providerAttributeName": "Cognito_Subject",
                "providerAttributeValue": "nobody",
            },
        },
    )

    assert_error(result, "UserNotFoundError", "UserNotFoundException")
