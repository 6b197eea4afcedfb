"""Cognito failures as Python exceptions: one class per exception shape of the model, decoded in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from aiohttp import ClientConnectorError
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

from gateway.cognito import model

# botocore's standard retry mode classifies these as retryable; we report the same classification.
_RETRYABLE_CODES = frozenset(
    ThrottledRetryableChecker._THROTTLED_ERROR_CODES + TransientRetryableChecker._TRANSIENT_ERROR_CODES
)
_RETRYABLE_STATUS = frozenset(TransientRetryableChecker._TRANSIENT_STATUS_CODES) | {429}
_CONNECTION_ERRORS = (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError, ConnectionClosedError)


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """botocore's response metadata for one call (``None`` where botocore has no value)."""

    request_id: str | None = None
    cf_id: str | None = None
    extended_request_id: str | None = None
    http_status_code: int | None = None
    attempts: int | None = None
    total_retry_delay: int | None = None

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> ResponseMeta:
        meta = response.get("ResponseMetadata") or {}
        headers = meta.get("HTTPHeaders") or {}
        retries = meta.get("RetryAttempts")
        return cls(
            request_id=meta.get("RequestId") or headers.get("x-amzn-requestid"),
            cf_id=headers.get("x-amz-cf-id"),
            extended_request_id=headers.get("x-amz-id-2") or meta.get("HostId") or None,
            http_status_code=meta.get("HTTPStatusCode"),
            attempts=None if retries is None else retries + 1,
        )


class CognitoException(Exception):
    """A failed Cognito call, or a request refused before it was sent (then ``metadata`` is ``None``).

    Subclasses, one per exception shape of the model, are made by :func:`exception_class`; an unknown
    code is an instance of this base class carrying the real ``code``.
    """

    code: str = "ServiceError"
    modeled: ClassVar[bool] = False
    never_sent: bool = False  # a connection failure before the request was written

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        metadata: ResponseMeta | None = None,
        retryable: bool | None = None,
        fault: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.metadata = metadata
        status = metadata.http_status_code if metadata else None
        if fault is None:
            fault = "SERVER" if (status or 0) >= 500 or self._modeled_fault() else "CLIENT"
        self.fault = fault
        if retryable is None:
            retryable = self.code in _RETRYABLE_CODES or status in _RETRYABLE_STATUS
        self.retryable = retryable

    def _modeled_fault(self) -> bool:
        return self.modeled and bool(model.shape(self.code).metadata.get("fault"))

    @property
    def request_id(self) -> str | None:
        return self.metadata.request_id if self.metadata else None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@cache
def exception_class(code: str) -> type[CognitoException]:
    """The exception class for a code of the model, or the base class for a code the model lacks."""
    if code not in model.error_codes():
        return CognitoException
    return type(code, (CognitoException,), {"code": code, "modeled": True, "__module__": __name__})


_THROTTLED = frozenset(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)


def _never_sent(error: Exception) -> bool:
    """Whether a connection failure happened before the request was written: a connect timeout, or a refused
    connection (botocore reports a reset after sending as an EndpointConnectionError too: only the cause tells)."""
    return isinstance(error, ConnectTimeoutError) or (
        isinstance(error, EndpointConnectionError) and isinstance(error.kwargs.get("error"), ClientConnectorError)
    )


def not_executed(failure: CognitoException) -> bool:
    """Whether the failed request certainly changed nothing, so sending it again is safe (it never left, or
    Cognito throttled it)."""
    return failure.never_sent or failure.code in _THROTTLED


def clean_failure(failure: CognitoException) -> bool:
    """Whether Cognito answered that it did not do it (a 4xx), or the request never left; otherwise (a
    timeout, a reset connection, a 5xx) a write may or may not have taken effect."""
    status = failure.metadata.http_status_code if failure.metadata else None
    return (
        not_executed(failure) or (status is not None and status < 500) or (failure.metadata is None and failure.modeled)
    )


class OutcomeUnknown(CognitoException):
    """A write that may have reached Cognito, but whose answer never came (a read timeout, a connection
    reset, a 5xx): it may or may not have taken effect. Never reported as a success or as a clean failure,
    and never retried blindly; ``check`` says what to read before deciding to send it again."""

    code = "OutcomeUnknown"

    def __init__(self, operation: str, cause: CognitoException, check: str) -> None:
        super().__init__(
            f"{operation} was sent, but its outcome is unknown ({cause.code}: {cause.message}). {check}",
            metadata=cause.metadata,
            retryable=False,
            fault="SERVER",
        )
        self.operation = operation
        self.cause = cause
        self.check = check


def what_to_check(operation: str, params: dict[str, Any]) -> str:
    """The read that tells whether a write whose answer was lost took effect."""
    pool = params.get("UserPoolId")
    for member, thing in model.OBJECT_MEMBERS:
        value = params.get(member)
        if isinstance(value, str):
            where = f" of user pool {pool}" if pool and member != "UserPoolId" else ""
            return f"Read {thing} '{value}'{where} to see whether it took effect before sending {operation} again."
    return f"Check what {operation} would have changed before sending it again."


def invalid_parameter(message: str) -> CognitoException:
    """A request refused by the gateway before any Cognito call, typed as Cognito would type it."""
    return exception_class("InvalidParameterException")(message)


def decode(error: Exception) -> CognitoException:
    """Turn what aiobotocore raised into a typed :class:`CognitoException` (the one place that maps errors)."""
    if isinstance(error, CognitoException):
        return error
    if isinstance(error, ClientError):
        body = error.response.get("Error") or {}
        code = body.get("Code") or "ServiceError"
        # Some protocols prefix the code with a namespace ("...#UserNotFoundException").
        code = code.rsplit("#", 1)[-1]
        metadata = ResponseMeta.from_response(error.response)
        message = body.get("Message") or ""
        if not message or message.lstrip().startswith("<"):
            # No error document (a proxy's or a load balancer's HTML page): say what is known instead.
            message = f"Cognito answered HTTP {metadata.http_status_code} without error details"
        return exception_class(code)(message, code=code, metadata=metadata)
    if isinstance(error, ParamValidationError):
        # botocore checks the request against the model before sending it: Cognito would refuse it the same way.
        return exception_class("InvalidParameterException")(str(error).replace("\n", " "))
    if isinstance(error, _CONNECTION_ERRORS):
        unsent = _never_sent(error)
        message = "Cognito could not be reached" if unsent else "The connection to Cognito failed before it answered"
        failure = CognitoException(message, code=type(error).__name__, retryable=True, fault="SERVER")
        failure.never_sent = unsent
        return failure
    if isinstance(error, BotoCoreError):
        return CognitoException(str(error), code=type(error).__name__, retryable=False, fault="SERVER")
    raise TypeError(f"not a Cognito failure: {error!r}")
