"""User pool replicas (Multi-Region): ``UserPool.replicas`` and the replica mutations.

A replica shares its pool's ID, so every call goes to the primary's region, read from the pool ID as everywhere
(and checked against the regions the gateway serves). The replica's own region is a member of the request,
``regionName``: it is checked against the regions where Cognito has user pools before anything is sent, so a typo
is an ``InvalidParameterError`` rather than a call.
"""

from typing import Any

import strawberry

from gateway.auth import Role
from gateway.cognito.regions import check_region, cognito_regions
from gateway.graphql.context import Context
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.shapes import from_cognito, output_type

UserPoolReplica = output_type("UserPoolReplicaType")

# ListUserPoolReplicas takes no page size: its pages are Cognito's. A pool has at most one replica per region, which
# one page holds in practice; the list follows NextToken for at most this many pages (the query cost counts them).
LIST_PAGES = 5


async def list_replicas(context: Context, user_pool_id: str) -> list[Any]:
    """The pool's replicas, its primary included (ListUserPoolReplicas, every page up to :data:`LIST_PAGES`)."""
    replicas: list[Any] = []
    token = None
    for _ in range(LIST_PAGES):
        page = await context.loaders.read(
            "ListUserPoolReplicas", UserPoolId=user_pool_id, **({"NextToken": token} if token else {})
        )
        replicas += [from_cognito(UserPoolReplica, item) for item in page.get("UserPoolReplicas") or []]
        token = page.get("NextToken")
        if not token:
            break
    return replicas


def check_replica_region(request: dict[str, Any]) -> None:
    """Refuses a ``regionName`` that is not a region of Cognito user pools, before any call."""
    check_region(request["RegionName"], cognito_regions())


@strawberry.type
class UserPoolReplicaIdentifiers:
    user_pool_id: strawberry.ID


def _replica_change(operation: str) -> Any:
    return mutation(
        operation,
        payload_type(operation, UserPoolReplicaIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId",),
        check=check_replica_region,
    )


@strawberry.type
class ReplicaMutations:
    create_user_pool_replica = _replica_change("CreateUserPoolReplica")
    update_user_pool_replica = _replica_change("UpdateUserPoolReplica")
    delete_user_pool_replica = _replica_change("DeleteUserPoolReplica")
