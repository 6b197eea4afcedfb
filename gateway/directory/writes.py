"""Read-your-writes (DESIGN.md section 8, "Freshness"): a mutation through the gateway that changes a user updates the
directory index before its response is sent, so the very next ``searchUsers`` sees it.

``EFFECTS`` says, once per Cognito operation, how its success changes the index; the mutation path calls
:func:`apply_write` after every successful call. The effect comes from the request and Cognito's response wherever
they tell it (enabled, a status, attributes set or deleted, a membership, a created user's record, a deletion): no
Cognito call. Where the new state depends on the pool's configuration and cannot be known from them, the user is read
again with one AdminGetUser (``REREADS``: through the request's loader, so the payload's ``user`` then costs
nothing more). Only pools the index holds (READY or SYNCING) are written; a pool it does not know is left alone.

A partial change (enabled, a status, attributes, a membership) needs the user as indexed: it is found by username,
else by ``sub``. A name the index does not know is, in a READY pool, an alias (or news to the index): the user is
read back, once; in a SYNCING pool the change is skipped (the sync brings the user). A whole record (a created or
read-back user) is written even when the user was not indexed yet. A user deleted by an alias is left to the
reconcile scan (it cannot be read back).

A failure to write the index never turns a successful Cognito write into an error: it is logged (operation, pool
and the error's type: never the request, which may hold passwords) and counted (``index_write_failures``), and the
reconcile scan (``GATEWAY_INDEX_RECONCILE_SECONDS``) repairs the index. Changes made outside the gateway arrive
through the events queue (:mod:`gateway.directory.changes`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.directory.records import IndexedGroup, IndexedUser, IndexState
from gateway.directory.repository import IndexRepository
from gateway.store.tables import utcnow

logger = logging.getLogger(__name__)

# The index keeps these pools' users up to date; a FAILED first sync or an unknown pool holds nothing to keep.
WRITTEN_STATES = frozenset({IndexState.READY, IndexState.SYNCING})

# read_user(user pool ID, username or alias) -> AdminGetUser's response
ReadUser = Callable[[str, str], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Write:
    """One successful Cognito write, as its effect on the index sees it."""

    repository: IndexRepository
    user_pool_id: str
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    read_user: ReadUser
    ready: bool  # the pool's index is READY: it holds every user (SYNCING: not all of them yet)


Effect = Callable[[Write], Awaitable[None]]
Rewrite = Callable[[Mapping[str, str]], Mapping[str, str]]  # a user's attributes -> their new values


# --- the user a request names --------------------------------------------------------------------


async def _indexed(write: Write, name: str | None) -> IndexedUser | None:
    """The user ``name`` names, as indexed: by username, else by ``sub`` (what Cognito also takes in ``Username``).
    Not an alias (an email where it is the username): see :func:`_unknown`."""
    if not name:
        return None
    repository, pool = write.repository, write.user_pool_id
    user = await repository.get_user(pool, name)
    if user is None and (username := await repository.username_for_sub(pool, name)) is not None:
        user = await repository.get_user(pool, username)
    return user


async def _unknown(write: Write, name: str | None) -> str | None:
    """After changing a user the index does not know by ``name``: in a READY pool, which holds every user, the name
    is an alias (an email or phone number, where the pool signs in with them) or the index is behind, and the user
    read back (one AdminGetUser, only then) is its whole state after the change; its username. In a SYNCING pool the
    user may just not be indexed yet: the sync brings it, at no call."""
    return await _reread(write, name) if write.ready else None


async def _change(write: Write, *, attributes: Rewrite | None = None, **fields: Any) -> None:
    """A partial change of the user the request names: ``fields`` set, its ``attributes`` rewritten (which Cognito
    stamps as a modification); its groups are left as they are."""
    user = await _indexed(write, write.request.get("Username"))
    if user is None:
        await _unknown(write, write.request.get("Username"))
        return
    if attributes is not None:
        fields.update(attributes=attributes(user.attributes), user_last_modified_date=utcnow())
    await write.repository.upsert_user(write.user_pool_id, dataclasses.replace(user, groups=None, **fields))


# --- effects -------------------------------------------------------------------------------------


def _set(**changes: Any) -> Effect:
    """Fields that become known values (enabled, a status)."""

    async def effect(write: Write) -> None:
        await _change(write, **changes)

    return effect


async def _password_set(write: Write) -> None:
    # A permanent password confirms the user; a temporary one asks for a new one at the next sign-in.
    status = "CONFIRMED" if write.request.get("Permanent") else "FORCE_CHANGE_PASSWORD"
    await _change(write, user_status=status)


# Attributes whose change Cognito may hold until verified (the pool's UserAttributeUpdateSettings) and whose
# `*_verified` it resets unless the request sets it: their new values depend on the pool, not the request alone.
_VERIFIED = {"email": "email_verified", "phone_number": "phone_number_verified"}


async def _reread(write: Write, name: str | None) -> str | None:
    """The state Cognito has now, read with one AdminGetUser (only where the request does not tell it) and written
    whole; the user's username."""
    if not name:
        return None
    user = IndexedUser.from_cognito(await write.read_user(write.user_pool_id, name))
    await write.repository.upsert_user(write.user_pool_id, user)  # groups None: memberships are left as they are
    return user.username


