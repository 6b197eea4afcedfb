"""User pools: the ``UserPool`` type, ``userPools``/``userPool`` queries and pool mutations."""

from collections.abc import Iterable
from typing import Any, Optional

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from gateway.cognito import model
from gateway.graphql.context import Context, Info
from gateway.loaders import forget
from gateway.graphql.errors import result_union
from gateway.graphql.groups import GroupConnection, list_groups
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import PAGE_SIZE, Connection, paginate
from gateway.graphql.shapes import cognito_type, from_cognito, python_name
from gateway.graphql.users import UserConnection, UserFilterInput, list_users


@cognito_type("UserPoolType")
class UserPool:
    @strawberry.field(description="The pool's users (ListUsers), optionally filtered.")
    async def users(
        self,
        info: Info,
        filter: Optional[UserFilterInput] = None,
        first: int = PAGE_SIZE,
        after: Optional[str] = None,
    ) -> Optional[UserConnection]:
        return await list_users(info.context, self.id, filter, first, after)

    @strawberry.field(description="The pool's groups (ListGroups).")
    async def groups(self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None) -> Optional[GroupConnection]:
        return await list_groups(info.context, self.id, first, after)


async def user_pool_by_id(context: Context, user_pool_id: str) -> UserPool:
    return from_cognito(UserPool, await context.loaders.user_pool.load(user_pool_id))


@strawberry.type
class UserPoolConnection(Connection[UserPool]):
    pass


# What ListUserPools gives of a pool, and the fields that need no more than that.
_SUMMARY_FIELDS = frozenset(
    {python_name(member) for member in model.shape("UserPoolDescriptionType").members}
    | {"__typename", "users", "groups"}
)


def _node_fields(selections: Iterable[Any], depth: str = "connection") -> set[str]:
    """Snake-case names selected on the nodes of a connection (through ``nodes`` or ``edges.node``)."""
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, (FragmentSpread, InlineFragment)):
            names |= _node_fields(selection.selections, depth)
        elif isinstance(selection, SelectedField):
            if depth == "node":
                names.add(strawberry.utils.str_converters.to_snake_case(selection.name))
            elif depth == "connection" and selection.name == "nodes":
                names |= _node_fields(selection.selections, "node")
            elif depth == "connection" and selection.name == "edges":
                names |= _node_fields(selection.selections, "edge")
            elif depth == "edge" and selection.name == "node":
                names |= _node_fields(selection.selections, "node")
    return names


async def list_user_pools(info: Info, region: Optional[str], first: int, after: Optional[str]) -> UserPoolConnection:
    context = info.context
    # ListUserPools gives a summary of each pool; when the query asks for more, the pools are described
    # through the loader (once per pool, concurrently), otherwise no more calls are made.
    needs_details = bool(_node_fields(info.selected_fields[0].selections) - _SUMMARY_FIELDS)

    async def fetch(token: Optional[str], limit: int) -> tuple[list[Any], Optional[str]]:
        params: dict[str, Any] = {"MaxResults": limit}
        if token:
            params["NextToken"] = token
        page = await context.cognito.call("ListUserPools", region=region or context.cognito.default_region, **params)
        pools = page.get("UserPools") or []
        if needs_details:
            pools = await context.loaders.user_pool.load_many([pool["Id"] for pool in pools])
        return pools, page.get("NextToken")

    return await paginate(
        UserPoolConnection, fetch, first, after, lambda data: from_cognito(UserPool, data), model.page_size_limit("ListUserPools")
    )


UserPoolsResult = result_union("UserPoolsResult", UserPoolConnection, "ListUserPools")
UserPoolResult = result_union("UserPoolResult", UserPool, "DescribeUserPool")


@strawberry.type
class UserPoolQueries:
    @strawberry.field(description="The user pools of one region (ListUserPools); the configured region by default.")
    async def user_pools(
        self, info: Info, region: Optional[str] = None, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> UserPoolsResult:
        return await list_user_pools(info, region, first, after)

    @strawberry.field(description="One user pool (DescribeUserPool).")
    async def user_pool(self, info: Info, id: strawberry.ID) -> UserPoolResult:
        return await user_pool_by_id(info.context, id)


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class UserPoolIdentifiers:
    user_pool_id: strawberry.ID


@strawberry.type
class UserPoolChange(UserPoolIdentifiers):
    @strawberry.field(description="The user pool, read after the change.")
    async def user_pool(self, info: Info) -> Optional[UserPool]:
        return await user_pool_by_id(info.context, self.user_pool_id)


CreateUserPoolPayload = payload_type("CreateUserPool")
UpdateUserPoolPayload = payload_type("UpdateUserPool", UserPoolChange)
DeleteUserPoolPayload = payload_type("DeleteUserPool", UserPoolIdentifiers)


def _pool_created(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
    pool = response["UserPool"]
    context.loaders.user_pool.prime(pool["Id"], pool)
    return from_cognito(CreateUserPoolPayload, response)


def _pool_updated(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
    forget(context.loaders.user_pool, request["UserPoolId"])
    return from_cognito(UpdateUserPoolPayload, response, fields={"user_pool_id": request["UserPoolId"]})


def _pool_deleted(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
    forget(context.loaders.user_pool, request["UserPoolId"])
    return DeleteUserPoolPayload(user_pool_id=request["UserPoolId"])


@strawberry.type
class UserPoolMutations:
    create_user_pool = mutation("CreateUserPool", CreateUserPoolPayload, _pool_created)
    update_user_pool = mutation("UpdateUserPool", UpdateUserPoolPayload, _pool_updated)
    delete_user_pool = mutation("DeleteUserPool", DeleteUserPoolPayload, _pool_deleted)
