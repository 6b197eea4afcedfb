"""Changes made outside the gateway, as CloudTrail reports them: one EventBridge-wrapped ``AWS API Call via
CloudTrail`` event from ``cognito-idp`` (the body of one SQS message) parsed into a :class:`Change` for the index.

What CloudTrail writes for a Cognito call (the developer guide's "Logging Amazon Cognito API calls with AWS CloudTrail"
and its examples): ``detail.eventName`` is the operation, ``detail.requestParameters`` its request in lowerCamelCase
(``userPoolId``, ``username``, ``groupName``, ``clientId``), secrets and many usernames written as
``HIDDEN_DUE_TO_SECURITY_REASONS``, the user's ``sub`` in ``detail.additionalEventData.sub``, and a failed call has
``detail.errorCode``. Self-service calls name an app client (``clientId``), not a pool; calls made with an access token
name neither, only the ``sub``.

What each operation does to the index is declared once, in :data:`RULES`; an operation that only reads changes
nothing and is not listed. Nothing here talks to AWS or keeps state: the consumer (``directory.queue``) hands each
:class:`Change` to whoever applies it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "CLOUDTRAIL_API_CALL",
    "EVENT_SOURCE",
    "HIDDEN",
    "RULES",
    "Change",
    "IndexEffect",
    "MalformedEvent",
    "Rule",
    "event_pattern",
    "parse_change",
]

EVENT_SOURCE = "aws.cognito-idp"  # EventBridge's `source` for Cognito user pools
CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"  # EventBridge's `detail-type` for a recorded API call
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"  # what CloudTrail writes in place of a value it will not record

_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")  # the model's UserPoolIdType pattern


class IndexEffect(StrEnum):
    """What a successful call does to the indexed users of its pool."""

    NONE = "none"  # nothing the index keeps (sign-in, tokens, devices, MFA, app clients, branding...)
    USER_CREATED = "user_created"  # a user appeared: read it and add it
    USER_UPDATED = "user_updated"  # its attributes, status, enabled flag or password state changed: read it again
    USER_DELETED = "user_deleted"  # remove it
    GROUP_MEMBER_ADDED = "group_member_added"  # the user joined `group_name`
    GROUP_MEMBER_REMOVED = "group_member_removed"  # the user left `group_name`
    GROUP_DELETED = "group_deleted"  # every member left `group_name`
    POOL_CHANGED = "pool_changed"  # the pool's settings or schema (a custom attribute added): read the pool again
    POOL_USERS_CHANGED = "pool_users_changed"  # some users changed and the event cannot say which: reconcile the pool
    POOL_CREATED = "pool_created"  # a new pool (to index when every pool is)
    POOL_DELETED = "pool_deleted"  # forget the pool's index

    @property
    def names_a_user(self) -> bool:
        return self in _USER_EFFECTS

    @property
    def names_a_group(self) -> bool:
        return self in _GROUP_EFFECTS


_USER_EFFECTS = frozenset(
    {
        IndexEffect.USER_CREATED,
        IndexEffect.USER_UPDATED,
        IndexEffect.USER_DELETED,
        IndexEffect.GROUP_MEMBER_ADDED,
        IndexEffect.GROUP_MEMBER_REMOVED,
    }
)
_GROUP_EFFECTS = frozenset(
    {IndexEffect.GROUP_MEMBER_ADDED, IndexEffect.GROUP_MEMBER_REMOVED, IndexEffect.GROUP_DELETED}
)


@dataclass(frozen=True)
class Rule:
    """One operation's effect on the index, and where its CloudTrail record names what changed."""

    effect: IndexEffect
    # The path under `requestParameters` to the username, when it is not `username` (or None: the request names no
    # user by name, only the `sub` CloudTrail adds).
    user_at: tuple[str, ...] | None = ("username",)
    # The effect applies only to these challenges' responses (the others sign in and change nothing).
    challenges: frozenset[str] | None = None


_NONE = Rule(IndexEffect.NONE, user_at=None)
_USER_UPDATED = Rule(IndexEffect.USER_UPDATED)
_BY_ACCESS_TOKEN = Rule(IndexEffect.USER_UPDATED, user_at=None)  # the user is the token's: only the `sub` names it
_POOL_CHANGED = Rule(IndexEffect.POOL_CHANGED, user_at=None)

