"""SubscriptionConfirmation and UnsubscribeConfirmation messages: posted to HTTP/S endpoints through the
outbox (they are deliveries too, retried like notifications), captured for email endpoints."""

from __future__ import annotations

import uuid

from storage import outbox as outbox_repo
from storage import sns as repo
from storage.db import UnitOfWork

from . import delivery_policy, envelope
from .fanout import USER_AGENT


def _send(svc, uow: UnitOfWork, base: str, sub: dict, doc: dict, *, with_subscription_header: bool) -> None:
    topic = repo.get_topic(uow, sub["topic_arn"])
    version = (topic or {}).get("attributes", {}).get("SignatureVersion", "1")
    signed = envelope.with_signature(doc, signature_version=version, signature=svc.sign(doc, version),
                                     cert_url=svc.signer.cert_url(base))
    body = envelope.dumps(signed)
    if sub["protocol"] in ("http", "https"):
        effective = delivery_policy.effective_subscription_policy(
            (topic or {}).get("attributes", {}).get("DeliveryPolicy"), sub["attributes"].get("DeliveryPolicy"))
        headers = {"x-amz-sns-message-type": doc["Type"], "x-amz-sns-message-id": doc["MessageId"],
                   "x-amz-sns-topic-arn": sub["topic_arn"],
                   "Content-Type": delivery_policy.DEFAULT_CONTENT_TYPE, "User-Agent": USER_AGENT}
        if with_subscription_header:
            headers["x-amz-sns-subscription-arn"] = sub["arn"]
        item = {"url": sub["endpoint"], "body": body, "headers": headers, "policy": effective["healthyRetryPolicy"],
                "dlq": None, "topic_arn": sub["topic_arn"], "subscription_arn": sub["arn"],
                "message_id": doc["MessageId"]}
        svc.emulator.outbox.enqueue(uow, "sns.http", sub["endpoint"], item, message_id=doc["MessageId"])
    elif sub["protocol"] in ("email", "email-json"):
        repo.capture(uow, account=sub["account"], region=sub["region"], protocol=sub["protocol"],
                     target=sub["endpoint"], message_id=doc["MessageId"], topic_arn=sub["topic_arn"],
                     subscription_arn=sub["arn"], payload={"Subject": "AWS Notification - Subscription Confirmation",
                                                           "Message": body})
        outbox_repo.log_attempt(uow, kind=f"sns.{sub['protocol']}", target=sub["endpoint"],
                                message_id=doc["MessageId"], attempt=1, status="delivered", error=None,
                                outbox_id=None)


def send_subscription_confirmation(svc, uow: UnitOfWork, base: str, sub: dict) -> None:
    doc = envelope.subscription_confirmation(
        message_id=str(uuid.uuid4()), token=sub["token"], topic_arn=sub["topic_arn"],
        subscribe=envelope.subscribe_url(base, sub["topic_arn"], sub["token"]), timestamp=envelope.iso_timestamp(uow.now))
    _send(svc, uow, base, sub, doc, with_subscription_header=False)


def send_unsubscribe_confirmation(svc, uow: UnitOfWork, base: str, sub: dict) -> None:
    if sub["protocol"] not in ("http", "https") or sub["pending"]:
        return
    token = sub["token"] or uuid.uuid4().hex * 2
    doc = envelope.unsubscribe_confirmation(
        message_id=str(uuid.uuid4()), token=token, topic_arn=sub["topic_arn"], subscription_arn=sub["arn"],
        subscribe=envelope.subscribe_url(base, sub["topic_arn"], token), timestamp=envelope.iso_timestamp(uow.now))
    _send(svc, uow, base, sub, doc, with_subscription_header=True)

