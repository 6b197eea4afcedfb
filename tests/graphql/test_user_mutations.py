"""User mutations through HTTP against the real app and the moto server: effects checked with boto3."""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.helpers import assert_error

PASSWORD = "Passw0rd!"  # moto's defaults also require upper and lower case and a symbol
USER_FIELDS = "user { username userStatus enabled attributes { name value } }"


def assert_payload(result: dict[str, Any], name: str) -> None:
    assert result["__typename"] == f"{name[0].upper()}{name[1:]}Payload", result


def attributes(pairs: list[dict[str, str]]) -> dict[str, str]:
    """Name -> value of a GraphQL ``[Attribute]`` or a boto3 attribute list."""
    return {pair.get("name", pair.get("Name")): pair.get("value", pair.get("Value")) for pair in pairs}


def create_user(cognito: BaseClient, pool_id: str, username: str = "alice", **attrs: str) -> None:
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        TemporaryPassword=PASSWORD,
        UserAttributes=[{"Name": name, "Value": value} for name, value in attrs.items()],
    )


def identifiers(pool_id: str, username: str = "alice") -> dict[str, str]:
    return {"userPoolId": pool_id, "username": username}


def stored_user(cognito: BaseClient, pool_id: str, username: str = "alice") -> dict[str, Any]:
    return cognito.admin_get_user(UserPoolId=pool_id, Username=username)


# --- adminCreateUser -------------------------------------------------------------------------------


