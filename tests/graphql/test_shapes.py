"""The model-driven types: naming, inputs, conversion (completeness against the model: tests/test_coverage.py)."""

import pytest

from gateway.cognito import model
from gateway.coverage import field_name
from gateway.graphql.schema import build_schema
from gateway.graphql.shapes import enum_member_name, graphql_name

SCHEMA = build_schema()._schema


def test_user_has_the_members_only_admin_get_user_returns():
    user = SCHEMA.get_type("User")

    for member in ("PreferredMfaSetting", "UserMFASettingList"):
        assert member in model.shape("AdminGetUserResponse").members
        assert field_name(member) in user.fields


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("SignInWithApple", "SIGN_IN_WITH_APPLE"),
        ("phone_number", "PHONE_NUMBER"),
        ("ALLOW_USER_SRP_AUTH", "ALLOW_USER_SRP_AUTH"),
        ("LoginWithAmazon", "LOGIN_WITH_AMAZON"),
        ("OIDC", "OIDC"),
        ("not_remembered", "NOT_REMEMBERED"),
    ],
)
def test_enum_value_names(value, name):
    assert enum_member_name(value) == name


def test_type_names_strip_type_and_rename_collisions():
    assert graphql_name("UserPoolType") == "UserPool"
    assert graphql_name("ChallengeNameType") == "ChallengeName"
    assert graphql_name("ChallengeName") == "AuthEventChallengeName"


def test_field_names_follow_botocore_snake_case():
    user = SCHEMA.get_type("User")

    assert {"userCreateDate", "mfaOptions", "userMfaSettingList"} <= set(user.fields)


def test_inputs_mirror_request_members_with_required_ones_non_null():
    create_user = SCHEMA.get_type("AdminCreateUserInput")
    request = model.operation("AdminCreateUser").input_shape

    assert set(create_user.fields) == {field_name(member) for member in request.members}
    assert str(create_user.fields["userPoolId"].type) == "ID!"
    assert str(create_user.fields["username"].type) == "String!"
    assert str(create_user.fields["messageAction"].type) == "MessageAction"
    assert str(create_user.fields["userAttributes"].type) == "[AttributeInput!]"


def test_a_value_newer_than_the_model_is_null_not_a_failure(caplog):
    from gateway.graphql.shapes import from_cognito
    from gateway.graphql.users import User

    user = from_cognito(User, {"Username": "u", "UserStatus": "SOMETHING_NEW", "Enabled": True}, user_pool_id="p")

    assert (user.username, user.user_status, user.enabled) == ("u", None, True)
    assert "SOMETHING_NEW" in caplog.text
