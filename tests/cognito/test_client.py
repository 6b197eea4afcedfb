"""The Cognito layer: regions from pool IDs, clients per region, call counting."""

import pytest

from gateway.cognito.client import region_of
from gateway.cognito.errors import exception_class


@pytest.mark.parametrize(
    ("pool_id", "region"),
    [("eu-west-1_AbC123", "eu-west-1"), ("us-gov-west-1_x", "us-gov-west-1"), ("ap-southeast-2_Zz9", "ap-southeast-2")],
)
def test_region_is_read_from_the_pool_id(pool_id, region):
    assert region_of(pool_id) == region


@pytest.mark.parametrize("pool_id", ["", "eu-west-1", "_abc", "eu-west-1_", "EU-WEST-1_abc", "eu-west-1_a b", "../x_y"])
def test_malformed_pool_ids_are_invalid_parameters(pool_id):
    with pytest.raises(exception_class("InvalidParameterException")):
        region_of(pool_id)


async def test_one_client_per_region_counting_calls(gateway, backend):
    backend.client("eu-west-1").create_user_pool(PoolName="there")
    cognito = gateway.app.state.cognito

    pools = await cognito.call("ListUserPools", region="eu-west-1", MaxResults=10)
    await cognito.call("DescribeUserPool", UserPoolId=pools["UserPools"][0]["Id"])

    assert await cognito.client("eu-west-1") is await cognito.client("eu-west-1")
    assert await cognito.client("eu-west-1") is not await cognito.client("us-east-1")
    assert cognito.calls == {"ListUserPools": 1, "DescribeUserPool": 1}


async def test_values_past_the_model_bounds_are_refused_before_any_call(gateway, pool_id):
    """botocore checks only the lower bounds; the upper ones (here AttributeValueType's 2048) are checked too."""
    result = await gateway.mutate(
        "adminUpdateUserAttributes",
        {"userPoolId": pool_id, "username": "alice", "userAttributes": [{"name": "name", "value": "x" * 2049}]},
        selection="__typename",
    )

    assert result["__typename"] == "InvalidParameterError"
    assert result["message"] == "UserAttributes[0].Value has 2049 characters; at most 2048 are allowed"
    assert gateway.calls == {}
