"""Imports every service's handler module so that its operations register."""

# Service handler modules are added here as they land, e.g. ``from . import sqs``.
from . import (
    events,  # noqa: F401,E402
    sns,  # noqa: F401,E402
    sqs,  # noqa: F401,E402
)
