"""What the index keeps, as plain records: a user, a group, a pool's index state. Made from Cognito's responses
(``from_cognito``) by the sync, the change events and the mutations; written and read by ``directory.repository``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class IndexState(StrEnum):
    NOT_INDEXED = "NOT_INDEXED"
    SYNCING = "SYNCING"
    READY = "READY"
    FAILED = "FAILED"


@dataclass(frozen=True)
class IndexedUser:
    """One user as the index keeps it. ``groups`` None leaves the user's memberships as they are (ListUsers does not
    give them); a set, even empty, replaces them."""

    username: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    user_status: str | None = None
    enabled: bool = True
    user_create_date: datetime | None = None
    user_last_modified_date: datetime | None = None
    groups: frozenset[str] | None = None

    @property
    def sub(self) -> str | None:
        return self.attributes.get("sub")

    @classmethod
    def from_cognito(cls, user: Mapping[str, Any], groups: Iterable[str] | None = None) -> IndexedUser:
        """From a ``UserType`` (ListUsers, ListUsersInGroup, AdminCreateUser: ``Attributes``) or an AdminGetUser
        response (``UserAttributes``)."""
        pairs = user.get("Attributes", user.get("UserAttributes")) or []
        return cls(
            username=user["Username"],
            attributes={pair["Name"]: pair.get("Value", "") for pair in pairs},
            user_status=user.get("UserStatus"),
            enabled=user.get("Enabled", True),
            user_create_date=user.get("UserCreateDate"),
            user_last_modified_date=user.get("UserLastModifiedDate"),
            groups=None if groups is None else frozenset(groups),
        )


@dataclass(frozen=True)
class IndexedGroup:
    group_name: str
    description: str | None = None
    precedence: int | None = None
    role_arn: str | None = None
    creation_date: datetime | None = None
    last_modified_date: datetime | None = None

    @classmethod
    def from_cognito(cls, group: Mapping[str, Any]) -> IndexedGroup:
        """From a ``GroupType`` (ListGroups, GetGroup, CreateGroup...)."""
        return cls(
            group_name=group["GroupName"],
            description=group.get("Description"),
            precedence=group.get("Precedence"),
            role_arn=group.get("RoleArn"),
            creation_date=group.get("CreationDate"),
            last_modified_date=group.get("LastModifiedDate"),
        )


@dataclass(frozen=True)
class PoolIndex:
    """A pool's index state: ``indexStatus``'s fields, then what the sync keeps for itself."""

    user_pool_id: str
    state: IndexState = IndexState.NOT_INDEXED
    users_indexed: int = 0
    estimated_users: int | None = None
    progress: float = 0.0
    last_full_sync_at: datetime | None = None
    last_change_at: datetime | None = None
    error: str | None = None
    sync_generation: int = 0
    sync_started_at: datetime | None = None
    sync_checkpoint: Mapping[str, Any] | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    revision: int = 0  # advanced by every write to the pool's users (directory.repository)
    removals_from: int = 0  # the oldest revision whose removal records are all kept (directory.repository)


# What `IndexRepository.update_state` may change: everything but the pool's ID, the count and the revisions, which the
# writes keep.
STATE_FIELDS = frozenset(PoolIndex.__dataclass_fields__) - {
    "user_pool_id",
    "users_indexed",
    "revision",
    "removals_from",
}
