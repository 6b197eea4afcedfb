"""Pool-wide settings moto 5.2.5 lacks: threat protection, log delivery, classic hosted UI, SAML signing certificate.

The operations (DescribeRiskConfiguration, SetRiskConfiguration,
GetLogDeliveryConfiguration, SetLogDeliveryConfiguration, GetUICustomization,
SetUICustomization, GetSigningCertificate) are responder methods that
:func:`gateway.demo.extensions.install` adds to moto's ``CognitoIdpResponse``.
Requests are checked against the botocore model first
(:func:`gateway.demo.request_checks.checked_request`); what they set lives on
moto's pool object, so ``POST /moto-api/reset`` drops it.

How each follows Cognito:

* Risk configuration: one for the pool and one per app client.  Set replaces
  the whole configuration; Set with only ``UserPoolId`` puts the pool back to
  defaults, with ``UserPoolId`` and ``ClientId`` only the client inherits the
  pool's again.  Describe of a client without its own configuration answers the
  pool's, without ``ClientId`` (the model: no ClientId means it applies to every
  client without client-level settings).  Threat protection must be on
  (``UserPoolAddOns.AdvancedSecurityMode`` AUDIT or ENFORCED), else
  UserPoolAddOnNotEnabledException.
* Log delivery: at most one configuration per event source; ``userNotification``
  logs ERROR to CloudWatch Logs, ``userAuthEvents`` logs INFO to one of
  CloudWatch Logs, S3 or Firehose and needs the Plus tier
  (FeatureUnavailableInTierException).  A pool never configured answers its ID
  and no configurations.
* Classic hosted UI: the pool needs a domain.  ``ClientId`` ``ALL`` (or none)
  sets the default of every client; a client's own customization overrides it.
  Set replaces the customization; Set with neither CSS nor image removes it.
  The logo (PNG or JPEG) is kept and answered as an ``ImageUrl`` whose path
  changes with its content; :func:`ui_image` reads it back in-process.
* Signing certificate: a real self-signed RSA X.509 certificate (PEM), made at
  the pool's first request and the same on every later one; valid 10 years,
  as Cognito's are.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import ipaddress
import threading
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

from gateway.demo.exceptions import FeatureUnavailableInTierException, UserPoolAddOnNotEnabledException
from gateway.demo.extensions import find_user_pool
from gateway.demo.request_checks import MODEL, checked_request, decoded_blob
from gateway.demo.requests import Operations, pool_and_client, pool_state

__all__ = ["OPERATIONS", "ALL_CLIENTS", "ui_image"]

OPERATIONS: Final = Operations()

ALL_CLIENTS: Final = "ALL"  # SetUICustomization's ClientId for the pool-wide default
_STATE_ATTRIBUTE: Final = "_gateway_pool_settings"
_RISK_MEMBERS: Final = (
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
)
# "Defaults to all events": the enum of EventFilterType.
_ALL_EVENT_FILTERS: Final = list(MODEL.shape_for("EventFilterType").enum)
_DESTINATIONS: Final = ("CloudWatchLogsConfiguration", "S3Configuration", "FirehoseConfiguration")
# Per event source: the one log level and the destinations Cognito accepts, and whether it needs Plus.
_LOG_SOURCES: Final = {
    "userNotification": ("ERROR", ("CloudWatchLogsConfiguration",), False),
    "userAuthEvents": ("INFO", _DESTINATIONS, True),
}
_IMAGE_TYPES: Final = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"))
_CERTIFICATE_YEARS: Final = 10


@dataclass
class _UICustomization:
    css: str | None
    image: bytes | None
    image_extension: str | None
    created: datetime.datetime
    modified: datetime.datetime


@dataclass
class _PoolSettings:
    risk: dict[str | None, dict[str, Any]] = field(default_factory=dict)  # by ClientId; None = the pool's
    log_configurations: list[dict[str, Any]] | None = None
    ui: dict[str, _UICustomization] = field(default_factory=dict)  # by ClientId; ALL_CLIENTS = the pool's
    signing_certificate: str | None = None


def _settings(pool: CognitoIdpUserPool) -> _PoolSettings:
    return pool_state(pool, _STATE_ATTRIBUTE, _PoolSettings)


def _pool_and_optional_client(
    response: CognitoIdpResponse, request: dict[str, Any], *, all_means_pool: bool = False
) -> tuple[CognitoIdpUserPool, str | None]:
    """The pool, and the ClientId when it names one of its clients (None: the pool itself)."""
    client_id = request.get("ClientId")
    if client_id is None or (all_means_pool and client_id == ALL_CLIENTS):
        return response.backend.describe_user_pool(request["UserPoolId"]), None
    pool, _ = pool_and_client(response, request["UserPoolId"], client_id)
    return pool, client_id


# -- threat protection (risk configuration) ---------------------------------------------


def _threat_protection_on(pool: CognitoIdpUserPool) -> None:
    add_ons = pool.extended_config.get("UserPoolAddOns") or {}
    if add_ons.get("AdvancedSecurityMode") not in ("AUDIT", "ENFORCED"):
        raise UserPoolAddOnNotEnabledException()


def _check_risk_configuration(request: dict[str, Any]) -> None:
    """What the model cannot say: real CIDR ranges, and a notify action needs the email settings."""
    exceptions = request.get("RiskExceptionConfiguration") or {}
    for member in ("BlockedIPRangeList", "SkippedIPRangeList"):
        for cidr in exceptions.get(member) or []:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise InvalidParameterException(f"{cidr} in {member} is not a valid CIDR range.") from None
    takeover = request.get("AccountTakeoverRiskConfiguration") or {}
    notifies = any(action.get("Notify") for action in (takeover.get("Actions") or {}).values())
    if notifies and not takeover.get("NotifyConfiguration"):
        raise InvalidParameterException("NotifyConfiguration is required when an account takeover action notifies.")


@OPERATIONS.add
def set_risk_configuration(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client_id = _pool_and_optional_client(self, request)
    _threat_protection_on(pool)
    _check_risk_configuration(request)
    configuration = {member: copy.deepcopy(request[member]) for member in _RISK_MEMBERS if member in request}
    compromised = configuration.get("CompromisedCredentialsRiskConfiguration")
    if compromised is not None and not compromised.get("EventFilter"):
        compromised["EventFilter"] = list(_ALL_EVENT_FILTERS)
    risk = _settings(pool).risk
    now = utcnow()
    if configuration:
        risk[client_id] = {**configuration, "LastModifiedDate": now}
    else:
        # Only the IDs: the pool goes back to defaults, a client back to the pool's.
        risk.pop(client_id, None)
    answer = {"UserPoolId": pool.id, **configuration, "LastModifiedDate": now}
    if client_id is not None:
        answer["ClientId"] = client_id
    return ActionResult({"RiskConfiguration": answer})


@OPERATIONS.add
def describe_risk_configuration(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client_id = _pool_and_optional_client(self, request)
    _threat_protection_on(pool)
    risk = _settings(pool).risk
    if client_id is not None and client_id in risk:
        answer = {"UserPoolId": pool.id, "ClientId": client_id, **copy.deepcopy(risk[client_id])}
    else:
        answer = {"UserPoolId": pool.id, **copy.deepcopy(risk.get(None, {}))}
    return ActionResult({"RiskConfiguration": answer})


# -- log delivery ---------------------------------------------------------------------------


def _on_plus_tier(pool: CognitoIdpUserPool) -> bool:
    # New pools are on Essentials unless created with another UserPoolTier.
    return pool.extended_config.get("UserPoolTier", "ESSENTIALS") == "PLUS"


def _check_log_configuration(pool: CognitoIdpUserPool, configuration: dict[str, Any], seen: set[str]) -> None:
    source, level = configuration["EventSource"], configuration["LogLevel"]
    if source in seen:
        raise InvalidParameterException(f"Only one log configuration per event source is allowed: {source}.")
    seen.add(source)
    wanted_level, destinations, needs_plus = _LOG_SOURCES[source]
    if level != wanted_level:
        raise InvalidParameterException(f"LogLevel of {source} logs must be {wanted_level}.")
    given = [name for name in _DESTINATIONS if configuration.get(name)]
    if len(given) != 1:
        raise InvalidParameterException("Each log configuration must have exactly one destination.")
    if given[0] not in destinations:
        raise InvalidParameterException(f"{source} logs can be delivered only to {', '.join(destinations)}.")
    if needs_plus and not _on_plus_tier(pool):
        raise FeatureUnavailableInTierException(
            "Exporting user activity logs (userAuthEvents) is not available in the user pool's current feature plan."
        )


@OPERATIONS.add
def set_log_delivery_configuration(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool = self.backend.describe_user_pool(request["UserPoolId"])
    configurations = copy.deepcopy(request["LogConfigurations"])
    seen: set[str] = set()
    for configuration in configurations:
        _check_log_configuration(pool, configuration, seen)
    _settings(pool).log_configurations = configurations
    return ActionResult(
        {"LogDeliveryConfiguration": {"UserPoolId": pool.id, "LogConfigurations": copy.deepcopy(configurations)}}
    )


@OPERATIONS.add
def get_log_delivery_configuration(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool = self.backend.describe_user_pool(request["UserPoolId"])
    configurations = copy.deepcopy(_settings(pool).log_configurations or [])
    return ActionResult({"LogDeliveryConfiguration": {"UserPoolId": pool.id, "LogConfigurations": configurations}})


# -- classic hosted UI --------------------------------------------------------------------------


def _image_extension(image: bytes) -> str:
    for magic, extension in _IMAGE_TYPES:
        if image.startswith(magic):
            return extension
    raise InvalidParameterException("ImageFile must be a PNG or JPEG image.")


def _ui_json(pool: CognitoIdpUserPool, key: str, ui: _UICustomization) -> dict[str, Any]:
    data: dict[str, Any] = {
        "UserPoolId": pool.id,
        "CSSVersion": ui.modified.strftime("%Y%m%d%H%M%S%f"),
        "CreationDate": ui.created,
        "LastModifiedDate": ui.modified,
    }
    if key != ALL_CLIENTS:
        data["ClientId"] = key
    if ui.css is not None:
        data["CSS"] = ui.css
    if ui.image is not None:
        # Like Cognito's CloudFront URL: a new image is a new path.
        digest = hashlib.sha256(ui.image).hexdigest()[:16]
        data["ImageUrl"] = (
            f"https://{pool.id.lower().replace('_', '-')}.hosted-ui.example.com/"
            f"{pool.id}/{key}/{digest}/assets/images/image.{ui.image_extension}"
        )
    return data


@OPERATIONS.add
def set_ui_customization(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client_id = _pool_and_optional_client(self, request, all_means_pool=True)
    if pool.domain is None:
        raise InvalidParameterException(f"There has to be an existing domain associated with this user pool {pool.id}")
    key = client_id or ALL_CLIENTS
    image = decoded_blob(request["ImageFile"]) if request.get("ImageFile") else None
    extension = _image_extension(image) if image is not None else None
    customizations = _settings(pool).ui
    now = utcnow()
    if request.get("CSS") is None and image is None:
        customizations.pop(key, None)  # nothing to apply: the customization is removed
        answer: dict[str, Any] = {"UserPoolId": pool.id}
        if client_id is not None:
            answer["ClientId"] = client_id
        return ActionResult({"UICustomization": answer})
    previous = customizations.get(key)
    customizations[key] = ui = _UICustomization(
        css=request.get("CSS"),
        image=image,
        image_extension=extension,
        created=previous.created if previous else now,
        modified=now,
    )
    return ActionResult({"UICustomization": _ui_json(pool, key, ui)})


@OPERATIONS.add
def get_ui_customization(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client_id = _pool_and_optional_client(self, request, all_means_pool=True)
    customizations = _settings(pool).ui
    for key in (client_id, ALL_CLIENTS):
        if key is not None and key in customizations:
            return ActionResult({"UICustomization": _ui_json(pool, key, customizations[key])})
    return ActionResult({"UICustomization": {}})  # "an empty object" when nothing is applied


def ui_image(user_pool_id: str, client_id: str = ALL_CLIENTS, account_id: str = DEFAULT_ACCOUNT_ID) -> bytes | None:
    """The logo SetUICustomization stored for a client (or ALL) of a pool in this process's moto."""
    pool = find_user_pool(user_pool_id, account_id)
    if pool is None:
        raise ResourceNotFoundError(f"User pool {user_pool_id} does not exist in this process.")
    ui = _settings(pool).ui.get(client_id)
    return ui.image if ui is not None else None


# -- SAML signing certificate -------------------------------------------------------------------

_certificate_lock = threading.Lock()


def _self_signed_certificate(pool: CognitoIdpUserPool) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon Cognito (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, pool.id),
        ]
    )
    issued = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued)
        .not_valid_after(issued.replace(year=issued.year + _CERTIFICATE_YEARS, day=min(issued.day, 28)))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    # The private key is dropped: nothing here signs SAML requests.
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@OPERATIONS.add
def get_signing_certificate(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool = self.backend.describe_user_pool(request["UserPoolId"])
    settings = _settings(pool)
    with _certificate_lock:  # two first requests at once still agree on one certificate
        if settings.signing_certificate is None:
            settings.signing_certificate = _self_signed_certificate(pool)
    return ActionResult({"Certificate": settings.signing_certificate})
