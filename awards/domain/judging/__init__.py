"""Judging: the judges, their conflicts, assignment of nominations to judges, reviews and score sheets, progress and reminders, and blind copies."""
