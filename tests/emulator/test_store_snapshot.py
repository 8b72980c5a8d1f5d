"""Snapshot reads (Store.snapshot): a reader connection beside the writer, so a long read never holds it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from emulator.caller import Caller
from emulator.core import Emulator
from emulator.settings import Settings
from storage.db import DataDirLocked, Store

CALLER = Caller(account="000000000000", region="us-east-1", endpoint="http://localhost:4566")


def _blocking_insert(uow, started: threading.Event, release: threading.Event) -> None:
    uow.sql.execute("INSERT INTO delivery_log (at, kind, target, attempt, status) VALUES (2, 'k', 'uncommitted', 1, 's')")
    started.set()
    release.wait(30)


async def test_a_snapshot_read_runs_while_the_writer_is_busy_and_sees_the_last_commit(tmp_path):
    store = Store(str(tmp_path / "sluice.db"), lambda: 1)
    await store.open()
    try:
        await store.transaction(lambda uow: uow.sql.execute(
            "INSERT INTO delivery_log (at, kind, target, attempt, status) VALUES (1, 'k', 'committed', 1, 's')"))
        started, release = threading.Event(), threading.Event()
        writer = asyncio.ensure_future(store.transaction(_blocking_insert, started, release))
        assert await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
        try:
            targets = await asyncio.wait_for(store.snapshot(
                lambda uow: [r[0] for r in uow.sql.execute("SELECT target FROM delivery_log")]), 10)
        finally:
            release.set()
        assert targets == ["committed"]  # the writer's unit is not committed yet: not seen
        await writer
        assert await store.snapshot(lambda uow: uow.sql.execute("SELECT COUNT(*) FROM delivery_log").fetchone()[0]) == 2
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only|attempt to write"):
            await store.snapshot(lambda uow: uow.sql.execute("DELETE FROM delivery_log"))
    finally:
        await store.close()


async def test_a_second_store_on_one_database_is_refused_until_the_first_closes(tmp_path):
    first = Store(str(tmp_path / "sluice.db"), lambda: 1)
    await first.open()
    second = Store(str(tmp_path / "sluice.db"), lambda: 1)
    try:
        with pytest.raises(DataDirLocked, match=f"is using the data directory {tmp_path}"):
            await second.open()
    finally:
        await first.close()
    await second.open()
    await second.close()


async def test_the_admin_peek_of_a_file_backed_queue_does_not_wait_for_the_writer(tmp_path):
    emulator = Emulator(Settings(data_dir=tmp_path, clock="fake"))
    await emulator.start()
    try:
        url = (await emulator.sqs.create_queue(CALLER, queue_name="q"))["QueueUrl"]
        await emulator.sqs.send_message(CALLER, queue_url=url, message_body="one")
        queue = await emulator.store.read(lambda uow: emulator.sqs.queue_by_url(uow, CALLER, url, None))
        started, release = threading.Event(), threading.Event()
        writer = asyncio.ensure_future(emulator.store.transaction(_blocking_insert, started, release))
        assert await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
        try:
            messages, last = await asyncio.wait_for(emulator.store.snapshot(emulator.sqs._peek_rows, queue, 0, 10), 10)
        finally:
            release.set()
        await writer
        assert [m["Body"] for m in messages] == ["one"] and last is not None
        page, token = await emulator.sqs.peek_page(CALLER, queue_url=url, limit=10)
        assert [m["Body"] for m in page] == ["one"] and token is None
    finally:
        await emulator.stop()