# Every operation of the model that is not a read (gateway.cognito.model.is_read), with its effect on the index; a
# test checks this against the installed botocore model both ways.
RULES: Mapping[str, Rule] = {
    # --- users appear, change and go ---
    "AdminCreateUser": Rule(IndexEffect.USER_CREATED),
    "SignUp": Rule(IndexEffect.USER_CREATED),
    "AdminConfirmSignUp": _USER_UPDATED,  # UNCONFIRMED -> CONFIRMED
    "ConfirmSignUp": _USER_UPDATED,
    "AdminUpdateUserAttributes": _USER_UPDATED,
    "AdminDeleteUserAttributes": _USER_UPDATED,
    "UpdateUserAttributes": _BY_ACCESS_TOKEN,
    "DeleteUserAttributes": _BY_ACCESS_TOKEN,
    "VerifyUserAttribute": _BY_ACCESS_TOKEN,  # sets email_verified / phone_number_verified
    "AdminEnableUser": _USER_UPDATED,
    "AdminDisableUser": _USER_UPDATED,
    "AdminResetUserPassword": _USER_UPDATED,  # -> RESET_REQUIRED
    "AdminSetUserPassword": _USER_UPDATED,  # -> CONFIRMED or FORCE_CHANGE_PASSWORD
    "ConfirmForgotPassword": _USER_UPDATED,  # RESET_REQUIRED -> CONFIRMED
    "ChangePassword": _BY_ACCESS_TOKEN,  # the last-modified date
    # The `identities` attribute of the native user the provider's user is linked to.
    "AdminLinkProviderForUser": Rule(IndexEffect.USER_UPDATED, user_at=("destinationUser", "providerAttributeValue")),
    # Deletes the federated user if there is one and unlinks it from a native user: the request names neither by
    # username, so only a reconcile finds them.
    "AdminDisableProviderForUser": Rule(IndexEffect.POOL_USERS_CHANGED, user_at=None),
    # A new password for a user created with a temporary one: FORCE_CHANGE_PASSWORD -> CONFIRMED (and any required
    # attributes given with it). The username is inside the hidden challenge responses: only the `sub` names it.
    "RespondToAuthChallenge": Rule(
        IndexEffect.USER_UPDATED, user_at=None, challenges=frozenset({"NEW_PASSWORD_REQUIRED"})
    ),
    "AdminRespondToAuthChallenge": Rule(
        IndexEffect.USER_UPDATED, user_at=None, challenges=frozenset({"NEW_PASSWORD_REQUIRED"})
    ),
    "AdminDeleteUser": Rule(IndexEffect.USER_DELETED),
    "DeleteUser": Rule(IndexEffect.USER_DELETED, user_at=None),
    # --- groups ---
    "AdminAddUserToGroup": Rule(IndexEffect.GROUP_MEMBER_ADDED),
    "AdminRemoveUserFromGroup": Rule(IndexEffect.GROUP_MEMBER_REMOVED),
    "DeleteGroup": Rule(IndexEffect.GROUP_DELETED, user_at=None),
    "CreateGroup": _NONE,  # a new group has no members
    "UpdateGroup": _NONE,  # description, role, precedence: not indexed (a group cannot be renamed)
    # --- pools ---
    "CreateUserPool": Rule(IndexEffect.POOL_CREATED, user_at=None),
    "DeleteUserPool": Rule(IndexEffect.POOL_DELETED, user_at=None),
    "UpdateUserPool": _POOL_CHANGED,
    "AddCustomAttributes": _POOL_CHANGED,
    # Users arrive while the job runs, after this call, and no event names them.
    "StartUserImportJob": Rule(IndexEffect.POOL_USERS_CHANGED, user_at=None),
    # --- nothing the index keeps: sign-in and tokens ---
    "InitiateAuth": _NONE,
    "AdminInitiateAuth": _NONE,
    "GetTokensFromRefreshToken": _NONE,
    "GetClientToken": _NONE,
    "RevokeToken": _NONE,
    "GlobalSignOut": _NONE,
    "AdminUserGlobalSignOut": _NONE,
    "ForgotPassword": _NONE,  # sends a code; the status changes only when it is confirmed
    "ResendConfirmationCode": _NONE,
    "GetUserAttributeVerificationCode": _NONE,
    # --- MFA, devices, passkeys, risk feedback: not indexed (they load from Cognito) ---
    "AdminSetUserMFAPreference": _NONE,
    "SetUserMFAPreference": _NONE,
    "AdminSetUserSettings": _NONE,
    "SetUserSettings": _NONE,
    "AssociateSoftwareToken": _NONE,
    "VerifySoftwareToken": _NONE,
    "AdminDeleteSoftwareToken": _NONE,
    "ConfirmDevice": _NONE,
    "ForgetDevice": _NONE,
    "AdminForgetDevice": _NONE,
    "UpdateDeviceStatus": _NONE,
    "AdminUpdateDeviceStatus": _NONE,
    "StartWebAuthnRegistration": _NONE,
    "CompleteWebAuthnRegistration": _NONE,
    "DeleteWebAuthnCredential": _NONE,
    "UpdateAuthEventFeedback": _NONE,
    "AdminUpdateAuthEventFeedback": _NONE,
    # --- the pool's other resources and settings ---
    "SetUserPoolMfaConfig": _NONE,
    "SetRiskConfiguration": _NONE,
    "SetLogDeliveryConfiguration": _NONE,
    "SetUICustomization": _NONE,
    "CreateUserImportJob": _NONE,
    "StopUserImportJob": _NONE,
    "CreateUserPoolReplica": _NONE,
    "UpdateUserPoolReplica": _NONE,
    "DeleteUserPoolReplica": _NONE,
    "CreateUserPoolClient": _NONE,  # a clientId the consumer does not know yet: it looks the pool up again
    "UpdateUserPoolClient": _NONE,
    "DeleteUserPoolClient": _NONE,
    "AddUserPoolClientSecret": _NONE,
    "DeleteUserPoolClientSecret": _NONE,
    "CreateIdentityProvider": _NONE,
    "UpdateIdentityProvider": _NONE,
    "DeleteIdentityProvider": _NONE,
    "CreateResourceServer": _NONE,
    "UpdateResourceServer": _NONE,
    "DeleteResourceServer": _NONE,
    "CreateUserPoolDomain": _NONE,
    "UpdateUserPoolDomain": _NONE,
    "DeleteUserPoolDomain": _NONE,
    "CreateManagedLoginBranding": _NONE,
    "UpdateManagedLoginBranding": _NONE,
    "DeleteManagedLoginBranding": _NONE,
    "CreateTerms": _NONE,
    "UpdateTerms": _NONE,
    "DeleteTerms": _NONE,
    "TagResource": _NONE,
    "UntagResource": _NONE,
    "UpdateProvisionedLimit": _NONE,
}