async def test_admin_create_user_with_every_input_member(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "adminCreateUser",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "userAttributes": [
                {"name": "email", "value": "alice@example.com"},
                {"name": "email_verified", "value": "true"},
                {"name": "name", "value": "Alice Liddell"},
            ],
            "validationData": [{"name": "invitation", "value": "staff-2024"}],
            "temporaryPassword": PASSWORD,
            "messageAction": "SUPPRESS",
            "desiredDeliveryMediums": ["EMAIL"],
            "forceAliasCreation": True,
            "clientMetadata": {"source": "tests", "ticket": "42"},
        },
        USER_FIELDS,
    )

    assert_payload(result, "adminCreateUser")
    user = result["user"]
    assert (user["username"], user["userStatus"], user["enabled"]) == ("alice", "FORCE_CHANGE_PASSWORD", True)
    given = {"email": "alice@example.com", "email_verified": "true", "name": "Alice Liddell"}
    assert attributes(user["attributes"]).items() >= given.items()
    stored = stored_user(cognito, pool_id)
    assert stored["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert attributes(stored["UserAttributes"]).items() >= given.items()
    assert attributes(stored["UserAttributes"])["sub"] == attributes(user["attributes"])["sub"]


async def test_admin_create_user_temporary_password_is_the_one_given(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate(
        "adminCreateUser",
        {"userPoolId": pool_id, "username": "alice", "temporaryPassword": PASSWORD, "messageAction": "SUPPRESS"},
    )

    assert_payload(result, "adminCreateUser")
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="admin")["UserPoolClient"]["ClientId"]
    auth = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )
    assert auth["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


async def test_admin_create_user_twice_is_username_exists(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id, email="alice@example.com")

    result = await gateway.mutate("adminCreateUser", {"userPoolId": pool_id, "username": "alice"}, USER_FIELDS)

    assert_error(result, "UsernameExistsError", "UsernameExistsException")
    assert attributes(stored_user(cognito, pool_id)["UserAttributes"])["email"] == "alice@example.com"


# --- adminDeleteUser -------------------------------------------------------------------------------


async def test_admin_delete_user(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)

    result = await gateway.mutate("adminDeleteUser", identifiers(pool_id), "userPoolId username")

    assert result == {"__typename": "AdminDeleteUserPayload", "userPoolId": pool_id, "username": "alice"}
    with pytest.raises(ClientError) as error:
        stored_user(cognito, pool_id)
    assert error.value.response["Error"]["Code"] == "UserNotFoundException"


# --- adminEnableUser / adminDisableUser ------------------------------------------------------------


async def test_admin_disable_then_enable_user(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)

    disabled = await gateway.mutate("adminDisableUser", identifiers(pool_id), "userPoolId username user { enabled }")
    assert disabled == {
        "__typename": "AdminDisableUserPayload",
        "userPoolId": pool_id,
        "username": "alice",
        "user": {"enabled": False},
    }
    assert stored_user(cognito, pool_id)["Enabled"] is False

    enabled = await gateway.mutate("adminEnableUser", identifiers(pool_id), "user { enabled }")
    assert enabled == {"__typename": "AdminEnableUserPayload", "user": {"enabled": True}}
    assert stored_user(cognito, pool_id)["Enabled"] is True


async def test_second_change_in_one_request_reads_the_user_again(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_user(cognito, pool_id)
    document = """
        mutation Run($disable: AdminDisableUserInput!, $enable: AdminEnableUserInput!) {
          disabled: adminDisableUser(input: $disable) { ... on AdminDisableUserPayload { user { enabled } } }
          enabled: adminEnableUser(input: $enable) { ... on AdminEnableUserPayload { user { enabled } } }
        }
    """

    data = await gateway.data(document, {"disable": identifiers(pool_id), "enable": identifiers(pool_id)})

    assert data == {"disabled": {"user": {"enabled": False}}, "enabled": {"user": {"enabled": True}}}


# --- attributes ------------------------------------------------------------------------------------


async def test_admin_update_user_attributes(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id, email="alice@example.com", name="Alice")

    result = await gateway.mutate(
        "adminUpdateUserAttributes",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "userAttributes": [
                {"name": "name", "value": "Alice Liddell"},
                {"name": "family_name", "value": "Liddell"},
            ],
            "clientMetadata": {"source": "tests"},
        },
        'user { name: attribute(name: "name") familyName: attribute(name: "family_name") }',
    )

    assert_payload(result, "adminUpdateUserAttributes")
    assert result["user"] == {"name": "Alice Liddell", "familyName": "Liddell"}
    stored = attributes(stored_user(cognito, pool_id)["UserAttributes"])
    assert stored.items() >= {"name": "Alice Liddell", "family_name": "Liddell", "email": "alice@example.com"}.items()


async def test_admin_delete_user_attributes(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id, email="alice@example.com", name="Alice", family_name="Liddell")

    result = await gateway.mutate(
        "adminDeleteUserAttributes",
        {"userPoolId": pool_id, "username": "alice", "userAttributeNames": ["name", "family_name"]},
        'user { name: attribute(name: "name") email: attribute(name: "email") }',
    )

    assert_payload(result, "adminDeleteUserAttributes")
    assert result["user"] == {"name": None, "email": "alice@example.com"}
    stored = attributes(stored_user(cognito, pool_id)["UserAttributes"])
    assert "name" not in stored and "family_name" not in stored
    assert stored["email"] == "alice@example.com"


# --- passwords, confirmation, sign-out -------------------------------------------------------------


async def test_admin_reset_user_password(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    # moto resets only a confirmed user with a verified email or phone number, as Cognito does.
    create_user(cognito, pool_id, email="alice@example.com", email_verified="true")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)

    result = await gateway.mutate(
        "adminResetUserPassword",
        {"userPoolId": pool_id, "username": "alice", "clientMetadata": {"source": "tests"}},
        "username user { userStatus }",
    )

    assert result == {
        "__typename": "AdminResetUserPasswordPayload",
        "username": "alice",
        "user": {"userStatus": "RESET_REQUIRED"},
    }
    assert stored_user(cognito, pool_id)["UserStatus"] == "RESET_REQUIRED"


@pytest.mark.parametrize(("permanent", "status"), [(True, "CONFIRMED"), (False, "FORCE_CHANGE_PASSWORD")])
async def test_admin_set_user_password(
    gateway: Any, cognito: BaseClient, pool_id: str, permanent: bool, status: str
) -> None:
    create_user(cognito, pool_id)  # FORCE_CHANGE_PASSWORD; made CONFIRMED first to see a temporary password undo it
    if not permanent:
        cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)

    result = await gateway.mutate(
        "adminSetUserPassword",
        {"userPoolId": pool_id, "username": "alice", "password": "N3w-Passw0rd", "permanent": permanent},
        "user { userStatus }",
    )

    assert result == {"__typename": "AdminSetUserPasswordPayload", "user": {"userStatus": status}}
    assert stored_user(cognito, pool_id)["UserStatus"] == status


