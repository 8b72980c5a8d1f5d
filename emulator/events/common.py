"""Small shared pieces: bus and rule ARNs, resolving an EventBusName, times, pagination tokens, tags."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from .. import arns
from .errors import ValidationException

DEFAULT_BUS = "default"
# Events and rendered inputs are compact JSON, as EventBridge delivers them.
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True, slots=True)
class BusRef:
    account: str
    region: str
    name: str

    @property
    def arn(self) -> str:
        return bus_arn(self.account, self.region, self.name)


def bus_arn(account: str, region: str, name: str) -> str:
    return arns.build("events", region, account, f"event-bus/{name}")


def rule_arn(account: str, region: str, bus_name: str, name: str) -> str:
    """Rules on the default bus keep the old ``rule/<name>`` form; others are ``rule/<bus>/<name>``."""
    resource = f"rule/{name}" if bus_name == DEFAULT_BUS else f"rule/{bus_name}/{name}"
    return arns.build("events", region, account, resource)


def resolve_bus(account: str, region: str, name_or_arn: str | None) -> BusRef:
    """An EventBusName (a name or an ARN; absent: the default bus) as the bus it names."""
    if not name_or_arn:
        return BusRef(account, region, DEFAULT_BUS)
    parts = arns.parse(name_or_arn, service="events")
    if parts is not None and parts.resource.startswith("event-bus/"):
        return BusRef(parts.account, parts.region, parts.resource[len("event-bus/"):])
    return BusRef(account, region, name_or_arn)


def iso_time(ms: int) -> str:
    """An event's ``time``: ISO 8601 UTC, whole seconds, with a Z (as AWS writes it)."""
    return _iso_second(ms // 1000)


@lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    """Memoized: a busy second formats its time once, not once per event (strftime is most of the cost)."""
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp(ms: int) -> datetime:
    """A wire timestamp (CreationTime ...): the JSON codec sends it as epoch seconds."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def encode_token(after: str) -> str:
    return base64.urlsafe_b64encode(after.encode()).decode()


def decode_token(token: str | None) -> str:
    """Where a page starts: after the name a NextToken holds ('' for the first page)."""
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationException("The NextToken provided is invalid.") from None


def page(items: list, limit: int | None, key) -> tuple[list, str | None]:
    """Cut a list fetched with one extra row into a page and the NextToken of the next one."""
    size = limit or 100
    if len(items) > size:
        items = items[:size]
        return items, encode_token(key(items[-1]))
    return items, None


def tag_dict(tags: list[dict] | None) -> dict[str, str]:
    """A Tags list as a dict; AWS refuses a key given twice."""
    out: dict[str, str] = {}
    for tag in tags or []:
        if tag["Key"] in out:
            raise ValidationException("Invalid parameter: Duplicated keys are not allowed.")
        out[tag["Key"]] = tag["Value"]
    return out


def tag_list(tags: dict[str, str]) -> list[dict]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]
