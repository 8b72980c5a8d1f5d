"""What SQS operations cost, counted in SQLite virtual-machine steps (independent of the machine and its
load): a receive does not read the groups in flight, GetQueueAttributes does not read the queue."""

from __future__ import annotations

import pytest

from emulator.caller import Caller

CALLER = Caller(account="000000000000", region="us-east-1", endpoint="http://localhost:4566")


class Steps:
    """Counts the VM steps of everything the store runs while active."""

    def __init__(self, store):
        self.conn = store._conn
        self.count = 0

    def _tick(self) -> int:
        self.count += 1
        return 0

    async def of(self, coro) -> int:
        self.count = 0
        self.conn.set_progress_handler(self._tick, 1)
        try:
            await coro
        finally:
            self.conn.set_progress_handler(None, 1)
        return self.count


async def _fifo_with_groups_in_flight(emulator, name: str, groups: int) -> str:
    sqs = emulator.sqs
    url = (await sqs.create_queue(CALLER, queue_name=name, attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"}))["QueueUrl"]
    for start in range(0, groups, 10):
        await sqs.send_message_batch(CALLER, queue_url=url, entries=[
            {"Id": str(j), "MessageBody": f"{start + j}", "MessageGroupId": f"g{start + j}"}
            for j in range(min(10, groups - start))])
        await sqs.send_message_batch(CALLER, queue_url=url, entries=[  # a second message behind each head
            {"Id": str(j), "MessageBody": f"{start + j}b", "MessageGroupId": f"g{start + j}"}
            for j in range(min(10, groups - start))])
    taken = 0
    while taken < groups:
        got = (await sqs.receive_message(CALLER, queue_url=url, max_number_of_messages=1, visibility_timeout=3600,
                                         wait_time_seconds=0)).get("Messages", [])
        assert got
        taken += len(got)
    return url


async def test_a_fifo_receive_costs_the_same_with_10_or_1000_groups_in_flight(emulator):
    steps = Steps(emulator.store)
    sqs = emulator.sqs
    cost = {}
    for name, groups in (("few.fifo", 10), ("many.fifo", 1000)):
        url = await _fifo_with_groups_in_flight(emulator, name, groups)
        await sqs.send_message(CALLER, queue_url=url, message_body="new", message_group_id="new")
        receive = sqs.receive_message(CALLER, queue_url=url, max_number_of_messages=10, wait_time_seconds=0)
        cost[name] = await steps.of(receive)
        empty = sqs.receive_message(CALLER, queue_url=url, max_number_of_messages=10, wait_time_seconds=0)
        cost[name + " empty"] = await steps.of(empty)
    # B-tree depth may add a step or two; reading the groups in flight would add thousands.
    assert abs(cost["many.fifo"] - cost["few.fifo"]) < 50, cost
    assert abs(cost["many.fifo empty"] - cost["few.fifo empty"]) < 50, cost


async def _queue_of(emulator, name: str, depth: int, *, fifo: bool = False) -> str:
    sqs = emulator.sqs
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    url = (await sqs.create_queue(CALLER, queue_name=name, attributes=attributes))["QueueUrl"]
    for start in range(0, depth, 10):
        await sqs.send_message_batch(CALLER, queue_url=url, entries=[
            {"Id": str(j), "MessageBody": f"{name}{start + j}", **({"MessageGroupId": "g"} if fifo else {})}
            for j in range(10)])
    return url


@pytest.mark.parametrize("fifo", [False, True])
async def test_a_purge_costs_the_same_on_50_or_3000_messages_and_the_rows_go_in_the_background(emulator, fifo):
    sqs = emulator.sqs
    steps = Steps(emulator.store)
    suffix = ".fifo" if fifo else ""
    small = await _queue_of(emulator, "small" + suffix, 50, fifo=fifo)
    deep = await _queue_of(emulator, "deep" + suffix, 3000, fifo=fifo)
    await sqs.receive_message(CALLER, queue_url=deep, max_number_of_messages=5, wait_time_seconds=0)  # some in flight
    await emulator.scheduler.stop()  # the background deletion waits: the purge's own cost is measured alone
    cost = {"small": await steps.of(sqs.purge_queue(CALLER, queue_url=small)),
            "deep": await steps.of(sqs.purge_queue(CALLER, queue_url=deep))}
    assert abs(cost["deep"] - cost["small"]) < 50, cost

    # Gone at once for every reader, though the rows are still there.
    assert await emulator.store.read(lambda uow: uow.sql.execute("SELECT COUNT(*) FROM sqs_messages").fetchone()[0]) \
        == 3050
    attributes = (await sqs.get_queue_attributes(CALLER, queue_url=deep, attribute_names=["All"]))["Attributes"]
    assert [attributes[k] for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                    "ApproximateNumberOfMessagesDelayed")] == ["0", "0", "0"]
    assert await sqs.peek(CALLER, queue_url=deep) == []
    assert "Messages" not in await sqs.receive_message(CALLER, queue_url=deep, wait_time_seconds=0)
    group = {"message_group_id": "g", "message_deduplication_id": "deep0"} if fifo else {}
    await sqs.send_message(CALLER, queue_url=deep, message_body="after", **group)  # dedup window ended too
    got = await sqs.receive_message(CALLER, queue_url=deep, wait_time_seconds=0, max_number_of_messages=10)
    assert [m["Body"] for m in got["Messages"]] == ["after"]

    await emulator.scheduler.start()
    await emulator.scheduler.run_until_idle()
    assert await emulator.store.read(lambda uow: uow.sql.execute("SELECT COUNT(*) FROM sqs_messages").fetchone()[0]) \
        == 1
    assert await emulator.store.read(lambda uow: uow.sql.execute(
        "SELECT COUNT(*) FROM sqs_queue_counts WHERE purged_below > 0").fetchone()[0]) == 0
    attributes = (await sqs.get_queue_attributes(CALLER, queue_url=deep, attribute_names=["All"]))["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
