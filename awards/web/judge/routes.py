"""The judge's assignments, conflict declarations and score sheets."""

from . import bp  # noqa: F401
