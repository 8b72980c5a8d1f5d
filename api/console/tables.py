"""Tables & streams: DynamoDB tables per account and region; a table's items, query by key, indexes, TTL, stream.

Items are read through the service's public ``scan`` / ``query`` with a ``Caller`` of the table's account and
region, so the console pages and queries exactly as the API does (Limit, ExclusiveStartKey, key conditions,
validation and its messages). Items are shown in DynamoDB's wire form (``{"S": "x"}``, ``{"N": "1"}``): it is
lossless (numbers keep their digits, sets stay sets, binary is base64) and it is what stream records, the CLI
and the low-level SDKs show, so an item on the page can be pasted into a request as it is.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from emulator.errors import AwsError
from emulator.inspect import from_wire_key, wire

from .common import (
    caller,
    emulator,
    error_text,
    inspector,
    link,
    live,
    live_response,
    live_url,
    not_found,
    page,
    templates,
    unavailable,
)

router = APIRouter()
PAGE = 25
SORT_OPS = ("=", "<", "<=", ">", ">=", "begins_with", "between")
QUERY_FIELDS = ("index", "pk", "op", "sk", "sk2")


def item_json(item: dict | None) -> str:
    """An item in wire JSON, one attribute a line (``"no": {"N": "5"}``): valid JSON, a third of the height of
    indenting every level."""
    if not item:
        return "{}"
    lines = [f"  {json.dumps(name, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
             for name, value in item.items()]
    return "{\n" + ",\n".join(lines) + "\n}"


templates.env.filters["item_json"] = item_json


# --- the list ------------------------------------------------------------------------------------------

async def _list(request: Request, account: str | None, region: str | None) -> dict:
    return {"tables": await inspector(request).tables(account=account, region=region)}


@router.get("/tables")
async def table_list(request: Request, account: str | None = None, region: str | None = None) -> Response:
    if (absent := unavailable(request, "dynamodb")) is not None:
        return absent
    region_html = live(request, "tables-live", "_tables.html", await _list(request, account, region),
                       live_url(request, "tables", "live"))
    return page(request, "tables.html", section="tables", live_region=region_html, account=account, region=region)


@router.get("/tables/live")
async def table_list_live(request: Request, account: str | None = None, region: str | None = None) -> Response:
    return live_response(request, "tables-live", "_tables.html", await _list(request, account, region),
                         live_url(request, "tables", "live"))


# --- one table: items (a page of the scan, or a query by key) --------------------------------------------

class _Refused(ValueError):
    """A query form that cannot become a request (said on the page, as an AWS error would be)."""


def _value(text: str, key_type: str, what: str) -> dict:
    if key_type == "B":
        try:
            return {"B": base64.b64decode(text, validate=True)}
        except (binascii.Error, ValueError):
            raise _Refused(f"The {what} is binary: give it in base64.") from None
    return {key_type: text}


def _key_condition(table: dict, given: dict[str, str]) -> tuple[str, dict, dict, str | None]:
    """KeyConditionExpression, ExpressionAttributeNames and -Values, IndexName of the query form."""
    index_name = given.get("index") or None
    schema = table["key_schema"]
    if index_name is not None:
        index = next((i for i in table["indexes"] if i["name"] == index_name), None)
        if index is None:
            raise _Refused(f"The table has no index {index_name}.")
        schema = index["key_schema"]
    hash_key, range_key = schema[0], schema[1] if len(schema) > 1 else None
    names, values = {"#pk": hash_key["name"]}, {":pk": _value(given.get("pk", ""), hash_key["type"], "partition key")}
    condition = "#pk = :pk"
    op = given.get("op") or ""
    if op:
        if op not in SORT_OPS:
            raise _Refused(f"Unknown sort key condition {op}.")
        if range_key is None:
            raise _Refused("This key schema has no sort key.")
        names["#sk"] = range_key["name"]
        values[":sk"] = _value(given.get("sk", ""), range_key["type"], "sort key value")
        if op == "begins_with":
            condition += " AND begins_with(#sk, :sk)"
        elif op == "between":
            values[":sk2"] = _value(given.get("sk2", ""), range_key["type"], "upper sort key value")
            condition += " AND #sk BETWEEN :sk AND :sk2"
        else:
            condition += f" AND #sk {op} :sk"
    return condition, names, values, index_name


def _columns(table: dict, index_name: str | None) -> list[dict]:
    """The key attributes shown in their own columns: the queried index's, then the table's."""
    index = next((i for i in table["indexes"] if i["name"] == index_name), None)
    columns = [*(index["key_schema"] if index else []), *table["key_schema"]]
    return [k for n, k in enumerate(columns) if k["name"] not in {c["name"] for c in columns[:n]}]


async def _items(request: Request, table: dict) -> dict[str, Any]:
    """The page of items the query string asks for: ``start`` (a key in wire JSON) and the query form's fields."""
    given = {k: v for k, v in request.query_params.items() if k in (*QUERY_FIELDS, "start")}
    querying = "pk" in given
    out: dict[str, Any] = {"table": table, "querying": querying, "given": given, "items": [], "error": None,
                           "next": None, "first": None, "columns": _columns(table, given.get("index"))}
    service = emulator(request).dynamodb
    who = caller(request, table["account"], table["region"])
    try:
        start = from_wire_key(json.loads(given["start"])) if given.get("start") else None
        if querying:
            condition, names, values, index_name = _key_condition(table, given)
            result = await service.query(who, table_name=table["name"], key_condition_expression=condition,
                                         expression_attribute_names=names, expression_attribute_values=values,
                                         index_name=index_name, limit=PAGE, exclusive_start_key=start)
        else:
            result = await service.scan(who, table_name=table["name"], limit=PAGE, exclusive_start_key=start)
    except (_Refused, AwsError) as error:
        out["error"] = str(error) if isinstance(error, _Refused) else error_text(error)
        return out
    except (ValueError, AttributeError, binascii.Error):
        out["error"] = "The start key is not a key in DynamoDB's JSON."
        return out
    place = (table["account"], table["region"], table["name"])
    out["items"] = [wire(item) for item in result.get("Items", [])]
    kept = {k: v for k, v in given.items() if k != "start"}
    if result.get("LastEvaluatedKey"):
        out["next"] = link("tables", *place, start=json.dumps(wire(result["LastEvaluatedKey"])), **kept)
    if given.get("start"):
        out["first"] = link("tables", *place, **kept)
    return out


