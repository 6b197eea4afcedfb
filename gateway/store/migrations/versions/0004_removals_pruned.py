"""Removal records are pruned: ``directory_pools.removals_from`` says from which revision on they are all still
there, so that a copy of a pool older than that is loaded whole rather than caught up (gateway/directory/columns.py)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("directory_pools", sa.Column("removals_from", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("directory_pools") as batch:
        batch.drop_column("removals_from")