async def test_admin_set_user_password_violating_the_policy(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)

    result = await gateway.mutate(
        "adminSetUserPassword",
        {"userPoolId": pool_id, "username": "alice", "password": "Short1!", "permanent": True},
        "user { userStatus }",
    )

    assert_error(result, "InvalidPasswordError", "InvalidPasswordException")
    assert stored_user(cognito, pool_id)["UserStatus"] == "FORCE_CHANGE_PASSWORD"


async def test_admin_confirm_sign_up(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
    cognito.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD)
    assert stored_user(cognito, pool_id)["UserStatus"] == "UNCONFIRMED"

    result = await gateway.mutate(
        "adminConfirmSignUp",
        {"userPoolId": pool_id, "username": "alice", "clientMetadata": {"source": "tests"}},
        "userPoolId username user { userStatus }",
    )

    assert result == {
        "__typename": "AdminConfirmSignUpPayload",
        "userPoolId": pool_id,
        "username": "alice",
        "user": {"userStatus": "CONFIRMED"},
    }
    assert stored_user(cognito, pool_id)["UserStatus"] == "CONFIRMED"


async def test_admin_user_global_sign_out(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="admin")["UserPoolClient"]["ClientId"]
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert cognito.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"

    result = await gateway.mutate("adminUserGlobalSignOut", identifiers(pool_id), "userPoolId username")

    assert result == {"__typename": "AdminUserGlobalSignOutPayload", "userPoolId": pool_id, "username": "alice"}
    with pytest.raises(ClientError) as error:
        cognito.get_user(AccessToken=tokens["AccessToken"])
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


# --- failures: one test per failure mode over every mutation, so the mismatches show up together -------

# Each mutation on an existing user, with the input members it needs besides userPoolId and username.
USER_MUTATIONS: dict[str, dict[str, Any]] = {
    "adminDeleteUser": {},
    "adminEnableUser": {},
    "adminDisableUser": {},
    "adminUpdateUserAttributes": {"userAttributes": [{"name": "name", "value": "Alice"}]},
    "adminDeleteUserAttributes": {"userAttributeNames": ["name"]},
    "adminResetUserPassword": {},
    "adminSetUserPassword": {"password": PASSWORD, "permanent": True},
    "adminConfirmSignUp": {},
    "adminUserGlobalSignOut": {},
}
ALL_MUTATIONS: dict[str, dict[str, Any]] = {"adminCreateUser": {}, **USER_MUTATIONS}


async def outcomes(gateway: Any, mutations: dict[str, dict[str, Any]], pool_id: str, username: str) -> dict[str, Any]:
    """Per mutation, the failure as a client sees it: union member, code, has a message, has a request ID."""
    found = {}
    for name, extra in mutations.items():
        result = await gateway.mutate(name, {**identifiers(pool_id, username), **extra})
        found[name] = (result["__typename"], result.get("code"), bool(result.get("message")), result.get("requestId"))
    return found


async def test_missing_user_is_user_not_found(gateway: Any, pool_id: str) -> None:
    found = await outcomes(gateway, USER_MUTATIONS, pool_id, "nobody")

    assert {name: outcome[:3] for name, outcome in found.items()} == dict.fromkeys(
        USER_MUTATIONS, ("UserNotFoundError", "UserNotFoundException", True)
    )
    assert all(outcome[3] for outcome in found.values())  # Cognito's request ID


async def test_unknown_pool_is_resource_not_found(gateway: Any) -> None:
    found = await outcomes(gateway, ALL_MUTATIONS, "us-east-1_doesnotexist", "alice")

    assert {name: outcome[:3] for name, outcome in found.items()} == dict.fromkeys(
        ALL_MUTATIONS, ("ResourceNotFoundError", "ResourceNotFoundException", True)
    )
    assert all(outcome[3] for outcome in found.values())


async def test_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    gateway.reset_calls()

    found = await outcomes(gateway, ALL_MUTATIONS, "not-a-pool", "alice")

    assert found == dict.fromkeys(ALL_MUTATIONS, ("InvalidParameterError", "InvalidParameterException", True, None))
    assert gateway.calls == {}
