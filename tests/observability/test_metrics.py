"""/metrics through HTTP: each family with its labels after real requests against moto."""

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Gateway, running_gateway
from tests.helpers import create_group, create_users

DASHBOARD = """
query Dashboard($pool: ID!) {
  userPool(id: $pool) { ... on UserPool { name } }
  users(userPoolId: $pool) { ... on UserConnection { nodes { username groups { groupName } } } }
}"""
MISSING_USER = 'query Missing($pool: ID!) { user(userPoolId: $pool, username: "nobody") { __typename } }'
AUTH_EVENTS = """
query Events($pool: ID!) {
  user(userPoolId: $pool, username: "user-000") { ... on User { authEvents { nodes { eventId } } } }
}
"""


async def scrape(gateway: Gateway) -> dict[tuple[str, frozenset], float]:
    response = await gateway.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, metric: str, **labels: str) -> float:
    return samples.get((metric, frozenset(labels.items())), 0.0)


async def test_every_family_after_a_dashboard_query(gateway, cognito, pool_id):
    usernames = create_users(cognito, pool_id, 3)
    create_group(cognito, pool_id, "support", usernames[:2])

    await gateway.data(DASHBOARD, {"pool": pool_id})
    await gateway.data(DASHBOARD, {"pool": pool_id})  # the pool is now read from the shared cache
    assert (await gateway.data(MISSING_USER, {"pool": pool_id}))["user"]["__typename"] == "UserNotFoundError"
    nested = await gateway.query(AUTH_EVENTS, {"pool": pool_id})
    assert nested["errors"][0]["extensions"]["code"] == "UserPoolAddOnNotEnabledException"
    invalid = await gateway.query("{ nope }")
    assert invalid["errors"]
    samples = await scrape(gateway)

    http = "cognito_gateway_http_request_duration_seconds_count"
    assert value(samples, http, method="POST", route="/graphql", status="200") == 5
    assert value(samples, "cognito_gateway_graphql_operations_total", type="query", name="Dashboard") == 2
    assert value(samples, "cognito_gateway_graphql_operations_total", type="query", name="Missing") == 1
    assert value(samples, "cognito_gateway_graphql_operations_total", type="query", name="anonymous") == 1
    errors = "cognito_gateway_graphql_errors_total"
    assert value(samples, errors, type="query", name="Events", code="UserPoolAddOnNotEnabledException") == 1
    assert value(samples, errors, type="query", name="anonymous", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert value(samples, errors, type="query", name="Dashboard", code="UserPoolAddOnNotEnabledException") == 0

    calls = "cognito_gateway_upstream_calls_total"
    assert value(samples, calls, operation="ListUsers", outcome="ok") == 2
    assert value(samples, calls, operation="DescribeUserPool", outcome="ok") == 1
    assert value(samples, calls, operation="AdminGetUser", outcome="UserNotFoundException") == 1
    assert value(samples, "cognito_gateway_upstream_call_duration_seconds_count", operation="ListUsers") == 2
    assert ("cognito_gateway_upstream_retries_total", frozenset()) not in samples  # no retries (max_attempts=1)
    assert sum(gateway.calls.values()) == sum(v for (name, _), v in samples.items() if name == calls)

    assert value(samples, "cognito_gateway_dataloader_batch_size_count", loader="groups_of_user") == 2
    assert value(samples, "cognito_gateway_dataloader_batch_size_sum", loader="groups_of_user") == 6
    assert value(samples, "cognito_gateway_dataloader_batch_size_count", loader="user_pool") == 2
    assert value(samples, "cognito_gateway_cache_misses_total", operation="DescribeUserPool") == 1
    assert value(samples, "cognito_gateway_cache_hits_total", operation="DescribeUserPool") == 1


async def test_http_routes_are_templates_and_unknown_paths_one_label(gateway):
    await gateway.http.get("/healthz")
    await gateway.http.get("/no/such/path/12345")
    samples = await scrape(gateway)

    http = "cognito_gateway_http_request_duration_seconds_count"
    assert value(samples, http, method="GET", route="/healthz", status="200") == 1
    assert value(samples, http, method="GET", route="unmatched", status="404") == 1
    assert not any("12345" in str(labels) for _, labels in samples)


async def test_operation_names_past_the_cap_are_other(backend, cognito):
    async with running_gateway(backend, metrics_max_operation_names=2) as gateway:
        for name in ("First", "Second", "Third", "First", "Fourth"):
            await gateway.data(f"query {name} {{ __typename }}")
        samples = await scrape(gateway)
    async with running_gateway(backend) as gateway:
        await gateway.data(f"query {'Long' * 40} {{ __typename }}")  # past 128 characters: not a label
        long_names = await scrape(gateway)

    operations = "cognito_gateway_graphql_operations_total"
    assert value(samples, operations, type="query", name="First") == 2
    assert value(samples, operations, type="query", name="Second") == 1
    assert value(samples, operations, type="query", name="other") == 2
    assert not value(samples, operations, type="query", name="Third")
    assert value(long_names, operations, type="query", name="other") == 1


async def test_limiter_waits_are_counted(backend, cognito, pool_id):
    async with running_gateway(backend, quota_rates={"UserList": 1}) as gateway:
        for _ in range(3):
            await gateway.data("query($pool: ID!) { users(userPoolId: $pool) { __typename } }", {"pool": pool_id})
        samples = await scrape(gateway)

    assert value(samples, "cognito_gateway_quota_limiter_waits_total", category="UserList") == 2
    assert value(samples, "cognito_gateway_quota_limiter_wait_seconds_total", category="UserList") > 1


async def test_metrics_can_be_turned_off(backend, cognito):
    async with running_gateway(backend, metrics=False) as gateway:
        assert (await gateway.http.get("/metrics")).status_code == 404


async def test_two_apps_keep_their_own_counts(backend, cognito):
    async with running_gateway(backend) as first, running_gateway(backend) as second:
        await first.data("query Only { __typename }")
        assert value(await scrape(first), "cognito_gateway_graphql_operations_total", type="query", name="Only") == 1
        assert value(await scrape(second), "cognito_gateway_graphql_operations_total", type="query", name="Only") == 0
