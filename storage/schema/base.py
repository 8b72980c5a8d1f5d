"""The one MetaData all tables hang on. Times are epoch milliseconds (INTEGER)."""

from sqlalchemy import MetaData

from ..version import SCHEMA_VERSION  # noqa: F401 (re-exported: the version lives where start-up can read it)

metadata = MetaData()
