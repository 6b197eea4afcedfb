"""App clients: `userPoolClients`, `userPoolClient`, `userPoolClientSecret`, `UserPool.clients` and the client
mutations, through HTTP against the real app and the moto server."""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.helpers import assert_error

ROLE = "arn:aws:iam::123456789012:role/analytics"

CLIENTS = """
query($pool: ID!, $first: Int = 60, $after: String) {
  userPoolClients(userPoolId: $pool, first: $first, after: $after) {
    __typename
    ... on CognitoError { code message requestId }
    ... on UserPoolClientConnection { %s }
  }
}"""

CLIENT = """
query($pool: ID!, $client: String!) {
  userPoolClient(userPoolId: $pool, clientId: $client) {
    __typename
    ... on CognitoError { code message requestId }
    ... on UserPoolClient { %s }
  }
}"""

SECRET = """
query($pool: ID!, $client: String!) {
  userPoolClientSecret(userPoolId: $pool, clientId: $client) {
    __typename
    ... on CognitoError { code message requestId }
    ... on UserPoolClientSecret { userPoolId clientId clientSecret }
  }
}"""

# Everything `createUserPoolClient` below sets, as the `UserPoolClient` type shows it.
CLIENT_FIELDS = """
    userPoolId clientId clientName
    refreshTokenValidity accessTokenValidity idTokenValidity
    tokenValidityUnits { accessToken idToken refreshToken }
    readAttributes writeAttributes explicitAuthFlows supportedIdentityProviders
    callbackUrls logoutUrls defaultRedirectUri
    allowedOAuthFlows allowedOAuthScopes allowedOAuthFlowsUserPoolClient
    analyticsConfiguration { applicationId roleArn userDataShared }
    preventUserExistenceErrors enableTokenRevocation enablePropagateAdditionalUserContextData
    authSessionValidity
    refreshTokenRotation { feature retryGracePeriodSeconds }
"""

# A client with many members set, in GraphQL input spelling, and how the type answers them.
FULL_INPUT: dict[str, Any] = {
    "clientName": "dashboard",
    "refreshTokenValidity": 10,
    "accessTokenValidity": 30,
    "idTokenValidity": 2,
    "tokenValidityUnits": {"accessToken": "MINUTES", "idToken": "HOURS", "refreshToken": "DAYS"},
    "readAttributes": ["email", "given_name"],
    "writeAttributes": ["given_name"],
    "explicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    "supportedIdentityProviders": ["COGNITO"],
    "callbackUrls": ["https://app.example.com/callback"],
    "logoutUrls": ["https://app.example.com/logout"],
    "defaultRedirectUri": "https://app.example.com/callback",
    "allowedOAuthFlows": ["CODE"],
    "allowedOAuthScopes": ["openid", "email"],
    "allowedOAuthFlowsUserPoolClient": True,
    "analyticsConfiguration": {"applicationId": "pinpoint-app", "roleArn": ROLE, "userDataShared": True},
    "preventUserExistenceErrors": "ENABLED",
    "enableTokenRevocation": True,
    "enablePropagateAdditionalUserContextData": False,
    "authSessionValidity": 5,
    "refreshTokenRotation": {"feature": "ENABLED", "retryGracePeriodSeconds": 10},
}


def create_client(cognito: BaseClient, pool_id: str, name: str, **members: Any) -> dict[str, Any]:
    return cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name, **members)["UserPoolClient"]


def stored_client(cognito: BaseClient, pool_id: str, client_id: str) -> dict[str, Any]:
    return cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]


def client_key(pool_id: str, client_id: str) -> dict[str, str]:
    return {"pool": pool_id, "client": client_id}


# --- userPoolClients --------------------------------------------------------------------------------