async def _attributes_updated(write: Write) -> None:
    pairs = {pair["Name"]: pair.get("Value", "") for pair in write.request.get("UserAttributes") or ()}
    if any(name in pairs and verified not in pairs for name, verified in _VERIFIED.items()):
        # A new email or phone number without its *_verified: Cognito resets the flag, and with "keep the original
        # value until verified" keeps the old address. Which one applies is the pool's setting: read the user.
        await _reread(write, write.request.get("Username"))
        return
    await _change(write, attributes=lambda had: {**had, **pairs})


async def _attributes_deleted(write: Write) -> None:
    names = set(write.request.get("UserAttributeNames") or ())
    if names & _VERIFIED.keys():
        # Deleting an email or phone number also drops what depends on it (its *_verified, an alias): read the user.
        await _reread(write, write.request.get("Username"))
        return
    await _change(write, attributes=lambda had: {name: value for name, value in had.items() if name not in names})


async def _user_created(write: Write) -> None:
    record = write.response.get("User")
    if not record:
        return
    # A new user belongs to no group; a RESEND answers an existing user, whose memberships stay. (An alias taken
    # from another user with ForceAliasCreation changes that user too: left to the events queue and reconcile.)
    groups = None if write.request.get("MessageAction") == "RESEND" else ()
    await write.repository.upsert_user(write.user_pool_id, IndexedUser.from_cognito(record, groups))


async def _user_deleted(write: Write) -> None:
    user = await _indexed(write, write.request.get("Username"))
    # A user deleted by an alias cannot be read back to find its username: the reconcile scan removes it.
    if user is not None:
        await write.repository.delete_user(write.user_pool_id, user.username)


async def _member(write: Write) -> str | None:
    name = write.request.get("Username")
    user = await _indexed(write, name)
    return user.username if user is not None else await _unknown(write, name)


async def _joined(write: Write) -> None:
    if (username := await _member(write)) is not None:
        await write.repository.add_membership(write.user_pool_id, username, write.request["GroupName"])


async def _left(write: Write) -> None:
    if (username := await _member(write)) is not None:
        await write.repository.remove_membership(write.user_pool_id, username, write.request["GroupName"])


async def _group_written(write: Write) -> None:
    if write.response.get("Group"):
        await write.repository.upsert_groups(write.user_pool_id, [IndexedGroup.from_cognito(write.response["Group"])])


async def _group_deleted(write: Write) -> None:
    await write.repository.delete_group(write.user_pool_id, write.request["GroupName"])


async def _pool_deleted(write: Write) -> None:
    await write.repository.drop_pool(write.user_pool_id)


async def _reread_named(write: Write) -> None:
    """A flow whose effect depends on the pool (auto-verified attributes, email as the username): read the user."""
    await _reread(write, _username(write.request))


async def _linked(write: Write) -> None:
    # The destination user, a Cognito user named by its username, gains the link (its `identities`), in a form
    # Cognito decides: read it.
    destination = write.request.get("DestinationUser") or {}
    if destination.get("ProviderName") == "Cognito":
        await _reread(write, destination.get("ProviderAttributeValue"))


def _username(request: Mapping[str, Any]) -> str | None:
    for member in ("ChallengeResponses", "AuthParameters"):
        if isinstance(request.get(member), Mapping) and isinstance(request[member].get("USERNAME"), str):
            return request[member]["USERNAME"]
    return request.get("Username")


