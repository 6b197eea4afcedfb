"""The per-request context: the caller, the app's Cognito gateway and this request's dataloaders."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import strawberry

from gateway.auth import Caller
from gateway.cognito import CognitoGateway
from gateway.cognito.errors import OutcomeUnknown
from gateway.directory.sync import IndexRunner
from gateway.directory.writes import apply_write
from gateway.graphql.loaders import Loaders
from gateway.graphql.pagination import CursorSeal
from gateway.jobs.runner import JobRunner
from gateway.observability import tracing


@dataclass
class Context:
    cognito: CognitoGateway
    loaders: Loaders
    caller: Caller | None  # None only on a websocket before its connection_init authenticates it
    cursors: CursorSeal  # the app's: seals and opens the connections' cursors
    trace_parent: Any = None  # the caller's trace (an OpenTelemetry context) when tracing is on
    index: IndexRunner | None = None  # the app's directory index (its repository, syncs, columns and states)
    jobs: JobRunner | None = None  # the app's bulk job runner
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload

    @classmethod
    def for_request(
        cls,
        cognito: CognitoGateway,
        caller: Caller | None,
        headers: Mapping[str, str],
        cursors: CursorSeal,
        index: IndexRunner | None = None,
        jobs: JobRunner | None = None,
    ) -> "Context":
        """A request's context: its own dataloaders, built here and never shared with another request."""
        trace_parent = tracing.remote_parent(headers) if cognito.tracer is not None else None
        loaders = Loaders.build(cognito)
        return cls(
            cognito=cognito,
            loaders=loaders,
            caller=caller,
            cursors=cursors,
            trace_parent=trace_parent,
            index=index,
            jobs=jobs,
        )

    async def write(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """A mutation's call. Then what it may have changed is forgotten, in this request and in the shared cache (on
        every replica, before the answer leaves): after an answer, and after a lost one too (``OutcomeUnknown``),
        whose error advises a read that must not come from the cache."""
        try:
            response = await self.cognito.call(operation, **request)
        except OutcomeUnknown:
            await self._written(request)
            raise
        await self._written(request)
        return response

    async def _written(self, request: dict[str, Any]) -> None:
        self.loaders.forget_written(request)
        await self.cognito.forget(request)

    async def update_index(
        self, operation: str, user_pool_id: str | None, request: dict[str, Any], response: dict[str, Any] | None
    ) -> None:
        """After a mutation, before its answer: the directory index takes the change (read-your-writes). A user
        read back goes through this request's loader, so the payload's ``user`` reads it from there."""
        if self.index is None:
            return
        await apply_write(
            self.index.repository,
            operation,
            user_pool_id,
            request,
            response,
            read_user=lambda pool, username: self.loaders.user.load((pool, username)),
            on_failure=lambda failed: self.cognito.metrics.index_write_failures.labels(failed).inc(),
        )


Info = strawberry.Info[Context, None]
