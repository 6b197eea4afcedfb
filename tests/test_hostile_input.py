"""Hostile requests get a clear refusal without any upstream call, and never a 500 or a stack trace.

The requests come from ``bench.hostile``, which measures what refusing each costs; here a bound of
``HANG_GUARD_SECONDS`` only catches a request that would hang or blow up (a fragment bomb took 27 s), not speed.
"""

import asyncio

import pytest

from bench.hostile import HOSTILE, HostileRequest
from tests.conftest import running_gateway

HANG_GUARD_SECONDS = 30


async def post(gateway, body: bytes, content_type: str = "application/json", expect: int = 400):
    return await send(gateway, HostileRequest(raw=body, content_type=content_type), expect)


async def send(gateway, request: HostileRequest, expect: int | None = 400):
    """The answer to ``request``, whose status must be ``expect`` (or, if None, 200 or 400)."""
    response = await asyncio.wait_for(request.send(gateway.http), HANG_GUARD_SECONDS)
    assert response.status_code in ((200, 400) if expect is None else (expect,)), response.text[:500]
    assert response.headers["content-type"] == "application/json"
    assert "Traceback" not in response.text
    assert gateway.calls == {}
    return response.json()


def refusal(body: dict, code: str | None, message: str) -> None:
    """``body`` refuses the request with a first error of ``code`` whose message holds ``message``: nothing
    executed, so there is no ``data`` entry."""
    assert "data" not in body, body
    error = body["errors"][0]
    assert message in error["message"], error
    assert (error.get("extensions") or {}).get("code") == code, error


async def query(gateway, document: str, variables: dict | None = None, expect: int = 200) -> dict:
    return await send(gateway, HostileRequest(document, variables or {}), expect)


# --- GraphQL documents -------------------------------------------------------------------------------------


async def test_alias_overloading_is_refused(gateway):
    refusal(await send(gateway, HOSTILE["100 aliases"], 200), "TOO_MANY_ALIASES", "100 aliases found. Allowed: 30")


async def test_one_field_a_thousand_times_is_refused_cheaply(gateway):
    # Counted before validation, which compares every pair of them.
    body = await send(gateway, HOSTILE["one field 1000 times"], 200)
    refusal(body, "TOO_MANY_SELECTIONS", "`subject` is selected 1000 times in one selection set")


async def test_the_same_field_450_times_under_an_alias_is_refused_cheaply(gateway):
    body = await send(gateway, HOSTILE["450 repeated fields under an alias"], 200)
    refusal(body, "TOO_MANY_SELECTIONS", "`me` is selected 450 times in one selection set")


async def test_a_cost_past_64_bits_is_refused(gateway):
    # Six hops of 30 aliases each, through fragments: 30 ** 6 selections once expanded.
    body = await send(gateway, HOSTILE["cost past 2^63"], 200)
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["TOO_MANY_ALIASES", "TOO_MANY_SELECTIONS"]
    assert "more than 2000 fields once its fragments are expanded" in body["errors"][1]["message"]
    # Twelve hops as deep as written: too deep (its cost saturates: tests/graphql/test_limits.py).
    body = await send(gateway, HOSTILE["cost past 2^63, twelve hops"], 200)
    refusal(body, "QUERY_TOO_DEEP", "is 21 levels deep")


async def test_a_field_repeated_a_few_times_is_merged(gateway):
    assert await query(gateway, "{ me { " + "authMode " * 20 + "} }") == {"data": {"me": {"authMode": "none"}}}


async def test_directive_overloading_is_refused_by_the_token_limit(gateway):
    body = await send(gateway, HOSTILE["500 directives"], 200)
    refusal(body, "TOO_MANY_TOKENS", "Document contains more than 2000 tokens")


async def test_deep_nesting_is_refused(gateway):
    body = await send(gateway, HOSTILE["20 levels deep"], 200)
    refusal(body, "QUERY_TOO_DEEP", "20 levels deep: it exceeds maximum operation depth of 12")


async def test_deeply_nested_list_literal_is_refused_by_the_parser(gateway):
    refusal(await send(gateway, HOSTILE["list literal 900 deep"], 200), None, "nested too deeply")


async def test_introspection_is_off_by_default(backend, cognito):
    async with running_gateway(backend, introspection=False) as gateway:
        body = await query(gateway, "{ __schema { types { name } } }")
    refusal(body, None, "GraphQL introspection has been disabled")


async def test_circular_introspection_is_refused_even_with_introspection_on(gateway):
    body = await send(gateway, HOSTILE["circular introspection"], 200)
    refusal(body, None, "Maximum introspection depth exceeded")


@pytest.mark.parametrize("name", ["invented region", "full-width digit in pool ID"])
async def test_a_region_cognito_is_not_in_opens_no_client(gateway, name):
    [result] = (await send(gateway, HOSTILE[name], 200))["data"].values()

    assert result["__typename"] == "InvalidParameterError", result
    assert gateway.app.state.cognito.open_regions == {"us-east-1"}  # the default region's, opened at start


