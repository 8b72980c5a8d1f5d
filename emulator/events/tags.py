"""TagResource, UntagResource, ListTagsForResource on event buses and rules (tags are a JSON column of each)."""

from __future__ import annotations

from storage import events as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from .common import DEFAULT_BUS, BusRef, tag_dict, tag_list
from .errors import ValidationException, bus_not_found, rule_not_found


def _resource(uow: UnitOfWork, caller: Caller, arn: str) -> tuple[str, dict]:
    """("bus" | "rule", its row) of a resource ARN of the caller's account and region."""
    parts = arns.parse(arn, service="events")
    if parts is None or parts.resource_type not in ("event-bus", "rule"):
        raise ValidationException(f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.")
    mine = (parts.account, parts.region) == (caller.account, caller.region)
    rest = parts.resource.split("/", 1)[1] if "/" in parts.resource else ""
    if parts.resource_type == "event-bus":
        if mine and rest == DEFAULT_BUS:
            repo.ensure_default_bus(uow, arn, parts.account, parts.region)
        row = repo.get_bus(uow, BusRef(parts.account, parts.region, rest).arn) if mine else None
        if row is None:
            raise bus_not_found(rest)
        return "bus", row
    bus_name, _, name = rest.rpartition("/")
    row = repo.get_rule(uow, arn) if mine else None
    if row is None:
        raise rule_not_found(name, bus_name or DEFAULT_BUS)
    return "rule", row


def _store(uow: UnitOfWork, kind: str, row: dict, tags: dict) -> None:
    if kind == "bus":
        repo.update_bus(uow, row["arn"], tags=tags)
    else:
        repo.update_rule(uow, row["arn"], tags=tags)


def tag_resource(uow: UnitOfWork, caller: Caller, arn: str, tags: list) -> None:
    kind, row = _resource(uow, caller, arn)
    _store(uow, kind, row, {**row["tags"], **tag_dict(tags)})


def untag_resource(uow: UnitOfWork, caller: Caller, arn: str, keys: list) -> None:
    kind, row = _resource(uow, caller, arn)
    _store(uow, kind, row, {k: v for k, v in row["tags"].items() if k not in set(keys)})


def list_tags(uow: UnitOfWork, caller: Caller, arn: str) -> list[dict]:
    return tag_list(_resource(uow, caller, arn)[1]["tags"])
