"""Partner event sources: a SaaS partner's account creates a source for a customer account, the customer
matches it with a partner event bus (CreateEventBus with EventSourceName), and the partner's PutPartnerEvents
land on that bus.

- Names are ``aws.partner/<partner>/<name>`` (botocore's EventSourceName pattern, checked by the gateway); the
  ARN is ``arn:aws:events:<region>::event-source/<name>``: a source belongs to no account (moto and AWS's
  console show it so).
- One partner account owns a name; it may create it for several customer accounts
  (ListPartnerEventSourceAccounts lists them).
- State (API Reference, EventSource): ACTIVE "you have already created a matching event bus for this event
  source, and that event bus is active"; PENDING "either you haven't yet created a matching event bus, or
  that event bus is deactivated"; DELETED "you have created a matching event bus, but the event source has
  since been deleted". So the state is computed from the row's flags and whether the matching bus exists; a
  source deleted while no bus matched it is simply gone.
- PutPartnerEvents: an entry's Source must be a source the calling partner created; the event's ``source``
  is the source's name, its ``account`` the customer's; it is routed on the customer's partner bus when the
  source is ACTIVE there (else accepted and dropped, as PutEvents drops events for a bus that is not there).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage import events as bus_repo
from storage import events_endpoints as repo
from storage.db import UnitOfWork

from .. import arns, jsontext
from ..caller import Caller
from ..errors import AwsError
from .common import bus_arn, decode_token, encode_token, iso_time, timestamp
from .errors import ResourceAlreadyExistsException, ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from . import Events

PREFIX = "aws.partner/"
ACTIVE, PENDING, DELETED = "ACTIVE", "PENDING", "DELETED"


class InvalidStateException(AwsError):
    pass


def source_arn(region: str, name: str) -> str:
    return arns.build("events", region, "", f"event-source/{name}")


def not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Event source {name} does not exist.")


def _partner(name: str) -> str:
    """The partner a source name names (``aws.partner/<partner>/...``): its EventSource.CreatedBy."""
    return name[len(PREFIX):].split("/", 1)[0]


def _has_bus(uow: UnitOfWork, row: dict) -> bool:
    return bus_repo.get_bus(uow, bus_arn(row["account"], row["region"], row["name"])) is not None


def state(uow: UnitOfWork, row: dict) -> str | None:
    """The source's State for its customer (None: deleted and no bus left to show it)."""
    has_bus = _has_bus(uow, row)
    if row["deleted"]:
        return DELETED if has_bus else None
    return ACTIVE if has_bus and not row["deactivated"] else PENDING


def _owner(uow: UnitOfWork, region: str, name: str) -> str | None:
    """The partner account that owns a source name (None: nobody has created it)."""
    rows = repo.sources_named(uow, region, name, "", 1)
    return rows[0]["partner_account"] if rows else None


def _page(items: list, limit: int | None, key) -> tuple[list, str | None]:
    size = limit or 100
    if len(items) > size:
        items = items[:size]
        return items, encode_token(key(items[-1]))
    return items, None


# --- the partner's side --------------------------------------------------------------------------------

def create_partner_source(uow: UnitOfWork, caller: Caller, name: str, account: str) -> dict:
    owner = _owner(uow, caller.region, name)
    if owner is not None and owner != caller.account:
        # Another partner's name: as AWS, do not tell whether it exists for someone else.
        raise ResourceAlreadyExistsException(f"Event source {name} already exists.")
    existing = repo.get_source(uow, caller.region, name, account)
    if existing is not None:
        if not existing["deleted"]:
            raise ResourceAlreadyExistsException(f"Event source {name} already exists.")
        repo.delete_source(uow, caller.region, name, account)  # created again after a delete: a new source
    repo.insert_source(uow, caller.region, name, account, caller.account)
    return {"EventSourceArn": source_arn(caller.region, name)}


def _own_name(uow: UnitOfWork, caller: Caller, name: str, *, deleted: bool = False) -> list[dict]:
    """The caller's (the partner's) rows of a source name; without ``deleted``, only those not deleted."""
    rows = [r for r in repo.sources_named(uow, caller.region, name)
            if r["partner_account"] == caller.account and (deleted or not r["deleted"])]
    if not rows:
        raise not_found(name)
    return rows


