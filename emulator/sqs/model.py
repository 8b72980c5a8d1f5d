"""The in-memory view of a queue: a cache of its SQLite row, rebuilt at start and after each change."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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


def queue_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def parse_arn(arn: str) -> tuple[str, str, str] | None:
    """(account, region, name) of an SQS queue ARN, or None."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[5]:
        return None
    return parts[4], parts[3], parts[5]


@dataclass(slots=True)
class Queue:
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
    # parsed from attributes, for the hot paths
    visibility_timeout: int = 30
    delay: int = 0
    retention_ms: int = 345600 * 1000
    max_size: int = 1048576
    wait: int = 0
    content_dedup: bool = False
    group_dedup: bool = False
    redrive_target: str | None = None
    max_receive_count: int | None = None
    arn: str = field(default="")

    def __post_init__(self) -> None:
        self.arn = queue_arn(self.region, self.account, self.name)
        self.refresh()

    def get(self, name: str) -> str | None:
        if name in self.attributes:
            return self.attributes[name]
        if name in DEFAULTS:
            return DEFAULTS[name]
        if self.fifo and name in FIFO_DEFAULTS:
            return FIFO_DEFAULTS[name]
        return None

    def refresh(self) -> None:
        """Re-derive the parsed fields after ``attributes`` changed."""
        self.visibility_timeout = int(self.get("VisibilityTimeout"))
        self.delay = int(self.get("DelaySeconds"))
        self.retention_ms = int(self.get("MessageRetentionPeriod")) * 1000
        self.max_size = int(self.get("MaximumMessageSize"))
        self.wait = int(self.get("ReceiveMessageWaitTimeSeconds"))
        self.content_dedup = self.get("ContentBasedDeduplication") == "true"
        self.group_dedup = self.get("DeduplicationScope") == "messageGroup"
        redrive = self.attributes.get("RedrivePolicy")
        if redrive:
            policy = json.loads(redrive)
            self.redrive_target = policy["deadLetterTargetArn"]
            self.max_receive_count = int(policy["maxReceiveCount"])
        else:
            self.redrive_target = self.max_receive_count = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.account, self.region, self.name

    @classmethod
    def from_row(cls, row) -> Queue:
        return cls(id=row.id, account=row.account, region=row.region, name=row.name, fifo=bool(row.fifo),
                   attributes=json.loads(row.attributes), tags=json.loads(row.tags), created_at=row.created_at,
                   modified_at=row.modified_at, purged_at=row.purged_at)
