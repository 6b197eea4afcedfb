"""The per-request context: the caller, the app's Cognito gateway and this request's dataloaders."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import strawberry

from gateway.auth import Caller
from gateway.cognito import CognitoGateway
from gateway.graphql.loaders import Loaders
from gateway.graphql.pagination import CursorSeal
from gateway.observability import tracing


@dataclass
class Context:
    cognito: CognitoGateway
    loaders: Loaders
    caller: Caller
    cursors: CursorSeal  # the app's: seals and opens the connections' cursors
    trace_parent: Any = None  # the caller's trace (an OpenTelemetry context) when tracing is on
    database: Any = None  # the app's gateway.store.Database: the directory index

    @classmethod
    def for_request(
        cls,
        cognito: CognitoGateway,
        caller: Caller,
        headers: Mapping[str, str],
        cursors: CursorSeal,
        database: Any = None,
    ) -> "Context":
        """A request's context: its own dataloaders, built here and never shared with another request."""
        trace_parent = tracing.remote_parent(headers) if cognito.tracer is not None else None
        loaders = Loaders.build(cognito)
        return cls(cognito, loaders, caller, cursors, trace_parent, database)

    def written(self, request: dict[str, Any]) -> None:
        """After a mutation: forget what it may have changed, in this request and in the shared cache."""
        self.loaders.forget_written(request)
        self.cognito.forget(request)


Info = strawberry.Info[Context, None]
