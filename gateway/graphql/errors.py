"""Cognito's exceptions as GraphQL types, the result unions built from the model, and the one mapping.

* Every exception shape of the model is an object type implementing ``CognitoError``
  (``UserNotFoundException`` -> ``UserNotFoundError``); ``ServiceError`` carries any other code.
* A root field returns ``<Name>Result``: its success type, the errors its operation declares, ``ServiceError``.
* :data:`EXCEPTION_HANDLERS` turn a raised :class:`CognitoException` into the union member of its code
  (Strawberry picks the first handler whose error type is in the field's union, so ``ServiceError``'s
  handler comes last and catches codes outside the union).
* :func:`shape_error` gives nested failures ``extensions {code, requestId, retryable}`` in ``errors[]``
  and masks everything unexpected (the HTTP view applies it to every response).
"""

import dataclasses
import enum
from collections.abc import Iterable
from typing import Annotated, Any, Optional, Union

import strawberry
from graphql import GraphQLError

from gateway.auth import AccessDenied
from gateway.cognito import model
from gateway.cognito.errors import CognitoException, OutcomeUnknown, ResponseMeta, exception_class
from gateway.cognito.import_upload import UploadFailed, UploadRefused
from gateway.graphql.shapes import summary


@strawberry.enum(description="Whether the caller (CLIENT) or Cognito (SERVER) is at fault.")
class ErrorFault(enum.Enum):
    CLIENT = "CLIENT"
    SERVER = "SERVER"


@strawberry.type(description="botocore's metadata of the failed call; null where botocore has no value.")
class ResponseMetadata:
    request_id: Optional[str]
    cf_id: Optional[str]
    extended_request_id: Optional[str]
    http_status_code: Optional[int]
    attempts: Optional[int]
    total_retry_delay: Optional[int]


@strawberry.interface(
    description="A failure reported by Cognito, or a request the gateway refused for Cognito's reasons."
)
class CognitoError:
    message: str
    code: str = strawberry.field(description="The Cognito exception name, e.g. UserNotFoundException.")
    fault: ErrorFault
    retryable: bool = strawberry.field(description="Whether botocore's standard retry mode would retry it.")
    request_id: Optional[str]
    metadata: Optional[ResponseMetadata]


@strawberry.type(description="A Cognito error this field does not declare, or a code the model does not know.")
class ServiceError(CognitoError):
    pass


@strawberry.type(
    description="A change that was sent to Cognito but whose answer never came (a timeout, a reset connection, a "
    "server error): it may or may not have taken effect. It was not retried; read the object before sending it again."
)
class OutcomeUnknownError(CognitoError):
    operation: str = strawberry.field(description="The Cognito operation whose outcome is unknown.")
    check: str = strawberry.field(description="What to read to learn whether the change took effect.")


@strawberry.type(
    description="S3 refused a user import job's CSV upload (403: the pre-signed URL expired, or the upload is not the "
    "one it was signed for); code and message are S3's. Sending it again will not help: a new job gives a new URL."
)
class CsvUploadRefusedError(CognitoError):
    pass


@strawberry.type(
    description="A user import job's CSV upload did not reach S3, timed out, or S3 failed: it may be sent again."
)
class CsvUploadFailedError(CognitoError):
    pass


def error_type_name(code: str) -> str:
    """``UserNotFoundException`` -> ``UserNotFoundError``, ``InternalErrorException`` -> ``InternalError``."""
    stem = code.removesuffix("Exception")
    return stem if stem.endswith("Error") else f"{stem}Error"


ERROR_TYPES: dict[str, type] = {
    code: strawberry.type(
        type(error_type_name(code), (CognitoError,), {"__module__": __name__}),
        description=summary(model.shape(code).documentation),
    )
    for code in model.error_codes()
}


def error_from_exception(error: CognitoException, error_type: type, **extra: Any) -> Any:
    meta: ResponseMeta | None = error.metadata
    return error_type(
        **extra,
        message=error.message,
        code=error.code,
        fault=ErrorFault(error.fault),
        retryable=error.retryable,
        request_id=error.request_id,
        # The GraphQL type mirrors the Cognito layer's dataclass field for field.
        metadata=ResponseMetadata(**dataclasses.asdict(meta)) if meta is not None else None,
    )


class CognitoErrorHandler(strawberry.ExceptionHandler):
    """Turns the exceptions of one Cognito code into its GraphQL error type."""

    def __init__(self, exception_type: type[CognitoException], error_type: type) -> None:
        self.exception_type = exception_type
        self.error_type = error_type

    def handle(self, exception: CognitoException, *, field: Any, info: Any) -> Any:
        return error_from_exception(exception, self.error_type)


class OutcomeUnknownHandler(CognitoErrorHandler):
    def handle(self, exception: OutcomeUnknown, *, field: Any, info: Any) -> Any:  # type: ignore[override]
        return error_from_exception(
            exception, OutcomeUnknownError, operation=exception.operation, check=exception.check
        )


EXCEPTION_HANDLERS: tuple[CognitoErrorHandler, ...] = (
    *(CognitoErrorHandler(exception_class(code), error_type) for code, error_type in ERROR_TYPES.items()),
    CognitoErrorHandler(UploadRefused, CsvUploadRefusedError),
    CognitoErrorHandler(UploadFailed, CsvUploadFailedError),
    OutcomeUnknownHandler(OutcomeUnknown, OutcomeUnknownError),
    CognitoErrorHandler(CognitoException, ServiceError),
)


def error_type_for(error: CognitoException, members: Iterable[type]) -> type:
    """The union member a Cognito failure becomes on a field whose union holds ``members``: the first handler
    of :data:`EXCEPTION_HANDLERS` that takes it, as Strawberry picks one."""
    present = set(members)
    return next(
        handler.error_type
        for handler in EXCEPTION_HANDLERS
        if isinstance(error, handler.exception_type) and handler.error_type in present
    )


def result_union(name: str, success: Iterable[type] | type, operation: str) -> Any:
    """``<success> | <errors the model declares for operation> | ServiceError`` as the union ``name``."""
    members = list(success) if isinstance(success, (list, tuple)) else [success]
    members += [ERROR_TYPES[code] for code in model.operation_error_codes(operation)]
    if not model.is_read(operation):
        members.append(OutcomeUnknownError)
    members.append(ServiceError)
    # Nullable, so that a field refused outright (FORBIDDEN) nulls itself, not its siblings' results.
    return Optional[Annotated[Union[tuple(members)], strawberry.union(name)]]  # type: ignore[valid-type]


def shape_error(error: GraphQLError) -> GraphQLError:
    """What a client sees of one ``errors[]`` entry: a Cognito failure keeps its message and gains
    ``extensions {code, requestId, retryable}``; anything unexpected is masked (its trace went to the log)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error  # syntax and validation errors speak for themselves
    if isinstance(original, AccessDenied):
        return GraphQLError(str(original), nodes=error.nodes, path=error.path, extensions={"code": original.code})
    if isinstance(original, CognitoException):
        extensions = {"code": original.code, "requestId": original.request_id, "retryable": original.retryable}
        return GraphQLError(original.message, nodes=error.nodes, path=error.path, extensions=extensions)
    return GraphQLError("Unexpected error.", nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL"})
