"""The model-driven types: every member of the Cognito shapes this slice exposes is a field, every enum value a value."""

import pytest
from botocore import xform_name

from gateway.cognito import model
from gateway.graphql.schema import build_schema
from gateway.graphql.shapes import enum_member_name, graphql_name

SCHEMA = build_schema()._schema


def field_name(member: str) -> str:
    head, *rest = xform_name(member).split("_")
    return head + "".join(part.capitalize() if part else "_" for part in rest)


def reachable_shapes(*roots: str) -> set[str]:
    seen: set[str] = set()

    def walk(shape) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        if shape.type_name == "structure":
            for member in shape.members.values():
                walk(member)
        elif shape.type_name == "list":
            walk(shape.member)
        elif shape.type_name == "map":
            walk(shape.value)

    for root in roots:
        walk(model.shape(root))
    return seen


EXPOSED = reachable_shapes("UserPoolType", "UserType", "GroupType", "AttributeType", "MFAOptionType")
STRUCTURES = sorted(name for name in EXPOSED if model.shape(name).type_name == "structure")
ENUMS = sorted(name for name in EXPOSED if getattr(model.shape(name), "enum", None))


def test_the_walk_reaches_the_nested_shapes():
    assert {"PasswordPolicyType", "LambdaConfigType", "SchemaAttributeType", "AccountRecoverySettingType"} <= set(STRUCTURES)
    assert {"UserStatusType", "DeliveryMediumType", "VerifiedAttributeType"} <= set(ENUMS)


@pytest.mark.parametrize("shape_name", STRUCTURES)
def test_every_member_is_a_field(shape_name):
    graphql_type = SCHEMA.get_type(graphql_name(shape_name))

    assert graphql_type is not None, f"{shape_name} has no GraphQL type"
    missing = [member for member in model.shape(shape_name).members if field_name(member) not in graphql_type.fields]
    assert missing == [], f"{graphql_type.name} lacks fields for {missing}"


def test_user_has_the_members_only_admin_get_user_returns():
    user = SCHEMA.get_type("User")

    for member in ("PreferredMfaSetting", "UserMFASettingList"):
        assert member in model.shape("AdminGetUserResponse").members
        assert field_name(member) in user.fields


@pytest.mark.parametrize("shape_name", ENUMS)
def test_every_enum_value_is_a_value(shape_name):
    graphql_enum = SCHEMA.get_type(graphql_name(shape_name))

    assert set(graphql_enum.values) == {enum_member_name(value) for value in model.shape(shape_name).enum}


@pytest.mark.parametrize(
    ("value", "name"),
    [("SignInWithApple", "SIGN_IN_WITH_APPLE"), ("phone_number", "PHONE_NUMBER"), ("ALLOW_USER_SRP_AUTH", "ALLOW_USER_SRP_AUTH"),
     ("LoginWithAmazon", "LOGIN_WITH_AMAZON"), ("OIDC", "OIDC"), ("not_remembered", "NOT_REMEMBERED")],
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
