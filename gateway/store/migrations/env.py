"""Alembic's environment: the gateway hands it a connection, already in a transaction (gateway.store.migrate)."""

from alembic import context

from gateway.store.migrate import VERSION_TABLE
from gateway.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the gateway runs its migrations itself, at start (gateway.store.migrate.upgrade)")

context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
