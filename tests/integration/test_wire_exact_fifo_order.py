"""FIFO receive order, as AWS serves it (issue #14).

(a) one ReceiveMessage takes as many messages as it can from one group before moving to the next;
(b) a group is receivable while its oldest message is visible, and only its visible prefix is
    returned (an in-flight head blocks the whole group);
(c) groups come back in the order their head became receivable (sent, or visible again).

The fixed cases are LocalStack's AWS-validated tests (tests/aws/services/sqs/test_sqs.py,
test_fifo_receive_message_group_id_ordering and the test_fifo_message_group_visibility_* family).
The randomized test drives Sluice and a small reference model of the three rules with the same
random sends, receives, visibility changes, deletes and clock moves, and compares every answer.
A last test checks that a receive's cost depends neither on the queue's depth nor on its number of
groups (SQLite virtual-machine steps, counted on the store's connection).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

FIFO = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}


def fifo_queue(sqs, name="order.fifo", **attributes) -> str:
    return sqs.create_queue(QueueName=name, Attributes={**FIFO, **attributes})["QueueUrl"]


def send(sqs, url, *pairs):
    for body, group in pairs:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)


def receive(sqs, url, n=10, **kwargs) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, **kwargs).get("Messages", [])


def bodies(messages) -> list[str]:
    return [m["Body"] for m in messages]


# --- the recorded cases -----------------------------------------------------------------------------

def test_a_receive_takes_a_whole_group_before_the_next(sqs):
    """test_fifo_receive_message_group_id_ordering."""
    url = fifo_queue(sqs)
    send(sqs, url, ("g1-m1", "g1"), ("g2-m1", "g2"), ("g1-m2", "g1"), ("g1-m3", "g1"))
    assert bodies(receive(sqs, url)) == ["g1-m1", "g1-m2", "g1-m3", "g2-m1"]


def test_a_head_visible_again_opens_its_group_to_its_visible_prefix(sqs):
    """test_fifo_message_group_visibility_after_terminate_visibility_timeout."""
    url = fifo_queue(sqs)
    send(sqs, url, ("g1-m1", "g1"), ("g1-m2", "g1"), ("g2-m1", "g2"))
    got = receive(sqs, url, 2)
    assert bodies(got) == ["g1-m1", "g1-m2"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
    # g2 waited since its send; g1 is receivable again, but only g1-m1 (g1-m2 is still in flight)
    assert bodies(receive(sqs, url, 3)) == ["g2-m1", "g1-m1"]


def test_an_in_flight_head_blocks_its_group(sqs):
    """test_fifo_message_group_visibility_after_partial_delete."""
    url = fifo_queue(sqs)
    send(sqs, url, ("g1-m1", "g1"), ("g2-m1", "g2"), ("g1-m2", "g1"), ("g2-m2", "g2"), ("g1-m3", "g1"),
         ("g1-m4", "g1"), ("g3-m1", "g3"))
    got = receive(sqs, url, 2)
    assert bodies(got) == ["g1-m1", "g1-m2"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])  # g1-m2, the new head, is in flight
    assert bodies(receive(sqs, url)) == ["g2-m1", "g2-m2", "g3-m1"]


def test_after_a_delete_a_group_keeps_the_place_of_its_new_head(sqs):
    """test_fifo_message_group_visibility_after_delete ("aws" ordering): the new head became
    receivable when it was sent, before g3's message."""
    url = fifo_queue(sqs)
    send(sqs, url, ("g1-m1", "g1"), ("g2-m1", "g2"), ("g1-m2", "g1"), ("g2-m2", "g2"), ("g1-m3", "g1"),
         ("g1-m4", "g1"), ("g3-m1", "g3"))
    got = receive(sqs, url, 2)
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert bodies(receive(sqs, url)) == ["g2-m1", "g2-m2", "g1-m3", "g1-m4", "g3-m1"]


