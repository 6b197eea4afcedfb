"""Groups: the ``Group`` type, ``groups``/``group`` queries, group and membership mutations."""

from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from gateway.auth import Role
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import PAGE_SIZE, Connection, list_connection
from gateway.graphql.shapes import cognito_type, from_cognito

if TYPE_CHECKING:
    from gateway.graphql.user_pools import UserPool
    from gateway.graphql.users import User, UserConnection

UserRef = Annotated["User", strawberry.lazy("gateway.graphql.users")]
UserConnectionRef = Annotated["UserConnection", strawberry.lazy("gateway.graphql.users")]
UserPoolRef = Annotated["UserPool", strawberry.lazy("gateway.graphql.user_pools")]


@cognito_type("GroupType")
class Group:
    @strawberry.field(
        description="The group's members (ListUsersInGroup), one Cognito page at a time.",
        extensions=calls("ListUsersInGroup", role=Role.VIEWER),
    )
    async def users(
        self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> Optional[UserConnectionRef]:
        from gateway.graphql.users import users_in_group

        return await users_in_group(info.context, self.user_pool_id, self.group_name, first, after)

    @strawberry.field(
        description="The user pool the group belongs to.", extensions=calls("DescribeUserPool", role=Role.VIEWER)
    )
    async def user_pool(self, info: Info) -> Optional[UserPoolRef]:
        from gateway.graphql.user_pools import user_pool_by_id

        return await user_pool_by_id(info.context, self.user_pool_id)


def group_from(data: dict[str, Any]) -> Group:
    return from_cognito(Group, data)


@strawberry.type
class GroupConnection(Connection[Group]):
    pass


async def list_groups(context: Context, user_pool_id: str, first: int, after: Optional[str]) -> GroupConnection:
    async def prime(groups: list[Any]) -> list[Any]:
        for group in groups:
            context.loaders.group.prime((user_pool_id, group["GroupName"]), group)
        return groups

    return await list_connection(
        context, GroupConnection, "ListGroups", group_from, first, after, expand=prime, UserPoolId=user_pool_id
    )


GroupsResult = result_union("GroupsResult", GroupConnection, "ListGroups")
GroupResult = result_union("GroupResult", Group, "GetGroup")


@strawberry.type
class GroupQueries:
    @strawberry.field(
        description="The groups of a user pool (ListGroups).", extensions=calls("ListGroups", role=Role.VIEWER)
    )
    async def groups(
        self, info: Info, user_pool_id: strawberry.ID, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> GroupsResult:
        return await list_groups(info.context, user_pool_id, first, after)

    @strawberry.field(description="One group (GetGroup).", extensions=calls("GetGroup", role=Role.VIEWER))
    async def group(self, info: Info, user_pool_id: strawberry.ID, group_name: str) -> GroupResult:
        return group_from(await info.context.loaders.group.load((user_pool_id, group_name)))


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class GroupIdentifiers:
    user_pool_id: strawberry.ID
    group_name: str


@strawberry.type
class MembershipChange:
    user_pool_id: strawberry.ID
    username: str
    group_name: str

    @strawberry.field(
        description="The user, read after the change.", extensions=calls("AdminGetUser", role=Role.VIEWER)
    )
    async def user(self, info: Info) -> Optional[UserRef]:
        from gateway.graphql.users import load_user

        return await load_user(info.context, self.user_pool_id, self.username)

    @strawberry.field(description="The group, read after the change.", extensions=calls("GetGroup", role=Role.VIEWER))
    async def group(self, info: Info) -> Optional[Group]:
        return group_from(await info.context.loaders.group.load((self.user_pool_id, self.group_name)))


def _membership(operation: str) -> Any:
    """Adding a user to a group or removing one: an operator's change, whose payload reads both after it."""
    payload = payload_type(operation, MembershipChange)
    return mutation(operation, payload, role=Role.OPERATOR, identifiers=("UserPoolId", "Username", "GroupName"))


@strawberry.type
class GroupMutations:
    create_group = mutation("CreateGroup", payload_type("CreateGroup"), role=Role.ADMIN)
    update_group = mutation("UpdateGroup", payload_type("UpdateGroup"), role=Role.ADMIN)
    delete_group = mutation(
        "DeleteGroup",
        payload_type("DeleteGroup", GroupIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId", "GroupName"),
    )
    admin_add_user_to_group = _membership("AdminAddUserToGroup")
    admin_remove_user_from_group = _membership("AdminRemoveUserFromGroup")
