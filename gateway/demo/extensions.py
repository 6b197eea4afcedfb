"""Cognito operations moto 5.2.5 lacks, added to its cognito-idp responder.

moto's server dispatches a cognito-idp request to the method of
``moto.cognitoidp.responses.CognitoIdpResponse`` named after the operation in
snake case (``AdminListDevices`` -> ``admin_list_devices``) and answers HTTP 500
when there is none.  :func:`install` adds one such method per missing
operation to that class, this module's and those of the family modules next to
it (:func:`families`), so every moto server in the process (and every
``mock_aws``) serves them.  It also wraps two moto behaviours:

* ``admin_initiate_auth`` / ``initiate_auth`` (the responder methods): password
  sign-ins are recorded as auth events when the pool has advanced security on;
* ``CognitoIdpUser.to_json``: reports the legacy ``MFAOptions`` stored by
  AdminSetUserSettings (moto always answers ``[]``).

And :mod:`gateway.demo.user_pages` makes moto's ListUsers and ListUsersInGroup
answer a page in time proportional to the page, not to the pool (same answers).

The operations follow the Cognito API reference and the botocore model
(``botocore.session.get_session().get_service_model("cognito-idp")``); moto's
serializer shapes every answer from that model.  They reuse moto's backend
(``cognitoidp_backends[account][region]``), its pool/user/client objects and its
exception classes; the few exception codes moto has no class for are in
:mod:`gateway.demo.exceptions`.

State the operations add (devices, auth events, MFA options, provider links) is
kept *on* moto's pool and user objects, so ``POST /moto-api/reset`` (which
rebuilds every backend) drops it with everything else.  Tags live in the pool's
``UserPoolTags`` (what DescribeUserPool reports) and resource servers in moto's
own ``resource_servers``.

:func:`seed_device` and :func:`seed_auth_event` add devices and auth events
directly to the in-process backend, with any dates: the API has no way to
backdate them.  They only reach a moto server running in *this* process (such as
:class:`gateway.demo.server.DemoBackend`).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Final, Literal

import moto.cognitoidp.models
from joserfc import jwk
from moto.cognitoidp.exceptions import (
    AliasExistsException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    UserStatus,
    cognitoidp_backends,
    find_account_region_by_value,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.cognitoidp.utils import check_secret_hash
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from gateway.demo import user_pages
from gateway.demo.exceptions import (
    DeviceKeyExistsException,
    DuplicateProviderException,
    LimitExceededException,
    UnauthorizedException,
    UnsupportedOperationException,
    UnsupportedTokenTypeException,
    UserPoolAddOnNotEnabledException,
)
from gateway.demo.requests import (
    Handler,
    Operations,
    admin_user,
    client_pool,
    paginate,
    pool_state,
    required_enum,
    required_param,
    with_token,
)

__all__ = [
    "OPERATIONS",
    "AuthEvent",
    "Device",
    "UserState",
    "events_user",
    "families",
    "find_user_pool",
    "in_process_user",
    "install",
    "is_installed",
    "seed_auth_event",
    "seed_device",
    "user_state",
]

OPERATIONS: Final = Operations()

LOOPBACK: Final = "127.0.0.1"
# DeviceKeyType's pattern; Cognito's keys are "<region>_<uuid>".
_DEVICE_KEY: Final = re.compile(r"[\w-]+_[0-9a-f-]+")
# Where a device's remembered status shows.  Code written against real
# Cognito reads "dev:device_remembered_status"; the gateway's contract reads
# "device_status".  Both carry remembered / not_remembered.
DEVICE_STATUS_ATTRIBUTE: Final = "device_status"
REMEMBERED_STATUS_ATTRIBUTE: Final = "dev:device_remembered_status"
_SOCIAL_PROVIDERS: Final = frozenset({"Google", "Facebook", "LoginWithAmazon", "SignInWithApple"})
_USER_POOL_ARN: Final = re.compile(r"arn:[\w-]+:cognito-idp:[\w-]+:\d{12}:userpool/[\w-]+_[0-9a-zA-Z]+")
_MAX_TAGS: Final = 50
_MAX_LINKS_PER_USER: Final = 5  # "The maximum number of federated identities linked to a user is five."


# -- state kept on moto's objects ---------------------------------------------------


@dataclass
class Device:
    """A remembered (or forgotten-about) device of one user."""

    key: str
    name: str | None
    remembered: bool
    created: datetime
    last_modified: datetime
    last_authenticated: datetime | None
    last_ip: str = LOOPBACK
    # Kept like Cognito keeps it, never answered (a secret).
    secret_verifier: dict[str, str] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        status = "remembered" if self.remembered else "not_remembered"
        attributes = {
            DEVICE_STATUS_ATTRIBUTE: status,
            REMEMBERED_STATUS_ATTRIBUTE: status,
            "last_ip_used": self.last_ip,
        }
        if self.name is not None:
            attributes["device_name"] = self.name
        data: dict[str, Any] = {
            "DeviceKey": self.key,
            "DeviceAttributes": [{"Name": name, "Value": value} for name, value in attributes.items()],
            "DeviceCreateDate": self.created,
            "DeviceLastModifiedDate": self.last_modified,
        }
        if self.last_authenticated is not None:
            data["DeviceLastAuthenticatedDate"] = self.last_authenticated
        return data


@dataclass
class AuthEvent:
    """One entry of a user's threat-protection event history (AuthEventType)."""

    event_id: str
    created: datetime
    response: Literal["Pass", "Fail", "InProgress"]
    event_type: str = "SignIn"
    challenges: list[tuple[str, str]] = field(default_factory=list)  # (Password|Mfa, Success|Failure)
    risk_decision: str = "NoRisk"
    risk_level: str | None = None
    compromised_credentials: bool = False
    ip_address: str = LOOPBACK
    device_name: str | None = None
    timezone: str | None = None
    city: str | None = None
    country: str | None = None
    feedback: tuple[str, str, datetime] | None = None  # (Valid|Invalid, provider, date)

    def to_json(self) -> dict[str, Any]:
        risk: dict[str, Any] = {
            "RiskDecision": self.risk_decision,
            "CompromisedCredentialsDetected": self.compromised_credentials,
        }
        if self.risk_level is not None:
            risk["RiskLevel"] = self.risk_level
        context = {
            "IpAddress": self.ip_address,
            "DeviceName": self.device_name,
            "Timezone": self.timezone,
            "City": self.city,
            "Country": self.country,
        }
        data: dict[str, Any] = {
            "EventId": self.event_id,
            "EventType": self.event_type,
            "CreationDate": self.created,
            "EventResponse": self.response,
            "EventRisk": risk,
            "ChallengeResponses": [
                {"ChallengeName": name, "ChallengeResponse": outcome} for name, outcome in self.challenges
            ],
            "EventContextData": {key: value for key, value in context.items() if value is not None},
        }
        if self.feedback is not None:
            value, provider, date = self.feedback
            data["EventFeedback"] = {"FeedbackValue": value, "Provider": provider, "FeedbackDate": date}
        return data


