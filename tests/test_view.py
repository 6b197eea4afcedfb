"""GraphQL over HTTP: the graphql-http server audits (github.com/graphql/graphql-http, src/audits/server.ts), each
as the audit sends it and checks it (the audit's ID leads each case), and what the spec asks beyond them: no
`data` entry on a request error, 4xx for one under `application/graphql-response+json`, 200 with data for a
field error, 405 with `Allow` for a mutation over GET; and the response is always written whole, whatever the
result holds."""

import json
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from gateway.graphql.schema import build_schema
from gateway.view import GraphQLApp

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
TYPENAME = {"query": "{ __typename }"}
TYPE_BY_NAME = {"query": "query Type($name: String!) { __type(name: $name) { name } }"}
UNKNOWN_FIELD = {"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}
COERCION_FAILURE = {"query": "query CoerceFailure($id: ID!){ __typename }", "variables": {"id": None}}
INVALID = [{"obj": "ect"}, 0, False, ["array"]]
INVALID_MAP = ["string", 0, False, ["array"]]


@dataclass
class Audit:
    id: str
    status: int
    body: Any = None  # JSON-encoded unless bytes; None sends no body
    accept: str | None = None  # None sends no Accept header
    content_type: str | None = JSON
    method: str = "POST"
    params: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None  # what the response's content-type must contain
    no_errors: bool = False
    no_data: bool = False


AUDITS = [
    # Media types
    Audit("22EB", 200, TYPENAME, GRAPHQL_RESPONSE, media_type=GRAPHQL_RESPONSE),
    Audit("4655", 200, TYPENAME, JSON, media_type=JSON),
    Audit("47DE", 200, TYPENAME, "*/*", media_type=JSON),
    Audit("80D8", 200, TYPENAME, None, media_type=JSON),
    Audit("BF61", 200, {"query": '{ __type(name: "Run🏃Swim🏊") { name } }'}, content_type=f"{JSON}; charset=utf-8"),
    Audit("78D5", 200, TYPENAME),
    # Request
    Audit("2C94", 200, TYPENAME),
    Audit("5A70", 200, method="GET", params=TYPENAME),
    Audit("9C48", 405, method="GET", params={"query": "mutation { __typename }"}, accept=GRAPHQL_RESPONSE),
    Audit("9ABE", 400, TYPENAME, content_type=None),
    Audit("03D4", 200, TYPENAME),
    Audit("A5BF", 400),
    # Request parameters
    Audit("423L", 400, {"notquery": "{ __typename }"}, GRAPHQL_RESPONSE),
    *(Audit(f"LKJ{index}", 400, {"query": invalid}) for index, invalid in enumerate(INVALID)),
    Audit("34A2", 200, TYPENAME, GRAPHQL_RESPONSE),
    Audit("13EE", 200, TYPENAME, JSON, no_errors=True),
    *(Audit(f"6C0{index}", 400, {**TYPENAME, "operationName": invalid}) for index, invalid in enumerate(INVALID)),
    Audit("8161", 200, {"operationName": "Query", "query": "query Query { __typename }"}, GRAPHQL_RESPONSE),
    Audit("B8B3", 200, {"operationName": "Query", "query": "query Query { __typename }"}, JSON, no_errors=True),
    *(
        Audit(f"{prefix}{index}", 200, {**TYPENAME, parameter: None}, accept, no_errors=True)
        for index, parameter in enumerate(["variables", "operationName", "extensions"])
        for prefix, accept in (("94B", GRAPHQL_RESPONSE), ("022", JSON))
    ),
    *(Audit(f"476{index}", 400, {**TYPENAME, "variables": invalid}) for index, invalid in enumerate(INVALID_MAP)),
    Audit("2EA1", 200, {**TYPE_BY_NAME, "variables": {"name": "sometype"}}, GRAPHQL_RESPONSE),
    Audit("28B9", 200, {**TYPE_BY_NAME, "variables": {"name": "sometype"}}, JSON, no_errors=True),
    *(
        Audit(audit_id, 200, accept=accept, method="GET", params={**TYPE_BY_NAME, "variables": '{"name":"sometype"}'})
        for audit_id, accept in (("D6D5", GRAPHQL_RESPONSE), ("6A70", JSON))
    ),
    *(Audit(f"58B{index}", 400, {**TYPENAME, "extensions": invalid}) for index, invalid in enumerate(INVALID_MAP)),
    Audit("428F", 200, {**TYPENAME, "extensions": {"some": "value"}}, GRAPHQL_RESPONSE),
    Audit("1B7A", 200, {**TYPENAME, "extensions": {"some": "value"}}, JSON, no_errors=True),
    Audit("BCF8", 400, b'{ "not a JSON', JSON),
    Audit("B7N8", 400, b'{ "not a JSON', GRAPHQL_RESPONSE),
    Audit("3E3A", 400, {"qeury": "{ __typename }"}),
    # Response application/json: a well-formed request is a 200, whatever its errors
    Audit("572B", 200, {"query": "{"}, JSON),
    Audit("FDE2", 200, UNKNOWN_FIELD, JSON),
    Audit("7B9B", 200, COERCION_FAILURE, JSON),
    # Response application/graphql-response+json: a request error is a 400 without data
    Audit("556A/D586", 400, {"query": "{"}, GRAPHQL_RESPONSE, no_data=True),
    Audit("74FF/5E5B", 400, UNKNOWN_FIELD, GRAPHQL_RESPONSE, no_data=True),
    Audit("86EE", 400, COERCION_FAILURE, GRAPHQL_RESPONSE),
]


async def send(gateway, audit: Audit):
    headers = {"content-type": audit.content_type} if audit.content_type else {}
    body = audit.body if isinstance(audit.body, bytes) or audit.body is None else orjson.dumps(audit.body)
    request = gateway.http.build_request(audit.method, "/graphql", params=audit.params, content=body, headers=headers)
    if audit.accept is None:
        del request.headers["accept"]  # httpx sends */* unless told otherwise
    else:
        request.headers["accept"] = audit.accept
    return await gateway.http.send(request)


def audit_failures(audit: Audit, response: Any) -> list[str]:
    """What ``response`` gets wrong against ``audit`` (nothing when it passes)."""
    if response.status_code != audit.status:
        return [f"status {response.status_code}, not {audit.status}: {response.text[:200]}"]
    body = orjson.loads(response.content)  # 82A3: UTF-8 JSON
    content_type = response.headers["content-type"]
    failures = []
    if audit.media_type and audit.media_type not in content_type:
        failures.append(f"content-type {content_type}")
    if audit.no_errors and "errors" in body:
        failures.append(f"errors {body['errors']}")
    if (audit.no_data or audit.status >= 400) and "data" in body:
        failures.append("a data entry in a refusal")
    return failures


async def test_the_graphql_http_server_audits_pass(gateway):
    """One gateway for all the audits (they change nothing); each failure names its audit."""
    failures = {audit.id: audit_failures(audit, await send(gateway, audit)) for audit in AUDITS}

    assert not {audit_id: found for audit_id, found in failures.items() if found}
    assert gateway.calls == {}


REQUEST_ERRORS = [  # (body, code): refused before any field runs
    ({"query": "{ me { subject "}, None),  # syntax
    ({"query": "{ me { nope } }"}, None),  # validation
    ({"query": "query Q($first: Int) { me { subject } }"}, None),  # validation: an unused variable
    ({"query": "query A { me { subject } } query B { __typename }"}, "OPERATION_NAME_REQUIRED"),
    ({"query": "query Q($p: ID!) { userPool(id: $p) { __typename } }", "variables": {"p": 1.5}}, None),  # variables
    ({"query": "{ " + "me { " * 13 + "subject" + " }" * 13 + " }"}, "QUERY_TOO_DEEP"),
    ({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"}, "TOO_MANY_ALIASES"),
    ({"query": "{ me { subject" + " @include(if: true)" * 500 + " } }"}, "TOO_MANY_TOKENS"),
    ({"query": "{ me { " + "subject " * 1000 + "} }"}, "TOO_MANY_SELECTIONS"),
    (
        {"query": "{ userPools { ... on UserPoolConnection { nodes { users { nodes { groups { groupName } } } } } } }"},
        "QUERY_TOO_COSTLY",
    ),
]


@pytest.mark.parametrize(
    ("accept", "status", "content_type"),
    [(GRAPHQL_RESPONSE, 400, f"{GRAPHQL_RESPONSE}; charset=utf-8"), (JSON, 200, JSON), ("*/*", 200, JSON)],
)
async def test_a_request_error_has_no_data_and_is_a_400_only_with_the_graphql_response_type(
    gateway, accept, status, content_type
):
    for request_body, code in REQUEST_ERRORS:
        response = await gateway.http.post("/graphql", json=request_body, headers={"accept": accept})

        assert response.status_code == status, response.text
        assert response.headers["content-type"] == content_type
        assert response.headers["vary"] == "Accept"
        body = response.json()
        assert "data" not in body, body
        assert body["errors"] and (body["errors"][0].get("extensions") or {}).get("code") == code, body
    assert gateway.calls == {}


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_a_field_error_keeps_data_and_a_200(gateway, pool_id, accept):
    """Execution began: the failed field is null beside the rest, with its error, and the status stays 200."""
    document = """query($pool: ID!) {
      userPool(id: $pool) { ... on UserPool { id users(first: 61) { nodes { username } } } }
    }"""
    response = await gateway.http.post(
        "/graphql", json={"query": document, "variables": {"pool": pool_id}}, headers={"accept": accept}
    )

    assert response.status_code == 200
    assert accept in response.headers["content-type"]
    body = response.json()
    assert body["data"] == {"userPool": {"id": pool_id, "users": None}}
    assert [error["path"] for error in body["errors"]] == [["userPool", "users"]]
    assert body["errors"][0]["extensions"]["code"] == "InvalidParameterException"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_a_mutation_over_get_is_a_405_that_allows_post(gateway, accept):
    document = 'mutation { deleteGroup(input: {userPoolId: "us-east-1_x", groupName: "g"}) { __typename } }'

    response = await gateway.http.get("/graphql", params={"query": document}, headers={"accept": accept})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert accept in response.headers["content-type"]
    assert response.json()["errors"][0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}
    assert gateway.calls == {}


# --- the response is written whole ----------------------------------------------------------------------

VIEW = GraphQLApp(build_schema(), guard=None)  # type: ignore[arg-type]  # encoding needs no guard


@pytest.mark.parametrize(
    ("data", "written"),
    [
        ({"cost": 2**70}, {"cost": 2**70}),  # past 64 bits
        ({"counts": {1: "a"}}, {"counts": {"1": "a"}}),  # a key that is not a string
        ({"value": frozenset()}, {"value": "frozenset()"}),  # a type orjson does not know
    ],
)
def test_what_orjson_refuses_is_written_by_the_stdlib(data, written):
    assert json.loads(VIEW.encode_json(data)) == written


def test_what_no_encoder_can_write_is_an_internal_error(caplog):
    circular: dict = {}
    circular["self"] = circular

    body = json.loads(VIEW.encode_json({"data": circular}))

    assert body["errors"] == [{"message": "The response could not be encoded.", "extensions": {"code": "INTERNAL"}}]
    assert "could not be encoded as JSON (ValueError)" in caplog.text
