"""Searches answered from a pool's in-memory columns (``directory.columns``) instead of SQL: the same
:class:`~gateway.directory.search.Search`, checked, and its ``after`` position decoded, by ``directory.search``'s
:class:`CompiledSearch`, which also writes the positions of the page, so that a cursor of either way serves the other.

The matches are one boolean array over the pool's slots, made once per search; the page is the first matches along
the sort's order (computed once per revision and sort), the count a sum, each facet a ``bincount``. Each operator
means exactly what DESIGN.md section 8 and ``directory.search`` say; the comments only note how.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from gateway.directory.columns import (
    NO_TIME,
    Categories,
    PoolColumns,
    SortKey,
    among,
    compare_positions,
    instant_of,
    micros,
)
from gateway.directory.search import (
    DATE_COLUMNS,
    ENABLED,
    GROUP,
    MAX_FACET_VALUES,
    USER_STATUS,
    USERNAME,
    CompiledSearch,
    Condition,
    Facet,
    FacetValue,
    Hit,
    InvalidSearch,
    Page,
    SearchOperator,
    SortDirection,
    facet_text,
)
from gateway.directory.texts import grown
from gateway.directory.values import fold, parse_instant, parse_number, value_key

Op = SearchOperator
_NEGATED = frozenset({Op.NOT_EQUALS, Op.NOT_IN, Op.NOT_EXISTS})
_HOW = {Op.STARTS_WITH: "starts", Op.ENDS_WITH: "ends", Op.CONTAINS: "contains"}
_DATE_FORMS = {"userCreateDate": "created", "userLastModifiedDate": "modified"}


def sort_keys(compiled: CompiledSearch) -> list[SortKey]:
    """The keys of the search's sort, one for each of the SQL's (``compiled.kinds``), in the same order."""
    keys: list[SortKey] = []
    for sort in compiled.search.sort:
        descending = sort.direction is SortDirection.DESC
        if sort.field == USERNAME:
            keys.append(SortKey(sort.field, "username_folded", "text", descending))
        elif sort.field == USER_STATUS:
            keys.append(SortKey(sort.field, "status", "text", descending))
        elif sort.field == ENABLED:
            keys.append(SortKey(sort.field, "enabled", "bool", descending))
        elif sort.field in DATE_COLUMNS:
            keys.append(SortKey(sort.field, _DATE_FORMS[sort.field], "time", descending))
        else:
            keys += [
                SortKey(sort.field, "number", "number", descending),
                SortKey(sort.field, "time", "time", descending),
                SortKey(sort.field, "key", "text", descending),
            ]
    keys.append(SortKey(USERNAME, "username", "text", False))
    if [key.kind for key in keys] != compiled.kinds:
        raise AssertionError("the column search's sort keys differ from the SQL's")
    return keys


class ColumnSearch:
    """One search over ``columns``; answers what :class:`CompiledSearch` answers (page, count, facets, groups)."""

    def __init__(self, compiled: CompiledSearch, columns: PoolColumns) -> None:
        self.compiled = compiled
        self.search = compiled.search
        self.columns = columns
        self.keys = sort_keys(compiled)
        self.matches = self._matches()

    # Matching.

    def _matches(self) -> np.ndarray:
        columns, size = self.columns, self.columns.size
        matches = columns.alive[:size].copy()
        for condition in self.search.conditions:
            matches &= self._condition(condition)
        # Text last: each token is a substring of the texts, looked for only among the users still matching.
        tokens = [fold(token) for token in (self.search.text or "").split()]
        if tokens:
            matches &= columns.search_text.contains_all(size, tokens, matches)
        return matches

    def _condition(self, condition: Condition) -> np.ndarray:
        if condition.field == GROUP:
            return self._group(condition)
        if condition.field == USERNAME:
            return self._username(condition)
        if condition.field == USER_STATUS:
            return self._categories(self.columns.status, condition, lambda value: value.lower())
        if condition.field == ENABLED:
            return self._enabled(condition)
        if condition.field in DATE_COLUMNS:
            return self._date(condition)
        return self._attribute(condition)

    def _none(self) -> np.ndarray:
        return np.zeros(self.columns.size, dtype=bool)

    def _group(self, condition: Condition) -> np.ndarray:
        slots, codes = self.columns.members()
        wanted = [condition.value] if condition.operator in (Op.EQUALS, Op.NOT_EQUALS) else condition.values
        found = self._none()
        if condition.operator in (Op.EXISTS, Op.NOT_EXISTS):
            found[slots] = True
        else:
            known = [self.columns.group_code[name] for name in wanted or () if name in self.columns.group_code]
            found[slots[np.flatnonzero(among(codes, known, len(self.columns.group_names)))]] = True
        return ~found if condition.operator in _NEGATED else found

    def _username(self, condition: Condition) -> np.ndarray:
        columns, size, operator = self.columns, self.columns.size, condition.operator
        if operator in (Op.EXISTS, Op.NOT_EXISTS):
            return ~self._none() if operator is Op.EXISTS else self._none()
        if operator in (Op.EQUALS, Op.NOT_EQUALS, Op.IN, Op.NOT_IN):
            found = self._none()
            for name in [condition.value] if operator in (Op.EQUALS, Op.NOT_EQUALS) else condition.values or ():
                slot = columns.slot_of_username.get(name or "")
                if slot is not None and slot < size:
                    found[slot] = True
            return ~found if operator in _NEGATED else found
        operand = fold(condition.value or "")
        if operator in _HOW:
            return columns.usernames_folded.match(size, operand, _HOW[operator])
        folded = columns.usernames_folded.array[:size]  # bytes order as code points: as the SQL's bytewise collation
        return folded > operand.encode() if operator is Op.GREATER_THAN else folded < operand.encode()

    def _categories(self, column: Categories, condition: Condition, lowered: Any) -> np.ndarray:
        """A string column whose ordering compares ``lowered`` values (userStatus: lower(status))."""
        size, operator = self.columns.size, condition.operator
        if operator in (Op.EXISTS, Op.NOT_EXISTS):
            present = column.codes[:size] >= 0
            return present if operator is Op.EXISTS else ~present
        if operator in (Op.EQUALS, Op.NOT_EQUALS, Op.IN, Op.NOT_IN):
            values = [condition.value] if operator in (Op.EQUALS, Op.NOT_EQUALS) else condition.values
            found = column.slots_equal(size, [value for value in values or () if value is not None])
            return ~found if operator in _NEGATED else found
        operand = fold(condition.value or "")
        if operator in _HOW:
            return column.slots_where(size, column.folded().match(len(column.values), operand, _HOW[operator]))
        greater = operator is Op.GREATER_THAN
        matched = np.fromiter(
            ((lowered(v) > operand) if greater else (lowered(v) < operand) for v in column.values),
            dtype=bool,
            count=len(column.values),
        )
        return column.slots_where(size, matched)

    def _enabled(self, condition: Condition) -> np.ndarray:
        operator, enabled = condition.operator, self.columns.enabled[: self.columns.size]
        if operator in (Op.EXISTS, Op.NOT_EXISTS):
            return ~self._none() if operator is Op.EXISTS else self._none()
        values = [condition.value] if operator in (Op.EQUALS, Op.NOT_EQUALS) else condition.values or ()
        wanted = {value == "true" for value in values}
        found = (
            enabled.copy()
            if wanted == {True}
            else ~enabled
            if wanted == {False}
            else np.full(len(enabled), bool(wanted))
        )
        return ~found if operator in _NEGATED else found

    def _date(self, condition: Condition) -> np.ndarray:
        form = _DATE_FORMS[condition.field]
        times = (self.columns.created if form == "created" else self.columns.modified)[: self.columns.size]
        operator, present = condition.operator, times != NO_TIME
        if operator in (Op.EXISTS, Op.NOT_EXISTS):
            return present if operator is Op.EXISTS else ~present
        values = [condition.value] if operator not in (Op.IN, Op.NOT_IN) else condition.values or ()
        instants = [_micros_of(value) for value in values]
        if operator is Op.GREATER_THAN:
            return present & (times > instants[0])
        if operator is Op.LESS_THAN:
            return present & (times < instants[0])
        found = np.isin(times, instants)
        return ~found if operator in _NEGATED else found

    def _attribute(self, condition: Condition) -> np.ndarray:
        column = self.columns.attributes.get(condition.field)
        operator = condition.operator
        if column is None:  # nobody has it
            return ~self._none() if operator in _NEGATED else self._none()
        if operator not in (Op.GREATER_THAN, Op.LESS_THAN):
            return self._categories(column, condition, fold)
        size, greater, operand = self.columns.size, operator is Op.GREATER_THAN, condition.value or ""
        number, instant = parse_number(operand), parse_instant(operand)
        if number is not None:
            numbers = column.numbers()  # NaN (no number) compares false either way
            matched = numbers > number if greater else numbers < number
        elif instant is not None:
            instants, micros = column.instants(), _micros_of(operand)
            matched = (instants != NO_TIME) & ((instants > micros) if greater else (instants < micros))
        else:
            key = value_key(operand)
            keys = column.keys()
            matched = np.fromiter(
                ((k > key) if greater else (k < key) for k in keys), dtype=bool, count=len(column.values)
            )
        return column.slots_where(size, matched)

    # Answers.

    def _current_matches(self) -> np.ndarray:
        """The matches, over the columns' slots now (another search may have added users since)."""
        size = self.columns.size
        return grown(self.matches, size, False) if size > len(self.matches) else self.matches

    async def page(self, *, with_attributes: bool = True) -> Page:
        """The first ``first`` matches after ``after`` along the sort's order; the users without their attributes
        when the caller will not show them."""
        columns, matches, first = self.columns, self._current_matches(), self.search.first
        order = columns.order(self.keys)
        start = 0
        if self.compiled.after is not None:
            after = self.compiled.after
            start = bisect.bisect_right(
                range(len(order)),
                0,
                key=lambda index: compare_positions(columns.position(int(order[index]), self.keys), after, self.keys),
            )
        picked = _first_matches(order[start:], matches, first + 1)
        slots = picked[:first]
        hits = [
            Hit(user, functools.partial(self._position_of, int(slot)))
            for slot, user in zip(slots, columns.users(slots, with_attributes=with_attributes), strict=True)
        ]
        return Page(hits, len(picked) > first)

    def _position_of(self, slot: int) -> str:
        return self.compiled.encode_position(self.columns.position(slot, self.keys))

    async def total_count(self) -> int:
        return int(self.matches.sum())

    async def groups_of(self, page: Page) -> dict[str, dict[str, Any]]:
        return await self.compiled.groups_of(page)

    async def facets(self, fields: Sequence[str]) -> list[Facet]:
        for name in fields:
            if not name:
                raise InvalidSearch("a facet field cannot be empty")
        matches = self._current_matches()
        if self.search.conditions or self.search.text:
            return [Facet(name, self._facet(name, matches)) for name in fields]
        # Every user matches: the pool's facets, worked out once until a change.
        memo = self.columns.memo
        for name in fields:
            if ("facet", name) not in memo:
                memo["facet", name] = self._facet(name, matches)
        return [Facet(name, memo["facet", name]) for name in fields]

    def _facet(self, name: str, matches: np.ndarray) -> list[FacetValue]:
        columns = self.columns
        if name == GROUP:
            slots, codes = columns.members()
            counts = np.bincount(codes[np.flatnonzero(matches[slots])], minlength=len(columns.group_names))
            return _top([(columns.group_names[code], int(counts[code])) for code in np.flatnonzero(counts)])
        if name == USERNAME:
            order = columns.order([SortKey(USERNAME, "username", "text", False)])
            return [
                FacetValue(columns.usernames.text(int(slot)), 1)
                for slot in _first_matches(order, matches, MAX_FACET_VALUES)
            ]
        if name == ENABLED:
            enabled = int((columns.enabled[: columns.size] & matches).sum())
            pairs = [(False, int(matches.sum()) - enabled), (True, enabled)]
            return [FacetValue(facet_text(v), n) for v, n in sorted(pairs, key=lambda p: (-p[1], p[0])) if n]
        if name in DATE_COLUMNS:
            times = (columns.created if _DATE_FORMS[name] == "created" else columns.modified)[: columns.size]
            picked = times[np.flatnonzero(matches)]
            picked = picked[picked != NO_TIME]
            values, counts = np.unique(picked, return_counts=True)
            ranked = sorted(zip(counts.tolist(), values.tolist(), strict=True), key=lambda p: (-p[0], p[1]))
            return [FacetValue(facet_text(instant_of(v)), n) for n, v in ranked[:MAX_FACET_VALUES]]
        column = columns.status if name == USER_STATUS else columns.attributes.get(name)
        if column is None:
            return []
        # + 1: the users lacking the field (code -1) are counted at 0, and left out.
        counts = np.bincount(column.codes[np.flatnonzero(matches)] + 1, minlength=len(column.values) + 1)[1:]
        return [FacetValue(column.values[code], int(counts[code])) for code in _top_codes(counts, column)]


