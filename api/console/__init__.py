"""Sluice's web console at /_sluice/console: every queue, message, topic, rule and delivery, and actions on them.

Server-rendered Jinja2 pages (``templates/``) with htmx (vendored in ``static/``, nothing fetched at run
time, no build step). Views read through ``emulator.inspect.Inspector`` (all accounts and regions at once)
and act through the services' public methods with a ``Caller`` of the resource's account and region, so an
action from the console behaves exactly like the same AWS call. One module per section.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

from . import deliveries, events, overview, queues, tables, topics
from .common import HERE, PREFIX

router = APIRouter(include_in_schema=False)
_static = APIRouter()
_STATIC = {"htmx.min.js": "text/javascript", "console.css": "text/css"}


@_static.get("/static/{name}")
async def static(name: str) -> FileResponse:
    if name not in _STATIC:
        raise HTTPException(404)
    return FileResponse(HERE / "static" / name, media_type=_STATIC[name],
                        headers={"cache-control": "public, max-age=3600"})


for _section in (overview.router, queues.router, topics.router, deliveries.router, events.router, tables.router,
                 _static):
    router.include_router(_section, prefix=PREFIX)


@router.get("/")
async def root() -> RedirectResponse:
    """A browser opening Sluice's address lands on the console."""
    return RedirectResponse(PREFIX, status_code=307)


def is_browser_root(scope: dict) -> bool:
    """A browser's ``GET /`` (no query string, HTML accepted): never an AWS call, so the console answers it."""
    if scope["path"] != "/" or scope["method"] != "GET" or scope.get("query_string"):
        return False
    return any(name == b"accept" and b"text/html" in value for name, value in scope["headers"])
