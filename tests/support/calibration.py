"""Shared by the calibration tests (tests/domain/test_calibration.py, tests/web/test_calibration.py)."""

from __future__ import annotations

from tests.factories import make_user


def judge_account(name: str):
    """A judge's account at judges.example.org (not conflicted with the factories' nominations)."""
    first = name.split()[0].lower()
    return make_user(name=name, email=f"{first}@judges.example.org", roles=("judge",), organisation="Judging Partners")
