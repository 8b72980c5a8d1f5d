"""FIFO receive: strict order within a message group, and a group blocked while it has a message in flight.

A message is eligible when it is receivable, no message of its group is in flight, and no earlier
message of its group is still delayed. Eligible messages are taken in sequence order, so a group's
messages come in send (and batch) order, several of one group in one receive if they are next.
"""

from __future__ import annotations

from storage import sqs as db

from .model import Queue


def select(uow, queue: Queue, limit: int, dead_letter) -> tuple[list[int], list[int]]:
    """(row ids to deliver, row ids to dead-letter) for one receive; ``dead_letter`` is the DLQ or None."""
    blocked: set[str] = set()
    delayed_from: dict[str, int] = {}
    for group, seq, receive_count in db.fifo_unavailable(uow, queue.id):
        if receive_count > 0:
            blocked.add(group)
        elif seq is not None and (group not in delayed_from or seq < delayed_from[group]):
            delayed_from[group] = seq
    take: list[int] = []
    moves: list[int] = []
    cursor = db.fifo_candidates(uow, queue.id, sorted(blocked))
    try:
        for row_id, group, seq, receive_count in cursor:
            if group in delayed_from and seq > delayed_from[group]:
                continue
            if dead_letter is not None and receive_count >= queue.max_receive_count:
                moves.append(row_id)
                continue
            take.append(row_id)
            if len(take) >= limit:
                break
    finally:
        cursor.close()
    return take, moves
