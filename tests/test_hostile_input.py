"""Hostile requests get a clear refusal, fast, without any upstream call, and never a 500 or a stack trace."""

import time

import pytest

from tests.conftest import running_gateway

POOL = "us-east-1_Nope"
ATTRIBUTES = (
    "mutation M($names: [String!]!) { adminDeleteUserAttributes(input: "
    f'{{userPoolId: "{POOL}", username: "u", userAttributeNames: $names}}) {{ __typename }} }}'
)


async def post(gateway, body: bytes, content_type: str = "application/json", expect: int = 400):
    started = time.perf_counter()
    response = await gateway.http.post("/graphql", content=body, headers={"content-type": content_type})
    assert time.perf_counter() - started < 2, "a hostile request must be cheap"
    assert response.status_code == expect, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    assert "Traceback" not in response.text
    assert gateway.calls == {}
    return response.json()


def refusal(body: dict, code: str | None, message: str) -> None:
    """``body`` refuses the request with a first error of ``code`` whose message holds ``message``."""
    assert body["data"] is None, body
    error = body["errors"][0]
    assert message in error["message"], error
    assert (error.get("extensions") or {}).get("code") == code, error


async def query(gateway, document: str, variables: dict | None = None, expect: int = 200) -> dict:
    import orjson

    return await post(gateway, orjson.dumps({"query": document, "variables": variables or {}}), expect=expect)


# --- GraphQL documents -------------------------------------------------------------------------------------


async def test_alias_overloading_is_refused(gateway):
    document = "{" + " ".join(f"a{i}: me {{ subject }}" for i in range(100)) + "}"
    refusal(await query(gateway, document), "TOO_MANY_ALIASES", "100 aliases found. Allowed: 30")


async def test_one_field_a_thousand_times_is_refused_cheaply(gateway):
    # graphql-core's budget for comparing overlapping fields runs out before anything executes.
    body = await query(gateway, "{ me { " + "subject " * 1000 + "} }")
    refusal(body, "QUERY_TOO_COMPLEX", "Validation aborted.")


async def test_a_field_repeated_a_few_times_is_merged(gateway):
    assert await query(gateway, "{ me { " + "authMode " * 100 + "} }") == {"data": {"me": {"authMode": "none"}}}


async def test_directive_overloading_is_refused_by_the_token_limit(gateway):
    document = "{ me { subject" + " @include(if: true)" * 500 + " } }"
    refusal(await query(gateway, document), "TOO_MANY_TOKENS", "Document contains more than 2000 tokens")


async def test_deep_nesting_is_refused(gateway):
    document = "{ " + "me { " * 20 + "subject" + " }" * 20 + " }"
    refusal(
        await query(gateway, document), "QUERY_TOO_DEEP", "20 levels deep: it exceeds maximum operation depth of 12"
    )


async def test_deeply_nested_list_literal_is_refused_by_the_parser(gateway):
    refusal(
        await query(gateway, "{ userPool(id: " + "[" * 900 + "]" * 900 + ") { __typename } }"),
        None,
        "nested too deeply",
    )


CIRCULAR_INTROSPECTION = "{ __schema { types { " + "fields { type { " * 3 + "name" + " } }" * 3 + " } } }"


async def test_introspection_is_off_by_default(backend, cognito):
    async with running_gateway(backend, introspection=False) as gateway:
        body = await query(gateway, "{ __schema { types { name } } }")
    refusal(body, None, "GraphQL introspection has been disabled")


async def test_circular_introspection_is_refused_even_with_introspection_on(gateway):
    refusal(await query(gateway, CIRCULAR_INTROSPECTION), None, "Maximum introspection depth exceeded")


# --- sizes -------------------------------------------------------------------------------------------------


async def test_a_900_kb_string_under_the_body_cap_is_answered_quickly(gateway):
    started = time.perf_counter()
    body = await gateway.query(
        "query Q($u: String!) { user(userPoolId: $p, username: $u) { __typename ... on CognitoError { message } } }".replace(
            "$p", f'"{POOL}"'
        ),
        {"u": "a" * 900_000},
    )
    assert time.perf_counter() - started < 2
    # Refused by the model's own bound (a username is at most 128 characters) before any call.
    assert body == {
        "data": {
            "user": {
                "__typename": "InvalidParameterError",
                "message": "Username has 900000 characters; at most 128 are allowed",
            }
        }
    }
    assert gateway.calls == {}


async def test_a_body_over_the_cap_is_refused_with_413(gateway):
    body = await post(gateway, b'{"query": "' + b"a" * 1_100_000 + b'"}', expect=413)
    refusal(body, "PAYLOAD_TOO_LARGE", "The request body is over 1048576 bytes.")


@pytest.mark.parametrize("item", ["a", 1])
async def test_a_list_of_100k_items_is_refused(gateway, item):
    body = await query(gateway, ATTRIBUTES, {"names": [item] * 100_000}, expect=400)
    refusal(body, "BAD_REQUEST", "A list in `variables` has more than 1000 items.")


async def test_deeply_nested_json_variables_are_refused(gateway):
    nested = b"[" * 1000 + b"]" * 1000
    document = b'"query Q($m: JSON) { me { subject } }"'
    body = await post(gateway, b'{"query": ' + document + b', "variables": {"m": ' + nested + b"}}", expect=200)
    refusal(body, None, "Variable '$m' is never used")


# --- the HTTP request ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'"x"', "The request body must be a JSON object."),
        (b"null", "The request body must be a JSON object."),
        (b"42", "The request body must be a JSON object."),
        (b"[]", "Batching is not enabled"),
        (b'[{"query": "{ me { subject } }"}, {"query": "{ me { subject } }"}]', "Batching is not enabled"),
        (b'{"query": "{ me { subject } }"', "Unable to parse request body as JSON"),
        (b'{"query": "{ me { subject \xff\xfe } }"}', "Unable to parse request body as JSON"),  # invalid UTF-8
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


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {
                "query": f'mutation {{ adminDeleteUser(input: {{userPoolId: "{POOL}", username: "u"}}) {{ __typename }} }}'
            },
            "mutations are not allowed when using GET",
        ),
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