def describe_partner_source(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    _own_name(uow, caller, name)
    return {"Arn": source_arn(caller.region, name), "Name": name}


def delete_partner_source(uow: UnitOfWork, caller: Caller, name: str, account: str) -> None:
    """The customer's matching bus stays, and shows the source DELETED; without a bus the source is gone. A
    source that does not exist is no error (the operation's errors have no ResourceNotFoundException)."""
    row = repo.get_source(uow, caller.region, name, account)
    if row is None or row["partner_account"] != caller.account:
        return
    if _has_bus(uow, row):
        repo.set_source(uow, caller.region, name, account, "deleted", 1)
    else:
        repo.delete_source(uow, caller.region, name, account)


def list_partner_sources(uow: UnitOfWork, caller: Caller, prefix: str, next_token: str | None,
                         limit: int | None) -> dict:
    names = repo.partner_source_names(uow, caller.region, caller.account, prefix, decode_token(next_token),
                                      (limit or 100) + 1)
    names, token = _page(names, limit, lambda n: n)
    out: dict[str, Any] = {"PartnerEventSources": [{"Arn": source_arn(caller.region, n), "Name": n}
                                                   for n in names]}
    if token:
        out["NextToken"] = token
    return out


def list_partner_source_accounts(uow: UnitOfWork, caller: Caller, name: str, next_token: str | None,
                                 limit: int | None) -> dict:
    _own_name(uow, caller, name, deleted=True)
    rows = [r for r in repo.sources_named(uow, caller.region, name, decode_token(next_token), (limit or 100) + 1)]
    rows, token = _page(rows, limit, lambda r: r["account"])
    accounts = []
    for row in rows:
        current = state(uow, row)
        if current is not None:
            accounts.append({"Account": row["account"], "CreationTime": timestamp(row["created_at"]),
                             "State": current})
    out: dict[str, Any] = {"PartnerEventSourceAccounts": accounts}
    if token:
        out["NextToken"] = token
    return out


# --- the customer's side -------------------------------------------------------------------------------

def own_source(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    """The source of this name created for the caller's account (one it can see: not deleted without bus)."""
    row = repo.get_source(uow, caller.region, name, caller.account)
    if row is None or state(uow, row) is None:
        raise not_found(name)
    return row


def describe(uow: UnitOfWork, row: dict) -> dict:
    return {"Arn": source_arn(row["region"], row["name"]), "CreatedBy": _partner(row["name"]),
            "CreationTime": timestamp(row["created_at"]), "Name": row["name"], "State": state(uow, row)}


def describe_source(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    return describe(uow, own_source(uow, caller, name))


def list_sources(uow: UnitOfWork, caller: Caller, prefix: str | None, next_token: str | None,
                 limit: int | None) -> dict:
    rows = repo.customer_sources(uow, caller.account, caller.region, prefix or "", decode_token(next_token),
                                 (limit or 100) + 1)
    rows, token = _page(rows, limit, lambda r: r["name"])
    out: dict[str, Any] = {"EventSources": [describe(uow, r) for r in rows if state(uow, r) is not None]}
    if token:
        out["NextToken"] = token
    return out


def set_active(uow: UnitOfWork, caller: Caller, name: str, active: bool) -> str:
    """ActivateEventSource / DeactivateEventSource; returns the matching bus's ARN (its routing changes)."""
    row = own_source(uow, caller, name)
    if row["deleted"]:
        raise InvalidStateException(f"Event source {name} is deleted.")
    repo.set_source(uow, caller.region, name, caller.account, "deactivated", 0 if active else 1)
    return bus_arn(caller.account, caller.region, name)


def check_bus_source(uow: UnitOfWork, caller: Caller, name: str, event_source_name: str) -> None:
    """CreateEventBus with EventSourceName: the bus takes the source's name ("If you are creating a partner
    event bus, this name must match the name of the partner event source that this event bus is matched to",
    API Reference, CreateEventBus), and the source must have been created for the caller and not deleted."""
    row = repo.get_source(uow, caller.region, event_source_name, caller.account)
    if row is None or row["deleted"]:
        raise not_found(event_source_name)
    if name != event_source_name:
        raise ValidationException("Event bus name must match the name of the partner event source "
                                  f"{event_source_name}.")


# --- PutPartnerEvents ----------------------------------------------------------------------------------

def check_entries(entries: list[dict]) -> list[dict]:
    """Each entry checked as PutEvents checks one (outside any transaction): an error, or what to build from."""
    from .put_events import MAX_REQUEST_BYTES, OVER_LIMIT, entry_size  # not at the top: see put_partner_events
    if sum(entry_size(e) for e in entries) > MAX_REQUEST_BYTES:
        raise ValidationException(OVER_LIMIT)
    out: list[dict] = []
    for e in entries:
        missing = next((k for k in ("Source", "DetailType", "Detail") if not e.get(k)), None)
        if missing is not None:
            out.append({"error": ("InvalidArgument",
                                  f"Parameter {missing} is not valid. Reason: {missing} is a required argument.")})
            continue
        try:
            detail = jsontext.loads(e["Detail"])
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            out.append({"error": ("MalformedDetail", "Detail is malformed.")})
            continue
        when = e.get("Time")
        out.append({"source": e["Source"], "detail_type": e["DetailType"], "detail": detail,
                    "resources": list(e.get("Resources") or []),
                    "time_ms": int(when.timestamp() * 1000) if isinstance(when, datetime) else None})
    return out


def put_partner_events(uow: UnitOfWork, svc: Events, caller: Caller, entries: list[dict]) -> dict:
    from .put_events import route  # not at the top: put_events imports buses, which imports this module
    results: list[dict] = []
    failed = 0
    for entry in entries:
        if "error" not in entry:
            try:
                rows = _own_name(uow, caller, entry["source"])
            except ResourceNotFoundException:
                entry = {"error": ("NotAuthorizedForSourceException", "Not authorized for the source.")}
        if "error" in entry:
            results.append({"ErrorCode": entry["error"][0], "ErrorMessage": entry["error"][1]})
            failed += 1
            continue
        event_id = svc.new_id()
        results.append({"EventId": event_id})
        for row in rows:
            if state(uow, row) != ACTIVE:
                continue
            bus = svc.buses.get(uow, bus_arn(row["account"], row["region"], row["name"]))
            if not bus.rules:
                continue
            when = entry["time_ms"] if entry["time_ms"] is not None else uow.now
            event = {"version": "0", "id": event_id, "detail-type": entry["detail_type"], "source": entry["source"],
                     "account": row["account"], "time": iso_time(when), "region": row["region"],
                     "resources": entry["resources"], "detail": entry["detail"]}
            route(svc, uow, bus, event, forwarded=False)
    return {"FailedEntryCount": failed, "Entries": results}
