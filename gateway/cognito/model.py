"""The botocore service model of ``cognito-idp``: the source of truth for shapes, errors and limits.

The model is the one shipped with the botocore that aiobotocore pins; nothing here hard-codes what it says.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

SERVICE_NAME = "cognito-idp"


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def shape(name: str) -> Shape:
    return service_model().shape_for(name)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def operation_error_codes(name: str) -> tuple[str, ...]:
    """The exception shape names the model declares for one operation, in model order."""
    return tuple(error.name for error in operation(name).error_shapes)


def error_codes() -> tuple[str, ...]:
    """Every exception shape of the service, sorted."""
    return tuple(sorted(error.name for error in service_model().error_shapes))


def page_size_limit(operation_name: str) -> int:
    """The largest page an operation's list call accepts (its ``Limit``/``MaxResults`` member's ``max``)."""
    members = operation(operation_name).input_shape.members
    for member in ("Limit", "MaxResults"):
        if member in members:
            return int(members[member].metadata["max"])
    raise KeyError(f"{operation_name} takes no page size")


# The model marks these sensitive too, but they are identifiers and values an admin works with
# (usernames, attribute values, client IDs, device fingerprints), not secrets.
_SENSITIVE_IDENTIFIERS = frozenset({"UsernameType", "AttributeValueType", "ClientIdType", "UserContextDataType"})
# Secret by nature though the model does not mark them all: the one-time codes that prove a user holds an
# address or an authenticator (a sign-up or password-reset code, an attribute's verification code, a TOTP
# code) and a device's SRP verifier and salt. Named by member; their shapes are found across the operations.
UNMARKED_SECRET_MEMBERS = frozenset({"Code", "ConfirmationCode", "UserCode", "DeviceSecretVerifierConfig"})
# The keys of an identity provider's ProviderDetails map that hold its secrets.
IDP_SECRET_DETAILS = frozenset({"client_secret", "private_key"})


def input_members() -> Iterator[tuple[str, Shape]]:
    """Every (member name, member shape) of every operation's input, nested members included."""
    seen: set[str] = set()
    pending = [op.input_shape for op in map(operation, service_model().operation_names) if op.input_shape]
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        if current.type_name == "structure":
            for name, member in current.members.items():
                yield name, member
                pending.append(member)
        elif current.type_name == "list":
            pending.append(current.member)
        elif current.type_name == "map":
            pending.append(current.value)


@cache
def secret_shapes() -> frozenset[str]:
    """The names of the secret shapes: those the model marks ``sensitive`` less its identifiers, and the
    shapes of the members in :data:`UNMARKED_SECRET_MEMBERS`."""
    model = service_model()
    marked = {
        name
        for name in model.shape_names
        if (shape := model.shape_for(name)).serialization.get("sensitive") or shape.metadata.get("sensitive")
    }
    unmarked = {member.name for name, member in input_members() if name in UNMARKED_SECRET_MEMBERS}
    return frozenset((marked - _SENSITIVE_IDENTIFIERS) | unmarked)


def is_secret(shape: Shape) -> bool:
    """Passwords, tokens, sessions, client secrets, secret hashes, auth parameters, challenge responses and
    one-time codes: readable only by admins, never logged."""
    return shape.name in secret_shapes()


_READ_PREFIXES = ("Describe", "Get", "List", "AdminGet", "AdminList")


def is_read(operation_name: str) -> bool:
    """Whether an operation only reads (safe to retry whatever happened); every other one may change something."""
    return operation_name.startswith(_READ_PREFIXES)


def over_limit(shape: Shape, value: Any, path: str = "") -> str | None:
    """The first value past its shape's ``max`` (string length, list or map size), or a list or object where
    a string goes (only a JSON member can hold one), as a message, or None. botocore checks only the ``min``
    bounds before sending; this refuses the rest before a call is spent. (botocore's own type error would
    quote the value, whose repr recurses past any limit when it is nested ~1000 deep.)"""
    if shape.type_name == "string" and isinstance(value, (list, dict)):
        return f"{path or shape.name} must be a string, not {'a list' if isinstance(value, list) else 'an object'}"
    limit = shape.metadata.get("max")
    if limit is not None and isinstance(value, (str, list, dict)) and len(value) > limit:
        unit = "characters" if isinstance(value, str) else "items"
        return f"{path or shape.name} has {len(value)} {unit}; at most {limit} are allowed"
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, item in value.items():
            member = shape.members.get(name)
            found = member is not None and over_limit(member, item, f"{path}.{name}" if path else name)
            if found:
                return found
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            found = over_limit(shape.member, item, f"{path}[{index}]")
            if found:
                return found
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            found = over_limit(shape.key, key, f"{path} key") or over_limit(shape.value, item, f"{path}[{key!r}]")
            if found:
                return found
    return None
