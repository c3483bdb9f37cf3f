"""Shared by the calibration tests (tests/domain/test_calibration.py, tests/web/test_calibration.py)."""

from __future__ import annotations

from datetime import timedelta

from awards.domain.core.clock import utcnow
from tests.factories import make_cycle, make_user


def earlier_cycle():
    """Last year's cycle, published: where a calibration example comes from."""
    now = utcnow()
    return make_cycle(
        name="Public Sector Digital Awards 2025",
        year=2025,
        status="published",
        open_at=now - timedelta(days=400),
        close_at=now - timedelta(days=340),
    )


def calibrating_cycle():
    """This year’s cycle, in judging (nominations closed yesterday): the one calibrated."""
    now = utcnow()
    return make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))


def judge_account(name: str):
    """A judge's account at judges.example.org (not conflicted with the factories' nominations)."""
    first = name.split()[0].lower()
    return make_user(name=name, email=f"{first}@judges.example.org", roles=("judge",), organisation="Judging Partners")
