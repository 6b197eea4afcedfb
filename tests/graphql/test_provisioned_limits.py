"""The account's provisioned limits: ``Query.provisionedLimit`` and ``updateProvisionedLimit``, through HTTP against
the real app and the moto server (the demo backend's limits: the free value is the category's default rate, the
account's maximum ten times it)."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient

from gateway.cognito.operations import DEFAULT_RATES
from gateway.demo.provisioned_limits import ACCOUNT_MAXIMUM_FACTOR
from gateway.demo.server import DEMO_REGION, DemoBackend
from tests.conftest import Gateway, running_gateway
from tests.graphql.callers import callers, forbidden
from tests.helpers import assert_error

CATEGORY = "UserAuthentication"
FREE = int(DEFAULT_RATES[CATEGORY])
OTHER_REGION = "eu-west-1"
# The gateway's own limiter allows LimitManagement 1 call a second: these tests would mostly wait.
FAST = {"quota_rates": {"LimitManagement": 1000}}
LIMIT = "limitDefinition { limitClass attributes } provisionedLimitValue freeLimitValue"

PROVISIONED_LIMIT = (
    """
query($definition: LimitDefinitionInput!, $region: String) {
  provisionedLimit(limitDefinition: $definition, region: $region) {
    __typename
    ... on CognitoError { code message requestId }
    ... on Limit { %s }
  }
}"""
    % LIMIT
)


def definition(category: str = CATEGORY) -> dict[str, Any]:
    return {"limitClass": "API_CATEGORY", "attributes": {"Category": category}}


def stored_value(backend: DemoBackend, region: str = DEMO_REGION) -> int:
    limit = backend.client(region).get_provisioned_limit(
        LimitDefinition={"LimitClass": "API_CATEGORY", "Attributes": {"Category": CATEGORY}}
    )["Limit"]
    return limit["ProvisionedLimitValue"]


@pytest.fixture
async def gateway(backend: DemoBackend, cognito: BaseClient) -> AsyncIterator[Gateway]:
    async with running_gateway(backend, **FAST) as running:
        yield running


# --- Query.provisionedLimit -----------------------------------------------------------------------------


async def test_provisioned_limit_of_a_category(gateway: Gateway) -> None:
    data = await gateway.data(PROVISIONED_LIMIT, {"definition": definition()})

    assert data["provisionedLimit"] == {
        "__typename": "Limit",
        "limitDefinition": definition(),
        "provisionedLimitValue": FREE,
        "freeLimitValue": FREE,
    }
    assert gateway.calls == {"GetProvisionedLimit": 1}


async def test_provisioned_limit_of_an_unknown_category(gateway: Gateway) -> None:
    data = await gateway.data(PROVISIONED_LIMIT, {"definition": definition("NoSuchCategory")})

    assert_error(data["provisionedLimit"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_provisioned_limit_without_a_category(gateway: Gateway) -> None:
    data = await gateway.data(
        PROVISIONED_LIMIT, {"definition": {"limitClass": "API_CATEGORY", "attributes": {"Kind": CATEGORY}}}
    )

    assert_error(data["provisionedLimit"], "InvalidParameterError", "InvalidParameterException")


@pytest.mark.parametrize("region", ["xx-nowhere-1", "not a region"])
async def test_provisioned_limit_in_an_unknown_region_is_refused_before_any_call(gateway: Gateway, region: str) -> None:
    data = await gateway.data(PROVISIONED_LIMIT, {"definition": definition(), "region": region})

    assert data["provisionedLimit"]["__typename"] == "InvalidParameterError"
    assert gateway.calls == {}


# --- updateProvisionedLimit -----------------------------------------------------------------------------


async def test_update_a_provisioned_limit(backend: DemoBackend, gateway: Gateway) -> None:
    result = await gateway.mutate(
        "updateProvisionedLimit",
        {"limitDefinition": definition(), "requestedLimitValue": 2 * FREE},
        f"limit {{ {LIMIT} }}",
    )

    assert result == {
        "__typename": "UpdateProvisionedLimitPayload",
        "limit": {"limitDefinition": definition(), "provisionedLimitValue": 2 * FREE, "freeLimitValue": FREE},
    }
    assert stored_value(backend) == 2 * FREE
    assert gateway.calls == {"UpdateProvisionedLimit": 1}
    read = await gateway.data(PROVISIONED_LIMIT, {"definition": definition()})
    assert read["provisionedLimit"]["provisionedLimitValue"] == 2 * FREE


async def test_a_limit_is_the_account_s_in_one_region(backend: DemoBackend, gateway: Gateway) -> None:
    result = await gateway.mutate(
        "updateProvisionedLimit",
        {"limitDefinition": definition(), "requestedLimitValue": 3 * FREE, "region": OTHER_REGION},
        "limit { provisionedLimitValue }",
    )
    there = await gateway.data(PROVISIONED_LIMIT, {"definition": definition(), "region": OTHER_REGION})
    here = await gateway.data(PROVISIONED_LIMIT, {"definition": definition()})

    assert result["limit"]["provisionedLimitValue"] == 3 * FREE
    assert there["provisionedLimit"]["provisionedLimitValue"] == 3 * FREE
    assert here["provisionedLimit"]["provisionedLimitValue"] == FREE
    assert (stored_value(backend, OTHER_REGION), stored_value(backend)) == (3 * FREE, FREE)


async def test_update_in_a_region_not_served_is_refused_before_any_call(
    backend: DemoBackend, cognito: BaseClient
) -> None:
    async with running_gateway(backend, regions=[DEMO_REGION], **FAST) as gateway:
        result = await gateway.mutate(
            "updateProvisionedLimit",
            {"limitDefinition": definition(), "requestedLimitValue": 2 * FREE, "region": OTHER_REGION},
        )
        calls = gateway.calls

    assert result["__typename"] == "InvalidParameterError"
    assert "not a region this gateway serves" in result["message"]
    assert calls == {}
    assert stored_value(backend, OTHER_REGION) == FREE


async def test_update_below_the_free_value_is_refused(backend: DemoBackend, gateway: Gateway) -> None:
    result = await gateway.mutate(
        "updateProvisionedLimit", {"limitDefinition": definition(), "requestedLimitValue": FREE - 1}
    )

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert stored_value(backend) == FREE


async def test_update_past_the_account_maximum_is_service_quota_exceeded(
    backend: DemoBackend, gateway: Gateway
) -> None:
    result = await gateway.mutate(
        "updateProvisionedLimit",
        {"limitDefinition": definition(), "requestedLimitValue": FREE * ACCOUNT_MAXIMUM_FACTOR + 1},
    )

    assert_error(result, "ServiceQuotaExceededError", "ServiceQuotaExceededException")
    assert stored_value(backend) == FREE


async def test_an_update_keeps_the_shared_read_cache(gateway: Gateway, pool_id: str) -> None:
    """A limit is nothing the gateway caches: the pools' cached reads stay."""
    pool = "query($pool: ID!) { userPool(id: $pool) { ... on UserPool { id } } }"
    await gateway.data(pool, {"pool": pool_id})
    await gateway.mutate("updateProvisionedLimit", {"limitDefinition": definition(), "requestedLimitValue": FREE})
    await gateway.data(pool, {"pool": pool_id})

    assert gateway.calls == {"DescribeUserPool": 1, "UpdateProvisionedLimit": 1}


