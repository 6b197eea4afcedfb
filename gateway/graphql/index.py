"""The directory index's state in the graph: ``Query.indexStatus`` (read from the gateway's database, no Cognito call)
and ``indexUserPool`` (starts or restarts a full sync of a pool in the background). DESIGN.md section 8."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Optional, Union

import strawberry

from gateway.auth import Role
from gateway.cognito.model import region_for
from gateway.cognito.regions import check_region
from gateway.directory.records import IndexState as IndexStateValue
from gateway.directory.records import PoolIndex
from gateway.graphql.audit import Audit
from gateway.graphql.context import Info
from gateway.graphql.declarations import CognitoCall, Declared
from gateway.graphql.errors import ERROR_TYPES, ServiceError, result_union
from gateway.graphql.permissions import requires

IndexState = strawberry.enum(
    Enum("IndexState", {state.value: state.value for state in IndexStateValue}),  # type: ignore[misc]
    name="IndexState",
    description="Where a pool's directory index is: never synced, first sync running, searchable, first sync failed.",
)


@strawberry.type(description="A user pool's directory index: its state and how far its first full sync has come.")
class IndexStatus:
    user_pool_id: strawberry.ID
    state: IndexState  # type: ignore[valid-type]
    users_indexed: int = strawberry.field(description="Users in the index now.")
    estimated_users: Optional[int] = strawberry.field(description="Cognito's estimate of the pool's users.")
    progress: float = strawberry.field(
        description="0..1: the first full sync's users indexed / estimated; never goes back, 1 once READY."
    )
    last_full_sync_at: Optional[datetime] = strawberry.field(description="When the last full sync finished.")
    last_change_at: Optional[datetime] = strawberry.field(description="When a change to a user was last applied.")
    error: Optional[str] = strawberry.field(description="Why the last sync failed (code: message), else null.")

    @classmethod
    def of(cls, index: PoolIndex) -> IndexStatus:
        return cls(
            user_pool_id=strawberry.ID(index.user_pool_id),
            state=IndexState[index.state.value],
            users_indexed=index.users_indexed,
            estimated_users=index.estimated_users,
            progress=index.progress,
            last_full_sync_at=index.last_full_sync_at,
            last_change_at=index.last_change_at,
            error=index.error,
        )


# Only a pool ID naming a region the gateway does not serve is refused; any other pool is NOT_INDEXED until synced.
_InvalidParameterError = ERROR_TYPES["InvalidParameterException"]
IndexStatusResult = Optional[
    Annotated[
        Union[IndexStatus, _InvalidParameterError, ServiceError],  # type: ignore[valid-type]
        strawberry.union("IndexStatusResult"),
    ]
]


@strawberry.input(description="The pool to index.")
class IndexUserPoolInput:
    user_pool_id: strawberry.ID


@strawberry.type(description="The pool's index status as the sync starts (it runs in the background).")
class IndexUserPoolPayload:
    index_status: IndexStatus


IndexUserPoolResult = result_union("IndexUserPoolResult", IndexUserPoolPayload, "DescribeUserPool")

# An unknown pool is refused as DescribeUserPool refuses it.
# The mutation describes the pool (it must exist; its estimate feeds `progress`), and is audited as that call.
_INDEX_CALL = CognitoCall("DescribeUserPool", Role.ADMIN, changes=True)


class _IndexAudit(Audit):
    def request(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {"UserPoolId": arguments["input"].user_pool_id}


@strawberry.type
class IndexQueries:
    @strawberry.field(
        description="The directory index of a user pool (no Cognito call: read from the gateway's database).",
        extensions=[requires(Role.VIEWER)],
    )
    async def index_status(self, info: Info, user_pool_id: strawberry.ID) -> IndexStatusResult:
        cognito = info.context.cognito
        check_region(region_for({"UserPoolId": user_pool_id}, cognito.default_region), cognito.regions)
        return IndexStatus.of(await info.context.index.states.state(user_pool_id))


@strawberry.type
class IndexMutations:
    @strawberry.mutation(
        description=(
            "Start a full sync of the pool into the directory index, in the background (a sync of it running is "
            "restarted). A READY pool stays READY and searchable while it re-syncs."
        ),
        extensions=[
            requires(Role.ADMIN, changes=True),
            Declared(_INDEX_CALL),
            _IndexAudit(_INDEX_CALL, "indexUserPool"),
        ],
    )
    async def index_user_pool(self, info: Info, input: IndexUserPoolInput) -> IndexUserPoolResult:
        described = await info.context.cognito.call("DescribeUserPool", UserPoolId=input.user_pool_id)
        estimate = described["UserPool"].get("EstimatedNumberOfUsers")
        state = await info.context.index.start_sync(input.user_pool_id, estimated_users=estimate)
        return IndexUserPoolPayload(index_status=IndexStatus.of(state))
