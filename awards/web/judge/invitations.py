"""Accepting an invitation to judge a cycle."""

from . import bp  # noqa: F401
