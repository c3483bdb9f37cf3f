"""Fixtures of the web tests."""

from __future__ import annotations

import pytest

from ..support.access_matrix import ASSIGNED, CONFLICTED, JUDGE, NOMINEE, NOT_OWNER, ORGANISER, OWNER, UNASSIGNED


@pytest.fixture
def audience_users(nominee, judge, organiser) -> dict:
    """A user per signed-in audience (NOMINEE and JUDGE name the owner and the assigned judge too)."""
    from ..factories import make_user

    users = {OWNER: nominee, NOT_OWNER: make_user(name="Nat Other", email="nat@elsewhere.gov.uk"),
             ASSIGNED: judge,
             UNASSIGNED: make_user(name="Una Unassigned", email="una@judging.example.org", roles=("judge",)),
             CONFLICTED: make_user(name="Cora Conflicted", email="cora@conflicted.example.gov.uk", roles=("judge",),
                                   organisation="Conflicted Example Trust"),
             ORGANISER: organiser}
    return {**users, NOMINEE: nominee, JUDGE: judge}

