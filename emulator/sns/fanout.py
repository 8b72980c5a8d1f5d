"""Fan-out of one accepted message to the topic's confirmed subscriptions, inside the publish transaction.

- ``sqs``: enqueued in the same transaction (``--delivery async`` defers it to the outbox). A missing
  queue is a failed delivery (logged, then dead-lettered per RedrivePolicy), never the publisher's error.
- ``http``/``https``: an outbox row per delivery, retried per the effective DeliveryPolicy.
- ``email``, ``email-json``, ``sms``, ``lambda``, ``firehose``, ``application``: captured, readable
  over the admin API.
"""

from __future__ import annotations

import json

from storage import outbox as outbox_repo
from storage import sns as repo
from storage.db import UnitOfWork

from ..errors import AwsError
from ..patterns import PreparedMessage
from . import delivery_policy, envelope

USER_AGENT = "Amazon Simple Notification Service Agent"
MAX_RAW_SQS_ATTRIBUTES = 10  # SQS's own limit on message attributes


def _signed_envelope(svc, base: str, msg, text: str, signatures: dict, subscription_arn: str) -> dict:
    signed = envelope.notification(message_id=msg.message_id, topic_arn=msg.topic_arn, message=text,
                                   timestamp=msg.timestamp, subject=msg.subject,
                                   sequence_number=msg.sequence_number)
    signature = signatures.get(text)
    if signature is None:
        signature = signatures[text] = svc.sign(signed, msg.signature_version)
    return envelope.finish_notification(signed, signature_version=msg.signature_version, signature=signature,
                                        cert_url=svc.signer.cert_url(base),
                                        unsubscribe=envelope.unsubscribe_url(base, subscription_arn),
                                        message_attributes=msg.delivered_attributes)


def fan_out(svc, uow: UnitOfWork, base: str, msg, topic_attrs: dict) -> None:
    subs = repo.publish_targets(uow, msg.topic_arn)
    if not subs:
        return
    prepared = PreparedMessage(msg.attributes, msg.default_text)
    signatures: dict[str, str] = {}
    if msg.presigned is not None and msg.presigned[1] == msg.signature_version:
        signatures[msg.presigned[0]] = msg.presigned[2]  # signed before the transaction, same fields
    for arn, protocol, endpoint, attrs_json, throttle_next_at in subs:
        attrs = json.loads(attrs_json) if attrs_json != "{}" else {}
        policy = attrs.get("FilterPolicy")
        if policy and not prepared.matches(svc.filter_for(arn, policy, attrs.get("FilterPolicyScope"))):
            continue
        raw = attrs.get("RawMessageDelivery") == "true"
        text = msg.text_for(protocol)
        if raw:
            body = text
        else:
            body = envelope.dumps(_signed_envelope(svc, base, msg, text, signatures, arn))
        dlq = _dlq(attrs)
        if protocol == "sqs":
            item = sqs_item(endpoint, body, msg.delivered_attributes if raw else None, msg.group_id, msg.dedup_id,
                            msg.topic_arn, arn, dlq, msg.message_id)
            if raw and len(msg.delivered_attributes) > MAX_RAW_SQS_ATTRIBUTES:
                # SNS DG, "Amazon SNS message attributes": discarded as a client-side error, never retried.
                reject_sqs(svc, uow, item, f"client error: {len(msg.delivered_attributes)} message attributes; "
                                           f"Raw Message Delivery to Amazon SQS allows at most "
                                           f"{MAX_RAW_SQS_ATTRIBUTES}")
            elif svc.emulator.settings.delivery == "async":
                svc.emulator.outbox.enqueue(uow, "sns.sqs", endpoint, item, message_id=msg.message_id)
            else:
                deliver_sqs_inline(svc, uow, item)
        elif protocol in ("http", "https"):
            effective = delivery_policy.effective_subscription_policy(topic_attrs.get("DeliveryPolicy"),
                                                                      attrs.get("DeliveryPolicy"))
            headers = {"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": msg.message_id,
                       "x-amz-sns-topic-arn": msg.topic_arn, "x-amz-sns-subscription-arn": arn,
                       "Content-Type": effective["requestPolicy"].get("headerContentType")
                       or delivery_policy.DEFAULT_CONTENT_TYPE,
                       "User-Agent": USER_AGENT}
            if raw:
                headers["x-amz-sns-rawdelivery"] = "true"
            item = {"url": endpoint, "body": body, "headers": headers, "policy": effective["healthyRetryPolicy"],
                    "dlq": dlq, "dlq_attributes": encode_attributes(msg.delivered_attributes) if raw else None,
                    "group_id": msg.group_id, "dedup_id": msg.dedup_id, "topic_arn": msg.topic_arn,
                    "subscription_arn": arn, "message_id": msg.message_id}
            due = _throttle(uow, arn, effective.get("throttlePolicy"), throttle_next_at)
            svc.emulator.outbox.enqueue(uow, "sns.http", endpoint, item, due_at=due, message_id=msg.message_id)
        else:
            capture_delivery(svc, uow, base, msg, protocol, endpoint, arn, text, body, raw, signatures)


def _dlq(attrs: dict) -> str | None:
    redrive = attrs.get("RedrivePolicy")
    if not redrive:
        return None
    try:
        return json.loads(redrive).get("deadLetterTargetArn")
    except ValueError:
        return None


