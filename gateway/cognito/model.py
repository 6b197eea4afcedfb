"""The botocore service model of ``cognito-idp``: the source of truth for shapes, errors and limits; and what is
read from a request by the model's rules: the region of a pool ID or an ARN, the object a request acts on, its
secrets (masked in one way everywhere: :func:`redact`).

The model is the one shipped with the botocore that aiobotocore pins; nothing here hard-codes what it says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

# errors and this module use each other at call time only (errors names the model's exception shapes).
from gateway.cognito import errors
from gateway.cognito.operations import OPERATIONS

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
    """Whether an operation only reads (safe to retry whatever happened); every other one may change something,
    and so does a ``Get*`` that issues a token or sends a message (``side_effects`` in the operations table)."""
    facts = OPERATIONS.get(operation_name)
    return operation_name.startswith(_READ_PREFIXES) and not (facts is not None and facts.side_effects)


# --- redaction -----------------------------------------------------------------------------------------

REDACTED = "REDACTED"  # what a secret is shown (and logged) as
TRUNCATED = "TRUNCATED"  # what a value is written as past MAX_DEPTH
# How many levels of a value redact() keeps. A JSON member (clientMetadata...) can arrive nested ~1000 deep, past
# orjson's limit (255) and Python's recursion limit: what holds it must still be written, and whole.
MAX_DEPTH = 32


def redact(value: Any, shape: Shape | None, depth: int = 0) -> Any:
    """``value`` (of ``shape``, None where the model says nothing, as inside a JSON member) with every secret
    replaced by ``REDACTED`` (an identity provider's secret details included) and every list or object deeper than
    ``MAX_DEPTH`` by ``TRUNCATED``."""
    if shape is not None and is_secret(shape):
        return REDACTED
    if not isinstance(value, (dict, list)):
        return value
    if depth >= MAX_DEPTH:
        return TRUNCATED
    kind = shape.type_name if shape is not None else None
    if isinstance(value, list):
        return [redact(item, shape.member if kind == "list" else None, depth + 1) for item in value]
    if kind == "structure":
        return {name: redact(item, shape.members.get(name), depth + 1) for name, item in value.items()}
    if kind == "map":
        if shape.name == "ProviderDetailsType":
            return {key: REDACTED if key in IDP_SECRET_DETAILS else item for key, item in value.items()}
        return {key: redact(item, shape.value, depth + 1) for key, item in value.items()}
    return {key: redact(item, None, depth + 1) for key, item in value.items()}


# --- what a request acts on ------------------------------------------------------------------------------

# The request members that name the object an operation acts on, most specific first, and how to name it. The
# audit records the members a request holds (its pool aside); a write whose answer was lost says which to read.
OBJECT_MEMBERS: tuple[tuple[str, str], ...] = (
    ("Username", "the user"),
    ("GroupName", "the group"),
    ("DeviceKey", "the device"),
    ("ProviderName", "the identity provider"),
    ("Identifier", "the resource server"),
    ("ClientId", "the app client"),
    ("ClientName", "the app clients, for one named"),
    ("Domain", "the domain"),
    ("PoolName", "the user pools, for one named"),
    ("UserPoolId", "the user pool"),
    ("ResourceArn", "the tags of"),
)


def object_of(request: dict[str, Any]) -> dict[str, Any]:
    """The members of ``request`` naming what it acts on, its pool (``UserPoolId``) aside."""
    return {member: request[member] for member, _ in OBJECT_MEMBERS if member != "UserPoolId" and member in request}


# --- pool IDs and ARNs -------------------------------------------------------------------------------------

# The shape of a region name (eu-west-1, us-gov-west-1), ASCII only: `\d` would also take full-width digits.
REGION_PATTERN = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
# A pool ID is "<region>_<suffix>" (eu-west-1_AbC123): the region is read from it, so one gateway
# serves pools in every region. ASCII only, and matched whole (`$` would let a trailing newline through).
_POOL_ID = re.compile(rf"(?P<region>{REGION_PATTERN})_[0-9A-Za-z]+", re.ASCII)
_ARN = re.compile(rf"arn:aws[a-z-]*:cognito-idp:(?P<region>{REGION_PATTERN}):", re.ASCII)
_POOL_ARN = re.compile(
    rf"arn:aws[a-z-]*:cognito-idp:{REGION_PATTERN}:[0-9]*:userpool/(?P<pool>{REGION_PATTERN}_[0-9A-Za-z]+)", re.ASCII
)


def region_of(user_pool_id: str) -> str:
    match = _POOL_ID.fullmatch(user_pool_id)
    if match is None:
        raise errors.invalid_parameter(
            f"'{user_pool_id}' is not a user pool ID (expected <region>_<id>, e.g. eu-west-1_AbC123)"
        )
    return match["region"]


def region_of_arn(arn: str) -> str:
    match = _ARN.match(arn)
    if match is None:
        raise errors.invalid_parameter(
            f"'{arn}' is not the ARN of a Cognito resource (arn:aws:cognito-idp:<region>:...)"
        )
    return match["region"]


def pool_of_arn(arn: str) -> str | None:
    """The user pool ID in a user pool's ARN (``...:userpool/eu-west-1_AbC``), or None for any other ARN."""
    match = _POOL_ARN.fullmatch(arn)
    return match["pool"] if match else None


def region_for(params: dict[str, Any], default: str) -> str:
    """The region a request goes to: its user pool's, its resource ARN's, else the default."""
    if params.get("UserPoolId"):
        return region_of(params["UserPoolId"])
    if params.get("ResourceArn"):
        return region_of_arn(params["ResourceArn"])
    return default


def over_limit(shape: Shape, value: Any, path: str = "") -> str | None:
    """The first value past its shape's ``max`` (string length, blob, list or map size), or a list or object where
    a string goes (only a JSON member can hold one), as a message, or None. botocore checks only the ``min``
    bounds before sending; this refuses the rest before a call is spent. (botocore's own type error would
    quote the value, whose repr recurses past any limit when it is nested ~1000 deep.)"""
    if shape.type_name == "string" and isinstance(value, (list, dict)):
        return f"{path or shape.name} must be a string, not {'a list' if isinstance(value, list) else 'an object'}"
    limit = shape.metadata.get("max")
    if limit is not None and isinstance(value, (str, bytes, list, dict)) and len(value) > limit:
        unit = "characters" if isinstance(value, str) else "bytes" if isinstance(value, bytes) else "items"
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
