"""App clients: the ``UserPoolClient`` type, its queries and mutations.

The client secret is never a field of ``UserPoolClient``: only ``createUserPoolClient``'s payload and the
``userPoolClientSecret`` query carry it, so lists and dashboards never do (``UserPoolClient.secrets`` lists the
secrets' IDs and dates for their rotation, :mod:`gateway.graphql.client_secrets`).
"""

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from gateway.auth import Role
from gateway.graphql import branding, pool_security, terms
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import PAGE_SIZE, Connection, list_connection, selects_beyond, summary_fields
from gateway.graphql.permissions import requires
from gateway.graphql.shapes import cognito_type, from_cognito

if TYPE_CHECKING:
    from gateway.graphql.client_secrets import ClientSecretDescriptor
    from gateway.graphql.user_pools import UserPool

UserPoolRef = Annotated["UserPool", strawberry.lazy("gateway.graphql.user_pools")]
ClientSecretDescriptorRef = Annotated["ClientSecretDescriptor", strawberry.lazy("gateway.graphql.client_secrets")]


@cognito_type("UserPoolClientType")
class UserPoolClient:
    @strawberry.field(
        description="The user pool the app client belongs to.", extensions=calls("DescribeUserPool", role=Role.VIEWER)
    )
    async def user_pool(self, info: Info) -> Optional[UserPoolRef]:
        from gateway.graphql.user_pools import user_pool_by_id

        return await user_pool_by_id(info.context, self.user_pool_id)

    @strawberry.field(
        description="The client's managed login branding style (DescribeManagedLoginBrandingByClient); null without one.",
        extensions=calls("DescribeManagedLoginBrandingByClient", role=Role.VIEWER),
    )
    async def managed_login_branding(
        self,
        info: Info,
        return_merged_resources: branding.ReturnMergedResources = False,
    ) -> Optional[branding.ManagedLoginBranding]:
        return await branding.branding_of_client(
            info.context, self.user_pool_id, self.client_id, return_merged_resources
        )

    @strawberry.field(
        description="The client's terms document of that name (DescribeTermsByClient); null without one.",
        extensions=calls("DescribeTermsByClient", role=Role.VIEWER),
    )
    async def terms(self, info: Info, terms_name: str) -> Optional[terms.Terms]:
        return await terms.terms_of_client(info.context, self.user_pool_id, self.client_id, terms_name)

    risk_configuration = pool_security.client_risk_configuration
    ui_customization = pool_security.client_ui_customization

    @strawberry.field(
        description="The app client's secrets (ListUserPoolClientSecrets): their IDs and dates, never their values.",
        extensions=calls("ListUserPoolClientSecrets", role=Role.ADMIN),
    )
    async def secrets(self, info: Info) -> Optional[list[ClientSecretDescriptorRef]]:
        from gateway.graphql.client_secrets import client_secrets

        return await client_secrets(info.context, self.user_pool_id, self.client_id)


async def describe_client(context: Context, user_pool_id: str, client_id: str) -> dict[str, Any]:
    """DescribeUserPoolClient's answer, secret included: callers decide what to expose."""
    response = await context.loaders.read("DescribeUserPoolClient", UserPoolId=user_pool_id, ClientId=client_id)
    return response["UserPoolClient"]


async def user_pool_client(context: Context, user_pool_id: str, client_id: str) -> UserPoolClient:
    return from_cognito(UserPoolClient, await describe_client(context, user_pool_id, client_id))


@strawberry.type
class UserPoolClientConnection(Connection[UserPoolClient]):
    pass


_SUMMARY_FIELDS = summary_fields(
    "UserPoolClientDescription",
    "user_pool",
    "managed_login_branding",
    "terms",
    "secrets",
    *pool_security.CLIENT_FIELDS,
)


async def list_clients(info: Info, user_pool_id: str, first: int, after: Optional[str]) -> UserPoolClientConnection:
    context = info.context

    async def describe(clients: list[Any]) -> list[Any]:
        return await asyncio.gather(*(describe_client(context, user_pool_id, c["ClientId"]) for c in clients))

    return await list_connection(
        context,
        UserPoolClientConnection,
        "ListUserPoolClients",
        lambda data: from_cognito(UserPoolClient, data),
        first,
        after,
        expand=describe if selects_beyond(info, _SUMMARY_FIELDS) else None,
        UserPoolId=user_pool_id,
    )


@strawberry.type(description="An app client's secret (null for a public client). Read it only where you must.")
class UserPoolClientSecret:
    user_pool_id: strawberry.ID
    client_id: str
    client_secret: Optional[str] = strawberry.field(extensions=[requires(Role.ADMIN)])


UserPoolClientsResult = result_union("UserPoolClientsResult", UserPoolClientConnection, "ListUserPoolClients")
UserPoolClientResult = result_union("UserPoolClientResult", UserPoolClient, "DescribeUserPoolClient")
UserPoolClientSecretResult = result_union("UserPoolClientSecretResult", UserPoolClientSecret, "DescribeUserPoolClient")


@strawberry.type
class ClientQueries:
    @strawberry.field(
        description="The app clients of a user pool (ListUserPoolClients).",
        extensions=calls("ListUserPoolClients", role=Role.VIEWER, each_node="DescribeUserPoolClient"),
    )
    async def user_pool_clients(
        self, info: Info, user_pool_id: strawberry.ID, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> UserPoolClientsResult:
        return await list_clients(info, user_pool_id, first, after)

    @strawberry.field(
        description="One app client (DescribeUserPoolClient), without its secret.",
        extensions=calls("DescribeUserPoolClient", role=Role.VIEWER),
    )
    async def user_pool_client(self, info: Info, user_pool_id: strawberry.ID, client_id: str) -> UserPoolClientResult:
        return await user_pool_client(info.context, user_pool_id, client_id)

    @strawberry.field(
        description="An app client's secret (DescribeUserPoolClient): the one query that returns it.",
        extensions=calls("DescribeUserPoolClient", role=Role.ADMIN),
    )
    async def user_pool_client_secret(
        self, info: Info, user_pool_id: strawberry.ID, client_id: str
    ) -> UserPoolClientSecretResult:
        client = await describe_client(info.context, user_pool_id, client_id)
        return UserPoolClientSecret(
            user_pool_id=user_pool_id, client_id=client_id, client_secret=client.get("ClientSecret")
        )


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class CreatedClientSecret:
    client_secret: Optional[str] = strawberry.field(
        description="The new client's secret (with generateSecret: true), returned this once.",
        extensions=[requires(Role.ADMIN)],
    )


@strawberry.type
class UserPoolClientIdentifiers:
    user_pool_id: strawberry.ID
    client_id: str


CreateUserPoolClientPayload = payload_type("CreateUserPoolClient", CreatedClientSecret)


def _client_created(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
    secret = response["UserPoolClient"].get("ClientSecret")
    return from_cognito(CreateUserPoolClientPayload, response, fields={"client_secret": secret})


@strawberry.type
class ClientMutations:
    create_user_pool_client = mutation(
        "CreateUserPoolClient", CreateUserPoolClientPayload, _client_created, role=Role.ADMIN
    )
    update_user_pool_client = mutation("UpdateUserPoolClient", payload_type("UpdateUserPoolClient"), role=Role.ADMIN)
    delete_user_pool_client = mutation(
        "DeleteUserPoolClient",
        payload_type("DeleteUserPoolClient", UserPoolClientIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId", "ClientId"),
    )
