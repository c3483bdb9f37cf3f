"""Judging in pass/fail and ranking rounds (reviews.save_verdict, save_notes, save_ranking) and feedback for
the entrant on every kind of sheet: what is stored, what is refused and in which words."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, NotAllowed
from awards.domain.judging import reviews
from awards.extensions import db
from awards.models import AssignmentStatus, AuditEvent, FeedbackStatus, Review, ReviewStatus, RoundMode, Verdict
from tests.factories import add_conflict, make_assignment, make_cycle, make_judge, make_nomination, make_review


def cycle_in_mode(mode: RoundMode):
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    cycle.rounds[0].mode = mode
    db.session.commit()
    return cycle


@pytest.fixture
def pass_fail(app):
    return cycle_in_mode(RoundMode.PASS_FAIL)


@pytest.fixture
def ranking(app):
    return cycle_in_mode(RoundMode.RANKING)


def assigned(cycle, judge=None, count=1, **fields):
    """`count` nominations assigned to the judge (made if None), each declared free of conflict."""
    judge = judge or make_judge(cycle)
    return judge, [
        make_assignment(judge, make_nomination(cycle, title=f"Project {i}"), no_conflict_declared=True, **fields)
        for i in range(count)
    ]


def saved_of(assignment) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Review).where(Review.assignment_id == assignment.id))


# ------------------------------------------------------------------ pass/fail


def test_a_verdict_is_saved_as_a_draft_then_submitted_and_audited(pass_fail):
    judge, (a,) = assigned(pass_fail)
    review = reviews.save_verdict(a, None, overall_comment="  Reading it  ", submit=False, version=0, by=judge.user)
    db.session.commit()
    assert review.status is ReviewStatus.DRAFT and review.verdict is None and review.overall_comment == "Reading it"

    with pytest.raises(reviews.IncompleteReview) as refused:
        reviews.save_verdict(a, None, submit=True, version=review.version, by=judge.user)
    assert refused.value.problems == [("verdict", "Select pass, fail or unsure")]
    db.session.rollback()

    reviews.save_verdict(a, Verdict.UNSURE, submit=True, version=saved_of(a).version, by=judge.user)
    db.session.commit()
    review = saved_of(a)
    assert review.status is ReviewStatus.SUBMITTED and review.verdict is Verdict.UNSURE and review.submitted_at
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.submitted"))
    assert event.detail["verdict"] == "unsure" and event.detail["nomination"] == a.nomination.reference

    with pytest.raises(Conflict, match="already submitted your verdict"):
        reviews.save_verdict(a, Verdict.PASS, submit=True, version=review.version, by=judge.user)


def test_a_sheet_of_another_mode_is_refused_in_words(pass_fail):
    judge, (a,) = assigned(pass_fail)
    with pytest.raises(NotAllowed, match="This round is judged by a verdict of pass, fail or unsure"):
        reviews.save_review(a, {}, submit=False, version=0, by=judge.user)
    with pytest.raises(NotAllowed, match="by a verdict"):
        reviews.save_notes(a, overall_comment="Notes", version=0, by=judge.user)
    scores = cycle_in_mode(RoundMode.SCORES)
    judge, (b,) = assigned(scores)
    with pytest.raises(NotAllowed, match="by scores against its criteria"):
        reviews.save_verdict(b, Verdict.PASS, submit=True, version=0, by=judge.user)


def test_a_closed_round_refuses_a_verdict_and_a_ranking(pass_fail, ranking):
    judge, (a,) = assigned(pass_fail)
    pass_fail.rounds[0].closes_at = utcnow() - timedelta(minutes=1)
    ranker, entries = assigned(ranking, count=2)
    ranking.rounds[0].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(NotAllowed, match="Judging closed at"):
        reviews.save_verdict(a, Verdict.PASS, submit=True, version=0, by=judge.user)
    with pytest.raises(NotAllowed, match="Judging closed at"):
        reviews.save_ranking(
            ranker, ranking.rounds[0], {entries[0].id: 1, entries[1].id: 2}, versions={}, submit=True, by=ranker.user
        )
    with pytest.raises(NotAllowed, match="Judging closed at"):
        reviews.save_notes(entries[0], overall_comment="Late", version=0, by=ranker.user)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_an_old_copy_of_the_verdict_cannot_overwrite_a_newer_one(pass_fail):
    judge, (a,) = assigned(pass_fail)
    reviews.save_verdict(a, Verdict.PASS, submit=False, version=0, by=judge.user)
    db.session.commit()
    with pytest.raises(reviews.StaleReview, match="Your verdict was saved in another window"):
        reviews.save_verdict(a, Verdict.FAIL, submit=False, version=0, by=judge.user)


# ------------------------------------------------------------------ feedback for the entrant


def test_feedback_waits_for_review_when_written_or_changed_and_is_none_when_emptied(pass_fail):
    judge, (a,) = assigned(pass_fail)

    def save(feedback):
        version = saved_of(a).version if saved_of(a) else 0
        review = reviews.save_verdict(a, Verdict.PASS, feedback=feedback, submit=False, version=version, by=judge.user)
        db.session.commit()
        return saved_of(a) or review

    review = save("  Strong evidence of savings.  ")
    assert review.feedback == "Strong evidence of savings." and review.feedback_status is FeedbackStatus.PENDING

    review.feedback_status = FeedbackStatus.APPROVED  # as the organisers' review would leave it
    db.session.commit()
    assert save("Strong evidence of savings.").feedback_status is FeedbackStatus.APPROVED  # unchanged: kept
    assert save(None).feedback_status is FeedbackStatus.APPROVED  # not sent: left as it is
    review = save("Strong evidence of savings; say more about users.")
    assert review.feedback_status is FeedbackStatus.PENDING  # changed: to review again
    review = save("   ")
    assert review.feedback == "" and review.feedback_status is FeedbackStatus.NONE


def test_feedback_on_a_score_sheet_and_in_a_ranking_rounds_notes(ranking):
    scores = cycle_in_mode(RoundMode.SCORES)
    judge, (a,) = assigned(scores)
    review = reviews.save_review(a, {}, feedback="Clear aims.", submit=False, version=0, by=judge.user)
    db.session.commit()
    assert review.feedback == "Clear aims." and review.feedback_status is FeedbackStatus.PENDING
    review = reviews.save_review(a, {}, submit=False, version=saved_of(a).version, by=judge.user)  # no feedback sent
    assert review.feedback == "Clear aims."

    ranker, (b,) = assigned(ranking)
    review = reviews.save_notes(b, overall_comment="Good.", feedback="Well told.", version=0, by=ranker.user)
    db.session.commit()
    review = saved_of(b)
    assert (review.overall_comment, review.feedback, review.feedback_status) == (
        "Good.",
        "Well told.",
        FeedbackStatus.PENDING,
    )
    assert review.status is ReviewStatus.DRAFT and review.rank is None


def test_feedback_too_long_is_refused_with_its_limit(pass_fail):
    judge, (a,) = assigned(pass_fail)
    too_long = "x" * (reviews.FEEDBACK_MAX_LENGTH + 1)
    with pytest.raises(reviews.IncompleteReview) as refused:
        reviews.save_verdict(a, Verdict.PASS, feedback=too_long, submit=False, version=0, by=judge.user)
    assert refused.value.problems == [
        ("feedback", f"Your feedback for the entrant must be {reviews.FEEDBACK_MAX_LENGTH:,} characters or fewer")
    ]
    assert reviews.FEEDBACK_MAX_LENGTH == reviews.OVERALL_COMMENT_MAX_LENGTH


# ------------------------------------------------------------------ ranking


def test_the_entries_to_rank_leave_out_conflicts_recusals_calibration_and_other_rounds(ranking):
    judge, entries = assigned(ranking, count=4)
    add_conflict(judge, entries[1].nomination)  # recorded by an organiser
    entries[2].status = AssignmentStatus.RECUSED  # declared by the judge
    db.session.commit()
    make_assignment(judge, make_nomination(ranking, title="An example"), calibration=True, no_conflict_declared=True)
    other = make_judge(ranking)
    make_assignment(other, entries[0].nomination, no_conflict_declared=True)
    assert reviews.ranking_entries(judge, ranking.rounds[0]) == [entries[0], entries[3]]


def test_a_draft_ranking_may_leave_gaps_and_clashes_but_a_submitted_one_uses_each_position_once(ranking):
    judge, entries = assigned(ranking, count=3)
    first, second, third = entries
    judging_round = ranking.rounds[0]

    saved = reviews.save_ranking(
        judge, judging_round, {first.id: 2, second.id: 2, third.id: None}, versions={}, submit=False, by=judge.user
    )
    db.session.commit()
    assert [r.rank for r in saved] == [2, 2, None] and all(r.status is ReviewStatus.DRAFT for r in saved)

    versions = {a.id: saved_of(a).version for a in entries}
    with pytest.raises(reviews.IncompleteReview) as refused:
        reviews.save_ranking(
            judge,
            judging_round,
            {first.id: 2, second.id: 2, third.id: None},
            versions=versions,
            submit=True,
            by=judge.user,
        )
    assert refused.value.problems == [
        (f"position-{third.id}", f"Select a position for {third.nomination.reference}"),
        (f"position-{first.id}", "Two entries are in position 2"),
    ]
    db.session.rollback()
    with pytest.raises(reviews.IncompleteReview, match="Three entries are in position 1"):
        reviews.save_ranking(
            judge, judging_round, dict.fromkeys(versions, 1), versions=versions, submit=True, by=judge.user
        )
    db.session.rollback()

    reviews.save_ranking(
        judge, judging_round, {first.id: 3, second.id: 1, third.id: 2}, versions=versions, submit=True, by=judge.user
    )
    db.session.commit()
    assert [(saved_of(a).rank, saved_of(a).status) for a in entries] == [
        (3, ReviewStatus.SUBMITTED),
        (1, ReviewStatus.SUBMITTED),
        (2, ReviewStatus.SUBMITTED),
    ]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "review.submitted")).all()
    assert sorted(e.detail["rank"] for e in events) == [1, 2, 3]
    assert reviews.ranking_submitted(reviews.ranking_entries(judge, judging_round))

    with pytest.raises(Conflict, match="already submitted your ranking"):
        reviews.save_ranking(judge, judging_round, {first.id: 1}, versions=versions, submit=False, by=judge.user)
    with pytest.raises(Conflict, match="already submitted your ranking"):
        reviews.save_notes(first, overall_comment="More", version=saved_of(first).version, by=judge.user)


def test_a_ranking_refuses_positions_out_of_range_and_entries_not_the_judges(ranking):
    judge, entries = assigned(ranking, count=2)
    other, (theirs,) = assigned(ranking)
    judging_round = ranking.rounds[0]
    with pytest.raises(reviews.InvalidScores, match="Positions must be from 1 to 2"):
        reviews.save_ranking(judge, judging_round, {entries[0].id: 3}, versions={}, submit=False, by=judge.user)
    with pytest.raises(reviews.InvalidScores, match="not of your entries"):
        reviews.save_ranking(judge, judging_round, {theirs.id: 1}, versions={}, submit=False, by=judge.user)
    with pytest.raises(NotAllowed):
        reviews.save_ranking(judge, judging_round, {entries[0].id: 1}, versions={}, submit=False, by=other.user)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_submitting_a_ranking_needs_every_entrys_conflict_question_answered(ranking):
    judge, (declared,) = assigned(ranking)
    undeclared = make_assignment(judge, make_nomination(ranking, title="Not yet opened"))
    with pytest.raises(reviews.IncompleteReview) as refused:
        reviews.save_ranking(judge, ranking.rounds[0], {declared.id: 1}, versions={}, submit=True, by=judge.user)
    assert refused.value.problems == [
        (
            f"position-{undeclared.id}",
            f"Open {undeclared.nomination.reference} and say whether you have a conflict of interest with it "
            "before you submit your ranking",
        )
    ]


def test_an_entry_added_after_a_submitted_ranking_takes_the_free_position(ranking):
    judge, entries = assigned(ranking, count=2)
    for position, a in enumerate(entries, 1):
        make_review(a, status="submitted", rank=position)
    late = make_assignment(judge, make_nomination(ranking, title="Late"), no_conflict_declared=True)
    judging_round = ranking.rounds[0]
    with pytest.raises(reviews.IncompleteReview, match="Two entries are in position 1"):
        reviews.save_ranking(judge, judging_round, {late.id: 1}, versions={}, submit=True, by=judge.user)
    db.session.rollback()
    reviews.save_ranking(judge, judging_round, {late.id: 3}, versions={}, submit=True, by=judge.user)
    db.session.commit()
    assert saved_of(late).rank == 3 and saved_of(late).status is ReviewStatus.SUBMITTED
    assert [saved_of(a).rank for a in entries] == [1, 2]


# ------------------------------------------------------------------ reopening


def test_reopening_one_review_of_a_ranking_reopens_the_whole_ranking(ranking):
    from awards.models import OutboxMessage
    from tests.factories import make_user

    judge, entries = assigned(ranking, count=3)
    reviews.save_ranking(
        judge,
        ranking.rounds[0],
        {a.id: position for position, a in enumerate(entries, 1)},
        versions={},
        submit=True,
        by=judge.user,
    )
    other, (theirs,) = assigned(ranking)
    make_review(theirs, status="submitted", rank=1)
    db.session.commit()
    organiser = make_user(roles=("organiser",))
    reviews.reopen_review(saved_of(entries[1]), by=organiser, reason="Two entries swapped")
    db.session.commit()
    assert [(saved_of(a).status, saved_of(a).rank) for a in entries] == [
        (ReviewStatus.DRAFT, 1),
        (ReviewStatus.DRAFT, 2),
        (ReviewStatus.DRAFT, 3),
    ]
    assert saved_of(theirs).status is ReviewStatus.SUBMITTED  # another judge's ranking is theirs
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "review.reopened")) == 3
    (mail,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mail.kind == "judgement_reopened" and mail.subject == "Your ranking in Judging has been reopened"
    assert "have reopened your ranking in Judging" in mail.body_text and "Two entries swapped" in mail.body_text
    assert f"/judging/cycles/{ranking.slug}/rounds/1/ranking" in mail.body_text
    # The judge can rank again
    reviews.save_ranking(
        judge,
        ranking.rounds[0],
        {entries[0].id: 2, entries[1].id: 1, entries[2].id: 3},
        versions={a.id: saved_of(a).version for a in entries},
        submit=True,
        by=judge.user,
    )
    assert [saved_of(a).rank for a in entries] == [2, 1, 3]


def test_reopening_a_verdict_says_it_is_a_verdict(pass_fail):
    from awards.models import OutboxMessage
    from tests.factories import make_user

    judge, (a,) = assigned(pass_fail)
    reviews.save_verdict(a, Verdict.FAIL, submit=True, version=0, by=judge.user)
    db.session.commit()
    reviews.reopen_review(saved_of(a), by=make_user(roles=("organiser",)))
    db.session.commit()
    assert saved_of(a).status is ReviewStatus.DRAFT and saved_of(a).verdict is Verdict.FAIL
    (mail,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mail.subject == f"Your verdict on {a.nomination.reference} has been reopened"
    assert "have reopened your verdict on this nomination" in mail.body_text
    assert "scores" not in mail.body_text
