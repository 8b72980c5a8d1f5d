"""SQL of EventBridge's global endpoints and partner event sources (sync functions over a UnitOfWork).

Rows come back as dicts; the endpoint's JSON documents are decoded here.
"""

from __future__ import annotations

from typing import Any

from . import rows
from .db import UnitOfWork

# --- endpoints --------------------------------------------------------------------------------------

_ENDPOINT_COLUMNS = ("arn", "account", "region", "name", "endpoint_id", "description", "routing_config",
                     "replication_config", "event_buses", "role_arn", "healthy", "created_at", "modified_at")
_ENDPOINT_JSON = frozenset(("routing_config", "replication_config", "event_buses"))
_ENDPOINT_SELECT = f"SELECT {', '.join(_ENDPOINT_COLUMNS)} FROM events_endpoints"
_GET_ENDPOINT = f"{_ENDPOINT_SELECT} WHERE arn = ?"
_ENDPOINT_BY_ID = f"{_ENDPOINT_SELECT} WHERE endpoint_id = ?"
_INSERT_ENDPOINT = (f"INSERT INTO events_endpoints ({', '.join(_ENDPOINT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_ENDPOINT_COLUMNS))})")
_DELETE_ENDPOINT = "DELETE FROM events_endpoints WHERE arn = ?"
_LIST_ENDPOINTS = (f"{_ENDPOINT_SELECT} WHERE account = ? AND region = ? AND name >= ? AND name < ? AND name > ? "
                   "ORDER BY name LIMIT ?")


def _endpoint(values: Any) -> dict | None:
    return rows.as_dict(_ENDPOINT_COLUMNS, values, _ENDPOINT_JSON)


def get_endpoint(uow: UnitOfWork, arn: str) -> dict | None:
    return _endpoint(uow.sql.execute(_GET_ENDPOINT, (arn,)).fetchone())


def endpoint_by_id(uow: UnitOfWork, endpoint_id: str) -> dict | None:
    return _endpoint(uow.sql.execute(_ENDPOINT_BY_ID, (endpoint_id,)).fetchone())


def insert_endpoint(uow: UnitOfWork, **values: Any) -> None:
    row = {c: None for c in _ENDPOINT_COLUMNS} | rows.encode(values, _ENDPOINT_JSON) | {"created_at": uow.now, "modified_at": uow.now}
    uow.sql.execute(_INSERT_ENDPOINT, [row[c] for c in _ENDPOINT_COLUMNS])


def update_endpoint(uow: UnitOfWork, arn: str, **values: Any) -> None:
    rows.update(uow, "events_endpoints", _ENDPOINT_COLUMNS, "arn", arn, values, _ENDPOINT_JSON)


def delete_endpoint(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute(_DELETE_ENDPOINT, (arn,))


def list_endpoints(uow: UnitOfWork, account: str, region: str, prefix: str, after: str, limit: int) -> list[dict]:
    rows = uow.sql.execute(_LIST_ENDPOINTS, (account, region, prefix, prefix + "\U0010ffff", after, limit))
    return [r for r in map(_endpoint, rows) if r is not None]


# --- partner event sources ---------------------------------------------------------------------------

_SOURCE_COLUMNS = ("region", "name", "account", "partner_account", "deactivated", "deleted", "created_at")
_SOURCE_SELECT = f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM events_partner_sources"
_INSERT_SOURCE = (f"INSERT INTO events_partner_sources ({', '.join(_SOURCE_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_SOURCE_COLUMNS))})")
_GET_SOURCE = f"{_SOURCE_SELECT} WHERE region = ? AND name = ? AND account = ?"
_SOURCES_NAMED = f"{_SOURCE_SELECT} WHERE region = ? AND name = ? AND account > ? ORDER BY account LIMIT ?"
_PARTNER_NAMES = ("SELECT DISTINCT name FROM events_partner_sources WHERE region = ? AND partner_account = ? "
                  "AND deleted = 0 "
                  "AND name >= ? AND name < ? AND name > ? ORDER BY name LIMIT ?")
_CUSTOMER_SOURCES = (f"{_SOURCE_SELECT} WHERE account = ? AND region = ? AND name >= ? AND name < ? AND name > ? "
                     "ORDER BY name LIMIT ?")
_DELETE_SOURCE = "DELETE FROM events_partner_sources WHERE region = ? AND name = ? AND account = ?"
_SET_SOURCE = "UPDATE events_partner_sources SET {column} = ? WHERE region = ? AND name = ? AND account = ?"


def _source(values: Any) -> dict:
    return dict(zip(_SOURCE_COLUMNS, values, strict=True))


def insert_source(uow: UnitOfWork, region: str, name: str, account: str, partner_account: str) -> None:
    uow.sql.execute(_INSERT_SOURCE, (region, name, account, partner_account, 0, 0, uow.now))


def get_source(uow: UnitOfWork, region: str, name: str, account: str) -> dict | None:
    values = uow.sql.execute(_GET_SOURCE, (region, name, account)).fetchone()
    return None if values is None else _source(values)


def sources_named(uow: UnitOfWork, region: str, name: str, after: str = "", limit: int = -1) -> list[dict]:
    """Every account a partner source of this name was created for, by account."""
    return [_source(v) for v in uow.sql.execute(_SOURCES_NAMED, (region, name, after, limit))]


def partner_source_names(uow: UnitOfWork, region: str, partner_account: str, prefix: str, after: str,
                         limit: int) -> list[str]:
    rows = uow.sql.execute(_PARTNER_NAMES, (region, partner_account, prefix, prefix + "\U0010ffff", after, limit))
    return [r[0] for r in rows]


def customer_sources(uow: UnitOfWork, account: str, region: str, prefix: str, after: str, limit: int) -> list[dict]:
    rows = uow.sql.execute(_CUSTOMER_SOURCES, (account, region, prefix, prefix + "\U0010ffff", after, limit))
    return [_source(v) for v in rows]


def set_source(uow: UnitOfWork, region: str, name: str, account: str, column: str, value: int) -> None:
    if column not in ("deactivated", "deleted"):
        raise ValueError(f"not a flag of events_partner_sources: {column}")
    uow.sql.execute(_SET_SOURCE.format(column=column), (value, region, name, account))


def delete_source(uow: UnitOfWork, region: str, name: str, account: str) -> None:
    uow.sql.execute(_DELETE_SOURCE, (region, name, account))
