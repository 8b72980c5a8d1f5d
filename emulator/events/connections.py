"""EventBridge: Connections and API destinations.

A connection holds how to authorize an HTTP call (API key, basic, OAuth client credentials) and parameters added to
every call; an API destination is an endpoint, a method and a rate limit, reached through one connection. AWS keeps
a connection's secrets in a Secrets Manager secret (``SecretArn``) and never returns them; Sluice keeps them in the
connection's row and leaves them out of every answer the same way.

States (API Reference, ConnectionState): an answer shows the transition AWS reports (CREATING, UPDATING,
AUTHORIZING, DEAUTHORIZING, DELETING); the stored state is where it ends (AUTHORIZED, DEAUTHORIZED). An OAuth
connection is AUTHORIZING until a first token is fetched, right after the commit (again at start for one a stop
interrupted): then AUTHORIZED, or DEAUTHORIZED with the endpoint's failure as its StateReason.
Deliveries to API destination targets: ``api_destinations.ApiDestinationTarget`` (the delivery layer's
``api-destination`` kind, always through the outbox).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage import events_connections as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from ..ids import random_text
from . import api_destinations
from .common import decode_token, page, timestamp
from .errors import ResourceAlreadyExistsException, ResourceNotFoundException, ValidationException
from .oauth import TokenError

if TYPE_CHECKING:
    from . import Events

AUTH_BLOCKS = {"BASIC": "BasicAuthParameters", "API_KEY": "ApiKeyAuthParameters",
               "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters"}
# What each block needs once merged (UpdateConnection may give a part); the secret ones answers leave out.
REQUIRED = {"BasicAuthParameters": ("Username", "Password"), "ApiKeyAuthParameters": ("ApiKeyName", "ApiKeyValue")}
SECRETS = {"BasicAuthParameters": "Password", "ApiKeyAuthParameters": "ApiKeyValue"}
HTTP_PARAMETER_KINDS = ("HeaderParameters", "QueryStringParameters", "BodyParameters")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def connection_not_found(name: str) -> ResourceNotFoundException:
    # moto's and localstack's wording; not confirmed against AWS.
    return ResourceNotFoundException(f"Connection '{name}' does not exist.")


def connection_arn(account: str, region: str, name: str, uuid: str) -> str:
    return arns.build("events", region, account, f"connection/{name}/{uuid}")


# --- AuthParameters ---------------------------------------------------------------------------------------

def _check_auth(authorization_type: str, auth: dict) -> None:
    """The block of the authorization type must be there, complete, and no other one (wording not confirmed)."""
    block = AUTH_BLOCKS[authorization_type]
    params = auth.get(block)
    if not params:
        raise ValidationException(f"Parameter(s) {block} must be specified for authorization type "
                                  f"{authorization_type}.")
    for other in AUTH_BLOCKS.values():
        if other != block and auth.get(other):
            raise ValidationException(f"Parameter(s) {other} cannot be specified for authorization type "
                                      f"{authorization_type}.")
    missing = [key for key in REQUIRED.get(block, ()) if not params.get(key)]
    if block == "OAuthParameters":
        client = params.get("ClientParameters") or {}
        missing = [key for key in ("ClientID", "ClientSecret") if not client.get(key)]
        missing += [key for key in ("AuthorizationEndpoint", "HttpMethod") if not params.get(key)]
    if missing:
        raise ValidationException(f"Parameter(s) {', '.join(missing)} must be specified in {block}.")


def _merge_auth(old: dict, new: dict | None, authorization_type: str, type_changed: bool) -> dict:
    """UpdateConnection: a given block updates the stored one member by member; the invocation and
    connectivity parameters are replaced whole; a new authorization type drops the old type's block."""
    out = {k: v for k, v in old.items() if not (type_changed and k in AUTH_BLOCKS.values())}
    for key, value in (new or {}).items():
        if key in ("BasicAuthParameters", "ApiKeyAuthParameters"):
            out[key] = {**(out.get(key) or {}), **value}
        elif key == "OAuthParameters":
            merged = dict(out.get(key) or {})
            for member, part in value.items():
                merged[member] = {**(merged.get(member) or {}), **part} if member == "ClientParameters" else part
            out[key] = merged
        else:
            out[key] = value
    _check_auth(authorization_type, out)
    return out


