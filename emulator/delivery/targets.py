"""Target adapters: one small class per kind of target, chosen by ``Target.kind``.

A *local* adapter delivers inside a transaction (``deliver_in(uow, ...)``). Each service that can be a
target registers its own (SQS its queues, SNS its topics, EventBridge its buses:
``delivery.register_target(kind, adapter)``); captured targets are built in here. A remote one (HTTP/S) delivers outside any transaction
(``async deliver(...)``), always from the outbox. Each adapter classifies its failures (missing,
permission, client, server); the retry policy decides which of them are retried.
"""

from __future__ import annotations

from typing import Protocol

from storage import delivery as repo
from storage.db import UnitOfWork

from ..errors import AwsError
from .model import Failure, Message, Target
from .outbox import Outcome

DELIVERED = Outcome(True)
_MISSING = {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "NotFound", "ResourceNotFoundException"}
_PERMISSION = {"AccessDenied", "AccessDeniedException", "AuthorizationError", "KMSAccessDenied", "KMS.AccessDenied",
               "KmsAccessDenied"}


def failed(error: AwsError) -> Outcome:
    """An AwsError raised by a local target, as a failed outcome."""
    failure: Failure = ("missing" if error.code in _MISSING else
                        "permission" if error.code in _PERMISSION else "client")
    return Outcome(False, f"{error.code}: {error.message}", failure=failure, code=error.code)


class LocalTarget(Protocol):
    local: bool
    # True when deliver_in raises AwsError only before its first write: the layer then needs no savepoint.
    atomic: bool

    def deliver_in(self, uow: UnitOfWork, message: Message, target: Target) -> str | None:
        """Deliver in the caller's transaction; raise AwsError when the target refuses. A returned text is
        the delivery log's note on a delivery that went through (what AWS would have refused)."""


class RemoteTarget(Protocol):
    """A target reached over the network by a service's own rules (EventBridge's API destinations): attempted
    from the outbox, outside any transaction, like ``http``."""

    local: bool

    async def deliver(self, message: Message, target: Target) -> Outcome:
        """One attempt; the outcome says whether it may be retried (``retryable``)."""


class CapturedTarget:
    """Lambda, Firehose, Step Functions, Kinesis, CloudWatch Logs, email, SMS, mobile push: recorded."""

    local = True
    atomic = True  # one INSERT

    def deliver_in(self, uow: UnitOfWork, message: Message, target: Target) -> None:
        payload = message.capture if message.capture is not None else {"Message": message.body}
        repo.capture(uow, source=message.source, account=message.account, region=message.region,
                     protocol=target.protocol, target=target.address, message_id=message.message_id,
                     payload=payload, source_arn=message.source_arn, route=message.route)
