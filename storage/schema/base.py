"""The one MetaData all tables hang on. Times are epoch milliseconds (INTEGER)."""

from sqlalchemy import MetaData

# Bump on any change to an existing table, with a step in storage/migrations.py that upgrades to it;
# a newer database is refused (see db.Store._check_and_create).
SCHEMA_VERSION = 3

metadata = MetaData()
