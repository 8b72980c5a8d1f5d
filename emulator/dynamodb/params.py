"""Request checks that need no table: expressions with their names and values, items, keys, ReturnValues.

These run before the request's transaction (off the writer thread); what needs the table (key
schema, indexes) is checked inside it. Messages are AWS's: "can only be specified when using
expressions" and "Can not use both expression and non-expression parameters" from
nubo-db/dynamodb-conformance (tier3 putItem/updateItem/batchGetItem), the ReturnValues texts from
architect/dynalite (validations/putItem.js, deleteItem.js).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import legacy
from .errors import ValidationException
from .expressions import (
    KeyCondition,
    ParsedCondition,
    Projection,
    Update,
    check_unused,
    parse_condition,
    parse_key_condition,
    parse_projection,
    parse_update,
    validate_expression_attributes,
)
from .types import MAX_DEPTH, Item, ValidationError, validate_item, validate_value

MAX_ITEM_SIZE = 400 * 1024
ITEM_TOO_BIG = "Item size has exceeded the maximum allowed size"
UPDATE_TOO_BIG = "Item size to update has exceeded the maximum allowed size"


@dataclass(slots=True)
class Expressions:
    condition: ParsedCondition | None = None
    update: Update | None = None
    projection: Projection | None = None
    filter: ParsedCondition | None = None
    key: KeyCondition | None = None


def expressions(names: dict | None, values: dict | None, *, condition: str | None = None,
                update: str | None = None, projection: str | None = None, filter: str | None = None,
                key: str | None = None, expected: dict | None = None, conditional_operator: str | None = None,
                attribute_updates: dict | None = None, attributes_to_get: list[str] | None = None,
                key_conditions: dict | None = None, query_filter: dict | None = None,
                scan_filter: dict | None = None) -> Expressions:
    """Parse a request's expressions against its ExpressionAttributeNames/Values (each checked once,
    across all the request's expressions), or translate its legacy parameters; never both."""
    given = {"ConditionExpression": condition, "UpdateExpression": update, "ProjectionExpression": projection,
             "FilterExpression": filter, "KeyConditionExpression": key}
    used = [name for name, text in given.items() if text is not None]
    old_given = {"AttributesToGet": attributes_to_get, "AttributeUpdates": attribute_updates, "Expected": expected,
                 "KeyConditions": key_conditions, "QueryFilter": query_filter, "ScanFilter": scan_filter,
                 "ConditionalOperator": conditional_operator}
    old = [name for name, value in old_given.items() if value is not None]
    if old and used:
        raise ValidationException(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(old)}}} Expression parameters: {{{', '.join(used)}}}")
    if not used:
        if values is not None:
            raise ValidationException("ExpressionAttributeValues can only be specified when using expressions")
        if names is not None:
            raise ValidationException("ExpressionAttributeNames can only be specified when using expressions")
        return Expressions(condition=legacy.expected(expected, conditional_operator),
                           update=legacy.attribute_updates(attribute_updates),
                           projection=attributes_to_get_projection(attributes_to_get),
                           filter=legacy.filter_(query_filter if query_filter is not None else scan_filter,
                                                 conditional_operator),
                           key=legacy.key_conditions(key_conditions) if key_conditions is not None else None)
    try:
        vals = validate_expression_attributes(names, values)
        out = Expressions()
        if key is not None:
            out.key = parse_key_condition(key, names, vals)
        if update is not None:
            out.update = parse_update(update, names, vals)
        if condition is not None:
            out.condition = parse_condition(condition, names, vals)
        if filter is not None:
            out.filter = parse_condition(filter, names, vals, kind="FilterExpression")
        if projection is not None:
            out.projection = parse_projection(projection, names)
        check_unused(names, vals, out.key, out.update, out.condition, out.filter, out.projection)
    except ValidationError as e:
        raise ValidationException(e.message) from None
    return out


def item(value: Any) -> Item:
    """A validated, normalized item (PutItem's Item); sizes are checked against the table later."""
    try:
        return validate_item(value)
    except ValidationError as e:
        raise ValidationException(e.message) from None


def key(value: Any) -> Item:
    """A validated Key parameter (its shape against the key schema is checked with the table)."""
    try:
        return {name: validate_value(v) for name, v in value.items()}
    except ValidationError as e:
        raise ValidationException(e.message) from None


def start_key(value: Any) -> Item | None:
    """ExclusiveStartKey, validated ("The provided starting key is invalid: ..." as dynalite records)."""
    if value is None:
        return None
    try:
        return {name: validate_value(v) for name, v in value.items()}
    except ValidationError as e:
        raise ValidationException(f"The provided starting key is invalid: {e.message}") from None


def return_values(value: str | None, allowed: tuple[str, ...] = ("NONE", "ALL_OLD")) -> str:
    value = value or "NONE"
    if value not in allowed:
        raise ValidationException("ReturnValues can only be ALL_OLD or NONE")
    return value


def attributes_to_get_projection(names: list[str] | None) -> Projection | None:
    """Legacy AttributesToGet as a projection of top-level attributes (duplicates refused)."""
    if names is None:
        return None
    if len(set(names)) != len(names):
        raise ValidationException("One or more parameter values were invalid: Duplicate value in attribute name: "
                                  + next(n for n in names if names.count(n) > 1))
    return Projection([(n,) for n in names])


__all__ = ["ITEM_TOO_BIG", "MAX_DEPTH", "MAX_ITEM_SIZE", "UPDATE_TOO_BIG", "Expressions",
           "attributes_to_get_projection", "expressions", "item", "key", "return_values", "start_key"]
