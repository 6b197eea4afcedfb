"""Each job action's facts, once: the Cognito operation it sends per user, the request, and how a write whose answer
was lost is read back (DESIGN.md section 9: an unknown outcome is checked, never resent blindly).

``read_back`` answers True (it took effect: DONE), False (proven not written: send again) or None (it cannot be told:
the item stays UNKNOWN and is listed). GLOBAL_SIGN_OUT is harmless to repeat, so it is simply sent again; a password
reset is not (it sends the user a code each time) and cannot be read back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gateway.cognito.client import CognitoGateway
from gateway.cognito.errors import CognitoException
from gateway.jobs.records import JobAction, JobSpec

ReadBack = Callable[[CognitoGateway, JobSpec, str], Awaitable[bool | None]]


@dataclass(frozen=True)
class Action:
    operation: str
    request: Callable[[JobSpec, str], dict[str, Any]]
    read_back: ReadBack
    reads: tuple[str, ...] = ()  # what read_back calls


def _user_request(spec: JobSpec, username: str) -> dict[str, Any]:
    return {"UserPoolId": spec.user_pool_id, "Username": username}


def _group_request(spec: JobSpec, username: str) -> dict[str, Any]:
    return {**_user_request(spec, username), "GroupName": spec.group_name}


def _attributes_request(spec: JobSpec, username: str) -> dict[str, Any]:
    pairs = [{"Name": name, "Value": value} for name, value in spec.user_attributes]
    return {**_user_request(spec, username), "UserAttributes": pairs}


async def _user(cognito: CognitoGateway, spec: JobSpec, username: str) -> dict[str, Any] | None:
    try:
        return await cognito.call("AdminGetUser", **_user_request(spec, username))
    except CognitoException as failure:
        if failure.code == "UserNotFoundException":
            return None
        raise


def _enabled_is(wanted: bool) -> ReadBack:
    async def read_back(cognito: CognitoGateway, spec: JobSpec, username: str) -> bool | None:
        user = await _user(cognito, spec, username)
        return user is not None and bool(user.get("Enabled")) is wanted

    return read_back


async def _deleted(cognito: CognitoGateway, spec: JobSpec, username: str) -> bool | None:
    return await _user(cognito, spec, username) is None


async def _attributes_set(cognito: CognitoGateway, spec: JobSpec, username: str) -> bool | None:
    user = await _user(cognito, spec, username)
    if user is None:
        return False
    have = {pair["Name"]: pair.get("Value") for pair in user.get("UserAttributes") or ()}
    return all(have.get(name) == value for name, value in spec.user_attributes)


def _member_is(wanted: bool) -> ReadBack:
    async def read_back(cognito: CognitoGateway, spec: JobSpec, username: str) -> bool | None:
        try:
            groups = await cognito.paginate("AdminListGroupsForUser", "Groups", **_user_request(spec, username))
        except CognitoException as failure:
            if failure.code == "UserNotFoundException":
                return False
            raise
        return any(group["GroupName"] == spec.group_name for group in groups) is wanted

    return read_back


async def _repeatable(cognito: CognitoGateway, spec: JobSpec, username: str) -> bool | None:
    return False  # sending it again does no harm


async def _cannot_tell(cognito: CognitoGateway, spec: JobSpec, username: str) -> bool | None:
    return None


ACTIONS: dict[JobAction, Action] = {
    JobAction.DISABLE: Action("AdminDisableUser", _user_request, _enabled_is(False), ("AdminGetUser",)),
    JobAction.ENABLE: Action("AdminEnableUser", _user_request, _enabled_is(True), ("AdminGetUser",)),
    JobAction.ADD_TO_GROUP: Action(
        "AdminAddUserToGroup", _group_request, _member_is(True), ("AdminListGroupsForUser",)
    ),
    JobAction.REMOVE_FROM_GROUP: Action(
        "AdminRemoveUserFromGroup", _group_request, _member_is(False), ("AdminListGroupsForUser",)
    ),
    JobAction.GLOBAL_SIGN_OUT: Action("AdminUserGlobalSignOut", _user_request, _repeatable),
    JobAction.RESET_PASSWORD: Action("AdminResetUserPassword", _user_request, _cannot_tell),
    JobAction.DELETE: Action("AdminDeleteUser", _user_request, _deleted, ("AdminGetUser",)),
    JobAction.UPDATE_ATTRIBUTES: Action(
        "AdminUpdateUserAttributes", _attributes_request, _attributes_set, ("AdminGetUser",)
    ),
}