@dataclass
class UserState:
    devices: dict[str, Device] = field(default_factory=dict)  # insertion order = listing order
    auth_events: list[AuthEvent] = field(default_factory=list)
    mfa_options: list[dict[str, str]] = field(default_factory=list)
    password_sign_in_disabled: bool = False  # AdminDisableProviderForUser(Cognito, ...)


@dataclass(frozen=True)
class _ProviderIdentity:
    provider_name: str
    attribute_name: str
    attribute_value: str


@dataclass
class _PoolState:
    # Source (external IdP) identity -> internal username of the destination user.
    links: dict[_ProviderIdentity, str] = field(default_factory=dict)


_STATE_ATTRIBUTE: Final = "_gateway_extension_state"


def user_state(user: CognitoIdpUser) -> UserState:
    """What the extensions keep on one of moto's users."""
    # setdefault on __dict__: atomic under the GIL, so concurrent requests agree.
    return user.__dict__.setdefault(_STATE_ATTRIBUTE, UserState())


def _pool_state(pool: CognitoIdpUserPool) -> _PoolState:
    return pool_state(pool, _STATE_ATTRIBUTE, _PoolState)


def _advanced_security_on(pool: CognitoIdpUserPool) -> bool:
    add_ons = pool.extended_config.get("UserPoolAddOns") or {}
    return add_ons.get("AdvancedSecurityMode") in ("AUDIT", "ENFORCED")


