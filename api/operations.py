"""The operation table: (service, operation) -> thin handler, by explicit module per service.

Each service's handlers live in its modules (``HANDLER_MODULES``: one, or a few by concept for a large
service such as EventBridge) as functions named by botocore's
``xform_name(operation)`` (``SendMessage`` -> ``send_message``). A handler takes the emulator, the
request context and the validated input dict, and returns the output dict (or None). The table is
built once, on first use, and checked against the service model: a public function of a handler
module that names no operation is a typo and fails the start, not a silent 501.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable
from functools import cache

from botocore import xform_name

from .protocol.models import service_model

Handler = Callable[..., Awaitable[dict | None]]

HANDLER_MODULES: dict[str, tuple[str, ...]] = {
    "sqs": ("api.sqs",),
    "sns": ("api.sns",),
    "events": ("api.events", "api.events_archives", "api.events_connections", "api.events_endpoints"),
    "dynamodb": ("api.dynamodb",),
    "dynamodbstreams": ("api.dynamodbstreams",),
    "sts": ("api.sts",),
}


class HandlerModuleError(RuntimeError):
    pass


@cache
def _table() -> dict[tuple[str, str], Handler]:
    table: dict[tuple[str, str], Handler] = {}
    for service, module_names in HANDLER_MODULES.items():
        by_name = {xform_name(op): op for op in service_model(service).operation_names}
        for module_name in module_names:
            module = importlib.import_module(module_name)
            for name, fn in vars(module).items():
                if name.startswith("_") or not inspect.iscoroutinefunction(fn) or fn.__module__ != module_name:
                    continue
                operation = by_name.get(name)
                if operation is None:
                    raise HandlerModuleError(f"{module_name}.{name} names no operation of {service}")
                if (service, operation) in table:
                    raise HandlerModuleError(f"{module_name}.{name}: {operation} has two handlers")
                table[(service, operation)] = fn
    return table


def handler_for(service: str, operation: str) -> Handler | None:
    return _table().get((service, operation))


def implemented(service: str) -> list[str]:
    return sorted(op for (svc, op) in _table() if svc == service)


def unemulated_reason(service: str, operation: str) -> str | None:
    """Why Sluice will not emulate ``operation`` (a handler module's ``NOT_EMULATED`` reasons, e.g.
    DynamoDB's exports, which need S3), or None."""
    for module_name in HANDLER_MODULES.get(service, ()):
        reason = getattr(importlib.import_module(module_name), "NOT_EMULATED", {}).get(operation)
        if reason is not None:
            return reason
    return None


def load_handlers() -> None:
    """Import and check every handler module (at start, so a broken one fails there)."""
    _table()
