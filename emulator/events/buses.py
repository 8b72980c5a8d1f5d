"""Event buses: create, describe, update, delete, list; the resource policy (PutPermission / RemovePermission)
and the small policy check cross-account PutEvents and bus targets go through.

The default bus exists in every account and region and cannot be deleted; its row is written the first
time an operation needs it. Messages are AWS's (localstack's recordings: "Event bus X does not exist.",
"Event bus X already exists.", "Cannot delete event bus default.", "Statement with the provided id does not
exist."; moto: "Event bus name must not contain '/'.", the PutPermission parameter errors).
"""

from __future__ import annotations

import json
from typing import Any

from storage import events as repo
from storage.db import UnitOfWork

from .. import arns, jsontext
from ..caller import Caller
from . import partners
from .common import DEFAULT_BUS, BusRef, decode_token, page, resolve_bus, tag_dict, timestamp
from .errors import (
    InvalidParameterValue,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
    bus_not_found,
)

PUT_EVENTS = "events:PutEvents"


def own_bus(uow: UnitOfWork, caller: Caller, name_or_arn: str | None) -> dict:
    """The caller's bus an EventBusName names; another account's or region's is "does not exist"."""
    ref = resolve_bus(caller.account, caller.region, name_or_arn)
    if (ref.account, ref.region) != (caller.account, caller.region):
        raise bus_not_found(ref.name)
    if ref.name == DEFAULT_BUS:
        repo.ensure_default_bus(uow, ref.arn, ref.account, ref.region)
    row = repo.get_bus(uow, ref.arn)
    if row is None:
        raise bus_not_found(ref.name)
    return row


