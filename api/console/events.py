"""Event buses: rules with their pattern and targets, enable/disable, 'test an event' against every rule, and the
bus's archives with the replays from them (a running replay can be cancelled)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from emulator.errors import AwsError
from emulator.events.common import BusRef

from .common import (
    caller,
    emulator,
    error_text,
    flash,
    form,
    inspector,
    link,
    list_live,
    list_page,
    live,
    live_response,
    not_found,
    page,
    templates,
    unavailable,
)

router = APIRouter()
SAMPLE_DETAIL = '{\n  "orderId": "o-1",\n  "amount": 42\n}'


async def _list(request: Request, account: str | None, region: str | None) -> dict:
    return {"buses": await inspector(request).buses(account=account, region=region)}


@router.get("/buses")
async def bus_list(request: Request, account: str | None = None, region: str | None = None) -> Response:
    if (absent := unavailable(request, "events")) is not None:
        return absent
    return list_page(request, "buses", await _list(request, account, region))


@router.get("/buses/live")
async def bus_list_live(request: Request, account: str | None = None, region: str | None = None) -> Response:
    return list_live(request, "buses", await _list(request, account, region))


async def _bus(request: Request, ref: BusRef) -> dict:
    return {"bus": await inspector(request).bus(ref.arn), "ref": ref}


@router.get("/buses/{account}/{region}/{name}")
async def bus_page(request: Request, account: str, region: str, name: str) -> Response:
    if (absent := unavailable(request, "events")) is not None:
        return absent
    ref = BusRef(account, region, name)
    context = await _bus(request, ref)
    if context["bus"] is None:
        return not_found(request, f"event bus {name} in {account} / {region}")
    region_html = live(request, "bus-live", "_bus.html", context, link("buses", account, region, name, "live"))
    return page(request, "bus.html", section="buses", bus=context["bus"], ref=ref, live_region=region_html,
                sample_detail=SAMPLE_DETAIL)


@router.get("/buses/{account}/{region}/{name}/live")
async def bus_live(request: Request, account: str, region: str, name: str) -> Response:
    return live_response(request, "bus-live", "_bus.html", await _bus(request, BusRef(account, region, name)),
                         link("buses", account, region, name, "live"))


@router.post("/buses/{account}/{region}/{name}/rules/{rule}/{action}")
async def set_rule_state(request: Request, account: str, region: str, name: str, rule: str,
                         action: str) -> Response:
    """EnableRule / DisableRule, as a client of the rule's account and region would call them."""
    if (absent := unavailable(request, "events")) is not None:
        return absent
    events = emulator(request).events
    if action not in ("enable", "disable"):
        return flash(request, f"Unknown action {action}.", error=True)
    change = events.enable_rule if action == "enable" else events.disable_rule
    try:
        await change(caller(request, account, region), rule, name)
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Rule {rule} {action}d.")


@router.post("/buses/{account}/{region}/{name}/replays/{replay}/cancel")
async def cancel_replay(request: Request, account: str, region: str, name: str, replay: str) -> Response:
    """CancelReplay, as a client of the replay's account and region would call it."""
    if (absent := unavailable(request, "events")) is not None:
        return absent
    try:
        await emulator(request).events.archives.cancel_replay(caller(request, account, region), replay)
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Replay {replay} cancelling.")


@router.post("/buses/{account}/{region}/{name}/test")
async def test_event(request: Request, account: str, region: str, name: str) -> Response:
    """Which rules of the bus an event matches, and what each of their targets would receive; nothing is sent."""
    if (absent := unavailable(request, "events")) is not None:
        return absent
    values = await form(request)
    resources = [line.strip() for line in values.get("resources", "").splitlines() if line.strip()]
    try:
        result = await inspector(request).test_event(
            BusRef(account, region, name), source=values.get("source", "").strip(),
            detail_type=values.get("detail_type", "").strip(), detail=values.get("detail", ""),
            resources=resources)
    except AwsError as error:
        result = {"error": error_text(error)}
    html = templates.get_template("_test_event.html").render(result=result)
    return HTMLResponse(html)
