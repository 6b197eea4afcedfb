"""Per-field authorization: each root field, each nested field that calls Cognito and each secret-bearing field
names the role it needs.

The permission reads the user pool from the field's arguments (``userPoolId``, ``userPool(id)``,
``input.userPoolId``, ``input.resourceArn``) or from the parent object, so a grant limited to some pools
holds on nested fields too. A denial raises :class:`AccessDenied` before the resolver runs: no upstream call.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission, PermissionExtension

from gateway.auth import AccessDenied, Role
from gateway.cognito.model import pool_of_arn


def pool_of(source: Any, arguments: dict[str, Any]) -> str | None:
    """The user pool a field acts on, or None when it names none (``userPools``, client-side auth flows)."""
    for name in ("user_pool_id", "id"):
        if isinstance(arguments.get(name), str):
            return arguments[name]
    if arguments.get("input") is not None:
        return _named_pool(arguments["input"])
    if getattr(type(source), "__cognito_shape__", None) == "UserPoolType":
        return source.id  # a UserPool is its own pool
    return _named_pool(source)


def _named_pool(value: Any) -> str | None:
    """The pool an input or object names: its ``user_pool_id``, else the pool of its ``resource_arn``."""
    pool = getattr(value, "user_pool_id", None)
    if isinstance(pool, str):
        return pool
    arn = getattr(value, "resource_arn", None)
    return pool_of_arn(arn) if isinstance(arn, str) else None


class RoleRequired(BasePermission):
    role: ClassVar[Role]

    def __init__(self, *, changes: bool = False, pool_in_arguments: bool = True) -> None:
        # A change that names no pool needs a grant on every pool; a read naming none (listing pools) does not.
        self.changes = changes
        # False: the arguments name no pool (a job's ``id``); the resolver checks the pool it finds.
        self.pool_in_arguments = pool_in_arguments

    def has_permission(self, source: Any, info: Any, **arguments: Any) -> bool:
        caller = info.context.caller
        pool_id = pool_of(source, arguments) if self.pool_in_arguments else None
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


def requires(role: Role, *, changes: bool = False, pool_in_arguments: bool = True) -> PermissionExtension:
    """The field extension that enforces ``role`` (shown in the SDL as ``@requiresViewer`` and so on);
    ``changes`` for mutations; ``pool_in_arguments=False`` where the pool is not an argument (the resolver checks
    the role on the pool it finds)."""
    return PermissionExtension(
        permissions=[PERMISSION_OF_ROLE[role](changes=changes, pool_in_arguments=pool_in_arguments)]
    )