def test_groups_released_by_a_timeout_go_behind_waiting_groups(sqs, advance):
    """test_fifo_receive_message_visibility_timeout_shared_in_group ("aws and localstack" ordering)."""
    url = fifo_queue(sqs, VisibilityTimeout="1")
    send(sqs, url, ("g1-m1", "g1"), ("g1-m2", "g1"), ("g1-m3", "g1"), ("g1-m4", "g1"), ("g2-m1", "g2"),
         ("g3-m1", "g3"))
    assert bodies(receive(sqs, url, 2)) == ["g1-m1", "g1-m2"]
    assert bodies(receive(sqs, url, 1)) == ["g2-m1"]
    advance(2)
    assert bodies(receive(sqs, url, 10, VisibilityTimeout=0)) == ["g3-m1", "g1-m1", "g1-m2", "g1-m3", "g1-m4",
                                                                 "g2-m1"]


def test_receiving_with_zero_visibility_timeout(sqs):
    """test_fifo_receive_message_with_zero_visibility_timeout."""
    url = fifo_queue(sqs)
    send(sqs, url, ("g1-m1", "g1"), ("g2-m1", "g2"), ("g2-m2", "g2"), ("g3-m1", "g3"), ("g1-m2", "g1"))
    assert bodies(receive(sqs, url, 3, VisibilityTimeout=0)) == ["g1-m1", "g1-m2", "g2-m1"]
    assert bodies(receive(sqs, url, 10, VisibilityTimeout=0)) == ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]


def test_a_group_released_at_the_same_instant_still_goes_behind(sqs):
    """Rule (c) on a clock that did not move: the release is later than the other group's send."""
    url = fifo_queue(sqs)
    send(sqs, url, ("g1-m1", "g1"), ("g2-m1", "g2"))
    [head] = receive(sqs, url, 1)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"], VisibilityTimeout=0)
    assert bodies(receive(sqs, url)) == ["g2-m1", "g1-m1"]


# --- the randomized comparison against a reference model ----------------------------------------------

@dataclass
class Msg:
    body: str
    group: str
    visible_at: int    # ms
    order: int         # when visible_at was last set (a global counter): ties at one instant
    receives: int = 0
    handle: str | None = None
    deleted: bool = False


class Model:
    """The three rules, spelled out on a list of messages (send order = list order)."""

    def __init__(self):
        self.messages: list[Msg] = []
        self.now = 0
        self.counter = 0

    def tick(self) -> int:
        self.counter += 1
        return self.counter

    def send(self, body: str, group: str) -> None:
        self.messages.append(Msg(body, group, self.now, self.tick()))

    def live(self, group: str) -> list[Msg]:
        return [m for m in self.messages if m.group == group and not m.deleted]

    def receive(self, n: int, timeout_s: int) -> list[Msg]:
        groups = {m.group for m in self.messages if not m.deleted}
        heads = [self.live(g)[0] for g in groups]
        ready = sorted((h for h in heads if h.visible_at <= self.now), key=lambda h: (h.visible_at, h.order))
        out: list[Msg] = []
        for head in ready:
            if len(out) >= n:
                break
            taken = []
            for m in self.live(head.group):
                if m.visible_at > self.now or len(out) + len(taken) >= n:
                    break
                taken.append(m)
            order = self.tick()  # one receive sets its messages' visibility group by group
            for m in taken:
                m.visible_at, m.order, m.receives = self.now + timeout_s * 1000, order, m.receives + 1
            out += taken
        return out

    def change_visibility(self, m: Msg, timeout_s: int) -> None:
        m.visible_at, m.order = self.now + timeout_s * 1000, self.tick()


