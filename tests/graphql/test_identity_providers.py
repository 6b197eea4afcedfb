"""Identity providers: `identityProviders`, `identityProvider`, `identityProviderByIdentifier`,
`UserPool.identityProviders` and the provider mutations, through HTTP against the real app and the moto server.

The secrets a provider keeps in its details (`client_secret`, Apple's `private_key`) are shown as "REDACTED"
everywhere the graph returns a provider, and sending that marker back is refused.
"""

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.helpers import assert_error

REDACTED = "REDACTED"

SAML_METADATA = (
    '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://idp.example.com/saml"><md:IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>'
)

# (GraphQL enum value, Cognito's ProviderType, name, details): one of each type Cognito knows, SAML twice.
PROVIDERS: list[tuple[str, str, str, dict[str, str]]] = [
    ("SAML", "SAML", "Okta", {"MetadataURL": "https://okta.example.com/app/metadata", "IDPSignout": "true"}),
    ("SAML", "SAML", "Adfs", {"MetadataFile": SAML_METADATA}),
    (
        "GOOGLE",
        "Google",
        "Google",
        {"client_id": "google-id", "client_secret": "google-secret", "authorize_scopes": "openid email profile"},
    ),
    (
        "FACEBOOK",
        "Facebook",
        "Facebook",
        {
            "client_id": "fb-id",
            "client_secret": "fb-secret",
            "authorize_scopes": "public_profile,email",
            "api_version": "v17.0",
        },
    ),
    (
        "LOGIN_WITH_AMAZON",
        "LoginWithAmazon",
        "LoginWithAmazon",
        {"client_id": "amzn-id", "client_secret": "amzn-secret", "authorize_scopes": "profile"},
    ),
    (
        "SIGN_IN_WITH_APPLE",
        "SignInWithApple",
        "SignInWithApple",
        {
            "client_id": "com.example.app",
            "team_id": "TEAM123",
            "key_id": "KEY123",
            "private_key": "-----BEGIN PRIVATE KEY-----x",
            "authorize_scopes": "email name",
        },
    ),
    (
        "OIDC",
        "OIDC",
        "Auth0",
        {
            "client_id": "oidc-id",
            "client_secret": "oidc-secret",
            "attributes_request_method": "GET",
            "oidc_issuer": "https://tenant.auth0.example.com",
            "authorize_scopes": "openid email",
        },
    ),
]

PROVIDER_FIELDS = (
    "userPoolId providerName providerType providerDetails attributeMapping idpIdentifiers creationDate lastModifiedDate"
)

PROVIDERS_QUERY = """
query($pool: ID!, $first: Int = 60, $after: String) {
  identityProviders(userPoolId: $pool, first: $first, after: $after) {
    __typename
    ... on CognitoError { code message requestId }
    ... on IdentityProviderConnection { %s }
  }
}"""

PROVIDER_QUERY = """
query($pool: ID!, $name: String!) {
  identityProvider(userPoolId: $pool, providerName: $name) {
    __typename
    ... on CognitoError { code message requestId }
    ... on IdentityProvider { %s }
  }
}"""

BY_IDENTIFIER = """
query($pool: ID!, $identifier: String!) {
  identityProviderByIdentifier(userPoolId: $pool, idpIdentifier: $identifier) {
    __typename
    ... on CognitoError { code message requestId }
    ... on IdentityProvider { providerName providerType providerDetails idpIdentifiers }
  }
}"""


def shown(details: dict[str, str]) -> dict[str, str]:
    """The details as the gateway shows them: secrets masked."""
    return {key: REDACTED if key in ("client_secret", "private_key") else value for key, value in details.items()}


def create_provider(
    cognito: BaseClient, pool_id: str, name: str, provider_type: str, details: dict[str, str], **members: Any
) -> None:
    cognito.create_identity_provider(
        UserPoolId=pool_id, ProviderName=name, ProviderType=provider_type, ProviderDetails=details, **members
    )


def create_google(cognito: BaseClient, pool_id: str, **members: Any) -> None:
    create_provider(cognito, pool_id, "Google", "Google", dict(PROVIDERS[2][3]), **members)


def stored_provider(cognito: BaseClient, pool_id: str, name: str) -> dict[str, Any]:
    return cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName=name)["IdentityProvider"]


