"""Managed login branding: `managedLoginBranding`, `UserPoolClient.managedLoginBranding` and the branding mutations,
through HTTP against the real app and the demo backend."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from gateway.cognito import model
from gateway.demo.branding import DEFAULT_SETTINGS
from gateway.demo.server import DemoBackend
from tests.conftest import running_gateway
from tests.graphql.callers import callers, refused_without_a_call
from tests.helpers import assert_error

LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # not text: only base64 carries it whole
LOGO_TEXT = base64.b64encode(LOGO).decode()
SETTINGS = {"categories": {"global": {"colorSchemeMode": "DARK"}}}
ASSET = {"category": "PAGE_HEADER_LOGO", "colorMode": "LIGHT", "extension": "PNG", "bytes": LOGO_TEXT}
STYLE_FIELDS = (
    "managedLoginBrandingId userPoolId useCognitoProvidedValues settings creationDate lastModifiedDate"
    " assets { category colorMode extension bytes resourceId }"
)

BRANDING = """
query($pool: ID!, $id: String!, $merged: Boolean! = false) {
  managedLoginBranding(userPoolId: $pool, managedLoginBrandingId: $id, returnMergedResources: $merged) {
    __typename
    ... on CognitoError { code message requestId }
    ... on ManagedLoginBranding { %s }
  }
}"""

CLIENT_BRANDING = """
query($pool: ID!, $client: String!, $merged: Boolean! = false) {
  userPoolClient(userPoolId: $pool, clientId: $client) {
    ... on UserPoolClient { clientName managedLoginBranding(returnMergedResources: $merged) { %s } }
  }
}"""


@pytest.fixture
def client_id(cognito: BaseClient, pool_id: str) -> str:
    return cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]


def create_style(cognito: BaseClient, pool_id: str, client_id: str, **request: Any) -> str:
    request = request or {"Settings": SETTINGS}
    response = cognito.create_managed_login_branding(UserPoolId=pool_id, ClientId=client_id, **request)
    return response["ManagedLoginBranding"]["ManagedLoginBrandingId"]


def stored_style(cognito: BaseClient, pool_id: str, style_id: str) -> dict[str, Any]:
    return cognito.describe_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=style_id)[
        "ManagedLoginBranding"
    ]


def style_key(pool_id: str, style_id: str) -> dict[str, str]:
    return {"userPoolId": pool_id, "managedLoginBrandingId": style_id}


# --- createManagedLoginBranding ----------------------------------------------------------------------


async def test_create_managed_login_branding_with_settings_and_an_asset(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    result = await gateway.mutate(
        "createManagedLoginBranding",
        {"userPoolId": pool_id, "clientId": client_id, "settings": SETTINGS, "assets": [ASSET]},
        f"managedLoginBranding {{ {STYLE_FIELDS} }}",
    )

    assert result["__typename"] == "CreateManagedLoginBrandingPayload"
    style = result["managedLoginBranding"]
    assert style["userPoolId"] == pool_id
    assert style["useCognitoProvidedValues"] is False
    assert style["settings"] == SETTINGS  # a JSON document, as sent
    assert style["assets"] == [{**ASSET, "resourceId": None}]  # the bytes, base64 text both ways
    assert style["creationDate"] and style["lastModifiedDate"]
    stored = stored_style(cognito, pool_id, style["managedLoginBrandingId"])
    assert stored["Settings"] == SETTINGS
    assert stored["Assets"][0]["Bytes"] == LOGO  # Cognito holds the bytes, not their base64 text
    assert gateway.calls == {"CreateManagedLoginBranding": 1}


async def test_create_managed_login_branding_with_cognito_defaults(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    result = await gateway.mutate(
        "createManagedLoginBranding",
        {"userPoolId": pool_id, "clientId": client_id, "useCognitoProvidedValues": True},
        "managedLoginBranding { useCognitoProvidedValues settings assets { category } }",
    )

    assert result["managedLoginBranding"] == {"useCognitoProvidedValues": True, "settings": None, "assets": []}


async def test_a_second_style_for_one_client_is_managed_login_branding_exists(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    style_id = create_style(cognito, pool_id, client_id)

    result = await gateway.mutate(
        "createManagedLoginBranding", {"userPoolId": pool_id, "clientId": client_id, "settings": {"other": True}}
    )

    assert_error(result, "ManagedLoginBrandingExistsError", "ManagedLoginBrandingExistsException")
    assert stored_style(cognito, pool_id, style_id)["Settings"] == SETTINGS


async def test_create_managed_login_branding_for_a_missing_client(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate("createManagedLoginBranding", {"userPoolId": pool_id, "clientId": "nothere"})

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


async def test_defaults_and_settings_together_are_refused_by_cognito(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    result = await gateway.mutate(
        "createManagedLoginBranding",
        {"userPoolId": pool_id, "clientId": client_id, "useCognitoProvidedValues": True, "settings": SETTINGS},
    )

    assert_error(result, "InvalidParameterError", "InvalidParameterException")
    with pytest.raises(ClientError):
        cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_id)


@pytest.mark.parametrize("text", ["not base64!", "QUJD=X", "QUJ"])
async def test_asset_bytes_that_are_not_base64_are_refused_before_any_call(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str, text: str
) -> None:
    result = await gateway.mutate(
        "createManagedLoginBranding",
        {"userPoolId": pool_id, "clientId": client_id, "assets": [{**ASSET, "bytes": text}]},
    )

    assert result["__typename"] == "InvalidParameterError"
    assert "base64" in result["message"]
    assert result["requestId"] is None
    assert gateway.calls == {}
    with pytest.raises(ClientError):
        cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_id)


async def test_more_assets_than_the_model_allows_are_refused_before_any_call(
    gateway: Any, pool_id: str, client_id: str
) -> None:
    limit = model.shape("AssetListType").metadata["max"]

    result = await gateway.mutate(
        "createManagedLoginBranding", {"userPoolId": pool_id, "clientId": client_id, "assets": [ASSET] * (limit + 1)}
    )

    assert result["__typename"] == "InvalidParameterError"
    assert f"at most {limit}" in result["message"]
    assert gateway.calls == {}


async def test_an_asset_larger_than_the_model_allows_is_refused_before_any_call(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    limit = model.shape("AssetBytesType").metadata["max"]
    too_big = base64.b64encode(bytes(limit + 1)).decode()  # past the default body cap as base64: raise it

    async with running_gateway(backend, max_body_bytes=2 * len(too_big)) as gateway:
        result = await gateway.mutate(
            "createManagedLoginBranding",
            {"userPoolId": pool_id, "clientId": client_id, "assets": [{**ASSET, "bytes": too_big}]},
        )
        assert gateway.calls == {}

    assert result["__typename"] == "InvalidParameterError"
    assert f"{limit + 1} bytes" in result["message"] and f"at most {limit}" in result["message"]


# --- managedLoginBranding ----------------------------------------------------------------------------


async def test_managed_login_branding(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str) -> None:
    style_id = create_style(
        cognito,
        pool_id,
        client_id,
        Settings=SETTINGS,
        Assets=[{"Category": "FAVICON_ICO", "ColorMode": "DARK", "Extension": "ICO", "Bytes": LOGO}],
    )

    data = await gateway.data(BRANDING % STYLE_FIELDS, {"pool": pool_id, "id": style_id})

    style = data["managedLoginBranding"]
    assert style["__typename"] == "ManagedLoginBranding"
    assert (style["managedLoginBrandingId"], style["userPoolId"]) == (style_id, pool_id)
    assert style["settings"] == SETTINGS
    assert style["assets"] == [
        {"category": "FAVICON_ICO", "colorMode": "DARK", "extension": "ICO", "bytes": LOGO_TEXT, "resourceId": None}
    ]
    assert gateway.calls == {"DescribeManagedLoginBranding": 1}


async def test_managed_login_branding_merged_over_the_defaults(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    style_id = create_style(cognito, pool_id, client_id)

    customized = await gateway.data(BRANDING % "settings", {"pool": pool_id, "id": style_id})
    merged = await gateway.data(BRANDING % "settings", {"pool": pool_id, "id": style_id, "merged": True})

    assert customized["managedLoginBranding"]["settings"] == SETTINGS
    settings = merged["managedLoginBranding"]["settings"]
    assert settings["categories"]["global"]["colorSchemeMode"] == "DARK"  # the style's, over the default LIGHT
    assert settings["categories"]["form"] == DEFAULT_SETTINGS["categories"]["form"]


async def test_missing_managed_login_branding_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    data = await gateway.data(BRANDING % "settings", {"pool": pool_id, "id": "0f2a3b4c-1d2e-4f30-8a1b-2c3d4e5f6a7b"})

    assert_error(data["managedLoginBranding"], "ResourceNotFoundError", "ResourceNotFoundException")


async def test_managed_login_branding_of_a_malformed_pool_id_is_refused_before_any_call(gateway: Any) -> None:
    data = await gateway.data(BRANDING % "settings", {"pool": "not-a-pool", "id": "x"})

    assert data["managedLoginBranding"]["__typename"] == "InvalidParameterError"
    assert gateway.calls == {}


# --- UserPoolClient.managedLoginBranding ------------------------------------------------------------


async def test_user_pool_client_managed_login_branding(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    style_id = create_style(cognito, pool_id, client_id)

    data = await gateway.data(
        CLIENT_BRANDING % "managedLoginBrandingId settings", {"pool": pool_id, "client": client_id}
    )

    assert data["userPoolClient"] == {
        "clientName": "web",
        "managedLoginBranding": {"managedLoginBrandingId": style_id, "settings": SETTINGS},
    }
    assert gateway.calls == {"DescribeUserPoolClient": 1, "DescribeManagedLoginBrandingByClient": 1}


async def test_user_pool_client_managed_login_branding_merged(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_style(cognito, pool_id, client_id)

    data = await gateway.data(CLIENT_BRANDING % "settings", {"pool": pool_id, "client": client_id, "merged": True})

    assert data["userPoolClient"]["managedLoginBranding"]["settings"]["categories"]["form"]["displayGraphics"] is True


async def test_a_client_without_a_style_has_null_managed_login_branding(
    gateway: Any, pool_id: str, client_id: str
) -> None:
    body = await gateway.query(CLIENT_BRANDING % "settings", {"pool": pool_id, "client": client_id})

    assert "errors" not in body
    assert body["data"]["userPoolClient"] == {"clientName": "web", "managedLoginBranding": None}


async def test_the_styles_of_listed_clients_need_no_describe_of_each_client(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    create_style(cognito, pool_id, client_id)
    cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="plain")

    data = await gateway.data(
        """query($pool: ID!) { userPoolClients(userPoolId: $pool) { ... on UserPoolClientConnection {
             nodes { clientName managedLoginBranding { settings } } } } }""",
        {"pool": pool_id},
    )

    nodes = sorted(data["userPoolClients"]["nodes"], key=lambda node: node["clientName"])
    assert nodes == [
        {"clientName": "plain", "managedLoginBranding": None},
        {"clientName": "web", "managedLoginBranding": {"settings": SETTINGS}},
    ]
    assert gateway.calls == {"ListUserPoolClients": 1, "DescribeManagedLoginBrandingByClient": 2}


# --- updateManagedLoginBranding ----------------------------------------------------------------------


async def test_update_managed_login_branding_merges_settings_and_replaces_an_asset(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    style_id = create_style(
        cognito,
        pool_id,
        client_id,
        Settings=SETTINGS,
        Assets=[{"Category": "PAGE_HEADER_LOGO", "ColorMode": "LIGHT", "Extension": "SVG", "Bytes": b"<svg/>"}],
    )
    change = {"categories": {"form": {"displayGraphics": False}}}

    result = await gateway.mutate(
        "updateManagedLoginBranding",
        {**style_key(pool_id, style_id), "settings": change, "assets": [ASSET]},
        "managedLoginBranding { managedLoginBrandingId settings assets { category extension bytes } }",
    )

    assert result == {
        "__typename": "UpdateManagedLoginBrandingPayload",
        "managedLoginBranding": {
            "managedLoginBrandingId": style_id,
            "settings": {"categories": {"global": {"colorSchemeMode": "DARK"}, "form": {"displayGraphics": False}}},
            "assets": [{"category": "PAGE_HEADER_LOGO", "extension": "PNG", "bytes": LOGO_TEXT}],
        },
    }
    assert stored_style(cognito, pool_id, style_id)["Assets"][0]["Bytes"] == LOGO
    assert gateway.calls == {"UpdateManagedLoginBranding": 1}


async def test_update_managed_login_branding_back_to_the_defaults(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    style_id = create_style(cognito, pool_id, client_id)

    result = await gateway.mutate(
        "updateManagedLoginBranding",
        {**style_key(pool_id, style_id), "useCognitoProvidedValues": True},
        "managedLoginBranding { useCognitoProvidedValues settings }",
    )

    assert result["managedLoginBranding"] == {"useCognitoProvidedValues": True, "settings": None}
    assert "Settings" not in stored_style(cognito, pool_id, style_id)


async def test_update_past_the_asset_limit_is_an_error_of_its_code(
    gateway: Any, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    limit = model.shape("AssetListType").metadata["max"]
    modes = model.shape("ColorSchemeModeType").enum
    pairs = [(category, mode) for category in model.shape("AssetCategoryType").enum for mode in modes]
    assets = [{"Category": c, "ColorMode": m, "Extension": "PNG", "Bytes": b"x"} for c, m in pairs[:limit]]
    style_id = create_style(cognito, pool_id, client_id, Assets=assets)
    category, mode = pairs[limit]

    result = await gateway.mutate(
        "updateManagedLoginBranding",
        {**style_key(pool_id, style_id), "assets": [{**ASSET, "category": category, "colorMode": mode}]},
    )

    # UpdateManagedLoginBranding declares no LimitExceededException: the union's ServiceError carries its code.
    assert_error(result, "ServiceError", "LimitExceededException")
    assert len(stored_style(cognito, pool_id, style_id)["Assets"]) == limit


async def test_update_missing_managed_login_branding_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate(
        "updateManagedLoginBranding",
        {**style_key(pool_id, "0f2a3b4c-1d2e-4f30-8a1b-2c3d4e5f6a7b"), "settings": SETTINGS},
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- deleteManagedLoginBranding ----------------------------------------------------------------------


async def test_delete_managed_login_branding(gateway: Any, cognito: BaseClient, pool_id: str, client_id: str) -> None:
    style_id = create_style(cognito, pool_id, client_id)

    result = await gateway.mutate(
        "deleteManagedLoginBranding", style_key(pool_id, style_id), "userPoolId managedLoginBrandingId"
    )

    assert result == {
        "__typename": "DeleteManagedLoginBrandingPayload",
        "userPoolId": pool_id,
        "managedLoginBrandingId": style_id,
    }
    with pytest.raises(ClientError) as error:
        stored_style(cognito, pool_id, style_id)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert gateway.calls == {"DeleteManagedLoginBranding": 1}


async def test_delete_missing_managed_login_branding_is_resource_not_found(gateway: Any, pool_id: str) -> None:
    result = await gateway.mutate(
        "deleteManagedLoginBranding", style_key(pool_id, "0f2a3b4c-1d2e-4f30-8a1b-2c3d4e5f6a7b")
    )

    assert_error(result, "ResourceNotFoundError", "ResourceNotFoundException")


# --- roles and the audit -----------------------------------------------------------------------------


async def test_a_viewer_reads_styles_and_is_refused_their_changes_without_a_call(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, client_id: str
) -> None:
    style_id = create_style(cognito, pool_id, client_id)
    changes = [
        ("createManagedLoginBranding", {"userPoolId": pool_id, "clientId": client_id}),
        ("updateManagedLoginBranding", {**style_key(pool_id, style_id), "settings": {}}),
        ("deleteManagedLoginBranding", style_key(pool_id, style_id)),
    ]

    async with callers(backend, pool_id) as as_caller:
        gateway = as_caller("viewer")
        read = await gateway.data(CLIENT_BRANDING % "settings", {"pool": pool_id, "client": client_id})
        assert read["userPoolClient"]["managedLoginBranding"] == {"settings": SETTINGS}
        await refused_without_a_call(gateway, changes)

    assert stored_style(cognito, pool_id, style_id)["Settings"] == SETTINGS


async def test_the_audit_records_an_assets_size_not_its_bytes(
    backend: DemoBackend, cognito: BaseClient, pool_id: str, client_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "audit.log"
    async with running_gateway(backend, audit_log_path=str(path)) as gateway:
        created = await gateway.mutate(
            "createManagedLoginBranding",
            {"userPoolId": pool_id, "clientId": client_id, "assets": [ASSET]},
            "managedLoginBranding { managedLoginBrandingId }",
        )
        refused = await gateway.mutate(
            "updateManagedLoginBranding",
            {
                **style_key(pool_id, created["managedLoginBranding"]["managedLoginBrandingId"]),
                "assets": [{**ASSET, "bytes": "not base64!"}],
            },
        )

    assert refused["__typename"] == "InvalidParameterError"
    create_record, update_record = [json.loads(line) for line in path.read_text().splitlines()]
    assert create_record["input"]["Assets"][0]["Bytes"] == f"{len(LOGO)} bytes"
    assert create_record["outcome"] == "CreateManagedLoginBrandingPayload"
    assert LOGO_TEXT not in path.read_text()
    # A refused input is still recorded, once, with its outcome.
    assert (update_record["operation"], update_record["outcome"]) == (
        "UpdateManagedLoginBranding",
        "InvalidParameterError",
    )
    assert update_record["pool"] == pool_id and update_record["request_ids"] == []