def _throttle(uow: UnitOfWork, arn: str, throttle: dict | None, next_at: int) -> int | None:
    """throttlePolicy.maxReceivesPerSecond: space first attempts to a subscription evenly."""
    rate = (throttle or {}).get("maxReceivesPerSecond")
    if not rate:
        return None
    due = max(uow.now, next_at or 0)
    repo.update_subscription(uow, arn, throttle_next_at=due + -(-1000 // int(rate)))
    return due


# --- SQS ------------------------------------------------------------------------------------------

def encode_attributes(attributes: dict | None) -> dict | None:
    """Message attributes in a JSON-safe form (binary values base64) for outbox payloads."""
    if not attributes:
        return None
    import base64
    out = {}
    for name, attr in attributes.items():
        if "BinaryValue" in attr:
            out[name] = {"DataType": attr["DataType"], "BinaryValue": base64.b64encode(attr["BinaryValue"]).decode()}
        else:
            out[name] = dict(attr)
    return out


def decode_attributes(attributes: dict | None) -> dict | None:
    if not attributes:
        return None
    import base64
    return {name: ({"DataType": a["DataType"], "BinaryValue": base64.b64decode(a["BinaryValue"])}
                   if "BinaryValue" in a else dict(a)) for name, a in attributes.items()}


def sqs_item(queue_arn: str, body: str, attributes: dict | None, group_id: str | None, dedup_id: str | None,
             topic_arn: str, subscription_arn: str, dlq: str | None, message_id: str) -> dict:
    return {"queue_arn": queue_arn, "body": body, "attributes": encode_attributes(attributes), "group_id": group_id,
            "dedup_id": dedup_id, "topic_arn": topic_arn, "subscription_arn": subscription_arn, "dlq": dlq,
            "message_id": message_id}


def sqs_enqueue(svc, uow: UnitOfWork, queue_arn: str, item: dict) -> None:
    """Enqueue into an SQS queue in this transaction; raises AwsError (e.g. QueueDoesNotExist)."""
    sqs = getattr(svc.emulator, "sqs", None)
    if sqs is None:
        raise AwsError("The specified queue does not exist.", code="QueueDoesNotExist")
    sqs.deliver(uow, queue_arn, item["body"], message_attributes=decode_attributes(item.get("attributes")),
                group_id=item.get("group_id"), dedup_id=item.get("dedup_id"), source_arn=item.get("topic_arn"))


def dead_letter(svc, uow: UnitOfWork, item: dict, error: str) -> str:
    """Send a failed delivery to the subscription's DLQ (same body and attributes); the log status."""
    dlq = item.get("dlq")
    if not dlq:
        return "dropped"
    dlq_item = {**item, "attributes": item.get("dlq_attributes", item.get("attributes"))}
    try:
        sqs_enqueue(svc, uow, dlq, dlq_item)
    except AwsError as exc:
        outbox_repo.log_attempt(uow, kind="sns.dlq", target=dlq, message_id=item.get("message_id"), attempt=1,
                                status="dropped", error=f"{exc.code}: {exc.message}", outbox_id=None)
        return "dropped"
    return "dead-lettered"


def _sqs_log(item: dict) -> dict:
    return dict(kind="sns.sqs", target=item["queue_arn"], message_id=item["message_id"], attempt=1, outbox_id=None)


def reject_sqs(svc, uow: UnitOfWork, item: dict, error: str) -> None:
    """A delivery that fails without an attempt (not retryable): DLQ or dropped, and logged."""
    outbox_repo.log_attempt(uow, status=dead_letter(svc, uow, item, error), error=error, **_sqs_log(item))


def deliver_sqs_inline(svc, uow: UnitOfWork, item: dict) -> None:
    try:
        sqs_enqueue(svc, uow, item["queue_arn"], item)
    except AwsError as exc:
        reject_sqs(svc, uow, item, f"{exc.code}: {exc.message}")
        return
    outbox_repo.log_attempt(uow, status="delivered", error=None, **_sqs_log(item))


# --- captured protocols ---------------------------------------------------------------------------

def capture_delivery(svc, uow: UnitOfWork, base: str, msg, protocol: str, endpoint: str, arn: str, text: str,
                     body: str, raw: bool, signatures: dict) -> None:
    common = dict(message_id=msg.message_id, topic_arn=msg.topic_arn, subscription_arn=arn)
    if protocol == "email":
        payload = {"Subject": msg.subject, "Message": text}
    elif protocol == "email-json":
        payload = {"Subject": msg.subject, "Message": body}
    elif protocol == "sms":
        payload = {"PhoneNumber": endpoint, "Message": text, "MessageAttributes": encode_attributes(msg.attributes),
                   "Subject": msg.subject}
    elif protocol == "lambda":
        env = _signed_envelope(svc, base, msg, text, signatures, arn)
        sns = {"Type": env["Type"], "MessageId": env["MessageId"], "TopicArn": env["TopicArn"],
               "Subject": env.get("Subject"), "Message": env["Message"], "Timestamp": env["Timestamp"],
               "SignatureVersion": env["SignatureVersion"], "Signature": env["Signature"],
               "SigningCertUrl": env["SigningCertURL"], "UnsubscribeUrl": env["UnsubscribeURL"],
               "MessageAttributes": env.get("MessageAttributes", {})}
        payload = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": arn,
                                "Sns": sns}]}
    elif protocol == "application":
        payload = {"TargetArn": endpoint, "Message": text, "MessageAttributes": encode_attributes(msg.attributes),
                   "Subject": msg.subject}
    else:  # firehose: the record SNS would put
        payload = {"Record": body, "Raw": raw}
    repo.capture(uow, account=msg.account, region=msg.region, protocol=protocol, target=endpoint, payload=payload,
                 **common)
    outbox_repo.log_attempt(uow, kind=f"sns.{protocol}", target=endpoint, message_id=msg.message_id, attempt=1,
                            status="delivered", error=None, outbox_id=None)
