"""What a request passes before Strawberry sees it: the body cap, the budget of failed authentication per
client address (and X-Forwarded-For from trusted proxies), the per-caller rate limit, and CORS."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.routing import Route

from gateway.auth.api_keys import hash_key
from gateway.guard import RequestGuard
from tests.conftest import Gateway, running_gateway

POOLS = "{ userPools { __typename } }"
ADMIN_UI = "https://admin.example.com"
KEY = "cgw_the-one-key-the-tests-know"
API_KEYS = [{"name": "dashboard", "role": "admin", "hash": hash_key(KEY)}]
# One failed attempt a minute past a burst of 3: nothing refills while a test runs.
FAILURE_BUDGET = {"auth_failure_rate_per_minute": 1, "auth_failure_burst": 3}


@asynccontextmanager
async def key_gateway(backend: Any, **settings: Any) -> AsyncIterator[Gateway]:
    async with running_gateway(backend, auth_mode="api-key", api_keys=API_KEYS, **settings) as gateway:
        yield gateway


@asynccontextmanager
async def peer(gateway: Gateway, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose TCP peer address, as the app sees it, is ``address`` (the tests' default is 127.0.0.1)."""
    transport = httpx.ASGITransport(app=gateway.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def post(http: httpx.AsyncClient, key: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-API-Key": key} | ({"X-Forwarded-For": forwarded_for} if forwarded_for else {})
    return await http.post("/graphql", json={"query": POOLS}, headers=headers)


def guard_of(gateway: Gateway) -> RequestGuard:
    (route,) = [route for route in gateway.app.routes if isinstance(route, Route) and route.path == "/graphql"]
    return route.endpoint.guard


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    assert 1 <= int(response.headers["retry-after"]) <= 60


def preflight(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


async def test_a_body_over_the_cap_is_refused(backend, cognito):
    body = b'{"query": "{ __typename }", "variables": {"padding": "' + b"x" * 2000 + b'"}}'

    async def chunks():
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    async with running_gateway(backend, max_body_bytes=1024) as gateway:
        declared = await gateway.http.post("/graphql", content=body, headers={"content-type": "application/json"})
        streamed = await gateway.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
        small = await gateway.http.post("/graphql", json={"query": "{ __typename }"})

    assert "content-length" in declared.request.headers
    assert "content-length" not in streamed.request.headers
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
    assert small.json() == {"data": {"__typename": "Query"}}


async def test_the_rate_limit_per_caller(backend, cognito):
    async with running_gateway(backend, rate_limit_per_second=1, rate_limit_burst=2) as gateway:
        allowed = [await gateway.http.post("/graphql", json={"query": POOLS}) for _ in range(2)]
        gateway.reset_calls()
        refused = await gateway.http.post("/graphql", json={"query": POOLS})
        calls = gateway.calls

    assert [response.status_code for response in allowed] == [200, 200]
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    assert int(refused.headers["retry-after"]) >= 1
    assert calls == {}


async def test_the_rate_limit_per_caller_is_shared_by_the_replicas(backend, cognito, redis_server, redis_namespace):
    """A caller spread over two replicas by a load balancer gets the rate once, not twice (DESIGN.md section 10)."""
    settings = {"rate_limit_per_second": 0.1, "rate_limit_burst": 2}
    shared = {"redis_url": redis_server, "redis_key_prefix": redis_namespace}
    async with running_gateway(backend, **settings, **shared) as a, running_gateway(backend, **settings, **shared) as b:
        allowed = [await replica.http.post("/graphql", json={"query": POOLS}) for replica in (a, b)]
        refused = [await replica.http.post("/graphql", json={"query": POOLS}) for replica in (a, b)]

    assert [response.status_code for response in allowed] == [200, 200]
    for response in refused:
        assert_rate_limited(response)


async def test_failed_authentication_is_counted_across_the_replicas(backend, cognito, redis_server, redis_namespace):
    shared = {"redis_url": redis_server, "redis_key_prefix": redis_namespace, **FAILURE_BUDGET}
    async with key_gateway(backend, **shared) as a, key_gateway(backend, **shared) as b:
        failed = [await post(replica.http, f"cgw_guess-{n}") for n, replica in enumerate((a, b, a))]
        over = await post(b.http, KEY)

    assert [response.status_code for response in failed] == [401, 401, 401]
    assert_rate_limited(over)


async def test_no_cors_by_default(gateway):
    preflight_response = await gateway.http.options("/graphql", headers=preflight(ADMIN_UI))
    post = await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": ADMIN_UI})

    assert post.status_code == 200
    for response in (preflight_response, post):
        assert not [name for name in response.headers if name.startswith("access-control-")]


async def test_cors_allow_list(backend, cognito):
    async with running_gateway(backend, cors_origins=[ADMIN_UI]) as gateway:
        allowed = await gateway.http.options("/graphql", headers=preflight(ADMIN_UI))
        other = await gateway.http.options("/graphql", headers=preflight("https://evil.example.com"))
        post = await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": ADMIN_UI})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ADMIN_UI
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    assert post.headers["access-control-allow-origin"] == ADMIN_UI


async def test_failed_authentication_is_limited_per_address(backend, cognito):
    async with key_gateway(backend, **FAILURE_BUDGET) as gateway:
        failed = [await post(gateway.http, f"cgw_guess-{attempt}") for attempt in range(3)]
        over = await post(gateway.http, "cgw_guess-3")
        valid_from_there = await post(gateway.http, KEY)
        async with peer(gateway, "203.0.113.7") as elsewhere:
            valid_from_elsewhere = await post(elsewhere, KEY)
            failed_from_elsewhere = await post(elsewhere, "cgw_guess-4")
        calls = gateway.calls

    assert [response.status_code for response in failed] == [401, 401, 401]
    assert_rate_limited(over)
    assert "failed authentication attempts" in over.json()["errors"][0]["message"]
    assert_rate_limited(valid_from_there)  # refused before its credential is looked at
    assert valid_from_elsewhere.status_code == 200 and "errors" not in valid_from_elsewhere.json()
    assert failed_from_elsewhere.status_code == 401
    assert calls == {"ListUserPools": 1}  # the one valid request from elsewhere


async def test_successful_authentication_spends_no_failure_budget(backend, cognito):
    async with key_gateway(backend, **FAILURE_BUDGET) as gateway:
        responses = [await post(gateway.http, KEY) for _ in range(5)]

    assert [response.status_code for response in responses] == [200] * 5


async def test_failed_authentication_limit_can_be_turned_off(backend, cognito):
    async with key_gateway(backend, auth_failure_rate_per_minute=0, auth_failure_burst=1) as gateway:
        responses = [await post(gateway.http, f"cgw_guess-{attempt}") for attempt in range(5)]

        assert [response.status_code for response in responses] == [401] * 5
        assert guard_of(gateway).addresses_tracked == 0


async def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(backend, cognito):
    async with key_gateway(backend, **FAILURE_BUDGET) as gateway:
        for attempt in range(3):  # each claims to be another client
            assert (await post(gateway.http, "cgw_guess", f"198.51.100.{attempt}")).status_code == 401
        claimed_new_client = await post(gateway.http, KEY, "198.51.100.50")

    assert_rate_limited(claimed_new_client)


async def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(backend, cognito):
    """The right-most address that is not itself a trusted proxy is the client: what a client writes to the left
    of what the proxies appended cannot make it another client."""
    async with key_gateway(backend, trusted_proxies=["127.0.0.1", "10.0.0.0/8"], **FAILURE_BUDGET) as gateway:
        for _ in range(3):
            assert (await post(gateway.http, "cgw_guess", "198.51.100.1")).status_code == 401
        same_client = await post(gateway.http, KEY, "198.51.100.1")
        through_two_proxies = await post(gateway.http, KEY, "198.51.100.1, 10.1.2.3")
        spoofed_left = await post(gateway.http, KEY, "198.51.100.99, 198.51.100.1")
        other_client = await post(gateway.http, KEY, "198.51.100.2")
        async with peer(gateway, "203.0.113.7") as untrusted:  # not a proxy: its header is not believed
            for attempt in range(3):
                assert (await post(untrusted, "cgw_guess", f"198.51.100.{10 + attempt}")).status_code == 401
            untrusted_claiming_other = await post(untrusted, KEY, "198.51.100.2")

    for response in (same_client, through_two_proxies, spoofed_left, untrusted_claiming_other):
        assert_rate_limited(response)
    assert other_client.status_code == 200 and "errors" not in other_client.json(), other_client.text


async def test_the_failure_table_stays_bounded(backend, cognito):
    async with key_gateway(backend, trusted_proxies=["127.0.0.1"], rate_limit_max_entries=5, **FAILURE_BUDGET) as gw:
        for client in range(20):
            assert (await post(gw.http, "cgw_guess", f"198.51.100.{client}")).status_code == 401
        tracked = guard_of(gw).addresses_tracked
        for _ in range(2):  # the most recent address is still tracked: its budget runs out
            await post(gw.http, "cgw_guess", "198.51.100.19")
        latest = await post(gw.http, KEY, "198.51.100.19")

    assert tracked == 5
    assert_rate_limited(latest)


async def test_the_caller_table_stays_bounded(backend, cognito):
    keys = {f"caller-{n}": f"cgw_key-of-caller-{n}" for n in range(20)}
    api_keys = [{"name": name, "role": "viewer", "hash": hash_key(key)} for name, key in keys.items()]
    settings = {"rate_limit_per_second": 0.01, "rate_limit_burst": 2, "rate_limit_max_entries": 5}
    async with running_gateway(backend, auth_mode="api-key", api_keys=api_keys, **settings) as gateway:
        first = [await post(gateway.http, key) for key in keys.values()]
        tracked = guard_of(gateway).callers_tracked
        again = [await post(gateway.http, keys["caller-19"]) for _ in range(2)]

    assert [response.status_code for response in first] == [200] * 20
    assert tracked == 5
    assert again[0].status_code == 200
    assert again[1].status_code == 429  # still tracked: its burst of 2 is spent


async def test_refusals_are_graphql_responses_in_the_negotiated_type(backend, cognito):
    """The guard's statuses stay whatever the Accept header; the body has no `data` entry (nothing ran) and is
    labelled `application/graphql-response+json` when the client asked for it."""
    content_types = {
        "application/graphql-response+json": "application/graphql-response+json; charset=utf-8",
        "application/json": "application/json",
    }
    keys = {accept: f"cgw_key-for-{accept.replace('/', '-')}" for accept in content_types}  # a rate bucket each
    settings = {
        "auth_mode": "api-key",
        "api_keys": [{"name": key, "role": "admin", "pools": None, "hash": hash_key(key)} for key in keys.values()],
        "max_body_bytes": 1024,
        "rate_limit_per_second": 1,
        "rate_limit_burst": 1,
    }
    too_large = {"query": POOLS, "variables": {"padding": "x" * 2000}}
    async with running_gateway(backend, **settings) as gateway:
        answers = {}
        for accept, key in keys.items():
            headers = {"accept": accept, "x-api-key": key}
            answers[accept] = [
                await gateway.http.post("/graphql", json={"query": POOLS}, headers={"accept": accept}),
                await gateway.http.post("/graphql", json=too_large, headers=headers),
                await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers=headers),
                await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers=headers),
            ]
        calls = gateway.calls

    for accept, responses in answers.items():
        assert [response.status_code for response in responses] == [401, 413, 200, 429]
        for response in responses:
            assert response.headers["content-type"] == content_types[accept]
        for response in (responses[0], responses[1], responses[3]):
            assert "data" not in response.json(), response.text
    assert calls == {}
