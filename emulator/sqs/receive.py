"""Receiving: visibility, long polling, system attributes, and ChangeMessageVisibility.

A receive is one transaction. With nothing to return and time left to wait, the call sleeps on
its queue's waiter until a commit makes something receivable (notify) or until the earlier of the
end of the wait and the next ``visible_at`` in the queue (a delay or visibility timeout running
out); then it looks again. No polling loop, and a waiter that leaves costs nothing.
"""

from __future__ import annotations

import base64
import json

from emulator.caller import Caller
from emulator.errors import AwsError
from emulator.waiters import Deadline
from storage import sqs as db
from storage.db import UnitOfWork
from storage.sqs import MessageRow

from . import batch, fifo
from .errors import InvalidParameterValue, MessageNotInflight, invalid_value
from .md5 import md5_of_attributes
from .model import MAX_VISIBILITY_S, Queue
from .receipts import decode_receipt, encode_receipt
from .redrive import RedriveOps

ATTEMPT_WINDOW_MS = 5 * 60 * 1000
SYSTEM_NAMES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
                "SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader",
                "DeadLetterQueueSourceArn")


class _Selection:
    """Which system and message attributes a receive asked for.

    MessageAttributeNames: ``All``, ``.*`` and ``*`` ask for every attribute; ``name.*`` for those whose
    name starts with ``name`` (``Hel.*`` returns ``Hello`` and ``Help.Me``); anything else is a name.
    """

    __slots__ = ("system", "all_attributes", "names", "prefixes")

    def __init__(self, system_names: list[str], attribute_names: list[str]):
        self.system = set(SYSTEM_NAMES) if "All" in system_names else set(system_names)
        self.all_attributes = any(n in ("All", ".*", "*") for n in attribute_names)
        self.names = {n for n in attribute_names if not n.endswith(".*")}
        self.prefixes = tuple(n[:-2] for n in attribute_names if n.endswith(".*") and n != ".*")

    def wants(self, name: str) -> bool:
        return self.all_attributes or name in self.names or (bool(self.prefixes) and name.startswith(self.prefixes))


def _check_range(value, name: str, low: int, high: int, reason: str) -> None:
    if value is not None and not low <= value <= high:
        raise invalid_value(value, name, reason)


