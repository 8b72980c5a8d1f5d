"""Fan-out of one accepted message to a topic's confirmed subscriptions: build what each subscriber
receives, then hand it to the delivery layer, in the publish transaction.

- ``sqs``: the queue, inline by default (``--delivery async`` defers it to the outbox). A missing
  queue is a failed delivery (dead-lettered per RedrivePolicy, or dropped), never the publisher's error.
- ``http``/``https``: POSTed from the outbox, retried per the effective DeliveryPolicy.
- ``email``, ``email-json``, ``sms``, ``lambda``, ``firehose``, ``application``: captured, readable over
  the admin API.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from storage import sns as repo
from storage.db import UnitOfWork

from ..delivery import DeadLetter, Message, RetryPolicy, Target
from ..patterns import PreparedMessage
from . import delivery_policy, envelope
from .cache import Subscription, Topic

if TYPE_CHECKING:
    from . import SnsService
    from .publish import Notification

USER_AGENT = "Amazon Simple Notification Service Agent"
TRACE_HEADER = "X-Amzn-Trace-Id"  # carried to SQS targets in Message.headers (emulator.sqs.QueueTarget)
MAX_RAW_SQS_ATTRIBUTES = 10  # SQS's own limit on message attributes


def _signed_envelope(svc: SnsService, base: str, msg: Notification, text: str, signatures: dict[str, str],
                     subscription_arn: str) -> dict:
    signed = envelope.notification(message_id=msg.message_id, topic_arn=msg.topic_arn, message=text,
                                   timestamp=msg.timestamp, subject=msg.subject,
                                   sequence_number=msg.sequence_number)
    unsubscribe = envelope.unsubscribe_url(base, subscription_arn)
    if msg.sequence_number is not None:  # a FIFO topic's notification carries no signature
        return envelope.finish_notification(signed, signature_version=None, signature=None, cert_url=None,
                                            unsubscribe=unsubscribe, message_attributes=msg.delivered_attributes)
    signature = signatures.get(text)
    if signature is None:
        signature = signatures[text] = svc.sign(signed, msg.signature_version)
    return envelope.finish_notification(signed, signature_version=msg.signature_version, signature=signature,
                                        cert_url=svc.signer_cert_url(base), unsubscribe=unsubscribe,
                                        message_attributes=msg.delivered_attributes)


def fan_out(svc: SnsService, uow: UnitOfWork, base: str, msg: Notification, topic: Topic) -> None:
    if not topic.subscriptions:
        return
    prepared = PreparedMessage(msg.attributes, msg.default_text)
    signatures: dict[str, str] = {}
    if msg.presigned is not None and msg.presigned[1] == msg.signature_version:
        signatures[msg.presigned[0]] = msg.presigned[2]  # signed before the transaction, same fields
    delivery = svc.emulator.delivery
    for sub in topic.subscriptions:
        if sub.filter is not None and not prepared.matches(sub.filter):
            continue
        text = msg.text_for(sub.protocol)
        body = text if sub.raw else envelope.dumps(_signed_envelope(svc, base, msg, text, signatures, sub.arn))
        attributes = msg.delivered_attributes if sub.raw and sub.protocol in ("sqs", "http", "https") else None
        # A standard queue subscribed to a FIFO topic gets its messages without group and deduplication ids.
        fifo_ids = sub.protocol != "sqs" or sub.endpoint.endswith(".fifo")
        message = Message("sns", msg.topic_arn, msg.message_id, body, topic.account, topic.region, route=sub.arn,
                          attributes=attributes or None, group_id=msg.group_id if fifo_ids else None,
                          dedup_id=msg.dedup_id if fifo_ids else None)
        dead_letter = DeadLetter(sub.dlq) if sub.dlq else None
        if sub.protocol == "sqs":
            target = Target("sqs", sub.endpoint, "sqs")
            if msg.trace_header:  # the queue keeps the publisher's X-Ray trace header (AWSTraceHeader)
                message.headers = {TRACE_HEADER: msg.trace_header}
            if sub.raw and len(msg.delivered_attributes) > MAX_RAW_SQS_ATTRIBUTES:
                # SNS DG, "Amazon SNS message attributes": discarded as a client-side error, never retried.
                delivery.reject(uow, message, target, f"client error: {len(msg.delivered_attributes)} message "
                                f"attributes; Raw Message Delivery to Amazon SQS allows at most "
                                f"{MAX_RAW_SQS_ATTRIBUTES}", dead_letter=dead_letter)
            else:
                delivery.dispatch(uow, message, target, dead_letter=dead_letter)
        elif sub.protocol in ("http", "https"):
            _post(svc, uow, message, sub, msg, dead_letter)
        else:
            message.capture = _captured_payload(svc, base, msg, sub, text, body, signatures)
            delivery.dispatch(uow, message, Target("captured", sub.endpoint, sub.protocol))


def _post(svc: SnsService, uow: UnitOfWork, message: Message, sub: Subscription, msg: Notification,
          dead_letter: DeadLetter | None) -> None:
    policy = sub.http_policy or {}
    message.headers = {"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": msg.message_id,
                       "x-amz-sns-topic-arn": msg.topic_arn, "x-amz-sns-subscription-arn": sub.arn,
                       "Content-Type": (policy.get("requestPolicy") or {}).get("headerContentType")
                       or delivery_policy.DEFAULT_CONTENT_TYPE,
                       "User-Agent": USER_AGENT}
    if sub.raw:
        message.headers["x-amz-sns-rawdelivery"] = "true"
    not_before = _throttle(uow, sub.arn, policy.get("throttlePolicy"))
    svc.emulator.delivery.dispatch(uow, message, Target("http", sub.endpoint, "http"),
                                   retry=RetryPolicy("sns", sns=policy.get("healthyRetryPolicy")),
                                   dead_letter=dead_letter, not_before=not_before)


def _throttle(uow: UnitOfWork, arn: str, throttle: dict | None) -> int | None:
    """throttlePolicy.maxReceivesPerSecond: space first attempts to a subscription evenly."""
    rate = (throttle or {}).get("maxReceivesPerSecond")
    if not rate:
        return None
    due = max(uow.now, repo.throttle_next_at(uow, arn))
    repo.update_subscription(uow, arn, throttle_next_at=due + -(-1000 // int(rate)))
    return due


def encode_attributes(attributes: dict | None) -> dict | None:
    """Message attributes in a JSON-safe form (binary values base64), as captured payloads keep them."""
    if not attributes:
        return None
    return {name: ({"DataType": a["DataType"], "BinaryValue": base64.b64encode(a["BinaryValue"]).decode()}
                   if "BinaryValue" in a else dict(a)) for name, a in attributes.items()}


def _captured_payload(svc: SnsService, base: str, msg: Notification, sub: Subscription, text: str, body: str,
                      signatures: dict[str, str]) -> dict:
    protocol = sub.protocol
    if protocol == "email":
        return {"Subject": msg.subject, "Message": text}
    if protocol == "email-json":
        return {"Subject": msg.subject, "Message": body}
    if protocol == "sms":
        return {"PhoneNumber": sub.endpoint, "Message": text, "MessageAttributes": encode_attributes(msg.attributes),
                "Subject": msg.subject}
    if protocol == "lambda":
        env = _signed_envelope(svc, base, msg, text, signatures, sub.arn)
        sns = {"Type": env["Type"], "MessageId": env["MessageId"], "TopicArn": env["TopicArn"],
               "Subject": env.get("Subject"), "Message": env["Message"], "Timestamp": env["Timestamp"],
               "SignatureVersion": env.get("SignatureVersion"), "Signature": env.get("Signature"),
               "SigningCertUrl": env.get("SigningCertURL"), "UnsubscribeUrl": env["UnsubscribeURL"],
               "MessageAttributes": env.get("MessageAttributes", {})}
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": sub.arn,
                             "Sns": sns}]}
    if protocol == "application":
        return {"TargetArn": sub.endpoint, "Message": text, "MessageAttributes": encode_attributes(msg.attributes),
                "Subject": msg.subject}
    return {"Record": body, "Raw": sub.raw}  # firehose: the record SNS would put


def capture(svc: SnsService, uow: UnitOfWork, *, account: str, region: str, protocol: str, target: str,
            message_id: str, payload: dict, topic_arn: str | None = None,
            subscription_arn: str | None = None) -> None:
    """A delivery SNS makes outside a topic (SMS to a number, push to an endpoint, a confirmation email)."""
    message = Message("sns", topic_arn, message_id, payload.get("Message") or "", account, region,
                      route=subscription_arn, capture=payload)
    svc.emulator.delivery.dispatch(uow, message, Target("captured", target, protocol))
