"""What is read from the model: the secret set (what it marks sensitive, less identifiers, plus the one-time codes it
leaves unmarked) and its redaction, regions from pool IDs, which operations are retry-safe reads."""

import pytest

from gateway.cognito import model
from gateway.cognito.errors import exception_class
from gateway.cognito.operations import OPERATIONS


def test_the_unmarked_secrets_are_found_by_member_across_the_operations():
    found = {(name, member.name) for name, member in model.input_members() if name in model.UNMARKED_SECRET_MEMBERS}

    assert {name for name, _ in found} == model.UNMARKED_SECRET_MEMBERS
    assert all(model.is_secret(model.shape(shape)) for _, shape in found)
    assert model.is_secret(model.operation("ConfirmSignUp").input_shape.members["ConfirmationCode"])


def test_marking_a_code_s_shape_secret_hides_no_other_member():
    """A shape is secret wherever it is used: a member named like a code but of a shared shape (a string type)
    would hide every member of that shape. Each unmarked secret's shape is used by such members only."""
    unmarked = {member.name for name, member in model.input_members() if name in model.UNMARKED_SECRET_MEMBERS}
    service = model.service_model()
    users = {
        (name, member.name)
        for shape_name in service.shape_names
        if (shape := service.shape_for(shape_name)).type_name == "structure"
        for name, member in shape.members.items()
        if member.name in unmarked
    }

    assert {name for name, _ in users} <= model.UNMARKED_SECRET_MEMBERS


def test_identifiers_the_model_marks_sensitive_are_not_secrets():
    members = model.operation("ConfirmSignUp").input_shape.members

    assert not model.is_secret(members["Username"]) and not model.is_secret(members["ClientId"])
    assert model.is_secret(members["SecretHash"]) and model.is_secret(members["Session"])


def test_redaction_follows_the_model():
    shape = model.operation("CreateIdentityProvider").input_shape
    request = {
        "UserPoolId": "us-east-1_abc",
        "ProviderName": "Google",
        "ProviderDetails": {"client_id": "id", "client_secret": "s3cret", "authorize_scopes": "openid"},
    }
    assert model.redact(request, shape)["ProviderDetails"] == {
        "client_id": "id",
        "client_secret": "REDACTED",
        "authorize_scopes": "openid",
    }
    confirm = model.operation("ConfirmDevice").input_shape
    request = {
        "AccessToken": "token",
        "DeviceKey": "key",
        "DeviceSecretVerifierConfig": {"PasswordVerifier": "v", "Salt": "s"},
    }
    assert model.redact(request, confirm) == {
        "AccessToken": "REDACTED",
        "DeviceKey": "key",
        "DeviceSecretVerifierConfig": "REDACTED",
    }


def test_every_one_time_code_of_the_model_is_redacted():
    """Members the model leaves unmarked (gateway.cognito.model.UNMARKED_SECRET_MEMBERS), in every operation's
    input, the ones the graph does not expose (VerifyUserAttribute, VerifySoftwareToken) too."""
    redacted = set()
    for name in model.service_model().operation_names:
        shape = model.operation(name).input_shape
        for member in model.UNMARKED_SECRET_MEMBERS & set(shape.members if shape else ()):
            assert model.redact({member: "123456"}, shape) == {member: "REDACTED"}, (name, member)
            redacted.add(name)

    assert {"ConfirmSignUp", "ConfirmForgotPassword", "VerifyUserAttribute", "VerifySoftwareToken"} <= redacted


@pytest.mark.parametrize(
    ("pool_id", "region"),
    [("eu-west-1_AbC123", "eu-west-1"), ("us-gov-west-1_x", "us-gov-west-1"), ("ap-southeast-2_Zz9", "ap-southeast-2")],
)
def test_region_is_read_from_the_pool_id(pool_id, region):
    assert model.region_of(pool_id) == region


@pytest.mark.parametrize(
    "pool_id",
    [
        "",
        "eu-west-1",
        "_abc",
        "eu-west-1_",
        "EU-WEST-1_abc",
        "eu-west-1_a b",
        "../x_y",
        "us-east-\uff11_abc",
        "eu-west-1_a\n",
    ],
)
def test_malformed_pool_ids_are_invalid_parameters(pool_id):
    with pytest.raises(exception_class("InvalidParameterException")):
        model.region_of(pool_id)


def test_a_get_that_issues_a_token_or_sends_a_code_is_not_a_retry_safe_read():
    assert not model.is_read("GetTokensFromRefreshToken")
    assert not model.is_read("GetClientToken")
    assert not model.is_read("GetUserAttributeVerificationCode")  # sends a code
    assert model.is_read("GetUser") and model.is_read("AdminGetUser") and model.is_read("ListUsers")
    assert not model.is_read("AdminCreateUser")


def test_only_operations_named_like_reads_are_marked_as_changing_something():
    """``side_effects`` corrects the name rule where a Get* is not a read; anywhere else it would mean nothing."""
    marked = {operation for operation, facts in OPERATIONS.items() if facts.side_effects}

    assert marked == {"GetTokensFromRefreshToken", "GetClientToken", "GetUserAttributeVerificationCode"}
