"""Terms documents: `terms`, `UserPool.terms`, `UserPoolClient.terms` and the terms mutations, through HTTP against
the real app and the demo backend."""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from gateway.cognito import model
from gateway.demo.server import DemoBackend
from tests.graphql.callers import callers, refused_without_a_call
from tests.helpers import assert_error

LINKS = {"cognito:english": "https://example.com/terms", "cognito:french": "https://example.com/fr/conditions"}
MISSING_ID = "0f2a3b4c-1d2e-4f30-8a1b-2c3d4e5f6a7b"
TERMS_FIELDS = "termsId userPoolId clientId termsName termsSource enforcement links creationDate lastModifiedDate"

TERMS = """
query($pool: ID!, $id: String!) {
  terms(userPoolId: $pool, termsId: $id) {
    __typename
    ... on CognitoError { code message requestId }
    ... on Terms { %s }
  }
}"""

POOL_TERMS = """
query($pool: ID!, $first: Int! = 60, $after: String) {
  userPool(id: $pool) { ... on UserPool { terms(first: $first, after: $after) { %s } } }
}"""

CLIENT_TERMS = """
query($pool: ID!, $client: String!, $name: String!) {
  userPoolClient(userPoolId: $pool, clientId: $client) {
    ... on UserPoolClient { clientName terms(termsName: $name) { %s } }
  }
}"""


@pytest.fixture
def client_id(cognito: BaseClient, pool_id: str) -> str:
    return cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]


def create_terms(
    cognito: BaseClient, pool_id: str, client_id: str, name: str = "terms-of-use", links: dict[str, str] = LINKS
) -> str:
    response = cognito.create_terms(
        UserPoolId=pool_id, ClientId=client_id, TermsName=name, TermsSource="LINK", Enforcement="NONE", Links=links
    )
    return response["Terms"]["TermsId"]


def stored_terms(cognito: BaseClient, pool_id: str, terms_id: str) -> dict[str, Any]:
    return cognito.describe_terms(UserPoolId=pool_id, TermsId=terms_id)["Terms"]


def new_terms(pool_id: str, client_id: str, name: str = "terms-of-use") -> dict[str, Any]:
    return {
        "userPoolId": pool_id,
        "clientId": client_id,
        "termsName": name,
        "termsSource": "LINK",
        "enforcement": "NONE",
        "links": LINKS,
    }


# --- createTerms -------------------------------------------------------------------------------------


async def test_create_terms(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str) -> None:
    result = await gateway.mutate("createTerms", new_terms(pool_id, client_id), f"terms {{ {TERMS_FIELDS} }}")

    assert result["__typename"] == "CreateTermsPayload"
    terms = result["terms"]
    assert {key: terms[key] for key in ("userPoolId", "clientId", "termsName", "termsSource", "enforcement")} == {
        "userPoolId": pool_id,
        "clientId": client_id,
        "termsName": "terms-of-use",
        "termsSource": "LINK",
        "enforcement": "NONE",
    }
    assert terms["links"] == LINKS
    assert terms["creationDate"] and terms["lastModifiedDate"]
    assert stored_terms(cognito, pool_id, terms["termsId"])["Links"] == LINKS
    assert gateway.calls == {"CreateTerms": 1}


