"""SQL of EventBridge connections and API destinations (sync functions over a UnitOfWork).

Rows come back as dicts; a connection's ``auth`` (its AuthParameters, secrets included) is decoded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import rows
from .db import UnitOfWork

_CONNECTION = ("arn", "account", "region", "name", "description", "authorization_type", "auth", "state",
               "state_reason", "secret_arn", "kms_key", "created_at", "modified_at", "authorized_at")
_JSON = ("auth",)  # the connection's AuthParameters, secrets included
_DESTINATION = ("arn", "account", "region", "name", "description", "connection_arn", "endpoint", "http_method",
                "rate_limit", "state", "created_at", "modified_at", "window_start", "window_count")


def _connection(values: Sequence[Any] | None) -> dict | None:
    return rows.as_dict(_CONNECTION, values, _JSON)


def _destination(values: Sequence[Any] | None) -> dict | None:
    return rows.as_dict(_DESTINATION, values)


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _update(uow: UnitOfWork, table: str, columns: Sequence[str], arn: str, values: dict) -> None:
    rows.update(uow, table, columns, "arn", arn, values, _JSON)


def _listing(table: str, columns: Sequence[str], extra: str) -> str:
    return (f"SELECT {', '.join(columns)} FROM {table} WHERE account = ? AND region = ? AND name >= ? AND name < ? "
            f"AND name > ?{extra} ORDER BY name LIMIT ?")


# --- connections -------------------------------------------------------------------------------------

_GET_CONNECTION = f"SELECT {', '.join(_CONNECTION)} FROM events_connections WHERE account = ? AND region = ? AND name = ?"
_CONNECTION_BY_ARN = f"SELECT {', '.join(_CONNECTION)} FROM events_connections WHERE arn = ?"
_INSERT_CONNECTION = _insert("events_connections", _CONNECTION)


def get_connection(uow: UnitOfWork, account: str, region: str, name: str) -> dict | None:
    return _connection(uow.sql.execute(_GET_CONNECTION, (account, region, name)).fetchone())


def connection_by_arn(uow: UnitOfWork, arn: str) -> dict | None:
    return _connection(uow.sql.execute(_CONNECTION_BY_ARN, (arn,)).fetchone())


def insert_connection(uow: UnitOfWork, row: dict) -> None:
    values = rows.encode(row, _JSON)
    uow.sql.execute(_INSERT_CONNECTION, [values.get(c) for c in _CONNECTION])


def update_connection(uow: UnitOfWork, arn: str, **values: Any) -> None:
    _update(uow, "events_connections", _CONNECTION, arn, values)


def delete_connection(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute("DELETE FROM events_connections WHERE arn = ?", (arn,))


def list_connections(uow: UnitOfWork, account: str, region: str, prefix: str, after: str, state: str | None,
                     limit: int) -> list[dict]:
    extra, args = ("", []) if state is None else (" AND state = ?", [state])
    sql = _listing("events_connections", _CONNECTION, extra)
    cursor = uow.sql.execute(sql, (account, region, prefix, prefix + "\U0010ffff", after, *args, limit))
    return [_connection(values) for values in cursor]  # type: ignore[misc]


def connections_in_state(uow: UnitOfWork, state: str) -> list[dict]:
    cursor = uow.sql.execute(f"SELECT {', '.join(_CONNECTION)} FROM events_connections WHERE state = ?", (state,))
    return [_connection(values) for values in cursor]  # type: ignore[misc]


# --- API destinations ----------------------------------------------------------------------------------

_GET_DESTINATION = (f"SELECT {', '.join(_DESTINATION)} FROM events_api_destinations "
                    "WHERE account = ? AND region = ? AND name = ?")
_DESTINATION_BY_ARN = f"SELECT {', '.join(_DESTINATION)} FROM events_api_destinations WHERE arn = ?"
_INSERT_DESTINATION = _insert("events_api_destinations", _DESTINATION)


def get_destination(uow: UnitOfWork, account: str, region: str, name: str) -> dict | None:
    return _destination(uow.sql.execute(_GET_DESTINATION, (account, region, name)).fetchone())


def destination_by_arn(uow: UnitOfWork, arn: str) -> dict | None:
    return _destination(uow.sql.execute(_DESTINATION_BY_ARN, (arn,)).fetchone())


def insert_destination(uow: UnitOfWork, row: dict) -> None:
    uow.sql.execute(_INSERT_DESTINATION, [row.get(c, 0 if c.startswith("window_") else None) for c in _DESTINATION])


def update_destination(uow: UnitOfWork, arn: str, **values: Any) -> None:
    _update(uow, "events_api_destinations", _DESTINATION, arn, values)


def delete_destination(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute("DELETE FROM events_api_destinations WHERE arn = ?", (arn,))


def list_destinations(uow: UnitOfWork, account: str, region: str, prefix: str, after: str,
                      connection_arn: str | None, limit: int) -> list[dict]:
    extra, args = ("", []) if connection_arn is None else (" AND connection_arn = ?", [connection_arn])
    sql = _listing("events_api_destinations", _DESTINATION, extra)
    cursor = uow.sql.execute(sql, (account, region, prefix, prefix + "\U0010ffff", after, *args, limit))
    return [_destination(values) for values in cursor]  # type: ignore[misc]


def destination_with_connection(uow: UnitOfWork, arn: str) -> tuple[dict | None, dict | None]:
    """What an invocation needs: the API destination and its connection (either None when gone)."""
    destination = destination_by_arn(uow, arn)
    if destination is None:
        return None, None
    return destination, connection_by_arn(uow, destination["connection_arn"])
