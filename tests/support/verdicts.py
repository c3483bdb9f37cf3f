"""A cycle whose round 1 is judged pass / fail, with verdicts given as letters (shared by the round results tests)."""

from __future__ import annotations

from awards.extensions import db
from awards.models import RoundEntries, RoundMode, Verdict
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review
from tests.support.programme import add_round

LETTER = {"P": Verdict.PASS, "U": Verdict.UNSURE, "F": Verdict.FAIL}


def pass_fail_cycle(verdicts: dict[str, str], *, final: bool = False):
    """A cycle in judging whose round 1 is pass/fail (with a scored round 2 of advanced entries unless `final`):
    entries in the first category, each judged by the letters given (P, U, F: one judge each)."""
    cycle = make_cycle(status="judging")
    first = cycle.rounds[0]
    first.mode = RoundMode.PASS_FAIL
    first.is_final = final
    cycle.categories[0].shortlist_size = 2
    db.session.commit()
    if not final:
        add_round(cycle, "Final panel", entries=RoundEntries.ADVANCED, is_final=True)
    judges = [make_judge(cycle) for _ in range(3)]
    entries = {}
    for key, letters in verdicts.items():
        entries[key] = make_nomination(cycle, category=cycle.categories[0], title=f"Entry {key}")
        for judge, letter in zip(judges, letters, strict=False):
            make_review(make_assignment(judge, entries[key]), status="submitted", verdict=LETTER[letter])
    return cycle, entries, judges
