"""PartiQL statements executed by the engine: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction.

A SELECT whose WHERE pins the partition key with ``=`` (at the top level of its ANDs) is a Query
(sort key comparisons narrow its range), any other SELECT a Scan; the whole WHERE is then the
filter, so results never depend on which conjuncts became key conditions. INSERT is a PutItem that
refuses an existing key (DuplicateItemException), UPDATE and DELETE need ``=`` on every key
attribute and turn the rest of their WHERE into a condition; an UPDATE of an absent item fails its
condition, as in DynamoDB. Messages from nubo-db/dynamodb-conformance (tier3 partiql, captured
from DynamoDB) where recorded.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from emulator.errors import AwsError
from storage import dynamodb as db
from storage.db import UnitOfWork

from . import items, query, transactions
from .errors import DuplicateItemException, ValidationException
from .expressions import KeyCondition, ParsedCondition, Projection, Update
from .expressions.evaluate import (
    And,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Not,
    Or,
    PathOperand,
    Size,
    ValueOperand,
)
from .model import Index, Table
from .params import Expressions
from .partiql import Statement
from .types import Item, Value, validate_item, value_type

Resolve = Callable[[UnitOfWork, str], Table]
KEY_EQUALITY = "Where clause does not contain a mandatory equality on all key attributes"
RETURNING = {"ALL OLD": "ALL_OLD", "MODIFIED OLD": "UPDATED_OLD", "ALL NEW": "ALL_NEW", "MODIFIED NEW": "UPDATED_NEW"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
_SORT_OPS = {"=": "eq", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


# --- WHERE analysis -------------------------------------------------------------------------------

def conjuncts(condition: Condition | None) -> list[Condition]:
    if condition is None:
        return []
    if isinstance(condition, And):
        return conjuncts(condition.left) + conjuncts(condition.right)
    return [condition]


def _all(parts: list[Condition]) -> Condition | None:
    out: Condition | None = None
    for p in parts:
        out = p if out is None else And(out, p)
    return out


def _comparison(c: Condition, name: str) -> tuple[str, Value] | None:
    """(op, value) if ``c`` compares the top-level attribute ``name`` with a value."""
    if not isinstance(c, Compare) or c.op == "<>":
        return None
    left, right, op = c.left, c.right, c.op
    if isinstance(right, PathOperand) and isinstance(left, ValueOperand):
        left, right, op = right, left, _FLIP[op]
    if isinstance(left, PathOperand) and left.path == (name,) and isinstance(right, ValueOperand):
        return op, right.value
    return None


def _referenced(node: Any, out: set[str]) -> set[str]:
    """Top-level attribute names a condition reads (for an index's projection check)."""
    if isinstance(node, PathOperand):
        out.add(str(node.path[0]))
    elif isinstance(node, And | Or):
        _referenced(node.left, out)
        _referenced(node.right, out)
    elif isinstance(node, Not | Size):
        _referenced(node.arg, out)
    elif isinstance(node, Compare):
        _referenced(node.left, out)
        _referenced(node.right, out)
    elif isinstance(node, Between):
        for x in (node.operand, node.low, node.high):
            _referenced(x, out)
    elif isinstance(node, In):
        for x in (node.operand, *node.options):
            _referenced(x, out)
    elif isinstance(node, Function):
        for x in node.args:
            _referenced(x, out)
    return out


def key_of(table: Table, statement: Statement) -> tuple[Item, Condition | None]:
    """The item key an UPDATE/DELETE pins with ``=``, and the rest of its WHERE."""
    rest, key = [], {}
    for c in conjuncts(statement.condition):
        for name in table.key_names():
            found = _comparison(c, name)
            if found is not None and found[0] == "=" and name not in key:
                key[name] = found[1]
                break
        else:
            rest.append(c)
    if set(key) != set(table.key_names()):
        raise ValidationException(KEY_EQUALITY)
    return key, _all(rest)


def _key_condition(hash_key: str, range_key: str | None, types: dict[str, str],
                   parts: list[Condition]) -> KeyCondition | None:
    """A Query's key condition from the WHERE's conjuncts (None: no partition equality, so a Scan)."""
    partition = next((f[1] for c in parts if (f := _comparison(c, hash_key)) and f[0] == "="), None)
    if partition is None or value_type(partition) != types[hash_key]:
        return None
    conditions: dict[str, tuple[str, tuple[Value, ...]]] = {hash_key: ("eq", (partition,))}
    if range_key is not None:
        for c in parts:
            f = _comparison(c, range_key)
            if f is not None and value_type(f[1]) == types[range_key]:
                conditions[range_key] = (_SORT_OPS[f[0]], (f[1],))
                break
            if (isinstance(c, Between) and isinstance(c.operand, PathOperand) and c.operand.path == (range_key,)
                    and isinstance(c.low, ValueOperand) and isinstance(c.high, ValueOperand)
                    and value_type(c.low.value) == value_type(c.high.value) == types[range_key]):
                conditions[range_key] = ("between", (c.low.value, c.high.value))
                break
            if (isinstance(c, Function) and c.name == "begins_with" and isinstance(c.args[0], PathOperand)
                    and c.args[0].path == (range_key,) and isinstance(c.args[1], ValueOperand)
                    and value_type(c.args[1].value) == types[range_key] != "N"):
                conditions[range_key] = ("begins_with", (c.args[1].value,))
                break
    return KeyCondition(conditions)


# --- tokens ---------------------------------------------------------------------------------------

def _token(key: Item | None) -> str | None:
    return None if key is None else base64.urlsafe_b64encode(db.encode_item(key).encode()).decode()


def _untoken(token: str | None) -> Item | None:
    if token is None:
        return None
    try:
        return db.decode_item(base64.urlsafe_b64decode(token.encode()).decode())
    except Exception:
        raise ValidationException("Invalid NextToken") from None


# --- statements -----------------------------------------------------------------------------------

def select(uow: UnitOfWork, table: Table, st: Statement, consistent: bool, limit: int | None,
           next_token: str | None, capacity_mode: str | None) -> dict:
    index: Index | None = None
    if st.index is not None:
        index = table.index(st.index)
        if index is None:
            raise ValidationException("The table does not have the specified index")
        if index.is_global and consistent:
            raise ValidationException("Strongly consistent read is not supported on Global Secondary Indexes")
        if index.projection != "ALL":
            projected = set(table.key_names()) | set(index.key_names()) | set(index.non_key)
            missing = sorted(_referenced(st.condition, set()) - projected)
            if missing:
                raise ValidationException(f"One or more parameter values were invalid: Secondary index {index.name} "
                                          f"does not project one or more filter attributes: [{', '.join(missing)}]")
            wanted = sorted({str(p[0]) for p in st.projection or []} - projected)
            if wanted and index.is_global:
                raise ValidationException(f"One or more parameter values were invalid: Global secondary index "
                                          f"{index.name} does not project [{', '.join(wanted)}]")
    hash_key, range_key = (index.hash_key, index.range_key) if index else (table.hash_key, table.range_key)
    key = _key_condition(hash_key, range_key, table.types, conjuncts(st.condition))
    ex = Expressions(filter=ParsedCondition(st.condition) if st.condition is not None else None,
                     projection=Projection(st.projection) if st.projection else None, key=key)
    chosen = "SPECIFIC_ATTRIBUTES" if st.projection else ("ALL_PROJECTED_ATTRIBUTES" if index else "ALL_ATTRIBUTES")
    read = query.Read(ex, chosen, limit, consistent, _untoken(next_token), st.index, capacity_mode)
    page = query.query(uow, table, read, not st.order_desc) if key is not None else query.scan(uow, table, read,
                                                                                                 None, None)
    out: dict = {"Items": page["Items"]}
    if "LastEvaluatedKey" in page:
        out["NextToken"] = _token(page["LastEvaluatedKey"])
        out["LastEvaluatedKey"] = page["LastEvaluatedKey"]
    if "ConsumedCapacity" in page:
        out["ConsumedCapacity"] = page["ConsumedCapacity"]
    return out


def _insert_item(table: Table, st: Statement) -> Item:
    if st.value is None or "M" not in st.value:
        raise ValidationException("Unsupported operation: Inserting a value that is not a tuple is not supported")
    return validate_item(st.value["M"])


def _exists(table: Table) -> Condition:
    return Function("attribute_exists", [PathOperand((table.hash_key,))])


def write(uow: UnitOfWork, table: Table, st: Statement, on_failure: str | None, capacity_mode: str | None) -> dict:
    if st.kind == "insert":
        item = _insert_item(table, st)
        ex = Expressions(condition=ParsedCondition(Not(_exists(table))))
        try:
            out = items.put(uow, table, item, ex, "NONE", None, capacity_mode, None)
        except items.ConditionalCheckFailedException:
            raise DuplicateItemException("Duplicate primary key exists in table") from None
        return {"Items": [], **out}
    key, rest = key_of(table, st)
    if st.kind == "delete":
        if st.returning not in (None, "ALL OLD"):
            raise ValidationException(f"Invalid returning clause: RETURNING {st.returning} *. Only RETURNING ALL OLD * "
                                      "is allowed in DELETE statements.")
        ex = Expressions(condition=ParsedCondition(rest) if rest is not None else None)
        out = items.delete(uow, table, key, ex, "ALL_OLD" if st.returning else "NONE", on_failure, capacity_mode, None)
    else:
        condition = _exists(table) if rest is None else And(_exists(table), rest)
        ex = Expressions(condition=ParsedCondition(condition), update=Update(st.actions))
        out = items.update(uow, table, key, ex, RETURNING.get(st.returning or "", "NONE"), on_failure, capacity_mode,
                           None)
    attributes = out.pop("Attributes", None)
    return {"Items": [attributes] if attributes else [], **out}


def execute(uow: UnitOfWork, resolve: Resolve, st: Statement, consistent: bool, limit: int | None,
            next_token: str | None, capacity_mode: str | None, on_failure: str | None) -> dict:
    table = resolve(uow, st.table)
    if st.kind == "select":
        return select(uow, table, st, consistent, limit, next_token, capacity_mode)
    return write(uow, table, st, on_failure, capacity_mode)


_CODES = {"ConditionalCheckFailedException": "ConditionalCheckFailed", "ValidationException": "ValidationError",
          "ResourceNotFoundException": "ResourceNotFound", "DuplicateItemException": "DuplicateItem",
          "TransactionConflictException": "TransactionConflict"}


def batch(uow: UnitOfWork, resolve: Resolve, statements: list[tuple[Statement | AwsError, bool, str | None]],
          capacity_mode: str | None) -> dict:
    """Each statement on its own: a failure is that statement's error entry, the others still run."""
    responses: list[dict] = []
    consumed: list[dict] = []
    for st, consistent, on_failure in statements:
        entry: dict = {}
        try:
            if isinstance(st, AwsError):
                raise st
            entry["TableName"] = st.table
            table = resolve(uow, st.table)
            if st.kind == "select":
                key_of(table, st)  # a batch reads single items: the whole key, with =
                out = select(uow, table, st, consistent, None, None, capacity_mode)
                if out["Items"]:
                    entry["Item"] = out["Items"][0]
            else:
                out = write(uow, table, st, on_failure, capacity_mode)
            if "ConsumedCapacity" in out:
                consumed.append(out["ConsumedCapacity"])
        except AwsError as e:
            error: dict = {"Code": _CODES.get(e.code, e.code), "Message": e.message}
            if "Item" in e.fields:
                error["Item"] = e.fields["Item"]
            entry["Error"] = error
        responses.append(entry)
    out = {"Responses": responses}
    if consumed:
        out["ConsumedCapacity"] = consumed
    return out


def check_transaction(statements: list[Statement]) -> None:
    """ExecuteTransaction's own rules, statement by statement (before any table is read)."""
    if len({st.kind == "select" for st in statements}) > 1:  # message guessed: AWS's text is not recorded
        raise ValidationException("Transaction must contain either all reads or all writes")
    for n, st in enumerate(statements):
        where = f"Validation failed in TransactStatements[{n}]: "
        if st.returning is not None:
            raise ValidationException(where + "RETURNING clause is not supported in ExecuteTransaction.")
        if st.index is not None:
            raise ValidationException(where + "Reads on indices are not supported within transactions.")


def transact(uow: UnitOfWork, resolve: Resolve, statements: list[Statement], capacity_mode: str | None,
             token: tuple[str, str, str, str] | None) -> dict:
    actions = []
    for st in statements:
        table = resolve(uow, st.table)
        if st.kind == "insert":
            item = _insert_item(table, st)
            actions.append(transactions.Action("Put", st.table, item, None,
                                               Expressions(condition=ParsedCondition(Not(_exists(table)))),
                                               failure_code="DuplicateItem"))
            continue
        key, rest = key_of(table, st)
        if st.kind == "select":
            actions.append(transactions.Action("Get", st.table, None, key,
                                               Expressions(projection=Projection(st.projection)
                                                           if st.projection else None)))
        elif st.kind == "delete":
            actions.append(transactions.Action("Delete", st.table, None, key,
                                               Expressions(condition=ParsedCondition(rest) if rest else None)))
        else:
            condition = _exists(table) if rest is None else And(_exists(table), rest)
            actions.append(transactions.Action("Update", st.table, None, key,
                                               Expressions(condition=ParsedCondition(condition),
                                                           update=Update(st.actions))))
    if statements[0].kind == "select":
        out = transactions.transact_get(uow, resolve, actions, capacity_mode)
        return {"Responses": out["Responses"], **({"ConsumedCapacity": out["ConsumedCapacity"]}
                                                  if "ConsumedCapacity" in out else {})}
    out = transactions.transact_write(uow, resolve, actions, capacity_mode, None, token)
    return {"Responses": [], **out}


__all__ = ["batch", "check_transaction", "execute", "transact"]
