"""EventBridge: global endpoints and partner event sources (the facade; partner sources' rules are in
``partners``).

A global endpoint (User Guide, "Making applications Regional-fault tolerant with global endpoints"): the
endpoint lives in its home (primary) Region and names two buses of one name and one account, in the primary
Region and in RoutingConfig's Secondary.Route Region. PutEvents with its EndpointId puts the events on the
primary Region's bus while the Route 53 health check is healthy and on the secondary's when it is not; with
ReplicationConfig ENABLED (the default, which needs a RoleArn) "Event replication sends all custom events to
the event buses in the primary and secondary Regions", so the other bus gets the event too. Sluice has no Route
53: the health is a column of the endpoint, set by ``POST /_sluice/events/endpoints/{name}/health``.

- The ARN is ``arn:aws:events:<region>:<account>:endpoint/<name>``; EndpointId is "the URL subdomain of the
  endpoint" (API Reference, Endpoint: "abcde.veo"), EndpointUrl the URL botocore's endpoint rules build from
  it: ``https://<EndpointId>.endpoint.events.amazonaws.com``.
- How clients reach it: botocore's endpoint rules send PutEvents with an EndpointId to the configured
  endpoint_url (so to Sluice) signed with SigV4a, which botocore does only with awscrt installed
  (``pip install botocore[crt]``; the AWS CLI v2 bundles it); without it botocore refuses before sending. The
  gateway reads the account from the SigV4a scope (which has no Region); the endpoint is found by its id.
- Creation and updates take no time here: CreateEndpoint answers CREATING and UpdateEndpoint UPDATING (as AWS
  does), and the endpoint is ACTIVE for the next call (waiters and Terraform poll DescribeEndpoint for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage import events_endpoints as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from . import partners, put_events
from .common import BusRef, decode_token, encode_token, timestamp
from .errors import ResourceAlreadyExistsException, ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from . import Events

ENABLED, DISABLED = "ENABLED", "DISABLED"
ACTIVE, CREATING, UPDATING = "ACTIVE", "CREATING", "UPDATING"
URL_SUFFIX = "endpoint.events.amazonaws.com"


def endpoint_arn(account: str, region: str, name: str) -> str:
    return arns.build("events", region, account, f"endpoint/{name}")


def not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Endpoint {name} does not exist.")


def _buses(caller: Caller, region: str, routing: dict, event_buses: list[dict]) -> str:
    """Check the two buses against the routing; the buses' name."""
    secondary = routing["FailoverConfig"]["Secondary"]["Route"]
    if secondary == region:
        raise ValidationException(f"The secondary Region {secondary} must be different from the primary Region "
                                  f"{region}.")
    parsed = [arns.parse(b["EventBusArn"], service="events") for b in event_buses]
    refs = [(p.account, p.region, p.resource[len("event-bus/"):]) for p in parsed if p is not None]
    if len(refs) != 2 or any(account != caller.account for account, _, _ in refs):
        raise ValidationException("The event buses of an endpoint must be in the endpoint's account.")
    if refs[0][2] != refs[1][2]:
        raise ValidationException("The names of the event buses must be identical in each Region.")
    if sorted(r for _, r, _ in refs) != sorted((region, secondary)):
        raise ValidationException(f"The event buses must be in the primary Region {region} and the secondary "
                                  f"Region {secondary}.")
    return refs[0][2]


def _replication(replication: dict | None, role_arn: str | None) -> None:
    if (replication or {}).get("State", ENABLED) == ENABLED and not role_arn:
        raise ValidationException("A RoleArn is required when event replication is ENABLED.")


def output(row: dict, *, state: str = ACTIVE, full: bool = True) -> dict[str, Any]:
    """An endpoint as DescribeEndpoint / ListEndpoints show it (``full`` False: what Create/Update answer)."""
    out: dict[str, Any] = {"Name": row["name"]}
    if full and row["description"]:
        out["Description"] = row["description"]
    out.update({"Arn": row["arn"], "RoutingConfig": row["routing_config"],
                "ReplicationConfig": row["replication_config"] or {"State": ENABLED},
                "EventBuses": row["event_buses"]})
    if row["role_arn"]:
        out["RoleArn"] = row["role_arn"]
    out.update({"EndpointId": row["endpoint_id"], "EndpointUrl": f"https://{row['endpoint_id']}.{URL_SUFFIX}",
                "State": state})
    if full:
        out["CreationTime"] = timestamp(row["created_at"])
        out["LastModifiedTime"] = timestamp(row["modified_at"])
    return out


