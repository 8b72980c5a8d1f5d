"""Queue operations: create (idempotent), URLs, listing, attributes, tags, permissions, purge, delete."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from emulator import arns
from emulator.caller import Caller
from emulator.errors import AwsError
from storage import sqs as db
from storage.db import UnitOfWork

from . import attributes as attrs
from .core import OWNER_ONLY, SqsCore
from .errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    MissingParameter,
    OverLimit,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
    invalid_value,
)
from .model import Queue, queue_arn
from .pagination import page

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
# What AddPermission can grant to another account, and the actions only the owner may call ("Cross-account
# permissions don't apply to this action", SQS API Reference; AddPermission refuses to grant them).
_GRANTABLE = {"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes",
              "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue", "SendMessageBatch", "DeleteMessageBatch",
              "ChangeMessageVisibilityBatch"}
_MAX_ACTIONS = 7


def check_name(name: str, fifo: bool) -> None:
    if name == "":
        raise InvalidParameterValue("Queue name cannot be empty")
    if fifo:
        if not name.endswith(".fifo") or not _NAME.match(name[:-5] + "_fifo"):
            raise InvalidParameterValue("The name of a FIFO queue can only include alphanumeric characters, "
                                        "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                                        "length.")
    elif not _NAME.match(name):
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. "
                                    "1 to 80 in length")


class QueueOps(SqsCore):
    # --- create / url / list / delete -------------------------------------------------------------

    async def create_queue(self, caller: Caller, *, queue_name: str, attributes: dict[str, str] | None = None,
                           tags: dict[str, str] | None = None) -> dict:
        return await self.store.transaction(self._create_txn, caller, queue_name, attributes or {}, tags or {})

    def _create_txn(self, uow: UnitOfWork, caller: Caller, name: str, given: dict[str, str],
                    tags: dict[str, str]) -> dict:
        fifo = str(given.get("FifoQueue", "")).lower() == "true"
        check_name(name, fifo)
        arn = queue_arn(caller.region, caller.account, name)
        existing = self.queues.get(uow, (caller.account, caller.region, name))
        normalized = attrs.validate(given, fifo=fifo, source=existing, source_arn=arn,
                                    lookup=lambda target: self.queue_by_arn(uow, target), creating=True)
        url = self.url(caller, caller.account, caller.region, name)
        if existing is not None:
            for key, value in normalized.items():
                current = existing.get(key)
                if key == "KmsDataKeyReusePeriodSeconds" and current is None:
                    current = "300"
                if (value or None) != (current or None):
                    raise QueueNameExists(f"A queue already exists with the same name and a different value for "
                                          f"attribute {key}")
            return {"QueueUrl": url}
        if self.settings.sqs_delete_recently_rule:
            deleted = db.deleted_at(uow, caller.account, caller.region, name)
            if deleted is not None and uow.now - deleted < 60_000:
                raise QueueDeletedRecently("You must wait 60 seconds after deleting a queue before you can create "
                                           "another with the same name.")
        stored = {k: v for k, v in normalized.items() if v is not None}
        queue_id = db.insert_queue(uow, caller.account, caller.region, name, fifo, stored, dict(tags))
        self.queues.put(uow, Queue(id=queue_id, account=caller.account, region=caller.region, name=name, fifo=fifo,
                                   attributes=stored, tags=dict(tags), created_at=uow.now, modified_at=uow.now))
        return {"QueueUrl": url}

    async def get_queue_url(self, caller: Caller, *, queue_name: str,
                            queue_owner_aws_account_id: str | None = None) -> dict:
        account = queue_owner_aws_account_id or caller.account
        queue = await self.store.read(self._queue_url_txn, caller, account, queue_name)
        return {"QueueUrl": self.url(caller, queue.account, queue.region, queue.name)}

    def _queue_url_txn(self, uow: UnitOfWork, caller: Caller, account: str, name: str) -> Queue:
        """Another account's queue it may not see is, to it, a queue that does not exist (AWS's answer)."""
        queue = self.queue(uow, account, caller.region, name)
        try:
            self.authorize(caller, queue, "GetQueueUrl")
        except AwsError:
            raise QueueDoesNotExist("The specified queue does not exist or you do not have access to it.") from None
        return queue

    async def list_queues(self, caller: Caller, *, queue_name_prefix: str | None = None, next_token: str | None = None,
                          max_results: int | None = None) -> dict:
        names = await self.store.read(self._names_txn, caller, queue_name_prefix or "")
        names, token = page(names, max_results, next_token)
        out: dict = {}
        if names:
            out["QueueUrls"] = [self.url(caller, caller.account, caller.region, n) for n in names]
        if token:
            out["NextToken"] = token
        return out

    def _names_txn(self, uow: UnitOfWork, caller: Caller, prefix: str) -> list[str]:
        return sorted(q.name for q in self.queues.all(uow)
                      if q.account == caller.account and q.region == caller.region and q.name.startswith(prefix))

    async def delete_queue(self, caller: Caller, *, queue_url: str) -> None:
        await self.store.transaction(self._delete_queue_txn, caller, queue_url)

    def _delete_queue_txn(self, uow: UnitOfWork, caller: Caller, url: str) -> None:
        queue = self.queue_by_url(uow, caller, url, "DeleteQueue")
        db.delete_queue(uow, queue.id, queue.account, queue.region, queue.name)
        self.queues.remove(uow, queue)
        self.retention.note(uow, uow.now + 60_000)
        self.wake(uow, queue)

    async def purge_queue(self, caller: Caller, *, queue_url: str) -> None:
        await self.store.transaction(self._purge_txn, caller, queue_url)

    def _purge_txn(self, uow: UnitOfWork, caller: Caller, url: str) -> None:
        queue = self.queue_by_url(uow, caller, url, "PurgeQueue")
        if self.settings.sqs_purge_rule and queue.purged_at is not None and uow.now - queue.purged_at < 60_000:
            raise PurgeQueueInProgress(f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds.")
        db.purge(uow, queue.id, self.next_sequence(uow.now))  # at once whatever the depth (rows go in the background)
        self.purges.note(uow)
        self.queues.put(uow, replace(queue, purged_at=uow.now))

    # --- attributes -------------------------------------------------------------------------------

    async def get_queue_attributes(self, caller: Caller, *, queue_url: str,
                                   attribute_names: list[str] | None = None) -> dict:
        return await self.store.read(self._get_attributes_txn, caller, queue_url, attribute_names or [])

    def _get_attributes_txn(self, uow: UnitOfWork, caller: Caller, url: str, names: list[str]) -> dict:
        queue = self.queue_by_url(uow, caller, url, "GetQueueAttributes")
        for name in names:
            if name != "All" and (name not in attrs.ALL_NAMES or (name in attrs.FIFO_ONLY and not queue.fifo)):
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if not names:
            return {}
        every = "All" in names
        wanted = set(attrs.ALL_NAMES) if every else set(names)
        out: dict[str, str] = {}
        if wanted & {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                     "ApproximateNumberOfMessagesDelayed"}:
            visible, inflight, delayed = db.counts(uow, queue.id)
            computed = {"ApproximateNumberOfMessages": visible, "ApproximateNumberOfMessagesNotVisible": inflight,
                        "ApproximateNumberOfMessagesDelayed": delayed}
            out.update({k: str(v) for k, v in computed.items() if k in wanted})
        if "CreatedTimestamp" in wanted:
            out["CreatedTimestamp"] = str(queue.created_at // 1000)
        if "LastModifiedTimestamp" in wanted:
            out["LastModifiedTimestamp"] = str(queue.modified_at // 1000)
        if "QueueArn" in wanted:
            out["QueueArn"] = queue.arn
        for key, value in attrs.effective_attributes(queue).items():
            if key in wanted and value is not None:
                out[key] = value
        return {"Attributes": out} if out else {}

    async def set_queue_attributes(self, caller: Caller, *, queue_url: str, attributes: dict[str, str]) -> None:
        await self.store.transaction(self._set_attributes_txn, caller, queue_url, attributes)
        self.emulator.scheduler.wake()  # a shorter retention may make messages due sooner

    def _set_attributes_txn(self, uow: UnitOfWork, caller: Caller, url: str, attributes: dict[str, str]) -> None:
        queue = self.queue_by_url(uow, caller, url, "SetQueueAttributes")
        normalized = attrs.validate(attributes, fifo=queue.fifo, source=queue, source_arn=queue.arn,
                                    lookup=lambda target: self.queue_by_arn(uow, target), creating=False)
        if not normalized:
            return
        updated = dict(queue.attributes)
        for key, value in normalized.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
        db.update_queue_attributes(uow, queue.id, updated)
        changed = replace(queue, attributes=updated, modified_at=uow.now)
        self.queues.put(uow, changed)
        if changed.retention_ms != queue.retention_ms:
            db.set_retention(uow, queue.id, changed.retention_ms)
            self.retention.forget()
        if changed.fifo and changed.delay != queue.delay:
            db.set_delay(uow, queue.id, changed.delay * 1000)  # retroactive for FIFO queues only (SQS DG)
        self.wake(uow, changed)

    # --- tags -------------------------------------------------------------------------------------

    async def tag_queue(self, caller: Caller, *, queue_url: str, tags: dict[str, str]) -> None:
        await self.store.transaction(self._tags_txn, caller, queue_url, tags, None)

    async def untag_queue(self, caller: Caller, *, queue_url: str, tag_keys: list[str]) -> None:
        await self.store.transaction(self._tags_txn, caller, queue_url, None, tag_keys)

    def _tags_txn(self, uow: UnitOfWork, caller: Caller, url: str, add: dict[str, str] | None,
                  remove: list[str] | None) -> None:
        """TagQueue (``add``) or UntagQueue (``remove``); each refuses an empty request, as AWS does."""
        queue = self.queue_by_url(uow, caller, url, "UntagQueue" if add is None else "TagQueue")
        if add is not None and not add:
            raise MissingParameter("The request must contain the parameter Tags.")
        if remove is not None and not remove:
            raise InvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
        add, remove = add or {}, remove or []
        tags = {k: v for k, v in queue.tags.items() if k not in remove}
        tags.update(add)
        if len(tags) > 50:
            raise InvalidParameterValue(f"Too many tags added for queue {queue.name}.")
        db.update_queue_tags(uow, queue.id, tags)
        self.queues.put(uow, replace(queue, tags=tags))

    async def list_queue_tags(self, caller: Caller, *, queue_url: str) -> dict:
        queue = await self.store.read(self.queue_by_url, caller, queue_url, "ListQueueTags")
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    # --- permissions (reflected in the Policy attribute) -------------------------------------------

    async def add_permission(self, caller: Caller, *, queue_url: str, label: str, aws_account_ids: list[str],
                             actions: list[str]) -> None:
        await self.store.transaction(self._permission_txn, caller, queue_url, label, (aws_account_ids, actions))

    async def remove_permission(self, caller: Caller, *, queue_url: str, label: str) -> None:
        await self.store.transaction(self._permission_txn, caller, queue_url, label, None)

    def _permission_txn(self, uow: UnitOfWork, caller: Caller, url: str, label: str,
                        grant: tuple[list[str], list[str]] | None) -> None:
        """Add (``grant`` = account ids, actions) or remove (None) the policy statement ``label``."""
        queue = self.queue_by_url(uow, caller, url, "RemovePermission" if grant is None else "AddPermission")
        policy: dict[str, Any] = json.loads(queue.attributes["Policy"]) if queue.attributes.get("Policy") else {
            "Version": "2008-10-17", "Id": f"{queue.arn}/SQSDefaultPolicy", "Statement": []}
        found = policy.get("Statement") or []
        statements: list[dict[str, Any]] = found if isinstance(found, list) else [found]
        labels = [s.get("Sid") for s in statements]
        if grant is not None:
            accounts, actions = grant
            if not _LABEL.match(label):
                raise invalid_value(label, "Label", "Can only include alphanumeric characters, hyphens, or "
                                    "underscores. 1 to 80 in length")
            if not actions:
                raise MissingParameter("The request must contain the parameter Actions.")
            if not accounts:
                raise invalid_value("[]", "PrincipalId", "Unable to verify.")
            if len(actions) > _MAX_ACTIONS:
                raise OverLimit(f"{len(actions)} Actions were found, maximum allowed is {_MAX_ACTIONS}.")
            for action in actions:
                if action in OWNER_ONLY:
                    raise invalid_value(f"SQS:{action}", "ActionName", "Only the queue owner is allowed to invoke "
                                        "this action.")
                if action not in _GRANTABLE:
                    raise invalid_value(f"SQS:{action}", "ActionName", "Please refer to the appropriate WSDL for "
                                        "a list of valid actions.")
            if label in labels:
                raise invalid_value(label, "Label", "Already exists.")
            principals = [arns.build("iam", "", a, "root") for a in accounts]
            statements.append({
                "Sid": label, "Effect": "Allow",
                "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                "Action": f"SQS:{actions[0]}" if len(actions) == 1 else [f"SQS:{a}" for a in actions],
                "Resource": queue.arn})
        else:
            if label not in labels:
                raise invalid_value(label, "Label", "can't find label on existing policy.")
            statements = [s for s in statements if s.get("Sid") != label]
        updated = dict(queue.attributes)
        if statements:
            policy["Statement"] = statements
            updated["Policy"] = json.dumps(policy, separators=(",", ":"))
        else:
            updated.pop("Policy", None)
        db.update_queue_attributes(uow, queue.id, updated)
        self.queues.put(uow, replace(queue, attributes=updated, modified_at=uow.now))
