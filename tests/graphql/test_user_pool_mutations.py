"""User pool mutations through HTTP against the real app and the moto server."""

from typing import Any

import pytest
from botocore.client import BaseClient

from tests.helpers import assert_error

POOL_FIELDS = """
    userPool {
      id name mfaConfiguration aliasAttributes autoVerifiedAttributes userPoolTags
      policies { passwordPolicy { minimumLength requireNumbers requireSymbols } }
      adminCreateUserConfig { allowAdminCreateUserOnly inviteMessageTemplate { emailSubject } }
      accountRecoverySetting { recoveryMechanisms { name priority } }
      schemaAttributes { name attributeDataType mutable stringAttributeConstraints { minLength maxLength } }
    }
"""
PASSWORD_POLICY = "policies { passwordPolicy { minimumLength requireNumbers } }"


def pool_names(cognito: BaseClient) -> list[str]:
    return sorted(pool["Name"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"])


def custom_attributes(user_pool: dict[str, Any]) -> list[dict[str, Any]]:
    """The pool's custom attributes, taken out of its schema attributes (moto lists the standard ones too)."""
    return [item for item in user_pool.pop("schemaAttributes") if item["name"].startswith("custom:")]


# --- createUserPool --------------------------------------------------------------------------------

CREATE_INPUT: dict[str, Any] = {
    "poolName": "staff",
    "policies": {"passwordPolicy": {"minimumLength": 10, "requireNumbers": True, "requireSymbols": False}},
    "schema": [
        {
            "name": "department",
            "attributeDataType": "STRING",
            "mutable": True,
            "stringAttributeConstraints": {"minLength": "1", "maxLength": "64"},
        }
    ],
    "adminCreateUserConfig": {"allowAdminCreateUserOnly": True, "inviteMessageTemplate": {"emailSubject": "Welcome"}},
    "accountRecoverySetting": {"recoveryMechanisms": [{"name": "VERIFIED_EMAIL", "priority": 1}]},
    "userPoolTags": {"team": "identity", "env": "test"},
    "aliasAttributes": ["EMAIL"],
    "autoVerifiedAttributes": ["EMAIL"],
}


@pytest.mark.parametrize("mfa", ["OFF", "OPTIONAL"])
async def test_create_user_pool_with_nested_inputs(gateway: Any, cognito: BaseClient, mfa: str) -> None:
    result = await gateway.mutate("createUserPool", {**CREATE_INPUT, "mfaConfiguration": mfa}, POOL_FIELDS)

    assert result["__typename"] == "CreateUserPoolPayload", result
    pool = result["userPool"]
    pool_id = pool.pop("id")
    assert pool_id.startswith("us-east-1_")
    assert custom_attributes(pool) == [
        {
            "name": "custom:department",
            "attributeDataType": "STRING",
            "mutable": True,
            "stringAttributeConstraints": {"minLength": "1", "maxLength": "64"},
        }
    ]
    assert pool == {
        "name": "staff",
        "mfaConfiguration": mfa,
        "aliasAttributes": ["EMAIL"],
        "autoVerifiedAttributes": ["EMAIL"],
        "userPoolTags": {"team": "identity", "env": "test"},
        "policies": {"passwordPolicy": {"minimumLength": 10, "requireNumbers": True, "requireSymbols": False}},
        "adminCreateUserConfig": CREATE_INPUT["adminCreateUserConfig"],
        "accountRecoverySetting": CREATE_INPUT["accountRecoverySetting"],
    }
    stored = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (stored["Name"], stored["MfaConfiguration"]) == ("staff", mfa)
    assert stored["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert stored["UserPoolTags"] == {"team": "identity", "env": "test"}
    assert (stored["AliasAttributes"], stored["AutoVerifiedAttributes"]) == (["email"], ["email"])
    assert stored["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]}
    assert "custom:department" in {attribute["Name"] for attribute in stored["SchemaAttributes"]}


async def test_create_user_pool_refused_by_client_side_validation(gateway: Any, cognito: BaseClient) -> None:
    # botocore refuses an empty PoolName (min length 1) before sending anything: a typed error, not errors[].
    result = await gateway.mutate("createUserPool", {"poolName": ""}, "userPool { id }")

    assert result["__typename"] == "InvalidParameterError", result
    assert result["code"] == "InvalidParameterException"
    assert "PoolName" in result["message"]
    assert result["requestId"] is None
    assert pool_names(cognito) == []
    assert gateway.calls == {}  # nothing reached Cognito


# --- updateUserPool --------------------------------------------------------------------------------


async def test_update_user_pool(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    input = {
        "userPoolId": pool_id,
        "policies": {"passwordPolicy": {"minimumLength": 14, "requireNumbers": False}},
        "mfaConfiguration": "OPTIONAL",
        "userPoolTags": {"team": "identity"},
    }

    selection = f"userPoolId userPool {{ id mfaConfiguration userPoolTags {PASSWORD_POLICY} }}"

    result = await gateway.mutate("updateUserPool", input, selection)

    assert result == {
        "__typename": "UpdateUserPoolPayload",
        "userPoolId": pool_id,
        "userPool": {
            "id": pool_id,
            "mfaConfiguration": "OPTIONAL",
            "userPoolTags": {"team": "identity"},
            "policies": {"passwordPolicy": {"minimumLength": 14, "requireNumbers": False}},
        },
    }
    stored = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert stored["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert stored["MfaConfiguration"] == "OPTIONAL"


async def test_update_user_pool_after_a_read_in_the_same_request(gateway: Any, pool_id: str) -> None:
    # The first field reads the pool through the request's loader; the update must not answer with that copy.
    document = f"""
        mutation Run($id: ID!, $input: UpdateUserPoolInput!) {{
          before: adminCreateUser(input: {{userPoolId: $id, username: "alice", messageAction: SUPPRESS}}) {{
            ... on AdminCreateUserPayload {{ user {{ userPool {{ {PASSWORD_POLICY} }} }} }}
          }}
          after: updateUserPool(input: $input) {{
            ... on UpdateUserPoolPayload {{ userPool {{ {PASSWORD_POLICY} }} }}
          }}
        }}
    """
    input = {"userPoolId": pool_id, "policies": {"passwordPolicy": {"minimumLength": 14, "requireNumbers": True}}}

    data = await gateway.data(document, {"id": pool_id, "input": input})

    assert data["before"]["user"]["userPool"]["policies"]["passwordPolicy"]["minimumLength"] == 8
    assert data["after"]["userPool"]["policies"]["passwordPolicy"]["minimumLength"] == 14


# --- deleteUserPool --------------------------------------------------------------------------------


async def test_delete_user_pool(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate("deleteUserPool", {"userPoolId": pool_id}, "userPoolId")

    assert result == {"__typename": "DeleteUserPoolPayload", "userPoolId": pool_id}
    assert pool_names(cognito) == []
    query = "query($id: ID!) { userPool(id: $id) { __typename ... on CognitoError { code message requestId } } }"
    answer = (await gateway.data(query, {"id": pool_id}))["userPool"]
    assert_error(answer, "ResourceNotFoundError", "ResourceNotFoundException")


# --- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["updateUserPool", "deleteUserPool"])
async def test_missing_pool_is_resource_not_found(gateway: Any, name: str) -> None:
    result = await gateway.mutate(name, {"userPoolId": "us-east-1_doesnotexist"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


@pytest.mark.parametrize("name", ["updateUserPool", "deleteUserPool"])
async def test_malformed_pool_id_is_refused_before_any_call(gateway: Any, name: str) -> None:
    gateway.reset_calls()

    result = await gateway.mutate(name, {"userPoolId": "not-a-pool"})

    assert (result["__typename"], result["code"], result["requestId"]) == (
        "InvalidParameterError",
        "InvalidParameterException",
        None,
    )
    assert gateway.calls == {}
