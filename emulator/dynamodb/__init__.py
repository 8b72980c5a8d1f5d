"""Amazon DynamoDB: the table engine (tables, items, Query/Scan, batches, transactions).

Service layout
--------------
``DynamoDB`` (this module) is the thin async facade: each method checks what needs no table before
its transaction (expressions, AttributeValues), then runs one store transaction over the concept
modules, which know nothing of HTTP: ``tables`` (control plane), ``items`` (single items and the
one write path: item row, index entries, counters), ``query`` (Query, Scan), ``batch``,
``transactions``, ``partiql`` + ``statements`` (PartiQL parsed into the same trees, then run by the
modules above), ``legacy`` (Expected, KeyConditions, QueryFilter/ScanFilter, AttributeUpdates as
expression trees), ``capacity`` (ConsumedCapacity), ``params`` (request checks), ``model`` (Table,
Index, keys of items), ``cache`` (every table's metadata in memory), ``errors``. The SQL is in
``storage/dynamodb.py``, the schema in ``storage/schema/dynamodb.py``: items clustered by
(table, encoded partition key, encoded sort key), index entries by (table, index, index keys,
table keys), so every Query and Scan page is a range scan of one b-tree.

Streams and TTL (``self.streams``, ``streams.py``): the write path appends each real change's stream
record and keeps the TTL expiry index in the item's transaction (``streams_log``); ``streams_read``
answers the ``dynamodbstreams`` operations; ``ttl`` is UpdateTimeToLive/DescribeTimeToLive and the
sweeper's deletions; SQL in ``storage/dynamodb_streams.py``.

Backups, PITR, global tables and table settings (the ``FeatureOps`` mixin, ``features.py``):
``backups`` (on-demand and SYSTEM backups as copies of the rows, restores through CreateTable's
validation), ``pitr`` (continuous backups: old images logged by triggers on ``dynamodb_items``, a
restore undoes the changes after its time), ``global_tables`` + ``replication`` (replicas are tables
of their regions, changes queued by the same triggers and applied by a due-source, last writer
wins; the legacy 2017.11.29 API), ``policies``, ``insights``, ``kinesis`` (kept and reported),
``lifecycle`` (CREATING/UPDATING/DELETING for ``SLUICE_DYNAMODB_TABLE_DELAY_MS``), ``due`` (the
cached due time the triggers' clock function pokes). SQL in ``storage/dynamodb_backups.py``,
``storage/dynamodb_replication.py``, ``storage/dynamodb_hooks.py``.

The pure core (no I/O, no SQL, no clock)
----------------------------------------
- ``types``: AttributeValues in wire form (``{"S": "x"}``, ``{"N": "1.5"}``, ``{"B": b"..."}`` with
  bytes already base64-decoded, ``SS/NS/BS/M/L/NULL/BOOL``).  ``validate_item(item)`` /
  ``validate_value(v)`` return a normalized copy (store that: numbers in AWS's output form) or raise
  ``ValidationError`` (``.message`` is AWS's ValidationException text); ``compare(a, b)`` (-1/0/1,
  None if not comparable), ``equal(a, b)``, ``item_size(item)`` (bytes as AWS counts them for the
  400 KB limit and capacity), ``parse_number``/``check_number``/``format_number``.
- ``keys``: ``encode_key(value) -> bytes`` for S/N/B key values whose memcmp order is DynamoDB's
  order (store in BLOB columns, compare in SQL), ``decode_key(type, data)``, ``prefix_range(value)``
  for ``begins_with`` on a sort key.
- ``expressions``: one cached LALR grammar for every expression kind.

How a request uses ``expressions``
----------------------------------
::

    values = validate_expression_attributes(names, raw_values)   # checks keys, normalizes values
    key = parse_key_condition(kce, names, values)                # Query
    flt = parse_condition(fe, names, values, kind="FilterExpression") if fe else None
    prj = parse_projection(pe, names) if pe else None
    check_unused(names, values, key, flt, prj)                  # across ALL of the request's expressions
    pk, sort = key.for_schema("pk", "sk", types={"pk": "S", "sk": "N"})
    lo, lo_inc, hi, hi_inc = sort.byte_range() if sort else (None, False, None, False)
    ... scan rows with lo/hi on the encoded sort key ...
    if flt is None or flt.evaluate(item): out.append(project(prj, item) if prj else item)

    cond = parse_condition(ce, names, values)                   # PutItem/UpdateItem/DeleteItem
    upd = parse_update(ue, names, values)
    check_unused(names, values, cond, upd)
    if not cond.evaluate(old_item): raise ConditionalCheckFailed
    result = apply_update(upd, old_item)     # result.item, result.paths
    updated_old, updated_new = project(result.paths, old_item), project(result.paths, result.item)

Every error is a ``types.ValidationError`` carrying AWS's full message, prefixed as AWS does
(``Invalid UpdateExpression: ...``); errors found while applying an update (missing operand
attribute, wrong operand type, invalid document path, number overflow) are ValidationErrors too.
The caller still owns what needs the table: key attributes in SET/REMOVE, item size limits, key
value types and empty key values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator import arns
from emulator.caller import Caller
from emulator.errors import AwsError
from storage import dynamodb as db
from storage.db import UnitOfWork

from . import batch, items, params, partiql, query, statements, tables, transactions
from .cache import TableCache
from .errors import ResourceNotFoundException, ValidationException, table_not_found
from .features import FeatureOps
from .model import Table
from .streams import Streams

if TYPE_CHECKING:
    from emulator.core import Emulator


class DynamoDB(FeatureOps):
    """The DynamoDB service: one transaction per request, table metadata from ``TableCache``; backups,
    PITR, global tables, policies, insights, Kinesis destinations and table phases in ``features``."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.tables = TableCache()
        self.streams = Streams(emulator, self.tables)  # DynamoDB Streams and TTL (streams.py)
        self._init_features()

    async def start(self) -> None:
        await self.store.read(self._load)
        await self.streams.start()
        await self._start_features()

    def _load(self, uow: UnitOfWork) -> None:
        self.tables.load([Table.from_row(*row) for row in db.load_tables(uow)])

    def reset(self) -> None:
        self.tables.load([])
        self.streams.reset()
        self._reset_features()

    # --- tables by name or ARN (inside a transaction) ---------------------------------------------

    def _locate(self, caller: Caller, name: str) -> tuple[str, str, str]:
        """(account, region, table name) of a TableName, which may be a table ARN."""
        if name.startswith("arn:"):
            arn = arns.parse(name, service="dynamodb")
            if arn is None or not arn.resource.startswith("table/"):
                raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {name}")
            return arn.account, arn.region, arn.resource.split("/")[1]
        tables.check_name(name)
        return caller.account, caller.region, name

    def table(self, uow: UnitOfWork, caller: Caller, name: str, *, named: bool = False,
              describing: bool = False) -> Table:
        """The table ``name`` (data plane: "Requested resource not found"; ``named``: with its name,
        as DescribeTable, UpdateTable and DeleteTable say it). A CREATING table is only ``describing``."""
        account, region, table_name = self._locate(caller, name)
        table = self.tables.get(uow, account, region, table_name)
        if table is None or (not describing and self.lifecycle.creating(table.id, uow.now)):
            raise table_not_found(table_name if named else None)
        return table

    def _resolver(self, caller: Caller):
        return lambda uow, name: self.table(uow, caller, name)

    def _by_arn(self, uow: UnitOfWork, caller: Caller, arn: str) -> Table:
        parsed = arns.parse(arn, service="dynamodb")
        if parsed is None or not parsed.resource.startswith("table/"):
            raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
        table = self.tables.get(uow, parsed.account, parsed.region, parsed.resource.split("/")[1])
        if table is None:
            raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} not found")
        return table

    # --- control plane ----------------------------------------------------------------------------

    async def create_table(self, caller: Caller, **request: Any) -> dict:
        """``request``: CreateTable's members by their AWS names (TableName, KeySchema, ...)."""
        def work(uow: UnitOfWork) -> dict:
            self._check_creatable(uow, caller, request.get("TableName"))
            table = tables.create(uow, self.tables, caller.account, caller.region, request)
            table = self.streams.table_changed(uow, None, table)
            return self._created(uow, table)
        return await self.store.transaction(work)

    async def describe_table(self, caller: Caller, table_name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            return self._describe_named(uow, caller, table_name)
        return await self.store.read(work)

    async def update_table(self, caller: Caller, table_name: str, **request: Any) -> dict:
        def work(uow: UnitOfWork) -> dict:
            before = self.table(uow, caller, table_name, named=True)
            if request.get("ReplicaUpdates"):
                return self._describe(uow, self._replica_updates(uow, before, request))
            self.lifecycle.check_changeable(before.id, before.name, uow.now)
            table = self.streams.table_changed(uow, before, tables.update(uow, self.tables, before, request))
            return self._describe(uow, self._updated(uow, before, table, request))
        return await self.store.transaction(work)

    async def delete_table(self, caller: Caller, table_name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            table = self.table(uow, caller, table_name, named=True, describing=True)
            self.lifecycle.check_changeable(table.id, table.name, uow.now, deleting=True)
            if table.deletion_protection:
                raise ValidationException("Resource cannot be deleted as it is currently protected against deletion. "
                                          "Disable deletion protection first.")
            return self._delete_table(uow, table)
        return await self.store.transaction(work)

    async def list_tables(self, caller: Caller, exclusive_start: str | None, limit: int | None) -> dict:
        limit = limit or 100

        def work(uow: UnitOfWork) -> dict:
            names = db.list_table_names(uow, caller.account, caller.region, exclusive_start or "", limit + 1)
            out: dict = {"TableNames": names[:limit]}
            if len(names) > limit:
                out["LastEvaluatedTableName"] = names[limit - 1]
            return out
        return await self.store.read(work)

    async def tag_resource(self, caller: Caller, arn: str, tags: list[dict]) -> None:
        def work(uow: UnitOfWork) -> None:
            table = self._by_arn(uow, caller, arn)
            current = db.get_tags(uow, table.id)
            current.update({t["Key"]: t["Value"] for t in tags})
            if len(current) > 50:
                raise ValidationException("One or more parameter values were invalid: The number of tags exceeds "
                                          "the limit of 50")
            db.set_tags(uow, table.id, current)
        await self.store.transaction(work)

    async def untag_resource(self, caller: Caller, arn: str, keys: list[str]) -> None:
        def work(uow: UnitOfWork) -> None:
            table = self._by_arn(uow, caller, arn)
            current = db.get_tags(uow, table.id)
            db.set_tags(uow, table.id, {k: v for k, v in current.items() if k not in set(keys)})
        await self.store.transaction(work)

    async def list_tags_of_resource(self, caller: Caller, arn: str, next_token: str | None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            tags = db.get_tags(uow, self._by_arn(uow, caller, arn).id)
            return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
        return await self.store.read(work)

    def describe_limits(self) -> dict:
        return dict(tables.LIMITS)

    async def describe_time_to_live(self, caller: Caller, table_name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            return self.streams.describe_ttl(uow, self.table(uow, caller, table_name, named=True))
        return await self.store.read(work)

    async def update_time_to_live(self, caller: Caller, table_name: str, specification: dict) -> dict:
        def work(uow: UnitOfWork) -> dict:
            return self.streams.update_ttl(uow, self.table(uow, caller, table_name, named=True), specification)
        return await self.store.transaction(work)

    # --- items ------------------------------------------------------------------------------------

    async def put_item(self, caller: Caller, *, table_name: str, item: dict, condition_expression: str | None = None,
                       expression_attribute_names: dict | None = None, expression_attribute_values: dict | None = None,
                       return_values: str | None = None, return_values_on_condition_check_failure: str | None = None,
                       return_consumed_capacity: str | None = None,
                       return_item_collection_metrics: str | None = None, expected: dict | None = None,
                       conditional_operator: str | None = None) -> dict:
        ex = params.expressions(expression_attribute_names, expression_attribute_values,
                                condition=condition_expression, expected=expected,
                                conditional_operator=conditional_operator)
        rv = params.return_values(return_values)
        checked = params.item(item)

        def work(uow: UnitOfWork) -> dict:
            return items.put(uow, self.table(uow, caller, table_name), checked, ex, rv,
                             return_values_on_condition_check_failure, return_consumed_capacity,
                             return_item_collection_metrics)
        return await self.store.transaction(work)

    async def get_item(self, caller: Caller, *, table_name: str, key: dict, projection_expression: str | None = None,
                       expression_attribute_names: dict | None = None, consistent_read: bool = False,
                       attributes_to_get: list[str] | None = None, return_consumed_capacity: str | None = None) -> dict:
        ex = params.expressions(expression_attribute_names, None, projection=projection_expression,
                                attributes_to_get=attributes_to_get)
        checked = params.key(key)

        def work(uow: UnitOfWork) -> dict:
            return items.get(uow, self.table(uow, caller, table_name), checked, ex, consistent_read,
                             return_consumed_capacity)
        return await self.store.read(work)

    async def update_item(self, caller: Caller, *, table_name: str, key: dict, update_expression: str | None = None,
                          condition_expression: str | None = None, expression_attribute_names: dict | None = None,
                          expression_attribute_values: dict | None = None, return_values: str | None = None,
                          return_values_on_condition_check_failure: str | None = None,
                          return_consumed_capacity: str | None = None,
                          return_item_collection_metrics: str | None = None, expected: dict | None = None,
                          conditional_operator: str | None = None, attribute_updates: dict | None = None) -> dict:
        ex = params.expressions(expression_attribute_names, expression_attribute_values,
                                condition=condition_expression, update=update_expression, expected=expected,
                                conditional_operator=conditional_operator, attribute_updates=attribute_updates)
        rv = return_values or "NONE"
        checked = params.key(key)

        def work(uow: UnitOfWork) -> dict:
            return items.update(uow, self.table(uow, caller, table_name), checked, ex, rv,
                                return_values_on_condition_check_failure, return_consumed_capacity,
                                return_item_collection_metrics)
        return await self.store.transaction(work)

    async def delete_item(self, caller: Caller, *, table_name: str, key: dict, condition_expression: str | None = None,
                          expression_attribute_names: dict | None = None,
                          expression_attribute_values: dict | None = None, return_values: str | None = None,
                          return_values_on_condition_check_failure: str | None = None,
                          return_consumed_capacity: str | None = None,
                          return_item_collection_metrics: str | None = None, expected: dict | None = None,
                          conditional_operator: str | None = None) -> dict:
        ex = params.expressions(expression_attribute_names, expression_attribute_values,
                                condition=condition_expression, expected=expected,
                                conditional_operator=conditional_operator)
        rv = params.return_values(return_values)
        checked = params.key(key)

        def work(uow: UnitOfWork) -> dict:
            return items.delete(uow, self.table(uow, caller, table_name), checked, ex, rv,
                                return_values_on_condition_check_failure, return_consumed_capacity,
                                return_item_collection_metrics)
        return await self.store.transaction(work)

    # --- Query and Scan ---------------------------------------------------------------------------

    async def query(self, caller: Caller, *, table_name: str, key_condition_expression: str | None,
                    filter_expression: str | None = None, projection_expression: str | None = None,
                    expression_attribute_names: dict | None = None, expression_attribute_values: dict | None = None,
                    index_name: str | None = None, select: str | None = None, limit: int | None = None,
                    consistent_read: bool = False, scan_index_forward: bool = True,
                    exclusive_start_key: dict | None = None, return_consumed_capacity: str | None = None,
                    key_conditions: dict | None = None, query_filter: dict | None = None,
                    conditional_operator: str | None = None, attributes_to_get: list[str] | None = None) -> dict:
        if key_condition_expression is None and key_conditions is None:
            raise ValidationException("Either the KeyConditions or KeyConditionExpression parameter must be "
                                      "specified in the request.")
        ex = params.expressions(expression_attribute_names, expression_attribute_values,
                                key=key_condition_expression, filter=filter_expression,
                                projection=projection_expression, key_conditions=key_conditions,
                                query_filter=query_filter, conditional_operator=conditional_operator,
                                attributes_to_get=attributes_to_get)
        chosen = query.select(select, ex, index_name, "Querying", attributes_to_get is not None)
        read = query.Read(ex, chosen, limit, consistent_read,
                          params.start_key(exclusive_start_key), index_name, return_consumed_capacity)

        def work(uow: UnitOfWork) -> dict:
            return query.query(uow, self.table(uow, caller, table_name), read, scan_index_forward)
        return await self.store.read(work)

    async def scan(self, caller: Caller, *, table_name: str, filter_expression: str | None = None,
                   projection_expression: str | None = None, expression_attribute_names: dict | None = None,
                   expression_attribute_values: dict | None = None, index_name: str | None = None,
                   select: str | None = None, limit: int | None = None, consistent_read: bool = False,
                   exclusive_start_key: dict | None = None, segment: int | None = None,
                   total_segments: int | None = None, return_consumed_capacity: str | None = None,
                   scan_filter: dict | None = None, conditional_operator: str | None = None,
                   attributes_to_get: list[str] | None = None) -> dict:
        query.check_segments(segment, total_segments)
        ex = params.expressions(expression_attribute_names, expression_attribute_values, filter=filter_expression,
                                projection=projection_expression, scan_filter=scan_filter,
                                conditional_operator=conditional_operator, attributes_to_get=attributes_to_get)
        chosen = query.select(select, ex, index_name, "Scanning", attributes_to_get is not None)
        read = query.Read(ex, chosen, limit, consistent_read,
                          params.start_key(exclusive_start_key), index_name, return_consumed_capacity)

        def work(uow: UnitOfWork) -> dict:
            return query.scan(uow, self.table(uow, caller, table_name), read, segment, total_segments)
        return await self.store.read(work)

    # --- batches and transactions -----------------------------------------------------------------

    async def batch_get_item(self, caller: Caller, request_items: dict[str, dict],
                             return_consumed_capacity: str | None = None) -> dict:
        total = sum(len(r.get("Keys") or []) for r in request_items.values())
        if total > batch.MAX_GET_KEYS:
            raise ValidationException("Too many items requested for the BatchGetItem call")
        requests = []
        for name, r in request_items.items():
            ex = params.expressions(r.get("ExpressionAttributeNames"), None, projection=r.get("ProjectionExpression"),
                                    attributes_to_get=r.get("AttributesToGet"))
            requests.append(batch.GetRequest(name, [params.key(k) for k in r["Keys"]], ex,
                                             bool(r.get("ConsistentRead")), r))
        return await self.store.read(batch.batch_get, self._resolver(caller), requests, return_consumed_capacity)

    async def batch_write_item(self, caller: Caller, request_items: dict[str, list[dict]],
                               return_consumed_capacity: str | None = None,
                               return_item_collection_metrics: str | None = None) -> dict:
        total = sum(len(r) for r in request_items.values())
        if total > batch.MAX_WRITES:
            raise ValidationException("Too many items requested for the BatchWriteItem call")
        requests = []
        for name, writes in request_items.items():
            for w in writes:
                put, delete = w.get("PutRequest"), w.get("DeleteRequest")
                if (put is None) == (delete is None):  # message guessed: AWS's text is not recorded
                    raise ValidationException("A WriteRequest must contain exactly one of PutRequest or DeleteRequest")
                requests.append(batch.WriteRequest(name, params.item(put["Item"]) if put else None,
                                                   params.key(delete["Key"]) if delete else None))
        return await self.store.transaction(batch.batch_write, self._resolver(caller), requests,
                                            return_consumed_capacity, return_item_collection_metrics)

    async def transact_write_items(self, caller: Caller, transact_items: list[dict],
                                   return_consumed_capacity: str | None = None,
                                   return_item_collection_metrics: str | None = None,
                                   client_request_token: str | None = None) -> dict:
        actions = []
        for entry in transact_items:
            kinds = [k for k in ("ConditionCheck", "Put", "Delete", "Update") if entry.get(k) is not None]
            if len(kinds) != 1:
                raise ValidationException("TransactItems can only contain one of Check, Put, Update or Delete")
            kind = kinds[0]
            a = entry[kind]
            if kind == "ConditionCheck" and not a.get("ConditionExpression"):
                raise ValidationException("The ConditionExpression parameter is required for ConditionCheck")
            ex = params.expressions(a.get("ExpressionAttributeNames"), a.get("ExpressionAttributeValues"),
                                    condition=a.get("ConditionExpression"), update=a.get("UpdateExpression"))
            actions.append(transactions.Action(kind, a["TableName"], params.item(a["Item"]) if kind == "Put" else None,
                                               params.key(a["Key"]) if kind != "Put" else None, ex,
                                               a.get("ReturnValuesOnConditionCheckFailure")))
        token = None
        if client_request_token is not None:
            token = (caller.account, caller.region, client_request_token,
                     transactions.digest([transact_items, return_consumed_capacity, return_item_collection_metrics]))
        return await self.store.transaction(transactions.transact_write, self._resolver(caller), actions,
                                            return_consumed_capacity, return_item_collection_metrics, token)

    async def transact_get_items(self, caller: Caller, transact_items: list[dict],
                                 return_consumed_capacity: str | None = None) -> dict:
        actions = []
        for entry in transact_items:
            g = entry["Get"]
            ex = params.expressions(g.get("ExpressionAttributeNames"), None, projection=g.get("ProjectionExpression"))
            actions.append(transactions.Action("Get", g["TableName"], None, params.key(g["Key"]), ex))
        return await self.store.read(transactions.transact_get, self._resolver(caller), actions,
                                     return_consumed_capacity)

    # --- PartiQL ----------------------------------------------------------------------------------

    async def execute_statement(self, caller: Caller, statement: str, parameters: list[dict] | None = None,
                                consistent_read: bool = False, next_token: str | None = None,
                                return_consumed_capacity: str | None = None, limit: int | None = None,
                                return_values_on_condition_check_failure: str | None = None) -> dict:
        st = partiql.parse(statement, parameters)
        run = self.store.read if st.kind == "select" else self.store.transaction
        return await run(statements.execute, self._resolver(caller), st, consistent_read, limit, next_token,
                         return_consumed_capacity, return_values_on_condition_check_failure)

    async def batch_execute_statement(self, caller: Caller, requests: list[dict],
                                      return_consumed_capacity: str | None = None) -> dict:
        parsed: list = []
        for r in requests:
            try:
                st: Any = partiql.parse(r["Statement"], r.get("Parameters"))
            except AwsError as e:  # a statement that does not parse is that statement's error entry
                st = e
            parsed.append((st, bool(r.get("ConsistentRead")), r.get("ReturnValuesOnConditionCheckFailure")))
        return await self.store.transaction(statements.batch, self._resolver(caller), parsed, return_consumed_capacity)

    async def execute_transaction(self, caller: Caller, transact_statements: list[dict],
                                  client_request_token: str | None = None,
                                  return_consumed_capacity: str | None = None) -> dict:
        parsed = [partiql.parse(s["Statement"], s.get("Parameters")) for s in transact_statements]
        statements.check_transaction(parsed)
        token = None
        if client_request_token is not None:
            token = (caller.account, caller.region, client_request_token,
                     transactions.digest(["partiql", transact_statements, return_consumed_capacity]))
        return await self.store.transaction(statements.transact, self._resolver(caller), parsed,
                                            return_consumed_capacity, token)

