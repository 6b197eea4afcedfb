"""What a job is, as the runner, the repository and the graph share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gateway.auth import Role
from gateway.directory.search import Condition, SearchOperator

MAX_USERNAMES = 10_000  # a usernames selection (section 9)
EXPORT_ROLE = Role.OPERATOR  # an export reads every selected user's attributes (section 9)


class JobAction(StrEnum):
    EXPORT = "EXPORT"
    DISABLE = "DISABLE"
    ENABLE = "ENABLE"
    ADD_TO_GROUP = "ADD_TO_GROUP"
    REMOVE_FROM_GROUP = "REMOVE_FROM_GROUP"
    GLOBAL_SIGN_OUT = "GLOBAL_SIGN_OUT"
    RESET_PASSWORD = "RESET_PASSWORD"
    DELETE = "DELETE"
    UPDATE_ATTRIBUTES = "UPDATE_ATTRIBUTES"


class JobState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"  # every item was tried (``failed`` says how many failed)
    FAILED = "FAILED"  # the job itself could not go on (``error``)
    CANCELLED = "CANCELLED"

    @property
    def final(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class ItemOutcome(StrEnum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"  # sent, its answer lost, and it cannot be read back (RESET_PASSWORD)
    SKIPPED = "SKIPPED"  # a dry run's items


class ExportFormat(StrEnum):
    CSV = "CSV"
    JSONL = "JSONL"


@dataclass(frozen=True)
class Selection:
    """Usernames, or a search over the directory index (``text`` and ``where``); empty: the whole pool."""

    usernames: Sequence[str] | None = None
    text: str | None = None
    where: Sequence[Condition] = ()

    @property
    def searches(self) -> bool:
        return self.usernames is None

    def to_json(self) -> dict[str, Any]:
        return {
            "usernames": list(self.usernames) if self.usernames is not None else None,
            "text": self.text,
            "where": [
                {"field": c.field, "operator": str(c.operator), "value": c.value, "values": c.values}
                for c in self.where
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Selection:
        return cls(
            usernames=data.get("usernames"),
            text=data.get("text"),
            where=tuple(
                Condition(c["field"], SearchOperator(c["operator"]), c.get("value"), c.get("values"))
                for c in data.get("where") or ()
            ),
        )


@dataclass(frozen=True)
class JobSpec:
    """What ``startUserJob`` asks for."""

    user_pool_id: str
    action: JobAction
    selection: Selection
    group_name: str | None = None
    user_attributes: Sequence[tuple[str, str]] = ()
    format: ExportFormat = ExportFormat.CSV
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "selection": self.selection.to_json(),
            "groupName": self.group_name,
            "userAttributes": [{"Name": name, "Value": value} for name, value in self.user_attributes],
            "format": str(self.format),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> JobSpec:
        spec = row["spec"]
        return cls(
            user_pool_id=row["user_pool_id"],
            action=JobAction(row["action"]),
            selection=Selection.from_json(spec["selection"]),
            group_name=spec.get("groupName"),
            user_attributes=tuple((pair["Name"], pair["Value"]) for pair in spec.get("userAttributes") or ()),
            format=ExportFormat(spec.get("format") or "CSV"),
            dry_run=bool(row["dry_run"]),
        )


@dataclass(frozen=True)
class Job:
    id: str
    spec: JobSpec
    state: JobState
    created_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    total: int | None = None
    done: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    lease_owner: str | None = field(default=None, compare=False)

    @property
    def finished_items(self) -> int:
        return self.done + self.failed + self.unknown + self.skipped

    @property
    def progress(self) -> float:
        """0..1: items with an outcome over the total (1 once the job is final)."""
        if self.state.final:
            return 1.0
        if not self.total:
            return 0.0
        return min(1.0, self.finished_items / self.total)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Job:
        return cls(
            id=row["id"],
            spec=JobSpec.from_row(row),
            state=JobState(row["state"]),
            created_by=row["created_by"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            error=row["error"],
            total=row["total"],
            done=row["done"],
            failed=row["failed"],
            unknown=row["unknown"],
            skipped=row["skipped"],
            lease_owner=row["lease_owner"],
        )


@dataclass(frozen=True)
class JobItem:
    position: int
    username: str
    outcome: ItemOutcome
    sending: bool = False
    error_code: str | None = None
    message: str | None = None
