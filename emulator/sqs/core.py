"""What every part of the SQS service shares: its collaborators, the queue cache and its lookups,
sequence numbers and wake-ups.

The operation mixins (``QueueOps``, ``MessageOps``, ...) subclass ``SqsCore``, so what each one
uses of the service is declared (here) and checked by mypy; ``Sqs`` combines them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import policy
from emulator.caller import Caller
from emulator.errors import aws_error
from emulator.sts import default_identity
from storage.db import UnitOfWork

from .cache import QueueCache
from .errors import QueueDoesNotExist
from .model import Queue
from .purges import PurgeSweeper
from .retention import RetentionSweeper
from .urls import parse_queue_url, queue_url

if TYPE_CHECKING:
    from emulator.core import Emulator

# "Cross-account permissions don't apply to this action" (SQS API Reference, each of these actions): only
# the queue's own account may call them, whatever the queue's policy says.
OWNER_ONLY = frozenset({"AddPermission", "RemovePermission", "CreateQueue", "DeleteQueue", "ListQueues",
                        "ListQueueTags", "SetQueueAttributes", "TagQueue", "UntagQueue", "StartMessageMoveTask",
                        "ListMessageMoveTasks", "CancelMessageMoveTask"})


class SqsCore:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.clock = emulator.clock
        self.settings = emulator.settings
        self.waiters = emulator.waiters
        self.queues = QueueCache()
        self.retention = RetentionSweeper(self)
        self.purges = PurgeSweeper(self)  # PurgeQueue's deletions, in the background
        self._last_seq = 0

    # --- lookups (inside a unit of work: see QueueCache) ----------------------------------------

    def queue(self, uow: UnitOfWork, account: str, region: str, name: str) -> Queue:
        queue = self.queues.get(uow, (account, region, name))
        if queue is None:
            raise QueueDoesNotExist()
        return queue

    def queue_by_url(self, uow: UnitOfWork, caller: Caller, url: str, action: str | None) -> Queue:
        """The queue ``url`` names, once ``caller`` may call ``action`` on it (None: no check, for the
        admin API). ``action`` is the IAM action's name: a batch is its single action (SendMessage)."""
        where = parse_queue_url(url, caller)
        if where is None:
            raise QueueDoesNotExist()
        queue = self.queue(uow, *where)
        if action is not None:
            self.authorize(caller, queue, action)
        return queue

    def authorize(self, caller: Caller, queue: Queue, action: str) -> None:
        """Raise AWS's AccessDenied unless ``caller`` may call ``action`` on ``queue``.

        The queue's own account is always allowed (identity policies are not emulated); another account
        needs the queue's ``Policy`` (what AddPermission writes included) to allow ``sqs:<action>`` on the
        queue's ARN, and never gets the owner-only actions.
        """
        if caller.account == queue.account:
            return
        iam_action = f"sqs:{action}"
        decision = "NotApplicable" if action in OWNER_ONLY else policy.decide(
            queue.account, policy.Principal.of_account(caller.account), queue.attributes.get("Policy"), iam_action,
            queue.arn)
        if decision == "Allow":
            return
        who = default_identity(caller.account, caller.region)["Arn"]
        raise aws_error("AccessDenied", policy.denial_message(who, iam_action.lower(), queue.arn,
                                                              explicit=decision == "Deny"), 403)

    def url(self, caller: Caller, account: str, region: str, name: str) -> str:
        """A queue's URL on the endpoint ``caller`` called (see urls.py: it names the region)."""
        return queue_url(caller.endpoint, account, name, region, self.settings.default_region)

    def queue_by_arn(self, uow: UnitOfWork, arn: object) -> Queue | None:
        return self.queues.by_arn(uow, arn)

    # --- shared by sending, dead-lettering and redrive ------------------------------------------

    def next_sequence(self, now: int) -> int:
        """Monotonic across restarts: time-based, and above every number handed out before.

        Not undone with a rolled-back unit: that only leaves a gap, and sequence numbers only grow.
        """
        self._last_seq = max(self._last_seq + 1, now * 1_000_000)
        return self._last_seq

    def wake(self, uow: UnitOfWork, queue: Queue, n: int | None = None) -> None:
        """Once this transaction commits, let ``n`` long polls on ``queue`` look again (None: all).

        ``n`` is how many messages became receivable now; all waiters are woken when the next
        visible time may have moved earlier (a delayed send, a shorter visibility timeout), so
        that each recomputes how long it sleeps.
        """
        key = ("sqs", queue.id)
        uow.after_commit(lambda: self.waiters.notify(key, n))
