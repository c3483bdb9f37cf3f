"""Judging: the judges and their affiliations, conflicts, assignment of nominations to judges, reviews and score
sheets, progress and reminders, and blind copies."""
