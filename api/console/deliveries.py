"""The delivery log: every attempt, filterable by status and target; one delivery's history; pending retries."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .common import inspector, link, list_live, list_page, live, live_response, not_found, page

router = APIRouter()
STATUSES = ("failed", "delivered", "retrying", "dead-lettered", "dropped")


def _filters(status: str | None, target: str | None, kind: str | None) -> dict:
    return {"status": status if status in STATUSES else None, "target": target or None, "kind": kind or None}


async def _log(request: Request, filters: dict, before_id: int | None) -> dict:
    insp = inspector(request)
    rows = await insp.deliveries(**filters, before_id=before_id, limit=100)
    pending = await insp.pending(limit=100)
    # The next retry of a delivery shows on its latest attempt (the first one listed, newest first).
    next_due = {(p["message_id"], p["target"]): p for p in pending}
    seen: set = set()
    for row in rows:
        key = (row["message_id"], row["target"])
        row["next"] = next_due.get(key) if key not in seen else None
        seen.add(key)
    return {"rows": rows, "pending": pending, "filters": filters, "before_id": before_id,
            "older": rows[-1]["id"] if len(rows) == 100 else None}


@router.get("/deliveries")
async def delivery_log(request: Request, status: str | None = None, target: str | None = None,
                       kind: str | None = None, before_id: int | None = None) -> Response:
    filters = _filters(status, target, kind)
    return list_page(request, "deliveries", await _log(request, filters, before_id), filters=filters,
                     statuses=STATUSES)


@router.get("/deliveries/live")
async def delivery_log_live(request: Request, status: str | None = None, target: str | None = None,
                            kind: str | None = None, before_id: int | None = None) -> Response:
    return list_live(request, "deliveries", await _log(request, _filters(status, target, kind), before_id))


@router.get("/deliveries/{log_id:int}")
async def delivery_page(request: Request, log_id: int) -> Response:
    found = await inspector(request).delivery(log_id)
    if found is None:
        return not_found(request, f"delivery {log_id}")
    region = live(request, "delivery-live", "_delivery.html", {"delivery": found},
                  link("deliveries", str(log_id), "live"))
    return page(request, "delivery.html", section="deliveries", delivery=found, live_region=region)


@router.get("/deliveries/{log_id:int}/live")
async def delivery_live(request: Request, log_id: int) -> Response:
    return live_response(request, "delivery-live", "_delivery.html",
                         {"delivery": await inspector(request).delivery(log_id)},
                         link("deliveries", str(log_id), "live"))