def _regions(request: Request, table: dict, items: dict, stream: dict) -> dict[str, Any]:
    place = (table["account"], table["region"], table["name"])
    return {
        "items_region": live(request, "table-items-live", "_table_items.html", items,
                             live_url(request, "tables", *place, "items", "live")),
        "stream_region": live(request, "table-stream-live", "_table_stream.html", {"table": table, **stream},
                              link("tables", *place, "stream", "live")),
    }


@router.get("/tables/{account}/{region}/{name}")
async def table_page(request: Request, account: str, region: str, name: str) -> Response:
    if (absent := unavailable(request, "dynamodb")) is not None:
        return absent
    insp = inspector(request)
    table = await insp.table(account, region, name)
    stream = await insp.table_stream(account, region, name)
    if table is None or stream is None:
        return not_found(request, f"table {name} in {account} / {region}")
    items = await _items(request, table)
    return page(request, "table.html", section="tables", table=table, given=items["given"], sort_ops=SORT_OPS,
                **_regions(request, table, items, stream))


@router.get("/tables/{account}/{region}/{name}/items/live")
async def table_items_live(request: Request, account: str, region: str, name: str) -> Response:
    table = await inspector(request).table(account, region, name)
    context: dict[str, Any] = {"table": None} if table is None else await _items(request, table)
    return live_response(request, "table-items-live", "_table_items.html", context,
                         live_url(request, "tables", account, region, name, "items", "live"))


@router.get("/tables/{account}/{region}/{name}/stream/live")
async def table_stream_live(request: Request, account: str, region: str, name: str) -> Response:
    insp = inspector(request)
    table = await insp.table(account, region, name)
    stream = await insp.table_stream(account, region, name) if table is not None else None
    return live_response(request, "table-stream-live", "_table_stream.html", {"table": table, **(stream or {})},
                         link("tables", account, region, name, "stream", "live"))
