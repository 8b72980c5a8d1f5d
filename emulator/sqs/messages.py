"""Sending and deleting: body and attribute rules, size, MD5s, FIFO deduplication, batches."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from emulator.caller import Caller
from emulator.errors import AwsError
from emulator.ids import new_uuid
from storage import sqs as db
from storage.db import UnitOfWork

from . import batch
from .core import SqsCore
from .errors import InvalidMessageContents, InvalidParameterValue, MissingParameter, invalid_value
from .md5 import md5_of_attributes, md5_of_body
from .model import DEDUP_WINDOW_MS, Queue
from .receipts import decode_receipt

_INVALID_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTENTS = ("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
             "#xE000 to #xFFFD | #x10000 to #x10FFFF")
# Letters and digits of any script (``attr.1øßä``), underscores, hyphens and periods; not punctuation.
_ATTRIBUTE_NAME = re.compile(r"^[\w\-.]{1,256}$")
_DATA_TYPE = re.compile(r"^(String|Number|Binary)(\..+)?$")
_FIFO_ID = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")  # ASCII digits; \Z: not "5\n"
_MIN_NUMBER, _MAX_NUMBER = Decimal("1e-128"), Decimal("1e126")


def _valid_number(text: str) -> bool:
    """A Number attribute: "up to 38 digits of precision, and can be between 10^-128 and 10^+126" (SQS
    Developer Guide, "Amazon SQS message attributes"), parsed exactly (not as a float: 1e400 is no inf)."""
    if not _NUMBER.match(text):
        return False
    number = Decimal(text)
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    return not number or (len(digits) <= 38 and _MIN_NUMBER <= abs(number) <= _MAX_NUMBER)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message to send: SendMessage's input, a SendMessageBatchRequestEntry, or another service's."""

    message_body: str
    delay_seconds: int | None = None
    message_attributes: dict[str, dict] | None = None
    message_system_attributes: dict[str, dict] | None = None
    message_deduplication_id: str | None = None
    message_group_id: str | None = None
    trace_header: str | None = None  # the X-Amzn-Trace-Id header of the request that sent it

    @classmethod
    def from_entry(cls, entry: dict, trace_header: str | None = None) -> NewMessage:
        return cls(message_body=entry["MessageBody"], delay_seconds=entry.get("DelaySeconds"),
                   message_attributes=entry.get("MessageAttributes"),
                   message_system_attributes=entry.get("MessageSystemAttributes"),
                   message_deduplication_id=entry.get("MessageDeduplicationId"),
                   message_group_id=entry.get("MessageGroupId"), trace_header=trace_header)


@dataclass(slots=True)
class Prepared:
    body: str
    attributes: str | None       # JSON for storage
    md5_body: str
    md5_attributes: str | None
    system: str | None
    md5_system: str | None
    delay: int | None
    group_id: str | None
    dedup_id: str | None
    size: int


