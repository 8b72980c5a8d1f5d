"""EventBridge handlers: wire dict in, one emulator call, wire dict out."""

from __future__ import annotations

from emulator.patterns import test_event_pattern as matches_event


def _events(emulator):
    return emulator.events


# --- event buses ---------------------------------------------------------------------------------------

async def create_event_bus(emulator, ctx, p):
    return await _events(emulator).create_event_bus(
        ctx.caller, p["Name"], event_source_name=p.get("EventSourceName"), description=p.get("Description"),
        kms_key_identifier=p.get("KmsKeyIdentifier"), dead_letter_config=p.get("DeadLetterConfig"),
        log_config=p.get("LogConfig"), tags=p.get("Tags"))


async def describe_event_bus(emulator, ctx, p):
    return await _events(emulator).describe_event_bus(ctx.caller, p.get("Name"))


async def update_event_bus(emulator, ctx, p):
    return await _events(emulator).update_event_bus(
        ctx.caller, p.get("Name"), kms_key_identifier=p.get("KmsKeyIdentifier"), description=p.get("Description"),
        dead_letter_config=p.get("DeadLetterConfig"), log_config=p.get("LogConfig"))


async def delete_event_bus(emulator, ctx, p):
    await _events(emulator).delete_event_bus(ctx.caller, p["Name"])


async def list_event_buses(emulator, ctx, p):
    return await _events(emulator).list_event_buses(ctx.caller, p.get("NamePrefix"), p.get("NextToken"),
                                                    p.get("Limit"))


async def put_permission(emulator, ctx, p):
    await _events(emulator).put_permission(
        ctx.caller, p.get("EventBusName"), action=p.get("Action"), principal=p.get("Principal"),
        statement_id=p.get("StatementId"), condition=p.get("Condition"), policy=p.get("Policy"))


async def remove_permission(emulator, ctx, p):
    await _events(emulator).remove_permission(ctx.caller, p.get("EventBusName"), statement_id=p.get("StatementId"),
                                              remove_all_permissions=bool(p.get("RemoveAllPermissions")))


# --- rules ---------------------------------------------------------------------------------------------

async def put_rule(emulator, ctx, p):
    arn = await _events(emulator).put_rule(
        ctx.caller, p["Name"], schedule_expression=p.get("ScheduleExpression"), event_pattern=p.get("EventPattern"),
        state=p.get("State"), description=p.get("Description"), role_arn=p.get("RoleArn"), tags=p.get("Tags"),
        event_bus_name=p.get("EventBusName"))
    return {"RuleArn": arn}


async def describe_rule(emulator, ctx, p):
    return await _events(emulator).describe_rule(ctx.caller, p["Name"], p.get("EventBusName"))


async def enable_rule(emulator, ctx, p):
    await _events(emulator).enable_rule(ctx.caller, p["Name"], p.get("EventBusName"))


async def disable_rule(emulator, ctx, p):
    await _events(emulator).disable_rule(ctx.caller, p["Name"], p.get("EventBusName"))


async def delete_rule(emulator, ctx, p):
    await _events(emulator).delete_rule(ctx.caller, p["Name"], p.get("EventBusName"), bool(p.get("Force")))


async def list_rules(emulator, ctx, p):
    return await _events(emulator).list_rules(ctx.caller, p.get("NamePrefix"), p.get("EventBusName"),
                                              p.get("NextToken"), p.get("Limit"))


async def list_rule_names_by_target(emulator, ctx, p):
    return await _events(emulator).list_rule_names_by_target(ctx.caller, p["TargetArn"], p.get("EventBusName"),
                                                             p.get("NextToken"), p.get("Limit"))


async def test_event_pattern(emulator, ctx, params: dict) -> dict:
    """Pure: validate the pattern and the event envelope, then match (no state, no transaction)."""
    return {"Result": matches_event(params["EventPattern"], params["Event"])}


# --- targets -------------------------------------------------------------------------------------------

async def put_targets(emulator, ctx, p):
    return await _events(emulator).put_targets(ctx.caller, p["Rule"], p.get("EventBusName"), p["Targets"])


async def remove_targets(emulator, ctx, p):
    return await _events(emulator).remove_targets(ctx.caller, p["Rule"], p.get("EventBusName"), p["Ids"],
                                                  bool(p.get("Force")))


async def list_targets_by_rule(emulator, ctx, p):
    return await _events(emulator).list_targets_by_rule(ctx.caller, p["Rule"], p.get("EventBusName"),
                                                        p.get("NextToken"), p.get("Limit"))


# --- events and tags -----------------------------------------------------------------------------------

async def put_events(emulator, ctx, p):
    return await _events(emulator).put_events(ctx.caller, p["Entries"], endpoint_id=p.get("EndpointId"))


async def tag_resource(emulator, ctx, p):
    await _events(emulator).tag_resource(ctx.caller, p["ResourceARN"], p["Tags"])


async def untag_resource(emulator, ctx, p):
    await _events(emulator).untag_resource(ctx.caller, p["ResourceARN"], p["TagKeys"])


async def list_tags_for_resource(emulator, ctx, p):
    return {"Tags": await _events(emulator).list_tags_for_resource(ctx.caller, p["ResourceARN"])}
