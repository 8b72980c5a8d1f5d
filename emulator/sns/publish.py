"""Publish and PublishBatch: validate what the publisher sent, then fan out in the same transaction."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from ..errors import AwsError
from . import fanout, fifo, platform
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
            dedup_id: str | None = None, group_id: str | None = None, presigned: dict | None = None) -> dict:
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
    topic = _topic(svc, uow, arn, "TopicArn" if topic_arn else "TargetArn")
    return _accept(svc, uow, base, topic, message, per_protocol, subject, attrs, dedup_id, group_id,
                   presigned=presigned)


def _topic(svc: SnsService, uow: UnitOfWork, arn: str, what: str) -> Topic:
    where = arns.parse(arn, service="sns")
    if where is None or arns.element_count(arn) != 6:
        raise invalid(what)
    topic = svc.topics.get(uow, arn)
    if topic is None:
        raise topic_not_found()
    return topic


def publish_in(svc: SnsService, uow: UnitOfWork, base: str, topic_arn: str, message: str, *,
               subject: str | None = None, attributes: dict | None = None, group_id: str | None = None,
               dedup_id: str | None = None) -> dict:
    """Publish from another service (an EventBridge target) inside its transaction; raises AwsError."""
    attrs, per_protocol = _validate(message, subject, None, attributes)
    return _accept(svc, uow, base, _topic(svc, uow, topic_arn, "TopicArn"), message, per_protocol, subject, attrs,
                   dedup_id, group_id)


def _accept(svc: SnsService, uow: UnitOfWork, base: str, topic: Topic, message: str, per_protocol: dict | None,
            subject: str | None, attrs: dict, dedup_id: str | None, group_id: str | None, *,
            presigned: dict | None = None) -> dict:
    arn, version = topic.arn, topic.signature_version
    if message_size(message, attrs) > topic.max_message_size:
        raise invalid("Message too long")
    fifo.check_ids(fifo=topic.fifo, content_based=topic.content_based_dedup, group_id=group_id, dedup_id=dedup_id)
    if presigned is not None:
        message_id, timestamp = presigned["message_id"], presigned["timestamp"]
        signed = (presigned["text"], presigned["version"], presigned["signature"])
    else:
        message_id, timestamp, signed = str(uuid.uuid4()), iso_timestamp(uow.now), None
    msg = Notification(message_id=message_id, topic_arn=arn, message=message, per_protocol=per_protocol,
                       subject=subject, attributes=attrs, timestamp=timestamp, account=topic.account,
                       region=topic.region, group_id=group_id, signature_version=version, presigned=signed)
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


def publish_batch(svc: SnsService, uow: UnitOfWork, caller: Caller, base: str, topic_arn: str, entries: list[dict]) -> dict:
    if not entries:
        raise EmptyBatchRequest("The batch request doesn't contain any entries.")
    if len(entries) > MAX_BATCH:
        raise TooManyEntriesInBatchRequest("The batch request contains more entries than permissible.")
    ids = [e.get("Id") or "" for e in entries]
    for entry_id in ids:
        if not BATCH_ID.match(entry_id):
            raise InvalidBatchEntryId("A batch entry id can only contain alphanumeric characters, hyphens and "
                                      "underscores. It can be at most 80 letters long.")
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinct("Two or more batch entries in the request have the same Id.")
    topic = _topic(svc, uow, topic_arn, "TopicArn")
    total = sum(message_size(e.get("Message") or "", check_attributes_safe(e.get("MessageAttributes")))
                for e in entries)
    if total > topic.max_message_size:
        raise BatchRequestTooLong("The length of all the messages put together is more than the limit.")
    successful, failed = [], []
    for entry in entries:
        try:
            attrs, per_protocol = _validate(entry.get("Message"), entry.get("Subject"),
                                            entry.get("MessageStructure"), entry.get("MessageAttributes"))
            result = _accept(svc, uow, base, topic, entry["Message"], per_protocol, entry.get("Subject"), attrs,
                             entry.get("MessageDeduplicationId"), entry.get("MessageGroupId"))
            successful.append({"Id": entry["Id"], **result})
        except AwsError as error:
            failed.append({"Id": entry["Id"], "Code": error.code, "Message": error.message,
                           "SenderFault": error.sender_fault})
    return {"Successful": successful, "Failed": failed}


def check_attributes_safe(attributes: dict | None) -> dict:
    """Attributes for the batch size total (an invalid entry fails on its own later)."""
    try:
        return check_attributes(attributes)
    except AwsError:
        return {}
