"""Answers kept for the rest of a transaction that has written nothing (domain/core/transaction_memo.py): asked
again, answered without a statement; after any write, commit or rollback, or with a change pending, asked afresh.
Used for whether a judge is conflicted with an entry and whether a person judges any cycle."""

from awards.domain.core.clock import utcnow
from awards.domain.core.transaction_memo import kept_in_transaction
from awards.domain.judging import conflicts
from awards.extensions import db
from awards.models import ConflictOfInterest
from awards.permissions import judges_any_cycle
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user
from tests.support.queries import counting_queries


def _counter():
    calls = {"n": 0}

    def compute():
        calls["n"] += 1
        return calls["n"]

    return calls, compute


def test_an_answer_is_kept_until_the_transaction_writes_or_ends(app):
    calls, compute = _counter()
    db.session.commit()
    assert kept_in_transaction("k", compute) == 1
    assert kept_in_transaction("k", compute) == 1  # kept
    assert kept_in_transaction("other", compute) == 2  # by key
    user = make_user(name="Amy & Bo 🎉", email="amy@riverside.gov.uk")  # commits: forgotten
    assert kept_in_transaction("k", compute) == 3
    user.name = "Amy"  # a change pending: never kept
    assert kept_in_transaction("k", compute) == 4
    assert kept_in_transaction("k", compute) == 5
    db.session.flush()  # written: forgotten, and kept again from here
    assert kept_in_transaction("k", compute) == 6
    assert kept_in_transaction("k", compute) == 6
    db.session.rollback()
    assert kept_in_transaction("k", compute) == 7


def test_a_conflict_recorded_in_the_same_transaction_is_seen(app):
    cycle = make_cycle()
    judge = make_judge(cycle, make_user(name="Jo", email="jo@judging.example.org", roles=("judge",)))
    nomination = make_nomination(cycle, nominator=make_user(name="Nia", email="nia@riverside.gov.uk"))
    make_assignment(judge, nomination)
    assert conflicts.is_conflicted(judge, nomination) is False
    with counting_queries() as counted:
        assert conflicts.is_conflicted(judge, nomination) is False
    assert counted["n"] == 0
    db.session.add(
        ConflictOfInterest(judge_id=judge.id, nomination_id=nomination.id, source="declared", created_at=utcnow())
    )
    assert conflicts.is_conflicted(judge, nomination) is True  # pending: asked afresh (the query flushes it)
    assert conflicts.is_conflicted(judge, nomination) is True


def test_whether_a_person_judges_is_asked_once_a_page(app):
    user = make_user(name="Jo", email="jo@judging.example.org", roles=("judge",))
    assert judges_any_cycle(user) is False
    make_judge(make_cycle(), user)  # commits
    assert judges_any_cycle(user) is True
    with counting_queries() as counted:
        assert judges_any_cycle(user) is True
    assert counted["n"] == 0
