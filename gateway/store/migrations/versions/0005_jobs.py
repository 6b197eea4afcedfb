"""Bulk user jobs (DESIGN.md section 9): ``jobs``, their ``job_items`` and exports' ``job_export_parts``. gateway/store/tables.py explains them."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

POOL_ID = sa.String(55)
INSTANT = sa.DateTime(timezone=True)


def key_text(length):
    """Bytewise order on both engines: SQLite's BINARY, PostgreSQL's "C" collation."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_pool_id", POOL_ID, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("started_at", INSTANT),
        sa.Column("finished_at", INSTANT),
        sa.Column("error", sa.Text),
        sa.Column("total", sa.Integer),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unknown", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_expires_at", INSTANT),
    )
    op.create_index("ix_jobs_pool_created", "jobs", ["user_pool_id", "created_at"])
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_table(
        "job_items",
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("username", key_text(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("sending", sa.Boolean, nullable=False),
        sa.Column("error_code", sa.String(128)),
        sa.Column("message", sa.Text),
        sa.PrimaryKeyConstraint("job_id", "position", name="pk_job_items"),
    )
    op.create_index("ix_job_items_outcome", "job_items", ["job_id", "outcome", "position"])
    op.create_table(
        "job_export_parts",
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("job_id", "part", name="pk_job_export_parts"),
    )


def downgrade() -> None:
    op.drop_table("job_export_parts")
    op.drop_table("job_items")
    op.drop_table("jobs")
