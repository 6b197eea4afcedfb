"""An export's rows (DESIGN.md section 9), from the directory index: CSV in the columns of Cognito's user import
(GetCSVHeader's, so that the file can be imported again), or JSON Lines with every indexed field."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import orjson

from gateway.directory.records import IndexedUser

USERNAME_COLUMN = "cognito:username"
MFA_COLUMN = "cognito:mfa_enabled"  # the index does not hold MFA settings: written false, as an import reads it
MEDIA_TYPES = {"CSV": "text/csv; charset=utf-8", "JSONL": "application/x-ndjson"}
EXTENSIONS = {"CSV": "csv", "JSONL": "jsonl"}


def csv_rows(header: Sequence[str] | None, users: Sequence[IndexedUser]) -> bytes:
    """``users`` as CSV rows in ``header``'s columns, the header line first when ``header`` is given."""
    columns = list(header or ())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(columns)
    for user in users:
        writer.writerow([_cell(user, column) for column in columns])
    return out.getvalue().encode()


def _cell(user: IndexedUser, column: str) -> str:
    if column == USERNAME_COLUMN:
        return user.username
    if column == MFA_COLUMN:
        return "false"
    return user.attributes.get(column, "")


def jsonl_rows(users: Sequence[IndexedUser]) -> bytes:
    return b"".join(
        orjson.dumps(
            {
                "username": user.username,
                "attributes": dict(user.attributes),
                "userStatus": user.user_status,
                "enabled": user.enabled,
                "userCreateDate": user.user_create_date.isoformat() if user.user_create_date else None,
                "userLastModifiedDate": (
                    user.user_last_modified_date.isoformat() if user.user_last_modified_date else None
                ),
                "groups": sorted(user.groups or ()),
            }
        )
        + b"\n"
        for user in users
    )
