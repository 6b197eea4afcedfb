"""How a value is stored in the index, and so how a search must write its operands: the one definition of case folding,
of the B-tree key, of what parses as a number or an instant, and of the text that ``text`` searches. A compiled search
uses these same functions on its operands, so that both sides of a comparison are made alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from gateway.store.tables import VALUE_KEY_CHARS

# The fields `text` searches besides the username (DESIGN.md section 8).
TEXT_ATTRIBUTES = ("email", "phone_number", "name", "given_name", "family_name", "preferred_username")
# Joins the text fields in `search_text`: whitespace, so that no token of a `text` search (split on whitespace)
# can hold it, nor match across two fields.
TEXT_SEPARATOR = "\n"

# Decimal numbers as people write them: 42, -3.5, 1e6, +7. Not "nan", "inf", "0x1F", "1_000" (which float() takes).
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# ISO 8601 in its extended form: a date, optionally a time and an offset (2024-05-01, 2024-05-01T10:00:00Z).
# Not the basic form (20240501), which is a number.
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")


def fold(value: str) -> str:
    """The case-ignoring form: what STARTS_WITH, ENDS_WITH, CONTAINS, ``text`` and string sorts compare."""
    return value.lower()


def value_key(value: str) -> str:
    """The B-tree key of a value: its folded form, cut to :data:`VALUE_KEY_CHARS` characters."""
    return fold(value)[:VALUE_KEY_CHARS]


def parse_number(value: str) -> float | None:
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC instant (a date or a time without an offset is taken as UTC)."""
    text = value.strip()
    if not _INSTANT.fullmatch(text):
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:  # 2024-02-30
        return None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def search_text(username: str, attributes: Mapping[str, str]) -> str:
    """What ``text`` searches: the folded username and text attributes, one per line (absent ones left out)."""
    fields = [username, *(attributes[name] for name in TEXT_ATTRIBUTES if attributes.get(name))]
    return TEXT_SEPARATOR.join(fold(" ".join(field.split())) for field in fields)
