"""Users: the ``User`` type, the typed ListUsers filter, ``users``/``user`` queries and user mutations."""

import enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from gateway.auth import Role
from gateway.graphql import memberships
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.devices import DeviceConnection, list_devices
from gateway.graphql.errors import result_union
from gateway.graphql.groups import Group, group_from
from gateway.graphql.loaders import start_early
from gateway.graphql.memberships import MEMBERSHIP_INPUTS, MEMBERSHIP_READS
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import (
    PAGE_SIZE,
    Connection,
    list_connection,
    selected_node_fields,
    selected_object_fields,
)
from gateway.graphql.shapes import cognito_type, enum_type, from_cognito, output_type

if TYPE_CHECKING:
    from gateway.graphql.user_pools import UserPool

UserPoolRef = Annotated["UserPool", strawberry.lazy("gateway.graphql.user_pools")]

_DETAIL_ONLY = ("PreferredMfaSetting", "UserMFASettingList")
AuthFactor = enum_type("AuthFactorType")


@cognito_type(
    "UserType", extra=[("AdminGetUserResponse", member) for member in _DETAIL_ONLY], context=("user_pool_id",)
)
class User:
    # AdminGetUser's answer (set when the user was read that way); list operations give less, and the
    # members only AdminGetUser has are then read through the user loader when selected.
    details: strawberry.Private[Optional[dict[str, Any]]] = None
    # The name the user was asked for (maybe an alias: Admin* operations take either). Its edges are read by
    # it, so that `user(...)` can start reading them while AdminGetUser runs: one round, not two.
    asked_as: strawberry.Private[Optional[str]] = None

    @property
    def _name(self) -> str:
        return self.asked_as or self.username

    async def _details(self, info: Info) -> dict[str, Any]:
        if self.details is None:
            self.details = await info.context.loaders.user.load((self.user_pool_id, self.username))
        return self.details

    @strawberry.field(
        description="The MFA method the user prefers (AdminGetUser).",
        extensions=calls("AdminGetUser", role=Role.VIEWER),
    )
    async def preferred_mfa_setting(self, info: Info) -> Optional[str]:
        return (await self._details(info)).get("PreferredMfaSetting")

    @strawberry.field(
        description="The MFA methods the user has activated (AdminGetUser).",
        extensions=calls("AdminGetUser", role=Role.VIEWER),
    )
    async def user_mfa_setting_list(self, info: Info) -> Optional[list[str]]:
        return (await self._details(info)).get("UserMFASettingList")

    @strawberry.field(
        description="The factors the user can sign in with by USER_AUTH (AdminGetUserAuthFactors): one call per "
        "user, so on a page of users one call per node.",
        extensions=calls("AdminGetUserAuthFactors", role=Role.VIEWER),
    )
    async def configured_user_auth_factors(self, info: Info) -> Optional[list[AuthFactor]]:  # type: ignore[valid-type]
        # Its other members are AdminGetUser's, fields of User already (preferredMfaSetting, userMfaSettingList).
        # Through the request's reads: the same user asked twice in a request is one call.
        factors = await info.context.loaders.read(
            "AdminGetUserAuthFactors", UserPoolId=self.user_pool_id, Username=self._name
        )
        known = {factor.value for factor in AuthFactor}  # a value newer than the installed model is left out
        return [AuthFactor(value) for value in factors.get("ConfiguredUserAuthFactors") or () if value in known]

    @strawberry.field(description="The value of one attribute (email, custom:department...), or null.")
    def attribute(self, name: str) -> Optional[str]:
        for attribute in self.attributes or ():
            if attribute.name == name:
                return attribute.value
        return None

    @strawberry.field(
        description="The groups the user belongs to (AdminListGroupsForUser).",
        # For a page of users, their groups may be read by group instead (gateway.graphql.memberships).
        extensions=calls("AdminListGroupsForUser", role=Role.VIEWER, also=MEMBERSHIP_READS),
    )
    async def groups(self, info: Info) -> Optional[list[Group]]:
        groups = await info.context.loaders.groups_of_user.load((self.user_pool_id, self._name))
        return [group_from(group) for group in groups]

    @strawberry.field(
        description="The user pool the user belongs to.", extensions=calls("DescribeUserPool", role=Role.VIEWER)
    )
    async def user_pool(self, info: Info) -> Optional[UserPoolRef]:
        from gateway.graphql.user_pools import user_pool_by_id

        return await user_pool_by_id(info.context, self.user_pool_id)

    @strawberry.field(
        description="The devices the user signed in from (AdminListDevices).",
        extensions=calls("AdminListDevices", role=Role.VIEWER),
    )
    async def devices(
        self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> Optional[DeviceConnection]:
        return await list_devices(info.context, self.user_pool_id, self._name, first, after)

    @strawberry.field(
        description="The user's sign-in and other auth events, newest first (AdminListUserAuthEvents).",
        extensions=calls("AdminListUserAuthEvents", role=Role.VIEWER),
    )
    async def auth_events(
        self, info: Info, first: int = PAGE_SIZE, after: Optional[str] = None
    ) -> Optional["AuthEventConnection"]:
        return await list_auth_events(info.context, self.user_pool_id, self._name, first, after)


@cognito_type("AuthEventType")
class AuthEvent:
    pass


@strawberry.type
class AuthEventConnection(Connection[AuthEvent]):
    pass


async def list_auth_events(
    context: Context, user_pool_id: str, username: str, first: int, after: Optional[str]
) -> AuthEventConnection:
    return await list_connection(
        context,
        AuthEventConnection,
        "AdminListUserAuthEvents",
        lambda data: from_cognito(AuthEvent, data),
        first,
        after,
        UserPoolId=user_pool_id,
        Username=username,
    )


def user_from(data: dict[str, Any], user_pool_id: str) -> User:
    return from_cognito(User, data, user_pool_id=user_pool_id)


async def load_user(context: Context, user_pool_id: str, username: str) -> User:
    details = await context.loaders.user.load((user_pool_id, username))
    # AdminGetUser names the attributes "UserAttributes" where UserType says "Attributes".
    user = user_from({**details, "Attributes": details.get("UserAttributes")}, user_pool_id)
    user.details = details
    user.asked_as = username
    return user


def prefetch_user_edges(info: Info, user_pool_id: str, username: str) -> None:
    """Start reading the user's selected groups, devices and auth events now, beside AdminGetUser: each edge's
    resolver then finds its read in the request's loaders (same keys), and the user's detail is one round."""
    context = info.context
    selected = selected_object_fields(info)
    started = []
    if "groups" in selected:
        started.append(context.loaders.groups_of_user.load((user_pool_id, username)))
    for name, list_edge in (("devices", list_devices), ("authEvents", list_auth_events)):
        for arguments in selected.get(name, ()):
            try:  # literals come as written ("5"); variables, as given
                first = int(arguments.get("first", PAGE_SIZE))
            except (TypeError, ValueError):
                continue  # the edge's resolver refuses it
            after = arguments.get("after")
            started.append(list_edge(context, user_pool_id, username, first, after))
    start_early(*started)


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
    *,
    with_groups: bool = False,
) -> UserConnection:
    """A page of ListUsers; ``with_groups`` when the query selects the users' groups (read alongside)."""
    params: dict[str, Any] = {"UserPoolId": user_pool_id}
    if condition is not None:
        params["Filter"] = filter_expression(condition)
    if with_groups and first >= memberships.FEWEST_USERS_FOR_A_MAP:
        context.loaders.prefetch_membership_inputs(user_pool_id)
    return await list_connection(
        context, UserConnection, "ListUsers", lambda data: user_from(data, user_pool_id), first, after, **params
    )


