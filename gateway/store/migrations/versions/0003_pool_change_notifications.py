"""PostgreSQL: every statement that changes ``directory_pools`` notifies ``cognito_gateway_directory_pools``, so that
each replica knows when to read a pool's index state again instead of reading it before every search
(gateway/store/changes.py). A pool's users never change without its row (each write advances its revision). SQLite
needs nothing: ``PRAGMA data_version`` tells."""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION directory_pools_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('cognito_gateway_directory_pools', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER directory_pools_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON directory_pools "
        "FOR EACH STATEMENT EXECUTE FUNCTION directory_pools_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER directory_pools_notify ON directory_pools")
    op.execute("DROP FUNCTION directory_pools_notify()")
