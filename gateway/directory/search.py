"""Searches of the directory index (DESIGN.md section 8), compiled into SQLAlchemy Core for SQLite and PostgreSQL:
conditions on any attribute or on ``username``, ``userStatus``, ``enabled``, ``group``, ``userCreateDate``,
``userLastModifiedDate``; free ``text``; sorts with keyset positions; exact counts; facets.

Operands are made with ``directory.values`` (``fold``, ``value_key``, ``parse_number``, ``parse_instant``), the same
functions that made the stored columns, so that both sides of every comparison are alike. Which index answers each
operator is in ``store.tables``' docstring. Bad input raises :class:`InvalidSearch` before any query.

A page's positions are plain JSON (the sort keys of its row, then the username); the graph layer seals them into
cursors. Keyset paging (``after`` a row's keys, not an offset) keeps a query's pages stable while users change.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    and_,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.directory.records import IndexedUser
from gateway.directory.values import fold, parse_instant, parse_number, value_key
from gateway.store import Database
from gateway.store.tables import VALUE_KEY_CHARS, attributes, groups, memberships, users

MAX_FIRST = 500
DEFAULT_FIRST = 50
MAX_FACET_VALUES = 100
# The shortest substring a trigram index can find; shorter ones scan the pool's rows.
TRIGRAM = 3
# Above every character: a prefix p's keys lie in [p, p + TOP).
TOP = "\U0010ffff"


class SearchOperator(StrEnum):
    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT_EQUALS"
    IN = "IN"
    NOT_IN = "NOT_IN"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    CONTAINS = "CONTAINS"
    EXISTS = "EXISTS"
    NOT_EXISTS = "NOT_EXISTS"
    GREATER_THAN = "GREATER_THAN"
    LESS_THAN = "LESS_THAN"


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


# The fields that are not attributes, and the columns they are.
USERNAME = "username"
USER_STATUS = "userStatus"
ENABLED = "enabled"
GROUP = "group"
USER_CREATE_DATE = "userCreateDate"
USER_LAST_MODIFIED_DATE = "userLastModifiedDate"
DATE_COLUMNS = {USER_CREATE_DATE: users.c.user_create_date, USER_LAST_MODIFIED_DATE: users.c.user_last_modified_date}
USER_FIELDS = frozenset({USERNAME, USER_STATUS, ENABLED, GROUP, *DATE_COLUMNS})

_ONE_VALUE = frozenset(
    {
        SearchOperator.EQUALS,
        SearchOperator.NOT_EQUALS,
        SearchOperator.STARTS_WITH,
        SearchOperator.ENDS_WITH,
        SearchOperator.CONTAINS,
        SearchOperator.GREATER_THAN,
        SearchOperator.LESS_THAN,
    }
)
_MANY_VALUES = frozenset({SearchOperator.IN, SearchOperator.NOT_IN})
_SUBSTRING = frozenset({SearchOperator.STARTS_WITH, SearchOperator.ENDS_WITH, SearchOperator.CONTAINS})
_ORDER = frozenset({SearchOperator.GREATER_THAN, SearchOperator.LESS_THAN})


class InvalidSearch(ValueError):
    """A search that cannot be run as given (the message says why); raised before any query."""


@dataclass(frozen=True)
class Condition:
    field: str
    operator: SearchOperator
    value: str | None = None
    values: Sequence[str] | None = None


@dataclass(frozen=True)
class Sort:
    field: str
    direction: SortDirection = SortDirection.ASC


@dataclass(frozen=True)
class Search:
    user_pool_id: str
    text: str | None = None
    conditions: Sequence[Condition] = ()
    sort: Sequence[Sort] = ()
    first: int = DEFAULT_FIRST
    after: str | None = None  # a position of an earlier page of this same search

    def listing(self) -> bytes:
        """What identifies the search apart from its page (the associated data of its sealed cursors)."""
        return json.dumps(
            [
                "searchUsers",
                self.user_pool_id,
                self.text,
                [
                    [c.field, str(c.operator), c.value, list(c.values) if c.values is not None else None]
                    for c in self.conditions
                ],
                [[s.field, str(s.direction)] for s in self.sort],
            ],
            separators=(",", ":"),
        ).encode()


class Hit:
    """A user found, and its position: where the next page starts when it is the last row seen. The position is
    written when first asked for (given as a function): a page's 50 positions cost more than its users, and a page
    needs at most its first and last."""

    __slots__ = ("user", "_position")

    def __init__(self, user: IndexedUser, position: str | Callable[[], str]) -> None:
        self.user = user
        self._position = position

    @property
    def position(self) -> str:
        if not isinstance(self._position, str):
            self._position = self._position()
        return self._position

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hit) and (self.user, self.position) == (other.user, other.position)

    __hash__ = None  # type: ignore[assignment]  # as a dataclass's: equal by value, not hashable

    def __repr__(self) -> str:
        return f"Hit({self.user!r}, {self.position!r})"


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    has_next_page: bool


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Facet:
    field: str
    values: list[FacetValue] = field(default_factory=list)


def _key_kinds(search: Search) -> list[str]:
    """The kind of each sort key (``CompiledSearch.keys``, in order): an attribute sorts by three (its number, its
    instant, its text), and the username breaks ties."""
    kinds: list[str] = []
    for sort in search.sort:
        if sort.field in (USERNAME, USER_STATUS):
            kinds.append("text")
        elif sort.field == ENABLED:
            kinds.append("bool")
        elif sort.field in DATE_COLUMNS:
            kinds.append("time")
        else:
            kinds += ["number", "time", "text"]
    return [*kinds, "text"]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


@dataclass(frozen=True)
class _SortKey:
    expression: ColumnElement[Any]
    kind: str  # number, time, text, bool: how its value is written in a position
    descending: bool


class CompiledSearch:
    """One search, checked and compiled for ``database``'s engine."""

    def __init__(self, database: Database, search: Search) -> None:
        self.database = database
        self.search = search
        self.dialect = database.dialect
        _check(search)
        self._sort_joins: list[Any] = []
        self.kinds = _key_kinds(search)  # how each sort key's value is written in a position
        self.after = self._open_position(search.after) if search.after is not None else None

    @cached_property
    def where(self) -> ColumnElement[bool]:
        """The search's conditions in SQL: made when a query needs them (never when the columns answer)."""
        return and_(users.c.user_pool_id == self.search.user_pool_id, *self._filters())

    # Filters.

    def _filters(self) -> list[ColumnElement[bool]]:
        filters = [self._text_token(fold(token)) for token in (self.search.text or "").split()]
        filters += [self._condition(condition) for condition in self.search.conditions]
        return filters

    def _trigram(self, fts_table: str, token: str) -> ColumnElement[bool] | None:
        """SQLite: the rowids whose FTS5 trigram index holds ``token`` (None when it is too short for one)."""
        if self.dialect != "sqlite" or len(token) < TRIGRAM:
            return None
        fts = table(fts_table, column("rowid"))
        return select(fts.c.rowid).where(literal_column(fts_table).op("MATCH")(_fts_phrase(token)))  # type: ignore[return-value]

    def _text_token(self, token: str) -> ColumnElement[bool]:
        matched = self._trigram("directory_users_text", token)
        if matched is not None:
            return users.c.id.in_(matched)
        return users.c.search_text.like(f"%{_escape_like(token)}%", escape="\\")

    def _condition(self, condition: Condition) -> ColumnElement[bool]:
        if condition.field == GROUP:
            return self._group(condition)
        if condition.field == USERNAME:
            return self._username(condition)
        if condition.field == USER_STATUS:
            return self._column(users.c.user_status, condition)
        if condition.field == ENABLED:
            return self._enabled(condition)
        if condition.field in DATE_COLUMNS:
            return self._date(DATE_COLUMNS[condition.field], condition)
        return self._attribute(condition)

    def _group(self, condition: Condition) -> ColumnElement[bool]:
        operator = condition.operator
        member = memberships.c.user_id == users.c.id
        if operator in (SearchOperator.EQUALS, SearchOperator.NOT_EQUALS):
            found = exists().where(member, memberships.c.group_name == condition.value).correlate(users)
        elif operator in _MANY_VALUES:
            found = exists().where(member, memberships.c.group_name.in_(list(condition.values or ()))).correlate(users)
        else:  # EXISTS / NOT_EXISTS
            found = exists().where(member).correlate(users)
        negated = operator in (SearchOperator.NOT_EQUALS, SearchOperator.NOT_IN, SearchOperator.NOT_EXISTS)
        return not_(found) if negated else found

    def _username(self, condition: Condition) -> ColumnElement[bool]:
        operator, value = condition.operator, condition.value or ""
        if operator is SearchOperator.EQUALS:
            return users.c.username == value
        if operator is SearchOperator.NOT_EQUALS:
            return users.c.username != value
        if operator is SearchOperator.IN:
            return users.c.username.in_(list(condition.values or ()))
        if operator is SearchOperator.NOT_IN:
            return users.c.username.not_in(list(condition.values or ()))
        if operator is SearchOperator.EXISTS:
            return true()
        if operator is SearchOperator.NOT_EXISTS:
            return false()
        if operator is SearchOperator.STARTS_WITH:
            return _prefix(users.c.username_lower, fold(value), users.c.username_lower)
        if operator in _ORDER:
            return _compare(users.c.username_lower, fold(value), operator)
        # ENDS_WITH / CONTAINS: the username is search_text's first line, so the trigram index narrows the rows.
        token = fold(value)
        pattern = f"%{_escape_like(token)}" + ("%" if operator is SearchOperator.CONTAINS else "")
        checked = users.c.username_lower.like(pattern, escape="\\")
        if self.dialect == "postgresql" and len(token) >= TRIGRAM:
            return and_(users.c.search_text.like(f"%{_escape_like(token)}%", escape="\\"), checked)
        matched = self._trigram("directory_users_text", token)
        return checked if matched is None else and_(users.c.id.in_(matched), checked)

    def _column(self, target: Any, condition: Condition) -> ColumnElement[bool]:
        """A nullable string column of the user (userStatus)."""
        operator, value = condition.operator, condition.value or ""
        if operator is SearchOperator.EQUALS:
            return target == value
        if operator is SearchOperator.NOT_EQUALS:
            return or_(target.is_(None), target != value)
        if operator is SearchOperator.IN:
            return target.in_(list(condition.values or ()))
        if operator is SearchOperator.NOT_IN:
            return or_(target.is_(None), target.not_in(list(condition.values or ())))
        if operator is SearchOperator.EXISTS:
            return target.is_not(None)
        if operator is SearchOperator.NOT_EXISTS:
            return target.is_(None)
        if operator in _ORDER:
            return _compare(func.lower(target), fold(value), operator)
        pattern = _escape_like(fold(value))
        pattern = {
            SearchOperator.STARTS_WITH: f"{pattern}%",
            SearchOperator.ENDS_WITH: f"%{pattern}",
            SearchOperator.CONTAINS: f"%{pattern}%",
        }[operator]
        return func.lower(target).like(pattern, escape="\\")

    def _enabled(self, condition: Condition) -> ColumnElement[bool]:
        operator = condition.operator
        if operator is SearchOperator.EXISTS:
            return true()
        if operator is SearchOperator.NOT_EXISTS:
            return false()
        values = [_boolean(v) for v in ([condition.value] if operator in _ONE_VALUE else condition.values or ())]
        if operator is SearchOperator.EQUALS:
            return users.c.enabled == values[0]
        if operator is SearchOperator.NOT_EQUALS:
            return users.c.enabled != values[0]
        if operator is SearchOperator.IN:
            return users.c.enabled.in_(values)
        return users.c.enabled.not_in(values)

    def _date(self, target: Any, condition: Condition) -> ColumnElement[bool]:
        operator = condition.operator
        if operator is SearchOperator.EXISTS:
            return target.is_not(None)
        if operator is SearchOperator.NOT_EXISTS:
            return target.is_(None)
        values = [_instant(v) for v in ([condition.value] if operator in _ONE_VALUE else condition.values or ())]
        if operator is SearchOperator.EQUALS:
            return target == values[0]
        if operator is SearchOperator.NOT_EQUALS:
            return or_(target.is_(None), target != values[0])
        if operator is SearchOperator.IN:
            return target.in_(values)
        if operator is SearchOperator.NOT_IN:
            return or_(target.is_(None), target.not_in(values))
        return target > values[0] if operator is SearchOperator.GREATER_THAN else target < values[0]

    def _attribute(self, condition: Condition) -> ColumnElement[bool]:
        operator, value = condition.operator, condition.value or ""
        own = and_(
            attributes.c.user_id == users.c.id,
            attributes.c.user_pool_id == self.search.user_pool_id,
            attributes.c.name == condition.field,
        )
        if operator in (SearchOperator.EXISTS, SearchOperator.NOT_EXISTS):
            found = exists().where(own).correlate(users)
            return found if operator is SearchOperator.EXISTS else not_(found)
        if operator in (SearchOperator.EQUALS, SearchOperator.NOT_EQUALS):
            predicate = and_(attributes.c.value_key == value_key(value), attributes.c.value == value)
            found = exists().where(own, predicate).correlate(users)
            return found if operator is SearchOperator.EQUALS else not_(found)
        if operator in _MANY_VALUES:
            values = list(condition.values or ())
            predicate = and_(
                attributes.c.value_key.in_(sorted({value_key(v) for v in values})), attributes.c.value.in_(values)
            )
            found = exists().where(own, predicate).correlate(users)
            return found if operator is SearchOperator.IN else not_(found)
        if operator is SearchOperator.STARTS_WITH:
            return (
                exists()
                .where(own, _prefix(attributes.c.value_key, fold(value), attributes.c.value_lower))
                .correlate(users)
            )
        if operator in _ORDER:
            number, instant = parse_number(value), parse_instant(value)
            if number is not None:
                return exists().where(own, _compare(attributes.c.value_number, number, operator)).correlate(users)
            if instant is not None:
                return exists().where(own, _compare(attributes.c.value_time, instant, operator)).correlate(users)
            return exists().where(own, _compare(attributes.c.value_key, value_key(value), operator)).correlate(users)
        # ENDS_WITH / CONTAINS on the trigram index.
        token = fold(value)
        pattern = f"%{_escape_like(token)}" + ("%" if operator is SearchOperator.CONTAINS else "")
        checked = attributes.c.value_lower.like(pattern, escape="\\")
        matched = self._trigram("directory_attributes_text", token)
        if matched is not None:
            checked = and_(attributes.c.id.in_(matched), checked)
        return exists().where(own, checked).correlate(users)

    # Sorting and positions.

    @cached_property
    def keys(self) -> list[_SortKey]:
        """The sort keys in SQL: made when a query needs them (never when the columns answer)."""
        keys: list[_SortKey] = []
        for sort in self.search.sort:
            descending = sort.direction is SortDirection.DESC
            if sort.field == USERNAME:
                keys.append(_SortKey(users.c.username_lower, "text", descending))
            elif sort.field == USER_STATUS:
                keys.append(_SortKey(func.lower(users.c.user_status), "text", descending))
            elif sort.field == ENABLED:
                keys.append(_SortKey(users.c.enabled, "bool", descending))
            elif sort.field in DATE_COLUMNS:
                keys.append(_SortKey(DATE_COLUMNS[sort.field], "time", descending))
            else:
                # An attribute sorts numbers as numbers, then instants, then strings (ignoring case); missing last.
                value = attributes.alias(f"sort_{len(self._sort_joins)}")
                self._sort_joins.append((value, sort.field))
                keys.append(_SortKey(value.c.value_number, "number", descending))
                keys.append(_SortKey(value.c.value_time, "time", descending))
                keys.append(_SortKey(value.c.value_key, "text", descending))
        keys.append(_SortKey(users.c.username, "text", False))  # unique per pool: the tie-breaker
        if [key.kind for key in keys] != self.kinds:
            raise AssertionError("the SQL's sort keys differ from their kinds")
        return keys

    def _from(self) -> Any:
        source: Any = users
        self.keys  # noqa: B018  # makes the joins of the attributes sorted by
        for alias, name in self._sort_joins:
            source = source.outerjoin(
                alias,
                and_(alias.c.user_id == users.c.id, alias.c.user_pool_id == users.c.user_pool_id, alias.c.name == name),
            )
        return source

    def _open_position(self, position: str) -> list[Any]:
        try:
            raw = json.loads(position)
            if not isinstance(raw, list) or len(raw) != len(self.kinds):
                raise ValueError
            return [_decode(kind, item) for kind, item in zip(self.kinds, raw, strict=True)]
        except (ValueError, TypeError):
            raise InvalidSearch("after is not a position of this search") from None

    def _after(self, values: list[Any]) -> ColumnElement[bool]:
        """Rows after ``values`` in the sort order (missing values last in either direction)."""
        alternatives = []
        for index, (key, value) in enumerate(zip(self.keys, values, strict=True)):
            if value is None:
                continue  # nothing comes after a missing value but other missing ones, which equality handles
            if key.kind == "bool":
                value = literal(value, Boolean())  # SQLAlchemy takes a bare True/False for IS, not for < and >
            later = key.expression < value if key.descending else key.expression > value
            later = or_(later, key.expression.is_(None))
            same = [_same(k.expression, v) for k, v in zip(self.keys[:index], values[:index], strict=True)]
            alternatives.append(and_(*same, later))
        return or_(*alternatives) if alternatives else false()

    def _order_by(self) -> list[Any]:
        return [(key.expression.desc() if key.descending else key.expression.asc()).nulls_last() for key in self.keys]

    # Running.

    async def page(self, *, with_attributes: bool = True) -> Page:
        """The first ``first`` matches after ``after``; the users without their attributes when the caller will not
        show them."""
        where = self.where if self.after is None else and_(self.where, self._after(self.after))
        statement = (
            select(users, *[key.expression.label(f"key_{i}") for i, key in enumerate(self.keys)])
            .select_from(self._from())
            .where(where)
            .order_by(*self._order_by())
            .limit(self.search.first + 1)
        )
        async with self.database.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
            rows, more = rows[: self.search.first], len(rows) > self.search.first
            loaded = await _details(connection, [row["id"] for row in rows], with_attributes)
        hits = []
        for row in rows:
            pairs, names = loaded.get(row["id"], ({}, set()))
            user = IndexedUser(
                username=row["username"],
                attributes=pairs,
                user_status=row["user_status"],
                enabled=row["enabled"],
                user_create_date=row["user_create_date"],
                user_last_modified_date=row["user_last_modified_date"],
                groups=frozenset(names),
            )
            hits.append(
                Hit(user, functools.partial(self.encode_position, [row[f"key_{i}"] for i in range(len(self.keys))]))
            )
        return Page(hits, more)

    def encode_position(self, values: Sequence[Any]) -> str:
        """The position of a row whose sort keys have these values (where the next page starts)."""
        encoded = [_encode(kind, value) for kind, value in zip(self.kinds, values, strict=True)]
        return json.dumps(encoded, separators=(",", ":"))

    async def groups_of(self, page: Page) -> dict[str, dict[str, Any]]:
        """The page's users' groups as Cognito's ``GroupType`` describes them (what ``User.groups`` shows)."""
        names = sorted({name for hit in page.hits for name in hit.user.groups or ()})
        if not names:
            return {}
        async with self.database.connect() as connection:
            rows = await connection.execute(
                select(groups).where(groups.c.user_pool_id == self.search.user_pool_id, groups.c.group_name.in_(names))
            )
            found = {
                row.group_name: {
                    "GroupName": row.group_name,
                    "UserPoolId": row.user_pool_id,
                    "Description": row.description,
                    "Precedence": row.precedence,
                    "RoleArn": row.role_arn,
                    "CreationDate": row.creation_date,
                    "LastModifiedDate": row.last_modified_date,
                }
                for row in rows
            }
        return {name: found.get(name) or {"GroupName": name, "UserPoolId": self.search.user_pool_id} for name in names}

    async def total_count(self) -> int:
        async with self.database.connect() as connection:
            return (await connection.execute(select(func.count()).select_from(users).where(self.where))).scalar_one()

    async def facets(self, fields: Sequence[str]) -> list[Facet]:
        for name in fields:
            if not name:
                raise InvalidSearch("a facet field cannot be empty")
        facets = []
        async with self.database.connect() as connection:
            for name in fields:
                statement = _facet_statement(name, self.where)
                rows = (await connection.execute(statement)).all()
                facets.append(Facet(name, [FacetValue(facet_text(value), count) for value, count in rows]))
        return facets


