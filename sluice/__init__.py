"""Sluice as a library, for tests: a server in a thread of your process, and a pytest plugin.

    from sluice import ThreadedSluiceServer     # or ThreadedMotoServer, with moto's defaults
    server = ThreadedSluiceServer().start()
    ...  # boto3 clients with endpoint_url=server.url
    server.reset(); server.stop()

The pytest plugin (``sluice.pytest_plugin``) is registered by the package: its fixtures are
``sluice_server``, ``sluice_endpoint``, ``sluice_client``, ``sluice_resource``, ``sluice_clock`` and
``sluice_aws_env``. Importing this package costs nothing until a name is used, so that pytest loading
the plugin does not slow down test runs that never start Sluice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["ThreadedMotoServer", "ThreadedSluiceServer"]

if TYPE_CHECKING:
    from .server import ThreadedMotoServer, ThreadedSluiceServer


def __getattr__(name: str):
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module 'sluice' has no attribute {name!r}")
