"""Managed login branding styles, which moto 5.2.5 lacks.

CreateManagedLoginBranding, DescribeManagedLoginBranding,
DescribeManagedLoginBrandingByClient, UpdateManagedLoginBranding and
DeleteManagedLoginBranding are responder methods that
:func:`gateway.demo.extensions.install` adds to moto's ``CognitoIdpResponse``.
Requests are checked against the botocore model first; the styles live on
moto's pool object, so ``POST /moto-api/reset`` drops them.

As in Cognito:

* a style belongs to one app client, and a client has at most one
  (ManagedLoginBrandingExistsException);
* ``UseCognitoProvidedValues: true`` means Cognito's defaults and excludes
  ``Settings`` and ``Assets`` in the same request (InvalidParameterException);
  on Update it reverts the style to the defaults;
* Update keeps what it is not sent: ``Settings`` are merged key by key into the
  style's, an asset replaces the one of the same category and color mode;
* one asset per category and color mode;
* ``ReturnMergedResources: true`` answers the settings merged over the
  defaults, otherwise only what was customized.  Cognito's own defaults
  document is large and unpublished; :data:`DEFAULT_SETTINGS` stands in for it.

A style whose app client was deleted goes with it.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from gateway.demo.exceptions import LimitExceededException, ManagedLoginBrandingExistsException
from gateway.demo.request_checks import MODEL, checked_request, decoded_blob
from gateway.demo.requests import Operations, pool_and_client, pool_state

__all__ = ["DEFAULT_SETTINGS", "OPERATIONS"]

OPERATIONS: Final = Operations()

_STATE_ATTRIBUTE: Final = "_gateway_managed_login_branding"
_MAX_ASSETS: Final = MODEL.shape_for("AssetListType").metadata["max"]

# The demo's stand-in for Cognito's default style (what ReturnMergedResources adds).
DEFAULT_SETTINGS: Final[dict[str, Any]] = {
    "categories": {
        "global": {
            "colorSchemeMode": "LIGHT",
            "pageHeader": {"enabled": False},
            "pageFooter": {"enabled": False},
            "spacingDensity": "REGULAR",
        },
        "form": {
            "displayGraphics": True,
            "location": {"horizontal": "CENTER", "vertical": "CENTER"},
        },
    },
}


@dataclass
class _Branding:
    branding_id: str
    client_id: str
    use_cognito_provided_values: bool
    settings: dict[str, Any] | None
    assets: list[dict[str, Any]]  # as sent, Bytes as base64 text
    created: datetime.datetime
    modified: datetime.datetime

    def to_json(self, pool_id: str, *, merged: bool) -> dict[str, Any]:
        settings = copy.deepcopy(self.settings)
        if merged:
            settings = _merge(copy.deepcopy(DEFAULT_SETTINGS), settings or {})
        data: dict[str, Any] = {
            "ManagedLoginBrandingId": self.branding_id,
            "UserPoolId": pool_id,
            "UseCognitoProvidedValues": self.use_cognito_provided_values,
            "Assets": [_asset_json(asset) for asset in self.assets],
            "CreationDate": self.created,
            "LastModifiedDate": self.modified,
        }
        if settings is not None:
            data["Settings"] = settings
        return data


def _asset_json(asset: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in asset.items() if key != "Bytes"}
    if asset.get("Bytes") is not None:
        data["Bytes"] = decoded_blob(asset["Bytes"])  # moto's serializer base64-encodes it again
    return data


@dataclass
class _PoolBrandings:
    by_id: dict[str, _Branding] = field(default_factory=dict)


def _brandings(pool: CognitoIdpUserPool) -> dict[str, _Branding]:
    """The pool's styles, without those of deleted app clients."""
    by_id = pool_state(pool, _STATE_ATTRIBUTE, _PoolBrandings).by_id
    for gone in [branding_id for branding_id, style in by_id.items() if style.client_id not in pool.clients]:
        by_id.pop(gone, None)
    return by_id


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` merged into ``base`` key by key (nested objects too); returns ``base``."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _asset_key(asset: dict[str, Any]) -> tuple[str, str]:
    return asset["Category"], asset["ColorMode"]


def _checked_style(request: dict[str, Any]) -> None:
    if request.get("UseCognitoProvidedValues") and ("Settings" in request or "Assets" in request):
        raise InvalidParameterException("Settings and Assets must be omitted when UseCognitoProvidedValues is true.")
    keys = [_asset_key(asset) for asset in request.get("Assets") or []]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        category, mode = duplicates[0]
        raise InvalidParameterException(f"Duplicate asset for category {category} and color mode {mode}.")
    if "Settings" in request and not isinstance(request["Settings"], dict):
        raise InvalidParameterException("Settings must be a JSON object.")


def _style(response: CognitoIdpResponse, request: dict[str, Any]) -> tuple[CognitoIdpUserPool, _Branding]:
    for member in ("UserPoolId", "ManagedLoginBrandingId"):
        if not request.get(member):
            # Optional in UpdateManagedLoginBranding's model, needed all the same.
            raise InvalidParameterException(
                f"1 validation error detected: Value null at '{member[0].lower()}{member[1:]}' "
                "failed to satisfy constraint: Member must not be null"
            )
    pool = response.backend.describe_user_pool(request["UserPoolId"])
    style = _brandings(pool).get(request["ManagedLoginBrandingId"])
    if style is None:
        raise ResourceNotFoundError(f"Managed login branding {request['ManagedLoginBrandingId']} does not exist.")
    return pool, style


@OPERATIONS.add
def create_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client = pool_and_client(self, request["UserPoolId"], request["ClientId"])
    _checked_style(request)
    brandings = _brandings(pool)
    if any(style.client_id == client.id for style in brandings.values()):
        raise ManagedLoginBrandingExistsException(client.id)
    now = utcnow()
    style = _Branding(
        branding_id=str(uuid.uuid4()),
        client_id=client.id,
        use_cognito_provided_values=bool(request.get("UseCognitoProvidedValues")),
        settings=copy.deepcopy(request.get("Settings")),
        assets=copy.deepcopy(request.get("Assets") or []),
        created=now,
        modified=now,
    )
    brandings[style.branding_id] = style
    return ActionResult({"ManagedLoginBranding": style.to_json(pool.id, merged=False)})


@OPERATIONS.add
def describe_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, style = _style(self, request)
    merged = bool(request.get("ReturnMergedResources"))
    return ActionResult({"ManagedLoginBranding": style.to_json(pool.id, merged=merged)})


@OPERATIONS.add
def describe_managed_login_branding_by_client(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client = pool_and_client(self, request["UserPoolId"], request["ClientId"])
    style = next((style for style in _brandings(pool).values() if style.client_id == client.id), None)
    if style is None:
        raise ResourceNotFoundError(f"App client {client.id} has no managed login branding style.")
    merged = bool(request.get("ReturnMergedResources"))
    return ActionResult({"ManagedLoginBranding": style.to_json(pool.id, merged=merged)})


@OPERATIONS.add
def update_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, style = _style(self, request)
    _checked_style(request)
    if request.get("UseCognitoProvidedValues"):
        # Back to Cognito's defaults: nothing customized remains.
        style.use_cognito_provided_values, style.settings, style.assets = True, None, []
    else:
        if "UseCognitoProvidedValues" in request:
            style.use_cognito_provided_values = False
        if "Settings" in request:
            style.settings = _merge(style.settings or {}, request["Settings"])
            style.use_cognito_provided_values = False
        if "Assets" in request:
            assets = {_asset_key(asset): asset for asset in style.assets}
            assets.update({_asset_key(asset): copy.deepcopy(asset) for asset in request["Assets"]})
            if len(assets) > _MAX_ASSETS:
                raise LimitExceededException(f"A managed login branding style has at most {_MAX_ASSETS} assets.")
            style.assets = list(assets.values())
            style.use_cognito_provided_values = False
    style.modified = utcnow()
    return ActionResult({"ManagedLoginBranding": style.to_json(pool.id, merged=False)})


@OPERATIONS.add
def delete_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, style = _style(self, request)
    _brandings(pool).pop(style.branding_id, None)
    return EmptyResult()