def _facet_statement(name: str, where: ColumnElement[bool]) -> Select[Any]:
    """A field's values among the matching users, joined from the users (the conditions correlate with them)."""
    if name == GROUP:
        value: Any = memberships.c.group_name
        source = select(value, func.count()).select_from(users.join(memberships, memberships.c.user_id == users.c.id))
    elif name in USER_FIELDS:
        value = {
            USERNAME: users.c.username,
            USER_STATUS: users.c.user_status,
            ENABLED: users.c.enabled,
            **DATE_COLUMNS,
        }[name]
        source = select(value, func.count()).select_from(users).where(value.is_not(None))
    else:
        value = attributes.c.value
        joined = users.join(attributes, and_(attributes.c.user_id == users.c.id, attributes.c.name == name))
        source = select(value, func.count()).select_from(joined)
    return source.where(where).group_by(value).order_by(func.count().desc(), value.asc()).limit(MAX_FACET_VALUES)


def facet_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    return str(value)


async def _details(
    connection: AsyncConnection, ids: list[int], with_attributes: bool
) -> dict[int, tuple[dict[str, str], set[str]]]:
    """The groups and (when wanted) the attributes of the page's users, in one query each."""
    details: dict[int, tuple[dict[str, str], set[str]]] = {id: ({}, set()) for id in ids}
    if not ids:
        return details
    if with_attributes:
        for user_id, name, value in await connection.execute(
            select(attributes.c.user_id, attributes.c.name, attributes.c.value)
            .where(attributes.c.user_id.in_(ids))
            .order_by(attributes.c.user_id, attributes.c.name)
        ):
            details[user_id][0][name] = value
    for user_id, group_name in await connection.execute(
        select(memberships.c.user_id, memberships.c.group_name).where(memberships.c.user_id.in_(ids))
    ):
        details[user_id][1].add(group_name)
    return details


