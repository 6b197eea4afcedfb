"""Which media type /graphql answers in, from the Accept header (GraphQL over HTTP's "Body"; RFC 9110's weights)."""

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
JSON = "application/json"
NOT_ACCEPTABLE = None

ACCEPT = [  # (Accept header, the content-type of the answer, or NOT_ACCEPTABLE for a 406)
    ("application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/json", JSON),
    ("*/*", JSON),  # a wildcard alone: the type clients written before the spec expect
    ("application/*", JSON),
    ("", JSON),
    # the spec's advice to a client unsure of the server
    ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
    ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE),
    # equal weights: the one named first; a named type beats one only a wildcard covers
    ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
    ("application/json, application/graphql-response+json", JSON),
    ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE),
    ("*/*;q=0.5, application/graphql-response+json;q=0.4", JSON),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),  # a browser
    ("application/json, multipart/mixed", JSON),  # GraphiQL's fetcher
    ("Application/GraphQL-Response+JSON; Charset=UTF-8", GRAPHQL_RESPONSE),
    # q=0 refuses a type, also one a wildcard would allow
    ("*/*, application/json;q=0", GRAPHQL_RESPONSE),
    ("application/json;q=0", NOT_ACCEPTABLE),
    ("text/html", NOT_ACCEPTABLE),
    ("application/xml, text/plain;q=0.5", NOT_ACCEPTABLE),
    ("application/json; charset=latin-1", NOT_ACCEPTABLE),  # only UTF-8 is written
    ("application/json;q=2, application/json;q=abc, application/json;q=nan", NOT_ACCEPTABLE),  # not weights
    (",,;;=", NOT_ACCEPTABLE),
]


async def test_the_response_is_in_the_type_the_accept_header_prefers(gateway):
    answers = {}
    for accept, _ in ACCEPT:
        response = await gateway.http.post("/graphql", json={"query": "{ __typename }"}, headers={"accept": accept})
        answers[accept] = NOT_ACCEPTABLE if response.status_code == 406 else response.headers["content-type"]
        assert response.headers["vary"] == "Accept"
        assert response.status_code in (200, 406), response.text

    assert answers == dict(ACCEPT)


async def test_an_accept_header_allowing_neither_type_is_refused_before_anything_runs(gateway):
    mutation = 'mutation { deleteGroup(input: {userPoolId: "us-east-1_x", groupName: "g"}) { __typename } }'

    response = await gateway.http.post("/graphql", json={"query": mutation}, headers={"accept": "text/html"})

    assert response.status_code == 406
    assert response.headers["content-type"] == JSON
    assert response.json() == {
        "errors": [
            {
                "message": "The Accept header allows neither application/graphql-response+json nor application/json.",
                "extensions": {"code": "NOT_ACCEPTABLE"},
            }
        ]
    }
    assert gateway.calls == {}
