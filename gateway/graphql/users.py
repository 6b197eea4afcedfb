"""Users: the ``User`` type, the typed ListUsers filter, ``users``/``user`` queries and user mutations."""

import enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from gateway.graphql.context import Context, Info
from gateway.loaders import forget
from gateway.graphql.errors import result_union
from gateway.graphql.groups import Group, group_from
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import PAGE_SIZE, Connection, paginate
from gateway.graphql.shapes import cognito_type, from_cognito

if TYPE_CHECKING:
    from gateway.graphql.user_pools import UserPool

UserPoolRef = Annotated["UserPool", strawberry.lazy("gateway.graphql.user_pools")]

_DETAIL_ONLY = ("PreferredMfaSetting", "UserMFASettingList")


@cognito_type("UserType", extra=[("AdminGetUserResponse", member) for member in _DETAIL_ONLY], context=("user_pool_id",))
class User:
    # AdminGetUser's answer (set when the user was read that way); list operations give less, and the
    # members only AdminGetUser has are then read through the user loader when selected.
    details: strawberry.Private[Optional[dict[str, Any]]] = None

    async def _details(self, info: Info) -> dict[str, Any]:
        if self.details is None:
            self.details = await info.context.loaders.user.load((self.user_pool_id, self.username))
        return self.details

    @strawberry.field(description="The MFA method the user prefers (AdminGetUser).")
    async def preferred_mfa_setting(self, info: Info) -> Optional[str]:
        return (await self._details(info)).get("PreferredMfaSetting")

    @strawberry.field(description="The MFA methods the user has activated (AdminGetUser).")
    async def user_mfa_setting_list(self, info: Info) -> Optional[list[str]]:
        return (await self._details(info)).get("UserMFASettingList")

    @strawberry.field(description="The value of one attribute (email, custom:department...), or null.")
    def attribute(self, name: str) -> Optional[str]:
        for attribute in self.attributes or ():
            if attribute.name == name:
                return attribute.value
        return None

    @strawberry.field(description="The groups the user belongs to (AdminListGroupsForUser).")
    async def groups(self, info: Info) -> Optional[list[Group]]:
        groups = await info.context.loaders.groups_of_user.load((self.user_pool_id, self.username))
        return [group_from(group) for group in groups]

    @strawberry.field(description="The user pool the user belongs to.")
    async def user_pool(self, info: Info) -> Optional[UserPoolRef]:
        from gateway.graphql.user_pools import user_pool_by_id

        return await user_pool_by_id(info.context, self.user_pool_id)


def user_from(data: dict[str, Any], user_pool_id: str) -> User:
    return from_cognito(User, data, user_pool_id=user_pool_id)


async def load_user(context: Context, user_pool_id: str, username: str) -> User:
    details = await context.loaders.user.load((user_pool_id, username))
    # AdminGetUser names the attributes "UserAttributes" where UserType says "Attributes".
    user = user_from({**details, "Attributes": details.get("UserAttributes")}, user_pool_id)
    user.details = details
    return user


@strawberry.type
class UserConnection(Connection[User]):
    pass


# --- the ListUsers filter --------------------------------------------------------------------------


@strawberry.enum(description="The attributes ListUsers can filter on.")
class UserFilterAttribute(enum.Enum):
    USERNAME = "username"
    EMAIL = "email"
    PHONE_NUMBER = "phone_number"
    NAME = "name"
    GIVEN_NAME = "given_name"
    FAMILY_NAME = "family_name"
    PREFERRED_USERNAME = "preferred_username"
    COGNITO_USER_STATUS = "cognito:user_status"
    STATUS = "status"
    SUB = "sub"


@strawberry.enum(description="EQUALS matches the whole value, STARTS_WITH a prefix.")
class UserFilterOperator(enum.Enum):
    EQUALS = "="
    STARTS_WITH = "^="


@strawberry.input(description="One ListUsers filter condition; the value is quoted and escaped by the gateway.")
class UserFilterInput:
    attribute: UserFilterAttribute
    operator: UserFilterOperator = UserFilterOperator.EQUALS
    value: str


def filter_expression(condition: UserFilterInput) -> str:
    """The ListUsers ``Filter`` string; escaping ``\\`` and ``"`` keeps any value inside its quotes."""
    escaped = condition.value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{condition.attribute.value} {condition.operator.value} "{escaped}"'


