"""What a publish needs of a topic and its subscriptions, parsed once: the topic cache.

A publish reads no topic or subscription row and parses no JSON: it finds the topic here with its
confirmed subscriptions, each with its compiled filter policy, raw flag, DLQ and effective HTTP/S
delivery policy. Entries are loaded inside a transaction (so they see exactly what that transaction
sees) and dropped by every transaction that changes the topic or its subscriptions; both register
``uow.on_rollback`` so that an entry built from, or kept past, work that was rolled back is dropped
too. A dropped entry is simply loaded again by the next publish: the cache can never show state
that was not committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage import sns as repo
from storage.db import UnitOfWork

from ..patterns import CompiledPolicy, compile_filter_policy
from . import delivery_policy, topics


@dataclass(frozen=True, slots=True)
class Subscription:
    arn: str
    protocol: str
    endpoint: str
    raw: bool
    filter: CompiledPolicy | None
    dlq: str | None
    http_policy: dict | None        # effective {healthyRetryPolicy, throttlePolicy?, requestPolicy} for HTTP/S


@dataclass(frozen=True, slots=True)
class Topic:
    arn: str
    account: str
    region: str
    fifo: bool
    attributes: dict
    signature_version: str
    max_message_size: int
    content_based_dedup: bool
    subscriptions: tuple[Subscription, ...]


def _dlq(attrs: dict) -> str | None:
    redrive = attrs.get("RedrivePolicy")
    if not redrive:
        return None
    try:
        target = json.loads(redrive).get("deadLetterTargetArn")
    except (ValueError, AttributeError):
        return None
    return target if isinstance(target, str) else None


def _subscription(topic_attrs: dict, row: tuple) -> Subscription:
    arn, protocol, endpoint, attrs_json = row[:4]
    attrs = json.loads(attrs_json) if attrs_json != "{}" else {}
    policy = attrs.get("FilterPolicy")
    compiled = compile_filter_policy(policy, attrs.get("FilterPolicyScope") or "MessageAttributes") if policy else None
    http_policy = None
    if protocol in ("http", "https"):
        http_policy = delivery_policy.effective_subscription_policy(topic_attrs.get("DeliveryPolicy"),
                                                                    attrs.get("DeliveryPolicy"))
    return Subscription(arn, protocol, endpoint, attrs.get("RawMessageDelivery") == "true", compiled, _dlq(attrs),
                        http_policy)


def load(uow: UnitOfWork, arn: str) -> Topic | None:
    row = repo.topic_for_publish(uow, arn)
    if row is None:
        return None
    arn, account, region, fifo, attributes_json = row
    attrs = json.loads(attributes_json) if attributes_json != "{}" else {}
    subs = tuple(_subscription(attrs, r) for r in repo.publish_targets(uow, arn))
    return Topic(arn, account, region, bool(fifo), attrs, attrs.get("SignatureVersion", "1"),
                 topics.max_message_size(attrs), attrs.get("ContentBasedDeduplication") == "true", subs)


class TopicCache:
    def __init__(self) -> None:
        self._topics: dict[str, Topic] = {}

    def get(self, uow: UnitOfWork, arn: str) -> Topic | None:
        """The topic as this transaction sees it (None: no such topic)."""
        topic = self._topics.get(arn)
        if topic is None:
            topic = load(uow, arn)
            if topic is not None:
                self._topics[arn] = topic
                # Built from what this unit sees: if the unit is undone, so is the entry.
                uow.on_rollback(lambda: self._topics.pop(arn, None))
        return topic

    def changed(self, uow: UnitOfWork, arn: str | None = None) -> None:
        """This transaction changes the topic ``arn`` or its subscriptions (None: any topic)."""
        self._drop(arn)
        uow.on_rollback(lambda: self._drop(arn))

    def _drop(self, arn: str | None) -> None:
        if arn is None:
            self._topics.clear()
        else:
            self._topics.pop(arn, None)

    def signature_version_hint(self, arn: str) -> str | None:
        """The SignatureVersion last loaded for ``arn``: a hint for signing before the transaction, which
        checks it again (a wrong hint only costs a second signature inside)."""
        topic = self._topics.get(arn)
        return topic.signature_version if topic is not None else None

    def clear(self) -> None:
        self._topics.clear()
