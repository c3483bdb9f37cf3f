"""Cycles and trends for tests: a trend by its code, a complete "Create a cycle" form, the trends a cycle
form offers, and a cycle's next judging round."""

from __future__ import annotations

import re

import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.programme import cycles, taxonomy
from awards.extensions import db
from awards.models import Criterion, Cycle, JudgingRound, RoundEntries, Trend


def offered_trend_ids(response) -> set[int]:
    html = response.get_data(as_text=True)
    return {
        int(v) for v in re.findall(r'<input class="govuk-checkboxes__input"[^>]*name="trends"[^>]*value="(\d+)"', html)
    }


def trend(code: str) -> Trend:
    return db.session.scalar(sa.select(Trend).where(Trend.code == code))


def cycle_form(**overrides) -> dict:
    """A complete, valid "Create a cycle" form as the browser posts it."""
    taxonomy.seed_trends()
    db.session.commit()
    data = {
        "name": "Public Sector Digital Awards 2026",
        "year": "2026",
        "slug": "",
        "description": "Awards for digital work in public services.",
        "time_zone": "Europe/London",
        "nominations_open_date": ["2", "3", "2026"],
        "nominations_open_time": "9am",
        "nominations_close_date": ["28", "6", "2026"],
        "nominations_close_time": "17:00",
        "judging_close_date": ["", "", ""],
        "judging_close_time": "",
        "trends": [str(trend(code).id) for code in ("D1", "D2", "T1", "T2")],
        "trends_min": "1",
        "trends_max": "3",
        "judges_per_nomination": "3",
        "judge_max_load": "20",
        "reference_prefix": "PSDA",
        "form_start": "default",
        "categories": [item["slug"] for item in cycles.default_categories()],
    }
    data.update(overrides)
    return data


def add_round(
    cycle: Cycle,
    name: str = "Final panel",
    *,
    criteria: tuple[tuple[str, int], ...] = (("Overall impact", 60), ("Quality of evidence", 40)),
    **settings,
) -> JudgingRound:
    """The cycle's next judging round (entries advanced from the round before, unless `entries` says
    otherwise), scored against `criteria` (name, weight; scale 1 to 10), committed."""
    now = utcnow()
    settings.setdefault("entries", RoundEntries.ADVANCED)
    judging_round = JudgingRound(number=len(cycle.rounds) + 1, name=name, created_at=now, updated_at=now, **settings)
    for position, (criterion, weight) in enumerate(criteria):
        judging_round.criteria.append(
            Criterion(cycle=cycle, name=criterion, weight=weight, scale_min=1, scale_max=10, position=position)
        )
    cycle.rounds.append(judging_round)
    db.session.commit()
    return judging_round