# --- sizes -------------------------------------------------------------------------------------------------


async def test_a_900_kb_string_under_the_body_cap_is_refused_by_the_model(gateway):
    body = await send(gateway, HOSTILE["900 KB string variable"], 200)
    # Refused by the model's own bound (a username is at most 128 characters) before any call.
    assert body == {
        "data": {
            "user": {
                "__typename": "InvalidParameterError",
                "message": "Username has 900000 characters; at most 128 are allowed",
            }
        }
    }


async def test_a_body_over_the_cap_is_refused_with_413(gateway):
    body = await send(gateway, HOSTILE["1.1 MB body"], 413)
    refusal(body, "PAYLOAD_TOO_LARGE", "The request body is over 1048576 bytes.")


@pytest.mark.parametrize("item", ["a", 1])
async def test_a_list_of_100k_items_is_refused(gateway, item):
    body = await query(gateway, HOSTILE["100k-item list variable"].document, {"names": [item] * 100_000}, 400)
    refusal(body, "BAD_REQUEST", "A list in `variables` has more than 10000 items.")


async def test_deeply_nested_json_variables_are_refused(gateway):
    body = await send(gateway, HOSTILE["JSON variable 1000 deep"], 200)
    refusal(body, None, "Variable '$m' is never used")


# --- the HTTP request ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'"x"', "The request body must be a JSON object."),
        (b"null", "The request body must be a JSON object."),
        (b"42", "The request body must be a JSON object."),
        (b"[]", "Batching is not enabled"),
        (HOSTILE["array batching"].raw, "Batching is not enabled"),
        (b'{"query": "{ me { subject } }"', "Unable to parse request body as JSON"),
        (HOSTILE["invalid UTF-8"].raw, "Unable to parse request body as JSON"),
        (b'{"query": "{ me { subject } }", "variables": {"n": 1' + b"0" * 5000 + b"}}", "Unable to parse"),
        (b"{}", "No GraphQL query found in the request"),
        (b'{"query": null}', "No GraphQL query found in the request"),
        (b'{"query": 1}', "The GraphQL operation's `query` must be a string or null"),
        (b'{"query": "{ me { subject } }", "variables": []}', "`variables` must be an object or null"),
        (b'{"query": "{ me { subject } }", "variables": "x"}', "`variables` must be an object or null"),
        (b'{"query": "query A { me { subject } }", "operationName": "B"}', 'Unknown operation named "B".'),
    ],
)
async def test_malformed_json_requests_are_refused(gateway, body, message):
    refusal(await post(gateway, body), "BAD_REQUEST", message)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_wrong_content_types_are_refused(gateway, content_type):
    body = await post(gateway, b'{"query": "{ me { subject } }"}', content_type)
    refusal(body, "BAD_REQUEST", "Unsupported content type")


async def test_form_and_multipart_requests_are_refused(gateway):
    for request in ({"data": {"query": "{ me { subject } }"}}, {"files": {"operations": (None, "{}"), "map": "{}"}}):
        response = await gateway.http.post("/graphql", **request)
        assert response.status_code == 400, response.text
        refusal(response.json(), "BAD_REQUEST", "Unsupported content type")
    assert gateway.calls == {}


async def test_a_mutation_over_get_is_refused_with_405(gateway):
    body = await send(gateway, HOSTILE["mutation over GET"], 405)
    refusal(body, "METHOD_NOT_ALLOWED", "mutations are not allowed when using GET")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "No GraphQL query found in the request"),
        ({"query": "{ me { subject } }", "variables": "["}, "Unable to parse request body as JSON"),
        ({"query": "{ me { subject } }", "variables": "[1]"}, "`variables` must be an object or null"),
    ],
)
async def test_bad_get_requests_are_refused(gateway, params, message):
    response = await gateway.http.get("/graphql", params=params, headers={"accept": "application/json"})
    assert response.status_code == 400, response.text
    refusal(response.json(), "BAD_REQUEST", message)
    assert gateway.calls == {}


async def test_other_methods_are_not_graphql(gateway):
    response = await gateway.http.put("/graphql", json={"query": "{ me { subject } }"})
    assert response.status_code == 405
    assert gateway.calls == {}


@pytest.mark.parametrize("name", HOSTILE)
async def test_every_request_the_bench_times_is_refused_without_a_call(gateway, name):
    """``python -m bench.hostile`` times these requests; each is a refusal (or a typed error) here."""
    body = await send(gateway, HOSTILE[name], expect={"1.1 MB body": 413, "mutation over GET": 405}.get(name))
    refused = body.get("errors") or all(
        result["__typename"] == "InvalidParameterError" for result in body["data"].values()
    )
    assert refused, body
