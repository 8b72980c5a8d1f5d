"""Amazon SNS: topics, subscriptions, publishing and fan-out, signed messages, durable HTTP/S deliveries.

The service object is a thin async facade: each method is one store transaction over the concept
modules (``topics``, ``subscriptions``, ``publish``, ``platform``), which know nothing of HTTP.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from storage import sns as repo
from storage.db import UnitOfWork

from ..caller import Caller
from ..delivery import Message, Target
from ..ids import new_uuid
from . import confirmations, envelope, platform, publish, subscriptions, topics
from .cache import TopicCache
from .signing import Signer, generate

if TYPE_CHECKING:
    from ..core import Emulator


class SnsService:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.signer: Signer | None = None
        self._key_saved = False
        self.topics = TopicCache()
        emulator.delivery.register_target("sns", TopicTarget(self))

    async def signer_ready(self) -> Signer:
        """The signer, for callers outside a transaction (the certificate endpoint)."""
        await self.store.transaction(self.ensure_key)
        assert self.signer is not None, "ensure_key loads or generates it"
        return self.signer

    async def start(self) -> None:
        pass

    def reset(self) -> None:
        # The wipe removed the key's row: keep signing with the same key and store it again on next use.
        self.topics.clear()
        self._key_saved = False

    # --- helpers the concept modules call ---------------------------------------------------------

    def sign(self, doc: dict, version: str) -> str:
        assert self.signer is not None, "ensure_key runs first in every transaction that signs"
        return self.signer.sign(doc, version)

    def ensure_key(self, uow: UnitOfWork) -> None:
        """Load (or, the very first time, generate) the signing key, in the transaction that needs it.

        Lazy: a run that never signs never pays for the RSA key or for importing ``cryptography``.
        """
        if self.signer is None:
            stored = repo.get_signing_key(uow)
            if stored is not None:
                self._key_saved = True
            else:
                stored = generate(uow.now)
            self.signer = Signer(*stored)
        if not self._key_saved:
            repo.put_signing_key(uow, self.signer.key_pem, self.signer.cert_pem)
            uow.after_commit(self._mark_key_saved)

    def _mark_key_saved(self) -> None:
        self._key_saved = True

    def signer_cert_url(self, base: str) -> str:
        assert self.signer is not None, "ensure_key runs first in every transaction that signs"
        return self.signer.cert_url(base)

    def base_url(self, caller: Caller) -> str:
        return (self.emulator.settings.public_url or caller.endpoint).rstrip("/")

    async def _tx(self, fn, *args, **kwargs):
        return await self.store.transaction(fn, *args, **kwargs)

    async def _change(self, topic_arn: str | None, fn, *args):
        """A transaction that changes topic ``topic_arn`` or its subscriptions (None: any topic)."""
        def work(uow):
            result = fn(uow, *args)
            self.topics.changed(uow, topic_arn)
            return result
        return await self.store.transaction(work)

    @staticmethod
    def _allowed(caller: Caller | None, arn: str, action: str, fn):
        """``fn(uow, *args)`` once ``caller`` may call SNS ``action`` on topic ``arn`` (see topics.authorize)."""
        def work(uow, *args):
            topics.authorize_arn(uow, caller, arn, action)
            return fn(uow, *args)
        return work

    # --- topics -----------------------------------------------------------------------------------

    async def create_topic(self, caller: Caller, name: str, attributes, tags, data_protection_policy) -> str:
        return await self._tx(topics.create_topic, caller, name, attributes, tags, data_protection_policy)

    async def delete_topic(self, caller: Caller, arn: str) -> None:
        def work(uow):
            topics.check_arn(arn, caller)
            topics.authorize_arn(uow, caller, arn, "DeleteTopic")
            topics.delete_topic(uow, arn)
        await self._change(arn, work)

    async def get_topic_attributes(self, arn: str, *, caller: Caller | None = None) -> dict:
        """``caller``: the caller whose region the ARN must be in (None: any region, for the console)."""
        topics.check_arn(arn, caller)
        return await self._tx(self._allowed(caller, arn, "GetTopicAttributes", topics.get_attributes), arn)

    async def set_topic_attributes(self, arn: str, name: str, value: str | None, *,
                                   caller: Caller | None = None) -> None:
        topics.check_arn(arn, caller)
        await self._change(arn, self._allowed(caller, arn, "SetTopicAttributes", topics.set_attribute), arn, name,
                           value)

    async def list_topics(self, caller: Caller, next_token: str | None) -> dict:
        return await self._tx(topics.list_topics, caller, next_token)

    async def add_permission(self, arn: str, label: str, accounts: list, actions: list, *,
                             caller: Caller | None = None) -> None:
        topics.check_arn(arn, caller)
        await self._change(arn, self._allowed(caller, arn, "AddPermission", topics.add_permission), arn, label,
                           accounts, actions)

    async def remove_permission(self, arn: str, label: str, *, caller: Caller | None = None) -> None:
        topics.check_arn(arn, caller)
        await self._change(arn, self._allowed(caller, arn, "RemovePermission", topics.remove_permission), arn,
                           label)

    async def tag_resource(self, arn: str, tags: list, *, caller: Caller | None = None) -> None:
        await self._tx(self._allowed(caller, arn, "TagResource", topics.tag_resource), arn, tags)

    async def untag_resource(self, arn: str, keys: list, *, caller: Caller | None = None) -> None:
        await self._tx(self._allowed(caller, arn, "UntagResource", topics.untag_resource), arn, keys)

    async def list_tags_for_resource(self, arn: str, *, caller: Caller | None = None) -> list:
        return await self._tx(self._allowed(caller, arn, "ListTagsForResource", topics.list_tags), arn)

    async def put_data_protection_policy(self, arn: str, policy: str, *, caller: Caller | None = None) -> None:
        await self._tx(self._allowed(caller, arn, "PutDataProtectionPolicy", topics.put_data_protection_policy),
                       arn, policy)

    async def get_data_protection_policy(self, arn: str, *, caller: Caller | None = None) -> str | None:
        return await self._tx(self._allowed(caller, arn, "GetDataProtectionPolicy",
                                            topics.get_data_protection_policy), arn)

    # --- subscriptions ----------------------------------------------------------------------------

    async def subscribe(self, caller: Caller, topic_arn: str, protocol: str, endpoint: str | None,
                        attributes: dict | None, return_arn: bool) -> str:
        base = self.base_url(caller)

        def work(uow):
            sub, created = subscriptions.subscribe(uow, caller, topic_arn, protocol, endpoint, attributes)
            if created and sub["pending"]:
                self.ensure_key(uow)
                confirmations.send_subscription_confirmation(self, uow, base, sub)
            return sub
        sub = await self._change(topic_arn, work)
        return sub["arn"] if (return_arn or not sub["pending"]) else subscriptions.PENDING

    async def confirm_subscription(self, topic_arn: str, token: str, authenticate_on_unsubscribe, *,
                                   caller: Caller | None = None) -> str:
        """``caller``: a signed call's caller (its region is checked); None for the SubscribeURL link."""
        return await self._change(topic_arn, subscriptions.confirm, caller, topic_arn, token,
                                  authenticate_on_unsubscribe)

    async def unsubscribe(self, caller: Caller, arn: str, *, signed: bool) -> None:
        base = self.base_url(caller)

        def work(uow):
            sub = subscriptions.unsubscribe(uow, arn, signed=signed, caller=caller)
            if sub is not None:
                self.ensure_key(uow)
                confirmations.send_unsubscribe_confirmation(self, uow, base, sub)
        await self._change(_topic_of(arn), work)

    async def get_subscription_attributes(self, arn: str, *, caller: Caller | None = None) -> dict:
        return await self._tx(subscriptions.get_attributes, arn, caller=caller)

    async def set_subscription_attributes(self, arn: str, name: str, value: str | None, *,
                                          caller: Caller | None = None) -> None:
        await self._change(_topic_of(arn), subscriptions.set_attribute, arn, name, value, caller)

    async def list_subscriptions(self, caller: Caller, next_token: str | None) -> dict:
        return await self._tx(subscriptions.list_all, caller, next_token)

    async def list_subscriptions_by_topic(self, topic_arn: str, next_token: str | None, *,
                                          caller: Caller | None = None) -> dict:
        return await self._tx(subscriptions.list_by_topic, caller, topic_arn, next_token)

    # --- publishing -------------------------------------------------------------------------------

    async def publish(self, caller: Caller, **request) -> dict:
        base = self.base_url(caller)
        presigned = await self._presign(request)

        def work(uow):
            self.ensure_key(uow)
            return publish.publish(self, uow, caller, base, presigned=presigned, **request)
        return await self._tx(work)

    async def _presign(self, request: dict) -> dict | None:
        """Sign a plain Publish's notification before its transaction, in a worker thread.

        The RSA signature is ~0.3 ms, most of a publish's time on the single writer thread, and
        cryptography releases the GIL while it signs. The signed fields (MessageId, TopicArn, Subject,
        Message, Timestamp, Type) are all known before the transaction; the topic's SignatureVersion
        comes from what the last publish to the topic saw, and fan-out signs again itself if that
        turned out stale. Anything unusual (no key yet, MessageStructure, TargetArn) signs inside."""
        topic_arn, message = request.get("topic_arn"), request.get("message")
        version = self.topics.signature_version_hint(topic_arn) if topic_arn else None
        if topic_arn and topic_arn.endswith(".fifo"):
            return None  # FIFO notifications are not signed
        if (version is None or topic_arn is None or self.signer is None or message is None
                or request.get("structure")):
            return None
        message_id = new_uuid()
        timestamp = envelope.iso_timestamp(self.emulator.clock.now_ms())
        doc = envelope.notification(message_id=message_id, topic_arn=topic_arn, message=message,
                                    timestamp=timestamp, subject=request.get("subject"))
        signature = await asyncio.get_running_loop().run_in_executor(None, self.signer.sign, doc, version)
        return {"message_id": message_id, "timestamp": timestamp, "text": message, "version": version,
                "signature": signature}

    def publish_in(self, uow: UnitOfWork, topic_arn: str, message: str, *, subject: str | None = None,
                   attributes: dict | None = None, group_id: str | None = None, dedup_id: str | None = None) -> dict:
        """The in-transaction port other services publish through (EventBridge's SNS targets)."""
        self.ensure_key(uow)
        base = (self.emulator.settings.public_url or f"http://localhost:{self.emulator.settings.port}").rstrip("/")
        return publish.publish_in(self, uow, base, topic_arn, message, subject=subject, attributes=attributes,
                                  group_id=group_id, dedup_id=dedup_id)

    async def publish_batch(self, caller: Caller, topic_arn: str, entries: list, *,
                            trace_header: str | None = None) -> dict:
        base = self.base_url(caller)

        def work(uow):
            self.ensure_key(uow)
            return publish.publish_batch(self, uow, caller, base, topic_arn, entries, trace_header=trace_header)
        return await self._tx(work)

    # --- platform applications, endpoints, SMS ------------------------------------------------------

    async def create_sms_sandbox_phone_number(self, caller: Caller, phone: str, language: str | None) -> None:
        await self._tx(lambda uow: platform.create_sandbox_number(self, uow, caller, phone, language))

    async def platform(self, name: str, *args):
        """Run ``platform.<name>(uow, *args)`` in one transaction (the platform API is many small calls)."""
        return await self._tx(getattr(platform, name), *args)


def _topic_of(subscription_arn: str) -> str | None:
    """The topic ARN inside a subscription ARN (``<topic arn>:<id>``); None if it has none (any topic)."""
    topic, _, sub_id = subscription_arn.rpartition(":")
    return topic if topic.count(":") == 5 and sub_id else None


class TopicTarget:
    """The delivery layer's adapter for SNS topics (``Target.kind`` "sns"): EventBridge's topic targets
    publish through the in-transaction port. The topic's policy must allow events.amazonaws.com to publish
    (its default policy does not): ``Delivery.check_service_principal`` says what happens when it does not."""

    local = True
    atomic = False  # a publish fans out: a refusal may come after some writes

    def __init__(self, sns: SnsService):
        self.sns = sns

    def deliver_in(self, uow: UnitOfWork, message: Message, target: Target) -> str | None:
        topic = topics.require(uow, target.address)
        note = self.sns.emulator.delivery.check_service_principal(
            message, policy_text=topics.policy_of(topic), owner=topic["account"], action="sns:Publish",
            resource=topic["arn"], what="topic")
        self.sns.publish_in(uow, target.address, message.body, attributes=message.attributes,
                            group_id=message.group_id, dedup_id=message.dedup_id)
        return note
