"""Resource servers: `resourceServers`, `resourceServer`, `UserPool.resourceServers` and the resource server
mutations, through HTTP against the real app and the moto server."""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.helpers import assert_error

API = "https://api.example.com"
SCOPES = [
    {"scopeName": "orders.read", "scopeDescription": "Read orders"},
    {"scopeName": "orders.write", "scopeDescription": "Write orders"},
]
SERVER_FIELDS = "userPoolId identifier name scopes { scopeName scopeDescription }"

SERVERS = """
query($pool: ID!, $first: Int = 50, $after: String) {
  resourceServers(userPoolId: $pool, first: $first, after: $after) {
    __typename
    ... on CognitoError { code message requestId }
    ... on ResourceServerConnection { %s }
  }
}"""

SERVER = """
query($pool: ID!, $identifier: String!) {
  resourceServer(userPoolId: $pool, identifier: $identifier) {
    __typename
    ... on CognitoError { code message requestId }
    ... on ResourceServer { %s }
  }
}"""


def cognito_scopes(scopes: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"ScopeName": s["scopeName"], "ScopeDescription": s["scopeDescription"]} for s in scopes]


def create_server(
    cognito: BaseClient, pool_id: str, identifier: str = API, name: str = "orders", scopes: Any = SCOPES
) -> None:
    cognito.create_resource_server(UserPoolId=pool_id, Identifier=identifier, Name=name, Scopes=cognito_scopes(scopes))


def stored_server(cognito: BaseClient, pool_id: str, identifier: str = API) -> dict[str, Any]:
    return cognito.describe_resource_server(UserPoolId=pool_id, Identifier=identifier)["ResourceServer"]


def server_key(pool_id: str, identifier: str = API) -> dict[str, str]:
    return {"userPoolId": pool_id, "identifier": identifier}


# --- createResourceServer ---------------------------------------------------------------------------


async def test_create_resource_server_with_scopes(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "createResourceServer",
        {**server_key(pool_id), "name": "orders", "scopes": SCOPES},
        f"resourceServer {{ {SERVER_FIELDS} }}",
    )

    assert result == {
        "__typename": "CreateResourceServerPayload",
        "resourceServer": {"userPoolId": pool_id, "identifier": API, "name": "orders", "scopes": SCOPES},
    }
    assert stored_server(cognito, pool_id) == {
        "UserPoolId": pool_id,
        "Identifier": API,
        "Name": "orders",
        "Scopes": cognito_scopes(SCOPES),
    }
    assert gateway.calls == {"CreateResourceServer": 1}


async def test_create_resource_server_twice_is_refused(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id, name="first")

    result = await gateway.mutate("createResourceServer", {**server_key(pool_id), "name": "second"})

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert stored_server(cognito, pool_id)["Name"] == "first"