async def test_the_audit_records_an_account_wide_change(
    backend: DemoBackend, cognito: BaseClient, tmp_path: Path
) -> None:
    path = tmp_path / "audit.log"
    async with running_gateway(backend, audit_log_path=str(path), **FAST) as gateway:
        await gateway.mutate("updateProvisionedLimit", {"limitDefinition": definition(), "requestedLimitValue": FREE})

    [record] = [json.loads(line) for line in path.read_text().splitlines()]
    assert (record["operation"], record["pool"], record["object"]) == ("UpdateProvisionedLimit", None, {})
    assert record["input"] == {
        "LimitDefinition": {"LimitClass": "API_CATEGORY", "Attributes": {"Category": CATEGORY}},
        "RequestedLimitValue": FREE,
    }
    assert record["outcome"] == "UpdateProvisionedLimitPayload"


# --- roles ------------------------------------------------------------------------------------------------

UPDATE = """mutation($value: Int!) {
  run: updateProvisionedLimit(input: {limitDefinition: {limitClass: API_CATEGORY,
                                      attributes: {Category: "UserAuthentication"}}, requestedLimitValue: $value}) {
    __typename
  }
}"""


@pytest.mark.parametrize(("caller", "where"), [("viewer", ""), ("operator", ""), ("pool-admin", " on every user pool")])
async def test_only_an_admin_of_every_pool_changes_a_limit(
    backend: DemoBackend, pool_id: str, caller: str, where: str
) -> None:
    """The account's quota is every pool's: a grant limited to some pools cannot change it."""
    async with callers(backend, pool_id, **FAST) as as_caller:
        gateway = as_caller(caller)
        refused = await gateway.query(UPDATE, {"value": 2 * FREE})
        refused_calls = gateway.calls
        read = await as_caller(caller).query(PROVISIONED_LIMIT, {"definition": definition()})
        allowed = await as_caller("admin").query(UPDATE, {"value": 2 * FREE})

    assert f"needs the admin role{where}" in forbidden(refused, ["run"])
    assert refused_calls == {}
    assert read["data"]["provisionedLimit"]["__typename"] == "Limit"  # reading it is a viewer's
    assert allowed["data"]["run"] == {"__typename": "UpdateProvisionedLimitPayload"}
    assert stored_value(backend) == 2 * FREE
