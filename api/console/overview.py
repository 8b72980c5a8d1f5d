"""Overview: resources per account and region, recent deliveries (failures first to the eye), the clock."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..admin import service_states
from .common import emulator, flash, form, inspector, link, live, live_response, page

router = APIRouter()
SERVICES = ("sqs", "sns", "events", "dynamodb")


async def _context(request: Request) -> dict:
    insp = inspector(request)
    states = service_states(emulator(request).settings)
    return {"places": await insp.overview(), "recent": await insp.deliveries(limit=15),
            "pending": await insp.pending(limit=5),
            "services": {name: states[name].state for name in SERVICES if name in states}}


@router.get("")
async def overview(request: Request) -> Response:
    clock = live(request, "clock-live", "_clock.html", {}, link("overview", "clock", "live"))
    region = live(request, "overview-live", "_overview.html", await _context(request), link("overview", "live"))
    return page(request, "overview.html", section="overview", clock_region=clock, live_region=region)


@router.get("/overview/live")
async def overview_live(request: Request) -> Response:
    return live_response(request, "overview-live", "_overview.html", await _context(request),
                         link("overview", "live"))


@router.get("/overview/clock/live")
async def clock_live(request: Request) -> Response:
    return live_response(request, "clock-live", "_clock.html", {}, link("overview", "clock", "live"))


@router.post("/clock/advance")
async def advance_clock(request: Request) -> Response:
    """Move the fake clock and run everything that became due, as POST /_sluice/clock/advance does."""
    emu = emulator(request)
    if not emu.clock.fake:
        return flash(request, "The clock is real; start Sluice with --clock fake to move it.", error=True)
    try:
        seconds = float((await form(request)).get("seconds") or 0)
    except ValueError:
        return flash(request, "Seconds must be a number.", error=True)
    if not math.isfinite(seconds):  # "inf" and "nan" parse, and would fail int() below with a 500
        return flash(request, "Seconds must be a finite number.", error=True)
    if seconds < 0:
        return flash(request, "The clock does not go backwards.", error=True)
    await emu.advance_clock(int(round(seconds * 1000)))
    return flash(request, f"Clock advanced by {seconds:g} s; everything due has run.")
