"""Group commit in storage/db.py: units of work queued while the writer is busy share ONE SQLite transaction,
each in its own SAVEPOINT, and each still behaves as if it had had a transaction of its own."""

from __future__ import annotations

import asyncio
from sqlite3 import IntegrityError  # the COMMIT is issued to the driver directly

import pytest

from storage import db as storage_db
from storage import outbox as repo


def insert(uow, name: str, fired: list, *, fail: bool = False):
    """Write a row, register a signal, then maybe fail; returns what this unit saw, for ordering checks."""
    repo.enqueue(uow, "k", name, {})
    uow.after_commit(lambda: fired.append(name))
    if fail:
        raise ValueError(f"{name} failed")
    return {"name": name, "seen": [r["target"] for r in repo.pending(uow)]}


def count_batches(store) -> list[int]:
    """Record the size of every batch the writer thread runs (one batch = one BEGIN ... COMMIT)."""
    sizes: list[int] = []
    run = store._run_batch

    def counted(batch):
        sizes.append(len(batch))
        return run(batch)

    store._run_batch = counted
    return sizes


async def targets(store) -> list[str]:
    return [r["target"] for r in await store.read(repo.pending)]


async def test_concurrent_transactions_commit_together_in_order(store):
    fired: list[str] = []
    batches = count_batches(store)
    names = [f"u{i}" for i in range(5)]
    results = await asyncio.gather(*(store.transaction(insert, n, fired) for n in names))
    assert batches == [5]                                   # one transaction for all of them
    assert [r["name"] for r in results] == names
    assert [r["seen"] for r in results] == [names[:i + 1] for i in range(5)]  # run in the order they came
    assert fired == names                                   # signals after commit, in order
    assert await targets(store) == names


async def test_a_failing_unit_is_rolled_back_alone(store):
    fired: list[str] = []
    batches = count_batches(store)
    results = await asyncio.gather(store.transaction(insert, "a", fired),
                                   store.transaction(insert, "bad", fired, fail=True),
                                   store.transaction(insert, "b", fired), return_exceptions=True)
    assert results[0]["name"] == "a" and results[2]["name"] == "b"
    assert isinstance(results[1], ValueError) and str(results[1]) == "bad failed"   # raised to its own caller
    assert results[2]["seen"] == ["a", "b"]                # the failed unit's write was gone for the next one
    assert batches == [3]                                  # and they still shared the transaction
    assert fired == ["a", "b"]                             # the failed unit's signal never fired
    assert await targets(store) == ["a", "b"]


async def test_a_failed_commit_fails_every_unit_of_the_batch(store):
    # A deferred foreign key is checked at COMMIT only: one unit's violation makes the whole COMMIT fail.
    await store.transaction(lambda uow: (
        uow.sql.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)"),
        uow.sql.execute("CREATE TEMP TABLE child (pid INTEGER REFERENCES parent(id) "
                                 "DEFERRABLE INITIALLY DEFERRED)")))
    fired: list[str] = []
    batches = count_batches(store)

    def orphan(uow):
        uow.sql.execute("INSERT INTO child (pid) VALUES (42)")
        uow.after_commit(lambda: fired.append("orphan"))
        return "orphan"

    results = await asyncio.gather(store.transaction(insert, "a", fired), store.transaction(orphan),
                                   store.transaction(insert, "b", fired), return_exceptions=True)
    assert batches == [3]
    assert all(isinstance(r, IntegrityError) for r in results), results
    assert fired == []                                      # nothing committed, so nothing is announced
    assert await targets(store) == []
    # The store is still usable afterwards.
    assert (await store.transaction(insert, "after", fired))["name"] == "after"
    assert fired == ["after"] and await targets(store) == ["after"]


async def test_more_units_than_one_batch_holds_keep_their_order(store):
    fired: list[str] = []
    batches = count_batches(store)
    names = [f"u{i:03d}" for i in range(storage_db.MAX_BATCH * 2 + 5)]
    results = await asyncio.gather(*(store.transaction(insert, n, fired) for n in names))
    assert batches == [storage_db.MAX_BATCH, storage_db.MAX_BATCH, 5]
    assert [r["name"] for r in results] == names
    assert [r["seen"][-1] for r in results] == names
    assert fired == names and await targets(store) == names


async def test_a_cancelled_caller_does_not_break_the_batch(store):
    fired: list[str] = []
    tasks = [asyncio.ensure_future(store.transaction(insert, n, fired)) for n in ("a", "b", "c")]
    await asyncio.sleep(0)                                  # all three are queued for the writer
    tasks[1].cancel()
    first, third = await tasks[0], await tasks[2]
    with pytest.raises(asyncio.CancelledError):
        await tasks[1]
    assert (first["name"], third["name"]) == ("a", "c")
    # Already handed to the writer, the cancelled caller's unit still ran: cancelling a caller is not a rollback.
    assert await targets(store) == ["a", "b", "c"]
    assert fired == ["a", "b", "c"]
    assert (await store.transaction(insert, "d", fired))["seen"] == ["a", "b", "c", "d"]


# --- on_rollback: every in-memory change a unit makes is undone when its writes are ------------------

