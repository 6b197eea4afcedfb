"""Resource servers (OAuth 2.0 APIs and their custom scopes): type, queries and mutations."""

from typing import Any, Optional

import strawberry

from gateway.auth import Role
from gateway.graphql.context import Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import Connection, PoolList
from gateway.graphql.shapes import cognito_type, from_cognito


@cognito_type("ResourceServerType")
class ResourceServer:
    pass


def resource_server_from(data: dict[str, Any]) -> ResourceServer:
    return from_cognito(ResourceServer, data)


@strawberry.type
class ResourceServerConnection(Connection[ResourceServer]):
    pass


RESOURCE_SERVERS = PoolList(ResourceServerConnection, "ListResourceServers", ResourceServer)


ResourceServersResult = result_union("ResourceServersResult", ResourceServerConnection, "ListResourceServers")
ResourceServerResult = result_union("ResourceServerResult", ResourceServer, "DescribeResourceServer")


@strawberry.type
class ResourceServerQueries:
    @strawberry.field(
        description="The resource servers of a user pool (ListResourceServers).",
        extensions=calls("ListResourceServers", role=Role.VIEWER),
    )
    async def resource_servers(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        first: int = RESOURCE_SERVERS.page_size,
        after: Optional[str] = None,
    ) -> ResourceServersResult:
        return await RESOURCE_SERVERS.page(info.context, user_pool_id, first, after)

    @strawberry.field(
        description="One resource server by identifier (DescribeResourceServer).",
        extensions=calls("DescribeResourceServer", role=Role.VIEWER),
    )
    async def resource_server(self, info: Info, user_pool_id: strawberry.ID, identifier: str) -> ResourceServerResult:
        response = await info.context.loaders.read(
            "DescribeResourceServer", UserPoolId=user_pool_id, Identifier=identifier
        )
        return resource_server_from(response["ResourceServer"])


@strawberry.type
class ResourceServerIdentifiers:
    user_pool_id: strawberry.ID
    identifier: str


@strawberry.type
class ResourceServerMutations:
    create_resource_server = mutation("CreateResourceServer", payload_type("CreateResourceServer"), role=Role.ADMIN)
    update_resource_server = mutation("UpdateResourceServer", payload_type("UpdateResourceServer"), role=Role.ADMIN)
    delete_resource_server = mutation(
        "DeleteResourceServer",
        payload_type("DeleteResourceServer", ResourceServerIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId", "Identifier"),
    )