def _first_matches(order: np.ndarray, matches: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` slots of ``order`` that match: looked for in growing stretches of the order, so that a
    page of a search that matches many users reads a few thousand slots, not the whole pool. (Here and in the facets,
    positions are taken with ``flatnonzero``: a boolean mask as an index is several times slower.)"""
    found: list[np.ndarray] = []
    wanted, start, stretch = count, 0, 4096
    while wanted > 0 and start < len(order):
        part = order[start : start + stretch]
        hits = part[np.flatnonzero(matches[part])[:wanted]]
        found.append(hits)
        wanted -= len(hits)
        start, stretch = start + stretch, stretch * 4
    return np.concatenate(found) if found else order[:0]


def _top(pairs: list[tuple[str, int]]) -> list[FacetValue]:
    ranked = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:MAX_FACET_VALUES]
    return [FacetValue(value, count) for value, count in ranked]


def _top_codes(counts: np.ndarray, column: Categories) -> list[int]:
    """The codes of the (at most 100) values counted most, then by value; without sorting every value's count when
    there are many (every email counted once)."""
    present = np.flatnonzero(counts)
    if len(present) > MAX_FACET_VALUES:
        counted = counts[present]
        least = np.partition(counted, len(counted) - MAX_FACET_VALUES)[len(counted) - MAX_FACET_VALUES]
        above, tied = present[counted > least], present[counted == least]
        wanted = MAX_FACET_VALUES - len(above)
        if len(tied) > wanted:
            ranks = column.value_ranks()[tied]
            tied = tied[np.argpartition(ranks, wanted - 1)[:wanted]] if wanted > 0 else tied[:0]
        present = np.concatenate([above, tied])
    ranks = column.value_ranks()[present]
    return present[np.lexsort((ranks, -counts[present]))].tolist()


def _micros_of(value: str | None) -> int:
    return micros(parse_instant(value or ""))
