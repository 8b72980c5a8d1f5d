"""The SQS queue cache under group commit: a unit's cache edits are undone with its work, and reads
run inside transactions, so no answer ever shows a queue change that was not committed."""

from __future__ import annotations

import asyncio
import threading
from sqlite3 import IntegrityError

import pytest

from emulator.caller import Caller
from emulator.sqs.errors import QueueDoesNotExist, QueueNameExists
from emulator.sqs.model import Queue
from storage import sqs as db

CALLER = Caller(account="000000000000", region="us-east-1", endpoint="http://localhost:4566")


def batches(store) -> list[list[str]]:
    """The units of every batch the writer runs (one batch = one BEGIN ... COMMIT), by function name."""
    seen: list[list[str]] = []
    run = store._run_batch

    def recorded(batch):
        seen.append([getattr(item.work, "__name__", "?") for item in batch])
        return run(batch)

    store._run_batch = recorded
    return seen


def shared_a_batch(seen: list[list[str]], units: list[str]) -> bool:
    """Whether ``units`` ran in one batch, in this order (other services' background units aside)."""
    return any([name for name in batch if name in units] == units for batch in seen)


async def cached(emulator) -> dict:
    return await emulator.store.read(lambda uow: {q.key: q for q in emulator.sqs.queues.all(uow)})


async def stored(emulator) -> dict:
    """The queues as SQLite has them, built as the cache builds them at start."""
    return await emulator.store.read(lambda uow: {q.key: q for q in map(Queue.from_row, db.load_queues(uow))})


def fail_after_create(monkeypatch, sqs, name: str, error: Exception, *, edited=None, release=None) -> None:
    """Make CreateQueue of ``name`` raise ``error`` after its unit changed the cache (and the table).

    With ``edited``/``release`` (threading.Events) the unit signals ``edited`` once it has changed the
    cache and holds the writer thread until ``release`` is set.
    """
    original = sqs._create_txn

    def create(uow, caller, queue_name, *args):
        result = original(uow, caller, queue_name, *args)
        if queue_name == name:
            assert sqs.queues.get(uow, (caller.account, caller.region, name)) is not None  # the edit was made
            if edited is not None:
                edited.set()
                assert release.wait(10)
            raise error
        return result

    monkeypatch.setattr(sqs, "_create_txn", create)


def url(name: str) -> str:
    return f"http://localhost:4566/000000000000/{name}"


# --- (a) a CreateQueue whose unit fails after the cache edit ---------------------------------------

@pytest.mark.parametrize("error", [QueueNameExists("an AWS error"), RuntimeError("a bug")],
                         ids=["aws-error", "other-error"])
async def test_a_failed_create_leaves_no_queue_in_the_cache(emulator, monkeypatch, error):
    sqs = emulator.sqs
    fail_after_create(monkeypatch, sqs, "ghost", error)
    with pytest.raises(type(error)):
        await sqs.create_queue(CALLER, queue_name="ghost")
    assert await cached(emulator) == {} == await stored(emulator)


async def test_a_failed_create_in_a_group_commit_is_undone_alone(emulator, monkeypatch):
    sqs = emulator.sqs
    seen = batches(emulator.store)
    fail_after_create(monkeypatch, sqs, "ghost", QueueNameExists("an AWS error"))
    results = await asyncio.gather(sqs.create_queue(CALLER, queue_name="a"), sqs.create_queue(CALLER, queue_name="ghost"),
                                   sqs.create_queue(CALLER, queue_name="b"), return_exceptions=True)
    assert shared_a_batch(seen, ["create"] * 3)
    assert isinstance(results[1], QueueNameExists)
    assert [r["QueueUrl"] for r in (results[0], results[2])] == [url("a"), url("b")]
    assert set(await cached(emulator)) == {("000000000000", "us-east-1", n) for n in ("a", "b")}
    assert await cached(emulator) == await stored(emulator)


# --- (b) a failed COMMIT undoes the cache edits of every unit in its batch ----------------------------

async def _orphan_table(store) -> None:
    """A deferred foreign key: a unit inserting an orphan succeeds, and makes its batch's COMMIT fail."""
    await store.transaction(lambda uow: (
        uow.sql.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)"),
        uow.sql.execute("CREATE TEMP TABLE child (pid INTEGER REFERENCES parent(id) "
                                 "DEFERRABLE INITIALLY DEFERRED)")))


async def _orphan(store) -> None:
    await store.transaction(lambda uow: uow.sql.execute("INSERT INTO child (pid) VALUES (42)"))