async def test_create_resource_server_in_a_missing_pool(gateway: Any) -> None:
    result = await gateway.mutate("createResourceServer", {**server_key("us-east-1_nothere"), "name": "orders"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_create_resource_server_with_an_empty_scope_description_is_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate(
        "createResourceServer",
        {**server_key(pool_id), "name": "orders", "scopes": [{"scopeName": "read", "scopeDescription": ""}]},
    )

    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert result["requestId"] is None
    assert gateway.calls == {}
    assert cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"] == []


# --- resourceServers / UserPool.resourceServers -----------------------------------------------------


async def test_resource_servers(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)
    create_server(cognito, pool_id, "https://billing.example.com", "billing", scopes=[])

    data = await gateway.data(SERVERS % f"nodes {{ {SERVER_FIELDS} }} pageInfo {{ hasNextPage }}", {"pool": pool_id})

    result = data["resourceServers"]
    assert result["__typename"] == "ResourceServerConnection"
    assert sorted(result["nodes"], key=lambda node: node["name"]) == [
        # moto leaves `Scopes` out of a server that has none
        {"userPoolId": pool_id, "identifier": "https://billing.example.com", "name": "billing", "scopes": None},
        {"userPoolId": pool_id, "identifier": API, "name": "orders", "scopes": SCOPES},
    ]
    assert result["pageInfo"]["hasNextPage"] is False
    assert gateway.calls == {"ListResourceServers": 1}


async def test_resource_servers_page_by_page(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    for n in range(3):
        create_server(cognito, pool_id, f"https://api-{n}.example.com", f"api-{n}", scopes=[])
    selection = "nodes { name } pageInfo { hasNextPage endCursor }"

    first = (await gateway.data(SERVERS % selection, {"pool": pool_id, "first": 2}))["resourceServers"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gateway.data(SERVERS % selection, {"pool": pool_id, "first": 2, "after": after}))["resourceServers"]

    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    assert sorted(node["name"] for node in first["nodes"] + rest["nodes"]) == ["api-0", "api-1", "api-2"]
    assert gateway.calls == {"ListResourceServers": 2}


async def test_resource_servers_with_the_default_page_size(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)

    data = await gateway.data(
        """query($pool: ID!) { resourceServers(userPoolId: $pool) {
             __typename ... on CognitoError { code message }
             ... on ResourceServerConnection { nodes { identifier } } } }""",
        {"pool": pool_id},
    )

    assert data["resourceServers"] == {"__typename": "ResourceServerConnection", "nodes": [{"identifier": API}]}


@pytest.mark.parametrize("first", [0, 51])
async def test_resource_servers_first_out_of_range_is_refused_before_any_call(
    gateway: Any, pool_id: str, first: int
) -> None:
    data = await gateway.data(SERVERS % "nodes { identifier }", {"pool": pool_id, "first": first})

    result = data["resourceServers"]
    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert str(first) in result["message"]
    assert result["requestId"] is None
    assert gateway.calls == {}


async def test_resource_servers_of_a_missing_pool(gateway: Any) -> None:
    data = await gateway.data(SERVERS % "nodes { identifier }", {"pool": "us-east-1_nothere"})

    assert_error(data["resourceServers"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_user_pool_resource_servers(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)

    data = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             name resourceServers(first: 10) { nodes { identifier name scopes { scopeName } } } } } }""",
        {"id": pool_id},
    )

    assert data["userPool"] == {
        "name": "test-pool",
        "resourceServers": {
            "nodes": [
                {
                    "identifier": API,
                    "name": "orders",
                    "scopes": [{"scopeName": "orders.read"}, {"scopeName": "orders.write"}],
                }
            ]
        },
    }
    assert gateway.calls == {"DescribeUserPool": 1, "ListResourceServers": 1}


async def test_user_pool_resource_servers_with_the_default_page_size(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_server(cognito, pool_id)

    data = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool { resourceServers { nodes { identifier } } } } }""",
        {"id": pool_id},
    )

    assert data["userPool"] == {"resourceServers": {"nodes": [{"identifier": API}]}}


async def test_nested_resource_servers_first_out_of_range_is_an_error_entry(gateway: Any, pool_id: str) -> None:
    body = await gateway.query(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             name resourceServers(first: 0) { nodes { name } } } } }""",
        {"id": pool_id},
    )

    assert body["data"] == {"userPool": {"name": "test-pool", "resourceServers": None}}
    [error] = body["errors"]
    assert error["path"] == ["userPool", "resourceServers"]
    assert error["extensions"]["code"] == "InvalidParameterException"
    assert gateway.calls == {"DescribeUserPool": 1}


# --- resourceServer ---------------------------------------------------------------------------------


async def test_resource_server(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)

    data = await gateway.data(SERVER % SERVER_FIELDS, {"pool": pool_id, "identifier": API})

    assert data["resourceServer"] == {
        "__typename": "ResourceServer",
        "userPoolId": pool_id,
        "identifier": API,
        "name": "orders",
        "scopes": SCOPES,
    }
    assert gateway.calls == {"DescribeResourceServer": 1}


async def test_missing_resource_server_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(SERVER % "identifier", {"pool": pool_id, "identifier": "https://nothere.example.com"})

    assert_error(data["resourceServer"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_resource_server_of_a_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    data = await gateway.data(SERVER % "identifier", {"pool": "not-a-pool", "identifier": API})

    assert data["resourceServer"]["__typename"] == "InvalidParameterError"
    assert data["resourceServer"]["requestId"] is None
    assert gateway.calls == {}


# --- updateResourceServer ---------------------------------------------------------------------------


async def test_update_resource_server(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)
    scopes = [
        {"scopeName": "orders.read", "scopeDescription": "Read every order"},
        {"scopeName": "orders.admin", "scopeDescription": "Administer orders"},
    ]

    result = await gateway.mutate(
        "updateResourceServer",
        {**server_key(pool_id), "name": "orders v2", "scopes": scopes},
        f"resourceServer {{ {SERVER_FIELDS} }}",
    )

    assert result == {
        "__typename": "UpdateResourceServerPayload",
        "resourceServer": {"userPoolId": pool_id, "identifier": API, "name": "orders v2", "scopes": scopes},
    }
    stored = stored_server(cognito, pool_id)
    assert stored["Name"] == "orders v2"
    assert stored["Scopes"] == cognito_scopes(scopes)  # the update replaces the scopes: orders.write is gone
    assert gateway.calls == {"UpdateResourceServer": 1}


async def test_resource_server_read_after_its_update(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)

    await gateway.mutate("updateResourceServer", {**server_key(pool_id), "name": "renamed", "scopes": SCOPES[1:]})
    data = await gateway.data(SERVER % "name scopes { scopeName }", {"pool": pool_id, "identifier": API})

    assert data["resourceServer"] == {
        "__typename": "ResourceServer",
        "name": "renamed",
        "scopes": [{"scopeName": "orders.write"}],
    }


async def test_update_missing_resource_server_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate(
        "updateResourceServer", {**server_key(pool_id, "https://nothere.example.com"), "name": "x"}
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- deleteResourceServer ---------------------------------------------------------------------------


async def test_delete_resource_server(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_server(cognito, pool_id)
    create_server(cognito, pool_id, "https://billing.example.com", "billing", scopes=[])

    result = await gateway.mutate("deleteResourceServer", server_key(pool_id), "userPoolId identifier")

    assert result == {"__typename": "DeleteResourceServerPayload", "userPoolId": pool_id, "identifier": API}
    remaining = cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
    assert [server["Identifier"] for server in remaining] == ["https://billing.example.com"]
    with pytest.raises(ClientError) as error:
        stored_server(cognito, pool_id)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert gateway.calls == {"DeleteResourceServer": 1}


async def test_delete_missing_resource_server_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("deleteResourceServer", server_key(pool_id, "https://nothere.example.com"))

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