def _dead_letter(config: dict | None) -> dict | None:
    if config is None:
        return None
    arn = config.get("Arn")
    if arn is not None and arns.parse(arn, service="sqs") is None:
        raise ValidationException(f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.")
    return config


def _settings(row: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, column in (("Description", "description"), ("KmsKeyIdentifier", "kms_key"),
                        ("DeadLetterConfig", "dead_letter"), ("LogConfig", "log_config")):
        if row[column] is not None:
            out[key] = row[column]
    return out


def create_bus(uow: UnitOfWork, caller: Caller, name: str, *, event_source_name: str | None,
               description: str | None, kms_key: str | None, dead_letter: dict | None, log_config: dict | None,
               tags: list | None) -> dict:
    if event_source_name is not None:  # a partner event bus: named as its source (aws.partner/...)
        partners.check_bus_source(uow, caller, name, event_source_name)
    elif name.startswith("aws."):
        raise ValidationException("EventBus name starting with 'aws.' is not valid.")  # terraform-provider-aws#35065
    elif "/" in name:
        raise ValidationException("Event bus name must not contain '/'.")
    ref = BusRef(caller.account, caller.region, name)
    if name == DEFAULT_BUS or repo.get_bus(uow, ref.arn) is not None:
        raise ResourceAlreadyExistsException(f"Event bus {name} already exists.")
    repo.insert_bus(uow, arn=ref.arn, account=ref.account, region=ref.region, name=name, description=description,
                    kms_key=kms_key, dead_letter=_dead_letter(dead_letter), log_config=log_config,
                    tags=tag_dict(tags))
    return {"EventBusArn": ref.arn, **_settings(repo.get_bus(uow, ref.arn) or {})}


def describe(row: dict, *, full: bool = True) -> dict[str, Any]:
    """DescribeEventBus's answer (``full``), or a ListEventBuses entry."""
    out: dict[str, Any] = {"Name": row["name"], "Arn": row["arn"]}
    settings = _settings(row)
    if full:
        out.update(settings)
    elif "Description" in settings:
        out["Description"] = settings["Description"]
    if row["policy"]:
        out["Policy"] = row["policy"]
    out["CreationTime"] = timestamp(row["created_at"])
    out["LastModifiedTime"] = timestamp(row["modified_at"])
    return out


def update_bus(uow: UnitOfWork, caller: Caller, name: str | None, *, kms_key: str | None, description: str | None,
               dead_letter: dict | None, log_config: dict | None) -> dict:
    """UpdateEventBus: what is given replaces what was there; what is not given stays."""
    row = own_bus(uow, caller, name)
    values: dict[str, Any] = {}
    for column, value in (("kms_key", kms_key), ("description", description),
                          ("dead_letter", _dead_letter(dead_letter)), ("log_config", log_config)):
        if value is not None:
            values[column] = value
    repo.update_bus(uow, row["arn"], **values, modified_at=uow.now)
    row = repo.get_bus(uow, row["arn"]) or row
    return {"Arn": row["arn"], "Name": row["name"], **_settings(row)}


def delete_bus(uow: UnitOfWork, caller: Caller, name: str) -> str | None:
    """Deletes the bus with its rules and targets; a bus that does not exist is no error. Returns its ARN."""
    if name == DEFAULT_BUS:
        raise ValidationException("Cannot delete event bus default.")
    ref = BusRef(caller.account, caller.region, name)
    if repo.get_bus(uow, ref.arn) is None:
        return None
    repo.delete_bus(uow, ref.arn)
    return ref.arn


def list_buses(uow: UnitOfWork, caller: Caller, prefix: str | None, next_token: str | None,
               limit: int | None) -> dict:
    repo.ensure_default_bus(uow, BusRef(caller.account, caller.region, DEFAULT_BUS).arn, caller.account,
                            caller.region)
    rows = repo.list_buses(uow, caller.account, caller.region, prefix or "", decode_token(next_token),
                           (limit or 100) + 1)
    rows, token = page(rows, limit, lambda r: r["name"])
    out: dict[str, Any] = {"EventBuses": [describe(r, full=False) for r in rows]}
    if token:
        out["NextToken"] = token
    return out


# --- the resource policy -------------------------------------------------------------------------------

def put_permission(uow: UnitOfWork, caller: Caller, bus_name: str | None, *, action: str | None,
                   principal: str | None, statement_id: str | None, condition: dict | None,
                   policy: str | None) -> str:
    row = own_bus(uow, caller, bus_name)
    if policy is not None:
        try:
            document = jsontext.loads(policy)
        except ValueError:
            raise ValidationException("This policy contains invalid Json") from None
        if not isinstance(document, dict):
            raise ValidationException("This policy contains invalid Json")
        repo.update_bus(uow, row["arn"], policy=policy, modified_at=uow.now)
        return row["arn"]
    if principal is None:
        raise ValidationException("Parameter Principal must be specified.")
    if condition and principal != "*":
        raise InvalidParameterValue("Value of the parameter 'principal' must be '*' when the parameter 'condition' "
                                    "is set.")
    if action != PUT_EVENTS:
        raise ValidationException("Provided value in parameter 'action' is not supported.")
    if statement_id is None:
        raise ValidationException("Parameter StatementId is required.")
    statement: dict[str, Any] = {
        "Sid": statement_id, "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:{arns.PARTITION}:iam::{principal}:root"},
        "Action": PUT_EVENTS, "Resource": row["arn"]}
    if condition:
        statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
    document = _document(row)
    # A StatementId given again replaces its statement (AWS's answer here is not documented).
    document["Statement"] = [s for s in _statements(document) if s.get("Sid") != statement_id] + [statement]
    repo.update_bus(uow, row["arn"], policy=json.dumps(document), modified_at=uow.now)
    return row["arn"]


def remove_permission(uow: UnitOfWork, caller: Caller, bus_name: str | None, *, statement_id: str | None,
                      remove_all: bool) -> str:
    row = own_bus(uow, caller, bus_name)
    if remove_all:
        repo.update_bus(uow, row["arn"], policy=None, modified_at=uow.now)
        return row["arn"]
    if not statement_id:
        raise ValidationException("Parameter StatementId is required.")
    if not row["policy"]:
        raise ResourceNotFoundException("EventBus does not have a policy.")
    document = _document(row)
    kept = [s for s in _statements(document) if s.get("Sid") != statement_id]
    if len(kept) == len(_statements(document)):
        raise ResourceNotFoundException("Statement with the provided id does not exist.")
    document["Statement"] = kept
    repo.update_bus(uow, row["arn"], policy=json.dumps(document) if kept else None, modified_at=uow.now)
    return row["arn"]


def _document(row: dict) -> dict:
    if row["policy"]:
        try:
            document = json.loads(row["policy"])
            if isinstance(document, dict):
                return document
        except ValueError:
            pass
    return {"Version": "2012-10-17", "Statement": []}


def _statements(document: dict) -> list[dict]:
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict)]


def allows_put_events(policy: dict | None, account: str) -> bool:
    """Does a bus's resource policy let ``account`` put events on it? Principal and Action only (full IAM
    evaluation is another issue); a statement with a Condition is not evaluated, so it grants nothing (Sluice
    has no organizations to check aws:PrincipalOrgID against). An explicit Deny wins."""
    if not policy:
        return False
    allowed = False
    for statement in _statements(policy):
        if statement.get("Condition") or not _action_matches(statement.get("Action")) \
                or not _principal_matches(statement.get("Principal"), account):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _action_matches(action: Any) -> bool:
    return any(isinstance(a, str) and a.lower() in ("events:putevents", "events:*", "*") for a in _as_list(action))


def _principal_matches(principal: Any, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for p in _as_list(principal.get("AWS")):
        if isinstance(p, str) and (p in ("*", account) or p.startswith(f"arn:{arns.PARTITION}:iam::{account}:")):
            return True
    return False
