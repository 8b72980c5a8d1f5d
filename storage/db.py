"""The SQLite store: one writer connection, one transaction per request, signals after commit.

The stdlib sqlite3 driver, one connection owned by ONE dedicated thread. A unit of work is a plain
function over that connection (``uow.sql``); ``Store.transaction`` hands the whole function to the
thread, which runs it inside ``BEGIN IMMEDIATE`` ... ``COMMIT``, and the event loop awaits the
result: one thread hop per request. (SQLAlchemy's aiosqlite dialect does the same with a hop per
statement: 1.1 ms for a one-insert transaction here against 0.1 ms this way.) SQLAlchemy's Table
objects define the schema (storage/schema); a start runs their SQL from storage/ddl.py, and imports
SQLAlchemy only to migrate an older database (storage/migrations.py). Callbacks registered
with ``after_commit`` fire on the event loop after the commit, so a response is only sent for a
committed change, and wake-ups never announce uncommitted rows.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from . import ddl
from .version import SCHEMA_VERSION

log = logging.getLogger("sluice.storage")
T = TypeVar("T")


class SchemaVersionError(RuntimeError):
    pass


class DataDirLocked(RuntimeError):
    """Another process (or another Store of this one) has the database open: two writers would each
    keep their own caches (queues, sequence numbers) and diverge, so the second one refuses to start."""


class DiskFull(RuntimeError):
    """SQLite could not write: the disk (or the database's size limit) is full."""


def lock_file_path(database: str) -> str:
    return database + ".lock"


def acquire_lock(database: str) -> int:
    """Lock the data directory of ``database`` for this process's life (``flock`` on ``<database>.lock``).

    The lock goes with the file descriptor: released by ``release_lock`` or by the process's death (a
    ``kill -9`` leaves no stale lock). Raises ``DataDirLocked`` naming the holder's pid when taken.
    """
    path = lock_file_path(database)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = ""
        try:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        except OSError:
            pass
        os.close(fd)
        who = f"another Sluice process (pid {holder})" if holder.isdigit() else "another Sluice process"
        raise DataDirLocked(
            f"{who} is using the data directory {os.path.dirname(os.path.abspath(database))} (lock file {path} is "
            "held): two processes on one database would diverge. Stop the other one, or give this one another "
            "--data-dir (or SLUICE_DATA_DIR), or --in-memory.") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def release_lock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class UnitOfWork:
    """What a transaction function receives: the connection, the transaction's time, and signals.

    ``after_commit`` callbacks fire on the event loop once the change is committed (wake-ups).
    ``on_rollback`` callbacks fire on the writer thread, newest first, when the unit's work is undone
    (its savepoint rolled back, or the COMMIT of its batch failed): every in-memory cache edit made
    inside a unit registers its undo here, so a cache never shows state that was not committed.
    """

    __slots__ = ("sql", "now", "_after", "_undo", "checkpoint")

    def __init__(self, sql: sqlite3.Connection, now: int):
        self.sql = sql        # the connection, in this unit's transaction: every statement is a SQL string
        self.now = now
        self._after: list[Callable[[], Any]] = []
        self._undo: list[Callable[[], Any]] = []
        # Set by a unit that deleted much (a purge, a wipe, a big sweep): the WAL is checkpointed and
        # truncated after its commit instead of staying at its high-water mark.
        self.checkpoint = False

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after.append(callback)

    def on_rollback(self, callback: Callable[[], Any]) -> None:
        self._undo.append(callback)

    @contextmanager
    def savepoint(self, name: str = "nested") -> Iterator[None]:
        """A nested all-or-nothing part of the unit: if the block raises, its SQL is rolled back and the
        signals it registered are undone (its undo callbacks run, its after-commit callbacks dropped),
        and the exception goes on. A delivery that fails half-way leaves nothing behind."""
        after, undo = len(self._after), len(self._undo)
        self.sql.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.sql.execute(f"ROLLBACK TO {name}")
            self.sql.execute(f"RELEASE {name}")
            del self._after[after:]
            inner, self._undo = self._undo[undo:], self._undo[:undo]
            for callback in reversed(inner):
                try:
                    callback()
                except Exception:
                    log.exception("rollback callback failed")
            raise
        self.sql.execute(f"RELEASE {name}")

    def rolled_back(self) -> None:
        """Run the undo callbacks, newest first (each cache edit undone in reverse order)."""
        undo, self._undo = self._undo, []
        for callback in reversed(undo):
            try:
                callback()
            except Exception:  # one failed undo must not stop the others
                log.exception("rollback callback failed")


MAX_BATCH = 64
READERS = 2  # snapshot reader threads (and connections)


def _is_full(error: BaseException) -> bool:
    """SQLITE_FULL: the disk, or the database's page limit, has no room for the write."""
    return isinstance(error, sqlite3.Error) and getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


class _Pending:
    __slots__ = ("work", "args", "kwargs", "future", "uow", "result", "error")

    def __init__(self, work, args, kwargs, future):
        self.work, self.args, self.kwargs, self.future = work, args, kwargs, future
        self.uow: UnitOfWork | None = None
        self.result = None
        self.error: BaseException | None = None


class Store:
    # journal_size_limit: after a checkpoint the WAL file is cut back to 16 MB (SQLite otherwise keeps it
    # at its largest size for ever; 135 MB was seen after a big purge).
    PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000", "temp_store=MEMORY",
               "cache_size=-16000", "journal_size_limit=16777216")

    def __init__(self, path: str, now_ms: Callable[[], int],
                 full_error: Callable[[str], BaseException] | None = None):
        self.path = path
        self._now_ms = now_ms
        # The disk is full: what a unit that could not write raises instead (the emulator's AWS error), and the
        # failure reported by health until a write succeeds again (None: writes succeed).
        self._full_error = full_error or (lambda detail: DiskFull(f"the disk is full ({detail})"))
        self.failure: str | None = None
        self._pending: list[_Pending] = []
        self._draining = False
        self._conn: sqlite3.Connection | None = None
        self._lock: int | None = None    # the data directory's lock file (see ``lock``)
        self._functions: list[tuple[str, int, Callable[..., Any]]] = []
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sluice-sqlite")
        # Snapshot reads (``snapshot``): their own threads, each with its own read-only connection.
        self._readers = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="sluice-sqlite-read")
        self._reader_local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()

    def create_function(self, name: str, nargs: int, fn: Callable[..., Any]) -> None:
        """An SQL function (for triggers) on the store's connection, whether or not it is open yet."""
        self._functions.append((name, nargs, fn))
        if self._conn is not None:
            self._conn.create_function(name, nargs, fn)

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode at the driver: transactions are exactly the BEGIN IMMEDIATE ... COMMIT below.
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        for pragma in self.PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        for name, nargs, fn in self._functions:
            conn.create_function(name, nargs, fn)
        return conn

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def lock(self) -> None:
        """Take the data directory's lock now (the CLI does, to refuse before serving); ``open`` takes it
        if nobody did. Held until ``close``."""
        if self.path != ":memory:" and self._lock is None:
            self._lock = acquire_lock(self.path)

    async def open(self) -> None:
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self.lock()
        self._conn = await self._run(self._connect)
        await self._run(self._check_and_create)

    def _check_and_create(self) -> None:
        """Upgrade an older database in place (storage/migrations.py), create missing tables, stamp the version.

        All in one transaction. Foreign keys are not enforced during it: a migration may rebuild a
        table, and dropping a referenced table would cascade; ``PRAGMA foreign_keys`` cannot change
        inside a transaction, so it is set around it, and the migrated rows are checked before COMMIT.
        """
        raw = self._open_conn
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with self._sqlite_transaction():
                version = raw.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise SchemaVersionError(
                        f"the database {self.path} was written by a newer Sluice (schema {version}, this one "
                        f"knows {SCHEMA_VERSION}); upgrade Sluice or point --data-dir at another directory")
                if version != SCHEMA_VERSION and self._has_tables(raw):
                    from . import migrations  # SQLAlchemy is imported only to upgrade an older database
                    if migrations.upgrade(raw, version, self.path):
                        migrations.check_foreign_keys(raw)
                for statement in ddl.STATEMENTS:  # IF NOT EXISTS: creates exactly what is missing
                    raw.execute(statement)
                if version != SCHEMA_VERSION:
                    raw.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")

    @staticmethod
    def _has_tables(raw: sqlite3.Connection) -> bool:
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return not names.isdisjoint(ddl.TABLES)

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._run(conn.close)
        self._thread.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        with self._reader_lock:
            readers, self._reader_conns = self._reader_conns, []
        for reader in readers:
            reader.close()
        if self._lock is not None:
            fd, self._lock = self._lock, None
            release_lock(fd)

    @property
    def _open_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("store is not open")
        return self._conn

    def _run_batch(self, batch: list[_Pending]) -> bool:
        """On the writer thread: every pending unit of work in ONE SQLite transaction (group commit).

        Each unit runs in its own SAVEPOINT when the batch has several, so one that raises is
        rolled back alone, exactly as if it had had a transaction of its own. Nothing is answered
        before the one COMMIT: a 200 still means committed. True if the batch changed rows.
        """
        conn = self._open_conn
        changes = conn.total_changes
        self._batch(conn, batch)
        if any(item.uow is not None and item.uow.checkpoint for item in batch):
            self._checkpoint(conn)
        return conn.total_changes != changes

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL into the database and truncate it (after a unit that deleted much)."""
        if self.path == ":memory:":
            return
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # a reader holds the WAL: the automatic checkpoints and the size limit still apply
            log.warning("WAL checkpoint failed", exc_info=True)

    def _batch(self, conn: sqlite3.Connection, batch: list[_Pending]) -> None:
        try:
            with self._sqlite_transaction():
                if len(batch) == 1:
                    item = batch[0]
                    uow = UnitOfWork(conn, self._now_ms())
                    item.uow = uow
                    try:
                        item.result = item.work(uow, *item.args, **item.kwargs)
                    except BaseException:
                        item.uow = None
                        uow.rolled_back()
                        raise
                    return
                # One SAVEPOINT per unit; the SAVEPOINT/RELEASE pairs are balanced right here.
                raw = conn
                for item in batch:
                    uow = UnitOfWork(conn, self._now_ms())
                    raw.execute("SAVEPOINT unit")
                    try:
                        item.result = item.work(uow, *item.args, **item.kwargs)
                    except Exception as exc:
                        raw.execute("ROLLBACK TO unit")
                        raw.execute("RELEASE unit")
                        uow.rolled_back()
                        item.error = exc
                    else:
                        raw.execute("RELEASE unit")
                        item.uow = uow
        except BaseException:
            # The COMMIT (or the transaction around the units) failed: every unit that had succeeded is
            # undone too, newest first, before any later unit runs on this thread.
            for item in reversed(batch):
                if item.uow is not None:
                    item.uow.rolled_back()
            raise

    @contextmanager
    def _sqlite_transaction(self):
        """BEGIN IMMEDIATE ... COMMIT issued straight to SQLite (the driver is in autocommit mode)."""
        raw = self._open_conn
        if raw.in_transaction:
            # A COMMIT that failed (a deferred constraint, SQLITE_BUSY/FULL) leaves SQLite's transaction
            # open; end it here or every later BEGIN fails.
            raw.execute("ROLLBACK")
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise

    async def transaction(self, work: Callable[..., T], *args, **kwargs) -> T:
        """Run ``work(uow, *args, **kwargs)`` in one write transaction; fire its signals after commit.

        Units of work that arrive while the writer is busy are committed together (group commit):
        one thread hop and one COMMIT for all of them, each still all-or-nothing on its own.
        """
        if self._conn is None:
            raise RuntimeError("store is not open")
        item = _Pending(work, args, kwargs, asyncio.get_running_loop().create_future())
        self._pending.append(item)
        if not self._draining:
            self._draining = True
            asyncio.ensure_future(self._drain())
        return await item.future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    wrote = await self._run(self._run_batch, batch)
                except BaseException as exc:  # the batch did not commit: nobody in it succeeded
                    for item in batch:
                        item.uow = None
                        item.error = item.error or exc
                else:
                    if wrote and self.failure is not None:
                        log.warning("the database accepts writes again")
                        self.failure = None
                for item in batch:
                    if item.error is not None and _is_full(item.error):
                        detail = f"{self.path}: {item.error}"
                        if self.failure is None:
                            log.error("the disk is full: %s", detail)
                        self.failure = f"the disk is full ({detail})"
                        item.error = self._full_error(detail)
                for item in batch:
                    if item.error is None and item.uow is not None:
                        for callback in item.uow._after:
                            try:
                                callback()
                            except Exception:  # a signal must never turn a committed request into an error
                                log.exception("post-commit callback failed")
                        if not item.future.done():
                            item.future.set_result(item.result)
                    elif not item.future.done():
                        item.future.set_exception(item.error)
        finally:
            self._draining = False

    # Reads take the same path: SQLite is fast, one connection keeps every read consistent, and reads of the
    # in-memory caches must run in the writer's order (see DEVELOPING.md). ``snapshot`` is for the others.
    read = transaction

    async def snapshot(self, work: Callable[..., T], *args) -> T:
        """Run ``work(uow, *args)`` in a read-only transaction on a reader connection, beside the writer.

        WAL lets readers see the last commit while the writer works, so a long read (a page of a deep queue,
        a log) never holds the writer, nor waits for it. Only for SQL reads: ``work`` may not write, nor read
        a cache (caches follow the writer's order). An in-memory database has no second connection: there
        it runs on the writer, as ``read``.
        """
        if self.path == ":memory:":
            return await self.read(work, *args)
        if self._conn is None:
            raise RuntimeError("store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run_snapshot, work, args)

    def _run_snapshot(self, work: Callable[..., T], args: tuple) -> T:
        conn = getattr(self._reader_local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            for pragma in ("busy_timeout=5000", "query_only=ON", "cache_size=-8000"):
                conn.execute(f"PRAGMA {pragma}")
            for name, nargs, fn in self._functions:
                conn.create_function(name, nargs, fn)
            self._reader_local.conn = conn
            with self._reader_lock:
                self._reader_conns.append(conn)
        conn.execute("BEGIN")
        try:
            return work(UnitOfWork(conn, self._now_ms()), *args)
        finally:
            conn.execute("ROLLBACK")  # read-only: nothing to commit

    async def wipe(self) -> None:
        def _wipe(uow: UnitOfWork):
            for table in reversed(ddl.TABLES):  # creation order reversed: referencing tables first
                uow.sql.execute(f'DELETE FROM "{table}"')
            uow.checkpoint = True
        await self.transaction(_wipe)
