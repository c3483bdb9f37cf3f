"""Factories: build what a test needs in one call each (`from tests.factories import make_user`), one module per
part of the product: people, cycles, nominations, judging, publishing. Several people add to these modules:
add new functions, never change what an existing one does, and name each new one here."""

from tests.factories.cycles import make_cycle
from tests.factories.judging import add_conflict, make_assignment, make_judge, make_review, set_expertise
from tests.factories.nominations import make_nomination
from tests.factories.people import DEFAULT_PASSWORD, ROLE_PEOPLE, make_user
from tests.factories.publishing import (
    STATUS_FOR_RESULT,
    make_published_case,
    make_published_cycle,
    make_shortlisted_nomination,
)

__all__ = [
    "DEFAULT_PASSWORD",
    "ROLE_PEOPLE",
    "STATUS_FOR_RESULT",
    "add_conflict",
    "make_assignment",
    "make_cycle",
    "make_judge",
    "make_nomination",
    "make_published_case",
    "make_published_cycle",
    "make_review",
    "make_shortlisted_nomination",
    "make_user",
    "set_expertise",
]