async def list_users(
    context: Context,
    user_pool_id: str,
    condition: Optional[UserFilterInput],
    first: int,
    after: Optional[str],
) -> UserConnection:
    async def fetch(token: Optional[str], limit: int) -> tuple[list[Any], Optional[str]]:
        params: dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": limit}
        if condition is not None:
            params["Filter"] = filter_expression(condition)
        if token:
            params["PaginationToken"] = token
        page = await context.loaders.load_page("ListUsers", **params)
        return page.get("Users") or [], page.get("PaginationToken")

    return await paginate(UserConnection, fetch, first, after, lambda data: user_from(data, user_pool_id))


async def users_in_group(
    context: Context, user_pool_id: str, group_name: str, first: int, after: Optional[str]
) -> UserConnection:
    async def fetch(token: Optional[str], limit: int) -> tuple[list[Any], Optional[str]]:
        params: dict[str, Any] = {"UserPoolId": user_pool_id, "GroupName": group_name, "Limit": limit}
        if token:
            params["NextToken"] = token
        page = await context.loaders.load_page("ListUsersInGroup", **params)
        return page.get("Users") or [], page.get("NextToken")

    return await paginate(UserConnection, fetch, first, after, lambda data: user_from(data, user_pool_id))


UsersResult = result_union("UsersResult", UserConnection, "ListUsers")
UserResult = result_union("UserResult", User, "AdminGetUser")


@strawberry.type
class UserQueries:
    @strawberry.field(description="The users of a user pool (ListUsers), optionally filtered.")
    async def users(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        filter: Optional[UserFilterInput] = None,
        first: int = PAGE_SIZE,
        after: Optional[str] = None,
    ) -> UsersResult:
        return await list_users(info.context, user_pool_id, filter, first, after)

    @strawberry.field(description="One user by username or alias (AdminGetUser).")
    async def user(self, info: Info, user_pool_id: strawberry.ID, username: str) -> UserResult:
        return await load_user(info.context, user_pool_id, username)


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class UserIdentifiers:
    user_pool_id: strawberry.ID
    username: str


@strawberry.type
class UserChange(UserIdentifiers):
    @strawberry.field(description="The user, read after the change.")
    async def user(self, info: Info) -> Optional[User]:
        return await load_user(info.context, self.user_pool_id, self.username)


AdminCreateUserPayload = payload_type("AdminCreateUser", context=("user_pool_id",))
AdminDeleteUserPayload = payload_type("AdminDeleteUser", UserIdentifiers)
_CHANGES = (
    "AdminEnableUser",
    "AdminDisableUser",
    "AdminUpdateUserAttributes",
    "AdminDeleteUserAttributes",
    "AdminResetUserPassword",
    "AdminSetUserPassword",
    "AdminConfirmSignUp",
    "AdminUserGlobalSignOut",
)
CHANGE_PAYLOADS: dict[str, type] = {operation: payload_type(operation, UserChange) for operation in _CHANGES}


def _user_created(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
    return from_cognito(AdminCreateUserPayload, response, user_pool_id=request["UserPoolId"])


def _user_deleted(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
    key = (request["UserPoolId"], request["Username"])
    forget(context.loaders.user, key)
    forget(context.loaders.groups_of_user, key)
    return AdminDeleteUserPayload(user_pool_id=key[0], username=key[1])


def _user_changed(payload: type) -> Any:
    def respond(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
        key = (request["UserPoolId"], request["Username"])
        forget(context.loaders.user, key)  # the payload's `user` reads the state after the change
        return from_cognito(payload, response, fields={"user_pool_id": key[0], "username": key[1]})

    return respond


def _change(operation: str) -> Any:
    payload = CHANGE_PAYLOADS[operation]
    return mutation(operation, payload, _user_changed(payload))


@strawberry.type
class UserMutations:
    admin_create_user = mutation("AdminCreateUser", AdminCreateUserPayload, _user_created)
    admin_delete_user = mutation("AdminDeleteUser", AdminDeleteUserPayload, _user_deleted)
    admin_enable_user = _change("AdminEnableUser")
    admin_disable_user = _change("AdminDisableUser")
    admin_update_user_attributes = _change("AdminUpdateUserAttributes")
    admin_delete_user_attributes = _change("AdminDeleteUserAttributes")
    admin_reset_user_password = _change("AdminResetUserPassword")
    admin_set_user_password = _change("AdminSetUserPassword")
    admin_confirm_sign_up = _change("AdminConfirmSignUp")
    admin_user_global_sign_out = _change("AdminUserGlobalSignOut")
