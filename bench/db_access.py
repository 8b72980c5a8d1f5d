"""The cost of one INSERT + one SELECT by each way of reaching SQLite from a unit of work.

Backs the rule in DEVELOPING.md ("One way to reach the database"). Run: ``python bench/db_access.py``.
It prints microseconds per statement pair, best of five windows, in a throwaway in-memory store.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select  # noqa: E402

from storage.db import Store, UnitOfWork  # noqa: E402

N = 2_000
meta = MetaData()
things = Table("bench_things", meta, Column("id", Integer, primary_key=True), Column("name", String))


def core(uow: UnitOfWork) -> None:
    for i in range(N):
        uow.conn.execute(insert(things).values(name=f"n{i}"))
        uow.conn.execute(select(things.c.name).where(things.c.id == i)).first()


def driver_sql(uow: UnitOfWork) -> None:
    for i in range(N):
        uow.conn.exec_driver_sql("INSERT INTO bench_things (name) VALUES (?)", (f"n{i}",))
        uow.conn.exec_driver_sql("SELECT name FROM bench_things WHERE id = ?", (i,)).first()


def raw(uow: UnitOfWork) -> None:
    for i in range(N):
        uow.sql.execute("INSERT INTO bench_things (name) VALUES (?)", (f"n{i}",))
        uow.sql.execute("SELECT name FROM bench_things WHERE id = ?", (i,)).fetchone()


async def main() -> None:
    store = Store(":memory:", lambda: int(time.time() * 1000))
    await store.open()
    await store.transaction(lambda uow: meta.create_all(uow.conn))
    for name, fn in (("Core construct per call", core), ("exec_driver_sql string", driver_sql),
                     ("uow.sql (sqlite3) string", raw)):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            await store.transaction(fn)
            best = min(best, time.perf_counter() - started)
        print(f"{name:28s} {best / N * 1e6:7.1f} us per INSERT+SELECT")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main())