@pytest.mark.parametrize("seed", range(6))
def test_random_receives_match_the_reference_model(sqs, advance, seed):
    rng = random.Random(seed)
    url = fifo_queue(sqs, f"random{seed}.fifo", VisibilityTimeout="3")
    model = Model()
    by_body: dict[str, Msg] = {}
    groups = [f"g{i}" for i in range(rng.randint(2, 5))]
    sent = 0
    for step in range(140):
        op = rng.choices(["send", "receive", "visibility", "delete", "advance"], [4, 4, 2, 2, 1])[0]
        if op == "send":
            group = rng.choice(groups)
            body = f"{group}-{sent}"
            sent += 1
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
            model.send(body, group)
            by_body[body] = model.messages[-1]
        elif op == "receive":
            n, timeout = rng.randint(1, 10), rng.choice([0, 1, 3, 5])
            got = receive(sqs, url, n, VisibilityTimeout=timeout)
            expected = model.receive(n, timeout)
            assert bodies(got) == [m.body for m in expected], f"seed {seed}, step {step}"
            for message in got:
                by_body[message["Body"]].handle = message["ReceiptHandle"]
        elif op == "visibility":
            # a message with the handle of its latest receive, in flight or not (AWS answers 200 either way)
            candidates = [m for m in model.messages if not m.deleted and m.handle]
            if candidates:
                m = rng.choice(candidates)
                timeout = rng.choice([0, 0, 1, 4])
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m.handle, VisibilityTimeout=timeout)
                model.change_visibility(m, timeout)
        elif op == "delete":
            candidates = [m for m in model.messages if not m.deleted and m.handle and m.visible_at > model.now]
            if candidates:
                m = rng.choice(candidates)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m.handle)
                m.deleted = True
        else:
            seconds = rng.choice([1, 2, 3])
            advance(seconds)
            model.now += seconds * 1000
    advance(10)
    model.now += 10_000
    while True:  # drain: everything left comes out in the model's order
        got = receive(sqs, url, 10, VisibilityTimeout=60)
        assert bodies(got) == [m.body for m in model.receive(10, 60)], f"seed {seed}, drain"
        if not got:
            break


# --- cost -----------------------------------------------------------------------------------------------

def _vm_steps(sluice, call) -> int:
    """SQLite virtual-machine steps the store's connection runs during ``call()``."""
    steps = [0]

    def count():
        steps[0] += 1
        return 0

    store = sluice.emulator.store
    sluice.call(store.read, lambda uow: uow.sql.set_progress_handler(count, 1))
    try:
        call()
    finally:
        sluice.call(store.read, lambda uow: uow.sql.set_progress_handler(None, 1))
    return steps[0]


def test_receive_cost_depends_neither_on_depth_nor_on_groups(sqs, sluice):
    def cost(url) -> int:
        return _vm_steps(sluice, lambda: receive(sqs, url, 10, VisibilityTimeout=0))

    small = fifo_queue(sqs, "small.fifo")
    send(sqs, small, *[(f"m{i}", f"ready{i % 3}") for i in range(6)])
    big = fifo_queue(sqs, "big.fifo")
    send(sqs, big, *[(f"m{i}", f"ready{i % 3}") for i in range(6)])
    entries = [{"Id": str(i), "MessageBody": f"d{i}", "MessageGroupId": "deep"} for i in range(10)]
    for batch in range(30):  # a 300-message group behind an in-flight head
        sqs.send_message_batch(QueueUrl=big, Entries=[{**e, "Id": f"{batch}-{e['Id']}", "MessageBody":
                                                        f"{e['MessageBody']}-{batch}"} for e in entries])
    for start in range(0, 200, 10):  # 200 more groups, their heads in flight
        sqs.send_message_batch(QueueUrl=big, Entries=[{"Id": str(i), "MessageBody": f"b{i}",
                                                       "MessageGroupId": f"blocked{i}"} for i in range(start, start + 10)])
    sqs.send_message(QueueUrl=big, MessageBody="later", MessageGroupId="ready0")

    def ready(message) -> bool:
        return message["Body"].startswith("m") or message["Body"] == "later"

    # Put every other group's head in flight, keeping the three ready groups receivable.
    while True:
        got = receive(sqs, big, 10, VisibilityTimeout=300)
        for message in got:
            if ready(message):
                sqs.change_message_visibility(QueueUrl=big, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
        if all(ready(m) for m in got):
            break
    small_cost, big_cost = cost(small), cost(big)
    assert big_cost < small_cost * 1.5 + 600, (small_cost, big_cost)
