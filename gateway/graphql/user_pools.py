"""User pools: the ``UserPool`` type, ``userPools``/``userPool`` queries, pool mutations and pool settings
(MFA configuration, custom attributes, the hosted domain, tags)."""

from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from gateway.auth import Role
from gateway.graphql import pool_security
from gateway.graphql.clients import UserPoolClientConnection, list_clients
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.groups import GroupConnection, list_groups
from gateway.graphql.identity_providers import IdentityProviderConnection, list_providers
from gateway.graphql.memberships import MEMBERSHIP_INPUTS
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import (
    FILTERED_PAGES,
    PAGE_SIZE,
    Connection,
    list_connection,
    selected_node_fields,
    selects_beyond,
    summary_fields,
)
from gateway.graphql.replicas import LIST_PAGES as REPLICA_PAGES
from gateway.graphql.replicas import UserPoolReplica, list_replicas
from gateway.graphql.resource_servers import RESOURCE_SERVERS, ResourceServerConnection
from gateway.graphql.shapes import cognito_type, from_cognito
from gateway.graphql.terms import TERMS, TermsConnection, list_terms
from gateway.graphql.user_import import USER_IMPORT_JOBS, UserImportJobConnection, csv_header
from gateway.graphql.users import UserConnection, UserFilterInput, list_users


@cognito_type("GetUserPoolMfaConfigResponse", name="UserPoolMfaConfig")
class UserPoolMfaConfig:
    pass


@cognito_type("DomainDescriptionType")
class DomainDescription:
    pass


async def mfa_config(context: Context, user_pool_id: str) -> UserPoolMfaConfig:
    return from_cognito(UserPoolMfaConfig, await context.loaders.read("GetUserPoolMfaConfig", UserPoolId=user_pool_id))


async def tags_of(context: Context, resource_arn: str) -> dict[str, str]:
    return (await context.loaders.read("ListTagsForResource", ResourceArn=resource_arn)).get("Tags") or {}


