"""User pool replicas in the demo backend (gateway.demo.replicas), through boto3 on the moto server."""

from __future__ import annotations

from botocore.client import BaseClient

from gateway.demo import extensions
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, check_against_model, raises

REPLICA_REGION = "eu-west-1"


def replicas(cognito: BaseClient, pool_id: str) -> list[dict]:
    return cognito.list_user_pool_replicas(UserPoolId=pool_id)["UserPoolReplicas"]


def test_a_pool_lists_itself_as_primary(cognito: BaseClient, pool_id: str) -> None:
    arn = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    listed = cognito.list_user_pool_replicas(UserPoolId=pool_id)
    assert "NextToken" not in listed
    assert listed["UserPoolReplicas"] == [
        {"RegionName": "us-east-1", "Status": "ACTIVE", "Role": "PRIMARY", "UserPoolArn": arn}
    ]


def test_replica_lifecycle(cognito: BaseClient, pool_id: str) -> None:
    arn = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    created = cognito.create_user_pool_replica(
        UserPoolId=pool_id, RegionName=REPLICA_REGION, UserPoolTags={"team": "identity"}
    )["UserPoolReplica"]
    expected_arn = arn.replace(":us-east-1:", f":{REPLICA_REGION}:")
    assert created == {
        "RegionName": REPLICA_REGION,
        "Status": "CREATING",
        "Role": "SECONDARY",
        "UserPoolArn": expected_arn,
    }
    check_against_model(created, MODEL.shape_for("UserPoolReplicaType"), "UserPoolReplica")
    # Created at once, and inactive until activated.
    assert replicas(cognito, pool_id)[1] == {**created, "Status": "INACTIVE"}
    activated = cognito.update_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION, Status="ACTIVE")
    assert activated["UserPoolReplica"]["Status"] == "ACTIVE"
    assert [replica["Status"] for replica in replicas(cognito, pool_id)] == ["ACTIVE", "ACTIVE"]
    # Only an inactive replica can be deleted.
    raises("InvalidParameterException", cognito.delete_user_pool_replica, UserPoolId=pool_id, RegionName=REPLICA_REGION)
    cognito.update_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION, Status="INACTIVE")
    deleted = cognito.delete_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION)["UserPoolReplica"]
    assert deleted["Status"] == "DELETING"
    assert [replica["Role"] for replica in replicas(cognito, pool_id)] == ["PRIMARY"]


def test_the_replica_region_sees_the_pool_for_list_and_update_only(
    backend: DemoBackend, cognito: BaseClient, pool_id: str
) -> None:
    cognito.create_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION)
    there = backend.client(REPLICA_REGION)
    assert len(replicas(there, pool_id)) == 2
    there.update_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION, Status="ACTIVE")
    assert replicas(cognito, pool_id)[1]["Status"] == "ACTIVE"
    raises(
        "OperationNotEnabledException", there.delete_user_pool_replica, UserPoolId=pool_id, RegionName=REPLICA_REGION
    )
    raises(
        "OperationNotEnabledException", there.create_user_pool_replica, UserPoolId=pool_id, RegionName="eu-central-1"
    )
    # A region with no replica of the pool does not know it.
    raises("ResourceNotFoundException", backend.client("ap-south-1").list_user_pool_replicas, UserPoolId=pool_id)


def test_replica_errors(cognito: BaseClient, pool_id: str) -> None:
    missing = "us-east-1_nopool"
    raises("ResourceNotFoundException", cognito.create_user_pool_replica, UserPoolId=missing, RegionName=REPLICA_REGION)
    raises("ResourceNotFoundException", cognito.list_user_pool_replicas, UserPoolId=missing)
    raises(
        "ResourceNotFoundException",
        cognito.update_user_pool_replica,
        UserPoolId=missing,
        RegionName=REPLICA_REGION,
        Status="ACTIVE",
    )
    raises("ResourceNotFoundException", cognito.delete_user_pool_replica, UserPoolId=missing, RegionName=REPLICA_REGION)
    # No replica there yet.
    raises(
        "ResourceNotFoundException",
        cognito.update_user_pool_replica,
        UserPoolId=pool_id,
        RegionName=REPLICA_REGION,
        Status="ACTIVE",
    )
    raises("ResourceNotFoundException", cognito.delete_user_pool_replica, UserPoolId=pool_id, RegionName=REPLICA_REGION)
    # Not a region, the primary's own region, a second replica in one region.
    raises("InvalidParameterException", cognito.create_user_pool_replica, UserPoolId=pool_id, RegionName="moon-base-1")
    raises("InvalidParameterException", cognito.create_user_pool_replica, UserPoolId=pool_id, RegionName="us-east-1")
    cognito.create_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION)
    raises("InvalidParameterException", cognito.create_user_pool_replica, UserPoolId=pool_id, RegionName=REPLICA_REGION)
    raises(
        "InvalidParameterException",
        cognito.update_user_pool_replica,
        UserPoolId=pool_id,
        RegionName=REPLICA_REGION,
        Status="DELETING",
    )
    raises("InvalidParameterException", cognito.list_user_pool_replicas, UserPoolId=pool_id, NextToken="made-up")
    assert len(replicas(cognito, pool_id)) == 2


def test_the_lite_plan_has_no_replicas(cognito: BaseClient) -> None:
    pool_id = cognito.create_user_pool(PoolName="lite", UserPoolTier="LITE")["UserPool"]["Id"]
    raises(
        "FeatureUnavailableInTierException",
        cognito.create_user_pool_replica,
        UserPoolId=pool_id,
        RegionName=REPLICA_REGION,
    )
    assert len(replicas(cognito, pool_id)) == 1


def test_reset_drops_the_replicas(backend: DemoBackend, cognito: BaseClient, pool_id: str) -> None:
    cognito.create_user_pool_replica(UserPoolId=pool_id, RegionName=REPLICA_REGION)
    backend.reset()
    assert extensions.find_user_pool(pool_id) is None
    raises("ResourceNotFoundException", backend.client(REPLICA_REGION).list_user_pool_replicas, UserPoolId=pool_id)
