"""FIFO receive: strict order within a message group, and a group blocked while it has a message in flight.

A message is eligible when it is receivable, no message of its group is in flight, and no earlier
message of its group is still delayed. Eligible messages are taken in sequence order, so a group's
messages come in send (and batch) order, several of one group in one receive if they are next.

The receive walks group heads (``sqs_fifo_groups``, by the sequence number of each group's first
message), skipping the groups with a message in flight at the cost of one row each, then reads the
first messages of the groups it can take from. So its cost does not grow with a blocked group's
depth. Only the first ``limit`` groups that give something can hold the ``limit`` lowest eligible
sequence numbers, so the walk stops there.
"""

from __future__ import annotations

from storage import sqs as db
from storage.db import UnitOfWork

from .model import Queue


def select(uow: UnitOfWork, queue: Queue, limit: int, dead_letter: Queue | None) -> tuple[list[int], list[int], bool]:
    """(row ids to deliver, row ids to dead-letter, whether more may be eligible) for one receive.

    ``dead_letter`` is the DLQ or None.
    """
    now = uow.now
    # over-received messages go to the DLQ (a redrive policy sets both)
    max_receive_count = queue.max_receive_count if dead_letter is not None else None
    blocked = db.fifo_inflight_groups(uow, queue.id)
    eligible: list[tuple[int, int]] = []   # (seq, row id)
    moves: list[int] = []
    giving = 0
    more = False
    groups = db.fifo_groups(uow, queue.id)
    try:
        for (group,) in groups:
            if group in blocked:
                continue
            if giving >= limit:
                more = True
                break
            taken = 0
            rows = db.fifo_group_messages(uow, queue.id, group)
            try:
                for row_id, seq, visible_at, receive_count in rows:
                    if visible_at > now:  # delayed (or, defensively, in flight): the rest of the group waits
                        break
                    if max_receive_count is not None and receive_count >= max_receive_count:
                        moves.append(row_id)
                        continue
                    if taken >= limit:
                        more = True
                        break
                    eligible.append((seq, row_id))
                    taken += 1
            finally:
                rows.close()
            if taken:
                giving += 1
    finally:
        groups.close()
    eligible.sort()
    if len(eligible) > limit:
        more = True
    return [row_id for _, row_id in eligible[:limit]], moves, more
