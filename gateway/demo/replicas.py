"""Multi-Region replicas of a user pool, which moto 5.2.5 lacks: CreateUserPoolReplica, ListUserPoolReplicas,
UpdateUserPoolReplica, DeleteUserPoolReplica.

A replica shares its pool's ID (so its ARN differs only in the region).  The demo creates it at once: Create
answers ``CREATING`` and the replica is ``INACTIVE`` from then on, as a new secondary is in Cognito until it is
activated; Delete answers ``DELETING`` and the replica is gone.  Create and Delete must be called in the
primary's region (OperationNotEnabledException in a replica's); List and Update work in either.  The Lite
feature plan has no replication (FeatureUnavailableInTierException).  Replicas are kept on moto's pool object,
so ``POST /moto-api/reset`` drops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from gateway.cognito.regions import cognito_regions
from gateway.demo.exceptions import FeatureUnavailableInTierException, OperationNotEnabledException
from gateway.demo.extensions import find_user_pool
from gateway.demo.requests import Operations, pool_state, required_enum, required_param

__all__ = ["OPERATIONS", "Replica"]

_STATE_ATTRIBUTE: Final = "_gateway_replicas"
_MAX_TAGS: Final = 50
ReplicaStatus = Literal["CREATING", "ACTIVE", "INACTIVE", "DELETING"]


@dataclass
class Replica:
    region: str
    arn: str
    status: ReplicaStatus
    role: Literal["PRIMARY", "SECONDARY"] = "SECONDARY"
    tags: dict[str, str] | None = None

    def to_json(self, status: ReplicaStatus | None = None) -> dict[str, Any]:
        return {"RegionName": self.region, "Status": status or self.status, "Role": self.role, "UserPoolArn": self.arn}


def _replicas(pool: CognitoIdpUserPool) -> dict[str, Replica]:
    """Secondary replicas by region, in creation order."""
    return pool_state(pool, _STATE_ATTRIBUTE, dict)


def _primary(pool: CognitoIdpUserPool) -> Replica:
    return Replica(pool.region, pool.arn, "ACTIVE", "PRIMARY")


def _pool(response: CognitoIdpResponse, *, from_replica: bool) -> CognitoIdpUserPool:
    """The pool of the request, looked up in its primary's region (the region its ID starts with).

    From a replica's region the primary is found only where ``from_replica`` allows it.
    """
    pool_id = required_param(response, "UserPoolId")
    pool = response.backend.user_pools.get(pool_id)
    if pool is not None:
        return pool
    primary = find_user_pool(pool_id, response.current_account)
    if primary is None or response.region not in _replicas(primary):
        raise ResourceNotFoundError(f"User pool {pool_id} does not exist.")
    if not from_replica:
        raise OperationNotEnabledException(
            f"This operation must be called in the primary region of user pool {pool_id} ({primary.region})."
        )
    return primary


def _region(response: CognitoIdpResponse) -> str:
    region = required_param(response, "RegionName")
    if not 5 <= len(region) <= 32 or region not in cognito_regions():
        raise InvalidParameterException(f"{region} is not a region where Amazon Cognito user pools are available.")
    return region


def _replica(pool: CognitoIdpUserPool, region: str) -> Replica:
    replica = _replicas(pool).get(region)
    if replica is None:
        raise ResourceNotFoundError(f"User pool {pool.id} has no replica in {region}.")
    return replica


OPERATIONS: Final = Operations()


@OPERATIONS.add
def create_user_pool_replica(self: CognitoIdpResponse) -> ActionResult:
    pool = _pool(self, from_replica=False)
    region = _region(self)
    tags = self._get_param("UserPoolTags") or {}
    if not isinstance(tags, dict) or len(tags) > _MAX_TAGS:
        raise InvalidParameterException(f"UserPoolTags must be a map of at most {_MAX_TAGS} tags.")
    if pool.extended_config.get("UserPoolTier") == "LITE":
        raise FeatureUnavailableInTierException(
            "Multi-Region replication requires the Essentials or Plus feature plan (UserPoolTier)."
        )
    if region == pool.region:
        raise InvalidParameterException(f"{region} is the primary region of user pool {pool.id}.")
    replicas = _replicas(pool)
    if region in replicas:
        raise InvalidParameterException(f"User pool {pool.id} already has a replica in {region}.")
    arn = pool.arn.replace(f":{pool.region}:", f":{region}:", 1)
    replicas[region] = replica = Replica(region, arn, "INACTIVE", tags=dict(tags))
    return ActionResult({"UserPoolReplica": replica.to_json(status="CREATING")})


@OPERATIONS.add
def list_user_pool_replicas(self: CognitoIdpResponse) -> ActionResult:
    pool = _pool(self, from_replica=True)
    if self._get_param("NextToken") is not None:
        # Every replica fits one page, so no token was ever handed out.
        raise InvalidParameterException("Invalid pagination token.")
    replicas = [_primary(pool), *_replicas(pool).values()]
    return ActionResult({"UserPoolReplicas": [replica.to_json() for replica in replicas]})


@OPERATIONS.add
def update_user_pool_replica(self: CognitoIdpResponse) -> ActionResult:
    pool = _pool(self, from_replica=True)
    region = required_param(self, "RegionName")
    status = required_enum(self, "Status", ("ACTIVE", "INACTIVE"))
    if region == pool.region:
        raise InvalidParameterException(f"{region} is the primary region of user pool {pool.id}; it is always active.")
    replica = _replica(pool, region)
    replica.status = status
    return ActionResult({"UserPoolReplica": replica.to_json()})


@OPERATIONS.add
def delete_user_pool_replica(self: CognitoIdpResponse) -> ActionResult:
    pool = _pool(self, from_replica=False)
    region = required_param(self, "RegionName")
    if region == pool.region:
        raise InvalidParameterException(f"{region} is the primary region of user pool {pool.id}; delete the pool.")
    replica = _replica(pool, region)
    if replica.status != "INACTIVE":
        raise InvalidParameterException(
            f"The replica in {region} is {replica.status}: only an INACTIVE replica can be deleted."
        )
    del _replicas(pool)[region]
    return ActionResult({"UserPoolReplica": replica.to_json(status="DELETING")})
