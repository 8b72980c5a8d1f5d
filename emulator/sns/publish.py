"""Publish and PublishBatch: validate what the publisher sent, then fan out in the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.db import UnitOfWork

from ..caller import Caller
from ..errors import AwsError
from ..ids import new_uuid
from . import fanout, fifo, platform, topics
from .cache import Topic
from .envelope import iso_timestamp
from .errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
    invalid,
    topic_not_found,
)
from .message import check_attributes, check_message, check_subject, message_size, parse_structure

if TYPE_CHECKING:
    from . import SnsService

BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
MAX_BATCH = 10


@dataclass(slots=True)
class Notification:
    """One accepted message, as every subscription sees it before per-protocol formatting."""

    message_id: str
    topic_arn: str
    message: str                   # the published Message (the JSON document with MessageStructure=json)
    per_protocol: dict | None      # MessageStructure=json: protocol -> text
    subject: str | None
    attributes: dict
    timestamp: str
    account: str
    region: str
    group_id: str | None = None
    dedup_id: str | None = None
    sequence_number: str | None = None
    signature_version: str = "1"
    # (text, SignatureVersion, Signature) made before the transaction, off the writer thread (see SnsService).
    presigned: tuple[str, str, str] | None = None
    trace_header: str | None = None    # the publish request's X-Amzn-Trace-Id (AWSTraceHeader in SQS)

    @property
    def delivered_attributes(self) -> dict:
        """What subscribers get: "Message attributes are sent only when the message structure is String, not
        JSON" (SNS Developer Guide, "Amazon SNS message attributes"). Filter policies still see them."""
        return self.attributes if self.per_protocol is None else {}

    def text_for(self, protocol: str) -> str:
        if self.per_protocol is None:
            return self.message
        return self.per_protocol.get(protocol, self.per_protocol["default"])

    @property
    def default_text(self) -> str:
        return self.text_for("default")


def _validate(message: str | None, subject: str | None, structure: str | None,
              attributes: dict | None) -> tuple[dict, dict | None]:
    text = check_message(message)
    check_subject(subject)
    attrs = check_attributes(attributes)
    per_protocol = parse_structure(text, structure)
    return attrs, per_protocol


def publish(svc: SnsService, uow: UnitOfWork, caller: Caller, base: str, *, topic_arn: str | None = None,
            target_arn: str | None = None, phone_number: str | None = None, message: str | None = None,
            subject: str | None = None, structure: str | None = None, attributes: dict | None = None,
            dedup_id: str | None = None, group_id: str | None = None, presigned: dict | None = None,
            trace_header: str | None = None) -> dict:
    given = [x for x in (topic_arn, target_arn, phone_number) if x]
    if not given:
        raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
    if len(given) > 1:
        raise invalid("TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be "
                      "specified")
    attrs, per_protocol = _validate(message, subject, structure, attributes)
    assert message is not None, "_validate rejects a missing Message"
    if phone_number:
        return platform.publish_sms(svc, uow, caller, phone_number, message, per_protocol, subject, attrs)
    arn = topic_arn or target_arn
    assert arn is not None, "one of TopicArn, TargetArn, PhoneNumber is given (checked above)"
    if target_arn and ":endpoint/" in target_arn:
        return platform.publish_to_endpoint(svc, uow, caller, target_arn, message, per_protocol, subject, attrs,
                                            structure)
    topic = _topic(svc, uow, arn, "TopicArn" if topic_arn else "TargetArn", caller)
    return _accept(svc, uow, base, topic, message, per_protocol, subject, attrs, dedup_id, group_id,
                   presigned=presigned, trace_header=trace_header)


def _topic(svc: SnsService, uow: UnitOfWork, arn: str, what: str, caller: Caller | None) -> Topic:
    """The topic to publish to. ``caller``: the publisher, whose region the ARN must name and whom the
    topic's policy must allow to publish (None: another service's delivery, which may cross regions and
    is checked by the delivery layer)."""
    topics.check_arn(arn, caller, what)
    topic = svc.topics.get(uow, arn)
    if topic is None:
        raise topic_not_found()
    topics.authorize(caller, topic.arn, topic.account, topic.attributes, "Publish")
    return topic


def publish_in(svc: SnsService, uow: UnitOfWork, base: str, topic_arn: str, message: str, *,
               subject: str | None = None, attributes: dict | None = None, group_id: str | None = None,
               dedup_id: str | None = None) -> dict:
    """Publish from another service (an EventBridge target) inside its transaction; raises AwsError."""
    attrs, per_protocol = _validate(message, subject, None, attributes)
    return _accept(svc, uow, base, _topic(svc, uow, topic_arn, "TopicArn", None), message, per_protocol, subject,
                   attrs, dedup_id, group_id)


