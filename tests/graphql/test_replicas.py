"""User pool replicas: ``UserPool.replicas`` and ``createUserPoolReplica``/``updateUserPoolReplica``/
``deleteUserPoolReplica``, through HTTP against the real app and the moto server (the demo backend's replicas)."""

from typing import Any

import pytest
from botocore.client import BaseClient
from graphql import parse, validate

from gateway.demo.server import DEMO_REGION, DemoBackend
from gateway.graphql.limits import QueryCost
from gateway.graphql.replicas import LIST_PAGES
from gateway.graphql.schema import build_schema
from tests.conftest import running_gateway
from tests.graphql.callers import callers, forbidden
from tests.helpers import assert_error

REPLICA_REGION = "eu-west-1"
REPLICA = "regionName status role userPoolArn"

REPLICAS = (
    """
query($pool: ID!) {
  userPool(id: $pool) { __typename ... on UserPool { id replicas { %s } } }
}"""
    % REPLICA
)


def stored_replicas(cognito: BaseClient, pool_id: str) -> dict[str, dict[str, Any]]:
    replicas = cognito.list_user_pool_replicas(UserPoolId=pool_id)["UserPoolReplicas"]
    return {replica["RegionName"]: replica for replica in replicas}


def create_replica(cognito: BaseClient, pool_id: str, region: str = REPLICA_REGION) -> None:
    cognito.create_user_pool_replica(UserPoolId=pool_id, RegionName=region)


def replica_key(pool_id: str, region: str = REPLICA_REGION) -> dict[str, str]:
    return {"userPoolId": pool_id, "regionName": region}


def pool_arn(cognito: BaseClient, pool_id: str) -> str:
    return cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]


# --- UserPool.replicas ----------------------------------------------------------------------------------


