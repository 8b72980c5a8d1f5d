"""Tables: CreateTable's validation, the TableDescription, UpdateTable (throughput, billing, GSIs with
backfill, streams, SSE, class, deletion protection), DeleteTable, ListTables, tags, TTL.

Tables are ACTIVE at once (there is nothing to provision); a GSI created by UpdateTable is
backfilled inside the request's transaction and ACTIVE when the call returns.

Validation order and messages follow architect/dynalite (validations/createTable.js,
updateTable.js) and nubo-db/dynamodb-conformance (tier3 createTable, run against DynamoDB).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from storage import dynamodb as db
from storage.db import UnitOfWork
from storage.dynamodb_streams import latest_stream

from .errors import LimitExceededException, ResourceInUseException, ResourceNotFoundException, ValidationException
from .model import INVALID, Index, Table, index_entry, projected_size
from .types import item_size

NAME = re.compile(r"[a-zA-Z0-9_.-]+")
MAX_THROUGHPUT = 1_000_000_000_000
MAX_LSIS, MAX_GSIS = 5, 20
# DynamoDB's default quotas (Developer Guide, "Service, account, and table quotas"): DescribeLimits.
LIMITS = {"AccountMaxReadCapacityUnits": 80_000, "AccountMaxWriteCapacityUnits": 80_000,
          "TableMaxReadCapacityUnits": 40_000, "TableMaxWriteCapacityUnits": 40_000}
UPDATE_NOTHING = ("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
                  "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, "
                  "MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass "
                  "is required")


def when(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def check_name(name: str, member: str = "tableName") -> None:
    """Table and index names: 3-255 of [a-zA-Z0-9_.-] (reported as the coral validator does)."""
    problems = []
    if len(name) < 3:
        problems.append(f"Value '{name}' at '{member}' failed to satisfy constraint: "
                        "Member must have length greater than or equal to 3")
    elif len(name) > 255:
        problems.append(f"Value '{name}' at '{member}' failed to satisfy constraint: "
                        "Member must have length less than or equal to 255")
    if not NAME.fullmatch(name):
        problems.append(f"Value '{name}' at '{member}' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    if problems:
        n = len(problems)
        raise ValidationException(f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(problems))


# --- CreateTable --------------------------------------------------------------------------------

def _throughput(pt: dict | None, billing: str, what: str = "") -> dict:
    if billing == "PAY_PER_REQUEST":
        if pt:
            if what:
                raise ValidationException(f"{INVALID}ProvisionedThroughput should not be specified for index: {what} "
                                          "when BillingMode is PAY_PER_REQUEST")
            raise ValidationException(f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                                      "when BillingMode is PAY_PER_REQUEST")
        return {"read": 0, "write": 0, "decreases": 0}
    if not pt or not pt.get("ReadCapacityUnits") or not pt.get("WriteCapacityUnits"):
        if what:
            raise ValidationException(f"{INVALID}ProvisionedThroughput must be specified for index: {what}")
        raise ValidationException(f"{INVALID}ReadCapacityUnits and WriteCapacityUnits must both be specified when "
                                  "BillingMode is PROVISIONED")
    for unit in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if pt[unit] > MAX_THROUGHPUT:
            raise ValidationException(f"Given value {pt[unit]} for {unit} is out of bounds")
    return {"read": pt["ReadCapacityUnits"], "write": pt["WriteCapacityUnits"], "decreases": 0}


def _key_schema(schema: list[dict], defs: list[str]) -> tuple[str, str | None]:
    keys = [k["AttributeName"] for k in schema]
    if len(keys) > len(defs):
        raise ValidationException("Invalid KeySchema: Some index key attribute have no definition")
    if any(k not in defs for k in keys):
        raise ValidationException(f"{INVALID}Some index key attributes are not defined in AttributeDefinitions. "
                                  f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defs)}]")
    if len(keys) == 2 and keys[0] == keys[1]:
        raise ValidationException("Both the Hash Key and the Range Key element in the KeySchema have the same name")
    if schema[0]["KeyType"] != "HASH":
        raise ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) > 1 and schema[1]["KeyType"] != "RANGE":
        raise ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
    return keys[0], (keys[1] if len(keys) > 1 else None)


def _projection(spec: dict) -> tuple[str, tuple[str, ...]]:
    kind = spec.get("ProjectionType")
    if kind is None:
        raise ValidationException(f"{INVALID}Unknown ProjectionType: null")
    non_key = spec.get("NonKeyAttributes")
    if non_key is not None and kind != "INCLUDE":
        raise ValidationException(f"{INVALID}ProjectionType is {kind}, but NonKeyAttributes is specified")
    return kind, tuple(non_key or ())


def _index(spec: dict, kind: str, no: int, defs: list[str], table_hash: str, table_range: str | None,
           billing: str, now: int) -> Index:
    name = spec["IndexName"]
    check_name(name, "indexName")
    hash_key, range_key = _key_schema(spec["KeySchema"], defs)
    projection, non_key = _projection(spec["Projection"])
    if kind == "LSI":
        if range_key is None:
            raise ValidationException(f"{INVALID}Index KeySchema does not have a range key for index: {name}")
        if hash_key != table_hash:
            raise ValidationException(f"{INVALID}Index KeySchema does not have the same leading hash key as table "
                                      f"KeySchema for index: {name}. index hash key: {hash_key}, table hash key: "
                                      f"{table_hash}")
        return Index(no, name, "LSI", hash_key, range_key, projection, non_key, created_at=now)
    throughput = _throughput(spec.get("ProvisionedThroughput"), billing, name)
    return Index(no, name, "GSI", hash_key, range_key, projection, non_key,
                 throughput if billing == "PROVISIONED" else None, spec.get("OnDemandThroughput"), now)


def _stream(spec: dict | None, table_arn: str, now: int, current: dict | None = None) -> dict | None:
    if spec is None:
        return current
    if not spec.get("StreamEnabled"):
        if spec.get("StreamViewType"):
            raise ValidationException(f"{INVALID}StreamViewType can not be specified when StreamEnabled is false")
        return None
    view = spec.get("StreamViewType")
    if not view:
        raise ValidationException(f"{INVALID}StreamViewType is required when StreamEnabled is true")
    if current is not None:
        # AWS's text (ack-api-quirks DDB-TABLE-050, observed on UpdateTable)
        raise ValidationException(f"Table already has an enabled stream: TableName: {table_arn.split('/', 1)[1]}")
    label = datetime.fromtimestamp(now / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now % 1000:03d}"
    return {"enabled": True, "view_type": view, "label": label}


def _sse(spec: dict | None, account: str, region: str, current: dict | None = None) -> dict | None:
    if spec is None:
        return current
    if not spec.get("Enabled", True if spec.get("SSEType") else False):
        return None
    key = spec.get("KMSMasterKeyId") or f"arn:aws:kms:{region}:{account}:key/{uuid.uuid4()}"
    if not key.startswith("arn:"):
        key = f"arn:aws:kms:{region}:{account}:key/{key}"
    return {"type": spec.get("SSEType") or "KMS", "kms_key": key}


def create(uow: UnitOfWork, cache: Any, account: str, region: str, p: dict) -> Table:
    """Validate a CreateTable request and store the table (``p`` is the wire input)."""
    name = p["TableName"]
    check_name(name)
    billing = p.get("BillingMode") or "PROVISIONED"
    throughput = _throughput(p.get("ProvisionedThroughput"), billing)
    definitions = [(d["AttributeName"], d["AttributeType"]) for d in p["AttributeDefinitions"]]
    defs = [d for d, _ in definitions]
    hash_key, range_key = _key_schema(p["KeySchema"], defs)
    lsis, gsis = p.get("LocalSecondaryIndexes"), p.get("GlobalSecondaryIndexes")
    now = uow.now
    indexes: list[Index] = []
    names: set[str] = set()
    for kind, specs in (("LSI", lsis), ("GSI", gsis)):
        if specs is None:
            continue
        if not specs:
            which = "LocalSecondaryIndexes" if kind == "LSI" else "GlobalSecondaryIndexes"
            raise ValidationException(f"{INVALID}List of {which} is empty")
        if kind == "LSI" and range_key is None:
            raise ValidationException(f"{INVALID}Table KeySchema does not have a range key, which is required when "
                                      "specifying a LocalSecondaryIndex")
        for spec in specs:
            index = _index(spec, kind, len(indexes) + 1, defs, hash_key, range_key, billing, now)
            if index.name in names:
                raise ValidationException(f"{INVALID}Duplicate index name: {index.name}")
            names.add(index.name)
            indexes.append(index)
        if kind == "LSI" and len(specs) > MAX_LSIS:
            raise ValidationException(f"{INVALID}Number of LocalSecondaryIndexes exceeds per-table limit of 5")
        if kind == "GSI" and len(specs) > MAX_GSIS:
            raise ValidationException(f"{INVALID}GlobalSecondaryIndex count exceeds the per-table limit of 20")
    _check_definitions_used(defs, hash_key, range_key, indexes)
    if cache.get(uow, account, region, name) is not None:
        raise ResourceInUseException(f"Table already exists: {name}")  # boto users match this text
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
    table_class = p.get("TableClass")
    table = Table(
        id=0, account=account, region=region, name=name, table_uuid=str(uuid.uuid4()), created_at=now,
        hash_key=hash_key, range_key=range_key, attributes=tuple(definitions), indexes=tuple(indexes),
        next_index_no=len(indexes) + 1, billing_mode=billing, throughput=throughput,
        billing_updated_at=now if p.get("BillingMode") else None, on_demand=p.get("OnDemandThroughput"),
        stream=_stream(p.get("StreamSpecification"), arn, now), sse=_sse(p.get("SSESpecification"), account, region),
        table_class=table_class or "STANDARD", class_updated_at=now if table_class else None,
        deletion_protection=bool(p.get("DeletionProtectionEnabled")), warm=p.get("WarmThroughput"))
    tags = {t["Key"]: t["Value"] for t in p.get("Tags") or []}
    table_id = db.insert_table(uow, account, region, name, table.definition(), tags, now)
    table = table.with_changes(id=table_id)
    db.init_stats(uow, table_id, [0, *(i.no for i in indexes)])
    cache.put(uow, table)
    return table


def _check_definitions_used(defs: list[str], hash_key: str, range_key: str | None, indexes: list[Index]) -> None:
    if len(set(defs)) != len(defs):
        raise ValidationException(f"{INVALID}Cannot have two attributes with the same name")
    used = [hash_key] + ([range_key] if range_key else [])
    for index in indexes:
        used += [k for k in index.key_names() if k not in used]
    if set(defs) - set(used):
        if not indexes:
            raise ValidationException(f"{INVALID}Number of attributes in KeySchema does not exactly match number of "
                                      "attributes defined in AttributeDefinitions")
        raise ValidationException(f"{INVALID}Some AttributeDefinitions are not used. AttributeDefinitions: "
                                  f"[{', '.join(defs)}], keys used: [{', '.join(used)}]")


# --- DescribeTable ------------------------------------------------------------------------------

def _key_schema_wire(hash_key: str, range_key: str | None) -> list[dict]:
    out = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        out.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return out


def _throughput_wire(t: dict | None) -> dict:
    t = t or {"read": 0, "write": 0, "decreases": 0}
    out: dict = {"NumberOfDecreasesToday": t.get("decreases", 0), "ReadCapacityUnits": t["read"],
                 "WriteCapacityUnits": t["write"]}
    if t.get("last_increase"):
        out["LastIncreaseDateTime"] = when(t["last_increase"])
    if t.get("last_decrease"):
        out["LastDecreaseDateTime"] = when(t["last_decrease"])
    return out


def _projection_wire(index: Index) -> dict:
    out: dict = {"ProjectionType": index.projection}
    if index.non_key:
        out["NonKeyAttributes"] = list(index.non_key)
    return out


def describe(uow: UnitOfWork, table: Table, status: str = "ACTIVE") -> dict:
    """The TableDescription, with item counts and sizes as of this transaction."""
    stats = db.stats(uow, table.id)
    count, size = stats.get(0, (0, 0))
    out: dict = {
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for a, t in table.attributes],
        "TableName": table.name,
        "KeySchema": _key_schema_wire(table.hash_key, table.range_key),
        "TableStatus": status,
        "CreationDateTime": when(table.created_at),
        "ProvisionedThroughput": _throughput_wire(table.throughput),
        "TableSizeBytes": size,
        "ItemCount": count,
        "TableArn": table.arn,
        "TableId": table.table_uuid,
    }
    if table.billing_mode == "PAY_PER_REQUEST" or table.billing_updated_at is not None:
        summary: dict = {"BillingMode": table.billing_mode}
        if table.billing_mode == "PAY_PER_REQUEST":
            summary["LastUpdateToPayPerRequestDateTime"] = when(table.billing_updated_at or table.created_at)
        out["BillingModeSummary"] = summary
    lsis: list[dict] = []
    gsis: list[dict] = []
    for index in table.indexes:
        icount, isize = stats.get(index.no, (0, 0))
        d: dict = {"IndexName": index.name, "KeySchema": _key_schema_wire(index.hash_key, index.range_key),
                   "Projection": _projection_wire(index)}
        if index.is_global:
            d["IndexStatus"] = "ACTIVE"
            d["ProvisionedThroughput"] = _throughput_wire(index.throughput)
            if index.on_demand:
                d["OnDemandThroughput"] = index.on_demand
        d.update({"IndexSizeBytes": isize, "ItemCount": icount, "IndexArn": f"{table.arn}/index/{index.name}"})
        (gsis if index.is_global else lsis).append(d)
    if lsis:
        out["LocalSecondaryIndexes"] = lsis
    if gsis:
        out["GlobalSecondaryIndexes"] = gsis
    if table.stream:
        out["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream["view_type"]}
        out["LatestStreamLabel"] = table.stream["label"]
        out["LatestStreamArn"] = f"{table.arn}/stream/{table.stream['label']}"
    elif (latest := latest_stream(uow, table.id)) is not None:  # a disabled stream is still the latest
        out["LatestStreamLabel"], out["LatestStreamArn"] = latest[1], latest[0]
    if table.sse:
        out["SSEDescription"] = {"Status": "ENABLED", "SSEType": table.sse["type"],
                                 "KMSMasterKeyArn": table.sse["kms_key"]}
    if table.class_updated_at is not None:
        out["TableClassSummary"] = {"TableClass": table.table_class, "LastUpdateDateTime": when(table.class_updated_at)}
    if table.on_demand:
        out["OnDemandThroughput"] = table.on_demand
    out["DeletionProtectionEnabled"] = table.deletion_protection
    return out


# --- UpdateTable --------------------------------------------------------------------------------

def _new_throughput(current: dict, pt: dict, now: int, label: str, table: bool = True) -> dict:
    read, write = pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]
    for unit, value in (("ReadCapacityUnits", read), ("WriteCapacityUnits", write)):
        if value > MAX_THROUGHPUT:
            raise ValidationException(f"Given value {value} for {unit} is out of bounds")
    if read == current.get("read") and write == current.get("write"):
        raise ValidationException(
            f"The provisioned throughput for the {label} will not change. The requested value equals the current "
            f"value. Current ReadCapacityUnits provisioned for the {label}: {read}. Requested ReadCapacityUnits: "
            f"{read}. Current WriteCapacityUnits provisioned for the {label}: {write}. Requested WriteCapacityUnits: "
            f"{write}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher "
            "limits.")
    out = dict(current, read=read, write=write)
    if read > current.get("read", 0) or write > current.get("write", 0):
        out["last_increase"] = now
    if read < current.get("read", 0) or write < current.get("write", 0):
        out["last_decrease"] = now
        out["decreases"] = current.get("decreases", 0) + 1
    return out


def update(uow: UnitOfWork, cache: Any, table: Table, p: dict) -> Table:
    """Apply an UpdateTable request; returns the changed table (already stored and cached)."""
    changes = ("ProvisionedThroughput", "BillingMode", "StreamSpecification", "GlobalSecondaryIndexUpdates",
               "SSESpecification", "ReplicaUpdates", "DeletionProtectionEnabled", "OnDemandThroughput",
               "WarmThroughput", "TableClass", "MultiRegionConsistency")
    if not any(p.get(c) not in (None, []) for c in changes):
        raise ValidationException(UPDATE_NOTHING)
    now = uow.now
    new: dict[str, Any] = {}
    billing = p.get("BillingMode") or table.billing_mode
    pt = p.get("ProvisionedThroughput")
    if billing == "PAY_PER_REQUEST" and pt:
        raise ValidationException(f"{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                                  "BillingMode is PAY_PER_REQUEST")
    if billing != table.billing_mode:
        new["billing_mode"] = billing
        new["billing_updated_at"] = now
        if billing == "PROVISIONED":
            if not pt:
                raise ValidationException(f"{INVALID}ProvisionedThroughput must be specified when BillingMode is "
                                          "PROVISIONED")
            new["throughput"] = {"read": pt["ReadCapacityUnits"], "write": pt["WriteCapacityUnits"], "decreases": 0}
        else:
            new["throughput"] = {"read": 0, "write": 0, "decreases": 0}
    elif pt:
        new["throughput"] = _new_throughput(table.throughput, pt, now, "table")
    definitions = dict(table.attributes)
    for d in p.get("AttributeDefinitions") or []:
        definitions.setdefault(d["AttributeName"], d["AttributeType"])
    indexes = list(table.indexes)
    next_no = table.next_index_no
    backfill: list[Index] = []
    dropped: list[Index] = []
    for action in p.get("GlobalSecondaryIndexUpdates") or []:
        if "Create" in action:
            spec = action["Create"]
            if any(i.name == spec["IndexName"] for i in indexes):
                raise ValidationException("Attempting to create an index which already exists")
            if len([i for i in indexes if i.is_global]) >= MAX_GSIS:
                raise LimitExceededException("Subscriber limit exceeded: The number of global secondary indexes "
                                             "exceeds the per-table limit of 20")
            index = _index(spec, "GSI", next_no, list(definitions), table.hash_key, table.range_key, billing, now)
            next_no += 1
            indexes.append(index)
            backfill.append(index)
        elif "Update" in action:
            spec = action["Update"]
            pos = next((k for k, i in enumerate(indexes) if i.name == spec["IndexName"] and i.is_global), None)
            if pos is None:
                raise ResourceNotFoundException(f"Requested resource not found: Index: {spec['IndexName']} not found")
            index = indexes[pos]
            if spec.get("ProvisionedThroughput"):
                if billing == "PAY_PER_REQUEST":
                    raise ValidationException(f"{INVALID}ProvisionedThroughput should not be specified for index: "
                                              f"{index.name} when BillingMode is PAY_PER_REQUEST")
                index = replace(index, throughput=_new_throughput(index.throughput or {}, spec["ProvisionedThroughput"],
                                                                  now, "index"))
            if spec.get("OnDemandThroughput"):
                index = replace(index, on_demand=spec["OnDemandThroughput"])
            indexes[pos] = index
        elif "Delete" in action:
            name = action["Delete"]["IndexName"]
            pos = next((k for k, i in enumerate(indexes) if i.name == name and i.is_global), None)
            if pos is None:
                raise ResourceNotFoundException(f"Requested resource not found: Index: {name} not found")
            dropped.append(indexes.pop(pos))
    if billing != table.billing_mode:  # GSIs follow the table's mode
        for k, index in enumerate(indexes):
            if index.is_global and billing == "PAY_PER_REQUEST":
                indexes[k] = replace(index, throughput=None)
            elif index.is_global and index.throughput is None:
                indexes[k] = replace(index, throughput={"read": pt["ReadCapacityUnits"] if pt else 1,
                                                        "write": pt["WriteCapacityUnits"] if pt else 1, "decreases": 0})
    used = {table.hash_key, table.range_key} | {k for i in indexes for k in i.key_names()}
    new["attributes"] = tuple((a, t) for a, t in definitions.items() if a in used)
    new["indexes"] = tuple(indexes)
    new["next_index_no"] = next_no
    if "StreamSpecification" in p:
        new["stream"] = _stream(p["StreamSpecification"], table.arn, now, table.stream)
        if table.stream is None and not p["StreamSpecification"].get("StreamEnabled"):  # DDB-TABLE-050
            raise ValidationException(f"Table has no stream to disable: TableName: {table.name}")
    if "SSESpecification" in p:
        new["sse"] = _sse(p["SSESpecification"], table.account, table.region, table.sse)
    if p.get("TableClass"):
        new["table_class"] = p["TableClass"]
        new["class_updated_at"] = now
    if p.get("DeletionProtectionEnabled") is not None:
        new["deletion_protection"] = p["DeletionProtectionEnabled"]
    if p.get("OnDemandThroughput"):
        new["on_demand"] = p["OnDemandThroughput"]
    if p.get("WarmThroughput"):
        new["warm"] = p["WarmThroughput"]
    changed = table.with_changes(**new)
    for index in dropped:
        db.drop_index(uow, table.id, index.no)
    for index in backfill:
        _backfill(uow, changed, index)
    db.update_definition(uow, table.id, changed.definition())
    cache.put(uow, changed)
    return changed


def _backfill(uow: UnitOfWork, table: Table, index: Index) -> None:
    """Index every existing item that has the new index's keys with the right types (others are skipped,
    as DynamoDB skips items that violate a new index's key types)."""
    types = table.types
    entries, count, size = [], 0, 0
    for pk, sk, text in db.all_items(uow, table.id):
        item = db.decode_item(text)
        if any(name in item and types[name] not in item[name] for name in index.key_names()):
            continue
        entry = index_entry(table, index, item, pk, sk)
        if entry is None:
            continue
        entries.append(entry)
        count += 1
        size += projected_size(table, index, item, item_size(item))
    db.init_stats(uow, table.id, [index.no])
    db.add_index_entries(uow, table.id, entries)
    db.set_stats(uow, table.id, index.no, count, size)


# --- TTL: UpdateTimeToLive / DescribeTimeToLive are in ttl.py (with the expiry index and the sweeper) -----