@cognito_type("UserPoolType")
class UserPool:
    @strawberry.field(
        description="The pool's users (ListUsers), optionally filtered.",
        extensions=calls("ListUsers", role=Role.VIEWER, also=MEMBERSHIP_INPUTS),
    )
    async def users(
        self,
        info: Info,
        filter: Optional[UserFilterInput] = None,
        first: int = PAGE_SIZE,
        after: Optional[str] = None,
    ) -> Optional[UserConnection]:
        return await list_users(
            info.context, self.id, filter, first, after, with_groups="groups" in selected_node_fields(info)
        )

    @strawberry.field(description="The pool's groups (ListGroups).", extensions=calls("ListGroups", role=Role.VIEWER))
    async def groups(
        self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> Optional[GroupConnection]:
        return await list_groups(info.context, self.id, first, after)

    @strawberry.field(
        description="The pool's app clients (ListUserPoolClients).",
        extensions=calls("ListUserPoolClients", role=Role.VIEWER, each_node="DescribeUserPoolClient"),
    )
    async def clients(
        self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> Optional[UserPoolClientConnection]:
        return await list_clients(info, self.id, first, after)

    @strawberry.field(
        description="The pool's identity providers (ListIdentityProviders).",
        extensions=calls("ListIdentityProviders", role=Role.VIEWER, each_node="DescribeIdentityProvider"),
    )
    async def identity_providers(
        self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> Optional[IdentityProviderConnection]:
        return await list_providers(info, self.id, first, after)

    @strawberry.field(
        description="The pool's resource servers (ListResourceServers).",
        extensions=calls("ListResourceServers", role=Role.VIEWER),
    )
    async def resource_servers(
        self, info: Info, first: int = RESOURCE_SERVERS.page_size, after: Optional[str] = None
    ) -> Optional[ResourceServerConnection]:
        return await RESOURCE_SERVERS.page(info.context, self.id, first, after)

    @strawberry.field(
        description="The pool's terms documents (ListTerms).",
        extensions=calls("ListTerms", role=Role.VIEWER, each_node="DescribeTerms"),
    )
    async def terms(
        self, info: Info, first: int = TERMS.page_size, after: Optional[str] = None
    ) -> Optional[TermsConnection]:
        return await list_terms(info, self.id, first, after)

    @strawberry.field(
        description="The pool's MFA, SMS, email and WebAuthn settings (GetUserPoolMfaConfig).",
        extensions=calls("GetUserPoolMfaConfig", role=Role.VIEWER),
    )
    async def mfa_config(self, info: Info) -> Optional[UserPoolMfaConfig]:
        return await mfa_config(info.context, self.id)

    @strawberry.field(
        description="The pool's hosted domain, described (DescribeUserPoolDomain); null without one.",
        extensions=calls("DescribeUserPoolDomain", role=Role.VIEWER),
    )
    async def domain_description(self, info: Info) -> Optional[DomainDescription]:
        domain = self.custom_domain or self.domain
        if not domain:
            return None
        response = await info.context.loaders.read("DescribeUserPoolDomain", Domain=domain)
        return from_cognito(DomainDescription, response["DomainDescription"])

    @strawberry.field(
        description="The pool's tags (ListTagsForResource).", extensions=calls("ListTagsForResource", role=Role.VIEWER)
    )
    async def tags(self, info: Info) -> Optional[JSON]:
        return await tags_of(info.context, self.arn)

    @strawberry.field(
        description="The columns of a user import file for this pool (GetCSVHeader).",
        extensions=calls("GetCSVHeader", role=Role.VIEWER),
    )
    async def csv_header(self, info: Info) -> Optional[list[str]]:
        return await csv_header(info.context, self.id)

    @strawberry.field(
        description="The pool's user import jobs (ListUserImportJobs).",
        extensions=calls("ListUserImportJobs", role=Role.VIEWER),
    )
    async def user_import_jobs(
        self, info: Info, first: int = USER_IMPORT_JOBS.page_size, after: Optional[str] = None
    ) -> Optional[UserImportJobConnection]:
        return await USER_IMPORT_JOBS.page(info.context, self.id, first, after)

    risk_configuration = pool_security.pool_risk_configuration
    log_delivery_configuration = pool_security.pool_log_delivery_configuration
    ui_customization = pool_security.pool_ui_customization
    signing_certificate = pool_security.pool_signing_certificate

    @strawberry.field(
        description="The pool's replicas, its primary first (ListUserPoolReplicas).",
        extensions=calls("ListUserPoolReplicas", role=Role.VIEWER, pages=REPLICA_PAGES),
    )
    async def replicas(self, info: Info) -> Optional[list[UserPoolReplica]]:
        return await list_replicas(info.context, self.id)


async def user_pool_by_id(context: Context, user_pool_id: str) -> UserPool:
    return from_cognito(UserPool, await context.loaders.user_pool.load(user_pool_id))


@strawberry.type
class UserPoolConnection(Connection[UserPool]):
    pass


# What ListUserPools gives of a pool, and the fields that need no more than that.
_SUMMARY_FIELDS = summary_fields(
    "UserPoolDescriptionType",
    "users",
    "groups",
    "clients",
    "identity_providers",
    "resource_servers",
    "terms",
    "mfa_config",
    "csv_header",
    "user_import_jobs",
    "replicas",
    *pool_security.POOL_FIELDS,
)


async def list_user_pools(info: Info, region: Optional[str], first: int, after: Optional[str]) -> UserPoolConnection:
    context = info.context

    async def describe(pools: list[Any]) -> list[Any]:
        return await context.loaders.user_pool.load_many([pool["Id"] for pool in pools])

    # ListUserPools gives a summary of each pool; when the query asks for more, the pools are described
    # through the loader (once per pool, concurrently), otherwise no more calls are made.
    return await list_connection(
        context,
        UserPoolConnection,
        "ListUserPools",
        lambda data: from_cognito(UserPool, data),
        first,
        after,
        expand=describe if selects_beyond(info, _SUMMARY_FIELDS) else None,
        # A caller granted some pools lists those only (and their nested fields check the pool again).
        keep=None if context.caller.pools is None else lambda pool: context.caller.may(Role.VIEWER, pool["Id"]),
        region=region or context.cognito.default_region,
    )


UserPoolsResult = result_union("UserPoolsResult", UserPoolConnection, "ListUserPools")
UserPoolResult = result_union("UserPoolResult", UserPool, "DescribeUserPool")


@strawberry.type
class UserPoolQueries:
    @strawberry.field(
        description="The user pools of one region (ListUserPools); the configured region by default.",
        # Filtered for a caller granted some pools, a page may take several Cognito pages.
        extensions=calls("ListUserPools", role=Role.VIEWER, pages=FILTERED_PAGES, each_node="DescribeUserPool"),
    )
    async def user_pools(
        self, info: Info, region: Optional[str] = None, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> UserPoolsResult:
        return await list_user_pools(info, region, first, after)

    @strawberry.field(
        description="One user pool (DescribeUserPool).", extensions=calls("DescribeUserPool", role=Role.VIEWER)
    )
    async def user_pool(self, info: Info, id: strawberry.ID) -> UserPoolResult:
        return await user_pool_by_id(info.context, id)


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class UserPoolIdentifiers:
    user_pool_id: strawberry.ID


@strawberry.type
class UserPoolChange(UserPoolIdentifiers):
    @strawberry.field(
        description="The user pool, read after the change.", extensions=calls("DescribeUserPool", role=Role.VIEWER)
    )
    async def user_pool(self, info: Info) -> Optional[UserPool]:
        return await user_pool_by_id(info.context, self.user_pool_id)


# --- pool settings ---------------------------------------------------------------------------------


@strawberry.type
class DomainChange(UserPoolChange):
    domain: str


@strawberry.type
class TagsChange:
    resource_arn: str

    @strawberry.field(
        description="The resource's tags, read after the change.",
        extensions=calls("ListTagsForResource", role=Role.VIEWER),
    )
    async def tags(self, info: Info) -> Optional[JSON]:
        return await tags_of(info.context, self.resource_arn)


def _pool_change(operation: str, base: type = UserPoolChange, identifiers: tuple[str, ...] = ("UserPoolId",)) -> Any:
    return mutation(operation, payload_type(operation, base), role=Role.ADMIN, identifiers=identifiers)


_DOMAIN = ("UserPoolId", "Domain")


@strawberry.type
class UserPoolMutations:
    create_user_pool = mutation("CreateUserPool", payload_type("CreateUserPool"), role=Role.ADMIN)
    update_user_pool = _pool_change("UpdateUserPool")
    delete_user_pool = _pool_change("DeleteUserPool", UserPoolIdentifiers)
    set_user_pool_mfa_config = _pool_change("SetUserPoolMfaConfig")
    add_custom_attributes = _pool_change("AddCustomAttributes")
    create_user_pool_domain = _pool_change("CreateUserPoolDomain", DomainChange, _DOMAIN)
    update_user_pool_domain = _pool_change("UpdateUserPoolDomain", DomainChange, _DOMAIN)
    delete_user_pool_domain = _pool_change("DeleteUserPoolDomain", DomainChange, _DOMAIN)
    tag_resource = _pool_change("TagResource", TagsChange, ("ResourceArn",))
    untag_resource = _pool_change("UntagResource", TagsChange, ("ResourceArn",))
