"""The in-memory view of a queue: its SQLite row, immutable, with the parsed values the hot paths use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emulator import arns

if TYPE_CHECKING:
    from storage.sqs import QueueRow

DEFAULTS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
}
FIFO_DEFAULTS = {
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
DEDUP_WINDOW_MS = 5 * 60 * 1000
MAX_VISIBILITY_S = 43200

QueueKey = tuple[str, str, str]  # (account, region, name)


def queue_arn(region: str, account: str, name: str) -> str:
    return arns.build("sqs", region, account, name)


def queue_key_from_arn(arn: object) -> QueueKey | None:
    """(account, region, name) named by an SQS queue ARN, or None (not one; a queue name has no ``:``)."""
    parsed = arns.parse(arn, service="sqs")
    if parsed is None or ":" in parsed.resource:
        return None
    return parsed.account, parsed.region, parsed.resource


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue's metadata. Immutable: a change is a new Queue put in the cache (``QueueCache.put``),
    which keeps the old one for the undo."""

    id: int
    account: str
    region: str
    name: str
    fifo: bool
    attributes: dict[str, str]          # settable attributes explicitly set (strings, AWS's form)
    tags: dict[str, str]
    created_at: int
    modified_at: int
    purged_at: int | None = None
    # derived from the fields above, for the hot paths
    arn: str = field(init=False)
    visibility_timeout: int = field(init=False)
    delay: int = field(init=False)
    retention_ms: int = field(init=False)
    max_size: int = field(init=False)
    wait: int = field(init=False)
    content_dedup: bool = field(init=False)
    group_dedup: bool = field(init=False)
    redrive_target: str | None = field(init=False)
    max_receive_count: int | None = field(init=False)

    def __post_init__(self) -> None:
        derived: dict[str, object] = {
            "arn": queue_arn(self.region, self.account, self.name),
            "visibility_timeout": int(self.setting("VisibilityTimeout")),
            "delay": int(self.setting("DelaySeconds")),
            "retention_ms": int(self.setting("MessageRetentionPeriod")) * 1000,
            "max_size": int(self.setting("MaximumMessageSize")),
            "wait": int(self.setting("ReceiveMessageWaitTimeSeconds")),
            "content_dedup": self.get("ContentBasedDeduplication") == "true",
            "group_dedup": self.get("DeduplicationScope") == "messageGroup",
            "redrive_target": None, "max_receive_count": None,
        }
        redrive = self.attributes.get("RedrivePolicy")
        if redrive:
            policy = json.loads(redrive)
            derived["redrive_target"] = policy["deadLetterTargetArn"]
            derived["max_receive_count"] = int(policy["maxReceiveCount"])
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen: derived once, here

    def get(self, name: str) -> str | None:
        if name in self.attributes:
            return self.attributes[name]
        if name in DEFAULTS:
            return DEFAULTS[name]
        if self.fifo and name in FIFO_DEFAULTS:
            return FIFO_DEFAULTS[name]
        return None

    def setting(self, name: str) -> str:
        """An attribute that always has a value (set, or AWS's default)."""
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    @property
    def key(self) -> QueueKey:
        return self.account, self.region, self.name

    @classmethod
    def from_row(cls, row: QueueRow) -> Queue:
        return cls(id=row.id, account=row.account, region=row.region, name=row.name, fifo=bool(row.fifo),
                   attributes=json.loads(row.attributes), tags=json.loads(row.tags), created_at=row.created_at,
                   modified_at=row.modified_at, purged_at=row.purged_at)