def _without_secrets(auth: dict) -> dict:
    """Answers leave out the secrets as AWS does: passwords, API key values, client secrets, and the values of
    parameters marked IsValueSecret."""
    out: dict[str, Any] = {}
    for block, params in auth.items():
        if block in SECRETS:
            out[block] = {k: v for k, v in params.items() if k != SECRETS[block]}
        elif block == "OAuthParameters":
            oauth = {k: v for k, v in params.items() if k not in ("ClientParameters", "OAuthHttpParameters")}
            oauth["ClientParameters"] = {"ClientID": (params.get("ClientParameters") or {}).get("ClientID")}
            if params.get("OAuthHttpParameters") is not None:
                oauth["OAuthHttpParameters"] = _public_http(params["OAuthHttpParameters"])
            out[block] = oauth
        elif block == "InvocationHttpParameters":
            out[block] = _public_http(params)
        else:
            out[block] = params
    return out


def _public_http(params: dict) -> dict:
    return {kind: [{k: v for k, v in p.items() if not (k == "Value" and p.get("IsValueSecret"))}
                   for p in params[kind]]
            for kind in HTTP_PARAMETER_KINDS if params.get(kind) is not None}


def _forget_secrets(auth: dict) -> dict:
    """DeauthorizeConnection removes the authorization parameters' secrets (API Reference)."""
    out = dict(auth)
    for block, secret in SECRETS.items():
        if block in out:
            out[block] = {k: v for k, v in out[block].items() if k != secret}
    if "OAuthParameters" in out:
        oauth = dict(out["OAuthParameters"])
        oauth["ClientParameters"] = {k: v for k, v in (oauth.get("ClientParameters") or {}).items()
                                     if k != "ClientSecret"}
        out["OAuthParameters"] = oauth
    return out


# --- outputs ---------------------------------------------------------------------------------------------

def _times(row: dict, *, authorized: bool = True) -> dict:
    out = {"CreationTime": timestamp(row["created_at"]), "LastModifiedTime": timestamp(row["modified_at"])}
    if authorized and row.get("authorized_at") is not None:
        out["LastAuthorizedTime"] = timestamp(row["authorized_at"])
    return out


def _summary(row: dict, state: str | None = None, *, authorized: bool = True) -> dict:
    return {"ConnectionArn": row["arn"], "ConnectionState": state or row["state"], **_times(row, authorized=authorized)}


def describe_output(row: dict) -> dict:
    out: dict[str, Any] = {"ConnectionArn": row["arn"], "Name": row["name"]}
    if row["description"] is not None:
        out["Description"] = row["description"]
    out["ConnectionState"] = row["state"]
    if row["state_reason"]:
        out["StateReason"] = row["state_reason"]
    out["AuthorizationType"] = row["authorization_type"]
    out["SecretArn"] = row["secret_arn"]
    if row["kms_key"]:
        out["KmsKeyIdentifier"] = row["kms_key"]
    out["AuthParameters"] = _without_secrets(row["auth"])
    return {**out, **_times(row)}


def _list_item(row: dict) -> dict:
    out = {"ConnectionArn": row["arn"], "Name": row["name"], "ConnectionState": row["state"]}
    if row["state_reason"]:
        out["StateReason"] = row["state_reason"]
    return {**out, "AuthorizationType": row["authorization_type"], **_times(row)}


# --- the facade ------------------------------------------------------------------------------------------