async def test_a_failed_commit_restores_the_cache_exactly(emulator):
    sqs, store = emulator.sqs, emulator.store
    await sqs.create_queue(CALLER, queue_name="keep", attributes={"DelaySeconds": "5"}, tags={"team": "a"})
    await sqs.create_queue(CALLER, queue_name="doomed")
    await _orphan_table(store)
    before = await cached(emulator)
    seen = batches(store)
    results = await asyncio.gather(
        sqs.set_queue_attributes(CALLER, queue_url=url("keep"), attributes={"VisibilityTimeout": "99",
                                                                            "DelaySeconds": "0"}),
        sqs.tag_queue(CALLER, queue_url=url("keep"), tags={"team": "b"}),
        sqs.add_permission(CALLER, queue_url=url("keep"), label="p", aws_account_ids=["111111111111"],
                           actions=["SendMessage"]),
        sqs.purge_queue(CALLER, queue_url=url("keep")),
        sqs.delete_queue(CALLER, queue_url=url("doomed")),
        sqs.create_queue(CALLER, queue_name="new"),
        _orphan(store), return_exceptions=True)
    assert shared_a_batch(seen, ["_set_attributes_txn", "_tags_txn", "_permission_txn", "_purge_txn",
                                 "_delete_queue_txn", "_create_txn", "<lambda>"])  # one batch, one COMMIT
    assert all(isinstance(r, IntegrityError) for r in results), results
    after = await cached(emulator)
    assert after == before == await stored(emulator)
    assert all(after[key] is queue for key, queue in before.items())  # the very objects that were there
    # and the service answers from it as before
    got = await sqs.get_queue_attributes(CALLER, queue_url=url("keep"), attribute_names=["All"])
    assert (got["Attributes"]["VisibilityTimeout"], got["Attributes"]["DelaySeconds"]) == ("30", "5")
    assert "Policy" not in got["Attributes"]
    assert await sqs.list_queue_tags(CALLER, queue_url=url("keep")) == {"Tags": {"team": "a"}}
    assert (await sqs.get_queue_url(CALLER, queue_name="doomed"))["QueueUrl"] == url("doomed")
    await sqs.purge_queue(CALLER, queue_url=url("keep"))       # the undone purge left no 60-second block


# --- (c) reads never answer an uncommitted queue ----------------------------------------------------

async def test_get_queue_url_in_the_batch_of_a_failing_create_answers_queue_does_not_exist(emulator, monkeypatch):
    sqs = emulator.sqs
    seen = batches(emulator.store)
    fail_after_create(monkeypatch, sqs, "ghost", RuntimeError("after the cache edit"))
    results = await asyncio.gather(
        sqs.create_queue(CALLER, queue_name="real"), sqs.create_queue(CALLER, queue_name="ghost"),
        sqs.get_queue_url(CALLER, queue_name="ghost"), sqs.get_queue_url(CALLER, queue_name="real"),
        sqs.list_queues(CALLER), return_exceptions=True)
    assert shared_a_batch(seen, ["create", "create", "_queue_url_txn", "_queue_url_txn", "_names_txn"])  # one group commit
    assert isinstance(results[1], RuntimeError)
    assert isinstance(results[2], QueueDoesNotExist)
    assert results[3] == {"QueueUrl": url("real")}
    assert results[4] == {"QueueUrls": [url("real")]}


async def test_reads_wait_for_a_create_that_has_changed_the_cache_but_not_committed(emulator, monkeypatch):
    """Asked while the CreateQueue's unit runs (cache changed, nothing committed), the reads wait for it."""
    sqs = emulator.sqs
    edited, release = threading.Event(), threading.Event()
    fail_after_create(monkeypatch, sqs, "ghost", RuntimeError("after the cache edit"), edited=edited, release=release)
    create = asyncio.ensure_future(sqs.create_queue(CALLER, queue_name="ghost"))
    try:
        assert await asyncio.to_thread(edited.wait, 10)        # the writer holds the uncommitted queue
        reads = asyncio.gather(sqs.get_queue_url(CALLER, queue_name="ghost"), sqs.list_queues(CALLER),
                               sqs.list_queue_tags(CALLER, queue_url=url("ghost")), return_exceptions=True)
        await asyncio.sleep(0)                                  # the reads are asked now, before the outcome
    finally:
        release.set()
    with pytest.raises(RuntimeError):
        await create
    got_url, listed, tags = await reads
    assert isinstance(got_url, QueueDoesNotExist)
    assert listed == {}
    assert isinstance(tags, QueueDoesNotExist)