async def users_in_group(
    context: Context, user_pool_id: str, group_name: str, first: int, after: Optional[str]
) -> UserConnection:
    return await list_connection(
        context,
        UserConnection,
        "ListUsersInGroup",
        lambda data: user_from(data, user_pool_id),
        first,
        after,
        UserPoolId=user_pool_id,
        GroupName=group_name,
    )


UsersResult = result_union("UsersResult", UserConnection, "ListUsers")
UserResult = result_union("UserResult", User, "AdminGetUser")


@strawberry.type
class UserQueries:
    @strawberry.field(
        description="The users of a user pool (ListUsers), optionally filtered.",
        extensions=calls("ListUsers", role=Role.VIEWER, also=MEMBERSHIP_INPUTS),
    )
    async def users(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        filter: Optional[UserFilterInput] = None,
        first: int = PAGE_SIZE,
        after: Optional[str] = None,
    ) -> UsersResult:
        return await list_users(
            info.context, user_pool_id, filter, first, after, with_groups="groups" in selected_node_fields(info)
        )

    @strawberry.field(
        description="One user by username or alias (AdminGetUser).",
        # It starts reading the user's selected edges (and so their groups, maybe by group) beside AdminGetUser.
        extensions=calls(
            "AdminGetUser",
            role=Role.VIEWER,
            also=("AdminListDevices", "AdminListUserAuthEvents", "AdminListGroupsForUser", *MEMBERSHIP_READS),
        ),
    )
    async def user(self, info: Info, user_pool_id: strawberry.ID, username: str) -> UserResult:
        prefetch_user_edges(info, user_pool_id, username)
        return await load_user(info.context, user_pool_id, username)


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class UserIdentifiers:
    user_pool_id: strawberry.ID
    username: str


