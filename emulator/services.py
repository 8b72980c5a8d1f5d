"""Imports every service package so that each registers its factory with ``core.service``."""

# Service packages are added here as they land, e.g. ``from . import sqs``.
from . import (
    sns,  # noqa: E402,F401
    sqs,  # noqa: E402,F401
)
