"""OAuth client-credentials tokens of connections: fetched from the AuthorizationEndpoint, cached until they expire.

EventBridge User Guide, "Authorization methods for connections": EventBridge exchanges the client id and secret
for an access token and refreshes it when an invocation gets a 401 or 407, and ahead of time when it is about to
expire (within 60 seconds). The token request goes to the AuthorizationEndpoint with the connection's HttpMethod
and OAuthHttpParameters, the client credentials as HTTP basic authorization and ``grant_type=client_credentials``
unless the parameters name one; the answer is the usual JSON (``access_token``, ``expires_in``).

A token endpoint that refuses the client (a 4xx, or an answer without a token) deauthorizes the connection, with
the reason in its StateReason; one that fails (5xx, timeout, unreachable) fails the attempt, which is retried.
The cache is memory only: a token is a fetch away, and a restart fetches a new one.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING

from storage import events_connections as repo
from storage.db import UnitOfWork

from ..delivery import Outcome

if TYPE_CHECKING:
    from . import Events

TIMEOUT_S = 5.0
REFRESH_AHEAD_MS = 60_000


class TokenError(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.error)
        self.outcome = outcome


def _pairs(params: dict | None, kind: str) -> dict[str, str]:
    return {p["Key"]: p.get("Value", "") for p in (params or {}).get(kind) or []}


class Tokens:
    def __init__(self, events: Events):
        self.events = events
        # connection ARN -> (token, expires at (ms) or None, the connection's modified_at when fetched)
        self._cache: dict[str, tuple[str, int | None, int]] = {}

    def forget(self, arn: str | None = None) -> None:
        if arn is None:
            self._cache.clear()
        else:
            self._cache.pop(arn, None)

    async def token(self, connection: dict) -> str:
        cached = self._cache.get(connection["arn"])
        now = self.events.emulator.clock.now_ms()
        if cached is not None and cached[2] == connection["modified_at"] and \
                (cached[1] is None or now < cached[1] - REFRESH_AHEAD_MS):
            return cached[0]
        token, expires_in = await self._fetch(connection)
        expires_at = now + int(expires_in * 1000) if expires_in is not None else None
        self._cache[connection["arn"]] = (token, expires_at, connection["modified_at"])
        return token

    async def _fetch(self, connection: dict) -> tuple[str, float | None]:
        import httpx

        oauth = connection["auth"]["OAuthParameters"]
        client = oauth.get("ClientParameters") or {}
        http = oauth.get("OAuthHttpParameters")
        method = oauth["HttpMethod"]
        pair = f"{client.get('ClientID', '')}:{client.get('ClientSecret', '')}".encode()
        headers = {**_pairs(http, "HeaderParameters"), "Authorization": "Basic " + base64.b64encode(pair).decode()}
        query = _pairs(http, "QueryStringParameters")
        body = _pairs(http, "BodyParameters")
        if "grant_type" not in body and "grant_type" not in query:
            body = {"grant_type": "client_credentials", **body}
        form = None
        if method == "GET":
            query = {**query, **body}
        else:
            form = body
        try:
            response = await asyncio.wait_for(
                self.events.emulator.delivery.http.client().request(
                    method, oauth["AuthorizationEndpoint"], params=query or None, headers=headers, data=form),
                TIMEOUT_S)
        except (httpx.TimeoutException, TimeoutError):
            raise TokenError(Outcome(False, f"timeout: the authorization endpoint gave no token in {TIMEOUT_S:g} s",
                                     failure="server")) from None
        except (httpx.HTTPError, OSError) as exc:
            raise TokenError(Outcome(False, f"connection error: authorization endpoint: {type(exc).__name__}: {exc}",
                                     failure="server")) from None
        status = response.status_code
        if status >= 500 or status == 429:
            raise TokenError(Outcome(False, f"authorization endpoint: HTTP {status}", failure="server",
                                     code=str(status)))
        token, expires_in = None, None
        if 200 <= status < 300:
            try:
                document = json.loads(response.content)
                token = document.get("access_token") if isinstance(document, dict) else None
                expires_in = float(document["expires_in"]) if document.get("expires_in") is not None else None
            except (ValueError, TypeError, AttributeError):
                token = None
        if not isinstance(token, str) or not token:
            reason = (f"The authorization endpoint answered HTTP {status}." if not 200 <= status < 300 else
                      "The authorization endpoint answered without an access_token.")
            await self.events.store.transaction(self._deauthorize, connection["arn"], reason)
            raise TokenError(Outcome(False, f"authorization failed: {reason}", retryable=False, failure="client",
                                     code=str(status)))
        return token, expires_in

    @staticmethod
    def _deauthorize(uow: UnitOfWork, arn: str, reason: str) -> None:
        repo.update_connection(uow, arn, state="DEAUTHORIZED", state_reason=reason, modified_at=uow.now)
