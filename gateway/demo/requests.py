"""What the demo's operation families share: their registry, a request's members, pages, lookups.

moto's server dispatches a cognito-idp request to the method of
``moto.cognitoidp.responses.CognitoIdpResponse`` named after the operation in
snake case (``AdminListDevices`` -> ``admin_list_devices``).  Each family module
(:mod:`gateway.demo.extensions` and the modules next to it) keeps its responder
methods in an :class:`Operations` registry; :func:`gateway.demo.extensions.install`
installs every family's registry the same way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
    find_account_region_by_value,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

__all__ = [
    "MAX_PAGE",
    "Handler",
    "Operations",
    "admin_user",
    "client_pool",
    "paginate",
    "pool_and_client",
    "pool_state",
    "required_enum",
    "required_param",
    "with_token",
]

Handler = Callable[[CognitoIdpResponse], ActionResult]
T = TypeVar("T")
S = TypeVar("S")

MAX_PAGE: Final = 60  # the largest Limit/MaxResults of the paged operations the demo adds


class Operations(dict[str, Handler]):
    """One family's responder methods, by the snake-case name moto dispatches to, and its other changes to moto."""

    def __init__(self) -> None:
        super().__init__()
        self._setups: list[Callable[[], None]] = []

    def add(self, handler: Handler) -> Handler:
        """Decorator: ``handler`` answers the operation it is named after."""
        self[handler.__name__] = handler
        return handler

    def on_install(self, setup: Callable[[], None]) -> Callable[[], None]:
        """Decorator: ``setup`` changes moto beyond adding operations (wraps a handler, ...); run once, at install."""
        self._setups.append(setup)
        return setup

    def install(self) -> None:
        """Put the handlers on moto's responder and run the setups (only :func:`gateway.demo.extensions.install`)."""
        for name, handler in self.items():
            setattr(CognitoIdpResponse, name, handler)
        for setup in self._setups:
            setup()


# -- a request's members --------------------------------------------------------------


def required_param(response: CognitoIdpResponse, name: str) -> Any:
    """A required request member (botocore checks these too, but not every client does)."""
    value = response._get_param(name)
    if value is None or value == "":
        raise InvalidParameterException(
            f"1 validation error detected: Value null at '{name[0].lower()}{name[1:]}' "
            "failed to satisfy constraint: Member must not be null"
        )
    return value


def required_enum(response: CognitoIdpResponse, name: str, values: Sequence[str]) -> str:
    """A required request member that must be one of ``values`` (an enum of the model, or the part the demo serves)."""
    value = required_param(response, name)
    if value not in values:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at '{name[0].lower()}{name[1:]}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(values)}]"
        )
    return str(value)


# -- pages ------------------------------------------------------------------------------


def _page_size(value: Any, member: str) -> int:
    """Limit/MaxResults: 0..60, where 0 (or nothing) means 60."""
    if value is None:
        return MAX_PAGE
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterException(f"Invalid value for {member}: {value!r}")
    if value < 0:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0"
        )
    if value > MAX_PAGE:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_PAGE}"
        )
    return value or MAX_PAGE


def paginate(
    items: Sequence[T], key: Callable[[T], str], *, limit: Any, token: str | None, limit_member: str
) -> tuple[list[T], str | None]:
    """One page of ``items``; the token names the first item of the next page."""
    size = _page_size(limit, limit_member)
    start = 0
    if token is not None:
        try:
            wanted = base64.urlsafe_b64decode(token.encode()).decode()
        except (binascii.Error, UnicodeError):
            raise InvalidParameterException("Invalid pagination token.") from None
        found = next((index for index, item in enumerate(items) if key(item) == wanted), None)
        if found is None:
            raise InvalidParameterException("Invalid pagination token.")
        start = found
    end = start + size
    next_token = base64.urlsafe_b64encode(key(items[end]).encode()).decode() if end < len(items) else None
    return list(items[start:end]), next_token


def with_token(data: dict[str, Any], name: str, token: str | None) -> dict[str, Any]:
    """``data`` with the next page's token under ``name``, where there is a next page."""
    if token is not None:
        data[name] = token
    return data


# -- lookups ------------------------------------------------------------------------------


def admin_user(response: CognitoIdpResponse) -> CognitoIdpUser:
    """The user of an Admin* request: ResourceNotFound for the pool, UserNotFound for the user."""
    return response.backend.admin_get_user(required_param(response, "UserPoolId"), required_param(response, "Username"))


def client_pool(
    response: CognitoIdpResponse, client_id: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient] | None:
    """The pool and app client of ``client_id``, looked up in every region like moto does.

    Client-side operations (ResendConfirmationCode, RevokeToken, InitiateAuth)
    are not signed, so the request does not say which region it is for.
    """
    account, region = find_account_region_by_value(
        "client_id", client_id, fallback=(response.current_account, response.region)
    )
    for pool in cognitoidp_backends[account][region].user_pools.values():
        if client_id in pool.clients:
            return pool, pool.clients[client_id]
    return None


def pool_and_client(
    response: CognitoIdpResponse, user_pool_id: str, client_id: str
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    """The pool and one of its app clients; ResourceNotFoundException for either, as Cognito words it."""
    pool = response.backend.describe_user_pool(user_pool_id)
    client = pool.clients.get(client_id)
    if client is None:
        raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")
    return pool, client


def pool_state(pool: CognitoIdpUserPool, attribute: str, factory: Callable[[], S]) -> S:
    """State an extension keeps on moto's pool object, so ``POST /moto-api/reset`` drops it with the pool.

    ``setdefault`` on ``__dict__`` is atomic under the GIL: concurrent requests agree on one object.
    """
    return pool.__dict__.setdefault(attribute, factory())  # type: ignore[no-any-return]
