"""Score sheets: when scoring is open, drafts and submission, refused values, the optimistic
lock, reopening, and the judge's list of work."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, NotAllowed
from awards.domain.judging import conflicts, rounds
from awards.domain.judging import reviews as rules
from awards.extensions import db
from awards.models import AuditEvent, CycleStatus, Review, ReviewStatus, RoundMode
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user

E = rules.ScoreEntry


@pytest.fixture
def cycle(app):
    now = utcnow()
    return make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))


@pytest.fixture
def judge(cycle):
    return make_judge(cycle)


@pytest.fixture
def nomination(cycle):
    return make_nomination(cycle)


@pytest.fixture
def assignment(judge, nomination):
    return make_assignment(judge, nomination, no_conflict_declared=True)


def every(cycle, value=7):
    return {c.id: E(value=value) for c in cycle.rounds[0].criteria}


# ------------------------------------------------------------------ when scoring is open


@pytest.mark.parametrize(
    "status,open_", [("draft", False), ("open", False), ("closed", False), ("judging", True), ("published", False)]
)
def test_scoring_is_open_only_while_judging(cycle, status, open_):
    cycle.status = CycleStatus(status)
    assert rounds.scoring_open(cycle.rounds[0]) is open_
    assert (rounds.scoring_problem(cycle.rounds[0]) is None) is open_


def test_scoring_closes_at_the_judging_close_instant(cycle):
    close = utcnow() + timedelta(hours=1)
    cycle.rounds[0].closes_at = close
    assert rounds.scoring_open(cycle.rounds[0], now=close - timedelta(seconds=1))
    assert not rounds.scoring_open(cycle.rounds[0], now=close)
    assert "Judging closed at" in rounds.scoring_problem(cycle.rounds[0], now=close)
    assert rounds.scoring_problem(cycle.rounds[0], now=close).endswith(", so scores can no longer be saved or changed.")


@pytest.mark.parametrize(
    "mode,what", [("pass_fail", "so verdicts can no longer"), ("ranking", "so notes and rankings can no longer")]
)
def test_a_closed_round_names_what_its_judges_can_no_longer_save(cycle, mode, what):
    """A pass/fail round's judges give verdicts and a ranking round's notes and rankings, not scores."""
    close = utcnow() + timedelta(hours=1)
    cycle.rounds[0].closes_at = close
    cycle.rounds[0].mode = RoundMode(mode)
    problem = rounds.scoring_problem(cycle.rounds[0], now=close)
    assert what in problem and "scores" not in problem


# ------------------------------------------------------------------ saving


def test_a_draft_may_be_partial_and_a_submission_may_not(cycle, assignment):
    first, second = cycle.rounds[0].criteria[:2]
    review = rules.save_review(
        assignment,
        {first.id: E(value=4), second.id: E(comment="Later")},
        submit=False,
        version=0,
        by=assignment.judge.user,
    )
    db.session.commit()
    assert review.status is ReviewStatus.DRAFT and review.version == 1
    with pytest.raises(rules.IncompleteReview) as error:
        rules.save_review(assignment, {first.id: E(value=4)}, submit=True, version=1, by=assignment.judge.user)
    assert [f for f, _ in error.value.problems] == [f"score-{c.id}" for c in cycle.rounds[0].criteria[1:]]
    db.session.rollback()
    review = rules.save_review(assignment, every(cycle), submit=True, version=1, by=assignment.judge.user)
    db.session.commit()
    assert review.status is ReviewStatus.SUBMITTED and review.submitted_at is not None
    assert {s.value for s in review.scores} == {7}
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.submitted"))


def test_not_applicable_counts_as_an_answer_where_allowed(cycle, assignment):
    allowed = cycle.rounds[0].criteria[0]
    allowed.allow_not_applicable = True
    entries = every(cycle)
    entries[allowed.id] = E(not_applicable=True)
    review = rules.save_review(assignment, entries, submit=True, version=0, by=assignment.judge.user)
    score = next(s for s in review.scores if s.criterion_id == allowed.id)
    assert score.not_applicable and score.value is None


@pytest.mark.parametrize("entry", [E(value=0), E(value=11), E(not_applicable=True), E(value=5, not_applicable=True)])
def test_values_no_form_sends_are_refused(cycle, assignment, entry):
    entries = every(cycle)
    entries[cycle.rounds[0].criteria[0].id] = entry
    with pytest.raises(rules.InvalidScores):
        rules.save_review(assignment, entries, submit=False, version=0, by=assignment.judge.user)


def test_another_cycles_criterion_is_refused(cycle, assignment):
    other = make_cycle(name="Other", year=2027)
    with pytest.raises(rules.InvalidScores):
        rules.save_review(
            assignment, {other.rounds[0].criteria[0].id: E(value=5)}, submit=False, version=0, by=assignment.judge.user
        )


def test_only_the_assigned_judge_who_declared_may_score(cycle, nomination, assignment):
    someone = make_user(roles=("judge",))
    with pytest.raises(NotAllowed):
        rules.save_review(assignment, every(cycle), submit=False, version=0, by=someone)
    assignment.no_conflict_declared_at = None
    with pytest.raises(NotAllowed, match="conflict of interest before"):
        rules.save_review(assignment, every(cycle), submit=False, version=0, by=assignment.judge.user)


def test_a_conflicted_judge_may_not_score(cycle, nomination, assignment):
    assignment.judge.organisation = nomination.organisation_name
    with pytest.raises(NotAllowed, match="conflict of interest"):
        rules.save_review(assignment, every(cycle), submit=False, version=0, by=assignment.judge.user)


def test_scores_are_refused_after_judging_closes(cycle, assignment):
    cycle.rounds[0].closes_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotAllowed, match="Judging closed"):
        rules.save_review(assignment, every(cycle), submit=True, version=0, by=assignment.judge.user)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_submitted_scores_are_locked(cycle, assignment):
    rules.save_review(assignment, every(cycle), submit=True, version=0, by=assignment.judge.user)
    db.session.commit()
    with pytest.raises(Conflict, match="already submitted"):
        rules.save_review(assignment, every(cycle, 2), submit=False, version=2, by=assignment.judge.user)


def test_a_save_from_an_old_copy_is_refused(cycle, assignment):
    rules.save_review(assignment, every(cycle), submit=False, version=0, by=assignment.judge.user)
    db.session.commit()
    with pytest.raises(rules.StaleReview):
        rules.save_review(assignment, every(cycle, 3), submit=False, version=0, by=assignment.judge.user)


def test_two_saves_racing_on_one_sheet_one_wins(cycle, assignment):
    """Both saves read version 1; the other commits first, so this one's UPDATE matches no row."""
    review = rules.save_review(assignment, every(cycle), submit=False, version=0, by=assignment.judge.user)
    db.session.commit()
    assert review.version == 1
    loaded = rules.review_of(assignment)
    # the other request's save lands between this one's read and its write
    table = Review.__table__
    with db.engine.begin() as other:
        other.execute(sa.update(table).where(table.c.id == review.id).values(version=table.c.version + 1))
    with pytest.raises(StaleDataError):
        rules.save_review(assignment, every(cycle, 2), submit=False, version=loaded.version, by=assignment.judge.user)
    db.session.rollback()
    db.session.expire_all()
    assert {s.value for s in rules.review_of(assignment).scores} == {7}