async def test_user_pool_clients_from_the_list_alone(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    created = {create_client(cognito, pool_id, f"app-{n}")["ClientId"]: f"app-{n}" for n in range(3)}

    data = await gateway.data(CLIENTS % "nodes { clientId clientName } pageInfo { hasNextPage }", {"pool": pool_id})

    result = data["userPoolClients"]
    assert result["__typename"] == "UserPoolClientConnection"
    assert {node["clientId"]: node["clientName"] for node in result["nodes"]} == created
    assert result["pageInfo"]["hasNextPage"] is False
    assert gateway.calls == {"ListUserPoolClients": 1}


async def test_user_pool_clients_describe_each_client_when_more_is_selected(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_client(cognito, pool_id, "srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    create_client(
        cognito,
        pool_id,
        "password",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        TokenValidityUnits={"AccessToken": "minutes"},
        AccessTokenValidity=15,
    )
    create_client(cognito, pool_id, "plain")

    data = await gateway.data(
        CLIENTS % "edges { node { clientName explicitAuthFlows tokenValidityUnits { accessToken } } }",
        {"pool": pool_id},
    )

    nodes = {edge["node"]["clientName"]: edge["node"] for edge in data["userPoolClients"]["edges"]}
    assert nodes == {
        "srp": {"clientName": "srp", "explicitAuthFlows": ["ALLOW_USER_SRP_AUTH"], "tokenValidityUnits": None},
        "password": {
            "clientName": "password",
            "explicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "tokenValidityUnits": {"accessToken": "MINUTES"},
        },
        "plain": {"clientName": "plain", "explicitAuthFlows": None, "tokenValidityUnits": None},
    }
    assert gateway.calls == {"ListUserPoolClients": 1, "DescribeUserPoolClient": 3}


async def test_user_pool_clients_page_by_page(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    names = {create_client(cognito, pool_id, f"app-{n}")["ClientName"] for n in range(3)}
    selection = "nodes { clientName } pageInfo { hasNextPage endCursor }"

    first = (await gateway.data(CLIENTS % selection, {"pool": pool_id, "first": 2}))["userPoolClients"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gateway.data(CLIENTS % selection, {"pool": pool_id, "first": 2, "after": after}))["userPoolClients"]

    assert len(first["nodes"]) == 2 and first["pageInfo"]["hasNextPage"] is True
    assert len(rest["nodes"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    assert {node["clientName"] for node in first["nodes"] + rest["nodes"]} == names
    assert gateway.calls == {"ListUserPoolClients": 2}


@pytest.mark.parametrize("first", [0, 61])
async def test_user_pool_clients_first_out_of_range_is_refused_before_any_call(
    gateway: Any, pool_id: str, first: int
) -> None:
    data = await gateway.data(CLIENTS % "nodes { clientId }", {"pool": pool_id, "first": first})

    result = data["userPoolClients"]
    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert str(first) in result["message"]
    assert result["requestId"] is None  # nothing was sent
    assert gateway.calls == {}


async def test_user_pool_clients_of_a_missing_pool(gateway: Any) -> None:
    data = await gateway.data(CLIENTS % "nodes { clientId }", {"pool": "us-east-1_nothere"})

    assert_error(data["userPoolClients"], "ResourceNotFoundError", "ResourceNotFoundException")
    assert gateway.calls == {"ListUserPoolClients": 1}


async def test_user_pool_clients_with_a_foreign_cursor_are_refused(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(CLIENTS % "nodes { clientId }", {"pool": pool_id, "after": "not-a-cursor"})

    assert data["userPoolClients"]["__typename"] == "InvalidParameterError"
    assert data["userPoolClients"]["code"] == "InvalidParameterException"
    assert gateway.calls == {}


async def test_details_selected_in_a_second_occurrence_of_the_field_are_loaded(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_client(cognito, pool_id, "srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])

    data = await gateway.data(
        """query($pool: ID!) {
             userPoolClients(userPoolId: $pool) { ... on UserPoolClientConnection { nodes { clientName } } }
             userPoolClients(userPoolId: $pool) { ... on UserPoolClientConnection { nodes { explicitAuthFlows } } }
           }""",
        {"pool": pool_id},
    )

    assert data["userPoolClients"]["nodes"] == [{"clientName": "srp", "explicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}]


# --- userPoolClient / userPoolClientSecret ---------------------------------------------------------


async def test_user_pool_client(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = create_client(
        cognito,
        pool_id,
        "web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        AccessTokenValidity=60,
        IdTokenValidity=60,
        RefreshTokenValidity=7,
        CallbackURLs=["https://web.example.com/cb"],
        AllowedOAuthFlows=["code", "implicit"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
    )

    data = await gateway.data(
        CLIENT
        % """userPoolId clientId clientName explicitAuthFlows
             tokenValidityUnits { accessToken idToken refreshToken }
             accessTokenValidity idTokenValidity refreshTokenValidity
             callbackUrls allowedOAuthFlows allowedOAuthScopes allowedOAuthFlowsUserPoolClient
             supportedIdentityProviders userPool { id name }""",
        client_key(pool_id, client["ClientId"]),
    )

    assert data["userPoolClient"] == {
        "__typename": "UserPoolClient",
        "userPoolId": pool_id,
        "clientId": client["ClientId"],
        "clientName": "web",
        "explicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "tokenValidityUnits": {"accessToken": "MINUTES", "idToken": "MINUTES", "refreshToken": "DAYS"},
        "accessTokenValidity": 60,
        "idTokenValidity": 60,
        "refreshTokenValidity": 7,
        "callbackUrls": ["https://web.example.com/cb"],
        "allowedOAuthFlows": ["CODE", "IMPLICIT"],
        "allowedOAuthScopes": ["openid"],
        "allowedOAuthFlowsUserPoolClient": True,
        "supportedIdentityProviders": ["COGNITO"],
        "userPool": {"id": pool_id, "name": "test-pool"},
    }
    assert gateway.calls == {"DescribeUserPoolClient": 1, "DescribeUserPool": 1}


async def test_missing_user_pool_client_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(CLIENT % "clientId", client_key(pool_id, "nosuchclient"))

    assert_error(data["userPoolClient"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_user_pool_client_of_a_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    data = await gateway.data(CLIENT % "clientId", client_key("not-a-pool", "abc"))

    assert data["userPoolClient"]["__typename"] == "InvalidParameterError"
    assert data["userPoolClient"]["requestId"] is None
    assert gateway.calls == {}


async def test_user_pool_client_type_has_no_client_secret(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = create_client(cognito, pool_id, "confidential", GenerateSecret=True)

    body = await gateway.query(CLIENT % "clientId clientSecret", client_key(pool_id, client["ClientId"]))

    assert body.get("data") is None
    [error] = body["errors"]
    assert error["message"].startswith("Cannot query field 'clientSecret' on type 'UserPoolClient'.")
    assert gateway.calls == {}


async def test_user_pool_client_secret_of_a_confidential_client(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    client = create_client(cognito, pool_id, "confidential", GenerateSecret=True)

    data = await gateway.data(SECRET, client_key(pool_id, client["ClientId"]))

    assert data["userPoolClientSecret"] == {
        "__typename": "UserPoolClientSecret",
        "userPoolId": pool_id,
        "clientId": client["ClientId"],
        "clientSecret": stored_client(cognito, pool_id, client["ClientId"])["ClientSecret"],
    }
    assert data["userPoolClientSecret"]["clientSecret"]
    assert gateway.calls == {"DescribeUserPoolClient": 1}


async def test_user_pool_client_secret_of_a_public_client_is_null(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    client = create_client(cognito, pool_id, "spa")

    data = await gateway.data(SECRET, client_key(pool_id, client["ClientId"]))

    assert data["userPoolClientSecret"] == {
        "__typename": "UserPoolClientSecret",
        "userPoolId": pool_id,
        "clientId": client["ClientId"],
        "clientSecret": None,
    }


async def test_user_pool_client_secret_of_a_missing_client(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(SECRET, client_key(pool_id, "nosuchclient"))

    assert_error(data["userPoolClientSecret"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_a_client_read_three_ways_in_one_request_is_described_once(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    client = create_client(cognito, pool_id, "confidential", GenerateSecret=True)

    data = await gateway.data(
        """query($pool: ID!, $client: String!) {
             a: userPoolClient(userPoolId: $pool, clientId: $client) { ... on UserPoolClient { clientName } }
             b: userPoolClient(userPoolId: $pool, clientId: $client) { ... on UserPoolClient { clientId } }
             s: userPoolClientSecret(userPoolId: $pool, clientId: $client) {
               ... on UserPoolClientSecret { clientSecret } }
           }""",
        client_key(pool_id, client["ClientId"]),
    )

    assert data == {
        "a": {"clientName": "confidential"},
        "b": {"clientId": client["ClientId"]},
        "s": {"clientSecret": client["ClientSecret"]},
    }
    assert gateway.calls == {"DescribeUserPoolClient": 1}


# --- UserPool.clients -------------------------------------------------------------------------------


async def test_user_pool_clients_nested_in_the_pool(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    ids = {create_client(cognito, pool_id, f"app-{n}")["ClientId"] for n in range(2)}

    data = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             clients { nodes { clientId clientName userPool { id } } } } } }""",
        {"id": pool_id},
    )

    nodes = data["userPool"]["clients"]["nodes"]
    assert {node["clientId"] for node in nodes} == ids
    assert all(node["userPool"] == {"id": pool_id} for node in nodes)
    # The pool is described once, for the pool and for every client's `userPool`.
    assert gateway.calls == {"DescribeUserPool": 1, "ListUserPoolClients": 1}


async def test_user_pool_clients_nested_with_details(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_client(cognito, pool_id, "a", ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"])
    create_client(cognito, pool_id, "b", ExplicitAuthFlows=["ALLOW_USER_AUTH"])

    data = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             clients(first: 10) { nodes { clientName explicitAuthFlows } } } } }""",
        {"id": pool_id},
    )

    nodes = sorted(data["userPool"]["clients"]["nodes"], key=lambda node: node["clientName"])
    assert nodes == [
        {"clientName": "a", "explicitAuthFlows": ["ALLOW_CUSTOM_AUTH"]},
        {"clientName": "b", "explicitAuthFlows": ["ALLOW_USER_AUTH"]},
    ]
    assert gateway.calls == {"DescribeUserPool": 1, "ListUserPoolClients": 1, "DescribeUserPoolClient": 2}


async def test_nested_clients_first_out_of_range_is_an_error_entry(gateway: Any, pool_id: str) -> None:
    body = await gateway.query(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             name clients(first: 0) { nodes { clientId } } } } }""",
        {"id": pool_id},
    )

    assert body["data"] == {"userPool": {"name": "test-pool", "clients": None}}
    [error] = body["errors"]
    assert error["path"] == ["userPool", "clients"]
    assert error["extensions"]["code"] == "InvalidParameterException"
    assert gateway.calls == {"DescribeUserPool": 1}


# --- createUserPoolClient ---------------------------------------------------------------------------


async def test_create_user_pool_client_with_a_secret_and_many_members(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate(
        "createUserPoolClient",
        {"userPoolId": pool_id, "generateSecret": True, **FULL_INPUT},
        f"clientSecret userPoolClient {{ {CLIENT_FIELDS} }}",
    )

    assert result["__typename"] == "CreateUserPoolClientPayload"
    created = result["userPoolClient"]
    stored = stored_client(cognito, pool_id, created["clientId"])
    assert result["clientSecret"] == stored["ClientSecret"]
    assert result["clientSecret"]
    assert created == {"userPoolId": pool_id, "clientId": stored["ClientId"], **FULL_INPUT}
    # What Cognito keeps, in its own spelling.
    assert stored["ExplicitAuthFlows"] == FULL_INPUT["explicitAuthFlows"]
    assert stored["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "days"}
    assert stored["CallbackURLs"] == ["https://app.example.com/callback"]
    assert stored["DefaultRedirectURI"] == "https://app.example.com/callback"
    assert stored["AllowedOAuthFlows"] == ["code"]
    assert stored["AnalyticsConfiguration"] == {
        "ApplicationId": "pinpoint-app",
        "RoleArn": ROLE,
        "UserDataShared": True,
    }
    assert stored["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
    assert stored["PreventUserExistenceErrors"] == "ENABLED"
    assert gateway.calls == {"CreateUserPoolClient": 1}


async def test_create_public_user_pool_client_has_no_secret(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "createUserPoolClient",
        {
            "userPoolId": pool_id,
            "clientName": "spa",
            "generateSecret": False,
            "allowedOAuthFlows": ["CLIENT_CREDENTIALS"],
        },
        "clientSecret userPoolClient { clientId clientName allowedOAuthFlows userPool { id } }",
    )

    assert result["clientSecret"] is None
    client_id = result["userPoolClient"].pop("clientId")
    assert result["userPoolClient"] == {
        "clientName": "spa",
        "allowedOAuthFlows": ["CLIENT_CREDENTIALS"],
        "userPool": {"id": pool_id},
    }
    assert "ClientSecret" not in stored_client(cognito, pool_id, client_id)


async def test_create_user_pool_client_in_a_missing_pool(gateway: Any) -> None:
    result = await gateway.mutate("createUserPoolClient", {"userPoolId": "us-east-1_nothere", "clientName": "x"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_create_user_pool_client_with_an_empty_name_is_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate("createUserPoolClient", {"userPoolId": pool_id, "clientName": ""})

    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert result["requestId"] is None
    assert gateway.calls == {}
    assert cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"] == []


# --- updateUserPoolClient / deleteUserPoolClient ----------------------------------------------------


async def test_update_user_pool_client(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    client = create_client(cognito, pool_id, "before", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    changes = {
        "clientName": "after",
        "accessTokenValidity": 5,
        "tokenValidityUnits": {"accessToken": "HOURS"},
        "explicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "logoutUrls": ["https://app.example.com/bye"],
    }

    result = await gateway.mutate(
        "updateUserPoolClient",
        {"userPoolId": pool_id, "clientId": client["ClientId"], **changes},
        "userPoolClient { clientId clientName accessTokenValidity tokenValidityUnits { accessToken } "
        "explicitAuthFlows logoutUrls }",
    )

    assert result == {
        "__typename": "UpdateUserPoolClientPayload",
        "userPoolClient": {
            "clientId": client["ClientId"],
            "clientName": "after",
            "accessTokenValidity": 5,
            "tokenValidityUnits": {"accessToken": "HOURS"},
            "explicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "logoutUrls": ["https://app.example.com/bye"],
        },
    }
    stored = stored_client(cognito, pool_id, client["ClientId"])
    assert stored["ClientName"] == "after"
    assert stored["AccessTokenValidity"] == 5
    assert stored["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert stored["ClientSecret"] == client["ClientSecret"]  # an update never changes the secret
    assert gateway.calls == {"UpdateUserPoolClient": 1}


async def test_update_missing_user_pool_client_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate(
        "updateUserPoolClient", {"userPoolId": pool_id, "clientId": "nosuchclient", "clientName": "x"}
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_delete_user_pool_client(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    doomed = create_client(cognito, pool_id, "doomed")
    kept = create_client(cognito, pool_id, "kept")

    result = await gateway.mutate(
        "deleteUserPoolClient", {"userPoolId": pool_id, "clientId": doomed["ClientId"]}, "userPoolId clientId"
    )

    assert result == {
        "__typename": "DeleteUserPoolClientPayload",
        "userPoolId": pool_id,
        "clientId": doomed["ClientId"],
    }
    remaining = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    assert [client["ClientId"] for client in remaining] == [kept["ClientId"]]
    with pytest.raises(ClientError) as error:
        stored_client(cognito, pool_id, doomed["ClientId"])
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"

    data = await gateway.data(CLIENT % "clientId", client_key(pool_id, doomed["ClientId"]))
    assert_error(data["userPoolClient"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_delete_missing_user_pool_client_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("deleteUserPoolClient", {"userPoolId": pool_id, "clientId": "nosuchclient"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
