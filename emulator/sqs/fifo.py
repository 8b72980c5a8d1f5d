"""FIFO receive, as AWS orders it.

- A message group is receivable while its oldest message (its head) is visible; an in-flight head
  blocks the whole group. Only the group's visible prefix is handed out: its messages in order up
  to the first one that is in flight or still delayed.
- One receive takes as many messages as it can from one group before it moves to the next.
- Groups are served in the order their head became receivable (sent, or visible again after a
  visibility timeout or ChangeMessageVisibility), ties in the order that happened: a group just
  released goes behind the groups that were waiting.

``sqs_fifo_groups`` holds each group's head with that receivable time (see schema/sqs.py), so a
receive reads the groups it takes from, in order, and of each group the messages it takes plus the
one that stops it: the cost depends neither on the number of groups nor on their depth.
"""

from __future__ import annotations

from storage import sqs as db
from storage.db import UnitOfWork

from .model import Queue


def select(uow: UnitOfWork, queue: Queue, limit: int,
           dead_letter: Queue | None) -> tuple[list[tuple[str, list[int]]], list[tuple[str, int]], bool]:
    """(per group in serving order: its group id and the row ids to deliver; (group id, row id) of the
    rows to dead-letter; whether more may be receivable) for one receive.

    ``dead_letter`` is the DLQ or None: a visible message already received ``maxReceiveCount`` times
    is moved there instead of being delivered, and the group's prefix goes on after it.
    """
    now = uow.now
    max_receive_count = queue.max_receive_count if dead_letter is not None else None
    taken: list[tuple[str, list[int]]] = []
    moves: list[tuple[str, int]] = []
    count = 0
    more = False
    groups = db.fifo_ready_groups(uow, queue.id)
    try:
        for (group,) in groups:
            if count >= limit:
                more = True
                break
            ids: list[int] = []
            rows = db.fifo_group_messages(uow, queue.id, group)
            try:
                for row_id, _seq, visible_at, receive_count in rows:
                    if visible_at > now:  # in flight or delayed: the rest of the group waits behind it
                        break
                    if max_receive_count is not None and receive_count >= max_receive_count:
                        moves.append((group, row_id))
                        continue
                    if count >= limit:
                        more = True
                        break
                    ids.append(row_id)
                    count += 1
            finally:
                rows.close()
            if ids:
                taken.append((group, ids))
    finally:
        groups.close()
    return taken, moves, more
