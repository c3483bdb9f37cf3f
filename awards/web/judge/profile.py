"""The judge's expertise per trend."""

from . import bp  # noqa: F401
