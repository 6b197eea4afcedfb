"""The audit trail: one JSON line per mutation field executed (allowed or denied, succeeded or failed).

Records go to the ``audit`` logger (not propagated), written to stdout or to ``GATEWAY_AUDIT_LOG_PATH``.
Each holds the caller, the operation, its target (``model.object_of``), the Cognito-shaped input with its secrets
redacted (``model.redact``), the outcome (the result's ``__typename``, ``FORBIDDEN`` or ``INTERNAL``), the Cognito request IDs and the duration.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson
from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryOptional
from strawberry.types.union import StrawberryUnion

from gateway.auth import AccessDenied
from gateway.cognito import model
from gateway.cognito.client import collecting_request_ids
from gateway.cognito.errors import CognitoException
from gateway.graphql.errors import error_type_for
from gateway.graphql.permissions import pool_of
from gateway.graphql.shapes import to_cognito
from gateway.observability.logs import CurrentStream

if TYPE_CHECKING:
    from gateway.graphql.declarations import CognitoCall

logger = logging.getLogger("audit")
logger.setLevel(logging.INFO)
logger.propagate = False


class JsonFormatter(logging.Formatter):
    """One JSON line per record, whatever the record holds: a record that cannot be written whole (a value
    json cannot encode, a recursion) is written with its input as ``TRUNCATED`` rather than lost."""

    def format(self, record: logging.LogRecord) -> str:
        document = getattr(record, "audit", None) or {"message": record.getMessage()}
        try:
            return _encode(document)
        except (TypeError, ValueError, RecursionError):
            return _encode({**document, "input": model.TRUNCATED, "object": model.TRUNCATED})


def _encode(document: dict[str, Any]) -> str:
    try:
        return orjson.dumps(document).decode()
    except orjson.JSONEncodeError:
        # orjson refuses integers past 64 bits, which a JSON input may hold: the stdlib encoder writes them.
        return json.dumps(document, default=str)


def configure(path: str | None) -> None:
    """Write the audit records to ``path`` (appended), or to stdout. Calling it again replaces the sink."""
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    handler = logging.FileHandler(path, encoding="utf-8") if path else CurrentStream("stdout")
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)


def outcome(error: Exception, union: StrawberryUnion) -> str:
    """The ``__typename`` (or error code) a mutation's failure becomes, as the error mapping will make it."""
    if isinstance(error, AccessDenied):
        return error.code
    if isinstance(error, CognitoException):
        return error_type_for(error, union.types).__strawberry_definition__.name
    return "INTERNAL"


class Audit(FieldExtension):
    """Records a mutation field, the operation its declaration names. Placed after the permission extension, it
    wraps it and sees denials too."""

    def __init__(self, call: CognitoCall, field_name: str) -> None:
        self.operation = call.operation
        self.field_name = field_name
        self.shape = model.operation(call.operation).input_shape

    def apply(self, field: Any) -> None:
        result = field.type
        self.union = result.of_type if isinstance(result, StrawberryOptional) else result

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        with collecting_request_ids() as request_ids:
            try:
                result = await next_(source, info, **kwargs)
            except Exception as error:
                self.write(info, kwargs, outcome(error, self.union), request_ids, started)
                raise
        self.write(info, kwargs, type(result).__strawberry_definition__.name, request_ids, started)
        return result

    def request(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The Cognito-shaped request the record holds (redacted by ``write``)."""
        return to_cognito(arguments["input"])

    def write(self, info: Any, arguments: dict[str, Any], result: str, request_ids: list[str], started: float) -> None:
        caller = info.context.caller
        try:
            request = self.request(arguments)
        except CognitoException:  # an input refused as it was read (a blob that is not base64): nothing was sent
            request = {}
        record = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "caller": caller.subject,
            "roles": [role.label for role in caller.roles],
            "auth_mode": caller.auth_mode,
            "operation": self.operation,
            "field": self.field_name,
            "pool": pool_of(None, arguments),
            "object": model.object_of(request),
            "input": model.redact(request, self.shape),
            "outcome": result,
            "request_ids": request_ids,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        }
        logger.info("%s %s: %s", caller.subject, self.field_name, result, extra={"audit": record})
