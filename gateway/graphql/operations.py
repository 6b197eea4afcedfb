"""Mutations declared from the model: ``<Operation>Input`` from the request shape, ``<Operation>Result``
from the operation's error list, ``<Operation>Payload`` from the response shape plus the fields a domain
module adds (the identifiers and the affected object, read lazily).
"""

from collections.abc import Callable
from typing import Any

import strawberry
from botocore import xform_name
from strawberry.types.field import StrawberryField

from gateway.cognito import model
from gateway.graphql.context import Context, Info
from gateway.graphql.errors import result_union
from gateway.graphql.shapes import cognito_type, input_type, summary, to_cognito

# respond(context, request parameters, Cognito's response) -> payload
Responder = Callable[[Context, dict[str, Any], dict[str, Any]], Any]


def payload_type(operation: str, base: type | None = None, **options: Any) -> type:
    """``<Operation>Payload``: ``base``'s fields plus every member of the operation's response shape."""
    name = f"{operation}Payload"
    cls = type(name, (base,) if base else (), {"__module__": base.__module__ if base else __name__})
    output = model.operation(operation).output_shape
    if output is None:
        return strawberry.type(cls, name=name)
    return cognito_type(output.name, name=name, **options)(cls)


def mutation(operation: str, payload: type, respond: Responder) -> StrawberryField:
    """A mutation field that sends its input to ``operation`` as is and answers with ``respond``'s payload."""
    op = model.operation(operation)
    input_cls = input_type(op.input_shape.name, name=f"{operation}Input")

    async def resolve(info: Info, input: Any) -> Any:
        request = to_cognito(input)
        response = await info.context.cognito.call(operation, **request)
        # Pages listed earlier in this request may no longer be what Cognito holds.
        info.context.loaders.page.clear_all()
        return respond(info.context, request, response)

    resolve.__name__ = xform_name(operation)
    resolve.__annotations__ = {
        "info": Info,
        "input": input_cls,
        "return": result_union(f"{operation}Result", payload, operation),
    }
    return strawberry.mutation(resolver=resolve, description=summary(op.documentation))