def _prefix(key_column: Any, prefix: str, folded_column: Any) -> ColumnElement[bool]:
    """Case-ignoring STARTS_WITH as a range on a folded B-tree key, checked on the whole value when cut."""
    cut = prefix[:VALUE_KEY_CHARS]
    ranged = and_(key_column >= cut, key_column < cut + TOP)
    if len(prefix) > VALUE_KEY_CHARS:
        ranged = and_(ranged, folded_column.like(f"{_escape_like(prefix)}%", escape="\\"))
    return ranged


def _compare(target: Any, operand: Any, operator: SearchOperator) -> ColumnElement[bool]:
    return target > operand if operator is SearchOperator.GREATER_THAN else target < operand


def _same(expression: Any, value: Any) -> ColumnElement[bool]:
    return expression.is_(None) if value is None else expression == value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time":
        return _utc(value).isoformat() if isinstance(value, datetime) else str(value)
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time" and isinstance(value, str):
        return _utc(datetime.fromisoformat(value))
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    raise ValueError(value)


def _boolean(value: str | None) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise InvalidSearch(f"enabled compares with 'true' or 'false', not {value!r}")


def _instant(value: str | None) -> datetime:
    instant = parse_instant(value or "")
    if instant is None:
        raise InvalidSearch(f"{value!r} is not an ISO 8601 date or date-time")
    return instant