def own_endpoint(uow: UnitOfWork, caller: Caller, name: str, home_region: str | None = None) -> dict:
    row = repo.get_endpoint(uow, endpoint_arn(caller.account, home_region or caller.region, name))
    if row is None:
        raise not_found(name)
    return row


def create(uow: UnitOfWork, svc: Events, caller: Caller, name: str, *, description: str | None, routing: dict,
           replication: dict | None, event_buses: list[dict], role_arn: str | None) -> dict:
    arn = endpoint_arn(caller.account, caller.region, name)
    if repo.get_endpoint(uow, arn) is not None:
        raise ResourceAlreadyExistsException(f"Endpoint {name} already exists.")
    _buses(caller, caller.region, routing, event_buses)
    _replication(replication, role_arn)
    endpoint_id = f"{svc.new_id().replace('-', '')[:10]}.veo"
    repo.insert_endpoint(uow, arn=arn, account=caller.account, region=caller.region, name=name,
                         endpoint_id=endpoint_id, description=description, routing_config=routing,
                         replication_config=replication, event_buses=event_buses, role_arn=role_arn, healthy=1)
    row = repo.get_endpoint(uow, arn)
    assert row is not None
    return output(row, state=CREATING, full=False)


def update(uow: UnitOfWork, caller: Caller, name: str, *, description: str | None, routing: dict | None,
           replication: dict | None, event_buses: list[dict] | None, role_arn: str | None) -> dict:
    """What is given replaces what was there; the result is checked whole."""
    row = own_endpoint(uow, caller, name)
    values: dict[str, Any] = {}
    for column, value in (("description", description), ("routing_config", routing),
                          ("replication_config", replication), ("event_buses", event_buses),
                          ("role_arn", role_arn)):
        if value is not None:
            values[column] = value
    merged = row | values
    _buses(caller, row["region"], merged["routing_config"], merged["event_buses"])
    _replication(merged["replication_config"], merged["role_arn"])
    repo.update_endpoint(uow, row["arn"], **values, modified_at=uow.now)
    return output(repo.get_endpoint(uow, row["arn"]) or merged, state=UPDATING, full=False)


def list_endpoints(uow: UnitOfWork, caller: Caller, prefix: str | None, home_region: str | None,
                   next_token: str | None, limit: int | None) -> dict:
    size = limit or 100
    rows = repo.list_endpoints(uow, caller.account, home_region or caller.region, prefix or "",
                               decode_token(next_token), size + 1)
    out: dict[str, Any] = {"Endpoints": [output(r) for r in rows[:size]]}
    if len(rows) > size:
        out["NextToken"] = encode_token(rows[size - 1]["name"])
    return out


def routed_buses(row: dict) -> tuple[BusRef, BusRef | None]:
    """Where an endpoint puts events now: the bus of the Region its health picks, and the replica's bus."""
    region = row["region"]
    secondary = row["routing_config"]["FailoverConfig"]["Secondary"]["Route"]
    parts = arns.parse(row["event_buses"][0]["EventBusArn"], service="events")
    assert parts is not None
    name = parts.resource[len("event-bus/"):]
    active, other = (region, secondary) if row["healthy"] else (secondary, region)
    replicate = (row["replication_config"] or {}).get("State", ENABLED) == ENABLED
    return BusRef(row["account"], active, name), (BusRef(row["account"], other, name) if replicate else None)


def put_events_via(uow: UnitOfWork, svc: Events, account: str, endpoint_id: str,
                   entries: list[put_events.Entry]) -> dict:
    """PutEvents with an EndpointId: every accepted entry goes to the endpoint's bus in the Region its health
    check picks (whatever EventBusName it gave), and with replication to the other Region's bus too."""
    row = repo.endpoint_by_id(uow, endpoint_id)
    if row is None or row["account"] != account:
        raise ResourceNotFoundException(f"Endpoint {endpoint_id} does not exist.")
    active, replica = routed_buses(row)
    for entry in entries:
        if entry.error is None:
            entry.bus = active
    answer = put_events.put_events(uow, svc, account, entries)
    if replica is not None:
        bus = svc.buses.get(uow, replica.arn)
        if bus.exists and bus.rules:
            for entry, result in zip(entries, answer["Entries"], strict=True):
                if "EventId" in result:
                    event = put_events.event_of(entry, result["EventId"], account, replica.region, uow.now)
                    put_events.route(svc, uow, bus, event, forwarded=False)
    return answer


