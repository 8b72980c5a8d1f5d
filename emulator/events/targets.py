"""Rule targets: PutTargets' validation per kind of target, and the delivery of one event to one target.

Kinds, by the target ARN's service: an SQS queue and an SNS topic are delivered to Sluice's own services; an
event bus (``events`` ``event-bus/...``) is forwarded through the ``bus`` adapter (``put_events.BusTarget``); any
other service (Lambda, Step Functions, Kinesis, Firehose, CloudWatch Logs, ECS, Batch, ...) is *captured*: the
exact payload EventBridge would send is recorded, readable with ``Delivery.captured(source="events")``.

Validation follows what AWS answers (a ValidationException for the whole call, never a FailedEntries item:
those only report concurrent modifications, which Sluice's one writer never has):
- "Parameter <arn> is not valid. Reason: Provided Arn is not in correct format." (moto, localstack recordings);
- "Parameter(s) SqsParameters must be specified for target: <id>." for a FIFO queue (moto);
- "RoleArn is required for target <arn>." for targets EventBridge reaches by assuming a role, and for a bus or
  a topic/queue/function in another account (SDK issues quoting AWS);
- Input / InputPath / InputTransformer: ``transform.validate_target_input``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage import events as repo
from storage.db import UnitOfWork

from .. import arns
from ..delivery import DeadLetter, Message, RetryPolicy, Target
from . import api_destinations, transform
from .common import decode_token, dumps, encode_token
from .errors import LimitExceededException, ValidationException

if TYPE_CHECKING:
    from ..core import Emulator

MAX_TARGETS = 5
DEFAULT_RETRY_ATTEMPTS = 185
DEFAULT_EVENT_AGE_S = 86_400
# Services EventBridge invokes by assuming the target's RoleArn (PutTargets refuses them without one).
ROLE_SERVICES = frozenset(("batch", "codebuild", "codepipeline", "ecs", "firehose", "glue", "inspector", "kinesis",
                           "redshift", "redshift-data", "sagemaker", "ssm", "ssm-incidents", "states"))
# Services reached through their resource policy when in the rule's account; a role otherwise.
POLICY_SERVICES = frozenset(("sqs", "sns", "lambda", "logs"))
# Parameter blocks a captured target records along with its input.
PARAMETER_BLOCKS = ("KinesisParameters", "RunCommandParameters", "EcsParameters", "BatchParameters", "HttpParameters",
                    "RedshiftDataParameters", "SageMakerPipelineParameters", "AppSyncParameters", "SqsParameters")
# Parameter blocks without which PutTargets refuses a target of that service.
REQUIRED_BLOCKS = {"ecs": "EcsParameters", "batch": "BatchParameters"}
_INPUT_OPTIONS = ("Input", "InputPath", "InputTransformer")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A stored target of one rule, parsed once (``cache.Bus``): where and how an event is delivered."""

    id: str
    arn: str
    kind: str                   # sqs | sns | bus | captured (the delivery layer's Target.kind)
    protocol: str               # the delivery log's suffix: sqs, sns, bus, lambda, kinesis, states ...
    target: dict                # the Target structure as PutTargets stored it
    plain: bool                 # no input option: the target receives the event itself
    fifo: bool
    retry: RetryPolicy
    destination: Target         # what the delivery layer is handed
    dead_letter: DeadLetter | None


def _string(value: str) -> dict:
    return {"DataType": "String", "StringValue": value}


def kind_of(arn: str) -> tuple[str, str]:
    """(delivery kind, protocol) of a target ARN."""
    parts = arns.parse(arn)
    service = parts.service if parts is not None else ""
    if service in ("sqs", "sns"):
        return service, service
    if service == "events":
        resource_type = parts.resource_type if parts is not None else ""
        if resource_type == "event-bus":
            return "bus", "bus"
        if resource_type == "api-destination":
            return "api-destination", "api-destination"
        return "captured", resource_type or "events"
    return "captured", service or "unknown"


