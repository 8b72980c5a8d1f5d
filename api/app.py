"""create_app(settings): the ASGI app. AWS calls go to the gateway; the admin API, the LocalStack and moto
paths, the console and the docs to a FastAPI app built after ``Ready.``; the Emulator's lifecycle."""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import logging
import traceback
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from emulator.core import Emulator
from emulator.settings import Settings

from . import localstack
from .gateway import Gateway
from .operations import load_handlers
from .protocol.models import service_model

log = logging.getLogger("sluice")

# Paths served by FastAPI; every other request is an AWS call.
ADMIN_PREFIXES = ("/_sluice", "/_localstack", "/moto-api", "/_aws")
STATIC = Path(__file__).parent / "static"

# --- CORS: browser code using an AWS SDK ---------------------------------------------------------
# What the SDKs read from responses beyond the CORS-safelisted headers (the JavaScript SDK takes the
# SQS error code from x-amzn-query-error and corrects clock skew with Date).
_EXPOSE = ("x-amzn-RequestId, x-amzn-ErrorType, x-amzn-query-error, x-amz-request-id, x-amz-id-2, "
           "x-amz-crc32, Date, ETag, smithy-protocol")
_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"


class Cors:
    """Which browser origins may call Sluice, and the headers that let them.

    By default the loopback origins (``http://localhost:3000``, ``http://127.0.0.1:8080``, ``[::1]``,
    ``*.localhost``): a page you serve locally reaches Sluice, a web site you happen to visit does not.
    ``SLUICE_CORS_ORIGINS`` lists others (``*`` for any). A request from another origin is refused
    with 403 even when it needs no preflight (a form post can create or delete queues: the browser
    would send it and only hide the answer), so a page cannot change local state behind your back.
    """

    def __init__(self, setting: str | None):
        values = [o.strip().rstrip("/") for o in (setting or "").split(",") if o.strip()]
        self.any = "*" in values
        self.origins = frozenset(values) if values else None

    def allows(self, origin: str) -> bool:
        if self.any:
            return True
        if self.origins is not None:
            return origin.rstrip("/") in self.origins
        host = urlsplit(origin).hostname or ""
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    async def refuse(self, origin: str, send) -> None:
        body = (f"Origin {origin} may not call Sluice. Set SLUICE_CORS_ORIGINS (e.g. {origin} or *) "
                "to allow it.").encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def preflight(origin: str, requested: str | None, send) -> None:
        headers = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
                   (b"access-control-allow-methods", _METHODS.encode()),
                   (b"access-control-allow-headers", (requested or "*").encode("latin-1")),
                   (b"access-control-expose-headers", _EXPOSE.encode()),
                   (b"access-control-max-age", b"7200"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def adding_headers(origin: str, send):
        extra = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
                 (b"access-control-expose-headers", _EXPOSE.encode())]

        async def wrapped(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)
        return wrapped