class Endpoints:
    """The facade: each method one store transaction."""

    def __init__(self, events: Events):
        self.events = events

    async def start(self) -> None:
        """After the store is open (catch up on durable work)."""

    def reset(self) -> None:
        """Forget caches (the admin reset)."""

    async def _tx(self, fn, *args: Any) -> Any:
        return await self.events.store.transaction(fn, *args)

    # --- global endpoints ------------------------------------------------------------------------------

    async def create_endpoint(self, caller: Caller, name: str, *, routing_config: dict, event_buses: list[dict],
                              description: str | None = None, replication_config: dict | None = None,
                              role_arn: str | None = None) -> dict:
        return await self._tx(lambda uow: create(uow, self.events, caller, name, description=description,
                                                 routing=routing_config, replication=replication_config,
                                                 event_buses=event_buses, role_arn=role_arn))

    async def describe_endpoint(self, caller: Caller, name: str, home_region: str | None = None) -> dict:
        return await self._tx(lambda uow: output(own_endpoint(uow, caller, name, home_region)))

    async def update_endpoint(self, caller: Caller, name: str, *, description: str | None = None,
                              routing_config: dict | None = None, replication_config: dict | None = None,
                              event_buses: list[dict] | None = None, role_arn: str | None = None) -> dict:
        return await self._tx(lambda uow: update(uow, caller, name, description=description, routing=routing_config,
                                                 replication=replication_config, event_buses=event_buses,
                                                 role_arn=role_arn))

    async def delete_endpoint(self, caller: Caller, name: str) -> None:
        await self._tx(lambda uow: repo.delete_endpoint(uow, own_endpoint(uow, caller, name)["arn"]))

    async def list_endpoints(self, caller: Caller, name_prefix: str | None = None, home_region: str | None = None,
                             next_token: str | None = None, max_results: int | None = None) -> dict:
        return await self._tx(list_endpoints, caller, name_prefix, home_region, next_token, max_results)

    async def put_events(self, caller: Caller, endpoint_id: str, entries: list[put_events.Entry]) -> dict:
        """PutEvents through a global endpoint (entries already checked by ``put_events.check``)."""
        return await self._tx(put_events_via, self.events, caller.account, endpoint_id, entries)

    async def set_health(self, account: str, region: str, name: str, healthy: bool) -> dict:
        """The admin API: the endpoint's Route 53 health check turns healthy or unhealthy. The endpoint as
        DescribeEndpoint shows it."""
        def work(uow: UnitOfWork) -> dict:
            row = repo.get_endpoint(uow, endpoint_arn(account, region, name))
            if row is None:
                raise not_found(name)
            repo.update_endpoint(uow, row["arn"], healthy=1 if healthy else 0)
            active, _ = routed_buses(row | {"healthy": healthy})
            return {"Name": name, "Arn": row["arn"], "Healthy": healthy, "ActiveRegion": active.region,
                    "EventBusArn": active.arn}
        return await self._tx(work)

    # --- partner event sources ------------------------------------------------------------------------

    async def create_partner_event_source(self, caller: Caller, name: str, account: str) -> dict:
        return await self._tx(partners.create_partner_source, caller, name, account)

    async def describe_partner_event_source(self, caller: Caller, name: str) -> dict:
        return await self._tx(partners.describe_partner_source, caller, name)

    async def delete_partner_event_source(self, caller: Caller, name: str, account: str) -> None:
        await self._tx(partners.delete_partner_source, caller, name, account)

    async def list_partner_event_sources(self, caller: Caller, name_prefix: str, next_token: str | None = None,
                                         limit: int | None = None) -> dict:
        return await self._tx(partners.list_partner_sources, caller, name_prefix, next_token, limit)

    async def list_partner_event_source_accounts(self, caller: Caller, event_source_name: str,
                                                 next_token: str | None = None, limit: int | None = None) -> dict:
        return await self._tx(partners.list_partner_source_accounts, caller, event_source_name, next_token, limit)

    async def activate_event_source(self, caller: Caller, name: str) -> None:
        await self._tx(partners.set_active, caller, name, True)

    async def deactivate_event_source(self, caller: Caller, name: str) -> None:
        await self._tx(partners.set_active, caller, name, False)

    async def describe_event_source(self, caller: Caller, name: str) -> dict:
        return await self._tx(partners.describe_source, caller, name)

    async def list_event_sources(self, caller: Caller, name_prefix: str | None = None, next_token: str | None = None,
                                 limit: int | None = None) -> dict:
        return await self._tx(partners.list_sources, caller, name_prefix, next_token, limit)

    async def put_partner_events(self, caller: Caller, entries: list[dict]) -> dict:
        checked = partners.check_entries(entries)
        return await self._tx(partners.put_partner_events, self.events, caller, checked)
