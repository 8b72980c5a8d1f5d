"""Sluice's own HTTP API under /_sluice/*, plus the aliases users of other emulators already call."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from .operations import implemented
from .protocol.models import SERVICES, operation_names

VERSION = "0.1.0"
router = APIRouter()


class ServiceState(BaseModel):
    state: str = Field(description="`running` when Sluice implements operations of the service, `available` when "
                                   "none yet, `disabled` when the SERVICES setting leaves it out.")
    implemented: int
    total: int


class Health(BaseModel):
    status: str = Field("ok", description="`ok`, or `degraded` (answered with a 503) while the database cannot "
                                          "be written, e.g. the disk is full; `reason` says why.")
    reason: str | None = Field(None, description="Why the status is `degraded` (absent when `ok`).")
    version: str
    uptime_seconds: float
    clock: str
    now_ms: int
    database: str
    delivery: str
    services: dict[str, ServiceState]


class ClockAdvance(BaseModel):
    # Bounded: a year at most, and no inf/nan (either would reach int() and answer 500).
    seconds: float | None = Field(None, ge=0, le=366 * 86_400, allow_inf_nan=False,
                                  description="Seconds to move the fake clock forward.")
    ms: int | None = Field(None, ge=0, le=366 * 86_400_000, description="Milliseconds to move the fake clock forward.")


class ClockState(BaseModel):
    now_ms: int
    fake: bool


class Delivery(BaseModel):
    id: int
    at: int
    kind: str
    target: str
    message_id: str | None
    attempt: int
    status: str
    error: str | None
    outbox_id: int | None
    source_arn: str | None = None


class CapturedDelivery(BaseModel):
    id: int
    at: int
    source: str = Field(description="The sending service: `sns` or `events`.")
    account: str
    region: str
    protocol: str = Field(description="`lambda`, `sms`, `email`, `kinesis`, `states` ...")
    target: str
    source_arn: str | None = Field(description="The topic or rule the delivery came from.")
    route: str | None = Field(description="The SNS subscription ARN or the EventBridge target Id.")
    message_id: str
    payload: dict


class PendingDelivery(BaseModel):
    id: int
    kind: str
    target: str
    due_at: int
    attempts: int
    message_id: str | None


def _emulator(request: Request):
    return request.app.state.emulator


def service_states(settings) -> dict[str, ServiceState]:
    """Each modeled service: `running` when Sluice implements operations of it, `available` when it
    implements none yet, `disabled` when the SERVICES setting leaves it out."""
    enabled = settings.enabled_services
    out = {}
    for name in SERVICES:
        done = len(implemented(name))
        state = "disabled" if enabled is not None and name not in enabled else "running" if done else "available"
        out[name] = ServiceState(state=state, implemented=done, total=len(operation_names(name)))
    return out


@router.get("/_sluice/health", response_model=Health, response_model_exclude_none=True, tags=["sluice"],
            responses={503: {"model": Health, "description": "degraded: the database cannot be written"}})
async def health(request: Request, response: Response) -> Health:
    emu = _emulator(request)
    failure = emu.store.failure  # set by a write that failed for lack of room, until one succeeds
    if failure is not None:
        response.status_code = 503
    return Health(status="ok" if failure is None else "degraded", reason=failure, version=VERSION, uptime_seconds=round(time.time() - emu.started_at, 3),
                  clock="fake" if emu.clock.fake else "real", now_ms=emu.clock.now_ms(),
                  database=emu.store.path, delivery=emu.settings.delivery, services=service_states(emu.settings))


@router.post("/_sluice/reset", tags=["sluice"])
async def reset(request: Request) -> dict:
    await _emulator(request).reset()
    return {"reset": True}


@router.get("/_sluice/clock", response_model=ClockState, tags=["sluice"])
async def clock(request: Request) -> ClockState:
    emu = _emulator(request)
    return ClockState(now_ms=emu.clock.now_ms(), fake=emu.clock.fake)


@router.post("/_sluice/clock/advance", response_model=ClockState, tags=["sluice"])
async def advance_clock(request: Request, body: ClockAdvance) -> ClockState:
    """Move the fake clock, then run everything that became due before answering."""
    emu = _emulator(request)
    if not emu.clock.fake:
        raise HTTPException(409, "the clock is real; start Sluice with --clock fake to move it")
    ms = (body.ms or 0) + int(round((body.seconds or 0) * 1000))
    return ClockState(now_ms=await emu.advance_clock(ms), fake=True)


@router.post("/_sluice/scheduler/run", tags=["sluice"])
async def run_scheduler(request: Request) -> dict:
    """Run all work due now (deliveries, retries, moves) and wait for it to finish."""
    await _emulator(request).scheduler.run_until_idle()
    return {"idle": True}


@router.get("/_sluice/deliveries", response_model=list[Delivery], tags=["sluice"])
async def deliveries(request: Request, after_id: int = Query(0, ge=0, le=2**62), limit: int = Query(1000, ge=1, le=10_000),
                     target: str | None = None, kind: str | None = None) -> list[dict]:
    """Every delivery attempt (success or failure), oldest first."""
    return await _emulator(request).delivery.log(after_id=after_id, limit=limit, target=target, kind=kind)


@router.get("/_sluice/deliveries/pending", response_model=list[PendingDelivery], tags=["sluice"])
async def pending_deliveries(request: Request) -> list[dict]:
    return await _emulator(request).delivery.pending()


@router.get("/_sluice/captured", response_model=list[CapturedDelivery], tags=["sluice"])
async def captured(request: Request, source: str | None = Query(None, description="`sns` or `events`"),
                   protocol: str | None = Query(None, description="comma-separated: lambda, sms, kinesis ..."),
                   target: str | None = None, account: str | None = None, region: str | None = None,
                   after_id: int = Query(0, ge=0, le=2**62), limit: int = Query(1000, ge=1, le=10_000)) -> list[dict]:
    """Deliveries Sluice recorded instead of sending (Lambda, Step Functions, Kinesis, SMS, email ...), oldest
    first, with the exact payload the target would have received."""
    protocols = tuple(protocol.split(",")) if protocol else None
    return await _emulator(request).delivery.captured(source=source, protocols=protocols, target=target,
                                                      account=account, region=region, after_id=after_id,
                                                      limit=limit)


class EndpointHealth(BaseModel):
    healthy: bool = Field(description="The state of the endpoint's Route 53 health check: false fails the endpoint "
                                      "over to its secondary Region, true brings it back to the primary.")
    account: str | None = Field(None, pattern=r"^\d{12}$", description="The endpoint's account (default: Sluice's).")
    region: str | None = Field(None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$",
                               description="The endpoint's home Region (default: Sluice's).")


@router.post("/_sluice/events/endpoints/{name}/health", tags=["sluice"])
async def set_endpoint_health(request: Request, name: str, body: EndpointHealth) -> dict:
    """Flip an EventBridge global endpoint's health check (Sluice has no Route 53): where PutEvents with its
    EndpointId puts events from now on."""
    from emulator.events.errors import ResourceNotFoundException

    emu = _emulator(request)
    try:
        return await emu.events.endpoints.set_health(body.account or emu.settings.default_account,
                                                     body.region or emu.settings.default_region, name, body.healthy)
    except ResourceNotFoundException as exc:
        raise HTTPException(404, exc.message) from None


# --- compatibility aliases ------------------------------------------------------------------

# /_localstack/* is in localstack.py.

@router.post("/moto-api/reset", tags=["compat"])
async def moto_reset(request: Request) -> dict:
    await _emulator(request).reset()
    return {"status": "ok"}