# --- createIdentityProvider -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graphql_type", "cognito_type", "name", "details"), PROVIDERS, ids=[f"{p[0]}-{p[2]}" for p in PROVIDERS]
)
async def test_create_identity_provider(
    gateway: Any,
    cognito: BaseClient,
    pool_id: str,
    graphql_type: str,
    cognito_type: str,
    name: str,
    details: dict[str, str],
) -> None:
    mapping = {"email": "email", "username": "sub"}

    result = await gateway.mutate(
        "createIdentityProvider",
        {
            "userPoolId": pool_id,
            "providerName": name,
            "providerType": graphql_type,
            "providerDetails": details,
            "attributeMapping": mapping,
            "idpIdentifiers": [f"{name.lower()}.example.com"],
        },
        f"identityProvider {{ {PROVIDER_FIELDS} }}",
    )

    assert result["__typename"] == "CreateIdentityProviderPayload"
    created = result["identityProvider"]
    assert created.pop("creationDate") and created.pop("lastModifiedDate")
    assert created == {
        "userPoolId": pool_id,
        "providerName": name,
        "providerType": graphql_type,
        "providerDetails": shown(details),
        "attributeMapping": mapping,
        "idpIdentifiers": [f"{name.lower()}.example.com"],
    }
    stored = stored_provider(cognito, pool_id, name)
    assert stored["ProviderType"] == cognito_type
    assert stored["ProviderDetails"] == details  # the real secret is what Cognito keeps
    assert gateway.calls == {"CreateIdentityProvider": 1}