def _naive_utc(moment: datetime) -> datetime:
    """moto keeps (and its serializer expects) naive UTC datetimes."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


# -- devices ------------------------------------------------------------------------


def _device(state: UserState, device_key: str) -> Device:
    device = state.devices.get(device_key)
    if device is None:
        raise ResourceNotFoundError("Device does not exist.")
    return device


@OPERATIONS.add
def admin_list_devices(self: CognitoIdpResponse) -> ActionResult:
    devices = list(user_state(admin_user(self)).devices.values())
    page, token = paginate(
        devices,
        lambda device: device.key,
        limit=self._get_param("Limit"),
        token=self._get_param("PaginationToken"),
        limit_member="limit",
    )
    return ActionResult(with_token({"Devices": [device.to_json() for device in page]}, "PaginationToken", token))


@OPERATIONS.add
def admin_get_device(self: CognitoIdpResponse) -> ActionResult:
    device = _device(user_state(admin_user(self)), required_param(self, "DeviceKey"))
    return ActionResult({"Device": device.to_json()})


@OPERATIONS.add
def admin_forget_device(self: CognitoIdpResponse) -> ActionResult:
    state = user_state(admin_user(self))
    del state.devices[_device(state, required_param(self, "DeviceKey")).key]
    return EmptyResult()


@OPERATIONS.add
def admin_update_device_status(self: CognitoIdpResponse) -> ActionResult:
    state = user_state(admin_user(self))
    status = self._get_param("DeviceRememberedStatus")
    if status not in (None, "remembered", "not_remembered"):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{status}' at 'deviceRememberedStatus' failed to satisfy "
            "constraint: Member must satisfy enum value set: [remembered, not_remembered]"
        )
    device = _device(state, required_param(self, "DeviceKey"))
    if status is not None:
        device.remembered = status == "remembered"
        device.last_modified = utcnow()
    return EmptyResult()


@OPERATIONS.add
def confirm_device(self: CognitoIdpResponse) -> ActionResult:
    access_token = required_param(self, "AccessToken")
    device_key = required_param(self, "DeviceKey")
    # Checked where a key comes in, so no key Cognito could never issue gets
    # stored; lookups of a malformed key just find nothing.
    if len(device_key) > 55 or not _DEVICE_KEY.fullmatch(device_key):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{device_key}' at 'deviceKey' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {_DEVICE_KEY.pattern}"
        )
    # Unsigned like GetUser: find the backend by token, as moto does there.
    account, region = find_account_region_by_value(
        "access_token", access_token, fallback=(self.current_account, self.region)
    )
    # NotAuthorized for an unknown token, or a disabled/unconfirmed user.
    user = cognitoidp_backends[account][region].get_user(access_token)
    pool = cognitoidp_backends[account][region].user_pools[user.user_pool_id]
    state = user_state(user)
    if device_key in state.devices:
        raise DeviceKeyExistsException(device_key)
    # With DeviceOnlyRememberedOnUserPrompt the app must ask the user first
    # (UserConfirmationNecessary), and the device starts not remembered.
    on_prompt = bool((pool.extended_config.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt"))
    now = utcnow()
    state.devices[device_key] = Device(
        key=device_key,
        name=self._get_param("DeviceName"),
        remembered=not on_prompt,
        created=now,
        last_modified=now,
        last_authenticated=now,
        last_ip=_request_ip(self, None),
        secret_verifier=self._get_param("DeviceSecretVerifierConfig"),
    )
    return ActionResult({"UserConfirmationNecessary": on_prompt})


# -- auth events --------------------------------------------------------------------


def events_user(response: CognitoIdpResponse) -> CognitoIdpUser:
    """The user of a request about auth events: also UserPoolAddOnNotEnabled without advanced security."""
    pool = response.backend.describe_user_pool(required_param(response, "UserPoolId"))
    if not _advanced_security_on(pool):
        raise UserPoolAddOnNotEnabledException()
    return response.backend.admin_get_user(pool.id, required_param(response, "Username"))


def _newest_first(events: list[AuthEvent]) -> list[AuthEvent]:
    return sorted(events, key=lambda event: event.created, reverse=True)


@OPERATIONS.add
def admin_list_user_auth_events(self: CognitoIdpResponse) -> ActionResult:
    events = _newest_first(user_state(events_user(self)).auth_events)
    page, token = paginate(
        events,
        lambda event: event.event_id,
        limit=self._get_param("MaxResults"),
        token=self._get_param("NextToken"),
        limit_member="maxResults",
    )
    return ActionResult(with_token({"AuthEvents": [event.to_json() for event in page]}, "NextToken", token))


@OPERATIONS.add
def admin_update_auth_event_feedback(self: CognitoIdpResponse) -> ActionResult:
    state = user_state(events_user(self))
    event_id = required_param(self, "EventId")
    value = required_enum(self, "FeedbackValue", ("Valid", "Invalid"))
    event = next((event for event in state.auth_events if event.event_id == event_id), None)
    if event is None:
        raise ResourceNotFoundError(f"Auth event {event_id} does not exist.")
    event.feedback = (value, "Admin", utcnow())
    return EmptyResult()


# Flows that check the user's password here (USER_SRP_AUTH checks it in the
# PASSWORD_VERIFIER challenge, which moto answers without an event).
_PASSWORD_FLOWS: Final = frozenset({"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"})
_SRP_FLOW: Final = "USER_SRP_AUTH"


def _request_ip(response: CognitoIdpResponse, context_member: str | None) -> str:
    """The sign-in's source address: the one the app reports for its user, else the caller's."""
    context = (response._get_param(context_member) if context_member else None) or {}
    reported = context.get("IpAddress") if isinstance(context, dict) else None
    return reported or getattr(response.normalized_request, "remote_addr", None) or LOOPBACK


def _sign_in_target(response: CognitoIdpResponse) -> tuple[CognitoIdpUserPool, CognitoIdpUser] | None:
    """The pool and existing user a password sign-in is for (None: moto answers the error)."""
    pool_id = response._get_param("UserPoolId")
    if pool_id is not None:  # AdminInitiateAuth
        pool = response.backend.user_pools.get(pool_id)
    else:  # InitiateAuth
        found = client_pool(response, response._get_param("ClientId") or "")
        pool = found[0] if found else None
    username = (response._get_param("AuthParameters") or {}).get("USERNAME")
    if pool is None or not username:
        return None
    user = pool._get_user(username)
    return (pool, user) if user is not None else None


def _records_password_sign_ins(handler: Handler, context_member: str) -> Handler:
    """Wrap moto's (Admin)InitiateAuth: each password sign-in becomes a SignIn event.

    Cognito keeps the event history only with advanced security (AUDIT or
    ENFORCED).  A wrong password (moto raises NotAuthorized) is a Fail event; a
    sign-in that continues with a challenge (NEW_PASSWORD_REQUIRED, MFA) is
    InProgress; one that returns tokens is Pass.  A user whose password
    AdminDisableProviderForUser turned off is refused (SRP included).
    """

    @functools.wraps(handler)
    def wrapper(self: CognitoIdpResponse) -> ActionResult:
        flow = self._get_param("AuthFlow")
        target = _sign_in_target(self) if flow in _PASSWORD_FLOWS or flow == _SRP_FLOW else None
        if target is None:
            return handler(self)
        pool, user = target
        recorded = flow in _PASSWORD_FLOWS and _advanced_security_on(pool)
        ip_address = _request_ip(self, context_member)
        try:
            if user_state(user).password_sign_in_disabled:
                raise NotAuthorizedError("Incorrect username or password.")
            result = handler(self)
        except NotAuthorizedError:
            if recorded:
                _record_sign_in(user, "Fail", ip_address)
            raise
        if recorded:
            outcome = result.result if isinstance(result.result, dict) else {}
            _record_sign_in(user, "Pass" if "AuthenticationResult" in outcome else "InProgress", ip_address)
        return result

    return wrapper


def _record_sign_in(user: CognitoIdpUser, response: Literal["Pass", "Fail", "InProgress"], ip_address: str) -> None:
    user_state(user).auth_events.append(
        AuthEvent(
            event_id=str(uuid.uuid4()),
            created=utcnow(),
            response=response,
            challenges=[("Password", "Failure" if response == "Fail" else "Success")],
            ip_address=ip_address,
            # Cognito names the device from the browser's user agent; an SDK
            # caller gets its placeholder.
            device_name="Other, Other",
        )
    )


# -- tags on a user pool ARN ------------------------------------------------------------


def _tagged_pool(response: CognitoIdpResponse) -> CognitoIdpUserPool:
    arn = required_param(response, "ResourceArn")
    if not _USER_POOL_ARN.fullmatch(arn):
        raise InvalidParameterException(f"Invalid ARN: {arn}. Only user pool ARNs can be tagged.")
    pool = next((pool for pool in response.backend.user_pools.values() if pool.arn == arn), None)
    if pool is None:
        raise ResourceNotFoundError(f"User pool {arn.rsplit('/', 1)[-1]} does not exist.")
    return pool


def _pool_tags(pool: CognitoIdpUserPool) -> dict[str, str]:
    """The pool's tags, the same dict DescribeUserPool reports as UserPoolTags."""
    tags = pool.extended_config.get("UserPoolTags")
    if not isinstance(tags, dict):
        tags = pool.extended_config["UserPoolTags"] = {}
    return tags


