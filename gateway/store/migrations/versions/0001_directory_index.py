"""The directory index: pools' index state, users, their attributes, groups and memberships, and the text indexes
(SQLite FTS5 trigram tables, PostgreSQL pg_trgm GIN indexes). gateway/store/tables.py explains the design."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

POOL_ID = sa.String(55)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)  # timestamptz on PostgreSQL; SQLite keeps UTC text


def key_text(length=None):
    """Bytewise order on both engines: SQLite's BINARY, PostgreSQL's "C" collation."""
    plain = sa.String(length) if length else sa.Text()
    return plain.with_variant(sa.String(length, collation="C") if length else sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "directory_pools",
        sa.Column("user_pool_id", POOL_ID, primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("users_indexed", sa.Integer, nullable=False),
        sa.Column("estimated_users", sa.Integer),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("last_full_sync_at", INSTANT),
        sa.Column("last_change_at", INSTANT),
        sa.Column("error", sa.Text),
        sa.Column("sync_generation", sa.Integer, nullable=False),
        sa.Column("sync_started_at", INSTANT),
        sa.Column("sync_checkpoint", sa.JSON),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_expires_at", INSTANT),
    )
    op.create_table(
        "directory_users",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "user_pool_id",
            POOL_ID,
            sa.ForeignKey("directory_pools.user_pool_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("username", key_text(128), nullable=False),
        sa.Column("username_lower", key_text(128), nullable=False),
        sa.Column("sub", sa.String(64)),
        sa.Column("user_status", sa.String(32)),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("user_create_date", INSTANT),
        sa.Column("user_last_modified_date", INSTANT),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("synced_generation", sa.Integer, nullable=False),
        sa.Column("indexed_at", INSTANT, nullable=False),
        sa.UniqueConstraint("user_pool_id", "username", name="uq_directory_users_pool_username"),
    )
    for name, columns in {
        "ix_directory_users_pool_sub": ["user_pool_id", "sub"],
        "ix_directory_users_pool_username_lower": ["user_pool_id", "username_lower"],
        "ix_directory_users_pool_status": ["user_pool_id", "user_status"],
        "ix_directory_users_pool_enabled": ["user_pool_id", "enabled"],
        "ix_directory_users_pool_created": ["user_pool_id", "user_create_date"],
        "ix_directory_users_pool_modified": ["user_pool_id", "user_last_modified_date"],
        "ix_directory_users_pool_generation": ["user_pool_id", "synced_generation"],
    }.items():
        op.create_index(name, "directory_users", columns)

    op.create_table(
        "directory_user_attributes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, sa.ForeignKey("directory_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_pool_id", POOL_ID, nullable=False),
        sa.Column("name", key_text(128), nullable=False),
        sa.Column("value", key_text(), nullable=False),
        sa.Column("value_lower", sa.Text, nullable=False),
        sa.Column("value_key", key_text(200), nullable=False),
        sa.Column("value_number", sa.Float),
        sa.Column("value_time", INSTANT),
        sa.UniqueConstraint("user_id", "name", name="uq_directory_user_attributes_user_name"),
    )
    for name, column in {
        "ix_directory_user_attributes_key": "value_key",
        "ix_directory_user_attributes_number": "value_number",
        "ix_directory_user_attributes_time": "value_time",
    }.items():
        op.create_index(name, "directory_user_attributes", ["user_pool_id", "name", column])

    op.create_table(
        "directory_groups",
        sa.Column(
            "user_pool_id",
            POOL_ID,
            sa.ForeignKey("directory_pools.user_pool_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("group_name", key_text(128), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("precedence", sa.Integer),
        sa.Column("role_arn", sa.String(2048)),
        sa.Column("creation_date", INSTANT),
        sa.Column("last_modified_date", INSTANT),
        sa.PrimaryKeyConstraint("user_pool_id", "group_name", name="pk_directory_groups"),
    )
    op.create_table(
        "directory_memberships",
        sa.Column("user_id", ID, sa.ForeignKey("directory_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_pool_id", POOL_ID, nullable=False),
        sa.Column("group_name", key_text(128), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "group_name", name="pk_directory_memberships"),
        sa.ForeignKeyConstraint(
            ["user_pool_id", "group_name"],
            ["directory_groups.user_pool_id", "directory_groups.group_name"],
            ondelete="CASCADE",
            name="fk_directory_memberships_group",
        ),
    )
    op.create_index(
        "ix_directory_memberships_pool_group", "directory_memberships", ["user_pool_id", "group_name", "user_id"]
    )

    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_directory_users_search_text_trgm",
            "directory_users",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        op.create_index(
            "ix_directory_user_attributes_value_trgm",
            "directory_user_attributes",
            ["value_lower"],
            postgresql_using="gin",
            postgresql_ops={"value_lower": "gin_trgm_ops"},
        )
    else:
        create_fts5_trigram("directory_users_text", "directory_users", "search_text")
        create_fts5_trigram("directory_attributes_text", "directory_user_attributes", "value_lower")


def create_fts5_trigram(name: str, content: str, column: str) -> None:
    """An FTS5 trigram index of ``content.column`` (external content: the text is not stored twice), kept in step
    by triggers; foreign-key cascades fire the delete trigger too."""
    op.execute(
        f"CREATE VIRTUAL TABLE {name} USING fts5({column}, content='{content}', content_rowid='id', tokenize='trigram')"
    )
    delete_old = f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert_new = f"INSERT INTO {name}(rowid, {column}) VALUES (new.id, new.{column});"
    op.execute(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {content} BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER {name}_delete AFTER DELETE ON {content} BEGIN {delete_old} END")
    op.execute(
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {column} ON {content} "
        f"WHEN old.{column} IS NOT new.{column} BEGIN {delete_old} {insert_new} END"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("directory_attributes_text", "directory_users_text"):
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
    for table in (
        "directory_memberships",
        "directory_groups",
        "directory_user_attributes",
        "directory_users",
        "directory_pools",
    ):
        op.drop_table(table)
