"""Amazon SNS: topics, subscriptions, publishing and fan-out, signed messages, durable HTTP/S deliveries.

The service object is a thin async facade: each method is one store transaction over the concept
modules (``topics``, ``subscriptions``, ``publish``, ``platform``), which know nothing of HTTP.
"""

from __future__ import annotations

import asyncio
import uuid

from storage import sns as repo
from storage.db import UnitOfWork

from ..caller import Caller
from ..patterns import CompiledPolicy, compile_filter_policy
from . import confirmations, envelope, platform, publish, subscriptions, topics
from .http_delivery import HttpDelivery
from .signing import Signer, generate


class SnsService:
    def __init__(self, emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.signer: Signer | None = None
        self._key_saved = False
        self.signature_versions: dict[str, str] = {}  # topic ARN -> SignatureVersion last seen (a hint)
        # Compiled filter policies, rebuilt on demand from the subscriptions table.
        self._filters: dict[str, tuple[str, str, CompiledPolicy]] = {}
        self.http = HttpDelivery(self)
        for kind in self.http.kinds():
            emulator.outbox.register(kind)

    async def signer_ready(self) -> Signer:
        """The signer, for callers outside a transaction (the certificate endpoint)."""
        await self.store.transaction(self.ensure_key)
        return self.signer

    async def start(self) -> None:
        pass

    def reset(self) -> None:
        # The wipe removed the key's row: keep signing with the same key and store it again on next use.
        self._filters.clear()
        self.signature_versions.clear()
        self._key_saved = False

    # --- helpers the concept modules call ---------------------------------------------------------

    def sign(self, doc: dict, version: str) -> str:
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

    def filter_for(self, subscription_arn: str, policy: str, scope: str | None) -> CompiledPolicy:
        scope = scope or "MessageAttributes"
        cached = self._filters.get(subscription_arn)
        if cached is None or cached[0] != policy or cached[1] != scope:
            cached = (policy, scope, compile_filter_policy(policy, scope))
            self._filters[subscription_arn] = cached
        return cached[2]

    def base_url(self, caller: Caller) -> str:
        return (self.emulator.settings.public_url or caller.endpoint).rstrip("/")

    async def _tx(self, fn, *args, **kwargs):
        return await self.store.transaction(fn, *args, **kwargs)

    # --- topics -----------------------------------------------------------------------------------

    async def create_topic(self, caller: Caller, name: str, attributes, tags, data_protection_policy) -> str:
        return await self._tx(topics.create_topic, caller, name, attributes, tags, data_protection_policy)

    async def delete_topic(self, caller: Caller, arn: str) -> None:
        def work(uow):
            subscriptions.parse_arn(arn, "TopicArn")
            for sub in topics.delete_topic(uow, arn):
                self._filters.pop(sub["arn"], None)
        await self._tx(work)

    async def get_topic_attributes(self, arn: str) -> dict:
        return await self._tx(topics.get_attributes, arn)

    async def set_topic_attributes(self, arn: str, name: str, value: str | None) -> None:
        await self._tx(topics.set_attribute, arn, name, value)

    async def list_topics(self, caller: Caller, next_token: str | None) -> dict:
        return await self._tx(topics.list_topics, caller, next_token)

    async def add_permission(self, arn: str, label: str, accounts: list, actions: list) -> None:
        await self._tx(topics.add_permission, arn, label, accounts, actions)

    async def remove_permission(self, arn: str, label: str) -> None:
        await self._tx(topics.remove_permission, arn, label)

    async def tag_resource(self, arn: str, tags: list) -> None:
        await self._tx(topics.tag_resource, arn, tags)

    async def untag_resource(self, arn: str, keys: list) -> None:
        await self._tx(topics.untag_resource, arn, keys)

    async def list_tags_for_resource(self, arn: str) -> list:
        return await self._tx(topics.list_tags, arn)

    async def put_data_protection_policy(self, arn: str, policy: str) -> None:
        await self._tx(topics.put_data_protection_policy, arn, policy)

    async def get_data_protection_policy(self, arn: str) -> str | None:
        return await self._tx(topics.get_data_protection_policy, arn)

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
        sub = await self._tx(work)
        return sub["arn"] if (return_arn or not sub["pending"]) else subscriptions.PENDING

    async def confirm_subscription(self, topic_arn: str, token: str, authenticate_on_unsubscribe) -> str:
        return await self._tx(subscriptions.confirm, topic_arn, token, authenticate_on_unsubscribe)

    async def unsubscribe(self, caller: Caller, arn: str, *, signed: bool) -> None:
        base = self.base_url(caller)

        def work(uow):
            sub = subscriptions.unsubscribe(uow, arn, signed=signed)
            self._filters.pop(arn, None)
            self.ensure_key(uow)
            confirmations.send_unsubscribe_confirmation(self, uow, base, sub)
        await self._tx(work)

    async def get_subscription_attributes(self, arn: str) -> dict:
        return await self._tx(subscriptions.get_attributes, arn)

    async def set_subscription_attributes(self, arn: str, name: str, value: str | None) -> None:
        await self._tx(subscriptions.set_attribute, arn, name, value)

    async def list_subscriptions(self, caller: Caller, next_token: str | None) -> dict:
        return await self._tx(subscriptions.list_all, caller, next_token)

    async def list_subscriptions_by_topic(self, topic_arn: str, next_token: str | None) -> dict:
        return await self._tx(subscriptions.list_by_topic, topic_arn, next_token)

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
        version = self.signature_versions.get(topic_arn) if topic_arn else None
        if version is None or self.signer is None or message is None or request.get("structure"):
            return None
        message_id = str(uuid.uuid4())
        timestamp = envelope.iso_timestamp(self.emulator.clock.now_ms())
        doc = envelope.notification(message_id=message_id, topic_arn=topic_arn, message=message,
                                    timestamp=timestamp, subject=request.get("subject"))
        signature = await asyncio.get_running_loop().run_in_executor(None, self.signer.sign, doc, version)
        return {"message_id": message_id, "timestamp": timestamp, "text": message, "version": version,
                "signature": signature}

    async def publish_batch(self, caller: Caller, topic_arn: str, entries: list) -> dict:
        base = self.base_url(caller)

        def work(uow):
            self.ensure_key(uow)
            return publish.publish_batch(self, uow, caller, base, topic_arn, entries)
        return await self._tx(work)

    # --- platform applications, endpoints, SMS ------------------------------------------------------

    async def platform(self, name: str, *args):
        """Run ``platform.<name>(uow, *args)`` in one transaction (the platform API is many small calls)."""
        return await self._tx(getattr(platform, name), *args)
