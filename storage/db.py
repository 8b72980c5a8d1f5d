"""The SQLite store: one writer connection, one transaction per request, signals after commit.

SQLAlchemy Core on aiosqlite. A unit of work is a plain (sync) function over a SQLAlchemy
``Connection``; ``Store.transaction`` runs it inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` under one
asyncio lock, then fires the callbacks the work registered with ``after_commit``. So a response can
only be sent after its change is committed, and wake-ups never announce uncommitted rows.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Callable, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import StaticPool

from .schema import SCHEMA_VERSION, metadata

log = logging.getLogger("sluice.storage")
T = TypeVar("T")


class SchemaVersionError(RuntimeError):
    pass


class UnitOfWork:
    """What a transaction function receives: the connection, the transaction's time, and post-commit signals."""

    __slots__ = ("conn", "now", "_after")

    def __init__(self, conn: Connection, now: int):
        self.conn = conn
        self.now = now
        self._after: list[Callable[[], Any]] = []

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after.append(callback)


class Store:
    def __init__(self, path: str, now_ms: Callable[[], int]):
        self.path = path
        self._now_ms = now_ms
        self._lock = asyncio.Lock()
        self._conn: AsyncConnection | None = None
        url = "sqlite+aiosqlite://" if path == ":memory:" else f"sqlite+aiosqlite:///{path}"
        self.engine = create_async_engine(url, poolclass=StaticPool)
        sync_engine = self.engine.sync_engine

        @event.listens_for(sync_engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's implicit BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000",
                           "temp_store=MEMORY", "cache_size=-16000"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(sync_engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    async def open(self) -> None:
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self._conn = await self.engine.connect()
        await self._conn.run_sync(self._check_and_create)
        await self._conn.commit()

    @staticmethod
    def _check_and_create(conn: Connection) -> None:
        version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the database was written by a newer Sluice (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade Sluice or point --data-dir at another directory")
        metadata.create_all(conn)
        if version != SCHEMA_VERSION:
            conn.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        await self.engine.dispose()

    async def transaction(self, work: Callable[..., T], *args, **kwargs) -> T:
        """Run ``work(uow, *args, **kwargs)`` in one write transaction; fire its signals after commit."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("store is not open")
        async with self._lock:
            uow: UnitOfWork | None = None

            def run(sync_conn: Connection):
                nonlocal uow
                uow = UnitOfWork(sync_conn, self._now_ms())
                return work(uow, *args, **kwargs)

            try:
                await conn.begin()
                result = await conn.run_sync(run)
                await conn.commit()
            except BaseException:
                if conn.in_transaction():
                    await conn.rollback()
                raise
        for callback in uow._after if uow else ():
            try:
                callback()
            except Exception:  # a signal must never turn a committed request into an error
                log.exception("post-commit callback failed")
        return result

    # Reads take the same path: SQLite is fast, and one connection keeps every read consistent.
    read = transaction

    async def wipe(self) -> None:
        def _wipe(uow: UnitOfWork):
            for table in reversed(metadata.sorted_tables):
                uow.conn.execute(table.delete())
        await self.transaction(_wipe)
