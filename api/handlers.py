"""Imports every service's handler module so that its operations register."""

# Service handler modules are added here as they land, e.g. ``from . import sqs``.
