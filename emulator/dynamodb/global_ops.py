"""The DynamoDB facade's global-table operations (a mixin of ``DynamoDB``, through ``FeatureOps``):
UpdateTable's ReplicaUpdates, the legacy 2017.11.29 calls (Create/Update/Describe/ListGlobalTables,
Describe/UpdateGlobalTableSettings) and Describe/UpdateTableReplicaAutoScaling. The rules are in
``global_tables``; the replicator that keeps replicas in step is ``replication``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.caller import Caller
from storage import dynamodb_replication as rdb
from storage.db import Store, UnitOfWork

from . import global_tables, tables
from .cache import TableCache
from .errors import ResourceNotFoundException, ValidationException
from .global_tables import (
    GlobalTableAlreadyExistsException,
    IndexNotFoundException,
    ReplicaAlreadyExistsException,
    ReplicaNotFoundException,
)
from .lifecycle import Lifecycle
from .model import Table
from .replication import Replicator

if TYPE_CHECKING:
    from emulator.core import Emulator

    from .streams import Streams


class GlobalTableOps:
    emulator: Emulator
    store: Store
    tables: TableCache
    streams: Streams
    lifecycle: Lifecycle
    replicator: Replicator

    if TYPE_CHECKING:
        def table(self, uow: UnitOfWork, caller: Caller, name: str, *, named: bool = False,
                  describing: bool = False) -> Table: ...

        def _delete_table(self, uow: UnitOfWork, table: Table) -> dict: ...

    # --- ReplicaUpdates (2019.11.21) --------------------------------------------------------------

    def _replica_updates(self, uow: UnitOfWork, table: Table, request: dict) -> Table:
        other = any(v not in (None, []) for k, v in request.items() if k != "ReplicaUpdates")
        actions = global_tables.check_replica_updates(table, request["ReplicaUpdates"], other)
        self.lifecycle.check_changeable(table.id, table.name, uow.now)
        ready_at = uow.now + self.lifecycle.delay_ms
        for kind, action in actions:
            if kind == "Create":
                if table.stream is None:  # measured: DynamoDB enables NEW_AND_OLD_IMAGES itself
                    before = table
                    table = self.streams.table_changed(uow, before, tables.update(
                        uow, self.tables, before,
                        {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}))
                last = uow.sql.execute("SELECT MAX(seq) FROM dynamodb_replication_queue").fetchone()[0] or 0
                replica = global_tables.create_replica(uow, self.tables, table, action, ready_at, last)
                replica = self.streams.table_changed(uow, None, replica)
                self.lifecycle.begin(uow, replica.id, "CREATING")
            elif kind == "Update":
                global_tables.update_replica(uow, table, action, ready_at)
            else:
                victim = global_tables.replica_to_delete(uow, self.tables, table, action)
                if victim.deletion_protection:
                    raise ValidationException("Resource cannot be deleted as it is currently protected against "
                                              "deletion. Disable deletion protection first.")
                self._delete_table(uow, victim)
            self.lifecycle.begin(uow, table.id, "UPDATING")
        uow.after_commit(self.replicator.refresh)
        return self.tables.get(uow, table.account, table.region, table.name) or table

    # --- global tables: the legacy API (2017.11.29) -----------------------------------------------

    async def create_global_table(self, caller: Caller, global_table_name: str, regions: list[str]) -> dict:
        tables.check_name(global_table_name, "globalTableName")

        def work(uow: UnitOfWork) -> dict:
            if rdb.get_group(uow, caller.account, global_table_name) is not None:  # guessed text
                raise GlobalTableAlreadyExistsException(f"Global table with name: '{global_table_name}' already "
                                                        "exists.")
            members: list[Table] = []
            for region in dict.fromkeys(regions):
                members.append(global_tables.legacy_member_table(uow, self.tables, caller.account, region,
                                                                 global_table_name))
            for other in members[1:]:
                global_tables.check_same_schema(members[0], other)
            group_id = rdb.insert_group(uow, caller.account, global_table_name, global_tables.LEGACY, uow.now)
            for table in members:
                rdb.add_member(uow, group_id, table.region, table.id, uow.now, uow.now + self.lifecycle.delay_ms, {})
                global_tables.set_replicating(uow, table.id, True)
            group = global_tables.legacy_group(uow, caller.account, global_table_name)
            return global_tables.legacy_description(uow, group)
        return await self.store.transaction(work)

    async def update_global_table(self, caller: Caller, global_table_name: str, replica_updates: list[dict]) -> dict:
        def work(uow: UnitOfWork) -> dict:
            group = global_tables.legacy_group(uow, caller.account, global_table_name)
            for update in replica_updates:
                kinds = [k for k in ("Create", "Delete") if update.get(k) is not None]
                if len(kinds) != 1:  # guessed text
                    raise ValidationException(global_tables.NO_ACTIONS)
                region = update[kinds[0]]["RegionName"]
                members = {m["region"]: m for m in rdb.members(uow, group["id"])}
                if kinds[0] == "Create":
                    if region in members:  # guessed text
                        raise ReplicaAlreadyExistsException(f"Replica already exists in region: {region}")
                    table = global_tables.legacy_member_table(uow, self.tables, caller.account, region,
                                                              global_table_name)
                    first = next(iter(members.values()), None)
                    if first is not None:
                        first_table = next((t for t in self.tables.all(uow) if t.id == first["table_id"]), None)
                        if first_table is not None:
                            global_tables.check_same_schema(first_table, table)
                    rdb.add_member(uow, group["id"], region, table.id, uow.now, uow.now + self.lifecycle.delay_ms,
                                   {"since_seq": uow.sql.execute(
                                       "SELECT MAX(seq) FROM dynamodb_replication_queue").fetchone()[0] or 0})
                    global_tables.set_replicating(uow, table.id, True)
                else:
                    if region not in members:  # guessed text
                        raise ReplicaNotFoundException(f"Replica not found in region: {region}")
                    rdb.remove_member(uow, members[region]["table_id"])
                    rdb.drop_queued(uow, members[region]["table_id"])
                    global_tables.set_replicating(uow, members[region]["table_id"], False)
            uow.after_commit(self.replicator.refresh)
            return global_tables.legacy_description(uow, group)
        return await self.store.transaction(work)

    async def describe_global_table(self, caller: Caller, global_table_name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            return global_tables.legacy_description(
                uow, global_tables.legacy_group(uow, caller.account, global_table_name))
        return await self.store.read(work)

    async def list_global_tables(self, caller: Caller, exclusive_start: str | None, limit: int | None,
                                 region_name: str | None) -> dict:
        limit = limit or 100

        def work(uow: UnitOfWork) -> dict:
            out: list[dict] = []
            after = exclusive_start or ""
            more = False
            while True:
                page = rdb.list_groups(uow, caller.account, global_tables.LEGACY, after, 100)
                for group in page:
                    regions = [m["region"] for m in rdb.members(uow, group["id"])]
                    if region_name is not None and region_name not in regions:
                        continue
                    if len(out) == limit:
                        more = True
                        break
                    out.append({"GlobalTableName": group["name"], "ReplicationGroup": [{"RegionName": r}
                                                                                       for r in regions]})
                if more or len(page) < 100:
                    break
                after = page[-1]["name"]
            result: dict = {"GlobalTables": out}
            if more:
                result["LastEvaluatedGlobalTableName"] = out[-1]["GlobalTableName"]
            return result
        return await self.store.read(work)

    async def describe_global_table_settings(self, caller: Caller, global_table_name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            group = global_tables.legacy_group(uow, caller.account, global_table_name)
            return {"GlobalTableName": global_table_name,
                    "ReplicaSettings": [global_tables.replica_settings(uow, m, t)
                                        for m, t in global_tables.member_tables(uow, self.tables, group)]}
        return await self.store.read(work)

    async def update_global_table_settings(self, caller: Caller, global_table_name: str, *,
                                           billing_mode: str | None, write_units: int | None,
                                           write_autoscaling: dict | None, gsi_updates: list[dict] | None,
                                           replica_updates: list[dict] | None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            group = global_tables.legacy_group(uow, caller.account, global_table_name)
            members = global_tables.member_tables(uow, self.tables, group)
            by_region = {m["region"]: t for m, t in members}
            replicas = {u["RegionName"]: u for u in replica_updates or []}
            for region in replicas:
                if region not in by_region:  # guessed text
                    raise ReplicaNotFoundException(f"Replica not found in region: {region}")
            for table in by_region.values():
                names = [u["IndexName"] for u in gsi_updates or []] + [
                    i["IndexName"] for u in replicas.values() for i in u.get("ReplicaGlobalSecondaryIndexSettingsUpdate") or []]
                for name in names:
                    if table.index(name) is None:  # guessed text
                        raise IndexNotFoundException(f"Requested resource not found: Index: {name} not found")
            for member, table in members:
                replica = replicas.get(member["region"], {})
                self._apply_settings(uow, table, billing_mode, write_units, gsi_updates or [], replica)
                saved = global_tables.get_autoscaling(uow, table.id)
                if write_autoscaling is not None:
                    saved["write"] = global_tables.autoscaling(write_autoscaling, caller.account,
                                                               global_tables.policy_name("Write", table.name),
                                                               saved.get("write"))
                if replica.get("ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate") is not None:
                    saved["read"] = global_tables.autoscaling(
                        replica["ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate"], caller.account,
                        global_tables.policy_name("Read", table.name), saved.get("read"))
                global_tables.put_autoscaling(uow, table.id, saved)
            return {"GlobalTableName": global_table_name,
                    "ReplicaSettings": [global_tables.replica_settings(uow, m, t)
                                        for m, t in global_tables.member_tables(uow, self.tables, group)]}
        return await self.store.transaction(work)

    def _apply_settings(self, uow: UnitOfWork, table: Table, billing_mode: str | None, write_units: int | None,
                        gsi_updates: list[dict], replica: dict) -> None:
        """One member's share of UpdateGlobalTableSettings, as an UpdateTable of that table."""
        request: dict[str, Any] = {}
        mode = billing_mode or table.billing_mode
        if mode != table.billing_mode:
            request["BillingMode"] = mode
        if mode == "PROVISIONED":
            read = replica.get("ReplicaProvisionedReadCapacityUnits") or table.throughput.get("read") or write_units or 1
            write = write_units or table.throughput.get("write") or 1
            if "BillingMode" in request or (read, write) != (table.throughput.get("read"), table.throughput.get("write")):
                request["ProvisionedThroughput"] = {"ReadCapacityUnits": read, "WriteCapacityUnits": write}
            reads = {i["IndexName"]: i.get("ProvisionedReadCapacityUnits")
                     for i in replica.get("ReplicaGlobalSecondaryIndexSettingsUpdate") or []}
            writes = {u["IndexName"]: u.get("ProvisionedWriteCapacityUnits") for u in gsi_updates}
            updates = []
            for index in table.gsis:
                current = index.throughput or {}
                new = (reads.get(index.name) or current.get("read") or 1, writes.get(index.name) or current.get("write") or 1)
                if "BillingMode" not in request and new != (current.get("read"), current.get("write")):
                    updates.append({"Update": {"IndexName": index.name, "ProvisionedThroughput":
                                               {"ReadCapacityUnits": new[0], "WriteCapacityUnits": new[1]}}})
            if updates:
                request["GlobalSecondaryIndexUpdates"] = updates
        if request:
            after = tables.update(uow, self.tables, table, request)
            self.streams.table_changed(uow, table, after)

    # --- replica auto scaling (2019.11.21 groups) -------------------------------------------------

    def _current_group(self, uow: UnitOfWork, table: Table) -> dict:
        group = rdb.group_of_table(uow, table.id)
        if group is None or group["version"] != global_tables.CURRENT:
            raise global_tables.not_global(table.name)
        return group

    def _autoscaling_description(self, uow: UnitOfWork, table: Table, group: dict) -> dict:
        members = sorted(global_tables.member_tables(uow, self.tables, group), key=lambda mt: mt[0]["region"])
        return {"TableName": table.name, "TableStatus": self.lifecycle.status(table.id, uow.now),
                "Replicas": [global_tables.replica_autoscaling(uow, m, t) for m, t in members]}

    async def describe_table_replica_auto_scaling(self, caller: Caller, table_name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            table = self.table(uow, caller, table_name, named=True)
            return self._autoscaling_description(uow, table, self._current_group(uow, table))
        return await self.store.read(work)

    async def update_table_replica_auto_scaling(self, caller: Caller, table_name: str, *,
                                                write_autoscaling: dict | None, gsi_updates: list[dict] | None,
                                                replica_updates: list[dict] | None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            table = self.table(uow, caller, table_name, named=True)
            group = self._current_group(uow, table)
            members = global_tables.member_tables(uow, self.tables, group)
            by_region = {m["region"]: t for m, t in members}
            if table.billing_mode == "PAY_PER_REQUEST":
                given = [("ProvisionedWriteCapacityAutoScalingUpdate", write_autoscaling)] + [
                    ("ProvisionedWriteCapacityAutoScalingUpdate", u.get("ProvisionedWriteCapacityAutoScalingUpdate"))
                    for u in gsi_updates or []] + [
                    ("ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate",
                     u.get("ReplicaProvisionedReadCapacityAutoScalingUpdate")) for u in replica_updates or []]
                for member, value in given:
                    if value is not None and not value.get("AutoScalingDisabled"):  # measured end; start guessed
                        raise ValidationException("Invalid Request: The table is in PAY_PER_REQUEST billing mode. You "
                                                  "must convert table's BillingMode to PROVISIONED to set parameters: "
                                                  f"'{member}'.")
            for update in replica_updates or []:
                if update["RegionName"] not in by_region:
                    raise global_tables.not_members([update["RegionName"]])
            for update in gsi_updates or []:
                if table.index(update.get("IndexName") or "") is None:  # guessed text
                    raise ResourceNotFoundException(f"Requested resource not found: Index: {update.get('IndexName')} "
                                                    "not found")
            replicas = {u["RegionName"]: u for u in replica_updates or []}
            for member, member_table in members:
                saved = global_tables.get_autoscaling(uow, member_table.id)
                gsi = saved.setdefault("gsi", {})
                if write_autoscaling is not None:
                    saved["write"] = global_tables.autoscaling(write_autoscaling, caller.account,
                                                               global_tables.policy_name("Write", table.name),
                                                               saved.get("write"))
                for update in gsi_updates or []:
                    index = update["IndexName"]
                    if update.get("ProvisionedWriteCapacityAutoScalingUpdate") is not None:
                        entry = gsi.setdefault(index, {})
                        entry["write"] = global_tables.autoscaling(
                            update["ProvisionedWriteCapacityAutoScalingUpdate"], caller.account,
                            global_tables.policy_name("Write", table.name, index), entry.get("write"))
                replica = replicas.get(member["region"])
                if replica is not None:
                    if replica.get("ReplicaProvisionedReadCapacityAutoScalingUpdate") is not None:
                        saved["read"] = global_tables.autoscaling(
                            replica["ReplicaProvisionedReadCapacityAutoScalingUpdate"], caller.account,
                            global_tables.policy_name("Read", table.name), saved.get("read"))
                    for update in replica.get("ReplicaGlobalSecondaryIndexUpdates") or []:
                        if update.get("ProvisionedReadCapacityAutoScalingUpdate") is not None:
                            entry = gsi.setdefault(update["IndexName"], {})
                            entry["read"] = global_tables.autoscaling(
                                update["ProvisionedReadCapacityAutoScalingUpdate"], caller.account,
                                global_tables.policy_name("Read", table.name, update["IndexName"]), entry.get("read"))
                global_tables.put_autoscaling(uow, member_table.id, saved)
            return self._autoscaling_description(uow, table, group)
        return await self.store.transaction(work)
