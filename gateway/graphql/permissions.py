"""Per-field authorization: each root field, each nested field that calls Cognito and each secret-bearing field
names the role it needs.

The permission reads the user pool from the field's arguments (``userPoolId``, ``userPool(id)``,
``input.userPoolId``, ``input.resourceArn``) or from the parent object, so a grant limited to some pools
holds on nested fields too. A denial raises :class:`AccessDenied` before the resolver runs: no upstream call.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from strawberry.permission import BasePermission, PermissionExtension

from gateway.auth import AccessDenied, Role

_POOL_IN_ARN = re.compile(r"^arn:[^:]+:cognito-idp:[^:]*:[^:]*:userpool/(?P<pool>[\w-]+_[0-9a-zA-Z]+)$")


def pool_of(source: Any, arguments: dict[str, Any]) -> str | None:
    """The user pool a field acts on, or None when it names none (``userPools``, client-side auth flows)."""
    for name in ("user_pool_id", "id"):
        if isinstance(arguments.get(name), str):
            return arguments[name]
    request = arguments.get("input")
    if request is not None:
        pool = getattr(request, "user_pool_id", None)
        if isinstance(pool, str):
            return pool
        match = _POOL_IN_ARN.match(str(getattr(request, "resource_arn", None) or ""))
        if match:
            return match["pool"]
    pool = getattr(source, "user_pool_id", None)
    if pool is None and getattr(type(source), "__cognito_shape__", None) == "UserPoolType":
        pool = source.id  # a UserPool is its own pool
    if pool is None:
        match = _POOL_IN_ARN.match(str(getattr(source, "resource_arn", None) or ""))
        pool = match["pool"] if match else None
    return pool if isinstance(pool, str) else None


class RoleRequired(BasePermission):
    role: ClassVar[Role]

    def __init__(self, *, changes: bool = False) -> None:
        # A change that names no pool needs a grant on every pool; a read naming none (listing pools) does not.
        self.changes = changes

    def has_permission(self, source: Any, info: Any, **arguments: Any) -> bool:
        caller = info.context.caller
        pool_id = pool_of(source, arguments)
        allowed = (
            caller.may_everywhere(self.role) if pool_id is None and self.changes else caller.may(self.role, pool_id)
        )
        if allowed:
            return True
        where = f" on user pool {pool_id}" if pool_id else (" on every user pool" if self.changes else "")
        raise AccessDenied(
            f"Forbidden: {info.path.typename}.{info.field_name} needs the {self.role.label} role{where}."
        )


class RequiresViewer(RoleRequired):
    role = Role.VIEWER


class RequiresOperator(RoleRequired):
    role = Role.OPERATOR


class RequiresAdmin(RoleRequired):
    role = Role.ADMIN


PERMISSION_OF_ROLE: dict[Role, type[RoleRequired]] = {
    Role.VIEWER: RequiresViewer,
    Role.OPERATOR: RequiresOperator,
    Role.ADMIN: RequiresAdmin,
}


def requires(role: Role, *, changes: bool = False) -> PermissionExtension:
    """The field extension that enforces ``role`` (shown in the SDL as ``@requiresViewer`` and so on);
    ``changes`` for mutations."""
    return PermissionExtension(permissions=[PERMISSION_OF_ROLE[role](changes=changes)])
