"""Mutations declared from the model: ``<Operation>Input`` from the request shape, ``<Operation>Result``
from the operation's error list, ``<Operation>Payload`` from the response shape plus the fields a domain
module adds (the identifiers and the affected object, read lazily).
"""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from botocore import xform_name
from strawberry.types.field import StrawberryField

from gateway.auth import Role
from gateway.cognito import model
from gateway.directory.writes import also_reads
from gateway.graphql.audit import Audit
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import CognitoCall, Declared
from gateway.graphql.errors import result_union
from gateway.graphql.permissions import requires
from gateway.graphql.shapes import (
    cognito_type,
    from_cognito,
    input_type,
    python_name,
    summary,
    to_cognito,
)

# respond(context, request parameters, Cognito's response) -> payload
Responder = Callable[[Context, dict[str, Any], dict[str, Any]], Any]


def payload_type(operation: str, base: type | None = None, **options: Any) -> type:
    """``<Operation>Payload``: ``base``'s fields plus every member of the operation's response shape."""
    name = f"{operation}Payload"
    cls = type(name, (base,) if base else (), {"__module__": base.__module__ if base else __name__})
    output = model.operation(operation).output_shape
    if output is None:  # Cognito answers with nothing: the payload is the base's fields alone
        cls.__cognito_members__ = cls.__cognito_context__ = ()  # type: ignore[attr-defined]
        return strawberry.type(cls, name=name)
    return cognito_type(output.name, name=name, **options)(cls)


def answer(payload: type, *identifiers: str) -> Responder:
    """The usual payload: the response's members plus the request members named (``UserPoolId``, ``Username``...)."""

    def respond(context: Context, request: dict[str, Any], response: dict[str, Any]) -> Any:
        fields = {python_name(member): request[member] for member in identifiers}
        # Nested objects that need their pool (a created `User`) take it from the request.
        return from_cognito(payload, response or {}, fields=fields, user_pool_id=request.get("UserPoolId"))

    return respond


def mutation(
    operation: str,
    payload: type,
    respond: Responder | None = None,
    *,
    role: Role,
    identifiers: tuple[str, ...] = (),
    check: Callable[[dict[str, Any]], None] | None = None,
) -> StrawberryField:
    """A mutation field that sends its input to ``operation`` and answers with a payload; ``role`` is the role it
    needs on the pool it names (its declaration, with the operation).

    ``respond`` builds the payload (default: :func:`answer` with ``identifiers``); ``check`` may refuse a
    request, raising a Cognito exception, before anything is sent.
    """
    op = model.operation(operation)
    input_cls = input_type(op.input_shape.name, name=f"{operation}Input")
    respond = respond or answer(payload, *identifiers)

    async def resolve(info: Info, input: Any) -> Any:
        request = to_cognito(input)
        if check is not None:
            check(request)
        response = await info.context.write(operation, request)
        await info.context.update_index(operation, request.get("UserPoolId"), request, response)
        return respond(info.context, request, response)

    return mutation_field(operation, input_cls, payload, resolve, role=role, also=also_reads(operation))


def mutation_field(
    operation: str,
    input_cls: type,
    payload: type,
    resolve: Callable[..., Awaitable[Any]],
    *,
    role: Role,
    also: tuple[str, ...] = (),
) -> StrawberryField:
    """The mutation field of ``operation``: ``(input: <input_cls>!): <Operation>Result``, whose union holds
    exactly the errors the model declares for the operation (and ServiceError). Its declaration: ``operation``,
    ``role`` and the operations it calls ``also`` (an app client's secret...). Every execution is audited."""
    call = CognitoCall(operation, role, also=also, changes=True)
    resolve.__name__ = xform_name(operation)
    resolve.__annotations__ = {
        "info": Info,
        "input": input_cls,
        "return": result_union(f"{operation}Result", payload, operation),
    }
    # The operation's own name, first letter lowered: adminSetUserMFAPreference, not ...MfaPreference.
    name = operation[0].lower() + operation[1:]
    return strawberry.mutation(
        resolver=resolve,
        name=name,
        description=summary(model.operation(operation).documentation),
        # The last extension is the outermost: the audit wraps the permission check and sees its denials.
        extensions=[requires(role, changes=True), Declared(call), Audit(call, name)],
    )
