"""In-memory columns of each indexed pool, which searches run on: exact counts and facets over every match of a
100,000-user pool in a few milliseconds, where the same query in SQL scans and joins every match several times.

The database stays the truth (``directory.repository`` writes it, other replicas included); a pool's columns are a
copy of it at one ``revision``. Before a search, :class:`ColumnCache` compares that with the pool's current revision
(read with the pool's index state, which the search reads anyway) and catches up by reading only the users stamped
with a later revision and the removals recorded since (a handful of rows after a mutation); a copy too far behind, or
none, is loaded whole. So a search sees every write committed before it, read-your-writes included.

Layout: a user is a slot (a row number); every column is a numpy array over slots. An attribute is a categorical
column: each distinct value gets a code, and each slot the code of its value (-1 when the user lacks it), so that
equality, IN, EXISTS and facets are array operations, and the per-value work (case folding, numbers, instants,
substrings) is done once per distinct value. Folded text (username, ``search_text``, attribute values) is kept as
UTF-8 in fixed-width byte arrays, which numpy searches in C: a substring of UTF-8 text is a substring of its bytes,
and bytes order as code points do, which is the order the SQL (bytewise collations) uses. Sorted orders are computed
once per revision and sort, and a page is the first matches along one.

The semantics are those of ``directory.search`` (DESIGN.md section 8), operator by operator; tests/directory run every
search both ways and compare pages, positions, counts and facets.
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from gateway.directory.records import IndexedUser
from gateway.directory.texts import Texts, grown
from gateway.directory.values import fold, parse_instant, parse_number, value_key
from gateway.store import Database
from gateway.store.tables import attributes, memberships, pools, removed_users, users

# A user's row of ``directory_users``, attributes by name, and group names: what ``PoolColumns.apply`` takes.
UserRows = tuple[dict[str, Any], dict[str, str], Sequence[str]]
# Users read and applied at a time when a pool is loaded whole.
LOAD_BATCH = 5000
# A catch-up of at most this many users moves them within the sorted orders; after more, the orders are made again.
ORDER_UPDATES = 64
# A copy with more changed users than this (or than this share of its slots) is loaded whole again instead, which also
# drops the slots of removed users.
CATCH_UP_USERS = 2000
RELOAD_SHARE = 0.5
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
logger = logging.getLogger(__name__)

USERNAME_BYTES = 128 * 4
NO_TIME = np.iinfo(np.int64).min  # a missing instant in an int64 column of microseconds
AMONG_COMPARED = 8  # ``among`` compares with up to this many codes, one pass each (a gather costs about eight)


def micros(value: datetime | None) -> int:
    if value is None:
        return NO_TIME
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return (value - EPOCH) // timedelta(microseconds=1)


def instant_of(value: int) -> datetime | None:
    return None if value == NO_TIME else EPOCH + timedelta(microseconds=int(value))


def among(codes: np.ndarray, wanted: Sequence[int], count: int) -> np.ndarray:
    """Where ``codes`` (each in 0..count-1, or -1 for none) is one of ``wanted``: a comparison with each of a few,
    else a gather from a table of ``count`` booleans (and a last, false one for -1); both faster than ``np.isin``."""
    wanted = sorted(set(wanted))
    if len(wanted) <= AMONG_COMPARED:
        found = np.zeros(len(codes), dtype=bool)
        for code in wanted:
            found |= codes == code
        return found
    table = np.zeros(count + 1, dtype=bool)
    table[wanted] = True
    return table[codes]


def _instants(values: np.ndarray) -> list[datetime | None]:
    """``instant_of`` of each, at C speed (numpy makes the datetimes)."""
    made = values.astype("datetime64[us]").tolist()
    return [None if raw == NO_TIME else made[i].replace(tzinfo=UTC) for i, raw in enumerate(values.tolist())]


class Categories:
    """A categorical column: a code per distinct value, the code of each slot's value (-1: none), and per code what
    comparisons need (folded text, number, instant, B-tree key), made when first asked for."""

    def __init__(self, capacity: int) -> None:
        self.codes = np.full(capacity, -1, dtype=np.int32)
        self.values: list[str] = []
        self.code_of: dict[str, int] = {}
        self._folded: Texts | None = None
        self._numbers: np.ndarray | None = None
        self._instants: np.ndarray | None = None
        self._keys: np.ndarray | None = None
        self._key_ranks: np.ndarray | None = None
        self._value_ranks: np.ndarray | None = None

    def grow(self, capacity: int) -> None:
        self.codes = grown(self.codes, capacity, -1)

    def code(self, value: str) -> int:
        code = self.code_of.get(value)
        if code is None:
            code = self.code_of[value] = len(self.values)
            self.values.append(value)
            # What was made per code grows by one (a write must not cost a search the whole column again); the
            # ranks, which a new value shifts, are made again when next asked for.
            if self._folded is not None:
                if code >= len(self._folded.array):
                    self._folded.grow(2 * code + 1)
                self._folded.set(code, fold(value))
            if self._numbers is not None:
                number = parse_number(value)
                self._numbers = np.append(self._numbers, np.nan if number is None else number)
            if self._instants is not None:
                self._instants = np.append(self._instants, micros(parse_instant(value)))
            if self._keys is not None:
                self._keys = np.append(self._keys, np.array([value_key(value)], dtype=object))
            self._key_ranks = self._value_ranks = None
        return code

    def set(self, slot: int, value: str | None) -> None:
        self.codes[slot] = -1 if value is None else self.code(value)

    def value(self, slot: int) -> str | None:
        code = self.codes[slot]
        return None if code < 0 else self.values[code]

    # Per code.

    def folded(self) -> Texts:
        if self._folded is None:
            self._folded = Texts.of([fold(value) for value in self.values], len(self.values))
        return self._folded

    def numbers(self) -> np.ndarray:
        if self._numbers is None:
            parsed = (parse_number(value) for value in self.values)
            self._numbers = np.array([np.nan if n is None else n for n in parsed], dtype=np.float64)
        return self._numbers

    def instants(self) -> np.ndarray:
        if self._instants is None:
            self._instants = np.array([micros(parse_instant(value)) for value in self.values], dtype=np.int64)
        return self._instants

    def keys(self) -> np.ndarray:
        """Each code's B-tree key (``value_key``), as Python strings: what string comparisons and sorts use."""
        if self._keys is None:
            self._keys = np.array([value_key(value) for value in self.values] or [""], dtype=object)[: len(self.values)]
        return self._keys

    def key_ranks(self) -> np.ndarray:
        """Each code's rank in the order of the keys (equal keys, equal ranks): string sorts."""
        if self._key_ranks is None:
            self._key_ranks = dense_ranks(self.keys())
        return self._key_ranks

    def value_ranks(self) -> np.ndarray:
        """Each code's rank in the order of the values themselves: facets' ties."""
        if self._value_ranks is None:
            self._value_ranks = dense_ranks(self.values)
        return self._value_ranks

    def slots_where(self, size: int, matched_codes: np.ndarray) -> np.ndarray:
        """The slots (of the first ``size``) whose value's code is marked in ``matched_codes`` (a bool per code)."""
        marked = np.flatnonzero(matched_codes)
        if len(marked) <= AMONG_COMPARED:
            return among(self.codes[:size], marked.tolist(), len(matched_codes))
        return np.append(matched_codes, False)[self.codes[:size]]

    def slots_equal(self, size: int, values: Sequence[str]) -> np.ndarray:
        codes = [self.code_of[value] for value in values if value in self.code_of]
        if not codes:
            return np.zeros(size, dtype=bool)
        if len(codes) == 1:
            return self.codes[:size] == codes[0]
        return among(self.codes[:size], codes, len(self.values))


