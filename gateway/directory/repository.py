"""Reads and writes of the directory index's tables: users with their attributes and groups, groups and their
members, and each pool's index state. The sync, the change events and the mutations (read-your-writes) write through
here; each method is one transaction.

Writes are batched (a ListUsers page is one ``upsert_users`` call: a handful of statements, not a few per user) and
touch only what changed, so a re-sync of an unchanged pool rewrites no attribute and no text index entry.
``users_indexed`` is kept by the writes themselves; ``recount_users`` makes it exact again (after a full sync).

Every write that changes what a search sees advances the pool's ``revision`` and stamps the users it changed with it
(or records their removal at it, in ``directory_removed_users``): ``directory.columns`` reads only those to bring its
in-memory copy of the pool up to date. The pool's row lock (PostgreSQL) or the write lock (SQLite) orders the writers,
so revisions commit in order.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Table, and_, bindparam, case, delete, func, insert, literal, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.directory.records import STATE_FIELDS, IndexedGroup, IndexedUser, IndexState, PoolIndex
from gateway.directory.values import fold, parse_instant, parse_number, search_text, value_key
from gateway.store import Database
from gateway.store.database import whole
from gateway.store.tables import attributes, groups, memberships, pools, removed_users, users, utcnow

P = ParamSpec("P")
T = TypeVar("T")

# Values per IN (...) list: far under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
CHUNK = 500
# Removal records a pool keeps after a full sync (about 30 bytes each): a copy of the pool further behind than these
# is loaded whole again rather than caught up.
REMOVALS_KEPT = 10_000


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _insert(connection: AsyncConnection, table: Table) -> Any:
    """INSERT with the engine's ON CONFLICT (both engines write it the same way)."""
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)


