"""``IndexStatus``: where a pool's directory index is (DESIGN.md section 8), as ``indexStatus`` and the search
results show it."""

from datetime import datetime
from typing import Optional

import strawberry

from gateway.directory.records import IndexState as StoredIndexState
from gateway.directory.records import PoolIndex

IndexState = strawberry.enum(StoredIndexState, description="Where a pool's directory index is.")


@strawberry.type(description="A user pool's directory index: its state and how far its first full sync went.")
class IndexStatus:
    user_pool_id: strawberry.ID
    state: IndexState  # type: ignore[valid-type]
    users_indexed: int
    estimated_users: Optional[int]
    progress: float = strawberry.field(description="0..1 of the first full sync; never goes back.")
    last_full_sync_at: Optional[datetime]
    last_change_at: Optional[datetime] = strawberry.field(description="When a change was last applied.")
    error: Optional[str]


def index_status_from(pool: PoolIndex) -> IndexStatus:
    return IndexStatus(
        user_pool_id=strawberry.ID(pool.user_pool_id),
        state=pool.state,
        users_indexed=pool.users_indexed,
        estimated_users=pool.estimated_users,
        progress=pool.progress,
        last_full_sync_at=pool.last_full_sync_at,
        last_change_at=pool.last_change_at,
        error=pool.error,
    )