@OPERATIONS.add
def tag_resource(self: CognitoIdpResponse) -> ActionResult:
    pool = _tagged_pool(self)
    new_tags = required_param(self, "Tags")
    for key, value in new_tags.items():
        if not 1 <= len(key) <= 128 or key.startswith("aws:") or len(value) > 256:
            raise InvalidParameterException(f"Invalid tag: {key}={value}")
    tags = _pool_tags(pool)
    if len(tags.keys() | new_tags.keys()) > _MAX_TAGS:
        raise InvalidParameterException(f"A user pool can have at most {_MAX_TAGS} tags.")
    tags.update(new_tags)
    return EmptyResult()


@OPERATIONS.add
def untag_resource(self: CognitoIdpResponse) -> ActionResult:
    tags = _pool_tags(_tagged_pool(self))
    for key in required_param(self, "TagKeys"):
        tags.pop(key, None)
    return EmptyResult()


@OPERATIONS.add
def list_tags_for_resource(self: CognitoIdpResponse) -> ActionResult:
    return ActionResult({"Tags": dict(_pool_tags(_tagged_pool(self)))})


# -- resource servers (moto has Create/Describe/List) ---------------------------------


@OPERATIONS.add
def update_resource_server(self: CognitoIdpResponse) -> ActionResult:
    server = self.backend.describe_resource_server(
        required_param(self, "UserPoolId"), required_param(self, "Identifier")
    )
    scopes = self._get_param("Scopes") or []
    names = [scope.get("ScopeName") for scope in scopes]
    if len(set(names)) != len(names):
        raise InvalidParameterException("Scope names must be unique.")
    # Update replaces the whole definition: scopes left out are removed.
    server.name = required_param(self, "Name")
    server.scopes = scopes
    return ActionResult({"ResourceServer": server.to_json()})