def spec_of(target: dict, rule_arn: str) -> TargetSpec:
    kind, protocol = kind_of(target["Arn"])
    policy = target.get("RetryPolicy") or {}
    retry = RetryPolicy("events", maximum_retry_attempts=policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS),
                        maximum_event_age_s=policy.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE_S))
    plain = kind == "bus" or not any(target.get(option) is not None for option in _INPUT_OPTIONS)
    dead_letter_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    dead_letter = None
    if dead_letter_arn:
        # EventBridge's dead-letter message: the event, with the rule and the target (the delivery layer adds
        # ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS), not the event's attributes.
        dead_letter = DeadLetter(dead_letter_arn, attributes={"RULE_ARN": _string(rule_arn),
                                                              "TARGET_ARN": _string(target["Arn"])},
                                 error_attributes=True, keep_attributes=False)
    return TargetSpec(target["Id"], target["Arn"], kind, protocol, target, plain,
                      kind in ("sqs", "sns") and target["Arn"].endswith(".fifo"), retry,
                      Target(kind, target["Arn"], protocol), dead_letter)  # type: ignore[arg-type]


# --- PutTargets validation ------------------------------------------------------------------------------

def _bad_arn(arn: str) -> ValidationException:
    return ValidationException(f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.")


def validate(targets: list[dict], *, rule_account: str, rule_region: str) -> None:
    """Check every target of a PutTargets call as AWS does; the first problem refuses the whole call."""
    for position, target in enumerate(targets, 1):
        arn = target["Arn"]
        parts = arns.parse(arn)
        if parts is None or not parts.service:
            raise _bad_arn(arn)
        transform.validate_target_input(target, position=position)
        dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dead_letter is not None and arns.parse(dead_letter, service="sqs") is None:
            raise _bad_arn(dead_letter)
        service = parts.service
        if service == "sqs" and arn.endswith(".fifo") and not (target.get("SqsParameters") or {}).get("MessageGroupId"):
            raise ValidationException(f"Parameter(s) SqsParameters must be specified for target: {target['Id']}.")
        block = REQUIRED_BLOCKS.get(service)
        if block is not None and not target.get(block):
            # Same wording as the FIFO one; not confirmed against AWS.
            raise ValidationException(f"Parameter(s) {block} must be specified for target: {target['Id']}.")
        if not target.get("RoleArn") and _needs_role(parts, rule_account, rule_region):
            raise ValidationException(f"RoleArn is required for target {arn}.")
        path = (target.get("KinesisParameters") or {}).get("PartitionKeyPath")
        if path and transform.parse_json_path(path) is None:
            # Wording modelled on the InputPath one; not confirmed against AWS.
            raise ValidationException(f"PartitionKeyPath for target {target['Id']} contains invalid JSON path {path}.")


def _needs_role(parts: arns.Arn, rule_account: str, rule_region: str) -> bool:
    if parts.service in ROLE_SERVICES:
        return True
    if parts.service == "events":
        if parts.resource_type == "event-bus":
            return parts.account != rule_account or parts.region != rule_region
        return parts.resource_type == "api-destination"
    return parts.service in POLICY_SERVICES and parts.account not in ("", rule_account)


# --- delivery -----------------------------------------------------------------------------------------

def render(spec: TargetSpec, event: dict, event_json: str, *, rule_arn: str, rule_name: str,
           ingestion_time: str) -> str | None:
    """The text the target receives (None: its InputPath selects nothing, and nothing is sent)."""
    if spec.plain:
        return event_json
    return transform.render_input(spec.target, event, rule_arn=rule_arn, rule_name=rule_name,
                                  ingestion_time=ingestion_time)


def captured_payload(spec: TargetSpec, body: str, event: dict) -> dict[str, Any]:
    """What a captured target records: the input it would be invoked with, and its parameters."""
    payload: dict[str, Any] = {"Input": body}
    if spec.target.get("RoleArn"):
        payload["RoleArn"] = spec.target["RoleArn"]
    for block in PARAMETER_BLOCKS:
        if spec.target.get(block) is not None:
            payload[block] = spec.target[block]
    if spec.protocol == "kinesis":
        payload["PartitionKey"] = _partition_key(spec, event)
    return payload


def _partition_key(spec: TargetSpec, event: dict) -> str:
    """KinesisParameters.PartitionKeyPath selects the key from the event; without it, the event id."""
    path = (spec.target.get("KinesisParameters") or {}).get("PartitionKeyPath")
    steps = transform.parse_json_path(path) if path else None
    if steps is not None:
        value = transform.select(event, steps)
        if isinstance(value, str):
            return value
        if value is not transform.MISSING and value is not None:
            return dumps(value)
    return event["id"]


def deliver(emulator: Emulator, uow: UnitOfWork, spec: TargetSpec, event: dict, event_json: str, *, rule_arn: str,
            rule_name: str, account: str, region: str, ingestion_time: str, refuse: str | None = None) -> None:
    """Hand one event to one target through the delivery layer, in the caller's transaction.

    ``refuse``: the delivery fails before any attempt with this error (not retried; dead-lettered or dropped):
    a forwarded event meeting another bus target.
    """
    body = render(spec, event, event_json, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=ingestion_time)
    if body is None:
        return
    group_id = dedup_id = None
    if spec.fifo:
        # SQS: SqsParameters.MessageGroupId (required by PutTargets); an SNS FIFO topic without it gets the rule
        # name (EventBridge's Target has no SNS parameters). Either way the event id deduplicates, as AWS does.
        group_id = (spec.target.get("SqsParameters") or {}).get("MessageGroupId") or rule_name
        dedup_id = event["id"]
    message = Message("events", rule_arn, event["id"], body, account, region, route=spec.id, group_id=group_id,
                      dedup_id=dedup_id)
    if spec.kind == "captured":
        message.capture = captured_payload(spec, body, event)
    if spec.kind == "api-destination":
        message.http = spec.target.get("HttpParameters")     # sent over HTTP with the target's parameters
    if refuse is not None:
        emulator.delivery.reject(uow, message, spec.destination, refuse, dead_letter=spec.dead_letter,
                                 code=refuse.split(":", 1)[0])
    else:
        # An API destination's rate limit may put the first attempt in a later second (an outbox row due then).
        not_before = api_destinations.reserve(uow, spec.arn) if spec.kind == "api-destination" else None
        emulator.delivery.dispatch(uow, message, spec.destination, retry=spec.retry, dead_letter=spec.dead_letter,
                                   not_before=not_before)


# --- PutTargets, RemoveTargets, ListTargetsByRule ---------------------------------------------------------

def put_targets(uow: UnitOfWork, rule: dict, targets: list[dict]) -> dict:
    """Add or replace targets (by Id) of a rule: at most five in all."""
    validate(targets, rule_account=rule["account"], rule_region=rule["region"])
    positions = repo.target_positions(uow, rule["arn"])
    new_ids = {t["Id"] for t in targets} - positions.keys()
    if len(positions) + len(new_ids) > MAX_TARGETS:
        raise LimitExceededException("The requested resource exceeds the maximum number allowed.")
    following = max(positions.values(), default=0) + 1
    for target in targets:
        position = positions.get(target["Id"])
        if position is None:
            position = positions[target["Id"]] = following
            following += 1
        repo.put_target(uow, rule["arn"], rule["bus_arn"], position, target)
    return {"FailedEntryCount": 0, "FailedEntries": []}


def remove_targets(uow: UnitOfWork, rule: dict, ids: list[str]) -> dict:
    """Ids the rule does not have are no error (AWS reports only concurrent modifications per entry)."""
    for target_id in ids:
        repo.delete_target(uow, rule["arn"], target_id)
    return {"FailedEntryCount": 0, "FailedEntries": []}


def list_targets(uow: UnitOfWork, rule: dict, next_token: str | None, limit: int | None) -> dict:
    stored = repo.targets(uow, rule["arn"])
    start = decode_token(next_token)
    offset = int(start) if start.isdigit() else 0
    size = limit or 100
    out: dict[str, Any] = {"Targets": stored[offset:offset + size]}
    if offset + size < len(stored):
        out["NextToken"] = encode_token(str(offset + size))
    return out
