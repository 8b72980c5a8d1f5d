"""What every console view shares: templates and their filters, live regions, flash answers, form bodies.

Live regions: a region is a ``<div>`` that htmx polls every second (``hx-trigger="every 1s"``) for its own
fragment. The fragment's URL carries a signature of what the browser shows (``sig``); the server renders the
fragment again and answers 204 (htmx swaps nothing) when it is unchanged, so an open ``<details>`` or a
selection survives until something really changes. An action answers with ``HX-Trigger: refresh``, which
makes every live region of the page poll at once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from emulator.caller import Caller
from emulator.inspect import Inspector

PREFIX = "/_sluice/console"
HERE = Path(__file__).parent
POLL = "every 1s, refresh from:body"


# --- template filters and globals ------------------------------------------------------------------

def ts(ms: int | None) -> Markup:
    """A time as HH:MM:SS.mmm UTC, the full date and time in its tooltip."""
    if ms is None:
        return Markup("")
    when = datetime.fromtimestamp(ms / 1000, UTC)
    full = when.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}Z"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(full, full, full[11:])


def relative(ms: int | None, now: int) -> str:
    """``in 20s`` / ``3m ago`` / ``now``."""
    if ms is None:
        return ""
    delta = (ms - now) / 1000
    size = abs(delta)
    text = f"{size:.0f}s" if size < 120 else f"{size / 60:.0f}m" if size < 7200 else f"{size / 3600:.1f}h"
    if size < 0.5:
        return "now"
    return f"in {text}" if delta > 0 else f"{text} ago"


def pretty(text: Any) -> str:
    """JSON text (or a value) indented for reading; any other text as it is."""
    if not isinstance(text, str):
        return json.dumps(text, indent=2, ensure_ascii=False)
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict | list):
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)


def compact(text: Any) -> str:
    """JSON text (or a value) on one line, spaced for reading: event patterns, filter policies."""
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return str(text)
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def fromjson(text: Any) -> Any:
    """A JSON document's value ({} when it is none)."""
    try:
        return json.loads(text) if isinstance(text, str) else text or {}
    except ValueError:
        return {}


def link(*parts: str, **query: Any) -> str:
    """A console URL: ``link("queues", account, region, name, tab="x")``."""
    path = "/".join(quote(str(p), safe="") for p in parts)
    given = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{PREFIX}/{path}".rstrip("/") + (f"?{urlencode(given)}" if given else "")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ts=ts, pretty=pretty, compact=compact, fromjson=fromjson)
    env.globals.update(link=link, relative=relative, PREFIX=PREFIX, POLL=POLL)
    return env


templates = Jinja2Templates(env=_environment())


# --- per request ---------------------------------------------------------------------------------------

def emulator(request: Request):
    return request.app.state.emulator


def inspector(request: Request) -> Inspector:
    return Inspector(emulator(request))


def caller(request: Request, account: str, region: str) -> Caller:
    """The console acting in ``account`` and ``region``, as an AWS client there would."""
    return Caller(account=account, region=region, endpoint=str(request.base_url).rstrip("/"))


def base_context(request: Request) -> dict[str, Any]:
    emu = emulator(request)
    return {"request": request, "now": emu.clock.now_ms(), "fake_clock": emu.clock.fake,
            "has": inspector(request).has, "section": ""}


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {**base_context(request), **context})


SERVICE_NAMES = {"sqs": "SQS", "sns": "SNS", "events": "EventBridge", "dynamodb": "DynamoDB"}


def unavailable(request: Request, service: str) -> Response | None:
    """None when this Sluice serves ``service``; else the page (or, for an action, the flash) that says so."""
    if inspector(request).has(service):
        return None
    message = f"{SERVICE_NAMES.get(service, service)} is not served by this Sluice (see the SERVICES setting)."
    if request.method == "POST":
        return flash(request, message, error=True)
    return page(request, "absent.html", message=message)


def not_found(request: Request, what: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "missing.html", {**base_context(request), "what": what},
                                      status_code=404)


# --- live regions --------------------------------------------------------------------------------------

def _render(request: Request, template: str, context: dict[str, Any]) -> str:
    return templates.get_template(template).render({**base_context(request), **context})


def live(request: Request, region_id: str, template: str, context: dict[str, Any], url: str) -> Markup:
    """The live region ``region_id``: ``template`` rendered, polling ``url`` for changes."""
    inner = _render(request, template, context)
    return _region(region_id, inner, url, _signature(inner))


def _signature(inner: str) -> str:
    return hashlib.blake2b(inner.encode(), digest_size=8).hexdigest()


def _region(region_id: str, inner: str, url: str, sig: str) -> Markup:
    poll = f"{url}{'&' if '?' in url else '?'}sig={sig}"
    # hx-disinherit: the actions inside a region (enable, cancel) keep htmx's defaults, not the region's swap.
    return Markup('<div id="{}" class="live" hx-get="{}" hx-trigger="{}" hx-swap="outerHTML" hx-disinherit="*">').format(
        region_id, poll, POLL) + Markup(inner) + Markup("</div>")


def live_response(request: Request, region_id: str, template: str, context: dict[str, Any], url: str) -> Response:
    """A poll of a live region: 204 when what the browser shows is still current, else the new region."""
    inner = _render(request, template, context)
    sig = _signature(inner)
    if request.query_params.get("sig") == sig:
        return Response(status_code=204)
    return HTMLResponse(_region(region_id, inner, url, sig))


def live_url(request: Request, *parts: str) -> str:
    """The console URL ``parts`` with the current page's query (its filters), for a live region to poll."""
    return link(*parts, **{k: v for k, v in request.query_params.items() if k != "sig"})


def list_page(request: Request, section: str, context: dict[str, Any], **extra: Any) -> HTMLResponse:
    """A section's list page (``<section>.html``) around its live region (``_<section>.html``)."""
    region = live(request, f"{section}-live", f"_{section}.html", context, live_url(request, section, "live"))
    return page(request, f"{section}.html", section=section, live_region=region, **extra)


def list_live(request: Request, section: str, context: dict[str, Any]) -> Response:
    """A poll of the live region of a section's list page."""
    return live_response(request, f"{section}-live", f"_{section}.html", context, live_url(request, section, "live"))


# --- actions -------------------------------------------------------------------------------------------

async def form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (what htmx and plain forms post)."""
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def flash(request: Request, message: str, *, error: bool = False) -> Response:
    """The answer to an action: a message for the page's flash area (htmx), or back to the page (a plain form)."""
    if "hx-request" not in request.headers:
        return RedirectResponse(request.headers.get("referer") or PREFIX, status_code=303)
    html = Markup('<div class="flash {}" role="status">{}</div>').format("error" if error else "ok", message)
    # 200 even for an error: htmx swaps no 4xx/5xx answer into the page.
    return HTMLResponse(html, headers={"HX-Trigger": "refresh", "X-Console-Result": "error" if error else "ok"})


def error_text(error: Exception) -> str:
    code = getattr(error, "code", type(error).__name__)
    return f"{code}: {getattr(error, 'message', None) or error}"


def attributes_from_lines(text: str) -> dict[str, dict[str, str]] | None:
    """``name=value`` lines as String message attributes (None when there are none)."""
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            out[name.strip()] = {"DataType": "String", "StringValue": value.strip()}
    return out or None