def _stored(attributes: dict[str, dict]) -> tuple[dict[str, dict], int]:
    """Attributes as stored (binary as base64 text) and their size toward the message limit."""
    out: dict[str, dict] = {}
    size = 0
    for name, attribute in attributes.items():
        data_type = attribute.get("DataType") or ""
        entry = {"DataType": data_type}
        if data_type.startswith("Binary"):
            value = attribute.get("BinaryValue") or b""
            if isinstance(value, str):
                value = base64.b64decode(value)
            entry["BinaryValue"] = base64.b64encode(value).decode("ascii")
            size += len(value)
        else:
            value = attribute.get("StringValue") or ""
            entry["StringValue"] = value
            size += len(value.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
        out[name] = entry
    return out, size


def check_message_attributes(attributes: dict) -> None:
    if len(attributes) > 10:
        raise InvalidParameterValue(f"Number of message attributes [{len(attributes)}] exceeds the allowed "
                                    "maximum [10].")
    for name, attribute in attributes.items():
        lowered = name.lower()
        if not _ATTRIBUTE_NAME.match(name) or ".." in name or name.startswith(".") or name.endswith("."):
            raise InvalidParameterValue(f"Message (user) attribute name '{name}' is invalid: it can only contain "
                                        "alphanumeric characters, hyphens, underscores and periods, up to 256 "
                                        "characters, and cannot start or end with a period or have two in a row.")
        if lowered.startswith(("aws.", "amazon.")):
            raise InvalidParameterValue("You can't use message attribute names beginning with 'AWS.' or "
                                        "'Amazon.'. These strings are reserved for internal use.")
        data_type = attribute.get("DataType")
        if not data_type:
            raise MissingParameter(f"The message attribute '{name}' must contain a non-empty message attribute "
                                   "type.")
        if not _DATA_TYPE.match(data_type) or len(data_type) > 256:
            raise InvalidParameterValue(f"The type of message (user) attribute '{name}' is invalid. You must use "
                                        "only the following supported type prefixes: Binary, Number, String.")
        if attribute.get("StringListValues") or attribute.get("BinaryListValues"):
            raise InvalidParameterValue(f"Message (user) attribute '{name}': StringListValues and "
                                        "BinaryListValues are not implemented.")
        if data_type.startswith("Binary"):
            if not attribute.get("BinaryValue"):
                raise InvalidParameterValue(f"Message (user) attribute '{name}' must contain a non-empty value "
                                            "of type 'Binary'.")
            continue
        value = attribute.get("StringValue")
        if not value:
            raise InvalidParameterValue(f"Message (user) attribute '{name}' must contain a non-empty value of "
                                        f"type '{'Number' if data_type.startswith('Number') else 'String'}'.")
        if data_type.startswith("Number") and not _valid_number(value.strip()):
            raise InvalidParameterValue(f"Can't cast the value of message (user) attribute '{name}' to a number.")
        if _INVALID_CHARS.search(value):
            raise InvalidParameterValue(f"Message (user) attribute '{name}' contains invalid characters. "
                                        + _CONTENTS)


def _check_system_attributes(attributes: dict) -> None:
    for name, attribute in attributes.items():
        if name != "AWSTraceHeader":
            raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        if attribute.get("DataType") != "String" or not attribute.get("StringValue"):
            raise InvalidParameterValue("The message system attribute 'AWSTraceHeader' must be of type String "
                                        "with a non-empty value.")


def _check_fifo_batch(queue: Queue, entries: list[dict]) -> None:
    """A FIFO batch entry without a group id, or without a deduplication id on a queue without
    content-based deduplication, fails the whole request (not just its entry), as AWS does."""
    for entry in entries:
        if not entry.get("MessageGroupId"):
            raise InvalidParameterValue("The request must contain the parameter MessageGroupId.")
        if not entry.get("MessageDeduplicationId") and not queue.content_dedup:
            raise InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or "
                                        "MessageDeduplicationId provided explicitly")


