"""User mutations through HTTP against the real app and the moto server: effects checked with boto3."""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

PASSWORD = "Passw0rd!"  # moto's defaults also require upper and lower case and a symbol
USER_FIELDS = "user { username userStatus enabled attributes { name value } }"

# Gateway bug: after the Cognito call succeeds, these mutations' responders call DataLoader.clear(key) for a
# key the request never loaded (users.py _user_deleted / _user_changed); strawberry's DataLoader.clear raises
# KeyError for an uncached key, so the change is applied but the answer is `data: null` + an INTERNAL error.
LOADER_CLEAR_BUG = pytest.mark.xfail(
    reason="DataLoader.clear(key) raises KeyError for a key not loaded in this request (users.py responders)",
    raises=AssertionError,
    strict=True,
)


async def mutate(gateway: Any, name: str, input: dict[str, Any], selection: str = "__typename") -> dict[str, Any]:
    """Run one mutation; the result selects ``__typename``, the error fields and ``selection`` on the payload."""
    operation = name[0].upper() + name[1:]
    document = f"""
        mutation Run($input: {operation}Input!) {{
          result: {name}(input: $input) {{
            __typename
            ... on CognitoError {{ code message requestId }}
            ... on {operation}Payload {{ {selection} }}
          }}
        }}
    """
    return (await gateway.data(document, {"input": input}))["result"]


def assert_payload(result: dict[str, Any], name: str) -> None:
    assert result["__typename"] == f"{name[0].upper()}{name[1:]}Payload", result


def assert_error(result: dict[str, Any], typename: str, code: str) -> None:
    assert result["__typename"] == typename, result
    assert result["code"] == code
    assert result["message"]
    assert result["requestId"]


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


def stored_user(cognito: BaseClient, pool_id: str, username: str = "alice") -> dict[str, Any]:
    return cognito.admin_get_user(UserPoolId=pool_id, Username=username)


# --- adminCreateUser -------------------------------------------------------------------------------