class Memberships:
    """Every (slot, group code) pair, appended as users join; the pairs of a user whose groups change are marked
    gone (pairs are few per user, and a whole load starts afresh)."""

    def __init__(self, capacity: int) -> None:
        self.slots = np.zeros(capacity, dtype=np.int64)
        self.codes = np.zeros(capacity, dtype=np.int64)
        self.live = np.zeros(capacity, dtype=bool)
        self.size = 0
        # Per slot: where its pairs start, and how many there are.
        self.start = np.zeros(capacity, dtype=np.int64)
        self.count = np.zeros(capacity, dtype=np.int32)
        self._pairs: tuple[np.ndarray, np.ndarray] | None = None

    def set(self, slot: int, codes: Sequence[int]) -> None:
        if slot >= len(self.start):
            capacity = max(slot + 1, 2 * len(self.start))
            self.start, self.count = grown(self.start, capacity), grown(self.count, capacity)
        start, count = int(self.start[slot]), int(self.count[slot])
        self.live[start : start + count] = False
        self.count[slot] = 0
        if codes:
            needed = self.size + len(codes)
            if needed > len(self.slots):
                capacity = max(needed, 2 * len(self.slots))
                self.slots, self.codes = grown(self.slots, capacity), grown(self.codes, capacity)
                self.live = grown(self.live, capacity)
            self.slots[self.size : needed] = slot
            self.codes[self.size : needed] = codes
            self.live[self.size : needed] = True
            self.start[slot], self.count[slot] = self.size, len(codes)
            self.size = needed
        self._pairs = None

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pairs is None:
            live = self.live[: self.size]
            self._pairs = (self.slots[: self.size][live], self.codes[: self.size][live])
        return self._pairs


