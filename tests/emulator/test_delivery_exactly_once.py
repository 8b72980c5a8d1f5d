"""Under --delivery async, an outbox attempt to a local target (an SQS queue) is delivered in the transaction
that settles its row: a failure anywhere in it undoes the delivery too, so the retry cannot duplicate it."""

from __future__ import annotations

import pytest

from emulator.caller import Caller
from emulator.core import Emulator
from emulator.delivery.outbox import OutboxRunner
from emulator.settings import Settings

CALLER = Caller("000000000000", "us-east-1", "http://localhost:4566")


@pytest.fixture
async def emulator():
    emu = Emulator(Settings(in_memory=True, clock="fake", delivery="async"))
    await emu.start()
    yield emu
    await emu.stop()


async def test_a_failure_after_the_queue_write_undoes_it_and_the_retry_delivers_once(emulator, monkeypatch):
    url = (await emulator.sqs.create_queue(CALLER, queue_name="q"))["QueueUrl"]
    topic = await emulator.sns.create_topic(CALLER, "t", None, None, None)
    await emulator.sns.subscribe(CALLER, topic, "sqs", "arn:aws:sqs:us-east-1:000000000000:q",
                                 {"RawMessageDelivery": "true"}, True)
    settle, failures = OutboxRunner._settle, []

    def settle_failing_once(self, uow, kind, row, outcome):
        if not failures:
            failures.append(outcome)
            raise RuntimeError("the settling write failed")  # after the queue's INSERT, same transaction
        return settle(self, uow, kind, row, outcome)

    monkeypatch.setattr(OutboxRunner, "_settle", settle_failing_once)
    await emulator.sns.publish(CALLER, topic_arn=topic, target_arn=None, phone_number=None, message="once",
                               subject=None, structure=None, attributes=None, dedup_id=None, group_id=None,
                               trace_header=None)
    await emulator.scheduler.run_until_idle()
    assert len(failures) == 1 and failures[0].ok           # delivered, then the transaction failed whole
    url_messages = await emulator.sqs.receive_message(CALLER, queue_url=url, max_number_of_messages=10)
    assert url_messages.get("Messages", []) == []          # undone with it
    [row] = await emulator.delivery.pending()              # left leased: as if never attempted
    emulator.clock.advance(row["due_at"] - emulator.clock.now_ms())
    await emulator.scheduler.run_until_idle()
    assert await emulator.delivery.pending() == []
    received = await emulator.sqs.receive_message(CALLER, queue_url=url, max_number_of_messages=10)
    assert [m["Body"] for m in received.get("Messages", [])] == ["once"]
    log = await emulator.delivery.log()
    assert [(r["attempt"], r["status"]) for r in log if r["kind"] == "sns.sqs"] == [(2, "delivered")]
