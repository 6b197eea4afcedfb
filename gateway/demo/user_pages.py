"""ListUsers and ListUsersInGroup pages in time proportional to the page, not to the pool.

Why: moto 5.2.5 answers every page by building the whole result (``list(pool.users.values())``, filtered, or every
pool user tested for group membership) and then finding the token's user in it from the start, so a page costs
O(pool): in a 10,000-user demo pool, 5 ms of moto's time per ListUsers page (3 ms per ListUsersInGroup page of a
2,500-member group), where this takes 0.3 ms; the rest of a page (moto's serializer, 6 ms for 60 users, and HTTP)
does not grow with the pool.  A full directory sync (``python -m bench.index_sync``) reads every page in turn.

How: moto's containers stay the containers, with a mutation counter: each pool's ``users`` (moto's ``OrderedDict``)
becomes a :class:`CountedUsers` and each group's ``users`` (moto's ``set``) a :class:`CountedMembers`, from their
``__init__`` on.  While the counters stand, the pool's order (moto's: the dict's insertion order) and each group's
members in that order are kept as lists with each user's position, built once after a change.  A page starts at the
token's user's position and reads on until it has ``Limit`` users and the next one (a Filter is tested on the users
read, so a sparse filter still reads past the users it skips).

Exactly moto's answers: the same order, the same response shapes (moto's own ``to_json``), the same tokens (moto's
:class:`~moto.utilities.paginator.Paginator` decodes and encodes them, so a token of either is valid in the other),
the same errors in the same order (an undecodable token, then the pool and group, then the filter, then a token whose
user is gone or no longer matches: ``Resource not found!``), the Filter grammar of moto's ``list_users``.  Requests
the fast path does not cover (a missing pool or group, a Limit that is not a positive integer, a pool created before
:func:`install`) go to moto's handler, which the wrapper keeps as ``__wrapped__``.
"""

from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from botocore.model import Shape
from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import CognitoIdpGroup, CognitoIdpUser, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.cognitoidp.utils import PAGINATION_MODEL
from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import InvalidToken
from moto.core.responses import ActionResult
from moto.core.serialize import TimestampSerializer
from moto.core.utils import get_service_model
from moto.utilities.paginator import Paginator

from gateway.demo.requests import Handler

__all__ = ["CountedMembers", "CountedUsers", "install"]

Predicate = Callable[[CognitoIdpUser], bool]


class CountedUsers(OrderedDict[str, CognitoIdpUser]):
    """moto's ``pool.users`` (username -> user, in insertion order) that counts its changes.

    The count moves after the change (moto's server is threaded): an order built under a count never misses a
    change made before that count.
    """

    changes = 0
    _order: tuple[int, _Order] | None = None

    def __setitem__(self, key: str, value: CognitoIdpUser) -> None:
        super().__setitem__(key, value)
        self.changes += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.changes += 1

    def pop(self, *args: Any) -> Any:
        result = super().pop(*args)
        self.changes += 1
        return result

    def popitem(self, last: bool = True) -> tuple[str, CognitoIdpUser]:
        result = super().popitem(last)
        self.changes += 1
        return result

    def setdefault(self, key: str, default: Any = None) -> Any:
        result = super().setdefault(key, default)
        self.changes += 1
        return result

    def move_to_end(self, key: str, last: bool = True) -> None:
        super().move_to_end(key, last)
        self.changes += 1

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.changes += 1

    def clear(self) -> None:
        super().clear()
        self.changes += 1

    def __ior__(self, other: Any) -> CountedUsers:  # type: ignore[override,misc]
        self.update(other)
        return self

    def order(self) -> _Order:
        """The users in moto's order, with their positions; rebuilt after a change."""
        changes, cached = self.changes, self._order
        if cached is None or cached[0] != changes:
            cached = self._order = (changes, _Order.of(list(self.values())))
        return cached[1]


