"""GraphQL types made from the botocore model, so every member of a Cognito shape is a field.

Naming follows the contract: a shape's name without ``Type`` (``UserType`` -> ``User``), members in
lowerCamelCase of botocore's snake_case (``UserMFASettingList`` -> ``userMfaSettingList``), enum values in
SCREAMING_SNAKE_CASE of the Cognito value (``SignInWithApple`` -> ``SIGN_IN_WITH_APPLE``).

Domain modules declare the types that carry resolvers of their own with :func:`cognito_type`; every
other shape they reach (policies, configurations, attributes...) is generated here on first use.
Responses become instances with :func:`from_cognito` (plain attributes, no per-field resolvers) and
inputs become request parameters with :func:`to_cognito`.
"""

from __future__ import annotations

import base64
import binascii
import enum
import html
import keyword
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, TypeVar

import strawberry
from botocore import xform_name
from botocore.model import Shape
from strawberry.scalars import JSON

from gateway.auth import Role
from gateway.cognito import model
from gateway.cognito.errors import invalid_parameter
from gateway.graphql.permissions import requires

logger = logging.getLogger(__name__)

# Where stripping "Type" makes two shapes one name, the shape the seed names keeps the plain name and
# the other says where it is used (the README lists these).
RENAMED_SHAPES: dict[str, str] = {
    "ChallengeName": "AuthEventChallengeName",
    "ChallengeResponse": "AuthEventChallengeResponse",
    "VerifySoftwareTokenResponse": "VerifySoftwareTokenResult",
}

# Members no GraphQL type carries as a field, each with its reason (docs/coverage.md lists them).
EXCLUDED_MEMBERS: dict[tuple[str, str], str] = {
    ("UserPoolClientType", "ClientSecret"): (
        "a secret: only createUserPoolClient's payload and the userPoolClientSecret query return it"
    ),
}

Converter = Callable[[Any, dict[str, Any]], Any]
T = TypeVar("T")


def graphql_name(shape_name: str) -> str:
    if shape_name in RENAMED_SHAPES:
        return RENAMED_SHAPES[shape_name]
    return shape_name[: -len("Type")] if shape_name.endswith("Type") and shape_name != "Type" else shape_name


def python_name(member: str) -> str:
    name = xform_name(member)
    return f"{name}_" if keyword.iskeyword(name) else name


def enum_member_name(value: str) -> str:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value)
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", words)
    return re.sub(r"[^A-Za-z0-9]+", "_", words).strip("_").upper()


def summary(documentation: str | None) -> str | None:
    """The first sentence of a model documentation string, without its HTML."""
    if not documentation:
        return None
    text = html.unescape(re.sub(r"<[^>]+>", "", documentation))
    text = " ".join(text.split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return sentence or None


# --- enums -----------------------------------------------------------------------------------------

_ENUMS: dict[str, type[enum.Enum]] = {}


def enum_type(shape_name: str) -> type[enum.Enum]:
    """The GraphQL enum of a Cognito enum shape; Python values are Cognito's values."""
    if shape_name not in _ENUMS:
        shape = model.shape(shape_name)
        python_enum = enum.Enum(  # type: ignore[misc]
            graphql_name(shape_name), {enum_member_name(value): value for value in shape.enum}
        )
        _ENUMS[shape_name] = strawberry.enum(python_enum, description=summary(shape.documentation))
    return _ENUMS[shape_name]


# --- output types ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Member:
    python_name: str
    member: str
    convert: Converter | None  # None: the value is used as botocore gives it


_OUTPUT_TYPES: dict[str, type] = {}


def _identity_scalar(shape: Shape) -> Any:
    return {
        "string": str,
        "boolean": bool,
        "integer": int,
        "long": int,
        "float": float,
        "double": float,
        "timestamp": datetime,
        "blob": str,
        "map": JSON,
    }[shape.type_name]


def is_document(shape: Shape) -> bool:
    """Whether a shape is the model's free-form JSON document (``Document``): the ``JSON`` scalar, in and out."""
    return shape.type_name == "structure" and bool(shape.metadata.get("document"))


def blob_text(value: bytes, ctx: dict[str, Any]) -> str:
    """A blob as the graph shows it: base64 text (botocore hands over the decoded bytes)."""
    return base64.b64encode(value).decode("ascii")


def blob_bytes(value: str, member: str) -> bytes:
    """A blob sent as base64 text, decoded for botocore (which encodes it again). Whitespace (line-wrapped base64) is
    ignored; other text that is not base64 is refused before any call."""
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):  # ValueError: a character outside ASCII
        raise invalid_parameter(
            f"{member or 'A binary member'} must be base64 text; {len(value)} characters were not"
        ) from None


