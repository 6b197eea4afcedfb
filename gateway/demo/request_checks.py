"""Request checks from the botocore model, for the demo's operation families.

Cognito checks every request against its API model before anything else and
answers ``InvalidParameterException`` with "N validation error(s) detected:
...".  :func:`checked_request` does the same from the installed botocore model
(required members, enums, lengths, list and map sizes, number ranges, the
patterns Python's ``re`` can read), so a client that skips botocore's own
validation (or a member botocore does not check) meets the same refusal, and no
operation stores a value Cognito would have refused.  The checks only an
operation knows (a CIDR, a duplicate, a tier) stay in its module.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from typing import Any, Final

import botocore.session
from botocore.model import Shape, StructureShape
from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.responses import CognitoIdpResponse

__all__ = ["MODEL", "checked_request", "decoded_blob"]

MODEL: Final = botocore.session.get_session().get_service_model("cognito-idp")


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    """The model's (Java) pattern, or None where Python's re cannot read it (``\\p{L}`` classes)."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, value: Any, shape: Shape, path: str, constraint: str) -> None:
        # A sensitive member (ClientId, ...) is never echoed back.
        shown = "" if shape.metadata.get("sensitive") else f"'{value}' "
        self.errors.append(f"Value {shown}at '{path}' failed to satisfy constraint: {constraint}")

    def check(self, value: Any, shape: Shape, path: str) -> None:
        kind = shape.type_name
        if kind == "structure":
            assert isinstance(shape, StructureShape)
            if shape.is_document_type:
                return  # any JSON
            if not isinstance(value, dict):
                self.fail(value, shape, path, "Member must be a structure")
                return
            self.structure(value, shape, path)
        elif kind == "list":
            if not isinstance(value, list):
                self.fail(value, shape, path, "Member must be a list")
                return
            self.size(value, shape, path, "length")
            for index, item in enumerate(value):
                self.check(item, shape.member, f"{path}.{index + 1}.member")  # type: ignore[attr-defined]
        elif kind == "map":
            if not isinstance(value, dict):
                self.fail(value, shape, path, "Member must be a map")
                return
            self.size(value, shape, path, "length")
            for key, item in value.items():
                self.check(key, shape.key, f"{path}.key")  # type: ignore[attr-defined]
                self.check(item, shape.value, f"{path}.{key}.member")  # type: ignore[attr-defined]
        elif kind == "string":
            if not isinstance(value, str):
                self.fail(value, shape, path, "Member must be a string")
                return
            if shape.enum and value not in shape.enum:
                self.fail(value, shape, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
            self.size(value, shape, path, "length")
            pattern = _pattern(shape.metadata["pattern"]) if "pattern" in shape.metadata else None
            if pattern is not None and not pattern.fullmatch(value):
                self.fail(
                    value, shape, path, f"Member must satisfy regular expression pattern: {shape.metadata['pattern']}"
                )
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fail(value, shape, path, "Member must be a boolean")
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(value, shape, path, "Member must be a number")
                return
            self.size(value, shape, path, "value")
        elif kind == "blob":
            # JSON carries a blob as base64 text.
            try:
                raw = base64.b64decode(value, validate=True) if isinstance(value, str) else None
            except (binascii.Error, ValueError):
                raw = None
            if raw is None:
                self.fail("", shape, path, "Member must be Base64-encoded binary data")
                return
            self.size(raw, shape, path, "length", shown=f"<{len(raw)} bytes>")

    def size(self, value: Any, shape: Shape, path: str, what: str, shown: Any = None) -> None:
        measure = value if what == "value" else len(value)
        shown = value if shown is None else shown
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and measure < low:
            self.fail(shown, shape, path, f"Member must have {what} greater than or equal to {low}")
        if high is not None and measure > high:
            self.fail(shown, shape, path, f"Member must have {what} less than or equal to {high}")

    def structure(self, value: dict[str, Any], shape: StructureShape, path: str) -> None:
        prefix = f"{path}." if path else ""
        for name in shape.required_members:
            if value.get(name) is None:
                self.errors.append(
                    f"Value null at '{prefix}{_lower_camel(name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                self.errors.append(f"Unknown member '{prefix}{_lower_camel(name)}'")
            elif item is not None:
                self.check(item, member, f"{prefix}{_lower_camel(name)}")


def checked_request(response: CognitoIdpResponse) -> dict[str, Any]:
    """The members of the request being answered, checked against its input shape in the botocore model.

    Raises InvalidParameterException, worded like Cognito's, naming every violation.
    """
    shape = MODEL.operation_model(response._get_action()).input_shape
    assert shape is not None
    request = {name: value for name in shape.members if (value := response._get_param(name)) is not None}
    checker = _Checker()
    checker.structure(request, shape, "")
    if checker.errors:
        count = len(checker.errors)
        raise InvalidParameterException(
            f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(checker.errors)}"
        )
    return request


def decoded_blob(value: str) -> bytes:
    """A blob member that :func:`checked_request` has accepted."""
    return base64.b64decode(value, validate=True)
