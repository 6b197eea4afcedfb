"""Scalars: ``DateTime`` (ISO 8601, UTC) and ``JSON`` (Cognito's string maps)."""

from datetime import datetime, timezone

import strawberry
from strawberry.scalars import JSON


def _serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# For StrawberryConfig.scalar_map: Python's datetime is served as this DateTime.
SCALAR_MAP = {
    datetime: strawberry.scalar(
        name="DateTime",
        description="An instant as an ISO 8601 string in UTC.",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
    )
}

__all__ = ["JSON", "SCALAR_MAP"]