def event_pattern() -> dict[str, Any]:
    """The EventBridge rule pattern that sends the queue exactly the calls that may change the index: successful ones
    (CloudTrail writes no ``errorCode``) of the operations whose effect is not :attr:`IndexEffect.NONE`."""
    return {
        "source": [EVENT_SOURCE],
        "detail-type": [CLOUDTRAIL_API_CALL],
        "detail": {
            "eventSource": ["cognito-idp.amazonaws.com"],
            "eventName": sorted(name for name, rule in RULES.items() if rule.effect is not IndexEffect.NONE),
            "errorCode": [{"exists": False}],
        },
    }


class MalformedEvent(ValueError):
    """A message that is not an EventBridge event with a CloudTrail record: deleted, never retried.

    Its message says what is wrong and never quotes the body (which may hold personal data)."""


@dataclass(frozen=True)
class Change:
    """One Cognito call recorded by CloudTrail, as the index sees it.

    Where it happened: ``pool_id`` when the request names the pool; else ``client_id`` for a self-service call (the
    consumer finds the pool among the indexed pools' app clients); else neither, for a call made with an access token
    (the consumer finds the user by ``sub`` among the indexed pools of ``region``).
    Who: ``username`` when CloudTrail records it, else ``sub`` (look the user up by ``sub``); a change that
    :attr:`IndexEffect.names_a_user` has at least one of them (when CloudTrail recorded neither, the change is
    :attr:`IndexEffect.POOL_USERS_CHANGED` instead).
    """

    effect: IndexEffect
    event_name: str
    event_id: str | None = None
    event_time: datetime | None = None
    region: str | None = None
    pool_id: str | None = None
    client_id: str | None = None
    # A username may be an email address or a phone number: kept out of the repr, and so out of logs.
    username: str | None = field(default=None, repr=False)
    sub: str | None = None
    group_name: str | None = None
    # The call failed (CloudTrail's errorCode): it changed nothing, whatever its operation.
    error_code: str | None = None

    @property
    def relevant(self) -> bool:
        """Whether the index has anything to do."""
        return self.effect is not IndexEffect.NONE

    @property
    def needs_pool_lookup(self) -> bool:
        """The call named an app client, not its pool."""
        return self.pool_id is None and self.client_id is not None