def test_unanswered_criteria_without_comments_leave_no_row(cycle, assignment):
    first = cycle.rounds[0].criteria[0]
    rules.save_review(assignment, {first.id: E(value=5)}, submit=False, version=0, by=assignment.judge.user)
    review = rules.save_review(assignment, {first.id: E()}, submit=False, version=1, by=assignment.judge.user)
    db.session.commit()
    assert review.scores == []


# ------------------------------------------------------------------ reopening


def test_reopening_returns_a_draft_records_it_and_emails_the_judge(cycle, assignment, outbox):
    organiser = make_user(roles=("organiser",))
    review = rules.save_review(assignment, every(cycle), submit=True, version=0, by=assignment.judge.user)
    db.session.commit()
    rules.reopen_review(review, by=organiser, reason="Criterion 3 again, please")
    db.session.commit()
    assert review.status is ReviewStatus.DRAFT and review.submitted_at is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.reopened"))
    assert event.actor_id == organiser.id and event.detail["reason"] == "Criterion 3 again, please"
    [mail] = outbox("review_reopened")
    assert mail.to_address == assignment.judge.user.email
    assert (
        f"http://127.0.0.1:5000/judging/nominations/{assignment.nomination.reference}" in mail.body_text
        or f"/judging/nominations/{assignment.nomination.reference}" in mail.body_text
    )


def test_only_organisers_reopen_and_only_submitted_scores(cycle, assignment):
    organiser = make_user(roles=("organiser",))
    review = make_review(assignment, status="draft")
    with pytest.raises(Conflict, match="have not been submitted"):
        rules.reopen_review(review, by=organiser)
    review.status, review.submitted_at = ReviewStatus.SUBMITTED, utcnow()
    with pytest.raises(NotAllowed):
        rules.reopen_review(review, by=assignment.judge.user)


def test_reopening_is_refused_when_the_judge_could_not_resubmit(cycle, assignment):
    organiser = make_user(roles=("organiser",))
    review = make_review(assignment, status="submitted")
    cycle.rounds[0].closes_at = utcnow() - timedelta(minutes=5)
    assert "Move the judging closing time" in rules.reopen_problem(review)
    cycle.rounds[0].closes_at = None
    cycle.status = CycleStatus.PUBLISHED
    with pytest.raises(Conflict, match="published"):
        rules.reopen_review(review, by=organiser)


# ------------------------------------------------------------------ the judge's list


def test_work_lists_statuses_and_hides_conflicts(cycle, judge, assignment):
    user = judge.user
    drafted = make_assignment(judge, make_nomination(cycle, title="Drafted"))
    make_review(drafted, status="draft")
    done = make_assignment(judge, make_nomination(cycle, title="Done"))
    make_review(done, status="submitted")
    recused = make_nomination(cycle, title="Recused")
    make_assignment(judge, recused)
    conflicts.declare(judge, recused, has_conflict=True, by=user)
    hidden = make_nomination(cycle, title="Hidden", contact_email=user.email)
    make_assignment(judge, hidden)
    db.session.commit()
    [work] = rules.work_of(user)
    statuses = {row.reference: (row.status, row.title) for row in work.rows}
    assert statuses[assignment.nomination.reference][0] == rules.NOT_STARTED
    assert statuses[drafted.nomination.reference] == (rules.IN_PROGRESS, "Drafted")
    assert statuses[done.nomination.reference] == (rules.SUBMITTED, "Done")
    assert statuses[recused.reference] == (rules.CONFLICT_DECLARED, "")
    assert hidden.reference not in statuses
    assert (work.assigned, work.submitted, work.in_progress, work.not_started, work.percent) == (3, 1, 1, 1, 33)


def test_work_covers_every_accepted_membership(cycle, judge):
    other_cycle = make_cycle(name="Other awards", year=2027, status="judging")
    make_judge(other_cycle, judge.user)
    make_judge(make_cycle(name="Invited only", year=2028), email=judge.user.email, accepted=False)
    names = [w.cycle.name for w in rules.work_of(judge.user)]
    assert names == ["Other awards", cycle.name]
