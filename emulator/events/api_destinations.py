"""API destinations: their CRUD, their rate limit, and the delivery of one event to one (the outbox's remote
``api-destination`` kind).

EventBridge User Guide, "API destinations as targets": the request carries the event (or the target's transformed
input) with ``User-Agent: Amazon/EventBridge/ApiDestinations``, ``Content-Type: application/json; charset=utf-8``
(a header parameter may replace it) and ``Range: bytes=0-1048575``; the endpoint has 5 seconds to answer; 401, 407,
409, 429 and 5xx answers and timeouts are retried (the target's RetryPolicy), other statuses are not (straight to
the DLQ). API Reference, HttpParameters: the target's parameters "are merged with any InvocationParameters specified
on the Connection, with any values from the Connection taking precedence"; PathParameterValues fill the endpoint's
``*`` in order.

Rate limit (InvocationRateLimitPerSecond): each API destination counts invocations in one-second windows kept in its
row; an event over the limit gets the next window with room as its outbox row's due time, so waiting deliveries
survive a restart. Retries are not counted.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from storage import events_connections as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from ..delivery import Message, Outcome, Target
from .common import decode_token, page, timestamp
from .errors import ResourceAlreadyExistsException, ResourceNotFoundException
from .oauth import TokenError, Tokens

if TYPE_CHECKING:
    from . import Events

KIND = "api-destination"
DEFAULT_RATE = 300
TIMEOUT_S = 5.0
USER_AGENT = "Amazon/EventBridge/ApiDestinations"
CONTENT_TYPE = "application/json; charset=utf-8"
RANGE = "bytes=0-1048575"
RETRIED_STATUSES = frozenset((401, 407, 409, 429))
_NO_BODY = frozenset(("GET", "HEAD"))


def not_found(name: str) -> ResourceNotFoundException:
    # moto's wording; not confirmed against AWS.
    return ResourceNotFoundException(f"An api-destination '{name}' does not exist.")


def _connection_of(uow: UnitOfWork, caller: Caller, arn: str) -> dict:
    parts = arns.parse(arn, service="events")
    row = repo.connection_by_arn(uow, arn)
    if row is None or (row["account"], row["region"]) != (caller.account, caller.region):
        name = parts.resource.split("/")[1] if parts is not None and parts.resource.count("/") >= 1 else arn
        raise ResourceNotFoundException(f"Connection '{name}' does not exist.")
    return row


def _own(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    row = repo.get_destination(uow, caller.account, caller.region, name)
    if row is None:
        raise not_found(name)
    return row


def _summary(row: dict) -> dict:
    return {"ApiDestinationArn": row["arn"], "ApiDestinationState": row["state"],
            "CreationTime": timestamp(row["created_at"]), "LastModifiedTime": timestamp(row["modified_at"])}


def _output(row: dict) -> dict:
    out: dict[str, Any] = {"ApiDestinationArn": row["arn"], "Name": row["name"]}
    if row["description"] is not None:
        out["Description"] = row["description"]
    out.update(ApiDestinationState=row["state"], ConnectionArn=row["connection_arn"],
               InvocationEndpoint=row["endpoint"], HttpMethod=row["http_method"],
               InvocationRateLimitPerSecond=row["rate_limit"], CreationTime=timestamp(row["created_at"]),
               LastModifiedTime=timestamp(row["modified_at"]))
    return out


# --- CRUD (each runs in the caller's transaction) ------------------------------------------------------------

def create(uow: UnitOfWork, events: Events, caller: Caller, name: str, connection_arn: str, endpoint: str,
           http_method: str, description: str | None, rate: int | None) -> dict:
    if repo.get_destination(uow, caller.account, caller.region, name) is not None:
        raise ResourceAlreadyExistsException(f"An api-destination '{name}' already exists.")
    _connection_of(uow, caller, connection_arn)
    row = {"arn": arns.build("events", caller.region, caller.account, f"api-destination/{name}/{events.new_id()}"),
           "account": caller.account, "region": caller.region, "name": name, "description": description,
           "connection_arn": connection_arn, "endpoint": endpoint, "http_method": http_method,
           "rate_limit": rate or DEFAULT_RATE, "state": "ACTIVE", "created_at": uow.now, "modified_at": uow.now}
    repo.insert_destination(uow, row)
    return _summary(row)


def describe(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    return _output(_own(uow, caller, name))


def update(uow: UnitOfWork, caller: Caller, name: str, description: str | None, connection_arn: str | None,
           endpoint: str | None, http_method: str | None, rate: int | None) -> dict:
    row = _own(uow, caller, name)
    changes: dict[str, Any] = {"modified_at": uow.now}
    if connection_arn is not None:
        _connection_of(uow, caller, connection_arn)
        changes["connection_arn"] = connection_arn
    for column, value in (("description", description), ("endpoint", endpoint), ("http_method", http_method),
                          ("rate_limit", rate)):
        if value is not None:
            changes[column] = value
    repo.update_destination(uow, row["arn"], **changes)
    return _summary({**row, **changes})


def delete(uow: UnitOfWork, caller: Caller, name: str) -> None:
    repo.delete_destination(uow, _own(uow, caller, name)["arn"])


def list_destinations(uow: UnitOfWork, caller: Caller, prefix: str | None, connection_arn: str | None,
                      next_token: str | None, limit: int | None) -> dict:
    rows = repo.list_destinations(uow, caller.account, caller.region, prefix or "", decode_token(next_token),
                                  connection_arn, (limit or 100) + 1)
    items, token = page(rows, limit, lambda r: r["name"])
    listed = []
    for r in items:
        item = _output(r)
        item.pop("Description", None)
        listed.append(item)
    out: dict[str, Any] = {"ApiDestinations": listed}
    if token:
        out["NextToken"] = token
    return out


# --- the rate limit ------------------------------------------------------------------------------------------

def reserve(uow: UnitOfWork, arn: str) -> int | None:
    """The time this invocation may start (now, or a later one-second window with room); None when the API
    destination does not exist (the attempt then fails as such)."""
    row = repo.destination_by_arn(uow, arn)
    if row is None:
        return None
    start, count = row["window_start"], row["window_count"]
    if uow.now >= start + 1000:
        start, count = uow.now, 0
    if count >= row["rate_limit"]:
        start, count = start + 1000, 0
    repo.update_destination(uow, arn, window_start=start, window_count=count + 1)
    return max(uow.now, start)


# --- delivery ------------------------------------------------------------------------------------------------

def _pairs(params: dict | None, kind: str) -> dict[str, str]:
    return {p["Key"]: p.get("Value", "") for p in (params or {}).get(kind) or []}


class RequestError(Exception):
    """The request cannot be built (a path parameter missing): a client-side failure, not retried."""


def build_request(destination: dict, connection: dict, body: str, http: dict | None) -> dict[str, Any]:
    """Method, URL, query, headers and body of one invocation, without the authorization."""
    target = http or {}
    invocation = connection["auth"].get("InvocationHttpParameters")
    values = list(target.get("PathParameterValues") or [])
    pieces = destination["endpoint"].split("*")
    if len(values) < len(pieces) - 1:
        raise RequestError(f"The API destination endpoint has {len(pieces) - 1} path parameters; the target gives "
                           f"{len(values)} PathParameterValues.")
    url = pieces[0] + "".join(quote(values[i], safe="") + piece for i, piece in enumerate(pieces[1:]))
    query = {**(target.get("QueryStringParameters") or {}), **_pairs(invocation, "QueryStringParameters")}
    headers = {"Content-Type": CONTENT_TYPE, "Range": RANGE}
    for name, value in {**(target.get("HeaderParameters") or {}), **_pairs(invocation, "HeaderParameters")}.items():
        headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
        headers[name] = value
    headers["User-Agent"] = USER_AGENT
    method = destination["http_method"]
    content: str | None = None if method in _NO_BODY else body
    extra = _pairs(invocation, "BodyParameters")
    if content is not None and extra:
        # The connection's body parameters join a JSON object body (its values first); not confirmed against AWS.
        try:
            document = json.loads(content)
        except ValueError:
            document = None
        if isinstance(document, dict):
            content = json.dumps({**document, **extra}, separators=(",", ":"), ensure_ascii=False)
    return {"method": method, "url": url, "params": query, "headers": headers, "content": content}


def classify(status: int) -> Outcome:
    """User Guide: 401, 407, 409, 429 and 5xx are retried; any other non-2xx is not."""
    if 200 <= status < 300:
        return Outcome(True)
    retried = status in RETRIED_STATUSES or status >= 500
    return Outcome(False, f"HTTP {status}", retryable=retried, failure="server" if retried else "client",
                   code=str(status))


class ApiDestinationTarget:
    """The delivery layer's remote adapter for ``api-destination`` targets (run by the outbox, outside any
    transaction): the API destination and its connection are read at each attempt, as AWS uses their current
    settings."""

    local = False

    def __init__(self, events: Events):
        self.events = events
        self.tokens = Tokens(events)

    async def deliver(self, message: Message, target: Target) -> Outcome:
        destination, connection = await self.events.store.read(repo.destination_with_connection, target.address)
        if destination is None or connection is None:
            what = "API destination" if destination is None else "Connection"
            return Outcome(False, f"ResourceNotFoundException: {what} of {target.address} does not exist.",
                           failure="missing", code="ResourceNotFoundException")
        if connection["state"] == "AUTHORIZING":     # its first token is on its way: try again later
            return Outcome(False, f"Connection {connection['name']} is AUTHORIZING.", failure="server")
        if connection["state"] != "AUTHORIZED":
            return Outcome(False, f"Connection {connection['name']} is {connection['state']}.", retryable=False,
                           failure="client")
        try:
            request = build_request(destination, connection, message.body, message.http)
        except RequestError as exc:
            return Outcome(False, str(exc), retryable=False, failure="client")
        auth = connection["auth"]
        kind = connection["authorization_type"]
        if kind == "API_KEY":
            key = auth["ApiKeyAuthParameters"]
            request["headers"][key["ApiKeyName"]] = key.get("ApiKeyValue", "")
        elif kind == "BASIC":
            basic = auth["BasicAuthParameters"]
            pair = f"{basic['Username']}:{basic.get('Password', '')}".encode()
            request["headers"]["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            try:
                token = await self.tokens.token(connection)
            except TokenError as exc:
                return exc.outcome
            request["headers"]["Authorization"] = f"Bearer {token}"
        outcome = await self._send(request)
        if kind == "OAUTH_CLIENT_CREDENTIALS" and outcome.code in ("401", "407"):
            self.tokens.forget(connection["arn"])    # the next attempt fetches a new token
        return outcome

    async def _send(self, request: dict[str, Any]) -> Outcome:
        import httpx

        content = request.pop("content")
        try:
            response = await asyncio.wait_for(
                self.events.emulator.delivery.http.client().request(
                    request["method"], request["url"], params=request["params"] or None,
                    headers=request["headers"], content=None if content is None else content.encode("utf-8")),
                TIMEOUT_S)
        except (httpx.TimeoutException, TimeoutError):
            return Outcome(False, f"timeout: no response in {TIMEOUT_S:g} s", failure="server")
        except (httpx.HTTPError, OSError) as exc:
            return Outcome(False, f"connection error: {type(exc).__name__}: {exc}", failure="server")
        return classify(response.status_code)