class SluiceApp:
    """The ASGI app. AWS calls go straight to the gateway, before any framework layer: Starlette's
    middleware stack and routing cost more per request than a whole SendMessage commit.

    Everything else goes to a FastAPI app (``admin_app``) that is built in the background once Sluice
    serves (``after_ready``), or on the first request that needs it: FastAPI, the admin routers and
    the console cost ~0.4 s to import and build, time ``Ready.`` does not wait for.
    """

    def __init__(self, settings: Settings, emulator: Emulator):
        self.settings = settings
        self.state = SimpleNamespace(emulator=emulator, init_scripts=localstack.InitScripts(settings.init_dir))
        self.cors = Cors(settings.cors_origins)
        self.gateway = Gateway(emulator, default_account=settings.default_account,
                               default_region=settings.default_region, services=settings.enabled_services,
                               services_setting=settings.services or "",
                               sqs_endpoint_strategy=settings.sqs_endpoint_strategy,
                               localstack_host=settings.localstack_host)
        # The server calls after_ready() once it serves; without such a server, the lifespan starts it.
        self.defer_admin = False
        self._admin = None
        self._building: asyncio.Future | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"origin":  # a browser: CORS first (SDKs and the CLI send no Origin)
                    origin = value.decode("latin-1")
                    if not self.cors.allows(origin):
                        return await self.cors.refuse(origin, send)
                    if scope["method"] == "OPTIONS":
                        requested = dict(scope["headers"])
                        if b"access-control-request-method" in requested:
                            return await self.cors.preflight(
                                origin, (requested.get(b"access-control-request-headers") or b"").decode("latin-1")
                                or None, send)
                    send = self.cors.adding_headers(origin, send)
                    break
            if not scope["path"].startswith(ADMIN_PREFIXES) and not _browser_root(scope):
                return await self.gateway(scope, receive, send)
        elif scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        admin = self._admin or await self._admin_app()
        await admin(scope, receive, send)

    # --- lifecycle -------------------------------------------------------------------------------

    async def _lifespan(self, receive, send) -> None:
        started = False
        try:
            await receive()  # lifespan.startup
            await self._startup()
            started = True
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
            await self._shutdown()
        except BaseException:
            await send({"type": "lifespan.shutdown.failed" if started else "lifespan.startup.failed",
                        "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    async def _startup(self) -> None:
        emulator, init_scripts = self.state.emulator, self.state.init_scripts
        await emulator.start()
        init_scripts.completed["BOOT"] = True  # boot.d ran (the sluice command runs it) or there is none
        if init_scripts.scripts["START"]:
            await asyncio.get_running_loop().run_in_executor(None, init_scripts.run, "START")
        init_scripts.completed["START"] = True
        if not self.defer_admin:
            self.after_ready()

    async def _shutdown(self) -> None:
        if self._building is not None:
            await asyncio.gather(self._building, return_exceptions=True)
        await self.state.emulator.stop()

    def after_ready(self) -> None:
        """Off the event loop, now that Sluice serves: build the admin app and warm up (nothing waits)."""
        if self._building is None:
            self._building = asyncio.get_running_loop().run_in_executor(None, self._build_and_warm_up)

    async def _admin_app(self):
        if self._building is None:
            self.after_ready()
        await asyncio.shield(self._building)
        return self._admin

    def _build_and_warm_up(self) -> None:
        try:
            self._admin = admin_app(self)
        except Exception:
            log.exception("the admin API could not be built")
            raise
        warm_up()


def _browser_root(scope: dict) -> bool:
    """A browser's ``GET /`` goes to the console (checked cheaply first: no AWS call is a bare GET /)."""
    if scope["path"] != "/" or scope["method"] != "GET" or scope.get("query_string"):
        return False
    from .console import is_browser_root

    return is_browser_root(scope)


def warm_up() -> None:
    """Build the wire models of the implemented services, then take every object alive now out of
    the garbage collector's sight (``gc.freeze``): a full collection over the ~100,000 objects of
    botocore's models costs ~30 ms, a pause that would otherwise land in the middle of requests."""
    for name in ("sqs", "sqs-query", "sns", "events"):
        model = service_model(name)
        for operation in model.operation_names:
            op = model.operation_model(operation)
            op.input_shape, op.output_shape  # noqa: B018 (botocore builds shapes on first access)
    gc.collect()
    gc.freeze()


def admin_app(app: SluiceApp):
    """The FastAPI app of everything that is not an AWS call: /_sluice/*, /_localstack/*, /moto-api/*,
    /_aws/*, the console and the docs."""
    from fastapi import FastAPI
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles

    from . import admin, console, sns_admin, sqs_admin

    api = FastAPI(title="Sluice", version=admin.VERSION, docs_url=None, redoc_url=None,
                  openapi_url="/_sluice/openapi.json")
    api.state.emulator = app.state.emulator
    api.state.init_scripts = app.state.init_scripts
    api.include_router(admin.router)
    api.include_router(localstack.routes())
    api.include_router(sns_admin.router)
    api.include_router(sqs_admin.router)
    api.include_router(console.router)  # the web console, /_sluice/console (and a browser's GET /)
    api.mount("/_sluice/static", StaticFiles(directory=STATIC), name="static")

    @api.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's 422, with each offending input as text: an input such as 1e400 (inf) cannot be
        written as JSON, and echoing it would turn the 422 into a 500."""
        errors = [{**e, "input": repr(e.get("input"))} if "input" in e else e for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})

    @api.get("/_sluice/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """Swagger UI from the package's own copy (works offline), not from a CDN."""
        return get_swagger_ui_html(openapi_url="/_sluice/openapi.json", title="Sluice",
                                   swagger_js_url="/_sluice/static/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/_sluice/static/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/_sluice/static/swagger-ui/favicon-32x32.png")

    return api


def create_app(settings: Settings | None = None, *, emulator: Emulator | None = None) -> SluiceApp:
    settings = settings or Settings()
    emulator = emulator or Emulator(settings)
    load_handlers()
    return SluiceApp(settings, emulator)