@functools.cache
def _upsert_users(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (pool, username) DO UPDATE of a user's row: made once per engine (SQLAlchemy's
    ``excluded`` columns cost milliseconds to make, on every page of a sync)."""
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(users)
    return statement.on_conflict_do_update(
        index_elements=[users.c.user_pool_id, users.c.username],
        set_={
            name: statement.excluded[name]
            for name in (
                "username_lower",
                "sub",
                "user_status",
                "enabled",
                "user_create_date",
                "user_last_modified_date",
                "search_text",
                "synced_generation",
                "indexed_at",
                "revision",
            )
        },
    ).returning(users.c.id, users.c.username)


def _attribute_columns(value: str) -> dict[str, Any]:
    return {
        "value": value,
        "value_lower": fold(value),
        "value_key": value_key(value),
        "value_number": parse_number(value),
        "value_time": parse_instant(value),
    }


def _pool_index(row: Mapping[str, Any]) -> PoolIndex:
    values = dict(row)
    values["state"] = IndexState(values["state"])
    return PoolIndex(**values)


class IndexRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    # Users.

    @whole
    async def upsert_users(
        self,
        user_pool_id: str,
        batch: Iterable[IndexedUser],
        *,
        generation: int | None = None,
        record_change: bool = True,
    ) -> int:
        """Add or update users (the last of a username wins), with their attributes (replaced: those not given are
        removed) and, where ``groups`` is not None, their memberships (groups unknown to the index are added by
        name). Each user is stamped with ``generation`` (a full sync's), else with the pool's current one, so that a
        user written while a full sync runs survives its sweep. ``record_change`` sets the pool's ``last_change_at``
        (a sync's pages leave it). Returns how many users were new."""
        by_name = {user.username: user for user in batch}
        if not by_name:
            return 0
        now = utcnow()
        async with self.database.transaction() as connection:
            pool = await self._ensure_pool(connection, user_pool_id)
            stamp = pool.sync_generation if generation is None else generation
            revision = await self._advance(connection, user_pool_id)
            known = await self._user_ids(connection, user_pool_id, list(by_name))
            statement = _upsert_users(connection.dialect.name)
            rows = [
                {
                    "user_pool_id": user_pool_id,
                    "username": user.username,
                    "username_lower": fold(user.username),
                    "sub": user.sub,
                    "user_status": user.user_status,
                    "enabled": user.enabled,
                    "user_create_date": user.user_create_date,
                    "user_last_modified_date": user.user_last_modified_date,
                    "search_text": search_text(user.username, user.attributes),
                    "synced_generation": stamp,
                    "indexed_at": now,
                    "revision": revision,
                }
                for user in by_name.values()
            ]
            ids = {username: id for id, username in (await connection.execute(statement, rows)).all()}
            await self._write_attributes(connection, user_pool_id, {ids[name]: user for name, user in by_name.items()})
            with_groups = {ids[name]: user.groups for name, user in by_name.items() if user.groups is not None}
            if with_groups:
                await self._write_memberships(connection, user_pool_id, with_groups)
            added = len(by_name) - len(known)
            await self._count_change(connection, user_pool_id, added, now if record_change else None)
        return added

    async def upsert_user(self, user_pool_id: str, user: IndexedUser, *, record_change: bool = True) -> bool:
        """One user (see ``upsert_users``); True when it was new."""
        return await self.upsert_users(user_pool_id, [user], record_change=record_change) == 1

    @whole
    async def delete_user(self, user_pool_id: str, username: str, *, record_change: bool = True) -> bool:
        """Remove a user with its attributes and memberships; False when it was not indexed."""
        async with self.database.transaction() as connection:
            revision = await self._advance(connection, user_pool_id)
            await self._record_removals(connection, user_pool_id, revision, users.c.username == username)
            result = await connection.execute(
                delete(users).where(users.c.user_pool_id == user_pool_id, users.c.username == username)
            )
            if result.rowcount:
                await self._count_change(
                    connection, user_pool_id, -result.rowcount, utcnow() if record_change else None
                )
        return bool(result.rowcount)

    async def get_user(self, user_pool_id: str, username: str) -> IndexedUser | None:
        """A user as indexed, with its groups."""
        async with self.database.connect() as connection:
            row = (
                (
                    await connection.execute(
                        select(users).where(users.c.user_pool_id == user_pool_id, users.c.username == username)
                    )
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                return None
            pairs = await connection.execute(
                select(attributes.c.name, attributes.c.value).where(attributes.c.user_id == row["id"])
            )
            names = await connection.execute(select(memberships.c.group_name).where(memberships.c.user_id == row["id"]))
            return IndexedUser(
                username=row["username"],
                attributes=dict(pairs.all()),
                user_status=row["user_status"],
                enabled=row["enabled"],
                user_create_date=row["user_create_date"],
                user_last_modified_date=row["user_last_modified_date"],
                groups=frozenset(names.scalars()),
            )

    async def get_users(self, user_pool_id: str, usernames: Sequence[str]) -> dict[str, IndexedUser]:
        """The indexed ones of ``usernames`` (an export's page), with their attributes and groups, by username."""
        found: dict[str, IndexedUser] = {}
        async with self.database.connect() as connection:
            for chunk in _chunks(list(usernames)):
                rows = (
                    (
                        await connection.execute(
                            select(users).where(users.c.user_pool_id == user_pool_id, users.c.username.in_(chunk))
                        )
                    )
                    .mappings()
                    .all()
                )
                ids = [row["id"] for row in rows]
                pairs: dict[int, dict[str, str]] = {id: {} for id in ids}
                for user_id, name, value in await connection.execute(
                    select(attributes.c.user_id, attributes.c.name, attributes.c.value).where(
                        attributes.c.user_id.in_(ids)
                    )
                ):
                    pairs[user_id][name] = value
                names: dict[int, set[str]] = {id: set() for id in ids}
                for user_id, group in await connection.execute(
                    select(memberships.c.user_id, memberships.c.group_name).where(memberships.c.user_id.in_(ids))
                ):
                    names[user_id].add(group)
                for row in rows:
                    found[row["username"]] = IndexedUser(
                        username=row["username"],
                        attributes=pairs[row["id"]],
                        user_status=row["user_status"],
                        enabled=row["enabled"],
                        user_create_date=row["user_create_date"],
                        user_last_modified_date=row["user_last_modified_date"],
                        groups=frozenset(names[row["id"]]),
                    )
        return found

    async def username_for_sub(self, user_pool_id: str, sub: str) -> str | None:
        """The indexed user with this ``sub`` (for change events whose username CloudTrail hides)."""
        async with self.database.connect() as connection:
            result = await connection.execute(
                select(users.c.username).where(users.c.user_pool_id == user_pool_id, users.c.sub == sub).limit(1)
            )
            return result.scalar_one_or_none()

    @whole
    async def sweep_unseen_users(self, user_pool_id: str, generation: int) -> int:
        """Remove the users a full sync of ``generation`` did not see (stamped with an older one); how many."""
        async with self.database.transaction() as connection:
            unseen = and_(users.c.user_pool_id == user_pool_id, users.c.synced_generation < generation)
            revision = await self._advance(connection, user_pool_id)
            await self._record_removals(connection, user_pool_id, revision, unseen)
            result = await connection.execute(delete(users).where(unseen))
            if result.rowcount:
                await self._count_change(connection, user_pool_id, -result.rowcount, None)
        return result.rowcount

    @whole
    async def prune_removals(self, user_pool_id: str, keep: int = REMOVALS_KEPT) -> int:
        """Delete the pool's removal records but about the ``keep`` newest (a revision's go together: those of the
        revision of the next newest, and older, are deleted), and record from which revision on they are all kept;
        how many were deleted. A full sync calls it when it is done."""
        async with self.database.transaction() as connection:
            newest_pruned = (
                await connection.execute(
                    select(removed_users.c.revision)
                    .where(removed_users.c.user_pool_id == user_pool_id)
                    .order_by(removed_users.c.revision.desc())
                    .offset(keep)
                    .limit(1)
                )
            ).scalar_one_or_none()
            if newest_pruned is None:
                return 0
            result = await connection.execute(
                delete(removed_users).where(
                    removed_users.c.user_pool_id == user_pool_id, removed_users.c.revision <= newest_pruned
                )
            )
            await connection.execute(
                update(pools)
                .where(pools.c.user_pool_id == user_pool_id)
                .values(removals_from=newest_pruned + 1)  # each prune's is past the last's: older ones are gone
            )
        return result.rowcount

    @whole
    async def recount_users(self, user_pool_id: str) -> int:
        """Set ``users_indexed`` to the count of the pool's indexed users, and return it."""
        async with self.database.transaction() as connection:
            count = select(func.count()).select_from(users).where(users.c.user_pool_id == user_pool_id)
            await connection.execute(
                update(pools).where(pools.c.user_pool_id == user_pool_id).values(users_indexed=count.scalar_subquery())
            )
            return (await connection.execute(count)).scalar_one()

    # Groups and memberships.

    @whole
    async def upsert_groups(self, user_pool_id: str, batch: Iterable[IndexedGroup]) -> None:
        rows = [{"user_pool_id": user_pool_id, **vars(group)} for group in batch]
        if not rows:
            return
        async with self.database.transaction() as connection:
            await self._ensure_pool(connection, user_pool_id)
            statement = _insert(connection, groups)
            columns = ("description", "precedence", "role_arn", "creation_date", "last_modified_date")
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[groups.c.user_pool_id, groups.c.group_name],
                    set_={name: statement.excluded[name] for name in columns},
                ),
                rows,
            )

    @whole
    async def replace_groups(self, user_pool_id: str, batch: Iterable[IndexedGroup]) -> int:
        """The pool's groups are exactly these: others are removed with their memberships (after a full sync's
        ListGroups). Returns how many were removed."""
        batch = list(batch)
        await self.upsert_groups(user_pool_id, batch)
        keep = {group.group_name for group in batch}
        async with self.database.transaction() as connection:
            revision = await self._advance(connection, user_pool_id)
            names = await connection.execute(select(groups.c.group_name).where(groups.c.user_pool_id == user_pool_id))
            gone = [name for name in names.scalars() if name not in keep]
            for chunk in _chunks(gone):
                await self._touch_members(connection, user_pool_id, revision, memberships.c.group_name.in_(chunk))
                await connection.execute(
                    delete(groups).where(groups.c.user_pool_id == user_pool_id, groups.c.group_name.in_(chunk))
                )
        return len(gone)

    @whole
    async def delete_group(self, user_pool_id: str, group_name: str, *, record_change: bool = True) -> bool:
        """Remove a group and every membership of it; False when it was not indexed."""
        async with self.database.transaction() as connection:
            revision = await self._advance(connection, user_pool_id)
            await self._touch_members(connection, user_pool_id, revision, memberships.c.group_name == group_name)
            result = await connection.execute(
                delete(groups).where(groups.c.user_pool_id == user_pool_id, groups.c.group_name == group_name)
            )
            if result.rowcount and record_change:
                await self._count_change(connection, user_pool_id, 0, utcnow())
        return bool(result.rowcount)

    @whole
    async def replace_group_members(
        self, user_pool_id: str, group_name: str, usernames: Iterable[str], *, record_change: bool = False
    ) -> set[str]:
        """The group's members are exactly these users (ListUsersInGroup's pages, gathered). The group is added if
        unknown. Returns the usernames that are not indexed (and so could not be made members)."""
        wanted_names = sorted(set(usernames))
        async with self.database.transaction() as connection:
            await self._ensure_pool(connection, user_pool_id)
            await self._ensure_groups(connection, user_pool_id, [group_name])
            revision = await self._advance(connection, user_pool_id)
            ids = await self._user_ids(connection, user_pool_id, wanted_names)
            current = set(
                (
                    await connection.execute(
                        select(memberships.c.user_id).where(
                            memberships.c.user_pool_id == user_pool_id, memberships.c.group_name == group_name
                        )
                    )
                ).scalars()
            )
            wanted = set(ids.values())
            for chunk in _chunks(sorted(current - wanted)):
                await connection.execute(
                    delete(memberships).where(memberships.c.group_name == group_name, memberships.c.user_id.in_(chunk))
                )
            added = [{"user_id": id, "user_pool_id": user_pool_id, "group_name": group_name} for id in wanted - current]
            if added:
                await connection.execute(_insert(connection, memberships).on_conflict_do_nothing(), added)
            await self._touch(connection, revision, sorted(current ^ wanted))
            if record_change and (added or current - wanted):
                await self._count_change(connection, user_pool_id, 0, utcnow())
        return set(wanted_names) - ids.keys()

    @whole
    async def add_membership(
        self, user_pool_id: str, username: str, group_name: str, *, record_change: bool = True
    ) -> bool:
        """``username`` joins ``group_name`` (added if unknown); False when the user is not indexed."""
        async with self.database.transaction() as connection:
            await self._ensure_pool(connection, user_pool_id)
            ids = await self._user_ids(connection, user_pool_id, [username])
            if not ids:
                return False
            await self._ensure_groups(connection, user_pool_id, [group_name])
            result = await connection.execute(
                _insert(connection, memberships).on_conflict_do_nothing(),
                {"user_id": ids[username], "user_pool_id": user_pool_id, "group_name": group_name},
            )
            if result.rowcount:
                await self._touch(connection, await self._advance(connection, user_pool_id), [ids[username]])
            await self._count_change(connection, user_pool_id, 0, utcnow() if record_change else None)
        return True

    @whole
    async def remove_membership(
        self, user_pool_id: str, username: str, group_name: str, *, record_change: bool = True
    ) -> bool:
        """``username`` leaves ``group_name``; False when it was not a member in the index."""
        async with self.database.transaction() as connection:
            revision = await self._advance(connection, user_pool_id)
            member = select(users.c.id).where(users.c.user_pool_id == user_pool_id, users.c.username == username)
            result = await connection.execute(
                delete(memberships)
                .where(memberships.c.group_name == group_name, memberships.c.user_id == member.scalar_subquery())
                .returning(memberships.c.user_id)
            )
            left = list(result.scalars())
            await self._touch(connection, revision, left)
            if left and record_change:
                await self._count_change(connection, user_pool_id, 0, utcnow())
        return bool(left)

    # Index state.

    async def state(self, user_pool_id: str) -> PoolIndex:
        """The pool's index state; NOT_INDEXED (and nothing written) for a pool the index has never seen."""
        async with self.database.connect() as connection:
            row = (
                (await connection.execute(select(pools).where(pools.c.user_pool_id == user_pool_id)))
                .mappings()
                .one_or_none()
            )
        return _pool_index(row) if row else PoolIndex(user_pool_id)

    async def states(self) -> list[PoolIndex]:
        """Every pool the index knows, by ID."""
        async with self.database.connect() as connection:
            rows = (await connection.execute(select(pools).order_by(pools.c.user_pool_id))).mappings().all()
        return [_pool_index(row) for row in rows]

    @whole
    async def update_state(self, user_pool_id: str, **changes: Any) -> PoolIndex:
        """Set fields of the pool's index state (any of :class:`PoolIndex`'s but the ID and the count) and return
        the whole state. ``progress`` never goes back, whatever is written: a restarted sync's last page, shielded
        from its cancellation, may land after the next sync read the state. The rest of the state machine is the
        sync's."""
        unknown = set(changes) - STATE_FIELDS
        if unknown:
            raise TypeError(f"not index state fields: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = dict(changes)
        if "state" in values:
            values["state"] = IndexState(values["state"]).value
        if "progress" in values:
            progress = float(values["progress"])
            values["progress"] = case((pools.c.progress > progress, pools.c.progress), else_=literal(progress))
        async with self.database.transaction() as connection:
            await self._ensure_pool(connection, user_pool_id)
            if values:
                await connection.execute(update(pools).where(pools.c.user_pool_id == user_pool_id).values(**values))
            row = (await connection.execute(select(pools).where(pools.c.user_pool_id == user_pool_id))).mappings().one()
        return _pool_index(row)

    @whole
    async def claim_lease(self, user_pool_id: str, owner: str, seconds: float) -> bool:
        """Take (or extend) the pool's sync lease for ``seconds``: True unless another owner holds an unexpired one
        (section 10: one replica syncs a pool at a time)."""
        now = utcnow()
        async with self.database.transaction() as connection:
            await self._ensure_pool(connection, user_pool_id)
            result = await connection.execute(
                update(pools)
                .where(
                    pools.c.user_pool_id == user_pool_id,
                    or_(
                        pools.c.lease_owner.is_(None),
                        pools.c.lease_owner == owner,
                        pools.c.lease_expires_at < now,
                    ),
                )
                .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
            )
        return result.rowcount == 1

    @whole
    async def release_lease(self, user_pool_id: str, owner: str) -> None:
        async with self.database.transaction() as connection:
            await connection.execute(
                update(pools)
                .where(pools.c.user_pool_id == user_pool_id, pools.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires_at=None)
            )

    @whole
    async def drop_pool(self, user_pool_id: str) -> bool:
        """Forget the pool: its state, users, attributes, groups and memberships. False when it was not known."""
        async with self.database.transaction() as connection:
            # Its users are recorded as removed, so that a replica's columns of the pool, if it is indexed again
            # (with revisions past the old ones), drop them (directory.columns).
            revision = await self._advance(connection, user_pool_id)
            await self._record_removals(connection, user_pool_id, revision, true())
            result = await connection.execute(delete(pools).where(pools.c.user_pool_id == user_pool_id))
        return bool(result.rowcount)

    # Within a transaction.

    async def _ensure_pool(self, connection: AsyncConnection, user_pool_id: str) -> PoolIndex:
        """The pool's state row, added (NOT_INDEXED) if missing. On SQLite this write comes first in every write
        transaction, so the transaction holds the write lock before it reads anything."""
        await connection.execute(
            _insert(connection, pools)
            .values(
                user_pool_id=user_pool_id,
                state=IndexState.NOT_INDEXED.value,
                users_indexed=0,
                progress=0.0,
                sync_generation=0,
                # Revisions of a pool dropped and indexed again start past the old ones (so no copy of the old
                # pool's columns can take itself for current): microseconds since the epoch.
                revision=time.time_ns() // 1000,
            )
            .on_conflict_do_nothing(index_elements=[pools.c.user_pool_id])
        )
        row = (await connection.execute(select(pools).where(pools.c.user_pool_id == user_pool_id))).mappings().one()
        return _pool_index(row)

    async def _ensure_groups(self, connection: AsyncConnection, user_pool_id: str, names: Iterable[str]) -> None:
        rows = [{"user_pool_id": user_pool_id, "group_name": name} for name in sorted(set(names))]
        if rows:
            await connection.execute(_insert(connection, groups).on_conflict_do_nothing(), rows)

    async def _user_ids(self, connection: AsyncConnection, user_pool_id: str, names: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(names):
            result = await connection.execute(
                select(users.c.username, users.c.id).where(
                    users.c.user_pool_id == user_pool_id, users.c.username.in_(chunk)
                )
            )
            ids.update((username, id) for username, id in result)
        return ids

    async def _advance(self, connection: AsyncConnection, user_pool_id: str) -> int | None:
        """The pool's next revision, for the changes of this transaction; None when the index has no such pool.
        A write statement: called first in a transaction, it takes SQLite's write lock before anything is read."""
        result = await connection.execute(
            update(pools)
            .where(pools.c.user_pool_id == user_pool_id)
            .values(revision=pools.c.revision + 1)
            .returning(pools.c.revision)
        )
        return result.scalar_one_or_none()

    async def _touch(self, connection: AsyncConnection, revision: int | None, user_ids: Sequence[int]) -> None:
        """Stamp these users as changed at ``revision`` (their memberships changed)."""
        for chunk in _chunks(user_ids):
            await connection.execute(update(users).where(users.c.id.in_(chunk)).values(revision=revision))

    async def _touch_members(
        self, connection: AsyncConnection, user_pool_id: str, revision: int | None, which: Any
    ) -> None:
        """Stamp the members of the groups ``which`` selects (about to lose them) as changed."""
        members = select(memberships.c.user_id).where(memberships.c.user_pool_id == user_pool_id, which)
        await self._touch(connection, revision, sorted(set((await connection.execute(members)).scalars())))

    async def _record_removals(
        self, connection: AsyncConnection, user_pool_id: str, revision: int | None, which: Any
    ) -> None:
        """Record the pool's users that ``which`` selects as removed at ``revision`` (before they are deleted)."""
        if revision is None:
            return
        chosen = and_(users.c.user_pool_id == user_pool_id, which)
        await connection.execute(
            delete(removed_users).where(
                removed_users.c.user_pool_id == user_pool_id,
                removed_users.c.user_id.in_(select(users.c.id).where(chosen)),
            )
        )
        await connection.execute(
            insert(removed_users).from_select(
                ["user_pool_id", "user_id", "revision"],
                select(literal(user_pool_id), users.c.id, literal(revision)).where(chosen),
            )
        )

    async def _count_change(
        self, connection: AsyncConnection, user_pool_id: str, added: int, changed_at: datetime | None
    ) -> None:
        values: dict[str, Any] = {}
        if added:
            values["users_indexed"] = pools.c.users_indexed + added
        if changed_at is not None:
            values["last_change_at"] = changed_at
        if values:
            await connection.execute(update(pools).where(pools.c.user_pool_id == user_pool_id).values(**values))

    async def _write_attributes(
        self, connection: AsyncConnection, user_pool_id: str, by_id: Mapping[int, IndexedUser]
    ) -> None:
        """Make the users' attribute rows what their records say, touching only those that differ."""
        current: dict[int, dict[str, tuple[int, str]]] = {id: {} for id in by_id}
        for chunk in _chunks(sorted(by_id)):
            rows = await connection.execute(
                select(attributes.c.user_id, attributes.c.name, attributes.c.id, attributes.c.value).where(
                    attributes.c.user_id.in_(chunk)
                )
            )
            for user_id, name, id, value in rows:
                current[user_id][name] = (id, value)
        removed: list[int] = []
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for user_id, user in by_id.items():
            had = current[user_id]
            removed += [id for name, (id, _) in had.items() if name not in user.attributes]
            for name, value in user.attributes.items():
                if name not in had:
                    added.append(
                        {"user_id": user_id, "user_pool_id": user_pool_id, "name": name, **_attribute_columns(value)}
                    )
                elif had[name][1] != value:
                    columns = _attribute_columns(value)
                    changed.append({"attribute_id": had[name][0], **{f"new_{k}": v for k, v in columns.items()}})
        for chunk in _chunks(removed):
            await connection.execute(delete(attributes).where(attributes.c.id.in_(chunk)))
        if added:
            # RETURNING makes SQLAlchemy send the rows as multi-row statements ("insertmanyvalues") rather than a
            # statement per row: SQLite's FTS5 flushes its pending index at the end of each statement, so a statement
            # per row wrote a trigram segment per attribute (4x the time of the insert).
            await connection.execute(attributes.insert().returning(attributes.c.id), added)
        if changed:
            columns = _attribute_columns("")
            await connection.execute(
                update(attributes)
                .where(attributes.c.id == bindparam("attribute_id"))
                .values({name: bindparam(f"new_{name}") for name in columns}),
                changed,
            )

    async def _write_memberships(
        self, connection: AsyncConnection, user_pool_id: str, by_id: Mapping[int, frozenset[str]]
    ) -> None:
        await self._ensure_groups(connection, user_pool_id, (name for names in by_id.values() for name in names))
        current: dict[int, set[str]] = {id: set() for id in by_id}
        for chunk in _chunks(sorted(by_id)):
            rows = await connection.execute(
                select(memberships.c.user_id, memberships.c.group_name).where(memberships.c.user_id.in_(chunk))
            )
            for user_id, name in rows:
                current[user_id].add(name)
        left = [{"member_id": id, "member_group": name} for id, names in by_id.items() for name in current[id] - names]
        joined = [
            {"user_id": id, "user_pool_id": user_pool_id, "group_name": name}
            for id, names in by_id.items()
            for name in names - current[id]
        ]
        if left:
            await connection.execute(
                delete(memberships).where(
                    and_(
                        memberships.c.user_id == bindparam("member_id"),
                        memberships.c.group_name == bindparam("member_group"),
                    )
                ),
                left,
            )
        if joined:
            await connection.execute(memberships.insert(), joined)
