"""The operation registry: (service, operation) -> thin handler.

A handler takes the emulator, the request context and the validated input dict, and returns the
output dict (or None). Modules register with ``@ops("sqs", "SendMessage")`` at import; the table is
filled once and only read afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Handler = Callable[..., Awaitable[dict | None]]

_HANDLERS: dict[tuple[str, str], Handler] = {}


def ops(service: str, *operations: str):
    def register(fn: Handler) -> Handler:
        for operation in operations:
            _HANDLERS[(service, operation)] = fn
        return fn
    return register


def handler_for(service: str, operation: str) -> Handler | None:
    return _HANDLERS.get((service, operation))


def implemented(service: str) -> list[str]:
    return sorted(op for (svc, op) in _HANDLERS if svc == service)


def load_handlers() -> None:
    """Import every handler module (each registers its operations)."""
    from . import handlers  # noqa: F401