class CountedMembers(set[CognitoIdpUser]):
    """moto's ``group.users`` that counts its changes."""

    changes = 0
    _order: tuple[tuple[int, int], _Order] | None = None

    def _changed(self) -> None:
        self.changes += 1

    def add(self, user: CognitoIdpUser) -> None:
        super().add(user)
        self._changed()

    def discard(self, user: CognitoIdpUser) -> None:
        super().discard(user)
        self._changed()

    def remove(self, user: CognitoIdpUser) -> None:
        super().remove(user)
        self._changed()

    def pop(self) -> CognitoIdpUser:
        result = super().pop()
        self._changed()
        return result

    def clear(self) -> None:
        super().clear()
        self._changed()

    def update(self, *others: Iterable[CognitoIdpUser]) -> None:
        super().update(*others)
        self._changed()

    def difference_update(self, *others: Iterable[Any]) -> None:
        super().difference_update(*others)
        self._changed()

    def intersection_update(self, *others: Iterable[Any]) -> None:
        super().intersection_update(*others)
        self._changed()

    def symmetric_difference_update(self, other: Iterable[CognitoIdpUser]) -> None:
        super().symmetric_difference_update(other)
        self._changed()

    def __ior__(self, other: Any) -> CountedMembers:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __iand__(self, other: Any) -> CountedMembers:  # type: ignore[override,misc]
        self.intersection_update(other)
        return self

    def __isub__(self, other: Any) -> CountedMembers:  # type: ignore[override,misc]
        self.difference_update(other)
        return self

    def __ixor__(self, other: Any) -> CountedMembers:  # type: ignore[override,misc]
        self.symmetric_difference_update(other)
        return self

    def order(self, pool_users: CountedUsers) -> _Order:
        """The pool's users that are members, in the pool's order (moto's), with their positions."""
        key = (pool_users.changes, self.changes)
        cached = self._order
        if cached is None or cached[0] != key:
            pool_order = pool_users.order()
            members = [user for user in list(self) if pool_order.holds(user)]
            members.sort(key=lambda user: pool_order.position[user.id])
            cached = self._order = (key, _Order.of(members))
        return cached[1]


@dataclass(frozen=True)
class _Order:
    users: list[CognitoIdpUser]
    position: dict[str, int]  # by user id, moto's token attribute

    @classmethod
    def of(cls, users: list[CognitoIdpUser]) -> _Order:
        return cls(users, {user.id: index for index, user in enumerate(users)})

    def holds(self, user: CognitoIdpUser) -> bool:
        index = self.position.get(user.id)
        return index is not None and self.users[index] is user


# -- moto's Filter of ListUsers (moto.cognitoidp.models.CognitoIdpBackend.list_users), as a predicate -----------

_FILTER: Final = re.compile(r"([\w:]+)\s*(=|\^=)\s*\"(.*)\"")
_FILTER_ATTRIBUTES: Final = frozenset(
    {
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
    }
)
_INHERENT: Final[dict[str, Callable[[CognitoIdpUser], str]]] = {
    "cognito:user_status": lambda user: user.status,
    "status": lambda user: "Enabled" if user.enabled else "Disabled",
    "username": lambda user: user.username,
}


def _filter(expression: str | None) -> Predicate | None:
    """moto's Filter: ``name = "value"`` or ``name ^= "value"`` on a stored attribute or an inherent one."""
    if not expression:
        return None
    match = _FILTER.match(expression)
    if not match:
        raise InvalidParameterException("Error while parsing filter")
    name, operator, value = match.groups()
    if name not in _FILTER_ATTRIBUTES:
        raise InvalidParameterException(f"Invalid search attribute: {name}")

    def compare(actual: str) -> bool:
        return actual == value if operator == "=" else actual.startswith(value)

    inherent = _INHERENT.get(name)

    def matches(user: CognitoIdpUser) -> bool:
        return any(attribute["Name"] == name and compare(attribute["Value"]) for attribute in user.attributes) or (
            inherent is not None and compare(inherent(user))
        )

    return matches


# -- a page ---------------------------------------------------------------------------------------------------


def _paginator(operation: str, limit: Any, token: Any) -> Paginator:
    """moto's paginator for ``operation``, as moto's ``@paginate`` builds it (its positional arguments are not
    checked against the token, so the checksum is of no parameters): decodes the token, or InvalidToken."""
    config = PAGINATION_MODEL[operation]
    return Paginator(
        max_results=limit,
        max_results_default=config["limit_default"],
        starting_token=token,
        unique_attribute=config["unique_attribute"],
        param_values_to_check={},
    )


def _page(order: _Order, paginator: Paginator, matches: Predicate | None) -> tuple[list[CognitoIdpUser], str | None]:
    """moto's ``Paginator.paginate`` over ``order``'s users that match, reading only the page and the next match."""
    start = 0
    parsed = paginator._parsed_token
    if parsed is not None:
        index = order.position.get(parsed["uniqueAttributes"].split("|")[0])
        if index is None or (matches is not None and not matches(order.users[index])):
            raise InvalidToken("Resource not found!")
        start = index
    size: int = paginator._max_results
    page: list[CognitoIdpUser] = []
    for index in range(start, len(order.users)):
        user = order.users[index]
        if matches is None or matches(user):
            if len(page) == size:
                return page, paginator._build_next_token(user)
            page.append(user)
    return page, None