async def test_admin_create_user_with_every_input_member(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await mutate(
        gateway,
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
    result = await mutate(
        gateway,
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

    result = await mutate(gateway, "adminCreateUser", {"userPoolId": pool_id, "username": "alice"}, USER_FIELDS)

    assert_error(result, "UsernameExistsError", "UsernameExistsException")
    assert attributes(stored_user(cognito, pool_id)["UserAttributes"])["email"] == "alice@example.com"


# --- adminDeleteUser -------------------------------------------------------------------------------


@LOADER_CLEAR_BUG
async def test_admin_delete_user(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)

    result = await mutate(gateway, "adminDeleteUser", {"userPoolId": pool_id, "username": "alice"}, "userPoolId username")

    assert result == {"__typename": "AdminDeleteUserPayload", "userPoolId": pool_id, "username": "alice"}
    with pytest.raises(ClientError) as error:
        stored_user(cognito, pool_id)
    assert error.value.response["Error"]["Code"] == "UserNotFoundException"


# --- adminEnableUser / adminDisableUser ------------------------------------------------------------


@LOADER_CLEAR_BUG
async def test_admin_disable_then_enable_user(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)
    key = {"userPoolId": pool_id, "username": "alice"}

    disabled = await mutate(gateway, "adminDisableUser", key, "userPoolId username user { enabled }")
    assert disabled == {
        "__typename": "AdminDisableUserPayload",
        "userPoolId": pool_id,
        "username": "alice",
        "user": {"enabled": False},
    }
    assert stored_user(cognito, pool_id)["Enabled"] is False

    enabled = await mutate(gateway, "adminEnableUser", key, "user { enabled }")
    assert enabled == {"__typename": "AdminEnableUserPayload", "user": {"enabled": True}}
    assert stored_user(cognito, pool_id)["Enabled"] is True


# --- attributes ------------------------------------------------------------------------------------


@LOADER_CLEAR_BUG
async def test_admin_update_user_attributes(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id, email="alice@example.com", name="Alice")

    result = await mutate(
        gateway,
        "adminUpdateUserAttributes",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "userAttributes": [{"name": "name", "value": "Alice Liddell"}, {"name": "family_name", "value": "Liddell"}],
            "clientMetadata": {"source": "tests"},
        },
        'user { name: attribute(name: "name") familyName: attribute(name: "family_name") }',
    )

    assert_payload(result, "adminUpdateUserAttributes")
    assert result["user"] == {"name": "Alice Liddell", "familyName": "Liddell"}
    stored = attributes(stored_user(cognito, pool_id)["UserAttributes"])
    assert (stored["name"], stored["family_name"], stored["email"]) == ("Alice Liddell", "Liddell", "alice@example.com")


@LOADER_CLEAR_BUG
async def test_admin_delete_user_attributes(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id, email="alice@example.com", name="Alice", family_name="Liddell")

    result = await mutate(
        gateway,
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


@LOADER_CLEAR_BUG
async def test_admin_reset_user_password(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    # moto resets only a confirmed user with a verified email or phone number, as Cognito does.
    create_user(cognito, pool_id, email="alice@example.com", email_verified="true")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)

    result = await mutate(
        gateway,
        "adminResetUserPassword",
        {"userPoolId": pool_id, "username": "alice", "clientMetadata": {"source": "tests"}},
        "username user { userStatus }",
    )

    assert result == {"__typename": "AdminResetUserPasswordPayload", "username": "alice", "user": {"userStatus": "RESET_REQUIRED"}}
    assert stored_user(cognito, pool_id)["UserStatus"] == "RESET_REQUIRED"


@LOADER_CLEAR_BUG
@pytest.mark.parametrize(("permanent", "status"), [(True, "CONFIRMED"), (False, "FORCE_CHANGE_PASSWORD")])
async def test_admin_set_user_password(
    gateway: Any, cognito: BaseClient, pool_id: str, permanent: bool, status: str
) -> None:
    create_user(cognito, pool_id)  # FORCE_CHANGE_PASSWORD; made CONFIRMED first to see a temporary password undo it
    if not permanent:
        cognito.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)

    result = await mutate(
        gateway,
        "adminSetUserPassword",
        {"userPoolId": pool_id, "username": "alice", "password": "N3w-Passw0rd", "permanent": permanent},
        "user { userStatus }",
    )

    assert result == {"__typename": "AdminSetUserPasswordPayload", "user": {"userStatus": status}}
    assert stored_user(cognito, pool_id)["UserStatus"] == status


async def test_admin_set_user_password_violating_the_policy(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_user(cognito, pool_id)

    result = await mutate(
        gateway,
        "adminSetUserPassword",
        {"userPoolId": pool_id, "username": "alice", "password": "Short1!", "permanent": True},
        "user { userStatus }",
    )

    assert_error(result, "InvalidPasswordError", "InvalidPasswordException")
    assert stored_user(cognito, pool_id)["UserStatus"] == "FORCE_CHANGE_PASSWORD"


@LOADER_CLEAR_BUG
async def test_admin_confirm_sign_up(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
    cognito.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD)
    assert stored_user(cognito, pool_id)["UserStatus"] == "UNCONFIRMED"

    result = await mutate(
        gateway,
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


@LOADER_CLEAR_BUG
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

    result = await mutate(
        gateway, "adminUserGlobalSignOut", {"userPoolId": pool_id, "username": "alice"}, "userPoolId username"
    )

    assert result == {"__typename": "AdminUserGlobalSignOutPayload", "userPoolId": pool_id, "username": "alice"}
    with pytest.raises(ClientError) as error:
        cognito.get_user(AccessToken=tokens["AccessToken"])
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


# --- failures shared by the mutations on one user --------------------------------------------------

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


# One test per failure mode, over every mutation: the mismatches show up together.


def outcome(result: dict[str, Any]) -> tuple[str, str | None, bool, bool]:
    """A failure as a client sees it: the union member, its code, whether it has a message and a request ID."""
    return result["__typename"], result.get("code"), bool(result.get("message")), bool(result.get("requestId"))


async def test_missing_user_is_user_not_found(gateway: Any, pool_id: str) -> None:
    outcomes = {
        name: outcome(await mutate(gateway, name, {"userPoolId": pool_id, "username": "nobody", **extra}))
        for name, extra in USER_MUTATIONS.items()
    }

    assert outcomes == {name: ("UserNotFoundError", "UserNotFoundException", True, True) for name in USER_MUTATIONS}


async def test_unknown_pool_is_resource_not_found(gateway: Any, cognito: BaseClient) -> None:
    outcomes = {
        name: outcome(await mutate(gateway, name, {"userPoolId": "us-east-1_doesnotexist", "username": "alice", **extra}))
        for name, extra in {"adminCreateUser": {}, **USER_MUTATIONS}.items()
    }

    assert outcomes == {
        name: ("ResourceNotFoundError", "ResourceNotFoundException", True, True) for name in ["adminCreateUser", *USER_MUTATIONS]
    }


async def test_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    gateway.reset_calls()
    results = {
        name: await mutate(gateway, name, {"userPoolId": "not-a-pool", "username": "alice", **extra})
        for name, extra in {"adminCreateUser": {}, **USER_MUTATIONS}.items()
    }

    assert {name: outcome(result) for name, result in results.items()} == {
        name: ("InvalidParameterError", "InvalidParameterException", True, False) for name in results
    }
    assert all("not-a-pool" in result["message"] and result["requestId"] is None for result in results.values())
    assert gateway.calls == {}
