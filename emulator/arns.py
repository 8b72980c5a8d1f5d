"""One ARN parser and builder for every service.

``arn:partition:service:region:account-id:resource`` (IAM User Guide, "Amazon Resource Names"). The
resource part may itself contain ``:`` (SNS subscriptions: ``topic:uuid``) or ``/`` (EventBridge
``rule/bus/name``); ``Arn.resource`` keeps it whole, and the service modules split it further.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTITION = "aws"


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """``rule`` of ``rule/bus/name``, ``table`` of ``table/T/stream/...``; '' for a plain name."""
        return self.resource.split("/", 1)[0] if "/" in self.resource else ""

    @property
    def resource_name(self) -> str:
        """The last ``/`` segment of the resource: a queue, topic, bus or rule name."""
        return self.resource.rsplit("/", 1)[-1]


def parse(value: object, *, service: str | None = None) -> Arn | None:
    """The parts of an ARN, or None when ``value`` is not one (of ``service``, when given).

    The resource keeps any further ``:``; an empty service or resource is not an ARN.
    """
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6 or not parts[2] or not parts[5]:
        return None
    arn = Arn(parts[1], parts[2], parts[3], parts[4], parts[5])
    if service is not None and arn.service != service:
        return None
    return arn


def build(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def element_count(value: str) -> int:
    """How many ``:``-separated elements a string has (SNS's "An ARN must have at least 6 elements")."""
    return len(value.split(":"))
