"""RequestContext: what the gateway learned about a call before dispatching it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from emulator.caller import Caller
from emulator.sts import account_for_key

_CREDENTIAL = re.compile(r"Credential=([^/,\s]*)/[^/]*/([^/]*)/([^/]*)/")
# SigV4a (AWS4-ECDSA-P256-SHA256, e.g. PutEvents through a global endpoint): the scope has no Region,
# "<key>/<date>/<service>/aws4_request"; the Regions are in X-Amz-Region-Set.
_CREDENTIAL_V4A = re.compile(r"Credential=([^/,\s]*)/[^/]*/([^/,\s]*)/aws4_request")


@dataclass(slots=True)
class SigV4Scope:
    access_key: str | None = None
    region: str | None = None
    service: str | None = None


def sigv4_scope(authorization: str | None, query: dict[str, str] | None = None) -> SigV4Scope:
    """Access key id, region and service name from the Authorization header (or a presigned query)."""
    if authorization:
        match = _CREDENTIAL.search(authorization)
        if match:
            return SigV4Scope(*match.groups())
        match = _CREDENTIAL_V4A.search(authorization)
        if match:
            return SigV4Scope(match[1], None, match[2])
        # SigV2 / other schemes: "AWS AKID:signature"
        if authorization.startswith("AWS ") and ":" in authorization:
            return SigV4Scope(authorization[4:].split(":", 1)[0])
    if query and "X-Amz-Credential" in query:
        parts = query["X-Amz-Credential"].split("/")
        if len(parts) >= 4:
            return SigV4Scope(parts[0], parts[2], parts[3])
    return SigV4Scope()


def resolve_caller(scope: SigV4Scope, *, default_account: str, default_region: str, endpoint: str,
                   request_id: str) -> Caller:
    # Twelve digits are the account; so is the account a key issued by Sluice's STS encodes.
    account = account_for_key(scope.access_key, default_account)
    return Caller(account=account, region=scope.region or default_region, endpoint=endpoint, request_id=request_id)


@dataclass(slots=True)
class RequestContext:
    service: str              # botocore service name: sqs, sns, events, dynamodb, dynamodbstreams
    operation: str            # botocore operation name: SendMessage
    protocol: str             # "json" or "query"
    caller: Caller
    request_id: str
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    receive: Callable[[], Awaitable[dict]] | None = None  # the ASGI receive channel, to notice a client leaving
    access_key: str | None = None     # the access key id the call is signed with (STS reads it)
    session_token: str | None = None  # X-Amz-Security-Token, header or presigned query (STS reads it)

    async def until_disconnected(self) -> None:
        """Return when the client closes the connection (never, without a receive channel)."""
        if self.receive is None:
            await asyncio.Event().wait()
        while (await self.receive())["type"] != "http.disconnect":
            pass
