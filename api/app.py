"""create_app(settings) -> FastAPI: admin routes, the AWS gateway, and the Emulator's lifecycle."""

from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from emulator.core import Emulator
from emulator.settings import Settings

from . import admin, sns_admin, sqs_admin
from .gateway import Gateway
from .operations import load_handlers
from .protocol.models import service_model

# Paths served by FastAPI; every other request is an AWS call.
ADMIN_PREFIXES = ("/_sluice", "/_localstack", "/moto-api", "/_aws")


class SluiceApp(FastAPI):
    """FastAPI for the admin API; AWS calls go straight to the gateway, before any framework layer.

    Starlette's middleware stack and routing cost more per request than a whole SendMessage commit,
    so the dispatch happens here, at the top of the ASGI call.
    """

    gateway: Gateway

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and not scope["path"].startswith(ADMIN_PREFIXES):
            await self.gateway(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


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


def create_app(settings: Settings | None = None, *, emulator: Emulator | None = None) -> FastAPI:
    settings = settings or Settings()
    emulator = emulator or Emulator(settings)
    load_handlers()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await emulator.start()
        # After "Ready.", off the event loop: nothing waits for it.
        warm = asyncio.get_running_loop().run_in_executor(None, warm_up)
        try:
            yield
        finally:
            await asyncio.gather(warm, return_exceptions=True)
            await emulator.stop()

    app = SluiceApp(title="Sluice", version=admin.VERSION, lifespan=lifespan, docs_url="/_sluice/docs",
                  redoc_url=None, openapi_url="/_sluice/openapi.json")
    app.state.emulator = emulator
    app.include_router(admin.router)
    app.include_router(sns_admin.router)
    app.include_router(sqs_admin.router)
    app.gateway = Gateway(emulator, default_account=settings.default_account,
                          default_region=settings.default_region)
    return app
