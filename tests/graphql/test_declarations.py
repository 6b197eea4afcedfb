"""Every field that calls Cognito declares it (gateway.graphql.declarations), and a call no field declares is refused.

The test gateway runs with ``check_declarations`` (tests/conftest.py): every test that resolves a field through the
real app also proves that field's declaration covers what it calls.
"""

from typing import Any, Optional

import strawberry

from gateway.auth import Caller, Grant, Role
from gateway.cognito import model
from gateway.cognito.quotas import CATEGORY_OF
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import DeclaredCalls, calls, declaration, declared_fields
from gateway.graphql.pagination import CursorSeal
from gateway.graphql.schema import build_schema

# Resolvers that call no Cognito operation.
FREE = {
    ("Query", "me"),
    ("Query", "indexStatus"),
    ("User", "attribute"),
    ("Query", "searchUsers"),
    ("UserSearchConnection", "facets"),
    ("UserSearchConnection", "edges"),
    ("Query", "job"),
    ("Query", "jobs"),
    ("Job", "items"),
    ("Mutation", "cancelJob"),
    ("Subscription", "jobProgress"),
}


def resolver_fields(schema: Any) -> list[tuple[str, str, Any]]:
    """(type, field, GraphQL field) of every field of the schema's object types that has a resolver of its own."""
    found = []
    for type_name, named in sorted(schema.type_map.items()):
        if type_name.startswith("__") or not hasattr(named, "is_type_of"):
            continue
        for field_name, field in named.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is not None and definition.base_resolver is not None:
                found.append((type_name, field_name, field))
    return found


def test_every_resolver_declares_what_it_calls_or_is_known_to_call_nothing():
    schema = build_schema()._schema
    undeclared = {(type_name, name) for type_name, name, field in resolver_fields(schema) if declaration(field) is None}

    assert undeclared == FREE
    assert len(list(declared_fields(schema))) > 100  # root, nested, payload read-backs and mutations


def test_every_declared_operation_has_its_aws_facts():
    """A declaration names operations of the model (checked when the schema is built), each with a quota category."""
    declared = {operation for *_, call in declared_fields(build_schema()._schema) for operation in call.operations}

    assert declared <= set(model.service_model().operation_names)
    assert declared <= set(CATEGORY_OF)


@strawberry.type
class Probe:
    """Fields that list user pools: one declares it, one declares nothing, one declares another operation."""

    @strawberry.field(extensions=calls("ListUserPools", role=Role.VIEWER))
    async def declared(self, info: Info) -> Optional[int]:
        return len((await info.context.cognito.call("ListUserPools", MaxResults=1))["UserPools"])

    @strawberry.field
    async def undeclared(self, info: Info) -> Optional[int]:
        return len((await info.context.cognito.call("ListUserPools", MaxResults=1))["UserPools"])

    @strawberry.field(extensions=calls("DescribeUserPool", role=Role.VIEWER))
    async def declares_another(self, info: Info) -> Optional[int]:
        return len((await info.context.cognito.call("ListUserPools", MaxResults=1))["UserPools"])


async def test_a_call_no_field_being_resolved_declares_is_refused_before_it_is_sent(gateway, pool_id):
    """A schema of the probe fields, with the gateway's own declaration extension, run on the app's Cognito layer."""
    schema = strawberry.Schema(query=Probe, extensions=[DeclaredCalls])
    cognito = gateway.app.state.cognito
    caller = Caller(subject="test", auth_mode="none", grants=(Grant(Role.VIEWER),))
    context = Context.for_request(cognito, caller, {}, CursorSeal())
    gateway.reset_calls()

    result = await schema.execute("{ declared undeclared declaresAnother }", context_value=context)

    assert result.data == {"declared": 1, "undeclared": None, "declaresAnother": None}
    refused = {error.path[0]: str(error.original_error) for error in result.errors}
    assert set(refused) == {"undeclared", "declaresAnother"}
    assert "ListUserPools was called where the GraphQL field being resolved declares nothing" in refused["undeclared"]
    assert "declares ['DescribeUserPool']" in refused["declaresAnother"]
    assert gateway.calls == {"ListUserPools": 1}


async def test_reads_of_several_fields_batched_together_are_each_checked_against_their_own_field(gateway, pool_id):
    """mfaConfig and tags read through one loader batch, run in the first asker's context: each read is checked
    when its field asks for it, so neither is refused for the other's declaration."""
    document = "query($id: ID!) { userPool(id: $id) { ... on UserPool { mfaConfig { mfaConfiguration } tags } } }"

    data = await gateway.data(document, {"id": pool_id})

    assert data["userPool"]["mfaConfig"] == {"mfaConfiguration": "OFF"}
    assert gateway.calls["GetUserPoolMfaConfig"] == 1 and gateway.calls["ListTagsForResource"] == 1