class MessageOps(SqsCore):
    # --- preparing (pure) ------------------------------------------------------------------------

    @staticmethod
    def prepare(queue: Queue, message: NewMessage, *, validate: bool = True) -> Prepared:
        """Check one message against the queue and compute what is stored; raises AWS's error."""
        body = message.message_body
        if not body:
            raise MissingParameter("The request must contain the parameter MessageBody.")
        attributes = message.message_attributes or {}
        system = message.message_system_attributes or {}
        if _INVALID_CHARS.search(body):  # also for a delivery (SNS, EventBridge): it fails, as on AWS
            raise InvalidMessageContents(_CONTENTS)
        if validate:
            check_message_attributes(attributes)
            _check_system_attributes(system)
        elif any(_INVALID_CHARS.search(a.get("StringValue") or "") for a in attributes.values()):
            raise InvalidMessageContents(_CONTENTS)
        stored, attributes_size = _stored(attributes) if attributes else ({}, 0)
        size = len(body.encode("utf-8")) + attributes_size
        if size > queue.max_size:
            raise InvalidParameterValue(f"One or more parameters are invalid. Reason: Message must be shorter "
                                        f"than {queue.max_size} bytes.")
        delay = message.delay_seconds
        if delay is not None and not 0 <= delay <= 900:
            raise invalid_value(delay, "DelaySeconds", "DelaySeconds must be >= 0 and <= 900.")
        group_id = message.message_group_id
        dedup_id = message.message_deduplication_id
        for parameter, value in (("MessageGroupId", group_id), ("MessageDeduplicationId", dedup_id)):
            if value is not None and not _FIFO_ID.match(value):
                raise invalid_value(value, parameter, f"{parameter} can only include alphanumeric and "
                                    "punctuation characters. 1 to 128 in length.")
        if queue.fifo:
            if delay:
                raise invalid_value(delay, "DelaySeconds", "The request include parameter that is not valid for "
                                    "this queue type.")
            delay = None
            if not group_id:
                raise MissingParameter("The request must contain the parameter MessageGroupId.")
            if not dedup_id:
                if not queue.content_dedup:
                    raise InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled "
                                                "or MessageDeduplicationId provided explicitly")
                dedup_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
        elif dedup_id is not None:
            raise invalid_value(dedup_id, "MessageDeduplicationId", "The request includes a parameter that is not "
                                "valid for this queue type.")
        system_stored = _stored(system)[0] if system else None
        md5_system = md5_of_attributes(system_stored)  # of what the sender gave, the only thing it can check
        if message.trace_header and not (system_stored or {}).get("AWSTraceHeader"):
            # The request's X-Amzn-Trace-Id header becomes the AWSTraceHeader system attribute
            # (an explicit MessageSystemAttributes value wins).
            system_stored = {**(system_stored or {}),
                             "AWSTraceHeader": {"DataType": "String", "StringValue": message.trace_header}}
        return Prepared(
            body=body, attributes=json.dumps(stored) if stored else None, md5_body=md5_of_body(body),
            md5_attributes=md5_of_attributes(stored), system=json.dumps(system_stored) if system_stored else None,
            md5_system=md5_system, delay=delay, group_id=group_id, dedup_id=dedup_id, size=size)

    # --- enqueueing (writer thread) ---------------------------------------------------------------

    def enqueue(self, uow: UnitOfWork, queue: Queue, messages: list[Prepared], sender_id: str,
                dlq_source_arn: str | None = None) -> list[dict]:
        """Insert prepared messages (one statement); FIFO duplicates return the original MessageId."""
        now = uow.now
        rows: list[tuple] = []
        results: list[dict] = []
        expires_at = now + queue.retention_ms
        for message in messages:
            seq = None
            message_id = new_uuid()
            delay = message.delay if message.delay is not None else queue.delay
            if queue.fifo:
                assert message.group_id is not None and message.dedup_id is not None  # prepare() saw to it
                # A deduplication id is remembered in the scope the queue had when it was sent: changing
                # DeduplicationScope later does not change what the messages already sent deduplicate.
                scope = message.group_id if queue.group_dedup else ""
                duplicate = db.find_duplicate(uow, queue.id, message.group_id, message.dedup_id)
                if duplicate is not None:
                    results.append(self._send_result(message, duplicate[0], duplicate[1]))
                    continue
                seq = self.next_sequence(now)
                db.remember_dedup(uow, queue.id, scope, message.dedup_id, message_id, seq, now + DEDUP_WINDOW_MS)
                self.retention.note(uow, now + DEDUP_WINDOW_MS)
            # A standard message receivable at once is ready now (see schema/sqs.py); FIFO ones never are.
            ready = 1 if seq is None and not delay else None
            rows.append((queue.id, message_id, message.body, message.attributes, message.md5_body,
                         message.md5_attributes, message.system, message.md5_system, sender_id, now,
                         now + delay * 1000, expires_at, message.group_id, message.dedup_id, seq, dlq_source_arn,
                         ready))
            results.append(self._send_result(message, message_id, seq))
        if rows:
            db.insert_messages(uow, rows)
            self.retention.note(uow, expires_at)
            delayed = any(row[10] > now for row in rows)
            # One long poll per receivable message; with a delay, all of them (each sleeps until the
            # next visible time, which this send may have moved earlier).
            self.wake(uow, queue, None if delayed else len(rows))
        return results

    @staticmethod
    def _send_result(message: Prepared, message_id: str, seq: int | None) -> dict:
        out: dict[str, str] = {"MessageId": message_id, "MD5OfMessageBody": message.md5_body}
        if message.md5_attributes:
            out["MD5OfMessageAttributes"] = message.md5_attributes
        if message.md5_system:
            out["MD5OfMessageSystemAttributes"] = message.md5_system
        if seq is not None:
            out["SequenceNumber"] = f"{seq:020d}"
        return out

    # --- operations -------------------------------------------------------------------------------

    async def send_message(self, caller: Caller, *, queue_url: str, message_body: str,
                           delay_seconds: int | None = None, message_attributes: dict[str, dict] | None = None,
                           message_system_attributes: dict[str, dict] | None = None,
                           message_deduplication_id: str | None = None, message_group_id: str | None = None,
                           trace_header: str | None = None) -> dict:
        """``trace_header``: the request's X-Amzn-Trace-Id header (the AWSTraceHeader system attribute)."""
        message = NewMessage(message_body=message_body, delay_seconds=delay_seconds,
                             message_attributes=message_attributes, message_system_attributes=message_system_attributes,
                             message_deduplication_id=message_deduplication_id, message_group_id=message_group_id,
                             trace_header=trace_header)
        return await self.store.transaction(self._send_txn, caller, queue_url, message)

    def _send_txn(self, uow: UnitOfWork, caller: Caller, url: str, message: NewMessage) -> dict:
        queue = self.queue_by_url(uow, caller, url, "SendMessage")
        return self.enqueue(uow, queue, [self.prepare(queue, message)], caller.account)[0]

    async def send_message_batch(self, caller: Caller, *, queue_url: str, entries: list[dict],
                                 trace_header: str | None = None) -> dict:
        """``entries``: SendMessageBatchRequestEntry structures (wire shape)."""
        return await self.store.transaction(self._send_batch_txn, caller, queue_url, entries, trace_header)

    def _send_batch_txn(self, uow: UnitOfWork, caller: Caller, url: str, entries: list[dict],
                        trace_header: str | None) -> dict:
        queue = self.queue_by_url(uow, caller, url, "SendMessage")
        batch.check_entries(entries, "SendMessageBatchRequestEntry")
        if queue.fifo:
            _check_fifo_batch(queue, entries)
        messages = [NewMessage.from_entry(entry, trace_header) for entry in entries]
        total = sum(len(m.message_body.encode("utf-8")) + _stored(m.message_attributes or {})[1] for m in messages)
        if total > 1048576:
            raise batch.BatchRequestTooLong(f"Batch requests cannot be longer than 1048576 bytes. You have sent "
                                            f"{total} bytes.")
        prepared, ids, failed = [], [], []
        for entry, message in zip(entries, messages, strict=True):
            try:
                prepared.append(self.prepare(queue, message))
                ids.append(entry["Id"])
            except AwsError as error:
                failed.append(batch.failure(entry["Id"], error))
        successful = []
        for entry_id, result in zip(ids, self.enqueue(uow, queue, prepared, caller.account), strict=True):
            successful.append({"Id": entry_id, **result})
        return batch.result(successful, failed)

    async def delete_message(self, caller: Caller, *, queue_url: str, receipt_handle: str) -> None:
        await self.store.transaction(self._delete_txn, caller, queue_url, receipt_handle)

    def _delete_txn(self, uow: UnitOfWork, caller: Caller, url: str, handle: str) -> None:
        self._delete_one(uow, self.queue_by_url(uow, caller, url, "DeleteMessage"), handle)

    def _delete_one(self, uow: UnitOfWork, queue: Queue, handle: str) -> None:
        receipt = decode_receipt(handle, queue)
        if queue.fifo:
            # A FIFO receipt handle dies with its visibility timeout (the message may be someone else's now).
            state = db.message_state(uow, queue.id, receipt.row_id, receipt.message_id)
            if state is not None and (state.visible_at <= uow.now or state.receive_count != receipt.receive_count):
                raise invalid_value(handle, "ReceiptHandle", "The receipt handle has expired.")
        # A standard queue deletes with any receipt handle of the message, as SQS does in practice.
        if db.delete_message(uow, queue.id, receipt.row_id, receipt.message_id) and queue.fifo:
            self.wake(uow, queue, 1)  # its group is no longer blocked: the next message may be receivable

    async def delete_message_batch(self, caller: Caller, *, queue_url: str, entries: list[dict]) -> dict:
        """``entries``: DeleteMessageBatchRequestEntry structures (wire shape)."""
        return await self.store.transaction(self._delete_batch_txn, caller, queue_url, entries)

    def _delete_batch_txn(self, uow: UnitOfWork, caller: Caller, url: str, entries: list[dict]) -> dict:
        queue = self.queue_by_url(uow, caller, url, "DeleteMessage")
        batch.check_entries(entries, "DeleteMessageBatchRequestEntry")
        successful, failed = [], []
        for entry in entries:
            try:
                self._delete_one(uow, queue, entry["ReceiptHandle"])
                successful.append({"Id": entry["Id"]})
            except AwsError as error:
                failed.append(batch.failure(entry["Id"], error))
        return batch.result(successful, failed)
