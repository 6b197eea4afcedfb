"""The gateway's own database (DESIGN.md sections 8-10): the engine from ``GATEWAY_DATABASE_URL``, its migrations
and its tables. What is kept in it (the directory index, later jobs) is written and read by the packages of those
domains (``gateway.directory``); this package knows nothing of GraphQL."""

from gateway.store.database import Database, DatabaseUnavailable, open_database

__all__ = ["Database", "DatabaseUnavailable", "open_database"]
