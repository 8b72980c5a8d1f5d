"""Queue operations: create (idempotent), URLs, listing, attributes, tags, permissions, purge, delete."""

from __future__ import annotations

import json
import re

from emulator.caller import Caller
from storage import sqs as db

from . import attributes as attrs
from .errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    MissingParameter,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueNameExists,
    invalid_value,
)
from .model import Queue, queue_arn
from .pagination import page
from .urls import queue_url

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_QUEUE_ACTIONS = {"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                  "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue",
                  "ListQueueTags", "SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch",
                  "SetQueueAttributes", "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask"}


def check_name(name: str, fifo: bool) -> None:
    if name == "":
        raise InvalidParameterValue("Queue name cannot be empty")
    if fifo:
        if not name.endswith(".fifo"):
            raise InvalidAttributeName("Unknown Attribute FifoQueue.")
        if not _NAME.match(name[:-5] + "_fifo"):
            raise InvalidParameterValue("The name of a FIFO queue can only include alphanumeric characters, "
                                        "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                                        "length.")
    elif not _NAME.match(name):
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. "
                                    "1 to 80 in length")


class QueueOps:
    # --- create / url / list / delete -------------------------------------------------------------

    async def create_queue(self, caller: Caller, params: dict) -> dict:
        return await self._write(self._create_txn, caller, params)

    def _create_txn(self, uow, caller: Caller, params: dict) -> dict:
        name = params["QueueName"]
        given = params.get("Attributes") or {}
        fifo = str(given.get("FifoQueue", "")).lower() == "true"
        check_name(name, fifo)
        arn = queue_arn(caller.region, caller.account, name)
        existing = self._queues.get((caller.account, caller.region, name))
        normalized = attrs.validate(given, fifo=fifo, source=existing, source_arn=arn, lookup=self.queue_by_arn,
                                    creating=True)
        url = queue_url(caller.endpoint, caller.account, name)
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
        tags = dict(params.get("tags") or {})
        queue_id = db.insert_queue(uow, caller.account, caller.region, name, fifo, stored, tags)
        queue = Queue(id=queue_id, account=caller.account, region=caller.region, name=name, fifo=fifo,
                      attributes=stored, tags=tags, created_at=uow.now, modified_at=uow.now)
        self._queues[queue.key] = queue
        return {"QueueUrl": url}

    async def get_queue_url(self, caller: Caller, params: dict) -> dict:
        account = params.get("QueueOwnerAWSAccountId") or caller.account
        queue = self.queue(account, caller.region, params["QueueName"])
        return {"QueueUrl": queue_url(caller.endpoint, queue.account, queue.name)}

    async def list_queues(self, caller: Caller, params: dict) -> dict:
        prefix = params.get("QueueNamePrefix") or ""
        names = sorted(q.name for q in list(self._queues.values())
                       if q.account == caller.account and q.region == caller.region and q.name.startswith(prefix))
        names, token = page(names, params.get("MaxResults"), params.get("NextToken"))
        out: dict = {}
        if names:
            out["QueueUrls"] = [queue_url(caller.endpoint, caller.account, n) for n in names]
        if token:
            out["NextToken"] = token
        return out

    async def delete_queue(self, caller: Caller, params: dict) -> None:
        await self._write(self._delete_queue_txn, caller, params)

    def _delete_queue_txn(self, uow, caller: Caller, params: dict) -> None:
        queue = self.queue_by_url(caller, params["QueueUrl"])
        db.delete_queue(uow, queue.id, queue.account, queue.region, queue.name)
        self._queues.pop(queue.key, None)
        self.retention.note(uow, uow.now + 60_000)
        self.wake(uow, queue)

    async def purge_queue(self, caller: Caller, params: dict) -> None:
        await self._write(self._purge_txn, caller, params)

    def _purge_txn(self, uow, caller: Caller, params: dict) -> None:
        queue = self.queue_by_url(caller, params["QueueUrl"])
        if self.settings.sqs_purge_rule and queue.purged_at is not None and uow.now - queue.purged_at < 60_000:
            raise PurgeQueueInProgress(f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds.")
        db.purge(uow, queue.id)
        queue.purged_at = uow.now

    # --- attributes -------------------------------------------------------------------------------

    async def get_queue_attributes(self, caller: Caller, params: dict) -> dict:
        return await self.store.read(self._get_attributes_txn, caller, params)

    def _get_attributes_txn(self, uow, caller: Caller, params: dict) -> dict:
        queue = self.queue_by_url(caller, params["QueueUrl"])
        names = params.get("AttributeNames") or []
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

    async def set_queue_attributes(self, caller: Caller, params: dict) -> None:
        await self._write(self._set_attributes_txn, caller, params)
        self.emulator.scheduler.wake()  # a shorter retention may make messages due sooner

    def _set_attributes_txn(self, uow, caller: Caller, params: dict) -> None:
        queue = self.queue_by_url(caller, params["QueueUrl"])
        normalized = attrs.validate(params.get("Attributes") or {}, fifo=queue.fifo, source=queue,
                                    source_arn=queue.arn, lookup=self.queue_by_arn, creating=False)
        if not normalized:
            return
        updated = dict(queue.attributes)
        for key, value in normalized.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
        db.update_queue_attributes(uow, queue.id, updated)
        old_retention, old_delay = queue.retention_ms, queue.delay
        queue.attributes = updated
        queue.modified_at = uow.now
        queue.refresh()
        if queue.retention_ms != old_retention:
            db.set_retention(uow, queue.id, queue.retention_ms)
            self.retention.forget()
        if queue.fifo and queue.delay != old_delay:
            db.set_delay(uow, queue.id, queue.delay * 1000)  # retroactive for FIFO queues only (SQS DG)
        self.wake(uow, queue)

    # --- tags -------------------------------------------------------------------------------------

    async def tag_queue(self, caller: Caller, params: dict) -> None:
        await self._write(self._tags_txn, caller, params["QueueUrl"], params.get("Tags") or {}, [])

    async def untag_queue(self, caller: Caller, params: dict) -> None:
        await self._write(self._tags_txn, caller, params["QueueUrl"], {}, params.get("TagKeys") or [])

    def _tags_txn(self, uow, caller: Caller, url: str, add: dict, remove: list) -> None:
        queue = self.queue_by_url(caller, url)
        tags = {k: v for k, v in queue.tags.items() if k not in remove}
        tags.update(add)
        if len(tags) > 50:
            raise InvalidParameterValue(f"Too many tags added for queue {queue.name}.")
        db.update_queue_tags(uow, queue.id, tags)
        queue.tags = tags

    async def list_queue_tags(self, caller: Caller, params: dict) -> dict:
        queue = self.queue_by_url(caller, params["QueueUrl"])
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    # --- permissions (reflected in the Policy attribute) -------------------------------------------

    async def add_permission(self, caller: Caller, params: dict) -> None:
        await self._write(self._permission_txn, caller, params, True)

    async def remove_permission(self, caller: Caller, params: dict) -> None:
        await self._write(self._permission_txn, caller, params, False)

    def _permission_txn(self, uow, caller: Caller, params: dict, add: bool) -> None:
        queue = self.queue_by_url(caller, params["QueueUrl"])
        label = params["Label"]
        policy = json.loads(queue.attributes["Policy"]) if queue.attributes.get("Policy") else {
            "Version": "2012-10-17", "Id": f"{queue.arn}/SQSDefaultPolicy", "Statement": []}
        statements = policy.get("Statement") or []
        statements = statements if isinstance(statements, list) else [statements]
        labels = [s.get("Sid") for s in statements]
        if add:
            if not _LABEL.match(label):
                raise invalid_value(label, "Label", "Can only include alphanumeric characters, hyphens, or "
                                    "underscores. 1 to 80 in length")
            if label in labels:
                raise invalid_value(label, "Label", "Already exists.")
            accounts = params.get("AWSAccountIds") or []
            actions = params.get("Actions") or []
            if not accounts:
                raise MissingParameter("The request must contain the parameter AWSAccountIds.")
            if not actions:
                raise MissingParameter("The request must contain the parameter Actions.")
            for action in actions:
                if action not in _QUEUE_ACTIONS:
                    raise invalid_value(f"SQS:{action}", "ActionName", "Please refer to the appropriate WSDL for "
                                        "a list of valid actions.")
            principals = [f"arn:aws:iam::{a}:root" for a in accounts]
            statements.append({
                "Sid": label, "Effect": "Allow",
                "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                "Action": f"SQS:{actions[0]}" if len(actions) == 1 else [f"SQS:{a}" for a in actions],
                "Resource": queue.arn})
        else:
            if label not in labels:
                raise invalid_value(label, "Label", "can't find label.")
            statements = [s for s in statements if s.get("Sid") != label]
        updated = dict(queue.attributes)
        if statements:
            policy["Statement"] = statements
            updated["Policy"] = json.dumps(policy, separators=(",", ":"))
        else:
            updated.pop("Policy", None)
        db.update_queue_attributes(uow, queue.id, updated)
        queue.attributes = updated
        queue.modified_at = uow.now
