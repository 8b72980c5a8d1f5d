"""The one MetaData all tables hang on. Times are epoch milliseconds (INTEGER)."""

from sqlalchemy import MetaData

# Bump on any change to an existing table; a newer database is refused (see db.Store.open).
SCHEMA_VERSION = 1

metadata = MetaData()
