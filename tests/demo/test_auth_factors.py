"""A user's authentication factors in the demo backend (gateway.demo.auth_factors), through boto3 on moto."""

from __future__ import annotations

import pytest
from botocore.client import BaseClient

from tests.demo.support import MODEL, Pool, check_against_model, make_pool, raises


@pytest.fixture
def pool(cognito: BaseClient) -> Pool:
    created = make_pool(
        cognito,
        advanced_security=None,
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    )
    created.create_user(cognito, "alice", email="alice@example.com", email_verified="true")
    return created


def register_totp(cognito: BaseClient, pool: Pool) -> None:
    """AssociateSoftwareToken + VerifySoftwareToken with alice's access token (moto accepts any code)."""
    access_token = pool.sign_in(cognito, "alice")["AuthenticationResult"]["AccessToken"]
    cognito.associate_software_token(AccessToken=access_token)
    cognito.verify_software_token(AccessToken=access_token, UserCode="123456")


def turn_on_totp_and_sms_mfa(cognito: BaseClient, pool: Pool) -> None:
    """alice registers an authenticator and has TOTP MFA (preferred) and SMS MFA on."""
    register_totp(cognito, pool)
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.id,
        Username="alice",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
    )


def factors(cognito: BaseClient, pool: Pool) -> dict:
    answer = cognito.admin_get_user_auth_factors(UserPoolId=pool.id, Username="alice")
    answer.pop("ResponseMetadata")
    return answer


def test_factors_of_a_password_user_with_a_verified_email(cognito: BaseClient, pool: Pool) -> None:
    answer = factors(cognito, pool)
    assert answer == {
        "Username": "alice",
        "UserMFASettingList": [],
        "ConfiguredUserAuthFactors": ["PASSWORD", "EMAIL_OTP"],
    }
    check_against_model(answer, MODEL.operation_model("AdminGetUserAuthFactors").output_shape, "answer")


def test_factors_follow_the_pool_policy_and_the_user(cognito: BaseClient, pool: Pool) -> None:
    # An unverified email is no factor; a phone is one only where the pool allows SMS_OTP.
    cognito.admin_update_user_attributes(
        UserPoolId=pool.id,
        Username="alice",
        UserAttributes=[
            {"Name": "email_verified", "Value": "false"},
            {"Name": "phone_number", "Value": "+15555550100"},
            {"Name": "phone_number_verified", "Value": "true"},
        ],
    )
    assert factors(cognito, pool)["ConfiguredUserAuthFactors"] == ["PASSWORD"]


def test_totp_and_sms_mfa_show(cognito: BaseClient, pool: Pool) -> None:
    turn_on_totp_and_sms_mfa(cognito, pool)
    answer = factors(cognito, pool)
    assert answer["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert sorted(answer["UserMFASettingList"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert answer["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP", "SOFTWARE_TOKEN"]


def test_admin_delete_software_token(cognito: BaseClient, pool: Pool) -> None:
    turn_on_totp_and_sms_mfa(cognito, pool)
    assert pool.sign_in(cognito, "alice")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    cognito.admin_delete_software_token(UserPoolId=pool.id, Username="alice")
    # The TOTP factor and its preference are gone; SMS MFA stays.
    answer = factors(cognito, pool)
    assert "PreferredMfaSetting" not in answer
    assert answer["UserMFASettingList"] == ["SMS_MFA"]
    assert "SOFTWARE_TOKEN" not in answer["ConfiguredUserAuthFactors"]
    user = cognito.admin_get_user(UserPoolId=pool.id, Username="alice")
    assert user["UserMFASettingList"] == ["SMS_MFA"]
    assert "AuthenticationResult" in pool.sign_in(cognito, "alice")  # no TOTP challenge any more
    # TOTP can't be turned back on until a new authenticator is verified.
    raises(
        "InvalidParameterException",
        cognito.admin_set_user_mfa_preference,
        UserPoolId=pool.id,
        Username="alice",
        SoftwareTokenMfaSettings={"Enabled": True},
    )
    # Nothing left to delete.
    raises("ResourceNotFoundException", cognito.admin_delete_software_token, UserPoolId=pool.id, Username="alice")


def test_auth_factor_errors(cognito: BaseClient, pool: Pool) -> None:
    for operation in (cognito.admin_get_user_auth_factors, cognito.admin_delete_software_token):
        raises("ResourceNotFoundException", operation, UserPoolId="us-east-1_nopool", Username="alice")
        raises("UserNotFoundException", operation, UserPoolId=pool.id, Username="nobody")
