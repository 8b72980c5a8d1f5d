"""The JSON documents SNS delivers: Notification, SubscriptionConfirmation, UnsubscribeConfirmation.

Keys in AWS's order and AWS's layout (two-space indent, `` : `` separators), as a subscriber sees them.
Signatures are added by ``signing``; the canonical string they cover is built from these same fields.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote

# The last second formatted (publishes come many to a second); one tuple, read once, so threads never mix halves.
_last_second: tuple[int, str] = (-1, "")


def iso_timestamp(ms: int) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, like ``2012-04-25T21:49:25.719Z``."""
    global _last_second
    second = ms // 1000
    cached = _last_second
    if cached[0] != second:
        t = time.gmtime(second)
        cached = _last_second = (second, f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:"
                                         f"{t.tm_min:02d}:{t.tm_sec:02d}.")
    return f"{cached[1]}{ms % 1000:03d}Z"


_encode_scalar = json.JSONEncoder(ensure_ascii=False).encode


def dumps(doc: dict, level: int = 0) -> str:
    """AWS's layout (2-space indent, ``"Key" : value``), exactly as ``json.dumps(doc, indent=2,
    separators=(",", " : "), ensure_ascii=False)`` writes it, but with the C encoder for each value:
    the indenting encoder is pure Python and cost more than the rest of building an envelope."""
    if not doc:
        return "{}"
    pad = "  " * (level + 1)
    items = []
    for key, value in doc.items():
        if isinstance(value, dict):
            text = dumps(value, level + 1)
        elif isinstance(value, (list, tuple)):
            return json.dumps(doc, indent=2, separators=(",", " : "), ensure_ascii=False)  # not in envelopes
        else:
            text = _encode_scalar(value)
        items.append(f"{pad}{_encode_scalar(key)} : {text}")
    return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"


def envelope_attributes(message_attributes: dict | None) -> dict:
    """{name: {DataType, StringValue|BinaryValue}} -> {name: {Type, Value}} (binary values in base64)."""
    out = {}
    for name, attr in (message_attributes or {}).items():
        if "BinaryValue" in attr:
            raw = attr["BinaryValue"]
            value = base64.b64encode(raw if isinstance(raw, bytes) else str(raw).encode()).decode()
        else:
            value = attr.get("StringValue", "")
        out[name] = {"Type": attr["DataType"], "Value": value}
    return out


def unsubscribe_url(base: str, subscription_arn: str) -> str:
    """AWS writes the ARN with plain colons (``...&SubscriptionArn=arn:aws:sns:us-east-1:...``)."""
    return f"{base}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe=':')}"


def subscribe_url(base: str, topic_arn: str, token: str) -> str:
    return f"{base}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe=':')}&Token={token}"


def notification(*, message_id: str, topic_arn: str, message: str, timestamp: str, subject: str | None = None,
                 sequence_number: str | None = None) -> dict:
    """The signed fields of a Notification, in AWS's order (signature fields are added after)."""
    doc = {"Type": "Notification", "MessageId": message_id}
    if sequence_number is not None:
        doc["SequenceNumber"] = sequence_number
    doc["TopicArn"] = topic_arn
    if subject is not None:
        doc["Subject"] = subject
    doc["Message"] = message
    doc["Timestamp"] = timestamp
    return doc


def finish_notification(signed: dict, *, signature_version: str | None, signature: str | None,
                        cert_url: str | None, unsubscribe: str, message_attributes: dict | None) -> dict:
    """The signed fields plus the signature's (none for a FIFO topic's notification, which is not
    signed), the UnsubscribeURL and the message attributes."""
    doc = dict(signed)
    if signature is not None:
        doc.update({"SignatureVersion": signature_version, "Signature": signature, "SigningCertURL": cert_url})
    doc["UnsubscribeURL"] = unsubscribe
    if message_attributes:
        doc["MessageAttributes"] = envelope_attributes(message_attributes)
    return doc


def subscription_confirmation(*, message_id: str, token: str, topic_arn: str, subscribe: str, timestamp: str) -> dict:
    return {"Type": "SubscriptionConfirmation", "MessageId": message_id, "Token": token, "TopicArn": topic_arn,
            "Message": f"You have chosen to subscribe to the topic {topic_arn}.\n"
                       "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": subscribe, "Timestamp": timestamp}


def unsubscribe_confirmation(*, message_id: str, token: str, topic_arn: str, subscription_arn: str, subscribe: str,
                             timestamp: str) -> dict:
    return {"Type": "UnsubscribeConfirmation", "MessageId": message_id, "Token": token, "TopicArn": topic_arn,
            "Message": f"You have chosen to deactivate subscription {subscription_arn}.\n"
                       "To cancel this operation and restore the subscription, visit the SubscribeURL included "
                       "in this message.",
            "SubscribeURL": subscribe, "Timestamp": timestamp}


def with_signature(doc: dict, *, signature_version: str, signature: str, cert_url: str) -> dict:
    return {**doc, "SignatureVersion": signature_version, "Signature": signature, "SigningCertURL": cert_url}