def _accept(svc: SnsService, uow: UnitOfWork, base: str, topic: Topic, message: str, per_protocol: dict | None,
            subject: str | None, attrs: dict, dedup_id: str | None, group_id: str | None, *,
            presigned: dict | None = None, trace_header: str | None = None) -> dict:
    arn, version = topic.arn, topic.signature_version
    if message_size(message, attrs) > topic.max_message_size:
        raise invalid("Message too long")
    fifo.check_ids(fifo=topic.fifo, content_based=topic.content_based_dedup, group_id=group_id, dedup_id=dedup_id)
    if presigned is not None:
        message_id, timestamp = presigned["message_id"], presigned["timestamp"]
        signed = (presigned["text"], presigned["version"], presigned["signature"])
    else:
        message_id, timestamp, signed = new_uuid(), iso_timestamp(uow.now), None
    msg = Notification(message_id=message_id, topic_arn=arn, message=message, per_protocol=per_protocol,
                       subject=subject, attributes=attrs, timestamp=timestamp, account=topic.account,
                       region=topic.region, group_id=group_id, signature_version=version, presigned=signed,
                       trace_header=trace_header)
    if topic.fifo:
        msg.dedup_id = fifo.dedup_id_for(message, dedup_id)
        key = fifo.dedup_key(msg.dedup_id, group_id, topic.attributes.get("FifoThroughputScope"))
        previous = fifo.seen(uow, arn, key)
        if previous is not None:
            return {"MessageId": previous[0], "SequenceNumber": previous[1]}
        msg.sequence_number = fifo.accept(uow, arn, key, message_id)
    fanout.fan_out(svc, uow, base, msg, topic)
    out = {"MessageId": message_id}
    if msg.sequence_number is not None:
        out["SequenceNumber"] = msg.sequence_number
    return out


def publish_batch(svc: SnsService, uow: UnitOfWork, caller: Caller, base: str, topic_arn: str, entries: list[dict],
                  *, trace_header: str | None = None) -> dict:
    """What fails one entry fails the whole request, as in Publish and with Publish's texts: a missing
    group or deduplication id, a MessageStructure without a default, invalid message attributes.
    Entries that pass are published; an empty message is reported as that entry's failure."""
    if not entries:
        raise EmptyBatchRequest("The batch request doesn't contain any entries.")
    if len(entries) > MAX_BATCH:
        raise TooManyEntriesInBatchRequest("The batch request contains more entries than permissible.")
    topic = _topic(svc, uow, topic_arn, "TopicArn", caller)
    ids = [e.get("Id") or "" for e in entries]
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinct("Two or more batch entries in the request have the same Id.")
    for entry_id in ids:
        if len(entry_id) > 80:
            raise InvalidBatchEntryId(f"The Id of a batch entry in the batch request is too long: {entry_id}")
        if not BATCH_ID.match(entry_id):
            raise InvalidBatchEntryId("The Id of a batch entry in the batch request contains an impermissible "
                                      f"character: {entry_id}")
    checked = []
    for entry in entries:
        attrs = check_attributes(entry.get("MessageAttributes"))
        per_protocol = (parse_structure(entry["Message"], entry.get("MessageStructure"))
                        if entry.get("Message") else None)
        fifo.check_ids(fifo=topic.fifo, content_based=topic.content_based_dedup,
                       group_id=entry.get("MessageGroupId"), dedup_id=entry.get("MessageDeduplicationId"))
        checked.append((attrs, per_protocol))
    total = sum(message_size(e.get("Message") or "", attrs) for e, (attrs, _) in zip(entries, checked, strict=True))
    if total > topic.max_message_size:
        raise BatchRequestTooLong("The length of all the messages put together is more than the limit.")
    successful, failed = [], []
    for entry, (attrs, per_protocol) in zip(entries, checked, strict=True):
        try:
            check_message(entry.get("Message"))
            check_subject(entry.get("Subject"))
            result = _accept(svc, uow, base, topic, entry["Message"], per_protocol, entry.get("Subject"), attrs,
                             entry.get("MessageDeduplicationId"), entry.get("MessageGroupId"),
                             trace_header=trace_header)
            successful.append({"Id": entry["Id"], **result})
        except AwsError as error:
            failed.append({"Id": entry["Id"], "Code": error.code, "Message": error.message,
                           "SenderFault": error.sender_fault})
    return {"Successful": successful, "Failed": failed}
