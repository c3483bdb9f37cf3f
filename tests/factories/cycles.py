"""Cycles: an awards cycle with the default trends, categories and criteria in one call."""

from __future__ import annotations

from awards.extensions import db


def make_cycle(
    *,
    name: str = "Public Sector Digital Awards 2026",
    year: int = 2026,
    status: str = "open",
    open_at=None,
    close_at=None,
    **rules,
):
    """A cycle with the default trends, categories and criteria; open now unless told otherwise."""
    from datetime import timedelta

    from awards.domain.core.clock import utcnow
    from awards.domain.programme import cycles, taxonomy
    from awards.models import CycleStatus

    taxonomy.seed_trends()
    now = utcnow()
    cycle = cycles.create_cycle(
        name=name,
        year=year,
        nominations_open_at=open_at or now - timedelta(days=30),
        nominations_close_at=close_at or now + timedelta(days=30),
        **rules,
    )
    cycle.status = CycleStatus(status)
    db.session.commit()
    return cycle
