"""PutEvents and routing: entries checked as AWS checks them, the event built as AWS builds it, matched against
the bus's rules (one ``RuleIndex`` per bus, from the cache) and handed to each matching rule's targets.

- Per-entry errors (recorded by localstack against AWS): "Parameter Source is not valid. Reason: Source is a
  required argument." (likewise DetailType, Detail), ``MalformedDetail`` "Detail is malformed." (Detail must
  be a JSON object), and ``NotAuthorizedForSourceException`` "Not authorized for the source." for a source in
  AWS's reserved ``aws.`` namespace. The other entries are still accepted.
- The request's entries may total 1 MiB, counted as AWS's User Guide counts them ("Calculating PutEvents
  event entry size": 14 bytes for Time, the UTF-8 bytes of Source, DetailType, Detail and each Resource);
  over it the whole call is refused.
- A bus of this account that does not exist swallows the event (AWS answers an EventId and drops it). Another
  account's bus takes it only if its policy lets the caller's account put events, else the entry fails with
  ``AccessDeniedException``.
- Bus to bus (``BusTarget``): the target bus receives the event as a new event (a new id; account, region,
  time and content kept: localstack's recording of AWS), matches it against its own rules and delivers it to
  their targets, except other buses: "If a receiver account sets up a rule that sends events received from
  a sender account on to a third account, these events are not sent to the third account" (User Guide,
  "Sending and receiving events between AWS accounts"), and likewise between buses of one account. That
  delivery fails without being tried (dead-lettered or dropped, in the delivery log), named by the
  THIRD_ACCOUNT_HOP_DETECTED / THIRD_REGION_HOP_DETECTED codes of AWS's dead-letter messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.db import UnitOfWork

from .. import jsontext
from ..arns import PARTITION, parse
from ..delivery import Message, Target
from ..patterns import flatten
from . import targets
from .archiving import REPLAY_NAME, archive
from .buses import allows_put_events
from .cache import Bus
from .common import BusRef, dumps, iso_time, resolve_bus
from .errors import AccessDeniedException, ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from . import Events

MAX_REQUEST_BYTES = 1024 * 1024
TIME_BYTES = 14
OVER_LIMIT = "Total size of the entries in the request is over the limit."


@dataclass(slots=True)
class Entry:
    """A checked PutEvents entry: either an error, or what the event is built from."""

    error: tuple[str, str] | None = None
    bus: BusRef | None = None
    source: str = ""
    detail_type: str = ""
    detail: Any = None
    resources: list | None = None
    time_ms: int | None = None


def _bytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def entry_size(entry: dict) -> int:
    size = TIME_BYTES if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        if isinstance(entry.get(key), str):
            size += _bytes(entry[key])
    return size + sum(_bytes(r) for r in entry.get("Resources") or () if isinstance(r, str))


def _missing(name: str) -> tuple[str, str]:
    return "InvalidArgument", f"Parameter {name} is not valid. Reason: {name} is a required argument."


def check(entries: list[dict], account: str, region: str) -> list[Entry]:
    """Check every entry (outside any transaction: no state is read); refuse an over-size request whole."""
    if sum(entry_size(e) for e in entries) > MAX_REQUEST_BYTES:
        raise ValidationException(OVER_LIMIT)
    out = []
    for e in entries:
        if not e.get("Source"):
            out.append(Entry(_missing("Source")))
        elif not e.get("DetailType"):
            out.append(Entry(_missing("DetailType")))
        elif not e.get("Detail"):
            out.append(Entry(_missing("Detail")))
        elif e["Source"].startswith("aws."):
            out.append(Entry(("NotAuthorizedForSourceException", "Not authorized for the source.")))
        else:
            try:
                detail = jsontext.loads(e["Detail"])
            except ValueError:
                detail = None
            if not isinstance(detail, dict):
                out.append(Entry(("MalformedDetail", "Detail is malformed.")))
                continue
            when = e.get("Time")
            out.append(Entry(bus=resolve_bus(account, region, e.get("EventBusName")), source=e["Source"],
                             detail_type=e["DetailType"], detail=detail, resources=list(e.get("Resources") or []),
                             time_ms=int(when.timestamp() * 1000) if isinstance(when, datetime) else None))
    return out


def event_of(entry: Entry, event_id: str, account: str, region: str, now: int) -> dict:
    """The event as AWS builds it, in AWS's key order."""
    return {"version": "0", "id": event_id, "detail-type": entry.detail_type, "source": entry.source,
            "account": account, "time": iso_time(entry.time_ms if entry.time_ms is not None else now),
            "region": region, "resources": entry.resources, "detail": entry.detail}