def undoable(uow, name: str, undone: list, fired: list, *, fail: bool = False):
    """Write a row and register two undo callbacks and a signal, then maybe fail."""
    repo.enqueue(uow, "k", name, {})
    uow.on_rollback(lambda: undone.append(f"{name}.1"))
    uow.on_rollback(lambda: undone.append(f"{name}.2"))
    uow.after_commit(lambda: fired.append(name))
    if fail:
        raise ValueError(f"{name} failed")
    return name


async def test_a_failing_unit_runs_its_own_undo_callbacks_newest_first(store):
    undone: list[str] = []
    fired: list[str] = []
    batches = count_batches(store)
    results = await asyncio.gather(store.transaction(undoable, "a", undone, fired),
                                   store.transaction(undoable, "bad", undone, fired, fail=True),
                                   store.transaction(undoable, "b", undone, fired), return_exceptions=True)
    assert batches == [3]
    assert results[0] == "a" and results[2] == "b" and isinstance(results[1], ValueError)
    assert undone == ["bad.2", "bad.1"]                     # only the failed unit's, newest first
    assert fired == ["a", "b"]                              # its signal does not fire
    # Alone in its batch (no savepoint), the same.
    undone.clear()
    with pytest.raises(ValueError):
        await store.transaction(undoable, "lone", undone, fired, fail=True)
    assert undone == ["lone.2", "lone.1"] and fired == ["a", "b"]
    assert await targets(store) == ["a", "b"]


async def test_a_failing_undo_callback_does_not_stop_the_others(store):
    undone: list[str] = []

    def work(uow):
        uow.on_rollback(lambda: undone.append("first"))
        uow.on_rollback(lambda: 1 / 0)
        uow.on_rollback(lambda: undone.append("last"))
        raise ValueError("fails")

    with pytest.raises(ValueError):
        await store.transaction(work)
    assert undone == ["last", "first"]


async def test_a_failed_commit_runs_the_undo_callbacks_of_every_unit(store):
    # A deferred foreign key is checked at COMMIT only: one unit's violation makes the whole COMMIT fail.
    await store.transaction(lambda uow: (
        uow.sql.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)"),
        uow.sql.execute("CREATE TEMP TABLE child (pid INTEGER REFERENCES parent(id) "
                                 "DEFERRABLE INITIALLY DEFERRED)")))
    undone: list[str] = []
    fired: list[str] = []
    batches = count_batches(store)

    def orphan(uow):
        uow.sql.execute("INSERT INTO child (pid) VALUES (42)")
        uow.on_rollback(lambda: undone.append("orphan"))
        uow.after_commit(lambda: fired.append("orphan"))
        return "orphan"

    results = await asyncio.gather(store.transaction(undoable, "a", undone, fired),
                                   store.transaction(undoable, "bad", undone, fired, fail=True),
                                   store.transaction(orphan),
                                   store.transaction(undoable, "b", undone, fired), return_exceptions=True)
    assert batches == [4]
    assert isinstance(results[1], ValueError)               # the unit that failed on its own keeps its error
    assert all(isinstance(results[i], IntegrityError) for i in (0, 2, 3)), results
    # The failed unit was undone when it failed (once); at the COMMIT every other unit, newest first.
    assert undone == ["bad.2", "bad.1", "b.2", "b.1", "orphan", "a.2", "a.1"]
    assert fired == []
    assert await targets(store) == []
    # Alone in its batch, the same; and the store goes on.
    undone.clear()
    with pytest.raises(IntegrityError):
        await store.transaction(orphan)
    assert undone == ["orphan"] and fired == []
    assert await store.transaction(undoable, "after", undone, fired) == "after"
    assert undone == ["orphan"] and fired == ["after"] and await targets(store) == ["after"]


async def test_a_failing_after_commit_callback_does_not_fail_the_request(store, caplog):
    fired: list[str] = []

    def work(uow, name: str):
        repo.enqueue(uow, "k", name, {})
        uow.after_commit(lambda: 1 / 0)
        uow.after_commit(lambda: fired.append(name))  # the next signal still fires
        return name

    # (bounded: an exception escaping the drain loop would leave both callers waiting forever)
    assert await asyncio.wait_for(asyncio.gather(store.transaction(work, "a"), store.transaction(work, "b")),
                                  10) == ["a", "b"]
    assert fired == ["a", "b"]
    assert await targets(store) == ["a", "b"]
    assert sum("post-commit callback failed" in r.getMessage() for r in caplog.records) == 2


async def test_a_failed_savepoint_undoes_its_own_rows_and_signals_only(store):
    """uow.savepoint: what a failed nested part wrote and registered is gone; the rest of the unit commits."""
    fired: list[str] = []
    undone: list[str] = []

    def work(uow):
        repo.enqueue(uow, "k", "kept", {})
        uow.after_commit(lambda: fired.append("kept"))
        uow.on_rollback(lambda: undone.append("kept"))
        with pytest.raises(ValueError):
            with uow.savepoint():
                repo.enqueue(uow, "k", "dropped", {})
                uow.after_commit(lambda: fired.append("dropped"))
                uow.on_rollback(lambda: undone.append("dropped"))
                raise ValueError("the nested part fails")

    await store.transaction(work)
    assert await targets(store) == ["kept"]
    assert fired == ["kept"] and undone == ["dropped"]
