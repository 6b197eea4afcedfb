"""Terms documents (gateway.demo.terms), through boto3 against the moto server."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.client import BaseClient

from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, TwoClientPool, pool_with_two_clients, raises

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
LINKS = {"cognito:default": "https://example.com/terms", "cognito:spanish": "https://example.com/es/terms"}


@pytest.fixture
def pool(cognito: BaseClient) -> TwoClientPool:
    return pool_with_two_clients(cognito, "terms")


def create(
    cognito: BaseClient, pool: TwoClientPool, client_id: str, name: str = "terms-of-use", **extra: Any
) -> dict[str, Any]:
    arguments = {"TermsSource": "LINK", "Enforcement": "NONE", "Links": LINKS, **extra}
    return cognito.create_terms(UserPoolId=pool.id, ClientId=client_id, TermsName=name, **arguments)["Terms"]


def test_create_describe_update_delete(pool: TwoClientPool, cognito: BaseClient) -> None:
    created = create(cognito, pool, pool.client_id)
    terms_id = created["TermsId"]
    assert {key: created[key] for key in ("UserPoolId", "ClientId", "TermsName", "TermsSource", "Enforcement")} == {
        "UserPoolId": pool.id,
        "ClientId": pool.client_id,
        "TermsName": "terms-of-use",
        "TermsSource": "LINK",
        "Enforcement": "NONE",
    }
    assert created["Links"] == LINKS and created["CreationDate"] == created["LastModifiedDate"]
    assert abs(created["CreationDate"] - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    assert cognito.describe_terms(UserPoolId=pool.id, TermsId=terms_id)["Terms"] == created
    by_client = cognito.describe_terms_by_client(UserPoolId=pool.id, ClientId=pool.client_id, TermsName="terms-of-use")
    assert by_client["Terms"] == created

    # Update changes only what it is sent.
    links = {"cognito:default": "https://example.com/v2/terms"}
    updated = cognito.update_terms(UserPoolId=pool.id, TermsId=terms_id, Links=links)["Terms"]
    assert updated["Links"] == links and updated["TermsName"] == "terms-of-use"
    assert updated["CreationDate"] == created["CreationDate"]
    assert updated["LastModifiedDate"] >= created["LastModifiedDate"]
    renamed = cognito.update_terms(UserPoolId=pool.id, TermsId=terms_id, TermsName="privacy-policy")["Terms"]
    assert renamed["TermsName"] == "privacy-policy" and renamed["Links"] == links
    assert cognito.describe_terms(UserPoolId=pool.id, TermsId=terms_id)["Terms"] == renamed
    raises(
        "ResourceNotFoundException",
        cognito.describe_terms_by_client,
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        TermsName="terms-of-use",
    )

    cognito.delete_terms(UserPoolId=pool.id, TermsId=terms_id)
    raises("ResourceNotFoundException", cognito.describe_terms, UserPoolId=pool.id, TermsId=terms_id)
    raises("ResourceNotFoundException", cognito.delete_terms, UserPoolId=pool.id, TermsId=terms_id)
    raises("ResourceNotFoundException", cognito.update_terms, UserPoolId=pool.id, TermsId=terms_id, Links=links)
    assert cognito.list_terms(UserPoolId=pool.id)["Terms"] == []


def test_names_are_unique_per_client(pool: TwoClientPool, cognito: BaseClient) -> None:
    terms_of_use = create(cognito, pool, pool.client_id)
    raises("TermsExistsException", create, cognito, pool, pool.client_id)
    privacy = create(cognito, pool, pool.client_id, "privacy-policy")
    create(cognito, pool, pool.other_client_id)  # another client may have its own
    raises(
        "TermsExistsException",
        cognito.update_terms,
        UserPoolId=pool.id,
        TermsId=privacy["TermsId"],
        TermsName="terms-of-use",
    )
    assert cognito.describe_terms(UserPoolId=pool.id, TermsId=privacy["TermsId"])["Terms"]["TermsName"] == (
        "privacy-policy"
    )
    # Renaming to its own name is no conflict.
    cognito.update_terms(UserPoolId=pool.id, TermsId=terms_of_use["TermsId"], TermsName="terms-of-use")


def test_list_terms_pages_in_creation_order(pool: TwoClientPool, cognito: BaseClient, unvalidated: BaseClient) -> None:
    created = [
        create(cognito, pool, client_id, name)
        for client_id in (pool.client_id, pool.other_client_id)
        for name in ("terms-of-use", "privacy-policy")
    ]
    summary_keys = set(MODEL.shape_for("TermsDescriptionType").members)
    expected = [{key: terms[key] for key in summary_keys} for terms in created]
    assert cognito.list_terms(UserPoolId=pool.id)["Terms"] == expected
    assert "NextToken" not in cognito.list_terms(UserPoolId=pool.id)
    pages, token = [], None
    while True:
        page = cognito.list_terms(UserPoolId=pool.id, MaxResults=3, **({"NextToken": token} if token else {}))
        pages.append(page["Terms"])
        token = page.get("NextToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [3, 1]
    assert [terms for page in pages for terms in page] == expected

    maximum = MODEL.shape_for("ListTermsRequestMaxResultsInteger").metadata["max"]
    for wrong in (0, maximum + 1):
        message = raises("InvalidParameterException", unvalidated.list_terms, UserPoolId=pool.id, MaxResults=wrong)
        assert "'maxResults'" in message
    raises("InvalidParameterException", cognito.list_terms, UserPoolId=pool.id, NextToken="bm90LWEtdGVybXMtaWQ=")
    raises("ResourceNotFoundException", cognito.list_terms, UserPoolId="us-east-1_missing")
    # A deleted app client's documents go with it.
    cognito.delete_user_pool_client(UserPoolId=pool.id, ClientId=pool.other_client_id)
    assert cognito.list_terms(UserPoolId=pool.id)["Terms"] == expected[:2]


def test_terms_errors(pool: TwoClientPool, cognito: BaseClient, unvalidated: BaseClient) -> None:
    raises("ResourceNotFoundException", create, cognito, pool, "nobody")
    raises("ResourceNotFoundException", create, cognito, TwoClientPool("us-east-1_missing", "", ""), pool.client_id)
    raises("ResourceNotFoundException", cognito.describe_terms, UserPoolId=pool.id, TermsId=UNKNOWN_ID)
    raises(
        "ResourceNotFoundException",
        cognito.describe_terms_by_client,
        UserPoolId=pool.id,
        ClientId="nobody",
        TermsName="terms-of-use",
    )
    message = raises("InvalidParameterException", unvalidated.create_terms, UserPoolId=pool.id,
                     ClientId=pool.client_id, TermsName="cookie-policy", TermsSource="LINK", Enforcement="NONE",
                     Links=LINKS)  # fmt: skip
    assert "'termsName'" in message and "regular expression pattern: ^(terms-of-use|privacy-policy)$" in message
    message = raises("InvalidParameterException", create, unvalidated, pool, pool.client_id, TermsSource="INLINE")
    assert "enum value set: [LINK]" in message
    message = raises("InvalidParameterException", create, unvalidated, pool, pool.client_id, Links={"klingon": "x"})
    assert "'links.key'" in message
    maximum = MODEL.shape_for("LinksType").metadata["max"]
    many = {f"cognito:{index}": "https://example.com" for index in range(maximum + 1)}
    message = raises("InvalidParameterException", create, unvalidated, pool, pool.client_id, Links=many)
    assert f"length less than or equal to {maximum}" in message
    message = raises(
        "InvalidParameterException",
        create,
        cognito,
        pool,
        pool.client_id,
        Links={"cognito:default": "https://example.com/has space"},
    )
    assert "not a valid URL" in message
    message = raises(
        "InvalidParameterException",
        cognito.create_terms,
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        TermsName="terms-of-use",
        TermsSource="LINK",
        Enforcement="NONE",
    )
    assert "Links" in message
    assert cognito.list_terms(UserPoolId=pool.id)["Terms"] == []  # nothing was created


def test_reset_drops_the_documents(backend: DemoBackend, cognito: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # IDs derived from names: the pool and client after the reset have the same IDs.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")

    def arrange() -> TwoClientPool:
        pool_id = cognito.create_user_pool(PoolName="reset-terms")["UserPool"]["Id"]
        client = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]
        return TwoClientPool(pool_id, client["ClientId"], "")

    before = arrange()
    terms_id = create(cognito, before, before.client_id)["TermsId"]
    backend.reset()
    assert arrange() == before
    assert cognito.list_terms(UserPoolId=before.id)["Terms"] == []
    raises("ResourceNotFoundException", cognito.describe_terms, UserPoolId=before.id, TermsId=terms_id)
    create(cognito, before, before.client_id)  # no TermsExistsException