def _fast_path_limit(limit: Any) -> bool:
    """A Limit moto's paginator reads as a page size (absent, 0: 60); anything else is left to moto."""
    return limit is None or (isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0)


def _pool(response: CognitoIdpResponse) -> CognitoIdpUserPool | None:
    pool = response.backend.user_pools.get(response._get_param("UserPoolId"))
    return pool if pool is not None and isinstance(pool.users, CountedUsers) else None


def _list_users(moto_list_users: Handler) -> Handler:
    @functools.wraps(moto_list_users)
    def list_users(self: CognitoIdpResponse) -> ActionResult | TYPE_RESPONSE:
        limit = self._get_param("Limit")
        pool = _pool(self)
        if pool is None or not _fast_path_limit(limit):
            return moto_list_users(self)
        paginator = _paginator("list_users", limit, self._get_param("PaginationToken"))
        matches = _filter(self._get_param("Filter"))
        users, token = _page(pool.users.order(), paginator, matches)
        attributes_to_get = self._get_param("AttributesToGet")
        response: dict[str, Any] = {
            "Users": [user.to_json(extended=True, attributes_to_get=attributes_to_get) for user in users]
        }
        if token:
            response["PaginationToken"] = str(token)
        return _serialized(self, "ListUsers", response)

    return list_users


def _list_users_in_group(moto_list_users_in_group: Handler) -> Handler:
    @functools.wraps(moto_list_users_in_group)
    def list_users_in_group(self: CognitoIdpResponse) -> ActionResult | TYPE_RESPONSE:
        limit = self._get_param("Limit")
        pool = _pool(self)
        group: CognitoIdpGroup | None = pool.groups.get(self._get_param("GroupName")) if pool is not None else None
        if pool is None or group is None or not isinstance(group.users, CountedMembers) or not _fast_path_limit(limit):
            return moto_list_users_in_group(self)
        paginator = _paginator("list_users_in_group", limit, self._get_param("NextToken"))
        users, token = _page(group.users.order(pool.users), paginator, None)
        return _serialized(
            self, "ListUsersInGroup", {"Users": [user.to_json(extended=True) for user in users], "NextToken": token}
        )

    return list_users_in_group


# -- the answer ------------------------------------------------------------------------------------------------


def _serialized(response: CognitoIdpResponse, operation: str, result: dict[str, Any]) -> TYPE_RESPONSE:
    """``result`` as moto's serializer writes it (its status and headers, the request ID among them), in a tenth of
    its time: moto's serializer, driven by the model value by value, took 16 ms of a 60-user page, more than the rest
    of moto's work on it.  The body is :func:`_plain` of the operation's output shape."""
    status, headers, _ = response.serialized(ActionResult({}))
    return status, headers, json.dumps(_plain(_output_shape(operation), result))


@functools.cache
def _output_shape(operation: str) -> Shape:
    shape = get_service_model("cognito-idp").operation_model(operation).output_shape
    assert shape is not None
    return shape


def _plain(shape: Shape, value: Any) -> Any:
    """``value`` as moto's JSON serializer writes it for ``shape``: a structure's members by their names, those
    that are None left out; timestamps as epoch seconds truncated to milliseconds; everything else as it is (the
    users' values are JSON's own types)."""
    kind = shape.type_name
    if kind == "structure":
        return {
            name: _plain(member, item)
            for name, member in shape.members.items()  # type: ignore[attr-defined]
            if (item := value.get(name)) is not None
        }
    if kind == "list":
        return [_plain(shape.member, item) for item in value]  # type: ignore[attr-defined]
    if kind == "timestamp":
        return TimestampSerializer._timestamp_unixtimestamp(value)
    return value


def _with_counted_users(init: Callable[..., None], counted: type[CountedUsers | CountedMembers]) -> Callable[..., None]:
    """Wrap a pool's or group's ``__init__``: its ``users`` become the counting kind of moto's container."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.users = counted(self.users)

    return wrapper


def install() -> None:
    """Count the changes of pools' and groups' users from their creation on, and page them in O(page).

    Called once, by :func:`gateway.demo.extensions.install` (which guards against a second call).
    """
    CognitoIdpUserPool.__init__ = _with_counted_users(CognitoIdpUserPool.__init__, CountedUsers)  # type: ignore[method-assign]
    CognitoIdpGroup.__init__ = _with_counted_users(CognitoIdpGroup.__init__, CountedMembers)  # type: ignore[method-assign]
    CognitoIdpResponse.list_users = _list_users(CognitoIdpResponse.list_users)  # type: ignore[method-assign]
    CognitoIdpResponse.list_users_in_group = _list_users_in_group(  # type: ignore[method-assign]
        CognitoIdpResponse.list_users_in_group
    )
