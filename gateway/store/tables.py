"""The gateway's tables: the directory index (DESIGN.md section 8). The migrations in ``migrations/versions`` create
them; this module describes the same schema for queries (tests check that the two agree on both engines).

Tables (all ``directory_*``, so that a database shared with something else is not confused):

- ``directory_pools``: one row per indexed pool: the index state of ``indexStatus`` and what a resumable full sync
  needs (its generation, its checkpoint such as the ListUsers pagination token reached, and a lease so that one
  replica syncs a pool at a time).
- ``directory_users``: one row per user (status, enabled, dates, ``sub``), with ``search_text``: the lowercased
  username, email, phone_number, name, given_name, family_name and preferred_username joined by ``\\n``, which ``text``
  searches. ``str.split()`` splits on ``\\n``, so no search token holds one, and a token found in ``search_text`` lies
  inside one field.
- ``directory_user_attributes``: one row per user and attribute (any name: ``email``, ``custom:tier``, ``dev:x``).
- ``directory_groups`` and ``directory_memberships``.
- ``directory_removed_users`` and the ``revision`` columns: each write transaction advances its pool's ``revision``
  and stamps the users it changed with it (or records their removal at it), so that the in-memory columns of a pool
  that searches run on (``directory/columns.py``) catch up with another writer's changes by reading only those.
  A full sync prunes the removal records but the newest 10,000 (``removals_from`` says from which revision on they
  are all kept: a copy older than that loads whole).

How each search of section 8 finds its rows through an index rather than a scan (``pool`` is ``user_pool_id``,
the first column of every B-tree index, since every search is within one pool):

- Attribute values are stored four ways: ``value`` (as Cognito has it: EQUALS, IN, NOT_* compare it exactly),
  ``value_lower`` (lowercased in Python, the same on both engines: the trigram index's column), ``value_key``
  (``value_lower``'s first :data:`VALUE_KEY_CHARS` characters: the B-tree key), and, when the value parses,
  ``value_number`` and ``value_time`` (numbers as numbers, ISO 8601 dates as instants: GREATER_THAN/LESS_THAN).
- EQUALS / IN: ``(pool, name, value_key)`` with ``value_key = lower(v)[:N]``, then ``value = v`` on those rows.
  A B-tree key is bounded: PostgreSQL refuses index rows over ~2.7 kB, and a custom attribute holds up to 2,048
  characters of up to 4 bytes each; ``value_key`` keeps every key under that on both engines.
- STARTS_WITH (case ignored): a range on the same index, ``value_key >= p AND value_key < p + U+10FFFF`` (with ``p``
  cut to N characters, and ``value_lower LIKE p%`` on the rows when it was longer). Key columns sort bytewise on
  both engines (SQLite's BINARY; ``COLLATE "C"`` on PostgreSQL, where the database's collation would break ranges
  and differ from SQLite), so a range is a prefix and string sorts agree across engines.
- CONTAINS / ENDS_WITH / ``text`` (case ignored): trigram indexes over ``value_lower`` and ``search_text``: on
  SQLite FTS5 tables with the trigram tokenizer (``directory_attributes_text``, ``directory_users_text``, external
  content kept by triggers; query with ``MATCH '"abc"'`` for 3+ characters, then check ENDS_WITH's ``LIKE '%abc'``
  on the candidates), on PostgreSQL ``pg_trgm`` GIN indexes (``LIKE '%abc%'`` on the column itself). Substrings of
  fewer than 3 characters have no trigram: they scan (both engines), which is still one pool's rows.
- EXISTS / NOT_EXISTS: ``(pool, name, value_key)``'s prefix (``EXISTS``/``NOT EXISTS`` subqueries by ``user_id``).
- GREATER_THAN / LESS_THAN: ``(pool, name, value_number)`` or ``(pool, name, value_time)`` when the operand parses as
  a number or an instant, else the ``value_key`` range.
- Sort by an attribute: ``(pool, name, value_key)`` (string sorts ignore case), or the number/time index; by a user
  column: ``(pool, username_lower)``, ``(pool, user_status)``, ``(pool, enabled)``, ``(pool, user_create_date)``,
  ``(pool, user_last_modified_date)``. Ties go by ``username``, unique per pool.
- ``group``: ``directory_memberships (pool, group_name, user_id)``; facets group by those same indexes.

Ids are integers (SQLite's rowid, which FTS5's external content needs); user rows cascade to their attributes and
memberships, pool rows to everything of the pool.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

# The characters of a lowercased attribute value that its B-tree key keeps (see the docstring).
VALUE_KEY_CHARS = 200
# The longest pool ID Cognito allows (UserPoolIdType).
POOL_ID_CHARS = 55


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: ``timestamptz`` on PostgreSQL; on SQLite a UTC ``DATETIME`` text, which sorts as the instant.
    Naive datetimes are taken as UTC; what comes back is aware, in UTC."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(DateTime(timezone=dialect.name == "postgresql"))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def key_text(length: int | None = None) -> TypeEngine[str]:
    """A string that sorts and compares bytewise on both engines (``COLLATE "C"`` on PostgreSQL)."""
    plain = String(length) if length else Text()
    return plain.with_variant(String(length, collation="C") if length else Text(collation="C"), "postgresql")


# An integer primary key: SQLite's rowid alias (INTEGER), PostgreSQL's BIGINT.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

pools = Table(
    "directory_pools",
    metadata,
    Column("user_pool_id", String(POOL_ID_CHARS), primary_key=True),
    Column("state", String(16), nullable=False),  # IndexState: NOT_INDEXED SYNCING READY FAILED
    Column("users_indexed", Integer, nullable=False),
    Column("estimated_users", Integer),  # DescribeUserPool's EstimatedNumberOfUsers
    Column("progress", Float, nullable=False),  # 0..1, of the first full sync
    Column("last_full_sync_at", UtcDateTime),
    Column("last_change_at", UtcDateTime),
    Column("error", Text),
    # A full sync stamps the users it lists with its generation; those left with an older one are gone from Cognito.
    Column("sync_generation", Integer, nullable=False),
    Column("sync_started_at", UtcDateTime),
    # Where the running full sync is (e.g. {"users_token": ...}): what a restarted one resumes from; null when none runs.
    Column("sync_checkpoint", JSON),
    # The replica syncing the pool, until when (section 10: one replica syncs a pool at a time).
    Column("lease_owner", String(200)),
    Column("lease_expires_at", UtcDateTime),
    # Advanced by every write to the pool's users, attributes or memberships (see ``removed_users``).
    Column("revision", BigInteger, nullable=False, server_default="0"),
    # The oldest revision whose removals ``removed_users`` still holds all of (older ones are pruned): a copy of the
    # pool at a revision before the one just under it cannot catch up, and is loaded whole.
    Column("removals_from", BigInteger, nullable=False, server_default="0"),
)

users = Table(
    "directory_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "user_pool_id",
        String(POOL_ID_CHARS),
        ForeignKey("directory_pools.user_pool_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("username", key_text(128), nullable=False),
    Column("username_lower", key_text(128), nullable=False),
    Column("sub", String(64)),
    Column("user_status", String(32)),
    Column("enabled", Boolean, nullable=False),
    Column("user_create_date", UtcDateTime),
    Column("user_last_modified_date", UtcDateTime),
    Column("search_text", Text, nullable=False),
    Column("synced_generation", Integer, nullable=False),
    Column("indexed_at", UtcDateTime, nullable=False),
    Column("revision", BigInteger, nullable=False, server_default="0"),  # the pool's revision when it last changed
    UniqueConstraint("user_pool_id", "username", name="uq_directory_users_pool_username"),
    Index("ix_directory_users_pool_sub", "user_pool_id", "sub"),
    Index("ix_directory_users_pool_username_lower", "user_pool_id", "username_lower"),
    Index("ix_directory_users_pool_status", "user_pool_id", "user_status"),
    Index("ix_directory_users_pool_enabled", "user_pool_id", "enabled"),
    Index("ix_directory_users_pool_created", "user_pool_id", "user_create_date"),
    Index("ix_directory_users_pool_modified", "user_pool_id", "user_last_modified_date"),
    Index("ix_directory_users_pool_generation", "user_pool_id", "synced_generation"),
    Index("ix_directory_users_pool_revision", "user_pool_id", "revision"),
)

# The users removed from a pool (by ID), at the pool's revision that removed them: with ``directory_users.revision``,
# what a copy of the pool at an older revision must apply to be current (directory/columns.py).
removed_users = Table(
    "directory_removed_users",
    metadata,
    Column("user_pool_id", String(POOL_ID_CHARS), nullable=False),
    Column("user_id", Id, nullable=False),
    Column("revision", BigInteger, nullable=False),
    PrimaryKeyConstraint("user_pool_id", "user_id", name="pk_directory_removed_users"),
    Index("ix_directory_removed_users_revision", "user_pool_id", "revision"),
)

attributes = Table(
    "directory_user_attributes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("directory_users.id", ondelete="CASCADE"), nullable=False),
    Column("user_pool_id", String(POOL_ID_CHARS), nullable=False),
    Column("name", key_text(128), nullable=False),
    Column("value", key_text(), nullable=False),
    Column("value_lower", Text, nullable=False),
    Column("value_key", key_text(VALUE_KEY_CHARS), nullable=False),
    Column("value_number", Float),
    Column("value_time", UtcDateTime),
    UniqueConstraint("user_id", "name", name="uq_directory_user_attributes_user_name"),
    Index("ix_directory_user_attributes_key", "user_pool_id", "name", "value_key"),
    Index("ix_directory_user_attributes_number", "user_pool_id", "name", "value_number"),
    Index("ix_directory_user_attributes_time", "user_pool_id", "name", "value_time"),
)

groups = Table(
    "directory_groups",
    metadata,
    Column(
        "user_pool_id",
        String(POOL_ID_CHARS),
        ForeignKey("directory_pools.user_pool_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("group_name", key_text(128), nullable=False),
    Column("description", Text),
    Column("precedence", Integer),
    Column("role_arn", String(2048)),
    Column("creation_date", UtcDateTime),
    Column("last_modified_date", UtcDateTime),
    PrimaryKeyConstraint("user_pool_id", "group_name", name="pk_directory_groups"),
)

memberships = Table(
    "directory_memberships",
    metadata,
    Column("user_id", Id, ForeignKey("directory_users.id", ondelete="CASCADE"), nullable=False),
    Column("user_pool_id", String(POOL_ID_CHARS), nullable=False),
    Column("group_name", key_text(128), nullable=False),
    PrimaryKeyConstraint("user_id", "group_name", name="pk_directory_memberships"),
    ForeignKeyConstraint(
        ["user_pool_id", "group_name"],
        ["directory_groups.user_pool_id", "directory_groups.group_name"],
        ondelete="CASCADE",
        name="fk_directory_memberships_group",
    ),
    Index("ix_directory_memberships_pool_group", "user_pool_id", "group_name", "user_id"),
)

# Bulk user jobs (DESIGN.md section 9, gateway/jobs). A job's selection is listed into its items once, when it starts
# (the selection is fixed then); each item is written at most once: ``sending`` is set and committed before its call,
# so an item found sending after a restart has an unknown outcome and is read back, never sent blindly.
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_pool_id", String(POOL_ID_CHARS), nullable=False),
    Column("action", String(32), nullable=False),  # JobAction
    Column("state", String(16), nullable=False),  # JobState: QUEUED RUNNING SUCCEEDED FAILED CANCELLED
    # What the job was started with: the selection, groupName, userAttributes, format (gateway/jobs/records.py).
    Column("spec", JSON, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("error", Text),  # why a FAILED job could not go on
    Column("total", Integer),  # null until the selection is listed
    Column("done", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("unknown", Integer, nullable=False, server_default="0"),
    Column("skipped", Integer, nullable=False, server_default="0"),
    # The replica running the job, until when (section 10: one replica runs a job at a time).
    Column("lease_owner", String(200)),
    Column("lease_expires_at", UtcDateTime),
    Index("ix_jobs_pool_created", "user_pool_id", "created_at"),
    Index("ix_jobs_state", "state"),
)

job_items = Table(
    "job_items",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # the selection's order
    Column("username", key_text(128), nullable=False),
    Column("outcome", String(16), nullable=False),  # JobItemOutcome: PENDING DONE FAILED UNKNOWN SKIPPED
    Column("sending", Boolean, nullable=False),  # its call may have left: see above
    Column("error_code", String(128)),
    Column("message", Text),
    PrimaryKeyConstraint("job_id", "position", name="pk_job_items"),
    Index("ix_job_items_outcome", "job_id", "outcome", "position"),
)

# An export's file, in the order it was written: each part is written with the outcomes of the items it holds, so a
# resumed export goes on where it stopped, and any replica can serve the download.
job_export_parts = Table(
    "job_export_parts",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("part", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("job_id", "part", name="pk_job_export_parts"),
)

# The text indexes, which the migrations create per engine and which metadata cannot describe: SQLite FTS5 tables
# (with their shadow tables and triggers) and PostgreSQL trigram GIN indexes.
SQLITE_TEXT_TABLES = {
    "directory_users_text": "directory_users",
    "directory_attributes_text": "directory_user_attributes",
}
POSTGRESQL_TRIGRAM_INDEXES = {
    "ix_directory_users_search_text_trgm": ("directory_users", "search_text"),
    "ix_directory_user_attributes_value_trgm": ("directory_user_attributes", "value_lower"),
}


def utcnow() -> datetime:
    return datetime.now(UTC)
