"""What a request passes before Strawberry sees it: the body cap, the per-caller rate limit and CORS."""

from tests.conftest import running_gateway

POOLS = "{ userPools { __typename } }"
ADMIN_UI = "https://admin.example.com"


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
