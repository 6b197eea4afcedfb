"""Managed login branding styles (gateway.demo.branding), through boto3 against the moto server."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from botocore.client import BaseClient

from gateway.demo import branding
from gateway.demo.server import DemoBackend
from tests.demo.support import MODEL, TwoClientPool, pool_with_two_clients, raises

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
DARK = {"categories": {"global": {"colorSchemeMode": "DARK"}}}


@pytest.fixture
def pool(cognito: BaseClient) -> TwoClientPool:
    return pool_with_two_clients(cognito, "branding", UserPoolTier="ESSENTIALS")


def logo(category: str = "FORM_LOGO", mode: str = "LIGHT", data: bytes = PNG, extension: str = "PNG") -> dict[str, Any]:
    return {"Category": category, "ColorMode": mode, "Extension": extension, "Bytes": data}


def test_create_and_describe_a_style(pool: TwoClientPool, cognito: BaseClient) -> None:
    created = cognito.create_managed_login_branding(
        UserPoolId=pool.id, ClientId=pool.client_id, Settings=DARK, Assets=[logo()]
    )["ManagedLoginBranding"]
    style_id = created["ManagedLoginBrandingId"]
    assert re.fullmatch(MODEL.shape_for("ManagedLoginBrandingIdType").metadata["pattern"], style_id)  # a UUID v4
    assert created["UserPoolId"] == pool.id and created["UseCognitoProvidedValues"] is False
    assert created["Settings"] == DARK and created["Assets"] == [logo()]  # the bytes come back
    assert created["CreationDate"] == created["LastModifiedDate"]
    assert abs(created["CreationDate"] - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    described = cognito.describe_managed_login_branding(UserPoolId=pool.id, ManagedLoginBrandingId=style_id)
    assert described["ManagedLoginBranding"] == created
    by_client = cognito.describe_managed_login_branding_by_client(UserPoolId=pool.id, ClientId=pool.client_id)
    assert by_client["ManagedLoginBranding"] == created

    # Merged over the defaults: what was customized wins, the rest is Cognito's.
    merged = cognito.describe_managed_login_branding(
        UserPoolId=pool.id, ManagedLoginBrandingId=style_id, ReturnMergedResources=True
    )["ManagedLoginBranding"]["Settings"]
    assert merged["categories"]["global"]["colorSchemeMode"] == "DARK"
    assert merged["categories"]["form"] == branding.DEFAULT_SETTINGS["categories"]["form"]
    merged_by_client = cognito.describe_managed_login_branding_by_client(
        UserPoolId=pool.id, ClientId=pool.client_id, ReturnMergedResources=True
    )["ManagedLoginBranding"]["Settings"]
    assert merged_by_client == merged


def test_cognito_provided_values(pool: TwoClientPool, cognito: BaseClient) -> None:
    created = cognito.create_managed_login_branding(
        UserPoolId=pool.id, ClientId=pool.client_id, UseCognitoProvidedValues=True
    )["ManagedLoginBranding"]
    assert created["UseCognitoProvidedValues"] is True
    assert "Settings" not in created and created["Assets"] == []  # nothing customized
    merged = cognito.describe_managed_login_branding(
        UserPoolId=pool.id, ManagedLoginBrandingId=created["ManagedLoginBrandingId"], ReturnMergedResources=True
    )["ManagedLoginBranding"]
    assert merged["Settings"] == branding.DEFAULT_SETTINGS
    for extra in ({"Settings": DARK}, {"Assets": [logo()]}):
        message = raises(
            "InvalidParameterException",
            cognito.create_managed_login_branding,
            UserPoolId=pool.id,
            ClientId=pool.other_client_id,
            UseCognitoProvidedValues=True,
            **extra,
        )
        assert "UseCognitoProvidedValues" in message
    raises(
        "ResourceNotFoundException",
        cognito.describe_managed_login_branding_by_client,
        UserPoolId=pool.id,
        ClientId=pool.other_client_id,
    )


def test_update_keeps_what_it_is_not_sent(pool: TwoClientPool, cognito: BaseClient) -> None:
    created = cognito.create_managed_login_branding(
        UserPoolId=pool.id, ClientId=pool.client_id, Settings=DARK, Assets=[logo(), logo("FAVICON_SVG", data=SVG)]
    )["ManagedLoginBranding"]
    style_id = created["ManagedLoginBrandingId"]
    header = {"categories": {"global": {"pageHeader": {"enabled": True}}}}
    dark_logo = logo("FORM_LOGO", data=PNG[::-1])
    updated = cognito.update_managed_login_branding(
        UserPoolId=pool.id, ManagedLoginBrandingId=style_id, Settings=header, Assets=[dark_logo]
    )["ManagedLoginBranding"]
    assert updated["Settings"] == {
        "categories": {"global": {"colorSchemeMode": "DARK", "pageHeader": {"enabled": True}}}
    }
    # The FORM_LOGO/LIGHT asset is replaced, the favicon kept.
    assert updated["Assets"] == [dark_logo, logo("FAVICON_SVG", data=SVG)]
    assert updated["CreationDate"] == created["CreationDate"]
    assert updated["LastModifiedDate"] >= created["LastModifiedDate"]
    described = cognito.describe_managed_login_branding(UserPoolId=pool.id, ManagedLoginBrandingId=style_id)
    assert described["ManagedLoginBranding"] == updated

    # Back to Cognito's defaults.
    reverted = cognito.update_managed_login_branding(
        UserPoolId=pool.id, ManagedLoginBrandingId=style_id, UseCognitoProvidedValues=True
    )["ManagedLoginBranding"]
    assert reverted["UseCognitoProvidedValues"] is True and "Settings" not in reverted and reverted["Assets"] == []
    customized = cognito.update_managed_login_branding(
        UserPoolId=pool.id, ManagedLoginBrandingId=style_id, Settings=DARK
    )["ManagedLoginBranding"]
    assert customized["UseCognitoProvidedValues"] is False and customized["Settings"] == DARK


def test_one_style_per_client_and_delete(pool: TwoClientPool, cognito: BaseClient) -> None:
    first = cognito.create_managed_login_branding(UserPoolId=pool.id, ClientId=pool.client_id, Settings=DARK)
    style_id = first["ManagedLoginBranding"]["ManagedLoginBrandingId"]
    raises(
        "ManagedLoginBrandingExistsException",
        cognito.create_managed_login_branding,
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        UseCognitoProvidedValues=True,
    )
    other = cognito.create_managed_login_branding(
        UserPoolId=pool.id, ClientId=pool.other_client_id, UseCognitoProvidedValues=True
    )["ManagedLoginBranding"]
    assert other["ManagedLoginBrandingId"] != style_id

    cognito.delete_managed_login_branding(UserPoolId=pool.id, ManagedLoginBrandingId=style_id)
    raises(
        "ResourceNotFoundException",
        cognito.describe_managed_login_branding,
        UserPoolId=pool.id,
        ManagedLoginBrandingId=style_id,
    )
    raises(
        "ResourceNotFoundException",
        cognito.delete_managed_login_branding,
        UserPoolId=pool.id,
        ManagedLoginBrandingId=style_id,
    )
    # The client can have a style again.
    cognito.create_managed_login_branding(UserPoolId=pool.id, ClientId=pool.client_id, UseCognitoProvidedValues=True)

    # A deleted app client's style goes with it.
    other_id = other["ManagedLoginBrandingId"]
    cognito.delete_user_pool_client(UserPoolId=pool.id, ClientId=pool.other_client_id)
    raises(
        "ResourceNotFoundException",
        cognito.describe_managed_login_branding,
        UserPoolId=pool.id,
        ManagedLoginBrandingId=other_id,
    )


def test_branding_errors(pool: TwoClientPool, cognito: BaseClient, unvalidated: BaseClient) -> None:
    created = cognito.create_managed_login_branding(UserPoolId=pool.id, ClientId=pool.client_id, Settings=DARK)
    style_id = created["ManagedLoginBranding"]["ManagedLoginBrandingId"]
    raises("ResourceNotFoundException", cognito.create_managed_login_branding, UserPoolId=pool.id, ClientId="nobody")
    raises(
        "ResourceNotFoundException",
        cognito.create_managed_login_branding,
        UserPoolId="us-east-1_missing",
        ClientId=pool.client_id,
    )
    raises(
        "ResourceNotFoundException",
        cognito.describe_managed_login_branding_by_client,
        UserPoolId=pool.id,
        ClientId="nobody",
    )
    for call in (cognito.describe_managed_login_branding, cognito.update_managed_login_branding):
        raises("ResourceNotFoundException", call, UserPoolId=pool.id, ManagedLoginBrandingId=UNKNOWN_ID)
        raises("ResourceNotFoundException", call, UserPoolId="us-east-1_missing", ManagedLoginBrandingId=style_id)
    message = raises(
        "InvalidParameterException", unvalidated.describe_managed_login_branding, UserPoolId=pool.id,
        ManagedLoginBrandingId="not-a-uuid",
    )  # fmt: skip
    assert "managedLoginBrandingId" in message and "regular expression" in message
    # UpdateManagedLoginBranding's model makes both IDs optional; the server needs them.
    message = raises("InvalidParameterException", cognito.update_managed_login_branding, Settings=DARK)
    assert "Value null at 'userPoolId'" in message
    message = raises(
        "InvalidParameterException",
        cognito.update_managed_login_branding,
        UserPoolId=pool.id,
        ManagedLoginBrandingId=style_id,
        Assets=[logo(), logo(data=SVG)],
    )
    assert "Duplicate asset" in message
    message = raises(
        "InvalidParameterException",
        unvalidated.update_managed_login_branding,
        UserPoolId=pool.id,
        ManagedLoginBrandingId=style_id,
        Assets=[logo(category="BANNER")],
    )
    assert "enum value set" in message and "'assets.1.member.category'" in message
    message = raises(
        "InvalidParameterException",
        unvalidated.create_managed_login_branding,
        UserPoolId=pool.id,
        ClientId=pool.other_client_id,
        Assets=[logo(category=category) for category in MODEL.shape_for("AssetCategoryType").enum]
        + [logo(category=category, mode="DARK") for category in MODEL.shape_for("AssetCategoryType").enum]
        + [logo(category=category, mode="DYNAMIC") for category in MODEL.shape_for("AssetCategoryType").enum],
    )
    assert f"length less than or equal to {MODEL.shape_for('AssetListType').metadata['max']}" in message
    # Update past the limit on assets, by adding to what the style has.
    categories = MODEL.shape_for("AssetCategoryType").enum
    assets = [logo(category, mode) for mode in ("LIGHT", "DARK", "DYNAMIC") for category in categories]
    limit = MODEL.shape_for("AssetListType").metadata["max"]
    cognito.update_managed_login_branding(UserPoolId=pool.id, ManagedLoginBrandingId=style_id, Assets=assets[:limit])
    raises(
        "LimitExceededException",
        cognito.update_managed_login_branding,
        UserPoolId=pool.id,
        ManagedLoginBrandingId=style_id,
        Assets=assets[limit:],
    )
    # Nothing changed by the refusals but the one accepted update.
    described = cognito.describe_managed_login_branding(UserPoolId=pool.id, ManagedLoginBrandingId=style_id)
    assert described["ManagedLoginBranding"]["Settings"] == DARK
    assert len(described["ManagedLoginBranding"]["Assets"]) == limit


def test_reset_drops_the_styles(backend: DemoBackend, cognito: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # IDs derived from names: the pool and client after the reset have the same IDs.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")

    def arrange() -> tuple[str, str]:
        pool_id = cognito.create_user_pool(PoolName="reset-branding")["UserPool"]["Id"]
        client = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]
        return pool_id, client["ClientId"]

    pool_id, client_id = arrange()
    cognito.create_managed_login_branding(UserPoolId=pool_id, ClientId=client_id, UseCognitoProvidedValues=True)
    backend.reset()
    assert arrange() == (pool_id, client_id)
    raises(
        "ResourceNotFoundException",
        cognito.describe_managed_login_branding_by_client,
        UserPoolId=pool_id,
        ClientId=client_id,
    )
    cognito.create_managed_login_branding(UserPoolId=pool_id, ClientId=client_id, UseCognitoProvidedValues=True)
