"""Amazon EventBridge: event buses, rules, targets and schedules.

The service object is a thin async facade: each method is one store transaction over the concept modules
(``buses``, ``rules``, ``targets``, ``put_events``, ``tags``), which know nothing of HTTP. Routing reads the
per-bus rule cache (``cache.BusCache``), dropped by every transaction that changes a bus, its rules or their
targets; scheduled rules fire from ``scheduler.ScheduleSource``; deliveries, retries and dead letters go
through the delivery layer, which this service plugs its bus-to-bus adapter into.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from storage.db import UnitOfWork

from ..caller import Caller
from ..ids import new_uuid
from . import buses, put_events, rules, tags, targets
from .archives import Archives
from .cache import BusCache
from .common import BusRef
from .connections import Connections
from .endpoints import Endpoints
from .scheduler import ScheduleSource

if TYPE_CHECKING:
    from ..core import Emulator

T = TypeVar("T")


class Events:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.buses = BusCache()
        self.schedules = ScheduleSource(self)
        emulator.delivery.register_target("bus", put_events.BusTarget(self))
        # The rest of the service, one facade per concept (each its own transactions, same conventions).
        self.archives = Archives(self)
        self.connections = Connections(self)
        self.endpoints = Endpoints(self)

    def new_id(self) -> str:
        return new_uuid()

    async def start(self) -> None:
        await self.schedules.catch_up()
        self.emulator.scheduler.add_source(self.schedules)
        for part in (self.archives, self.connections, self.endpoints):
            await part.start()

    def reset(self) -> None:
        self.buses.clear()
        self.schedules.forget()
        for part in (self.archives, self.connections, self.endpoints):
            part.reset()

    async def _tx(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.store.transaction(fn, *args, **kwargs)

    async def _change(self, fn: Callable[..., tuple[str | None, T]]) -> T:
        """A transaction that changes the bus whose ARN ``fn(uow)`` returns first (None: nothing changed)."""
        def work(uow: UnitOfWork) -> T:
            bus_arn, result = fn(uow)
            if bus_arn is not None:
                self.buses.changed(uow, bus_arn)
            return result
        return await self.store.transaction(work)

    # --- event buses ---------------------------------------------------------------------------------

    async def create_event_bus(self, caller: Caller, name: str, *, event_source_name: str | None = None,
                               description: str | None = None, kms_key_identifier: str | None = None,
                               dead_letter_config: dict | None = None, log_config: dict | None = None,
                               tags: list | None = None) -> dict:
        def work(uow: UnitOfWork) -> tuple[str, dict]:
            out = buses.create_bus(uow, caller, name, event_source_name=event_source_name, description=description,
                                   kms_key=kms_key_identifier, dead_letter=dead_letter_config,
                                   log_config=log_config, tags=tags)
            return out["EventBusArn"], out
        return await self._change(work)

    async def describe_event_bus(self, caller: Caller, name: str | None) -> dict:
        return await self._tx(lambda uow: buses.describe(buses.own_bus(uow, caller, name)))

    async def update_event_bus(self, caller: Caller, name: str | None, *, kms_key_identifier: str | None = None,
                               description: str | None = None, dead_letter_config: dict | None = None,
                               log_config: dict | None = None) -> dict:
        def work(uow: UnitOfWork) -> tuple[str, dict]:
            out = buses.update_bus(uow, caller, name, kms_key=kms_key_identifier, description=description,
                                   dead_letter=dead_letter_config, log_config=log_config)
            return out["Arn"], out
        return await self._change(work)

    async def delete_event_bus(self, caller: Caller, name: str) -> None:
        def work(uow: UnitOfWork) -> tuple[str | None, None]:
            arn = buses.delete_bus(uow, caller, name)
            if arn is not None:
                self.schedules.forget()
            return arn, None
        await self._change(work)

    async def list_event_buses(self, caller: Caller, name_prefix: str | None, next_token: str | None,
                               limit: int | None) -> dict:
        return await self._tx(buses.list_buses, caller, name_prefix, next_token, limit)

    async def put_permission(self, caller: Caller, event_bus_name: str | None, *, action: str | None = None,
                             principal: str | None = None, statement_id: str | None = None,
                             condition: dict | None = None, policy: str | None = None) -> None:
        await self._change(lambda uow: (buses.put_permission(
            uow, caller, event_bus_name, action=action, principal=principal, statement_id=statement_id,
            condition=condition, policy=policy), None))

    async def remove_permission(self, caller: Caller, event_bus_name: str | None, *, statement_id: str | None,
                                remove_all_permissions: bool) -> None:
        await self._change(lambda uow: (buses.remove_permission(
            uow, caller, event_bus_name, statement_id=statement_id, remove_all=remove_all_permissions), None))

    # --- rules ---------------------------------------------------------------------------------------

    async def put_rule(self, caller: Caller, name: str, *, schedule_expression: str | None = None,
                       event_pattern: str | None = None, state: str | None = None, description: str | None = None,
                       role_arn: str | None = None, tags: list | None = None,
                       event_bus_name: str | None = None) -> str:
        def work(uow: UnitOfWork) -> tuple[str, str]:
            arn, bus_arn, next_fire_at = rules.put_rule(
                uow, caller, name, schedule=schedule_expression, pattern=event_pattern, state=state,
                description=description, role_arn=role_arn, tags=tags, bus_name=event_bus_name)
            self.schedules.note(uow, next_fire_at)
            return bus_arn, arn
        return await self._change(work)

    async def describe_rule(self, caller: Caller, name: str, event_bus_name: str | None) -> dict:
        return await self._tx(lambda uow: rules.output(rules.own_rule(uow, caller, name, event_bus_name),
                                                       created_by=True))

    async def enable_rule(self, caller: Caller, name: str, event_bus_name: str | None) -> None:
        await self._set_state(caller, name, event_bus_name, True)

    async def disable_rule(self, caller: Caller, name: str, event_bus_name: str | None) -> None:
        await self._set_state(caller, name, event_bus_name, False)

    async def _set_state(self, caller: Caller, name: str, event_bus_name: str | None, enabled: bool) -> None:
        def work(uow: UnitOfWork) -> tuple[str, None]:
            row, next_fire_at = rules.set_state(uow, caller, name, event_bus_name, enabled)
            self.schedules.note(uow, next_fire_at)
            return row["bus_arn"], None
        await self._change(work)

    async def delete_rule(self, caller: Caller, name: str, event_bus_name: str | None, force: bool) -> None:
        def work(uow: UnitOfWork) -> tuple[str | None, None]:
            row = rules.delete_rule(uow, caller, name, event_bus_name, force)
            return (row["bus_arn"] if row else None), None
        await self._change(work)

    async def list_rules(self, caller: Caller, name_prefix: str | None, event_bus_name: str | None,
                         next_token: str | None, limit: int | None) -> dict:
        return await self._tx(rules.list_rules, caller, name_prefix, event_bus_name, next_token, limit)

    async def list_rule_names_by_target(self, caller: Caller, target_arn: str, event_bus_name: str | None,
                                        next_token: str | None, limit: int | None) -> dict:
        return await self._tx(rules.list_rule_names_by_target, caller, target_arn, event_bus_name, next_token, limit)

    # --- targets -------------------------------------------------------------------------------------

    async def put_targets(self, caller: Caller, rule: str, event_bus_name: str | None, target_list: list) -> dict:
        def work(uow: UnitOfWork) -> tuple[str, dict]:
            row = rules.own_rule(uow, caller, rule, event_bus_name)
            return row["bus_arn"], targets.put_targets(uow, row, target_list)
        return await self._change(work)

    async def remove_targets(self, caller: Caller, rule: str, event_bus_name: str | None, ids: list,
                             force: bool) -> dict:
        def work(uow: UnitOfWork) -> tuple[str, dict]:
            row = rules.own_rule(uow, caller, rule, event_bus_name)
            return row["bus_arn"], targets.remove_targets(uow, row, ids)
        return await self._change(work)

    async def list_targets_by_rule(self, caller: Caller, rule: str, event_bus_name: str | None,
                                   next_token: str | None, limit: int | None) -> dict:
        return await self._tx(lambda uow: targets.list_targets(uow, rules.own_rule(uow, caller, rule,
                                                                                   event_bus_name),
                                                               next_token, limit))

    # --- events --------------------------------------------------------------------------------------

    async def put_events(self, caller: Caller, entries: list[dict], *, endpoint_id: str | None = None) -> dict:
        checked = put_events.check(entries, caller.account, caller.region)
        if endpoint_id is not None:  # a global endpoint picks the bus (and Region)
            return await self.endpoints.put_events(caller, endpoint_id, checked)
        return await self._tx(put_events.put_events, self, caller.account, checked)

    # --- tags ----------------------------------------------------------------------------------------

    async def tag_resource(self, caller: Caller, arn: str, tag_list: list) -> None:
        await self._tx(tags.tag_resource, caller, arn, tag_list)

    async def untag_resource(self, caller: Caller, arn: str, keys: list) -> None:
        await self._tx(tags.untag_resource, caller, arn, keys)

    async def list_tags_for_resource(self, caller: Caller, arn: str) -> list[dict]:
        return await self._tx(tags.list_tags, caller, arn)


__all__ = ["BusRef", "Events"]