def _check(search: Search) -> None:
    if not 1 <= search.first <= MAX_FIRST:
        raise InvalidSearch(f"first must be between 1 and {MAX_FIRST}, got {search.first}")
    for condition in search.conditions:
        _check_condition(condition)
    for sort in search.sort:
        if not sort.field:
            raise InvalidSearch("a sort field cannot be empty")
        if sort.field == GROUP:
            raise InvalidSearch("searchUsers cannot sort by group (a user may be in many)")


def _check_condition(condition: Condition) -> None:
    name, operator = condition.field, condition.operator
    if not name:
        raise InvalidSearch("a condition's field cannot be empty")
    if not isinstance(operator, SearchOperator):
        raise InvalidSearch(f"unknown operator {operator!r}")
    if operator in _ONE_VALUE and condition.value is None:
        raise InvalidSearch(f"{operator} on {name} needs a value")
    if operator in _MANY_VALUES and condition.values is None:
        raise InvalidSearch(f"{operator} on {name} needs values")
    if operator not in _ONE_VALUE and condition.value is not None:
        raise InvalidSearch(f"{operator} on {name} takes {'values' if operator in _MANY_VALUES else 'no value'}")
    if operator not in _MANY_VALUES and condition.values is not None:
        raise InvalidSearch(f"{operator} on {name} takes {'a value' if operator in _ONE_VALUE else 'no value'}")
    if name == GROUP and (operator in _SUBSTRING or operator in _ORDER):
        raise InvalidSearch(f"group takes EQUALS, IN, NOT_EQUALS, NOT_IN, EXISTS or NOT_EXISTS, not {operator}")
    if name == ENABLED:
        if operator in _SUBSTRING or operator in _ORDER:
            raise InvalidSearch(f"enabled takes EQUALS, IN, NOT_EQUALS, NOT_IN, EXISTS or NOT_EXISTS, not {operator}")
        for value in [condition.value] if operator in _ONE_VALUE else condition.values or ():
            _boolean(value)
    if name in DATE_COLUMNS:
        if operator in _SUBSTRING:
            raise InvalidSearch(f"{name} is a date: it takes no {operator}")
        for value in [condition.value] if operator in _ONE_VALUE else condition.values or ():
            _instant(value)


__all__ = [
    "CompiledSearch",
    "Condition",
    "Facet",
    "FacetValue",
    "Hit",
    "InvalidSearch",
    "Page",
    "Search",
    "SearchOperator",
    "Sort",
    "SortDirection",
]