@dataclass(frozen=True)
class SortKey:
    """One key of a sort, as ``directory.search`` orders by it: ``field`` and which of its forms (``kind``: number,
    time, text, bool), missing values last in either direction."""

    field: str
    form: str  # number, time, key (an attribute's three) or the user column's
    kind: str
    descending: bool


class PoolColumns:
    """One pool's users as columns, at ``revision``."""

    def __init__(self, user_pool_id: str, revision: int, capacity: int = 1024) -> None:
        self.user_pool_id = user_pool_id
        self.revision = revision
        self.capacity = max(capacity, 16)
        self.size = 0  # slots used (removed users leave dead slots until the next whole load)
        self.slot_of: dict[int, int] = {}  # user id -> slot
        self.slot_of_username: dict[str, int] = {}
        self.ids = np.zeros(self.capacity, dtype=np.int64)
        self.alive = np.zeros(self.capacity, dtype=bool)
        # A username is at most 128 characters: it always fits, so that the byte arrays sort usernames whole.
        self.usernames = Texts(self.capacity, limit=USERNAME_BYTES)
        self.usernames_folded = Texts(self.capacity, limit=USERNAME_BYTES)
        self.search_text = Texts(self.capacity)
        self.status = Categories(self.capacity)
        self.enabled = np.zeros(self.capacity, dtype=bool)
        self.created = np.full(self.capacity, NO_TIME, dtype=np.int64)
        self.modified = np.full(self.capacity, NO_TIME, dtype=np.int64)
        self.attributes: dict[str, Categories] = {}
        self.group_code: dict[str, int] = {}
        self.group_names: list[str] = []
        self.groups_of: list[tuple[int, ...]] = []  # per slot
        self.memberships = Memberships(self.capacity)
        self._orders: dict[tuple[SortKey, ...], np.ndarray] = {}  # the live slots in each sort's order
        # What searches work out over every user (the facets of a search without conditions), until a change.
        self.memo: dict[Any, Any] = {}

    # Writing.

    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        capacity = max(needed, self.capacity * 2)
        self.ids, self.alive, self.enabled = (grown(array, capacity) for array in (self.ids, self.alive, self.enabled))
        self.created, self.modified = (grown(times, capacity, NO_TIME) for times in (self.created, self.modified))
        for texts in (self.usernames, self.usernames_folded, self.search_text):
            texts.grow(capacity)
        for column in (self.status, *self.attributes.values()):
            column.grow(capacity)
        self.capacity = capacity

    def apply(self, removed: Sequence[int], changed: Sequence[UserRows]) -> None:
        """Remove the users of ``removed`` (IDs) and add or replace those of ``changed``. A few are moved within the
        sorted orders; after more, each order is made again when next needed."""
        self.memo = {}
        moved = [self.slot_of[user_id] for user_id in removed if user_id in self.slot_of]
        moved += [self.slot_of[row["id"]] for row, _, _ in changed if row["id"] in self.slot_of]
        keep_orders = len(removed) + len(changed) <= ORDER_UPDATES
        if keep_orders:
            self._orders = {
                keys: order[~among(order, moved, self.size)] if moved else order for keys, order in self._orders.items()
            }
        else:
            self._orders = {}
        for user_id in removed:
            self._remove(user_id)
        for row, pairs, group_names in changed:
            self._put(row, pairs, group_names)
        for keys, order in self._orders.items():
            for row, _, _ in changed:
                order = self._insert(order, self.slot_of[row["id"]], keys)
            self._orders[keys] = order

    def _insert(self, order: np.ndarray, slot: int, keys: tuple[SortKey, ...]) -> np.ndarray:
        position = self.position(slot, keys)
        at = bisect.bisect_right(
            range(len(order)), 0, key=lambda i: compare_positions(self.position(int(order[i]), keys), position, keys)
        )
        return np.insert(order, at, slot)

    def _put(self, row: dict[str, Any], pairs: dict[str, str], group_names: Sequence[str]) -> None:
        slot = self.slot_of.get(row["id"])
        if slot is None:
            slot = self.size
            self._grow(slot + 1)
            self.size += 1
            self.slot_of[row["id"]] = slot
            self.groups_of.append(())
            self.ids[slot] = row["id"]
        else:
            old_name = self.usernames.text(slot)
            if self.slot_of_username.get(old_name) == slot:
                del self.slot_of_username[old_name]
        self.alive[slot] = True
        self.slot_of_username[row["username"]] = slot
        self.usernames.set(slot, row["username"])
        self.usernames_folded.set(slot, row["username_lower"])
        self.search_text.set(slot, row["search_text"])
        self.status.set(slot, row["user_status"])
        self.enabled[slot] = bool(row["enabled"])
        self.created[slot] = micros(row["user_create_date"])
        self.modified[slot] = micros(row["user_last_modified_date"])
        for name, column in self.attributes.items():
            if name not in pairs:
                column.codes[slot] = -1
        for name, value in pairs.items():
            column = self.attributes.get(name)
            if column is None:
                column = self.attributes[name] = Categories(self.capacity)
            column.set(slot, value)
        codes = tuple(sorted(self._group(name) for name in group_names))
        if codes != self.groups_of[slot]:
            self.groups_of[slot] = codes
            self.memberships.set(slot, codes)

    def _remove(self, user_id: int) -> None:
        slot = self.slot_of.pop(user_id, None)
        if slot is None:
            return
        self.alive[slot] = False
        name = self.usernames.text(slot)
        if self.slot_of_username.get(name) == slot:
            del self.slot_of_username[name]
        for column in (self.status, *self.attributes.values()):
            column.codes[slot] = -1
        self.groups_of[slot] = ()
        self.memberships.set(slot, ())

    def _group(self, name: str) -> int:
        code = self.group_code.get(name)
        if code is None:
            code = self.group_code[name] = len(self.group_names)
            self.group_names.append(name)
        return code

    @property
    def dead(self) -> int:
        return self.size - len(self.slot_of)

    def members(self) -> tuple[np.ndarray, np.ndarray]:
        """Every membership as (slot, group code), in two arrays."""
        return self.memberships.pairs()

    # Reading a slot.

    def users(self, slots: np.ndarray, *, with_attributes: bool = True) -> list[IndexedUser]:
        """The users of these slots, as the index has them (attributes by name; none unless ``with_attributes``)."""
        named = sorted(self.attributes.items()) if with_attributes else []
        codes = [(name, column.values, column.codes[slots].tolist()) for name, column in named]
        created, modified = (_instants(times[slots]) for times in (self.created, self.modified))
        made = []
        for index, slot in enumerate(slots.tolist()):
            status = self.status.codes[slot]
            made.append(
                IndexedUser(
                    username=self.usernames.text(slot),
                    attributes={name: values[code[index]] for name, values, code in codes if code[index] >= 0},
                    user_status=None if status < 0 else self.status.values[status],
                    enabled=bool(self.enabled[slot]),
                    user_create_date=created[index],
                    user_last_modified_date=modified[index],
                    groups=frozenset(self.group_names[code] for code in self.groups_of[slot]),
                )
            )
        return made

    def position(self, slot: int, keys: Sequence[SortKey]) -> list[Any]:
        """The values of the slot's sort keys (as ``directory.search`` writes them in a position, decoded)."""
        return [self._key_value(slot, key) for key in keys]

    def _key_value(self, slot: int, key: SortKey) -> Any:
        if key.form == "username":
            return self.usernames.text(slot)
        if key.form == "username_folded":
            return self.usernames_folded.text(slot)
        if key.form == "status":
            status = self.status.value(slot)
            return None if status is None else status.lower()
        if key.form == "enabled":
            return bool(self.enabled[slot])
        if key.form in ("created", "modified"):
            return instant_of((self.created if key.form == "created" else self.modified)[slot])
        column = self.attributes.get(key.field)
        code = -1 if column is None else int(column.codes[slot])
        if code < 0:
            return None
        if key.form == "number":
            number = column.numbers()[code]  # type: ignore[union-attr]
            return None if np.isnan(number) else float(number)
        if key.form == "time":
            return instant_of(column.instants()[code])  # type: ignore[union-attr]
        return column.keys()[code]  # type: ignore[union-attr]

    def order(self, keys: Sequence[SortKey]) -> np.ndarray:
        """The live slots in the order of ``keys`` (made once, then kept in step with small changes)."""
        keys = tuple(keys)
        if keys not in self._orders:
            self._orders[keys] = self._order(keys)
        return self._orders[keys]

    def _order(self, keys: Sequence[SortKey]) -> np.ndarray:
        size = self.size
        ranks = [self._ranks(key, size) for key in keys]
        order = np.lexsort(ranks[::-1]) if ranks else np.arange(size)
        return order[self.alive[:size][order]]

    def _ranks(self, key: SortKey, size: int) -> np.ndarray:
        """Each slot's rank by ``key``: ascending or descending, missing values after all others."""
        if key.form in ("username", "username_folded"):
            texts = self.usernames if key.form == "username" else self.usernames_folded
            values: np.ndarray = texts.array[:size]
            missing = np.zeros(size, dtype=bool)
        elif key.form == "status":
            column = self.status
            ranks_of_codes = dense_ranks([value.lower() for value in column.values])
            values = np.append(ranks_of_codes, -1)[column.codes[:size]]
            missing = column.codes[:size] < 0
        elif key.form == "enabled":
            values = self.enabled[:size].astype(np.int64)
            missing = np.zeros(size, dtype=bool)
        elif key.form in ("created", "modified"):
            values = (self.created if key.form == "created" else self.modified)[:size]
            missing = values == NO_TIME
        else:
            column = self.attributes.get(key.field)
            if column is None:
                return np.zeros(size, dtype=np.int64)  # everyone lacks it: all tie
            codes = column.codes[:size]
            if key.form == "number":
                values = np.append(column.numbers(), np.nan)[codes]
                missing = np.isnan(values)
            elif key.form == "time":
                values = np.append(column.instants(), NO_TIME)[codes]
                missing = values == NO_TIME
            else:
                values = np.append(column.key_ranks(), -1)[codes]
                missing = codes < 0
        _, ranks = np.unique(values, return_inverse=True)
        ranks = ranks.astype(np.int64).reshape(size)
        if key.descending:
            ranks = ranks.max(initial=0) - ranks
        ranks[missing] = size + 1
        return ranks


