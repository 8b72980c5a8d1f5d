"""The cost of one INSERT + one SELECT by each way of reaching SQLite from Python.

Backs the rule in DEVELOPING.md ("One way to reach the database"). Run: ``python bench/db_access.py``.
It prints microseconds per statement pair, best of five windows, on a throwaway in-memory database:
a SQLAlchemy Core construct built per call, a SQL string through SQLAlchemy's ``exec_driver_sql``, and
a SQL string on the sqlite3 connection (what the Store's units of work use, ``uow.sql``).
"""

from __future__ import annotations

import time

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

N = 2_000
meta = MetaData()
things = Table("bench_things", meta, Column("id", Integer, primary_key=True), Column("name", String))


def core(conn) -> None:
    for i in range(N):
        conn.execute(insert(things).values(name=f"n{i}"))
        conn.execute(select(things.c.name).where(things.c.id == i)).first()


def driver_sql(conn) -> None:
    for i in range(N):
        conn.exec_driver_sql("INSERT INTO bench_things (name) VALUES (?)", (f"n{i}",))
        conn.exec_driver_sql("SELECT name FROM bench_things WHERE id = ?", (i,)).first()


def raw(conn) -> None:
    sql = conn.connection.driver_connection
    for i in range(N):
        sql.execute("INSERT INTO bench_things (name) VALUES (?)", (f"n{i}",))
        sql.execute("SELECT name FROM bench_things WHERE id = ?", (i,)).fetchone()


def main() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        meta.create_all(conn)
        for name, fn in (("Core construct per call", core), ("exec_driver_sql string", driver_sql),
                         ("uow.sql (sqlite3) string", raw)):
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                fn(conn)
                conn.commit()
                best = min(best, time.perf_counter() - started)
            print(f"{name:28s} {best / N * 1e6:7.1f} us per INSERT+SELECT")


if __name__ == "__main__":
    main()
