"""The image's HEALTHCHECK: GET /_sluice/health on the port Sluice listens on.

The port is the one the ``sluice`` command resolves (GATEWAY_LISTEN, else SLUICE_PORT, else 4566), so
moving it with either variable keeps the container healthy. Exit 0 when Sluice answers 200, else 1.
"""

import os
import sys
import urllib.request


def port() -> int:
    listen = os.environ.get("GATEWAY_LISTEN", "").strip()
    if listen:
        first = listen.split(",")[0].strip()
        return int(first.rpartition(":")[2] or first)
    return int(os.environ.get("SLUICE_PORT", "4566"))


def main() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port()}/_sluice/health", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except (OSError, ValueError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
