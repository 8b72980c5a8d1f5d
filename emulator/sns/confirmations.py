"""SubscriptionConfirmation and UnsubscribeConfirmation messages: posted to HTTP/S endpoints through the
delivery layer (they are deliveries too, retried like notifications), captured for email endpoints."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from storage import sns as repo
from storage.db import UnitOfWork

from ..delivery import Message, RetryPolicy, Target
from . import delivery_policy, envelope
from .fanout import USER_AGENT, capture

if TYPE_CHECKING:
    from . import SnsService


def _send(svc: SnsService, uow: UnitOfWork, base: str, sub: dict, doc: dict, *, with_subscription_header: bool) -> None:
    topic = repo.get_topic(uow, sub["topic_arn"])
    topic_attrs = (topic or {}).get("attributes", {})
    version = topic_attrs.get("SignatureVersion", "1")
    signed = envelope.with_signature(doc, signature_version=version, signature=svc.sign(doc, version),
                                     cert_url=svc.signer_cert_url(base))
    body = envelope.dumps(signed)
    if sub["protocol"] in ("http", "https"):
        effective = delivery_policy.effective_subscription_policy(topic_attrs.get("DeliveryPolicy"),
                                                                  sub["attributes"].get("DeliveryPolicy"))
        headers = {"x-amz-sns-message-type": doc["Type"], "x-amz-sns-message-id": doc["MessageId"],
                   "x-amz-sns-topic-arn": sub["topic_arn"],
                   "Content-Type": delivery_policy.DEFAULT_CONTENT_TYPE, "User-Agent": USER_AGENT}
        if with_subscription_header:
            headers["x-amz-sns-subscription-arn"] = sub["arn"]
        message = Message("sns", sub["topic_arn"], doc["MessageId"], body, sub["account"], sub["region"],
                          route=sub["arn"], headers=headers)
        svc.emulator.delivery.dispatch(uow, message, Target("http", sub["endpoint"], "http"),
                                       retry=RetryPolicy("sns", sns=effective["healthyRetryPolicy"]))
    elif sub["protocol"] == "sqs":  # a queue of another account: its owner confirms (see subscriptions.subscribe)
        message = Message("sns", sub["topic_arn"], doc["MessageId"], body, sub["account"], sub["region"],
                          route=sub["arn"])
        svc.emulator.delivery.dispatch(uow, message, Target("sqs", sub["endpoint"], "sqs"))
    elif sub["protocol"] in ("email", "email-json"):
        capture(svc, uow, account=sub["account"], region=sub["region"], protocol=sub["protocol"],
                target=sub["endpoint"], message_id=doc["MessageId"], topic_arn=sub["topic_arn"],
                subscription_arn=sub["arn"], payload={"Subject": "AWS Notification - Subscription Confirmation",
                                                      "Message": body})


def send_subscription_confirmation(svc: SnsService, uow: UnitOfWork, base: str, sub: dict) -> None:
    doc = envelope.subscription_confirmation(
        message_id=str(uuid.uuid4()), token=sub["token"], topic_arn=sub["topic_arn"],
        subscribe=envelope.subscribe_url(base, sub["topic_arn"], sub["token"]), timestamp=envelope.iso_timestamp(uow.now))
    _send(svc, uow, base, sub, doc, with_subscription_header=False)


def send_unsubscribe_confirmation(svc: SnsService, uow: UnitOfWork, base: str, sub: dict) -> None:
    if sub["protocol"] not in ("http", "https") or sub["pending"]:
        return
    token = sub["token"] or uuid.uuid4().hex * 2
    doc = envelope.unsubscribe_confirmation(
        message_id=str(uuid.uuid4()), token=token, topic_arn=sub["topic_arn"], subscription_arn=sub["arn"],
        subscribe=envelope.subscribe_url(base, sub["topic_arn"], token), timestamp=envelope.iso_timestamp(uow.now))
    _send(svc, uow, base, sub, doc, with_subscription_header=True)