async def test_a_pool_without_replicas_lists_its_primary(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    data = await gateway.data(REPLICAS, {"pool": pool_id})

    assert data["userPool"]["replicas"] == [
        {"regionName": DEMO_REGION, "status": "ACTIVE", "role": "PRIMARY", "userPoolArn": pool_arn(cognito, pool_id)}
    ]
    assert gateway.calls == {"DescribeUserPool": 1, "ListUserPoolReplicas": 1}


async def test_replicas_of_a_pool(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_replica(cognito, pool_id)
    create_replica(cognito, pool_id, "ap-southeast-2")

    data = await gateway.data(REPLICAS, {"pool": pool_id})

    replicas = data["userPool"]["replicas"]
    assert [(r["regionName"], r["role"], r["status"]) for r in replicas] == [
        (DEMO_REGION, "PRIMARY", "ACTIVE"),
        (REPLICA_REGION, "SECONDARY", "INACTIVE"),
        ("ap-southeast-2", "SECONDARY", "INACTIVE"),
    ]
    assert replicas[1]["userPoolArn"] == stored_replicas(cognito, pool_id)[REPLICA_REGION]["UserPoolArn"]
    assert f":{REPLICA_REGION}:" in replicas[1]["userPoolArn"]


async def test_replicas_of_listed_pools_need_no_description(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    other = cognito.create_user_pool(PoolName="other")["UserPool"]["Id"]
    create_replica(cognito, other)

    data = await gateway.data("{ userPools { ... on UserPoolConnection { nodes { id replicas { regionName } } } } }")

    regions = {node["id"]: [r["regionName"] for r in node["replicas"]] for node in data["userPools"]["nodes"]}
    assert regions == {pool_id: [DEMO_REGION], other: [DEMO_REGION, REPLICA_REGION]}
    assert gateway.calls == {"ListUserPools": 1, "ListUserPoolReplicas": 2}


def test_replicas_cost_their_pages() -> None:
    """ListUserPoolReplicas has no page size: the field follows Cognito's pages, and the query cost counts them."""
    document = parse('{ userPool(id: "p") { ... on UserPool { replicas { regionName } } } }')
    rule = type("Probe", (QueryCost,), {"max_cost": 1})
    [error] = validate(build_schema()._schema, document, [rule])
    assert error.extensions["cost"] == 1 + LIST_PAGES


# --- createUserPoolReplica ------------------------------------------------------------------------------


async def test_create_a_replica(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate(
        "createUserPoolReplica",
        {**replica_key(pool_id), "userPoolTags": {"team": "identity"}},
        f"userPoolId userPoolReplica {{ {REPLICA} }}",
    )

    arn = pool_arn(cognito, pool_id).replace(f":{DEMO_REGION}:", f":{REPLICA_REGION}:")
    assert result == {
        "__typename": "CreateUserPoolReplicaPayload",
        "userPoolId": pool_id,
        "userPoolReplica": {
            "regionName": REPLICA_REGION,
            "status": "CREATING",
            "role": "SECONDARY",
            "userPoolArn": arn,
        },
    }
    assert stored_replicas(cognito, pool_id)[REPLICA_REGION]["Status"] == "INACTIVE"
    assert gateway.calls == {"CreateUserPoolReplica": 1}


@pytest.mark.parametrize(
    ("region", "message"),
    [("xx-nowhere-1", "not a region this gateway serves"), ("Europe", "not an AWS region")],
)
async def test_a_replica_in_an_unknown_region_is_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str, region: str, message: str
) -> None:
    result = await gateway.mutate("createUserPoolReplica", replica_key(pool_id, region), "userPoolId")

    assert result["__typename"] == "InvalidParameterError"
    assert message in result["message"]
    assert gateway.calls == {}
    assert list(stored_replicas(cognito, pool_id)) == [DEMO_REGION]


async def test_a_gateway_limited_to_some_regions_creates_no_replica_elsewhere(
    backend: DemoBackend, cognito: BaseClient, pool_id: str
) -> None:
    """GATEWAY_REGIONS bounds the regions of new replicas too; the call itself goes to the pool's (served) region."""
    async with running_gateway(backend, regions=[DEMO_REGION, "ap-southeast-2"]) as gateway:
        refused = await gateway.mutate("createUserPoolReplica", replica_key(pool_id), "userPoolId")
        refused_calls = gateway.calls
        allowed = await gateway.mutate("createUserPoolReplica", replica_key(pool_id, "ap-southeast-2"), "userPoolId")

    assert refused["__typename"] == "InvalidParameterError"
    assert f"'{REPLICA_REGION}' is not a region this gateway serves" in refused["message"]
    assert refused_calls == {}
    assert allowed == {"__typename": "CreateUserPoolReplicaPayload", "userPoolId": pool_id}
    assert list(stored_replicas(cognito, pool_id)) == [DEMO_REGION, "ap-southeast-2"]


async def test_a_pool_in_a_region_not_served_is_refused_before_any_call(
    backend: DemoBackend, cognito: BaseClient
) -> None:
    async with running_gateway(backend, regions=[DEMO_REGION]) as gateway:
        result = await gateway.mutate("createUserPoolReplica", replica_key(f"{REPLICA_REGION}_abc"), "userPoolId")
        calls = gateway.calls

    assert result["__typename"] == "InvalidParameterError"
    assert calls == {}


async def test_a_replica_in_the_primary_region_is_refused(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    result = await gateway.mutate("createUserPoolReplica", replica_key(pool_id, DEMO_REGION), "userPoolId")

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert list(stored_replicas(cognito, pool_id)) == [DEMO_REGION]


async def test_a_second_replica_in_one_region_is_refused(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_replica(cognito, pool_id)

    result = await gateway.mutate("createUserPoolReplica", replica_key(pool_id), "userPoolId")

    assert_error(result, "InvalidParameterError", "InvalidParameterException")


async def test_a_replica_of_a_missing_pool(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("createUserPoolReplica", replica_key(f"{DEMO_REGION}_missing"), "userPoolId")

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_the_lite_plan_has_no_replicas(gateway: Any, cognito: BaseClient) -> None:
    lite = cognito.create_user_pool(PoolName="lite", UserPoolTier="LITE")["UserPool"]["Id"]

    result = await gateway.mutate("createUserPoolReplica", replica_key(lite), "userPoolId")

    assert_error(result, "FeatureUnavailableInTierError", "FeatureUnavailableInTierException")
    assert list(stored_replicas(cognito, lite)) == [DEMO_REGION]


# --- updateUserPoolReplica, deleteUserPoolReplica --------------------------------------------------------


async def test_activate_then_deactivate_and_delete_a_replica(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_replica(cognito, pool_id)
    selection = f"userPoolId userPoolReplica {{ {REPLICA} }}"

    activated = await gateway.mutate("updateUserPoolReplica", {**replica_key(pool_id), "status": "ACTIVE"}, selection)
    assert activated["userPoolReplica"]["status"] == "ACTIVE"
    assert stored_replicas(cognito, pool_id)[REPLICA_REGION]["Status"] == "ACTIVE"
    refused = await gateway.mutate("deleteUserPoolReplica", replica_key(pool_id), selection)
    assert_error(refused, "InvalidParameterError", "InvalidParameterException")  # only an inactive one goes
    await gateway.mutate("updateUserPoolReplica", {**replica_key(pool_id), "status": "INACTIVE"})
    deleted = await gateway.mutate("deleteUserPoolReplica", replica_key(pool_id), selection)

    assert deleted["__typename"] == "DeleteUserPoolReplicaPayload"
    assert deleted["userPoolId"] == pool_id
    assert (deleted["userPoolReplica"]["regionName"], deleted["userPoolReplica"]["status"]) == (
        REPLICA_REGION,
        "DELETING",
    )
    assert list(stored_replicas(cognito, pool_id)) == [DEMO_REGION]
    assert gateway.calls == {"UpdateUserPoolReplica": 2, "DeleteUserPoolReplica": 2}


async def test_update_a_missing_replica(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("updateUserPoolReplica", {**replica_key(pool_id), "status": "ACTIVE"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_delete_a_missing_replica(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("deleteUserPoolReplica", replica_key(pool_id))

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_a_status_outside_the_enum_is_refused_before_any_call(gateway: Any, pool_id: str) -> None:
    body = await gateway.query(
        'mutation($pool: ID!) { updateUserPoolReplica(input: {userPoolId: $pool, regionName: "eu-west-1",'
        " status: DELETING}) { __typename } }",
        {"pool": pool_id},
    )

    assert body.get("data") is None and "DELETING" in body["errors"][0]["message"]
    assert gateway.calls == {}


async def test_the_replica_list_is_read_again_after_a_change(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    before = await gateway.data(REPLICAS, {"pool": pool_id})
    await gateway.mutate("createUserPoolReplica", replica_key(pool_id))

    after = await gateway.data(REPLICAS, {"pool": pool_id})

    assert len(before["userPool"]["replicas"]) == 1
    assert [r["regionName"] for r in after["userPool"]["replicas"]] == [DEMO_REGION, REPLICA_REGION]


# --- roles ------------------------------------------------------------------------------------------------

CREATE = """mutation($pool: ID!) {
  run: createUserPoolReplica(input: {userPoolId: $pool, regionName: "eu-west-1"}) { __typename }
}"""
UPDATE = """mutation($pool: ID!) {
  run: updateUserPoolReplica(input: {userPoolId: $pool, regionName: "eu-west-1", status: ACTIVE}) { __typename }
}"""
DELETE = """mutation($pool: ID!) {
  run: deleteUserPoolReplica(input: {userPoolId: $pool, regionName: "eu-west-1"}) { __typename }
}"""


@pytest.mark.parametrize("caller", ["viewer", "operator"])
async def test_only_an_admin_changes_replicas(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, caller: str
) -> None:
    async with callers(backend, pool_id) as as_caller:
        gateway = as_caller(caller)
        for document in (CREATE, UPDATE, DELETE):
            body = await gateway.query(document, {"pool": pool_id})
            assert "admin role" in forbidden(body, ["run"])
        refused_calls = gateway.calls
        viewed = await as_caller(caller).query(REPLICAS, {"pool": pool_id})
        created = await as_caller("pool-admin").query(CREATE, {"pool": pool_id})

    assert refused_calls == {}
    assert list(stored_replicas(cognito, pool_id)) == [DEMO_REGION, REPLICA_REGION]
    assert created["data"]["run"] == {"__typename": "CreateUserPoolReplicaPayload"}
    assert "errors" not in viewed and len(viewed["data"]["userPool"]["replicas"]) == 1  # read before the create