@OPERATIONS.add
def delete_resource_server(self: CognitoIdpResponse) -> ActionResult:
    pool_id, identifier = required_param(self, "UserPoolId"), required_param(self, "Identifier")
    self.backend.describe_resource_server(pool_id, identifier)  # ResourceNotFound for pool or server
    del self.backend.user_pools[pool_id].resource_servers[identifier]
    return EmptyResult()


def _checks_the_pool(handler: Handler) -> Handler:
    """moto's ListResourceServers indexes its pools unchecked: a missing pool was a KeyError (HTTP 500)."""

    @functools.wraps(handler)
    def checked(self: CognitoIdpResponse) -> ActionResult:
        self.backend.describe_user_pool(required_param(self, "UserPoolId"))  # ResourceNotFoundException
        return handler(self)

    return checked


# -- identity providers ---------------------------------------------------------------


def _refuses_duplicate_providers(handler: Handler) -> Handler:
    """moto's CreateIdentityProvider replaces a provider of the same name; Cognito refuses it."""

    @functools.wraps(handler)
    def checked(self: CognitoIdpResponse) -> ActionResult:
        pool = self.backend.describe_user_pool(required_param(self, "UserPoolId"))
        name = required_param(self, "ProviderName")
        if name in pool.identity_providers:
            raise DuplicateProviderException(name)
        return handler(self)

    return checked


@OPERATIONS.add
def get_identity_provider_by_identifier(self: CognitoIdpResponse) -> ActionResult:
    pool = self.backend.describe_user_pool(required_param(self, "UserPoolId"))
    identifier = required_param(self, "IdpIdentifier")
    for provider in pool.identity_providers.values():
        if identifier in (provider.extended_config.get("IdpIdentifiers") or []):
            return ActionResult({"IdentityProvider": {**provider.to_json(extended=True), "UserPoolId": pool.id}})
    raise ResourceNotFoundError(f"Identity provider with identifier {identifier} does not exist.")


# -- users: legacy MFA settings, provider links, confirmation codes -------------------


@OPERATIONS.add
def admin_set_user_settings(self: CognitoIdpResponse) -> ActionResult:
    user = admin_user(self)
    options = required_param(self, "MFAOptions")
    if not isinstance(options, list):
        raise InvalidParameterException("MFAOptions must be a list.")
    for option in options:
        # "You can use this parameter only to set an SMS configuration."
        if option.get("DeliveryMedium") != "SMS" or option.get("AttributeName") != "phone_number":
            raise InvalidParameterException("Only SMS MFA to the phone_number attribute can be set with MFAOptions.")
    user_state(user).mfa_options = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}] if options else []
    # The legacy option *is* SMS MFA: keep UserMFASettingList in agreement.
    user.sms_mfa_enabled = bool(options)
    return EmptyResult()