async def test_a_second_document_of_one_name_is_terms_exists(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_terms(cognito, pool_id, client_id)

    result = await gateway.mutate(
        "createTerms", {**new_terms(pool_id, client_id), "links": {"cognito:default": "https://example.com/x"}}
    )

    assert_error(result, "TermsExistsError", "TermsExistsException")
    assert [t["TermsName"] for t in cognito.list_terms(UserPoolId=pool_id)["Terms"]] == ["terms-of-use"]


async def test_create_terms_for_a_missing_client(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("createTerms", new_terms(pool_id, "nothere"))

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_a_terms_name_cognito_does_not_know_is_refused(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    result = await gateway.mutate("createTerms", new_terms(pool_id, client_id, name="cookie-policy"))

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    assert cognito.list_terms(UserPoolId=pool_id)["Terms"] == []


async def test_more_links_than_the_model_allows_are_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    limit = model.shape("LinksType").metadata["max"]
    links = {f"cognito:{index:02d}": "https://example.com" for index in range(limit + 1)}

    result = await gateway.mutate("createTerms", {**new_terms(pool_id, client_id), "links": links})

    assert result["__typename"] == "InvalidParameterError"
    assert f"at most {limit}" in result["message"]
    assert result["requestId"] is None
    assert gateway.calls == {}
    assert cognito.list_terms(UserPoolId=pool_id)["Terms"] == []


# --- terms -------------------------------------------------------------------------------------------


async def test_terms(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str) -> None:
    terms_id = create_terms(cognito, pool_id, client_id, "privacy-policy")

    data = await gateway.data(TERMS % "termsId userPoolId clientId termsName links", {"pool": pool_id, "id": terms_id})

    assert data["terms"] == {
        "__typename": "Terms",
        "termsId": terms_id,
        "userPoolId": pool_id,
        "clientId": client_id,
        "termsName": "privacy-policy",
        "links": LINKS,
    }
    assert gateway.calls == {"DescribeTerms": 1}


async def test_missing_terms_are_resource_not_found(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(TERMS % "termsId", {"pool": pool_id, "id": MISSING_ID})

    assert_error(data["terms"], "ResourceNotFoundError", "ResourceNotFoundException")


# --- UserPool.terms ----------------------------------------------------------------------------------


async def test_user_pool_terms_from_the_list_alone(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    first = create_terms(cognito, pool_id, client_id)
    second = create_terms(cognito, pool_id, client_id, "privacy-policy")

    data = await gateway.data(
        POOL_TERMS % "nodes { termsId userPoolId termsName enforcement creationDate } pageInfo { hasNextPage }",
        {"pool": pool_id},
    )

    terms = data["userPool"]["terms"]
    assert [(node["termsId"], node["termsName"]) for node in terms["nodes"]] == [
        (first, "terms-of-use"),
        (second, "privacy-policy"),
    ]
    assert {node["userPoolId"] for node in terms["nodes"]} == {pool_id}
    assert all(node["enforcement"] == "NONE" and node["creationDate"] for node in terms["nodes"])
    assert terms["pageInfo"]["hasNextPage"] is False
    # ListTerms gives what was selected: no document is described.
    assert gateway.calls == {"DescribeUserPool": 1, "ListTerms": 1}


async def test_user_pool_terms_beyond_the_summary_describe_each_document(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_terms(cognito, pool_id, client_id)
    create_terms(cognito, pool_id, client_id, "privacy-policy")

    data = await gateway.data(POOL_TERMS % "nodes { termsName clientId links }", {"pool": pool_id})

    assert data["userPool"]["terms"]["nodes"] == [
        {"termsName": "terms-of-use", "clientId": client_id, "links": LINKS},
        {"termsName": "privacy-policy", "clientId": client_id, "links": LINKS},
    ]
    assert gateway.calls == {"DescribeUserPool": 1, "ListTerms": 1, "DescribeTerms": 2}


async def test_user_pool_terms_page_by_page(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    created = []
    for index in range(3):
        client = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=f"app-{index}")["UserPoolClient"]
        created.append(create_terms(cognito, pool_id, client["ClientId"]))
    selection = "edges { cursor node { termsId } } pageInfo { hasNextPage endCursor }"

    first = (await gateway.data(POOL_TERMS % selection, {"pool": pool_id, "first": 2}))["userPool"]["terms"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gateway.data(POOL_TERMS % selection, {"pool": pool_id, "first": 2, "after": after}))["userPool"][
        "terms"
    ]

    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    assert [edge["node"]["termsId"] for edge in first["edges"] + rest["edges"]] == created
    assert after == first["edges"][-1]["cursor"]
    assert gateway.calls["ListTerms"] == 2  # one a page (the pool itself is read once, then cached)


async def test_user_pool_terms_first_defaults_to_the_models_page_bound(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_terms(cognito, pool_id, client_id)

    data = await gateway.data(
        """query($pool: ID!) { userPool(id: $pool) { ... on UserPool { terms { nodes { termsName } } } } }""",
        {"pool": pool_id},
    )

    assert data["userPool"]["terms"] == {"nodes": [{"termsName": "terms-of-use"}]}


@pytest.mark.parametrize("first", [0, model.page_size_limit("ListTerms") + 1])
async def test_user_pool_terms_first_out_of_range_is_an_error_entry_without_a_list_call(
    gateway: Any, pool_id: str, first: int
) -> None:
    body = await gateway.query(POOL_TERMS % "nodes { termsId }", {"pool": pool_id, "first": first})

    assert body["data"] == {"userPool": {"terms": None}}
    [error] = body["errors"]
    assert error["path"] == ["userPool", "terms"]
    assert error["extensions"]["code"] == "InvalidParameterException"
    assert gateway.calls == {"DescribeUserPool": 1}


async def test_a_cursor_of_another_pools_terms_is_refused(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    for name in ("terms-of-use", "privacy-policy"):
        create_terms(cognito, pool_id, client_id, name)
    other = cognito.create_user_pool(PoolName="other")["UserPool"]["Id"]
    page = await gateway.data(POOL_TERMS % "pageInfo { endCursor }", {"pool": pool_id, "first": 1})
    cursor = page["userPool"]["terms"]["pageInfo"]["endCursor"]
    gateway.reset_calls()

    body = await gateway.query(POOL_TERMS % "nodes { termsId }", {"pool": other, "after": cursor})

    assert body["errors"][0]["extensions"]["code"] == "InvalidParameterException"
    assert gateway.calls == {"DescribeUserPool": 1}


# --- UserPoolClient.terms ----------------------------------------------------------------------------


async def test_user_pool_client_terms(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str) -> None:
    terms_id = create_terms(cognito, pool_id, client_id, "privacy-policy")

    data = await gateway.data(
        CLIENT_TERMS % "termsId termsName links", {"pool": pool_id, "client": client_id, "name": "privacy-policy"}
    )

    assert data["userPoolClient"] == {
        "clientName": "web",
        "terms": {"termsId": terms_id, "termsName": "privacy-policy", "links": LINKS},
    }
    assert gateway.calls == {"DescribeUserPoolClient": 1, "DescribeTermsByClient": 1}


async def test_a_client_without_a_document_of_that_name_has_null_terms(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_terms(cognito, pool_id, client_id, "terms-of-use")

    body = await gateway.query(
        CLIENT_TERMS % "termsId", {"pool": pool_id, "client": client_id, "name": "privacy-policy"}
    )

    assert "errors" not in body
    assert body["data"]["userPoolClient"] == {"clientName": "web", "terms": None}


async def test_user_pool_client_terms_of_an_unknown_name_is_an_error_entry(
    gateway: Any, pool_id: str, client_id: str
) -> None:
    body = await gateway.query(CLIENT_TERMS % "termsId", {"pool": pool_id, "client": client_id, "name": "cookies"})

    assert body["data"]["userPoolClient"] == {"clientName": "web", "terms": None}
    [error] = body["errors"]
    assert error["path"] == ["userPoolClient", "terms"]
    assert error["extensions"]["code"] == "InvalidParameterException"


# --- updateTerms -------------------------------------------------------------------------------------


async def test_update_terms_changes_only_what_it_is_sent(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    terms_id = create_terms(cognito, pool_id, client_id)
    links = {"cognito:default": "https://example.com/terms/v2"}

    result = await gateway.mutate(
        "updateTerms",
        {"userPoolId": pool_id, "termsId": terms_id, "links": links},
        "terms { termsId termsName links }",
    )

    assert result == {
        "__typename": "UpdateTermsPayload",
        "terms": {"termsId": terms_id, "termsName": "terms-of-use", "links": links},
    }
    assert stored_terms(cognito, pool_id, terms_id)["Links"] == links
    assert gateway.calls == {"UpdateTerms": 1}


async def test_renaming_terms_onto_a_taken_name_is_terms_exists(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_terms(cognito, pool_id, client_id, "terms-of-use")
    privacy = create_terms(cognito, pool_id, client_id, "privacy-policy")

    result = await gateway.mutate(
        "updateTerms", {"userPoolId": pool_id, "termsId": privacy, "termsName": "terms-of-use"}
    )

    assert_error(result, "TermsExistsError", "TermsExistsException")
    assert stored_terms(cognito, pool_id, privacy)["TermsName"] == "privacy-policy"


async def test_update_missing_terms_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("updateTerms", {"userPoolId": pool_id, "termsId": MISSING_ID, "links": LINKS})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- deleteTerms -------------------------------------------------------------------------------------


async def test_delete_terms(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str) -> None:
    terms_id = create_terms(cognito, pool_id, client_id)
    kept = create_terms(cognito, pool_id, client_id, "privacy-policy")

    result = await gateway.mutate("deleteTerms", {"userPoolId": pool_id, "termsId": terms_id}, "userPoolId termsId")

    assert result == {"__typename": "DeleteTermsPayload", "userPoolId": pool_id, "termsId": terms_id}
    assert [t["TermsId"] for t in cognito.list_terms(UserPoolId=pool_id)["Terms"]] == [kept]
    with pytest.raises(ClientError) as error:
        stored_terms(cognito, pool_id, terms_id)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert gateway.calls == {"DeleteTerms": 1}


async def test_delete_missing_terms_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("deleteTerms", {"userPoolId": pool_id, "termsId": MISSING_ID})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- roles -------------------------------------------------------------------------------------------


async def test_a_viewer_reads_terms_and_is_refused_their_changes_without_a_call(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    terms_id = create_terms(cognito, pool_id, client_id)
    changes = [
        ("createTerms", new_terms(pool_id, client_id, "privacy-policy")),
        (
            "updateTerms",
            {"userPoolId": pool_id, "termsId": terms_id, "links": {"cognito:default": "https://example.com/x"}},
        ),
        ("deleteTerms", {"userPoolId": pool_id, "termsId": terms_id}),
    ]

    async with callers(backend, pool_id) as as_caller:
        gateway = as_caller("viewer")
        read = await gateway.data(TERMS % "links", {"pool": pool_id, "id": terms_id})
        assert read["terms"]["links"] == LINKS
        await refused_without_a_call(gateway, changes)

    assert [t["TermsId"] for t in cognito.list_terms(UserPoolId=pool_id)["Terms"]] == [terms_id]
    assert stored_terms(cognito, pool_id, terms_id)["Links"] == LINKS
