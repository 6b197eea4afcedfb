"""Resource servers (OAuth 2.0 APIs and their custom scopes): type, queries and mutations."""

from typing import Any, Optional

import strawberry

from gateway.auth import Role
from gateway.cognito import model
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import Connection, list_connection
from gateway.graphql.shapes import cognito_type, from_cognito

# ListResourceServers pages up to 50, not 60 like the other lists: `first` defaults to one page of it.
PAGE_SIZE = model.page_size_limit("ListResourceServers")


@cognito_type("ResourceServerType")
class ResourceServer:
    pass


def resource_server_from(data: dict[str, Any]) -> ResourceServer:
    return from_cognito(ResourceServer, data)


@strawberry.type
class ResourceServerConnection(Connection[ResourceServer]):
    pass


async def list_resource_servers(
    context: Context, user_pool_id: str, first: int, after: Optional[str]
) -> ResourceServerConnection:
    return await list_connection(
        context,
        ResourceServerConnection,
        "ListResourceServers",
        resource_server_from,
        first,
        after,
        UserPoolId=user_pool_id,
    )


ResourceServersResult = result_union("ResourceServersResult", ResourceServerConnection, "ListResourceServers")
ResourceServerResult = result_union("ResourceServerResult", ResourceServer, "DescribeResourceServer")


@strawberry.type
class ResourceServerQueries:
    @strawberry.field(
        description="The resource servers of a user pool (ListResourceServers).",
        extensions=calls("ListResourceServers", role=Role.VIEWER),
    )
    async def resource_servers(
        self, info: Info, user_pool_id: strawberry.ID, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> ResourceServersResult:
        return await list_resource_servers(info.context, user_pool_id, first, after)

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
