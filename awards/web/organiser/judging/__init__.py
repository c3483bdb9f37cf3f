"""Judging a cycle: its rounds, judges, criteria, conflicts of interest, assignment, redaction, progress and
reviews (templates/organiser/judging/)."""

from awards.web.organiser.judging import (  # noqa: F401
    assignment,
    calibration,
    conflicts,
    criteria,
    feedback,
    judges,
    meeting,
    progress,
    redaction,
    reviews,
    rounds,
)
