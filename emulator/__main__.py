"""``python -m emulator``: the process entry point, the same as the ``sluice`` command.

The only module of ``emulator/`` that reaches into ``api/``: starting a server is the one thing the
domain cannot do by itself.
"""

import sys

from api.cli import main

sys.exit(main())