def put_events(uow: UnitOfWork, svc: Events, account: str, entries: list[Entry]) -> dict:
    results: list[dict] = []
    failed = 0
    for entry in entries:
        if entry.error is not None:
            results.append({"ErrorCode": entry.error[0], "ErrorMessage": entry.error[1]})
            failed += 1
            continue
        assert entry.bus is not None
        bus = svc.buses.get(uow, entry.bus.arn)
        if bus.account != account and not (bus.exists and allows_put_events(bus.policy, account)):
            results.append({"ErrorCode": "AccessDeniedException", "ErrorMessage": denied(account, bus.arn)})
            failed += 1
            continue
        event_id = svc.new_id()
        results.append({"EventId": event_id})
        if bus.exists and (bus.rules or bus.archives):
            route(svc, uow, bus, event_of(entry, event_id, account, bus.region, uow.now), forwarded=False)
    return {"FailedEntryCount": failed, "Entries": results}


def denied(account: str, bus_arn: str) -> str:
    return (f"User: arn:{PARTITION}:iam::{account}:root is not authorized to perform: events:PutEvents on resource: "
            f"{bus_arn} because no resource-based policy allows the events:PutEvents action")


def route(svc: Events, uow: UnitOfWork, bus: Bus, event: dict, *, forwarded: bool,
          only: frozenset[str] | None = None) -> None:
    """Archive ``event`` in the bus's archives it matches (unless a replay marked it with ``replay-name``: replayed
    events are not archived again, nor when a rule forwards them to another bus) and deliver it to the targets of
    every rule of ``bus`` it matches (a replay's FilterArns: ``only`` those rules). A ``forwarded`` event meeting a
    bus target is refused there (one hop), with the error codes AWS's dead-letter messages name."""
    event_json: str | None = None
    if bus.archives and REPLAY_NAME not in event:
        flat = flatten(event)  # once, for the archives and the rules
        event_json = archive(svc, uow, bus, event, flat)
        matched = bus.match(flat)
    else:
        matched = bus.match(event)
    if only is not None:
        matched = [rule for rule in matched if rule.arn in only]
    if not matched:
        return
    if event_json is None:
        event_json = dumps(event)
    ingestion = iso_time(uow.now)
    for rule in matched:
        for spec in rule.targets:
            refuse = hop_refusal(bus, spec.arn) if forwarded and spec.kind == "bus" else None
            targets.deliver(svc.emulator, uow, spec, event, event_json, rule_arn=rule.arn, rule_name=rule.name,
                            account=bus.account, region=bus.region, ingestion_time=ingestion, refuse=refuse)


def hop_refusal(bus: Bus, target_arn: str) -> str:
    target = parse(target_arn)
    code = ("THIRD_REGION_HOP_DETECTED" if target is not None and target.region != bus.region
            else "THIRD_ACCOUNT_HOP_DETECTED")
    return (f"{code}: the event came to {bus.arn} from another event bus; EventBridge does not route it on to "
            f"a third one ({target_arn})")


class BusTarget:
    """The delivery layer's ``bus`` adapter: put a forwarded event on another bus, in the caller's transaction."""

    local = True
    atomic = False  # routing may deliver to several targets before one refuses

    def __init__(self, svc: Events):
        self.svc = svc

    def deliver_in(self, uow: UnitOfWork, message: Message, target: Target) -> None:
        bus = self.svc.buses.get(uow, target.address)
        if not bus.exists:
            raise ResourceNotFoundException(f"Event bus {bus.name} does not exist.")
        rule = parse(message.source_arn)
        sender = rule.account if rule is not None else message.account
        if bus.account != sender and not allows_put_events(bus.policy, sender):
            raise AccessDeniedException(denied(sender, bus.arn))
        event = json.loads(message.body)
        event["id"] = self.svc.new_id()  # AWS gives the forwarded event a new id
        route(self.svc, uow, bus, event, forwarded=True)