def _output(shape: Shape) -> tuple[Any, Converter | None]:
    """A member shape's GraphQL annotation and how to convert botocore's value to it."""
    if is_document(shape):
        return JSON, None
    if shape.type_name == "blob":
        return str, blob_text
    if getattr(shape, "enum", None):
        python_enum = enum_type(shape.name)
        members = {member.value: member for member in python_enum}  # a dict: Enum(value) costs ~5 µs

        def convert_enum(value: str, ctx: dict[str, Any]) -> Any:
            try:
                return members[value]
            except (KeyError, TypeError):
                # Cognito may answer with a value newer than the pinned model: one unknown status must
                # not fail a whole page of users.
                logger.warning("Cognito sent %r, a value %s does not know yet", value, python_enum.__name__)
                return None

        return python_enum, convert_enum
    if shape.type_name == "structure":
        cls = output_type(shape.name)
        return cls, lambda value, ctx: from_cognito(cls, value, **ctx)
    if shape.type_name == "list":
        item, convert_item = _output(shape.member)
        if convert_item is None:
            return list[item], None
        return list[item], lambda values, ctx: [convert_item(value, ctx) for value in values]
    return _identity_scalar(shape), None


def cognito_type(
    shape_name: str,
    *,
    name: str | None = None,
    extra: Iterable[tuple[str, str]] = (),
    exclude: Iterable[str] = (),
    context: Iterable[str] = (),
) -> Callable[[type], type]:
    """Make a class a GraphQL object type with a field for every member of a Cognito shape.

    ``extra`` adds members of other shapes as ``(shape, member)`` pairs (``AdminGetUser`` answers with
    members ``UserType`` lacks); ``exclude`` names members the class resolves itself or must never expose;
    ``context`` names private attributes (``user_pool_id``) that :func:`from_cognito` passes down to
    nested objects. Fields the class defines itself are kept as written.
    """

    def decorate(cls: type) -> type:
        shape = model.shape(shape_name)
        members = [(member, shape.members[member]) for member in shape.members]
        members += [(member, model.shape(owner).members[member]) for owner, member in extra]
        skipped = set(exclude)
        annotations: dict[str, Any] = {}
        specs: list[_Member] = []
        for member, member_shape in members:
            attribute = python_name(member)
            if member in skipped or attribute in cls.__dict__ or (shape_name, member) in EXCLUDED_MEMBERS:
                continue
            annotation, convert = _output(member_shape)
            annotations[attribute] = Optional[annotation]
            field_name = xform_name(member) if attribute.endswith("_") else None
            description = summary(member_shape.documentation)
            # A secret (a token, a session) is readable by admins only, wherever its type is reached.
            extensions = [requires(Role.ADMIN)] if model.is_secret(member_shape) else []
            field = strawberry.field(default=None, name=field_name, description=description, extensions=extensions)
            setattr(cls, attribute, field)
            specs.append(_Member(attribute, member, convert))
        for attribute in context:
            annotations[attribute] = strawberry.Private[Optional[str]]
            setattr(cls, attribute, None)
        cls.__annotations__ = {**annotations, **cls.__dict__.get("__annotations__", {})}
        cls.__cognito_members__ = tuple(specs)  # type: ignore[attr-defined]
        cls.__cognito_context__ = tuple(context)  # type: ignore[attr-defined]
        cls.__cognito_shape__ = shape_name  # type: ignore[attr-defined]
        graphql_cls = strawberry.type(
            cls, name=name or graphql_name(shape_name), description=summary(shape.documentation)
        )
        _OUTPUT_TYPES.setdefault(shape_name, graphql_cls)
        return graphql_cls

    return decorate


