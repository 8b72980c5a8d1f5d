"""The schema version Sluice writes (``PRAGMA user_version``), importable without SQLAlchemy.

Bump on any change to an existing table, with a step in storage/migrations.py that upgrades to it,
and regenerate storage/ddl.py (``python scripts/schema_ddl.py``); a newer database is refused.
"""

SCHEMA_VERSION = 4