async def _new_password(write: Write) -> None:
    # NEW_PASSWORD_REQUIRED answered confirms the user and may set attributes (userAttributes.*): read it.
    if write.request.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        await _reread_named(write)


EFFECTS: Mapping[str, Effect] = {
    "AdminCreateUser": _user_created,
    "AdminDeleteUser": _user_deleted,
    "AdminEnableUser": _set(enabled=True),
    "AdminDisableUser": _set(enabled=False),
    "AdminUpdateUserAttributes": _attributes_updated,
    "AdminDeleteUserAttributes": _attributes_deleted,
    "AdminConfirmSignUp": _set(user_status="CONFIRMED"),
    # The user must set a new password (its verified email or phone gets a code) before it signs in again.
    "AdminResetUserPassword": _set(user_status="RESET_REQUIRED"),
    "AdminSetUserPassword": _password_set,
    "AdminAddUserToGroup": _joined,
    "AdminRemoveUserFromGroup": _left,
    "CreateGroup": _group_written,
    "UpdateGroup": _group_written,
    "DeleteGroup": _group_deleted,
    "DeleteUserPool": _pool_deleted,
    "AdminLinkProviderForUser": _linked,
    # Client-side flows (their pool is known only when the input names it). Their effect depends on the pool: a
    # sign-up's username is the sub when email is the username, a confirmation verifies what the code went to.
    "SignUp": _reread_named,
    "ConfirmSignUp": _reread_named,
    "ConfirmForgotPassword": _reread_named,
    "AdminRespondToAuthChallenge": _new_password,
    "RespondToAuthChallenge": _new_password,
}

# The operations above whose effect never needs Cognito: the others may read their user back with AdminGetUser (a
# state the request does not tell, a user named by an alias), and their mutations declare it.
_NEVER_READ = frozenset(
    {"AdminCreateUser", "AdminDeleteUser", "CreateGroup", "UpdateGroup", "DeleteGroup", "DeleteUserPool"}
)
REREADS: frozenset[str] = frozenset(EFFECTS.keys() - _NEVER_READ)

# Mutations of a user that change nothing the index keeps (MFA settings, sessions, devices, auth events), or whose
# user the request does not name: AdminDisableProviderForUser names a provider's identity, whose user is Cognito's
# to find; an import job's users arrive later. The events queue and the reconcile scan keep those.
NOT_INDEXED_EFFECTS: frozenset[str] = frozenset(
    {
        "AdminUserGlobalSignOut",
        "AdminSetUserMFAPreference",
        "AdminSetUserSettings",
        "AdminUpdateAuthEventFeedback",
        "AdminDeleteSoftwareToken",
        "AdminDisableProviderForUser",
        "AdminForgetDevice",
        "AdminUpdateDeviceStatus",
        "ConfirmDevice",
        # Signing in changes nothing indexed; a user migration trigger may create the user: the events queue.
        "AdminInitiateAuth",
        "InitiateAuth",
        "ForgotPassword",
        "ResendConfirmationCode",
        "RevokeToken",
        "GetTokensFromRefreshToken",
        "UpdateAuthEventFeedback",
        "StartUserImportJob",
    }
)


def also_reads(operation: str) -> tuple[str, ...]:
    """What a mutation of ``operation`` may call besides, to update the index (for its declaration)."""
    return ("AdminGetUser",) if operation in REREADS else ()


async def apply_write(
    repository: IndexRepository,
    operation: str,
    user_pool_id: str | None,
    request: Mapping[str, Any],
    response: Mapping[str, Any] | None,
    *,
    read_user: ReadUser,
    on_failure: Callable[[str], None] | None = None,
) -> None:
    """Update the index after ``operation`` succeeded on ``user_pool_id`` (None: a flow that did not name its
    pool, left to the events queue). Never raises: a failure is logged and reported to ``on_failure``
    (the operation's name), and the reconcile scan repairs the index."""
    effect = EFFECTS.get(operation)
    if effect is None or not user_pool_id:
        return
    try:
        state = (await repository.state(user_pool_id)).state
        if state not in WRITTEN_STATES:
            return
        await effect(Write(repository, user_pool_id, request, response or {}, read_user, state is IndexState.READY))
    except Exception as error:  # the write to Cognito succeeded: its answer must not become an error
        logger.warning(
            "index not updated after %s on %s (%s); the reconcile scan will repair it",
            operation,
            user_pool_id,
            type(error).__name__,
        )
        if on_failure is not None:
            on_failure(operation)