def dense_ranks(values: Sequence[Any]) -> np.ndarray:
    """Each value's rank in sorted order, equal values sharing one."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = np.zeros(len(values), dtype=np.int64)
    rank = -1
    for index, position in enumerate(order):
        if index == 0 or values[order[index - 1]] != values[position]:
            rank += 1
        ranks[position] = rank
    return ranks


def compare_positions(row: Sequence[Any], position: Sequence[Any], keys: Sequence[SortKey]) -> int:
    """-1, 0 or 1 as ``row`` comes before, at or after ``position`` in the order of ``keys``."""
    for value, other, key in zip(row, position, keys, strict=True):
        if value == other:
            continue
        if value is None:
            return 1
        if other is None:
            return -1
        later = value > other
        return (-1 if later else 1) if key.descending else (1 if later else -1)
    return 0


class ColumnCache:
    """The columns of the pools searched through this gateway, each brought up to date before a search.

    A pool's first search, and one after more changed than a catch-up should read (a re-sync rewrites every user),
    loads the pool whole in the background and is answered from SQL meanwhile (``columns`` gives None): a search never
    waits seconds for a load. Catching up with a few changes is done before the search, which then sees them."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._pools: dict[str, PoolColumns] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._loading: dict[str, asyncio.Task[None]] = {}
        self.loads = 0  # whole loads and catch-ups done: for tests and the benches
        self.catch_ups = 0

    async def columns(
        self, user_pool_id: str, revision: int, *, removals_from: int | None = None, wait: bool = False
    ) -> PoolColumns | None:
        """The pool's columns at ``revision`` (the pool's, as the caller just read it, with its ``removals_from``
        when it has it: a catch-up then need not read them again) or later; None while they are loaded in the
        background, unless ``wait``."""
        current = self._pools.get(user_pool_id)
        if current is not None and current.revision >= revision:
            return current
        async with self._locks.setdefault(user_pool_id, asyncio.Lock()):
            current = self._pools.get(user_pool_id)
            if current is not None and current.revision >= revision:
                return current
            known = None if removals_from is None else (revision, removals_from)
            if current is not None and await self._catch_up(current, known):
                return current
        loading = self._loading.get(user_pool_id)
        if loading is None:
            # A context of its own, not the request's that happened to ask first.
            loading = asyncio.get_running_loop().create_task(self._load(user_pool_id), context=contextvars.Context())
            self._loading[user_pool_id] = loading
        if not wait:
            return None
        await asyncio.shield(loading)
        current = self._pools.get(user_pool_id)
        return current if current is not None and current.revision >= revision else None

    async def aclose(self) -> None:
        for task in self._loading.values():
            task.cancel()
        await asyncio.gather(*self._loading.values(), return_exceptions=True)

    async def _revision(self, connection: Any, user_pool_id: str) -> tuple[int, int]:
        """The pool's revision, and the oldest whose removals are all still recorded."""
        found = await connection.execute(
            select(pools.c.revision, pools.c.removals_from).where(pools.c.user_pool_id == user_pool_id)
        )
        row = found.one_or_none()
        return (row.revision, row.removals_from) if row else (0, 0)

    async def _load(self, user_pool_id: str) -> None:
        try:
            async with self.database.connect() as connection:
                # The revision first: what commits after it is stamped later, and read by the next catch-up.
                revision, _ = await self._revision(connection, user_pool_id)
                count = await connection.execute(
                    select(func.count()).select_from(users).where(users.c.user_pool_id == user_pool_id)
                )
                columns = PoolColumns(user_pool_id, revision, capacity=count.scalar_one() * 5 // 4)
                # In batches by ID: a few thousand users' rows in memory at a time, and the event loop free between.
                last_id = -1
                while True:
                    batch = await _read_users(
                        connection,
                        (users.c.user_pool_id == user_pool_id) & (users.c.id > last_id),
                        limit=LOAD_BATCH,
                    )
                    if not batch:
                        break
                    columns.apply((), batch)
                    last_id = batch[-1][0]["id"]
            self._pools[user_pool_id] = columns
            self.loads += 1
        except Exception:
            logger.exception("the columns of %s could not be loaded: its searches use SQL", user_pool_id)
        finally:
            self._loading.pop(user_pool_id, None)

    async def _catch_up(self, columns: PoolColumns, known: tuple[int, int] | None) -> bool:
        """Apply what changed since the columns' revision, up to the pool's (``known``: its revision and
        removals_from, as the caller read them; else read here); False (nothing applied) when that is too much. What
        is read may go past that revision: applied again by the next catch-up, it changes nothing."""
        pool = columns.user_pool_id
        changed = (users.c.user_pool_id == pool) & (users.c.revision > columns.revision)
        async with self.database.connect() as connection:
            revision, removals_from = known or await self._revision(connection, pool)
            if columns.revision + 1 < removals_from:  # removals it would need were pruned
                return False
            at_most = int(max(CATCH_UP_USERS, RELOAD_SHARE * columns.size)) - columns.dead
            rows = await _read_users(connection, changed, at_most=at_most) if at_most > 0 else None
            if rows is None:
                return False
            gone = await connection.execute(
                select(removed_users.c.user_id).where(
                    removed_users.c.user_pool_id == pool, removed_users.c.revision > columns.revision
                )
            )
            removed = list(gone.scalars())
        columns.apply(removed, rows)
        columns.revision = max(revision, columns.revision)
        self.catch_ups += 1
        return True


async def _read_users(
    connection: Any, which: Any, *, limit: int | None = None, at_most: int | None = None
) -> list[UserRows] | None:
    """The users ``which`` selects (the first ``limit`` by ID), with their attributes (by name) and group names; None
    when there are more than ``at_most`` (a catch-up that should rather load the pool whole)."""
    selected = select(
        users.c.id,
        users.c.username,
        users.c.username_lower,
        users.c.search_text,
        users.c.user_status,
        users.c.enabled,
        users.c.user_create_date,
        users.c.user_last_modified_date,
    ).where(which)
    if limit is not None:
        # A load's batch: the next users by ID. A catch-up's few users come in any order: sorting them by ID would
        # make SQLite walk the whole pool by ID rather than use the (pool, revision) index.
        selected = selected.order_by(users.c.id).limit(limit)
    elif at_most is not None:
        selected = selected.limit(at_most + 1)
    rows = [dict(row) for row in (await connection.execute(selected)).mappings()]
    if at_most is not None and len(rows) > at_most:
        return None
    if not rows:
        return []
    if limit is None:  # a catch-up's few users (at most CATCH_UP_USERS): by ID
        ids = [row["id"] for row in rows]

        def of_users(column: Any) -> Any:
            return column.in_(ids)
    else:

        def of_users(column: Any) -> Any:
            # The batch's range of IDs, which the (user_id, ...) B-tree indexes answer; rows of other pools' users
            # in it are left out below.
            return (column >= rows[0]["id"]) & (column <= rows[-1]["id"])

    pairs: dict[int, dict[str, str]] = {}
    for user_id, name, value in await connection.execute(
        select(attributes.c.user_id, attributes.c.name, attributes.c.value)
        .where(of_users(attributes.c.user_id))
        .order_by(attributes.c.user_id, attributes.c.name)
    ):
        pairs.setdefault(user_id, {})[name] = value
    names: dict[int, list[str]] = {}
    for user_id, group_name in await connection.execute(
        select(memberships.c.user_id, memberships.c.group_name).where(of_users(memberships.c.user_id))
    ):
        names.setdefault(user_id, []).append(group_name)
    return [(row, pairs.get(row["id"], {}), names.get(row["id"], ())) for row in rows]