class Connections:
    def __init__(self, events: Events):
        self.events = events
        self.invoker = api_destinations.ApiDestinationTarget(events)
        events.emulator.delivery.register_remote(api_destinations.KIND, self.invoker)

    async def start(self) -> None:
        """After the store is open: authorize the OAuth connections a stop left AUTHORIZING (waiting deliveries
        are outbox rows: nothing else to catch up on)."""
        for row in await self.events.store.read(repo.connections_in_state, "AUTHORIZING"):
            self.events.emulator.scheduler.spawn(self._authorize(row["arn"]))

    def reset(self) -> None:
        """Forget caches (the admin reset): the OAuth tokens."""
        self.invoker.tokens.forget()

    async def _tx(self, fn, *args, **kwargs):
        return await self.events.store.transaction(fn, *args, **kwargs)

    def _authorize_later(self, uow: UnitOfWork, arn: str) -> None:
        uow.after_commit(lambda: self.events.emulator.scheduler.spawn(self._authorize(arn)))

    async def _authorize(self, arn: str) -> None:
        """Fetch an AUTHORIZING OAuth connection's first token; the outcome settles its state."""
        row = await self.events.store.read(repo.connection_by_arn, arn)
        if row is None or row["state"] != "AUTHORIZING":
            return
        self.invoker.tokens.forget(arn)
        error = None
        try:
            await self.invoker.tokens.token(row)
        except TokenError as exc:
            error = exc.outcome.error or "authorization failed"
        await self.events.store.transaction(self._authorized, arn, row["modified_at"], error)

    @staticmethod
    def _authorized(uow: UnitOfWork, arn: str, modified_at: int, error: str | None) -> None:
        row = repo.connection_by_arn(uow, arn)
        if row is None or row["state"] != "AUTHORIZING" or row["modified_at"] != modified_at:
            return          # deleted, changed or settled meanwhile
        if error is None:
            repo.update_connection(uow, arn, state="AUTHORIZED", state_reason=None, authorized_at=uow.now)
        else:
            repo.update_connection(uow, arn, state="DEAUTHORIZED", state_reason=error[:512])

    def _own(self, uow: UnitOfWork, caller: Caller, name: str) -> dict:
        row = repo.get_connection(uow, caller.account, caller.region, name)
        if row is None:
            raise connection_not_found(name)
        return row

    def _secret_arn(self, caller: Caller, name: str) -> str:
        suffix = random_text(6, _SUFFIX)
        return arns.build("secretsmanager", caller.region, caller.account,
                          f"secret:events!connection/{name}/{self.events.new_id()}-{suffix}")

    # --- connections ---------------------------------------------------------------------------------------

    async def create_connection(self, caller: Caller, name: str, authorization_type: str, auth_parameters: dict, *,
                                description: str | None = None, kms_key_identifier: str | None = None) -> dict:
        _check_auth(authorization_type, auth_parameters)

        def work(uow: UnitOfWork) -> dict:
            if repo.get_connection(uow, caller.account, caller.region, name) is not None:
                raise ResourceAlreadyExistsException(f"Connection {name} already exists.")
            oauth = authorization_type == "OAUTH_CLIENT_CREDENTIALS"
            arn = connection_arn(caller.account, caller.region, name, self.events.new_id())
            row = {"arn": arn,
                   "account": caller.account, "region": caller.region, "name": name, "description": description,
                   "authorization_type": authorization_type, "auth": auth_parameters,
                   "state": "AUTHORIZING" if oauth else "AUTHORIZED", "state_reason": None,
                   "secret_arn": self._secret_arn(caller, name), "kms_key": kms_key_identifier,
                   "created_at": uow.now, "modified_at": uow.now, "authorized_at": None if oauth else uow.now}
            repo.insert_connection(uow, row)
            if oauth:
                self._authorize_later(uow, arn)
            return _summary(row, "CREATING", authorized=False)
        return await self._tx(work)

    async def describe_connection(self, caller: Caller, name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            row = repo.get_connection(uow, caller.account, caller.region, name)
            if row is None:
                # localstack's AWS-validated snapshot wording for DescribeConnection.
                raise ResourceNotFoundException(f"Failed to describe the connection(s). Connection '{name}' does "
                                                "not exist.")
            return describe_output(row)
        return await self._tx(work)

    async def update_connection(self, caller: Caller, name: str, *, description: str | None = None,
                                authorization_type: str | None = None, auth_parameters: dict | None = None,
                                kms_key_identifier: str | None = None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            row = self._own(uow, caller, name)
            kind = authorization_type or row["authorization_type"]
            changes: dict[str, Any] = {"modified_at": uow.now}
            state = "UPDATING"
            if authorization_type is not None or auth_parameters is not None:
                changes["auth"] = _merge_auth(row["auth"], auth_parameters, kind, kind != row["authorization_type"])
                changes["authorization_type"] = kind
                # New authorization parameters authorize the connection again (a deauthorized one included);
                # an OAuth one once a token is fetched with them.
                if kind == "OAUTH_CLIENT_CREDENTIALS":
                    changes.update(state="AUTHORIZING", state_reason=None)
                    self._authorize_later(uow, row["arn"])
                else:
                    changes.update(state="AUTHORIZED", state_reason=None, authorized_at=uow.now)
                if row["state"] != "AUTHORIZED":
                    state = "AUTHORIZING"
            if description is not None:
                changes["description"] = description
            if kms_key_identifier is not None:
                changes["kms_key"] = kms_key_identifier or None
            repo.update_connection(uow, row["arn"], **changes)
            uow.after_commit(lambda: self.invoker.tokens.forget(row["arn"]))
            return _summary({**row, **changes}, state)
        return await self._tx(work)

    async def deauthorize_connection(self, caller: Caller, name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            row = self._own(uow, caller, name)
            changes = {"auth": _forget_secrets(row["auth"]), "state": "DEAUTHORIZED", "state_reason": None,
                       "modified_at": uow.now}
            repo.update_connection(uow, row["arn"], **changes)
            uow.after_commit(lambda: self.invoker.tokens.forget(row["arn"]))
            return _summary({**row, **changes}, "DEAUTHORIZING")
        return await self._tx(work)

    async def delete_connection(self, caller: Caller, name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            row = self._own(uow, caller, name)
            repo.delete_connection(uow, row["arn"])
            uow.after_commit(lambda: self.invoker.tokens.forget(row["arn"]))
            return _summary(row, "DELETING")
        return await self._tx(work)

    async def list_connections(self, caller: Caller, name_prefix: str | None, connection_state: str | None,
                               next_token: str | None, limit: int | None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            rows = repo.list_connections(uow, caller.account, caller.region, name_prefix or "",
                                         decode_token(next_token), connection_state, (limit or 100) + 1)
            items, token = page(rows, limit, lambda r: r["name"])
            out: dict[str, Any] = {"Connections": [_list_item(r) for r in items]}
            if token:
                out["NextToken"] = token
            return out
        return await self._tx(work)

    # --- API destinations ------------------------------------------------------------------------------------

    async def create_api_destination(self, caller: Caller, name: str, connection_arn: str, invocation_endpoint: str,
                                     http_method: str, *, description: str | None = None,
                                     invocation_rate_limit_per_second: int | None = None) -> dict:
        return await self._tx(api_destinations.create, self.events, caller, name, connection_arn,
                              invocation_endpoint, http_method, description, invocation_rate_limit_per_second)

    async def describe_api_destination(self, caller: Caller, name: str) -> dict:
        return await self._tx(api_destinations.describe, caller, name)

    async def update_api_destination(self, caller: Caller, name: str, *, description: str | None = None,
                                     connection_arn: str | None = None, invocation_endpoint: str | None = None,
                                     http_method: str | None = None,
                                     invocation_rate_limit_per_second: int | None = None) -> dict:
        return await self._tx(api_destinations.update, caller, name, description, connection_arn,
                              invocation_endpoint, http_method, invocation_rate_limit_per_second)

    async def delete_api_destination(self, caller: Caller, name: str) -> None:
        await self._tx(api_destinations.delete, caller, name)

    async def list_api_destinations(self, caller: Caller, name_prefix: str | None, connection_arn: str | None,
                                    next_token: str | None, limit: int | None) -> dict:
        return await self._tx(api_destinations.list_destinations, caller, name_prefix, connection_arn, next_token,
                              limit)