def output_type(shape_name: str) -> type:
    """The GraphQL object type of a shape: the one a domain module declared, else a generated one."""
    if shape_name not in _OUTPUT_TYPES:
        cls = type(graphql_name(shape_name), (), {"__module__": __name__})
        _OUTPUT_TYPES[shape_name] = cognito_type(shape_name)(cls)
    return _OUTPUT_TYPES[shape_name]


def registered_output_types() -> dict[str, type]:
    """Shape name -> the GraphQL object type made from it so far."""
    return dict(_OUTPUT_TYPES)


def from_cognito(cls: type[T], data: dict[str, Any], *, fields: dict[str, Any] | None = None, **context: Any) -> T:
    """An instance of a :func:`cognito_type` class from botocore's dict.

    ``context`` fills the private attributes the class (and any nested object) declared; ``fields`` sets
    fields of the class's own that no shape member gives (a payload's identifiers).
    """
    values: dict[str, Any] = dict(fields or {})
    for spec in cls.__cognito_members__:  # type: ignore[attr-defined]
        value = data.get(spec.member)
        if value is not None and spec.convert is not None:
            value = spec.convert(value, context)
        values[spec.python_name] = value
    for attribute in cls.__cognito_context__:  # type: ignore[attr-defined]
        values[attribute] = context.get(attribute)
    return cls(**values)


# --- input types -----------------------------------------------------------------------------------

_INPUT_TYPES: dict[str, type] = {}


def _input(shape: Shape, member: str) -> tuple[Any, Converter | None]:
    if member == "UserPoolId":
        return strawberry.ID, None
    if getattr(shape, "enum", None):
        return enum_type(shape.name), lambda value, ctx: value.value
    if is_document(shape):
        return JSON, None
    if shape.type_name == "blob":
        return str, lambda value, ctx: blob_bytes(value, member)
    if shape.type_name == "structure":
        cls = input_type(shape.name)
        return cls, lambda value, ctx: to_cognito(value)
    if shape.type_name == "list":
        item, convert_item = _input(shape.member, "")
        if convert_item is None:
            return list[item], None
        return list[item], lambda values, ctx: [convert_item(value, ctx) for value in values]
    if shape.type_name == "timestamp":
        return datetime, None
    return _identity_scalar(shape), None


def input_type(shape_name: str, name: str | None = None) -> type:
    """The GraphQL input type of a request or nested shape (``AttributeType`` -> ``AttributeInput``)."""
    if shape_name in _INPUT_TYPES:
        return _INPUT_TYPES[shape_name]
    shape = model.shape(shape_name)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__}
    specs: list[_Member] = []
    required = set(shape.required_members)
    for member, member_shape in shape.members.items():
        attribute = python_name(member)
        annotation, convert = _input(member_shape, member)
        field_name = xform_name(member) if attribute.endswith("_") else None
        description = summary(member_shape.documentation)
        if member in required:
            annotations[attribute] = annotation
            namespace[attribute] = strawberry.field(name=field_name, description=description)
        else:
            annotations[attribute] = Optional[annotation]
            namespace[attribute] = strawberry.field(default=strawberry.UNSET, name=field_name, description=description)
        specs.append(_Member(attribute, member, convert))
    # Required fields have no default, so they must come first in the generated dataclass.
    required_attributes = {python_name(member) for member in required}
    namespace["__annotations__"] = dict(
        sorted(annotations.items(), key=lambda item: item[0] not in required_attributes)
    )
    namespace["__cognito_members__"] = tuple(specs)
    cls = type(name or f"{graphql_name(shape_name)}Input", (), namespace)
    _INPUT_TYPES[shape_name] = strawberry.input(cls, description=summary(shape.documentation))
    return _INPUT_TYPES[shape_name]


def registered_input_types() -> dict[str, type]:
    """Shape name -> the GraphQL input type made from it so far."""
    return dict(_INPUT_TYPES)


def to_cognito(value: Any) -> dict[str, Any]:
    """Request parameters from an input made by :func:`input_type`; unset and null fields are left out."""
    params: dict[str, Any] = {}
    for spec in value.__cognito_members__:
        item = getattr(value, spec.python_name)
        if item is strawberry.UNSET or item is None:
            continue
        params[spec.member] = spec.convert(item, {}) if spec.convert is not None else item
    return params
