"""Revisions of the directory index: a per-pool counter that every write to a pool's users advances, the revision at
which each user last changed, and the users removed since, so that a replica's in-memory columns of a pool
(gateway/directory/columns.py) catch up by reading only what changed."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

POOL_ID = sa.String(55)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("directory_pools", sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"))
    op.add_column("directory_users", sa.Column("revision", sa.BigInteger, nullable=False, server_default="0"))
    op.create_index("ix_directory_users_pool_revision", "directory_users", ["user_pool_id", "revision"])
    op.create_table(
        "directory_removed_users",
        sa.Column("user_pool_id", POOL_ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("user_pool_id", "user_id", name="pk_directory_removed_users"),
    )
    op.create_index("ix_directory_removed_users_revision", "directory_removed_users", ["user_pool_id", "revision"])


def downgrade() -> None:
    op.drop_table("directory_removed_users")
    op.drop_index("ix_directory_users_pool_revision", "directory_users")
    with op.batch_alter_table("directory_users") as batch:
        batch.drop_column("revision")
    with op.batch_alter_table("directory_pools") as batch:
        batch.drop_column("revision")