def _with_mfa_options(to_json: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap CognitoIdpUser.to_json: moto answers ``MFAOptions: []`` whatever was set."""

    @functools.wraps(to_json)
    def wrapper(self: CognitoIdpUser, extended: bool = False, *args: Any, **kwargs: Any) -> dict[str, Any]:
        data = to_json(self, extended, *args, **kwargs)
        state: UserState | None = self.__dict__.get(_STATE_ATTRIBUTE)
        if extended and state is not None and state.mfa_options:
            data["MFAOptions"] = [dict(option) for option in state.mfa_options]
        return data

    return wrapper


def _identity(member: Any, role: str) -> _ProviderIdentity:
    if not isinstance(member, dict) or not member.get("ProviderName") or not member.get("ProviderAttributeValue"):
        raise InvalidParameterException(f"{role} must have a ProviderName and a ProviderAttributeValue.")
    return _ProviderIdentity(
        member["ProviderName"], member.get("ProviderAttributeName") or "", member["ProviderAttributeValue"]
    )


def _external_identity(pool: CognitoIdpUserPool, identity: _ProviderIdentity, role: str) -> None:
    """Check an identity of one of the pool's IdPs the way Cognito does."""
    provider = pool.identity_providers.get(identity.provider_name)
    if provider is None:
        raise InvalidParameterException(
            f"{role}: identity provider {identity.provider_name} does not exist in user pool {pool.id}."
        )
    social = provider.extended_config.get("ProviderType") in _SOCIAL_PROVIDERS
    if social and identity.attribute_name != "Cognito_Subject":
        raise InvalidParameterException(f"{role}: ProviderAttributeName must be Cognito_Subject for social IdPs.")


@OPERATIONS.add
def admin_link_provider_for_user(self: CognitoIdpResponse) -> ActionResult:
    pool = self.backend.describe_user_pool(required_param(self, "UserPoolId"))
    destination = _identity(self._get_param("DestinationUser"), "DestinationUser")
    source = _identity(self._get_param("SourceUser"), "SourceUser")
    if source.provider_name == "Cognito":
        raise InvalidParameterException("SourceUser must be a user of an external identity provider.")
    _external_identity(pool, source, "SourceUser")
    # A native destination is named by its username; a federated one is the
    # "<Provider>_<id>" user Cognito created at its first sign-in.
    if destination.provider_name == "Cognito":
        destination_name = destination.attribute_value
    else:
        _external_identity(pool, destination, "DestinationUser")
        destination_name = f"{destination.provider_name}_{destination.attribute_value}"
    user = self.backend.admin_get_user(pool.id, destination_name)
    if pool._get_user(f"{source.provider_name}_{source.attribute_value}") is not None:
        raise InvalidParameterException(
            "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link"
        )
    links = _pool_state(pool).links
    linked_to = links.get(source)
    if linked_to == user.username:
        return EmptyResult()  # already linked to this user
    if linked_to is not None:
        raise AliasExistsException()  # the identity belongs to another user
    if sum(1 for username in links.values() if username == user.username) >= _MAX_LINKS_PER_USER:
        raise LimitExceededException(f"A user can be linked to at most {_MAX_LINKS_PER_USER} identities.")
    links[source] = user.username
    return EmptyResult()


@OPERATIONS.add
def admin_disable_provider_for_user(self: CognitoIdpResponse) -> ActionResult:
    pool = self.backend.describe_user_pool(required_param(self, "UserPoolId"))
    identity = _identity(self._get_param("User"), "User")
    if identity.provider_name == "Cognito":
        # A native user: the password stops working.
        if identity.attribute_name != "Cognito_Subject":
            raise InvalidParameterException("ProviderAttributeName must be Cognito_Subject for Cognito users.")
        user_state(self.backend.admin_get_user(pool.id, identity.attribute_value)).password_sign_in_disabled = True
        return EmptyResult()
    _external_identity(pool, identity, "User")
    links = _pool_state(pool).links
    if identity in links:
        del links[identity]  # the external user no longer signs in as the linked user
        return EmptyResult()
    federated = pool._get_user(f"{identity.provider_name}_{identity.attribute_value}")
    if federated is None:
        raise UserNotFoundError("User does not exist.")
    federated.enabled = False
    return EmptyResult()


def _masked(attribute: str, value: str) -> str:
    """How Cognito shows a delivery destination: a***@e*** or +*******4567."""
    if attribute == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"+*******{value[-4:]}"


@OPERATIONS.add
def resend_confirmation_code(self: CognitoIdpResponse) -> ActionResult:
    client_id, username = required_param(self, "ClientId"), required_param(self, "Username")
    found = client_pool(self, client_id)
    if found is None:
        raise ResourceNotFoundError(client_id)
    pool, client = found
    if client.generate_secret:
        secret_hash = self._get_param("SecretHash")
        if not secret_hash:
            raise NotAuthorizedError(f"Client {client_id} is configured for secret but secret was not received")
        if not check_secret_hash(client.secret, client.id, username, secret_hash):
            raise NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")
    auto_verified = pool.extended_config.get("AutoVerifiedAttributes") or []
    user = pool._get_user(username)
    if user is None:
        if client.extended_config.get("PreventUserExistenceErrors") != "ENABLED":
            raise UserNotFoundError("Username/client id combination not found.")
        # With existence errors prevented, Cognito answers as if it had sent a code.
        attributes = {"email": f"{username}@example.com", "phone_number": "+10000000000"}
    else:
        if user.status is not UserStatus.UNCONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        attributes = user.attribute_lookup
    # Cognito prefers the phone when both email and phone are auto-verified.
    for attribute, medium in (("phone_number", "SMS"), ("email", "EMAIL")):
        if attribute in auto_verified and attributes.get(attribute):
            details = {
                "Destination": _masked(attribute, attributes[attribute]),
                "DeliveryMedium": medium,
                "AttributeName": attribute,
            }
            return ActionResult({"CodeDeliveryDetails": details})
    raise InvalidParameterException("Cannot resend codes. Auto verification not turned on.")


# -- token revocation -------------------------------------------------------------------


def _jwt_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT moto issued; {} for anything else."""
    try:
        payload = token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
    except (IndexError, ValueError, TypeError):
        return {}


@OPERATIONS.add
def revoke_token(self: CognitoIdpResponse) -> ActionResult:
    token, client_id = required_param(self, "Token"), required_param(self, "ClientId")
    found = client_pool(self, client_id)
    if found is None:
        raise UnauthorizedException(f"Invalid client {client_id}.")
    pool, client = found
    if client.generate_secret and self._get_param("ClientSecret") != client.secret:
        raise UnauthorizedException("Invalid client secret.")
    if not client.extended_config.get("EnableTokenRevocation", True):
        raise UnsupportedOperationException(f"Token revocation is not enabled for client {client_id}.")
    if token.count(".") == 2:  # an access or ID token (JWT); moto's refresh tokens are UUIDs
        raise UnsupportedTokenTypeException()
    issued = pool.refresh_tokens.get(token)
    if issued is None:
        # Unknown or already revoked: nothing to do (RFC 7009, section 2.2).
        return EmptyResult()
    issued_to, _, origin_jti = issued
    if issued_to != client_id:
        raise UnauthorizedException("The token was not issued to this client.")
    # moto's own revocation marker (see CognitoIdpUserPool.sign_out): REFRESH_TOKEN_AUTH
    # then fails with NotAuthorized.  The access and ID tokens minted from this
    # refresh token (same origin_jti) are revoked with it.
    pool.refresh_tokens[token] = None
    for issued_tokens in (pool.access_tokens, pool.id_tokens):
        for jwt in [jwt for jwt in issued_tokens if _jwt_claims(jwt).get("origin_jti") == origin_jti]:
            issued_tokens.pop(jwt, None)
    return EmptyResult()


@OPERATIONS.on_install
def _wrap_moto_handlers() -> None:
    CognitoIdpResponse.admin_initiate_auth = _records_password_sign_ins(  # type: ignore[method-assign]
        CognitoIdpResponse.admin_initiate_auth, "ContextData"
    )
    CognitoIdpResponse.initiate_auth = _records_password_sign_ins(  # type: ignore[method-assign]
        CognitoIdpResponse.initiate_auth, "UserContextData"
    )
    CognitoIdpUser.to_json = _with_mfa_options(CognitoIdpUser.to_json)  # type: ignore[method-assign]
    CognitoIdpResponse.list_resource_servers = _checks_the_pool(  # type: ignore[method-assign]
        CognitoIdpResponse.list_resource_servers
    )
    CognitoIdpResponse.create_identity_provider = _refuses_duplicate_providers(  # type: ignore[method-assign]
        CognitoIdpResponse.create_identity_provider
    )


# -- in-process seeding -----------------------------------------------------------------


def find_user_pool(user_pool_id: str, account_id: str = DEFAULT_ACCOUNT_ID) -> CognitoIdpUserPool | None:
    """The pool in this process's moto backend, or None (e.g. a pool of a moto in another process)."""
    region = user_pool_id.split("_", 1)[0]
    account = cognitoidp_backends.get(account_id)
    if account is None or region not in account:
        return None
    backend: CognitoIdpBackend = account[region]
    return backend.user_pools.get(user_pool_id)


def in_process_user(user_pool_id: str, username: str, account_id: str) -> CognitoIdpUser:
    """A user of a pool of this process's moto: ResourceNotFound for the pool, UserNotFound for the user."""
    pool = find_user_pool(user_pool_id, account_id)
    if pool is None:
        raise ResourceNotFoundError(f"User pool {user_pool_id} does not exist in this process.")
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    return user


def seed_device(
    user_pool_id: str,
    username: str,
    *,
    name: str,
    remembered: bool,
    last_authenticated: datetime,
    created: datetime | None = None,
    ip_address: str = LOOPBACK,
    device_key: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> str:
    """Give a user of an in-process moto pool a device; returns its device key."""
    user = in_process_user(user_pool_id, username, account_id)
    key = device_key or f"{user_pool_id.split('_', 1)[0]}_{uuid.uuid4()}"
    created_at = _naive_utc(created or last_authenticated)
    user_state(user).devices[key] = Device(
        key=key,
        name=name,
        remembered=remembered,
        created=created_at,
        last_modified=_naive_utc(last_authenticated),
        last_authenticated=_naive_utc(last_authenticated),
        last_ip=ip_address,
    )
    return key


def seed_auth_event(
    user_pool_id: str,
    username: str,
    *,
    response: Literal["Pass", "Fail", "InProgress"],
    created: datetime,
    feedback: Literal["Valid", "Invalid"] | None = None,
    feedback_date: datetime | None = None,
    risk_decision: str = "NoRisk",
    risk_level: str | None = None,
    ip_address: str = LOOPBACK,
    device_name: str | None = None,
    city: str | None = None,
    country: str | None = None,
    event_id: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> str:
    """Add a SignIn event to a user of an in-process moto pool; returns its EventId."""
    user = in_process_user(user_pool_id, username, account_id)
    event = AuthEvent(
        event_id=event_id or str(uuid.uuid4()),
        created=_naive_utc(created),
        response=response,
        challenges=[("Password", "Failure" if response == "Fail" else "Success")],
        risk_decision=risk_decision,
        risk_level=risk_level,
        ip_address=ip_address,
        device_name=device_name,
        city=city,
        country=country,
    )
    if feedback is not None:
        event.feedback = (feedback, "Admin", _naive_utc(feedback_date or created))
    user_state(user).auth_events.append(event)
    return event.event_id


# -- install ----------------------------------------------------------------------------

_INSTALLED_MARKER: Final = "_gateway_extensions_installed"
_install_lock = threading.Lock()


def is_installed() -> bool:
    return bool(getattr(CognitoIdpResponse, _INSTALLED_MARKER, False))


def families() -> tuple[ModuleType, ...]:
    """Every module of operations, this one first; each keeps its responder methods in ``OPERATIONS``."""
    # The other families import this module's helpers, so they are imported here, not at the top.
    from gateway.demo import (
        auth_event_feedback,
        auth_factors,
        branding,
        client_secrets,
        import_jobs,
        pool_settings,
        provisioned_limits,
        replicas,
        terms,
        tokens,
    )

    return (
        sys.modules[__name__],
        pool_settings,
        branding,
        terms,
        import_jobs,
        client_secrets,
        auth_factors,
        replicas,
        provisioned_limits,
        tokens,
        auth_event_feedback,
    )


@functools.cache
def _parsed_rsa_key(serialized: str) -> jwk.RSAKey:
    return jwk.RSAKey.import_key(json.loads(serialized))


class _RsaKeysParsedOnce:
    """joserfc's ``jwk`` as moto's pool model sees it: each new pool parses the one signing key moto ships
    (cognitoidp/resources/jwks-private.json), ~0.1 s of RSA arithmetic a pool; parsed once, the same key signs
    every pool's tokens, as before."""

    class RSAKey:
        @staticmethod
        def import_key(data: Any) -> jwk.RSAKey:
            return _parsed_rsa_key(json.dumps(data, sort_keys=True))

    def __getattr__(self, name: str) -> Any:
        return getattr(jwk, name)


def install() -> None:
    """Add every family's operations to moto's cognito-idp responder. Idempotent and thread-safe.

    The marker lives on moto's class (not in this module), so even a reloaded
    copy of this module never wraps moto's handlers twice.
    """
    with _install_lock:
        if is_installed():
            return
        for family in families():
            family.OPERATIONS.install()
        moto.cognitoidp.models.jwk = _RsaKeysParsedOnce()  # type: ignore[assignment]
        user_pages.install()
        setattr(CognitoIdpResponse, _INSTALLED_MARKER, True)
