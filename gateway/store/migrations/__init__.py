"""Alembic migrations of the gateway's database, run at start by :func:`gateway.store.migrate.upgrade` (never by
hand). A schema change is a new module in ``versions/`` whose ``down_revision`` is the previous head; it creates what
``gateway/store/tables.py`` then describes (tests/store checks that a migrated database matches the tables, on both
engines), and branches on ``op.get_bind().dialect.name`` where SQLite and PostgreSQL differ."""
