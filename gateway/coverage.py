"""How much of the Cognito API the graph covers, measured against the botocore model: ``docs/coverage.md``.

Every operation of the model is either exposed (by the fields that declare it: gateway.graphql.declarations) or
listed in :data:`NOT_EXPOSED` with the reason. ``cognito-gateway coverage`` prints the report; a test fails when
``docs/coverage.md`` differs from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import botocore
from botocore import xform_name
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, GraphQLSchema
from strawberry.utils.str_converters import to_camel_case

from gateway.cognito import model
from gateway.graphql.declarations import declared_fields
from gateway.graphql.errors import error_type_name
from gateway.graphql.shapes import (
    EXCLUDED_MEMBERS,
    enum_member_name,
    graphql_name,
    registered_input_types,
    registered_output_types,
)

_SELF_SERVICE = "an end user's own operation, authorized by their access token; the admin graph exposes {}"

NOT_EXPOSED: dict[str, str] = {
    "AssociateSoftwareToken": _SELF_SERVICE.format("the pool's MFA settings and adminSetUserMFAPreference"),
    "VerifySoftwareToken": _SELF_SERVICE.format("the pool's MFA settings and adminSetUserMFAPreference"),
    "ChangePassword": _SELF_SERVICE.format("adminSetUserPassword"),
    "DeleteUser": _SELF_SERVICE.format("adminDeleteUser"),
    "DeleteUserAttributes": _SELF_SERVICE.format("adminDeleteUserAttributes"),
    "UpdateUserAttributes": _SELF_SERVICE.format("adminUpdateUserAttributes"),
    "GetUser": _SELF_SERVICE.format("Query.user"),
    "GetUserAttributeVerificationCode": _SELF_SERVICE.format("adminUpdateUserAttributes"),
    "VerifyUserAttribute": _SELF_SERVICE.format("adminUpdateUserAttributes (email_verified, phone_number_verified)"),
    "GetUserAuthFactors": _SELF_SERVICE.format("User.preferredMfaSetting and User.userMfaSettingList"),
    "GlobalSignOut": _SELF_SERVICE.format("adminUserGlobalSignOut"),
    "GetDevice": _SELF_SERVICE.format("Query.device"),
    "ListDevices": _SELF_SERVICE.format("Query.devices"),
    "ForgetDevice": _SELF_SERVICE.format("adminForgetDevice"),
    "UpdateDeviceStatus": _SELF_SERVICE.format("adminUpdateDeviceStatus"),
    "SetUserMFAPreference": _SELF_SERVICE.format("adminSetUserMFAPreference"),
    "SetUserSettings": _SELF_SERVICE.format("adminSetUserSettings"),
    "StartWebAuthnRegistration": _SELF_SERVICE.format("the pool's WebAuthn settings (UserPool.mfaConfig)"),
    "CompleteWebAuthnRegistration": _SELF_SERVICE.format("the pool's WebAuthn settings (UserPool.mfaConfig)"),
    "ListWebAuthnCredentials": _SELF_SERVICE.format("the pool's WebAuthn settings (UserPool.mfaConfig)"),
    "DeleteWebAuthnCredential": _SELF_SERVICE.format("the pool's WebAuthn settings (UserPool.mfaConfig)"),
}


def field_name(member: str) -> str:
    """A shape member's GraphQL field name: botocore's snake_case name, camel-cased the way the schema does it."""
    return to_camel_case(xform_name(member))


def _mutations_first(shown: str) -> tuple[int, str]:
    """Mutations, then root queries, then nested fields, then descriptions, each in name order."""
    rank = 0 if shown.startswith("Mutation.") else 1 if shown.startswith("Query.") else 3 if " " in shown else 2
    return rank, shown


@dataclass(frozen=True)
class ShapeCoverage:
    shape: str
    graphql_type: str
    members: tuple[str, ...]
    missing: tuple[str, ...]  # members without a field that are not excluded: always empty when the test passes
    excluded: tuple[str, ...]


class Coverage:
    """The schema measured against the model."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema

    @cached_property
    def declared(self) -> dict[str, tuple[str, ...]]:
        """Operation -> the fields that declare it (``Type.field``), mutations first."""
        found: dict[str, list[str]] = {}
        for type_name, field_name, _, call in declared_fields(self.schema):
            found.setdefault(call.operation, []).append(f"{type_name}.{field_name}")
        return {operation: tuple(sorted(fields, key=_mutations_first)) for operation, fields in found.items()}

    @cached_property
    def exposed(self) -> dict[str, tuple[str, ...]]:
        """Operation -> where the graph exposes it, as the report shows it: the fields that declare it, a payload's
        read-back once for all payloads (``payload `user` fields``), and the connections that describe their nodes."""
        exposed: dict[str, list[str]] = {}
        for type_name, field_name, field, call in declared_fields(self.schema):
            shown = f"payload `{field_name}` fields" if type_name.endswith("Payload") else f"{type_name}.{field_name}"
            if shown not in exposed.setdefault(call.operation, []):
                exposed[call.operation].append(shown)
            if call.each_node is not None:
                exposed.setdefault(call.each_node, []).append(f"{field_name} nodes beyond the summary")
        return {
            operation: tuple(sorted(set(shown), key=_mutations_first)) for operation, shown in sorted(exposed.items())
        }

    @cached_property
    def object_shapes(self) -> list[ShapeCoverage]:
        """Every object type of the schema made from a Cognito shape, with its members' coverage."""
        result = []
        for shape_name, cls in registered_output_types().items():
            name = cls.__strawberry_definition__.name
            graphql_type = self.schema.type_map.get(name)
            if not isinstance(graphql_type, GraphQLObjectType):
                continue
            members = tuple(model.shape(shape_name).members)
            excluded = tuple(m for m in members if (shape_name, m) in EXCLUDED_MEMBERS)
            missing = tuple(m for m in members if m not in excluded and field_name(m) not in graphql_type.fields)
            result.append(ShapeCoverage(shape_name, name, members, missing, excluded))
        return sorted(result, key=lambda item: item.graphql_type)

    @cached_property
    def input_shapes(self) -> list[ShapeCoverage]:
        result = []
        for shape_name, cls in registered_input_types().items():
            name = cls.__strawberry_definition__.name
            graphql_type = self.schema.type_map.get(name)
            if not isinstance(graphql_type, GraphQLInputObjectType):
                continue
            members = tuple(model.shape(shape_name).members)
            missing = tuple(m for m in members if field_name(m) not in graphql_type.fields)
            result.append(ShapeCoverage(shape_name, name, members, missing, ()))
        return sorted(result, key=lambda item: item.graphql_type)

    @cached_property
    def enums(self) -> dict[str, tuple[str, bool]]:
        """Enum shape -> (GraphQL enum, whether it has every value of the model) for the enums in the schema."""
        result = {}
        for shape_name in model.service_model().shape_names:
            shape = model.shape(shape_name)
            graphql_enum = self.schema.type_map.get(graphql_name(shape_name)) if getattr(shape, "enum", None) else None
            if isinstance(graphql_enum, GraphQLEnumType):
                complete = {enum_member_name(value) for value in shape.enum} == set(graphql_enum.values)
                result[shape_name] = (graphql_enum.name, complete)
        return dict(sorted(result.items()))

    @cached_property
    def error_types(self) -> dict[str, bool]:
        """Exception shape -> whether its error type is in the schema."""
        return {code: error_type_name(code) in self.schema.type_map for code in model.error_codes()}

    def totals(self) -> dict[str, tuple[int, int]]:
        members = sum(len(item.members) for item in self.object_shapes)
        covered = members - sum(len(item.missing) + len(item.excluded) for item in self.object_shapes)
        return {
            "operations exposed": (len(self.exposed), len(model.service_model().operation_names)),
            "members of exposed object shapes with a field": (covered, members),
            "exceptions with a GraphQL error type": (sum(self.error_types.values()), len(self.error_types)),
            "enums with every value": (sum(complete for _, complete in self.enums.values()), len(self.enums)),
        }

    def render(self) -> str:
        lines = [
            "# Cognito API coverage",
            "",
            "Generated by `cognito-gateway coverage > docs/coverage.md` from the cognito-idp model of the botocore",
            f"that aiobotocore pins ({botocore.__version__}); `tests/test_coverage.py` fails when this file is stale.",
            "",
            "| what | covered | of |",
            "|---|---:|---:|",
        ]
        lines += [f"| {what} | {covered} | {total} |" for what, (covered, total) in self.totals().items()]
        lines += ["", "## Operations", "", "| operation | exposed as | or why not |", "|---|---|---|"]
        for operation in sorted(model.service_model().operation_names):
            fields = self.exposed.get(operation)
            shown = ", ".join(field if " " in field else f"`{field}`" for field in fields or ())
            lines.append(
                f"| {operation} | {shown} | {'' if fields else NOT_EXPOSED.get(operation, '**not accounted for**')} |"
            )
        lines += ["", "## Members left out of their type", "", "| shape | member | why |", "|---|---|---|"]
        lines += [f"| {shape} | {member} | {why} |" for (shape, member), why in sorted(EXCLUDED_MEMBERS.items())]
        lines += [
            "",
            "## Object types from Cognito shapes",
            "",
            "| GraphQL type | Cognito shape | members |",
            "|---|---|---:|",
        ]
        lines += [f"| {item.graphql_type} | {item.shape} | {len(item.members)} |" for item in self.object_shapes]
        lines += ["", "## Enums", "", "| GraphQL enum | Cognito shape | every value |", "|---|---|---|"]
        lines += [
            f"| {name} | {shape} | {'yes' if complete else 'NO'} |" for shape, (name, complete) in self.enums.items()
        ]
        return "\n".join(lines) + "\n"


def coverage_report() -> str:
    from gateway.graphql.schema import build_schema

    return Coverage(build_schema()._schema).render()
