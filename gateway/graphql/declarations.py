"""One declaration per field that calls Cognito, next to the field: which operation it calls, the role it needs and how
it fans out. Everything else reads the declarations from the schema's fields:

* the permission check: the declaration carries :func:`~gateway.graphql.permissions.requires` for its role;
* the query-cost rule (:mod:`gateway.graphql.limits`): a declared field is one call per parent object (``pages`` calls
  for a list that may read several Cognito pages), and a connection whose nodes are described one by one when the
  query selects beyond the list's summary (``each_node``) costs one more call per node;
* the coverage report (:mod:`gateway.coverage`): an operation is exposed by the fields that declare it;
* the audit (:mod:`gateway.graphql.audit`): a mutation's declaration names its operation.

With ``GATEWAY_CHECK_DECLARATIONS`` (on in the tests) a Cognito call is refused unless the field being resolved
declares its operation (its own, one in ``also``, or ``each_node``): a field that calls Cognito without a declaration,
or calls more than it declares, fails its tests.

A field (root or nested)::

    @strawberry.field(description="...", extensions=calls("<Operation>", role=Role.VIEWER))
    async def thing(self, info: Info, user_pool_id: strawberry.ID) -> ThingResult: ...

A mutation: ``mutation("<Operation>", payload, role=Role.OPERATOR)`` (:mod:`gateway.graphql.operations`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema
from strawberry.extensions import FieldExtension, SchemaExtension

from gateway.auth import Role
from gateway.cognito import model
from gateway.cognito.client import declaring
from gateway.graphql.permissions import requires


@dataclass(frozen=True)
class CognitoCall:
    """What a field calls, declared where the field is defined (see :func:`calls`)."""

    operation: str  # the Cognito operation the field calls (a mutation: the one named after it)
    role: Role  # the role the field needs, on the pool it names (or its parent's)
    # Operations it may call besides, which the cost rule leaves to the fields that declare them: the reads it starts
    # early for its children (Query.user's edges), an app client's secret looked up for SECRET_HASH...
    also: tuple[str, ...] = ()
    pages: int = 1  # the calls it makes at most: a list filtered for the caller reads several Cognito pages
    # A connection of summaries whose every node is described with this operation when the query selects more.
    each_node: str | None = None
    changes: bool = False  # a mutation: a change that names no pool needs a grant on every pool

    @property
    def operations(self) -> frozenset[str]:
        """Every operation the field may call."""
        return frozenset({self.operation, *self.also, *((self.each_node,) if self.each_node else ())})


class Declared(FieldExtension):
    """Carries a field's :class:`CognitoCall`, and declares its operations while its resolver runs (and in the tasks
    it starts: the reads started early, the dataloader batches it dispatches)."""

    def __init__(self, call: CognitoCall) -> None:
        for operation in call.operations:
            model.operation(operation)  # a name the model does not know fails here, when the schema is built
        self.call = call
        self._operations = call.operations

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        with declaring(self._operations):
            return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any) -> Any:
        with declaring(self._operations):
            return await next_(source, info, **kwargs)


class DeclaredCalls(SchemaExtension):
    """Within an execution, a call is declared by the field being resolved, or by none: a resolver without a
    declaration declares nothing (rather than leaving calls unchecked)."""

    def on_execute(self) -> Iterator[None]:
        with declaring(frozenset()):
            yield


def calls(
    operation: str,
    *,
    role: Role,
    also: tuple[str, ...] = (),
    pages: int = 1,
    each_node: str | None = None,
) -> list[FieldExtension]:
    """The extensions of a query or nested field that calls ``operation``: the permission check for ``role`` and
    the declaration (``extensions=calls("<Operation>", role=Role.VIEWER)``). Other extensions go after them."""
    call = CognitoCall(operation, role, also=also, pages=pages, each_node=each_node)
    return [requires(role), Declared(call)]


def declaration(field: GraphQLField) -> CognitoCall | None:
    """The declaration of a field of the built schema, if it has one."""
    definition = (field.extensions or {}).get("strawberry-definition")
    for extension in getattr(definition, "extensions", None) or ():
        if isinstance(extension, Declared):
            return extension.call
    return None


def declared_fields(schema: GraphQLSchema) -> Iterator[tuple[str, str, GraphQLField, CognitoCall]]:
    """(type name, field name, field, declaration) of every declared field of the schema's object types."""
    for type_name, named in sorted(schema.type_map.items()):
        if isinstance(named, GraphQLObjectType) and not type_name.startswith("__"):
            for field_name, field in named.fields.items():
                call = declaration(field)
                if call is not None:
                    yield type_name, field_name, field, call
