"""SQL of captured deliveries (sync functions over a UnitOfWork)."""

from __future__ import annotations

import json

from .db import UnitOfWork


def capture(uow: UnitOfWork, *, source: str, account: str, region: str, protocol: str, target: str,
            message_id: str, payload: dict, source_arn: str | None, route: str | None) -> None:
    uow.sql.execute(
        "INSERT INTO captured (at, source, account, region, protocol, target, source_arn, route, message_id, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uow.now, source, account, region, protocol, target, source_arn, route, message_id, json.dumps(payload)))


def _where(source: str | None, protocols: tuple[str, ...] | None, account: str | None, region: str | None,
           target: str | None) -> tuple[str, list]:
    clauses, args = [], []
    for column, value in (("source", source), ("account", account), ("region", region), ("target", target)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    if protocols:
        clauses.append(f"protocol IN ({', '.join('?' * len(protocols))})")
        args += protocols
    return (" AND ".join(clauses) or "1"), args


_COLUMNS = ("id", "at", "source", "account", "region", "protocol", "target", "source_arn", "route", "message_id",
            "payload")


def read_captured(uow: UnitOfWork, *, source: str | None = None, protocols: tuple[str, ...] | None = None,
                  account: str | None = None, region: str | None = None, target: str | None = None,
                  after_id: int = 0, limit: int = 1000) -> list[dict]:
    where, args = _where(source, protocols, account, region, target)
    rows = uow.sql.execute(f"SELECT {', '.join(_COLUMNS)} FROM captured WHERE id > ? AND {where} ORDER BY id LIMIT ?",
                           [after_id, *args, limit]).fetchall()
    out = []
    for row in rows:
        item = dict(zip(_COLUMNS, row, strict=True))
        item["payload"] = json.loads(item["payload"])
        out.append(item)
    return out


def clear_captured(uow: UnitOfWork, *, source: str | None = None, protocols: tuple[str, ...] | None = None,
                   account: str | None = None, region: str | None = None, target: str | None = None) -> None:
    where, args = _where(source, protocols, account, region, target)
    uow.sql.execute(f"DELETE FROM captured WHERE {where}", args)