def parse_change(body: str | bytes | Mapping[str, Any]) -> Change:
    """The change one SQS message body reports: an EventBridge event (or an SNS notification carrying one).

    An event from another source or of another kind, a failed call, or an operation that changes nothing indexed is a
    change with :attr:`IndexEffect.NONE`. Raises :class:`MalformedEvent` when the body is not such an event at all.
    """
    envelope = _unwrap(_load(body))
    detail = envelope.get("detail")
    if not isinstance(detail, Mapping):
        raise MalformedEvent("the event has no `detail` object")
    event_name = detail.get("eventName")
    if not isinstance(event_name, str) or not event_name:
        raise MalformedEvent("the event's detail has no `eventName`")
    event_time = _timestamp(detail.get("eventTime") or envelope.get("time"))
    region = _text(detail.get("awsRegion")) or _text(envelope.get("region"))
    base = {
        "event_name": event_name,
        "event_id": _text(detail.get("eventID")) or _text(envelope.get("id")),
        "event_time": event_time,
        "region": region,
    }
    if envelope.get("source") != EVENT_SOURCE or envelope.get("detail-type") != CLOUDTRAIL_API_CALL:
        return Change(IndexEffect.NONE, **base)
    request = _object(detail.get("requestParameters"), "requestParameters")
    extra = _object(detail.get("additionalEventData"), "additionalEventData")
    error_code = _text(detail.get("errorCode"))
    rule = RULES.get(event_name, _NONE)
    effect = rule.effect
    if error_code or (rule.challenges is not None and request.get("challengeName") not in rule.challenges):
        effect = IndexEffect.NONE
    pool_id = _text(request.get("userPoolId")) or _text(extra.get("userPoolId"))
    if effect is IndexEffect.POOL_CREATED:
        pool_id = pool_id or _created_pool_id(detail.get("responseElements"))
    if pool_id is not None and not _POOL_ID.fullmatch(pool_id):
        raise MalformedEvent(f"{event_name}'s userPoolId is not a user pool ID")
    username = _text(_at(request, rule.user_at)) if rule.user_at else None
    sub = _text(extra.get("sub"))
    if effect.names_a_user and username is None and sub is None:
        effect = IndexEffect.POOL_USERS_CHANGED  # a user changed and nothing recorded says which
    return Change(
        effect,
        **base,
        pool_id=pool_id,
        client_id=_text(request.get("clientId")),
        username=username,
        sub=sub,
        group_name=_text(request.get("groupName")),
        error_code=error_code,
    )


def _load(body: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        loaded = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedEvent(f"the body is not JSON ({type(error).__name__})") from None
    if not isinstance(loaded, dict):
        raise MalformedEvent("the body is not a JSON object")
    return loaded


def _unwrap(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    """The EventBridge event itself, when an SNS topic between the rule and the queue wrapped it."""
    if envelope.get("Type") == "Notification" and isinstance(envelope.get("Message"), str):
        return _load(envelope["Message"])
    return envelope


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEvent(f"the event's `{name}` is not an object")
    return value


def _text(value: Any) -> str | None:
    """A recorded string, or None when it is absent, empty or hidden by CloudTrail."""
    if not isinstance(value, str) or not value or value == HIDDEN:
        return None
    return value


def _at(values: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = values
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _created_pool_id(response: Any) -> str | None:
    # CloudTrail records the response like the request, in lowerCamelCase: {"userPool": {"id": ...}}.
    return _text(_at(response, ("userPool", "id"))) if isinstance(response, Mapping) else None


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