@strawberry.type
class UserChange(UserIdentifiers):
    @strawberry.field(
        description="The user, read after the change.", extensions=calls("AdminGetUser", role=Role.VIEWER)
    )
    async def user(self, info: Info) -> Optional[User]:
        return await load_user(info.context, self.user_pool_id, self.username)


AdminCreateUserPayload = payload_type("AdminCreateUser", context=("user_pool_id",))
AdminDeleteUserPayload = payload_type("AdminDeleteUser", UserIdentifiers)


def _change(operation: str) -> Any:
    """A mutation of one user whose payload names the user and reads it after the change."""
    return mutation(
        operation, payload_type(operation, UserChange), role=Role.OPERATOR, identifiers=("UserPoolId", "Username")
    )


ProviderUserIdentifier = output_type("ProviderUserIdentifierType")


@strawberry.type
class ProviderLink:
    user_pool_id: strawberry.ID
    destination_user: Optional[ProviderUserIdentifier] = None  # type: ignore[valid-type]
    source_user: Optional[ProviderUserIdentifier] = None  # type: ignore[valid-type]


def _provider_link(operation: str, *members: str) -> Any:
    """Linking and disabling a provider user: the payload repeats who was named, as Cognito answers nothing."""
    payload = payload_type(operation, ProviderLink)

    def respond(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
        named = {name: from_cognito(ProviderUserIdentifier, request[member]) for name, member in members}
        return payload(user_pool_id=request["UserPoolId"], **named)

    return mutation(operation, payload, respond, role=Role.ADMIN)


@strawberry.type
class UserMutations:
    admin_create_user = mutation("AdminCreateUser", AdminCreateUserPayload, role=Role.OPERATOR)
    admin_delete_user = mutation(
        "AdminDeleteUser", AdminDeleteUserPayload, role=Role.OPERATOR, identifiers=("UserPoolId", "Username")
    )
    admin_enable_user = _change("AdminEnableUser")
    admin_disable_user = _change("AdminDisableUser")
    admin_update_user_attributes = _change("AdminUpdateUserAttributes")
    admin_delete_user_attributes = _change("AdminDeleteUserAttributes")
    admin_reset_user_password = _change("AdminResetUserPassword")
    admin_set_user_password = _change("AdminSetUserPassword")
    admin_confirm_sign_up = _change("AdminConfirmSignUp")
    admin_user_global_sign_out = _change("AdminUserGlobalSignOut")
    admin_set_user_mfa_preference = _change("AdminSetUserMFAPreference")
    admin_set_user_settings = _change("AdminSetUserSettings")
    admin_update_auth_event_feedback = _change("AdminUpdateAuthEventFeedback")
    admin_delete_software_token = _change("AdminDeleteSoftwareToken")
    admin_link_provider_for_user = _provider_link(
        "AdminLinkProviderForUser", ("destination_user", "DestinationUser"), ("source_user", "SourceUser")
    )
    admin_disable_provider_for_user = _provider_link("AdminDisableProviderForUser", ("source_user", "User"))