class ReceiveOps(RedriveOps):
    """Receives dead-letter over-received messages: built on RedriveOps."""

    async def receive_message(self, caller: Caller, *, queue_url: str, attribute_names: list[str] | None = None,
                              message_system_attribute_names: list[str] | None = None,
                              message_attribute_names: list[str] | None = None,
                              max_number_of_messages: int | None = None, visibility_timeout: int | None = None,
                              wait_time_seconds: int | None = None,
                              receive_request_attempt_id: str | None = None) -> dict:
        _check_range(max_number_of_messages, "MaxNumberOfMessages", 1, 10, "Must be between 1 and 10, if provided.")
        _check_range(wait_time_seconds, "WaitTimeSeconds", 0, 20, "Must be >= 0 and <= 20, if provided.")
        _check_range(visibility_timeout, "VisibilityTimeout", 0, MAX_VISIBILITY_S,
                     "Must be between 0 and 43200, if provided.")
        # AttributeNames is the deprecated name of MessageSystemAttributeNames
        selection = _Selection(message_system_attribute_names or attribute_names or [], message_attribute_names or [])
        limit = max_number_of_messages or 1
        end: Deadline | None = None
        while True:
            mark = self.waiters.mark()
            messages, queue, next_visible = await self.store.transaction(
                self._receive_txn, caller, queue_url, limit, visibility_timeout, receive_request_attempt_id, selection)
            if end is None:
                # On a fake clock the wait also ends after its span of real time (see waiters.Deadline).
                end = Deadline(self.clock, (queue.wait if wait_time_seconds is None else wait_time_seconds) * 1000)
            if messages or end.passed() or self.emulator.stopping:
                return {"Messages": messages} if messages else {}
            deadline = end.at if next_visible is None else min(end.at, next_visible)
            await self.waiters.wait(("sqs", queue.id), deadline, since=mark, real_left=end.real_left())

    def _receive_txn(self, uow: UnitOfWork, caller: Caller, url: str, limit: int, timeout: int | None,
                     attempt_id: str | None, selection: _Selection) -> tuple[list[dict], Queue, int | None]:
        """(messages, the queue as it was, the next visible time when there are no messages)."""
        queue = self.queue_by_url(uow, caller, url, "ReceiveMessage")
        visible_at = uow.now + (queue.visibility_timeout if timeout is None else timeout) * 1000
        attempt = attempt_id if queue.fifo else None
        if attempt:
            cached = db.get_attempt(uow, queue.id, attempt)
            if cached is not None:
                replayed = self._retry_attempt(uow, queue, cached, visible_at, selection)
                if replayed:
                    return replayed, queue, None
                # nothing of that batch is left to replay: a fresh receive under the same attempt id
        dlq = self.queue_by_arn(uow, queue.redrive_target) if queue.max_receive_count else None
        if dlq is not None and dlq.id == queue.id:
            # A queue may name itself as its DLQ (AWS accepts the policy). Moving a message into the
            # queue it is in changes nothing, so it is delivered as usual and the receive never loops.
            dlq = None
        more = False
        rows: list[MessageRow]
        if queue.fifo:
            taken, moves, more = fifo.select(uow, queue, limit, dlq)
            for _group, row_id in moves:
                assert dlq is not None  # fifo.select dead-letters only with a DLQ
                self.dead_letter(uow, queue, dlq, row_id)
            rows = []
            for group, ids in taken:  # group by group, in the order the groups are served
                rows += db.mark_received(uow, queue.id, ids, visible_at, self.next_sequence(uow.now))
                db.refresh_group(uow, queue.id, group)
        elif dlq is not None:
            max_receive_count = queue.max_receive_count or 0  # set with the redrive target
            db.mark_ready(uow, queue.id)
            # One call is one delivery per message: a row taken here is no longer ready (even when
            # VisibilityTimeout=0 makes it receivable again at once), so it is not looked at again.
            rows = []
            while len(rows) < limit:
                candidates = db.visible_candidates(uow, queue.id, limit - len(rows))
                if not candidates:
                    break
                take = []
                for row_id, receive_count in candidates:
                    if receive_count >= max_receive_count:
                        self.dead_letter(uow, queue, dlq, row_id)
                    else:
                        take.append(row_id)
                if take:
                    rows += db.mark_received(uow, queue.id, take, visible_at)
            more = len(rows) >= limit
        else:
            db.mark_ready(uow, queue.id)
            rows = db.receive_visible(uow, queue.id, visible_at, limit)
            more = len(rows) >= limit
        messages, handles = [], []
        for row in rows:
            handle = encode_receipt(queue.id, row.id, row.receive_count, row.message_id)
            messages.append(self.message_out(row, queue, handle, selection))
            handles.append([row.id, row.message_id, handle])
        if attempt and handles:  # an empty answer is not replayed: a retry looks again
            db.put_attempt(uow, queue.id, attempt, handles, uow.now + ATTEMPT_WINDOW_MS)
            self.retention.note(uow, uow.now + ATTEMPT_WINDOW_MS)
        if visible_at <= uow.now and rows:
            self.wake(uow, queue, len(rows))  # received with VisibilityTimeout=0: still receivable by others
        elif more and (queue.fifo or db.any_ready(uow, queue.id)):
            self.wake(uow, queue, 1)  # a full batch with more left: the next long poll takes the rest
        next_visible = None if messages else db.next_visible_at(uow, queue.id, queue.fifo)
        return messages, queue, next_visible

    def _retry_attempt(self, uow: UnitOfWork, queue: Queue, cached: list, visible_at: int,
                       selection: _Selection) -> list[dict]:
        """The same messages and receipt handles as the first try, visibility timeout restarted."""
        rows = {row.id: row for row in db.rows_by_id(uow, queue.id, [c[0] for c in cached])} if cached else {}
        out = []
        for row_id, message_id, handle in cached:
            row = rows.get(row_id)
            if row is None or row.message_id != message_id or \
                    row.receive_count != decode_receipt(handle, queue).receive_count:
                continue
            db.set_visible_at(uow, row_id, visible_at, self.next_sequence(uow.now))
            out.append(self.message_out(row, queue, handle, selection))
        return out

    @staticmethod
    def message_out(row: MessageRow, queue: Queue, handle: str | None, selection: _Selection) -> dict:
        message: dict = {"MessageId": row.message_id}
        if handle is not None:
            message["ReceiptHandle"] = handle
        message["MD5OfBody"] = row.md5_body
        message["Body"] = row.body
        wanted = selection.system
        if wanted:
            attributes: dict[str, str] = {}
            if "SenderId" in wanted:
                attributes["SenderId"] = row.sender_id
            if "SentTimestamp" in wanted:
                attributes["SentTimestamp"] = str(row.sent_at)
            if "ApproximateReceiveCount" in wanted:
                attributes["ApproximateReceiveCount"] = str(row.receive_count)
            if "ApproximateFirstReceiveTimestamp" in wanted:
                attributes["ApproximateFirstReceiveTimestamp"] = str(row.first_receive_at or row.sent_at)
            if row.seq is not None and "SequenceNumber" in wanted:
                attributes["SequenceNumber"] = f"{row.seq:020d}"
            if row.group_id is not None and "MessageGroupId" in wanted:
                attributes["MessageGroupId"] = row.group_id
            if row.dedup_id is not None and "MessageDeduplicationId" in wanted:
                attributes["MessageDeduplicationId"] = row.dedup_id
            if row.system and "AWSTraceHeader" in wanted:
                attributes["AWSTraceHeader"] = json.loads(row.system)["AWSTraceHeader"]["StringValue"]
            if row.dlq_source_arn and "DeadLetterQueueSourceArn" in wanted:
                attributes["DeadLetterQueueSourceArn"] = row.dlq_source_arn
            if attributes:
                message["Attributes"] = attributes
        if row.attributes and (selection.all_attributes or selection.names or selection.prefixes):
            stored = json.loads(row.attributes)
            chosen = {name: value for name, value in stored.items() if selection.wants(name)}
            if chosen:
                message["MD5OfMessageAttributes"] = (row.md5_attributes if len(chosen) == len(stored)
                                                     else md5_of_attributes(chosen))
                message["MessageAttributes"] = {
                    name: ({"DataType": v["DataType"], "BinaryValue": base64.b64decode(v["BinaryValue"])}
                           if "BinaryValue" in v else v) for name, v in chosen.items()}
        return message

    # --- ChangeMessageVisibility -----------------------------------------------------------------

    async def change_message_visibility(self, caller: Caller, *, queue_url: str, receipt_handle: str,
                                        visibility_timeout: int) -> None:
        await self.store.transaction(self._change_visibility_txn, caller, queue_url, receipt_handle,
                                     visibility_timeout)

    def _change_visibility_txn(self, uow: UnitOfWork, caller: Caller, url: str, handle: str, timeout: int) -> None:
        self._change_one(uow, self.queue_by_url(uow, caller, url, "ChangeMessageVisibility"), handle, timeout)

    def _change_one(self, uow: UnitOfWork, queue: Queue, handle: str, timeout: int) -> None:
        receipt = decode_receipt(handle, queue)
        _check_range(timeout, "VisibilityTimeout", 0, MAX_VISIBILITY_S, "Must be between 0 and 43200, if provided.")
        state = db.message_state(uow, queue.id, receipt.row_id, receipt.message_id)
        if state is None or state.expires_at <= uow.now:
            raise InvalidParameterValue(f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message "
                                        "does not exist or is not available for visibility timeout change.")
        visible_at, receive_count, received_at, _ = state
        if queue.fifo and receive_count != receipt.receive_count:
            # As for DeleteMessage: a FIFO handle dies with its receive (the message may be someone else's now).
            raise invalid_value(handle, "ReceiptHandle", "The receipt handle has expired.")
        if receive_count == 0:
            raise MessageNotInflight("The message referred to isn't in flight.")
        # A message whose visibility timeout already ran out is changed too: AWS answers 200, and the
        # new timeout counts from now (the message is in flight again until it ends).
        if received_at is not None and uow.now + timeout * 1000 > received_at + MAX_VISIBILITY_S * 1000:
            raise invalid_value(timeout, "VisibilityTimeout", "Total VisibilityTimeout for the message is beyond "
                                "the limit [43200 seconds]")
        db.set_visible_at(uow, receipt.row_id, uow.now + timeout * 1000, self.next_sequence(uow.now))
        if timeout == 0:
            self.wake(uow, queue, 1)  # receivable now (for FIFO, its group too)
        elif uow.now + timeout * 1000 < visible_at:
            self.wake(uow, queue)  # the next visible time moved earlier: let every waiter recompute its sleep

    async def change_message_visibility_batch(self, caller: Caller, *, queue_url: str, entries: list[dict]) -> dict:
        """``entries``: ChangeMessageVisibilityBatchRequestEntry structures (wire shape)."""
        return await self.store.transaction(self._change_visibility_batch_txn, caller, queue_url, entries)

    def _change_visibility_batch_txn(self, uow: UnitOfWork, caller: Caller, url: str, entries: list[dict]) -> dict:
        queue = self.queue_by_url(uow, caller, url, "ChangeMessageVisibility")
        batch.check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")
        successful, failed = [], []
        for entry in entries:
            try:
                self._change_one(uow, queue, entry["ReceiptHandle"], entry.get("VisibilityTimeout") or 0)
                successful.append({"Id": entry["Id"]})
            except AwsError as error:
                failed.append(batch.failure(entry["Id"], error))
        return batch.result(successful, failed)

    # --- peeking (admin API): no side effects ---------------------------------------------------

    async def peek(self, caller: Caller, *, queue_url: str) -> list[dict]:
        """Every unexpired message with all its attributes and a ``State`` (visible, inflight, delayed)."""
        return (await self._peek(caller, queue_url, 0, None))[0]

    async def peek_page(self, caller: Caller, *, queue_url: str, next_token: str | None = None,
                        limit: int = 1000) -> tuple[list[dict], str | None]:
        """A page of ``peek``, in send order, and the token of the next page (None after the last one): a deep
        queue is read in bounded transactions and memory instead of all at once."""
        after = 0
        if next_token:
            try:
                after = int(next_token)
            except ValueError:
                raise InvalidParameterValue(f"Invalid NextToken value {next_token}.") from None
        messages, last = await self._peek(caller, queue_url, after, limit)
        return messages, (str(last) if last is not None and len(messages) >= limit else None)

    async def _peek(self, caller: Caller, url: str, after: int, limit: int | None) -> tuple[list[dict], int | None]:
        # The queue from the cache, in the writer's order; its messages from a snapshot beside the writer.
        queue = await self.store.read(self._peek_queue_txn, caller, url)
        return await self.store.snapshot(self._peek_rows, queue, after, limit)

    def _peek_queue_txn(self, uow: UnitOfWork, caller: Caller, url: str) -> Queue:
        return self.queue_by_url(uow, caller, url, None)

    def _peek_rows(self, uow: UnitOfWork, queue: Queue, after: int, limit: int | None) -> tuple[list[dict], int | None]:
        selection = _Selection(["All"], ["All"])
        out = []
        rows = db.all_messages(uow, queue.id, after, limit)
        for row in rows:
            message = self.message_out(row, queue, None, selection)
            message["State"] = ("visible" if row.visible_at <= uow.now
                                else "inflight" if row.receive_count else "delayed")
            message["VisibleAt"] = row.visible_at
            out.append(message)
        return out, (rows[-1].id if rows else None)
