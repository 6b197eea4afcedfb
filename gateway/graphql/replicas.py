"""User pool replicas (Multi-Region): ``UserPool.replicas`` and the replica mutations.

A replica shares its pool's ID, so every call goes to the primary's region, read from the pool ID as everywhere
(and checked against the regions the gateway serves). The replica's own region is a member of the request,
``regionName``. A new replica's region must be one the gateway serves too (``GATEWAY_REGIONS``, by default every
region botocore knows for Cognito user pools), checked before anything is sent: a typo is an
``InvalidParameterError`` rather than a call, and a gateway limited to some regions creates no replica elsewhere.
Updating or deleting names an existing replica, wherever it is.
"""

from typing import Any

import strawberry

from gateway.auth import Role
from gateway.cognito import model
from gateway.cognito.regions import check_region
from gateway.graphql.context import Context, Info
from gateway.graphql.operations import answer, mutation, mutation_field, payload_type
from gateway.graphql.shapes import from_cognito, input_type, output_type, to_cognito

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


@strawberry.type
class UserPoolReplicaIdentifiers:
    user_pool_id: strawberry.ID


def _create_replica() -> Any:
    operation = "CreateUserPoolReplica"
    payload = payload_type(operation, UserPoolReplicaIdentifiers)
    respond = answer(payload, "UserPoolId")

    async def resolve(info: Info, input: Any) -> Any:
        request = to_cognito(input)
        check_region(request["RegionName"], info.context.cognito.regions)
        response = await info.context.write(operation, request)
        return respond(info.context, request, response)

    input_cls = input_type(model.operation(operation).input_shape.name, name=f"{operation}Input")
    return mutation_field(operation, input_cls, payload, resolve, role=Role.ADMIN)


def _replica_change(operation: str) -> Any:
    payload = payload_type(operation, UserPoolReplicaIdentifiers)
    return mutation(operation, payload, role=Role.ADMIN, identifiers=("UserPoolId",))


@strawberry.type
class ReplicaMutations:
    create_user_pool_replica = _create_replica()
    update_user_pool_replica = _replica_change("UpdateUserPoolReplica")
    delete_user_pool_replica = _replica_change("DeleteUserPoolReplica")