async def test_create_identity_provider_timestamps_are_iso_8601(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate(
        "createIdentityProvider",
        {"userPoolId": pool_id, "providerName": "Okta", "providerType": "SAML", "providerDetails": PROVIDERS[0][3]},
        "identityProvider { creationDate lastModifiedDate }",
    )

    stored = stored_provider(cognito, pool_id, "Okta")
    assert result["identityProvider"] == {
        "creationDate": stored["CreationDate"].isoformat(),
        "lastModifiedDate": stored["LastModifiedDate"].isoformat(),
    }


async def test_create_identity_provider_twice_is_duplicate_provider(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_provider(cognito, pool_id, "Okta", "SAML", PROVIDERS[0][3])

    result = await gateway.mutate(
        "createIdentityProvider",
        {"userPoolId": pool_id, "providerName": "Okta", "providerType": "SAML", "providerDetails": PROVIDERS[1][3]},
    )

    assert_error(result, "DuplicateProviderError", "DuplicateProviderException")
    assert stored_provider(cognito, pool_id, "Okta")["ProviderDetails"] == PROVIDERS[0][3]


async def test_create_identity_provider_in_a_missing_pool(gateway: Any) -> None:
    result = await gateway.mutate(
        "createIdentityProvider",
        {
            "userPoolId": "us-east-1_nothere",
            "providerName": "Okta",
            "providerType": "SAML",
            "providerDetails": PROVIDERS[0][3],
        },
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


@pytest.mark.parametrize("secret", ["client_secret", "private_key"])
async def test_create_identity_provider_with_the_mask_as_a_secret_is_refused(
    gateway: Any, cognito: BaseClient, pool_id: str, secret: str
) -> None:
    result = await gateway.mutate(
        "createIdentityProvider",
        {
            "userPoolId": pool_id,
            "providerName": "Masked",
            "providerType": "OIDC",
            "providerDetails": {"client_id": "x", secret: REDACTED, "oidc_issuer": "https://x.example.com"},
        },
    )

    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert secret in result["message"]
    assert result["requestId"] is None
    assert gateway.calls == {}
    assert cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"] == []


async def test_create_identity_provider_with_a_non_string_detail_is_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    result = await gateway.mutate(
        "createIdentityProvider",
        {"userPoolId": pool_id, "providerName": "Okta", "providerType": "SAML", "providerDetails": {"MetadataURL": 42}},
    )

    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert result["requestId"] is None
    assert gateway.calls == {}
    assert cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"] == []


@pytest.mark.parametrize(
    "details", ["MetadataURL=https://x.example.com", ["https://x.example.com"]], ids=["string", "list"]
)
async def test_create_identity_provider_with_details_that_are_not_an_object_is_invalid_parameter(
    gateway: Any, pool_id: str, details: Any
) -> None:
    result = await gateway.mutate(
        "createIdentityProvider",
        {"userPoolId": pool_id, "providerName": "Okta", "providerType": "SAML", "providerDetails": details},
    )

    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert gateway.calls == {}


# --- identityProviders ------------------------------------------------------------------------------


async def test_identity_providers_from_the_list_alone(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    for _, cognito_type, name, details in PROVIDERS[:3]:
        create_provider(cognito, pool_id, name, cognito_type, details)

    data = await gateway.data(
        PROVIDERS_QUERY % "nodes { providerName providerType creationDate lastModifiedDate } pageInfo { hasNextPage }",
        {"pool": pool_id},
    )

    result = data["identityProviders"]
    assert {node["providerName"]: node["providerType"] for node in result["nodes"]} == {
        "Okta": "SAML",
        "Adfs": "SAML",
        "Google": "GOOGLE",
    }
    assert all(node["creationDate"] and node["lastModifiedDate"] for node in result["nodes"])
    assert result["pageInfo"]["hasNextPage"] is False
    assert gateway.calls == {"ListIdentityProviders": 1}


async def test_identity_providers_describe_each_provider_when_details_are_selected(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    for _, cognito_type, name, details in PROVIDERS:
        create_provider(cognito, pool_id, name, cognito_type, details, AttributeMapping={"email": "email"})

    data = await gateway.data(
        PROVIDERS_QUERY % "edges { node { providerName providerDetails attributeMapping userPoolId } }",
        {"pool": pool_id},
    )

    nodes = {edge["node"]["providerName"]: edge["node"] for edge in data["identityProviders"]["edges"]}
    assert nodes == {
        name: {
            "providerName": name,
            "providerDetails": shown(details),
            "attributeMapping": {"email": "email"},
            "userPoolId": pool_id,
        }
        for _, _, name, details in PROVIDERS
    }
    assert gateway.calls == {"ListIdentityProviders": 1, "DescribeIdentityProvider": len(PROVIDERS)}


async def test_identity_providers_page_by_page(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    for _, cognito_type, name, details in PROVIDERS[:3]:
        create_provider(cognito, pool_id, name, cognito_type, details)
    selection = "nodes { providerName } pageInfo { hasNextPage endCursor }"

    first = (await gateway.data(PROVIDERS_QUERY % selection, {"pool": pool_id, "first": 2}))["identityProviders"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gateway.data(PROVIDERS_QUERY % selection, {"pool": pool_id, "first": 2, "after": after}))[
        "identityProviders"
    ]

    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    assert sorted(node["providerName"] for node in first["nodes"] + rest["nodes"]) == ["Adfs", "Google", "Okta"]
    assert gateway.calls == {"ListIdentityProviders": 2}


@pytest.mark.parametrize("first", [0, 61])
async def test_identity_providers_first_out_of_range_is_refused_before_any_call(
    gateway: Any, pool_id: str, first: int
) -> None:
    data = await gateway.data(PROVIDERS_QUERY % "nodes { providerName }", {"pool": pool_id, "first": first})

    result = data["identityProviders"]
    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert result["requestId"] is None
    assert gateway.calls == {}


async def test_identity_providers_of_a_missing_pool(gateway: Any) -> None:
    data = await gateway.data(PROVIDERS_QUERY % "nodes { providerName }", {"pool": "us-east-1_nothere"})

    assert_error(data["identityProviders"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_details_selected_in_a_second_occurrence_of_the_field_are_loaded(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_provider(cognito, pool_id, "Okta", "SAML", PROVIDERS[0][3])

    data = await gateway.data(
        """query($pool: ID!) { userPool(id: $pool) { ... on UserPool {
             identityProviders { nodes { providerName } }
             identityProviders { nodes { providerDetails } } } } }""",
        {"pool": pool_id},
    )

    assert data["userPool"]["identityProviders"]["nodes"] == [
        {"providerName": "Okta", "providerDetails": PROVIDERS[0][3]}
    ]


# --- identityProvider / UserPool.identityProviders --------------------------------------------------


async def test_identity_provider(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    details = PROVIDERS[6][3]
    create_provider(
        cognito, pool_id, "Auth0", "OIDC", details, AttributeMapping={"email": "email"}, IdpIdentifiers=["auth0"]
    )

    data = await gateway.data(
        PROVIDER_QUERY % f"{PROVIDER_FIELDS} userPool {{ id name }}", {"pool": pool_id, "name": "Auth0"}
    )

    provider = data["identityProvider"]
    assert provider.pop("creationDate") and provider.pop("lastModifiedDate")
    assert provider == {
        "__typename": "IdentityProvider",
        "userPoolId": pool_id,
        "providerName": "Auth0",
        "providerType": "OIDC",
        "providerDetails": {**details, "client_secret": REDACTED},
        "attributeMapping": {"email": "email"},
        "idpIdentifiers": ["auth0"],
        "userPool": {"id": pool_id, "name": "test-pool"},
    }
    assert gateway.calls == {"DescribeIdentityProvider": 1, "DescribeUserPool": 1}


async def test_identity_provider_named_twice_is_described_once(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_google(cognito, pool_id)

    data = await gateway.data(
        """query($pool: ID!) {
             a: identityProvider(userPoolId: $pool, providerName: "Google") { ... on IdentityProvider { providerType } }
             b: identityProvider(userPoolId: $pool, providerName: "Google") {
               ... on IdentityProvider { providerDetails } }
           }""",
        {"pool": pool_id},
    )

    assert data == {"a": {"providerType": "GOOGLE"}, "b": {"providerDetails": shown(PROVIDERS[2][3])}}
    assert gateway.calls == {"DescribeIdentityProvider": 1}


async def test_missing_identity_provider_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(PROVIDER_QUERY % "providerName", {"pool": pool_id, "name": "Nobody"})

    assert_error(data["identityProvider"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_user_pool_identity_providers(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_google(cognito, pool_id)
    create_provider(cognito, pool_id, "Okta", "SAML", PROVIDERS[0][3])

    summary = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             identityProviders { nodes { providerName providerType userPool { id } } } } } }""",
        {"id": pool_id},
    )
    calls_for_summary = gateway.calls
    gateway.reset_calls()
    details = await gateway.data(
        """query($id: ID!) { userPool(id: $id) { ... on UserPool {
             identityProviders { nodes { providerName providerDetails } } } } }""",
        {"id": pool_id},
    )

    nodes = sorted(summary["userPool"]["identityProviders"]["nodes"], key=lambda node: node["providerName"])
    assert nodes == [
        {"providerName": "Google", "providerType": "GOOGLE", "userPool": {"id": pool_id}},
        {"providerName": "Okta", "providerType": "SAML", "userPool": {"id": pool_id}},
    ]
    assert calls_for_summary == {"DescribeUserPool": 1, "ListIdentityProviders": 1}
    assert {
        node["providerName"]: node["providerDetails"] for node in details["userPool"]["identityProviders"]["nodes"]
    } == {
        "Google": shown(PROVIDERS[2][3]),
        "Okta": PROVIDERS[0][3],
    }
    # The pool itself comes from the shared cache the first query filled.
    assert gateway.calls == {"ListIdentityProviders": 1, "DescribeIdentityProvider": 2}


# --- identityProviderByIdentifier -------------------------------------------------------------------


async def test_identity_provider_by_identifier(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_provider(cognito, pool_id, "Okta", "SAML", PROVIDERS[0][3], IdpIdentifiers=["okta.example.com"])
    create_google(cognito, pool_id, IdpIdentifiers=["google.example.com", "gmail.example.com"])

    data = await gateway.data(BY_IDENTIFIER, {"pool": pool_id, "identifier": "gmail.example.com"})

    assert data["identityProviderByIdentifier"] == {
        "__typename": "IdentityProvider",
        "providerName": "Google",
        "providerType": "GOOGLE",
        "providerDetails": shown(PROVIDERS[2][3]),
        "idpIdentifiers": ["google.example.com", "gmail.example.com"],
    }
    assert gateway.calls == {"GetIdentityProviderByIdentifier": 1}


async def test_identity_provider_by_unknown_identifier_is_resource_not_found(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_provider(cognito, pool_id, "Okta", "SAML", PROVIDERS[0][3], IdpIdentifiers=["okta.example.com"])

    data = await gateway.data(BY_IDENTIFIER, {"pool": pool_id, "identifier": "nobody.example.com"})

    assert_error(data["identityProviderByIdentifier"], "ResourceNotFoundError", "ResourceNotFoundException")


# --- updateIdentityProvider -------------------------------------------------------------------------


async def test_update_identity_provider(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_google(cognito, pool_id, AttributeMapping={"email": "email"})
    details = {"client_id": "google-id-2", "client_secret": "rotated-secret", "authorize_scopes": "openid"}

    result = await gateway.mutate(
        "updateIdentityProvider",
        {
            "userPoolId": pool_id,
            "providerName": "Google",
            "providerDetails": details,
            "attributeMapping": {"email": "email", "given_name": "given_name"},
            "idpIdentifiers": ["google.example.com"],
        },
        "identityProvider { providerName providerType providerDetails attributeMapping idpIdentifiers }",
    )

    assert result == {
        "__typename": "UpdateIdentityProviderPayload",
        "identityProvider": {
            "providerName": "Google",
            "providerType": "GOOGLE",
            "providerDetails": {**details, "client_secret": REDACTED},
            "attributeMapping": {"email": "email", "given_name": "given_name"},
            "idpIdentifiers": ["google.example.com"],
        },
    }
    stored = stored_provider(cognito, pool_id, "Google")
    assert stored["ProviderDetails"] == details
    assert stored["AttributeMapping"] == {"email": "email", "given_name": "given_name"}
    assert gateway.calls == {"UpdateIdentityProvider": 1}


async def test_update_identity_provider_sending_the_mask_back_is_refused(
    gateway: Any, cognito: BaseClient, pool_id: str
) -> None:
    create_google(cognito, pool_id, AttributeMapping={"email": "email"})
    before = stored_provider(cognito, pool_id, "Google")
    # What a dashboard would send after reading the provider through the gateway.
    read = await gateway.data(PROVIDER_QUERY % "providerDetails", {"pool": pool_id, "name": "Google"})
    details = {**read["identityProvider"]["providerDetails"], "authorize_scopes": "openid"}
    gateway.reset_calls()

    result = await gateway.mutate(
        "updateIdentityProvider",
        {
            "userPoolId": pool_id,
            "providerName": "Google",
            "providerDetails": details,
            "attributeMapping": {"sub": "sub"},
        },
        "identityProvider { providerDetails }",
    )

    assert result["__typename"] == "InvalidParameterError"
    assert result["code"] == "InvalidParameterException"
    assert "client_secret" in result["message"] and REDACTED in result["message"]
    assert result["requestId"] is None
    assert gateway.calls == {}
    after = stored_provider(cognito, pool_id, "Google")
    assert after["ProviderDetails"] == before["ProviderDetails"] == PROVIDERS[2][3]
    assert after["AttributeMapping"] == {"email": "email"}
    assert after["LastModifiedDate"] == before["LastModifiedDate"]


async def test_update_missing_identity_provider_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate(
        "updateIdentityProvider",
        {"userPoolId": pool_id, "providerName": "Nobody", "attributeMapping": {"email": "email"}},
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- deleteIdentityProvider -------------------------------------------------------------------------


async def test_delete_identity_provider(gateway: Any, cognito: BaseClient, pool_id: str) -> None:
    create_google(cognito, pool_id)
    create_provider(cognito, pool_id, "Okta", "SAML", PROVIDERS[0][3])

    result = await gateway.mutate(
        "deleteIdentityProvider", {"userPoolId": pool_id, "providerName": "Google"}, "userPoolId providerName"
    )

    assert result == {"__typename": "DeleteIdentityProviderPayload", "userPoolId": pool_id, "providerName": "Google"}
    remaining = cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
    assert [provider["ProviderName"] for provider in remaining] == ["Okta"]
    with pytest.raises(ClientError) as error:
        stored_provider(cognito, pool_id, "Google")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert gateway.calls == {"DeleteIdentityProvider": 1}


async def test_delete_missing_identity_provider_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("deleteIdentityProvider", {"userPoolId": pool_id, "providerName": "Nobody"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")
