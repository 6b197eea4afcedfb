"""The Cognito layer: clients per served region only, call counting."""

from datetime import UTC, datetime, timedelta

import pytest

from gateway.cognito.client import utc_timestamp
from gateway.cognito.regions import cognito_regions
from tests.conftest import running_gateway


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


async def test_response_timestamps_are_parsed_in_utc(gateway, pool_id):
    cognito = gateway.app.state.cognito
    before = datetime.now(UTC)

    await cognito.call("AdminCreateUser", UserPoolId=pool_id, Username="ts-user", MessageAction="SUPPRESS")
    created = (await cognito.call("AdminGetUser", UserPoolId=pool_id, Username="ts-user"))["UserCreateDate"]

    assert created.tzinfo is UTC
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1764500000.123, datetime(2025, 11, 30, 10, 53, 20, 123000, tzinfo=UTC)),
        ("1764500000", datetime(2025, 11, 30, 10, 53, 20, tzinfo=UTC)),
        ("2025-11-30T10:53:20Z", datetime(2025, 11, 30, 10, 53, 20, tzinfo=UTC)),
        ("Sun, 30 Nov 2025 10:53:20 GMT", datetime(2025, 11, 30, 10, 53, 20, tzinfo=UTC)),
    ],
)
def test_a_timestamp_of_any_form_botocore_takes_is_the_same_instant(value, expected):
    parsed = utc_timestamp(value)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


def test_the_regions_served_by_default_are_botocores_for_cognito_user_pools():
    assert {"us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"} <= cognito_regions()
    assert "zz-made-up-1" not in cognito_regions()


INVENTED = "zz-made-up-1"

# Every way a request names a region: a pool ID, a resource ARN, the optional pool of a client-side auth flow.
# Each region would open a client kept for the app's lifetime, so invented ones are refused before that.
NAMING_A_REGION = {
    "pool ID": (
        'query { r: userPool(id: "zz-made-up-1_abc") { __typename ... on CognitoError { message } } }',
        INVENTED,
    ),
    "full-width digit in pool ID": (
        'query { r: userPool(id: "us-east-\uff11_abc") { __typename ... on CognitoError { message } } }',
        "us-east-\uff11_abc",
    ),
    "resource ARN": (
        """mutation { r: tagResource(input: {resourceArn: "arn:aws:cognito-idp:zz-made-up-1:123456789012:userpool/zz-made-up-1_abc",
             tags: {team: "x"}}) { __typename ... on CognitoError { message } } }""",
        INVENTED,
    ),
    "auth flow's pool": (
        """mutation { r: initiateAuth(input: {userPoolId: "zz-made-up-1_abc", clientId: "c", authFlow: USER_PASSWORD_AUTH,
             authParameters: {USERNAME: "alice", PASSWORD: "x"}}) { __typename ... on CognitoError { message } } }""",
        INVENTED,
    ),
}


@pytest.mark.parametrize("case", NAMING_A_REGION)
async def test_a_region_not_served_is_refused_before_any_client_exists(gateway, case):
    document, named = NAMING_A_REGION[case]
    opened = gateway.app.state.cognito.open_regions

    result = (await gateway.data(document))["r"]

    assert result["__typename"] == "InvalidParameterError", result
    assert named in result["message"]
    assert gateway.app.state.cognito.open_regions == opened == {"us-east-1"}
    assert gateway.calls == {}


async def test_gateway_regions_restricts_the_regions_served(backend, cognito):
    backend.client("eu-west-1").create_user_pool(PoolName="there")
    async with running_gateway(backend, regions=["us-east-1"]) as gateway:
        pool = cognito.create_user_pool(PoolName="here")["UserPool"]["Id"]
        there = backend.client("eu-west-1").list_user_pools(MaxResults=1)["UserPools"][0]["Id"]
        document = "query($id: ID!) { r: userPool(id: $id) { __typename ... on CognitoError { message } } }"

        served = (await gateway.data(document, {"id": pool}))["r"]
        refused = (await gateway.data(document, {"id": there}))["r"]

        assert served["__typename"] == "UserPool"
        assert refused == {
            "__typename": "InvalidParameterError",
            "message": "'eu-west-1' is not a region this gateway serves user pools in",
        }
        assert gateway.app.state.cognito.open_regions == {"us-east-1"}
        assert gateway.calls == {"DescribeUserPool": 1}
