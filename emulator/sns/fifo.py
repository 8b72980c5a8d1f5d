"""FIFO topics: message group and deduplication rules, and SequenceNumbers.

A deduplication id (given, or the SHA-256 of the body with ContentBasedDeduplication) is remembered
for five minutes, per topic or, with FifoThroughputScope=MessageGroup, per message group; a duplicate
is accepted and answered with the first message's ids but not delivered.
"""

from __future__ import annotations

import hashlib
import re

from storage import sns as repo
from storage.db import UnitOfWork

from .errors import invalid

DEDUP_WINDOW_MS = 5 * 60 * 1000
TOKEN = re.compile(r"^[\x21-\x7e]{1,128}$")


def check_ids(*, fifo: bool, content_based: bool, group_id: str | None, dedup_id: str | None) -> None:
    if group_id is not None and not TOKEN.match(group_id):
        raise invalid("MessageGroupId")
    if dedup_id is not None and not TOKEN.match(dedup_id):
        raise invalid("MessageDeduplicationId")
    if not fifo:
        if dedup_id is not None:
            raise invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter "
                          "that is not valid for this topic type")
        return
    if group_id is None:
        raise invalid("The MessageGroupId parameter is required for FIFO topics")
    if dedup_id is None and not content_based:
        raise invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                      "provided explicitly")


def dedup_id_for(message: str, dedup_id: str | None) -> str:
    return dedup_id if dedup_id is not None else hashlib.sha256(message.encode("utf-8")).hexdigest()


def dedup_key(dedup_id: str, group_id: str | None, scope: str | None) -> str:
    """The key a deduplication id is remembered under: with FifoThroughputScope=MessageGroup, deduplication
    is per message group (API Reference, PublishRequest.MessageDeduplicationId). Ids and group ids never
    hold a space, so the joined key cannot collide with a topic-scoped one."""
    return f"{group_id} {dedup_id}" if scope == "MessageGroup" and group_id is not None else dedup_id


def sequence_number(n: int) -> str:
    return f"{10 ** 19 + n:020d}"


def seen(uow: UnitOfWork, topic_arn: str, dedup_id: str) -> tuple[str, str] | None:
    """(MessageId, SequenceNumber) of a message with this deduplication id in the last five minutes."""
    return repo.dedup_get(uow, topic_arn, dedup_id)


def accept(uow: UnitOfWork, topic_arn: str, dedup_id: str, message_id: str) -> str:
    """Issue the next SequenceNumber and remember the deduplication id."""
    n = repo.next_sequence(uow, topic_arn)
    if n % 512 == 0:   # forget expired ids now and then, so the table stays the size of the window
        repo.dedup_sweep(uow, topic_arn)
    number = sequence_number(n)
    repo.dedup_put(uow, topic_arn, dedup_id, message_id, number, uow.now + DEDUP_WINDOW_MS)
    return number
