"""Feedback for entrants (domain/judging/feedback.py, domain/results/released_feedback.py): the check that
finds a judge's name, e-mail address, organisation or affiliations in the wording; approving (as written or
changed) and withholding, audited; and what the entrant receives: approved wording of submitted reviews in
every round, never a calibration example's, with the score line of a scored round set to show it, and
nothing before the results are published."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import feedback
from awards.domain.results import released_feedback
from awards.extensions import db
from awards.models import (
    Affiliation,
    AffiliationKind,
    AuditEvent,
    CycleStatus,
    FeedbackStatus,
    Review,
    RoundEntries,
    RoundMode,
)
from tests.factories import make_cycle, make_judge, make_nomination, make_user
from tests.support.feedback import review_with_feedback
from tests.support.programme import add_round


@pytest.fixture
def cycle(app):
    now = utcnow()
    return make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))


@pytest.fixture
def zebedee(cycle):
    user = make_user(
        name="Zebedee Quill", email="zeb@quill.example.org", roles=("judge",), organisation="Riverside Council"
    )
    judge = make_judge(cycle, user, organisation="Quill Consulting")
    now = utcnow()
    for position, (kind, name) in enumerate(
        (
            (AffiliationKind.WORKS_FOR, "Northshire Trust"),
            (AffiliationKind.WORKED_FOR, "Eastvale Borough Council"),
            (AffiliationKind.PARTNERS_WITH, "Open Digital Partnership"),
        )
    ):
        db.session.add(Affiliation(user_id=user.id, kind=kind, name=name, position=position, created_at=now))
    db.session.commit()
    return judge


@pytest.fixture
def organiser(app):
    return make_user(name="Omar Organiser", email="omar@awards.example.org", roles=("organiser",))


# ---------------------------------------------------------------- the check


def test_the_check_finds_the_judges_name_email_organisation_and_affiliations(zebedee):
    terms = feedback.terms_for(review_with_feedback(zebedee, make_nomination(zebedee.cycle), "x"))

    def found(text):
        return feedback.findings(text, terms)

    assert found("A clear, well-evidenced entry.") == []
    assert found("As ZEBEDEE  quill said, good work") == ["It names the judge (Zebedee Quill)"]
    assert found("I (Quill) liked the evidence") == ["It names the judge (Quill)"]
    assert found("Quillfeather and quills are not names") == []  # whole words only
    assert found("Write to ZEB@quill.example.org") == [
        "It names the judge (Quill)",  # as part of the address
        "It gives the judge’s email address (zeb@quill.example.org)",
    ]
    assert found("At riverside council we did this too") == ["It names the judge’s organisation (Riverside Council)"]
    assert found("Quill Consulting saw this before") == [
        "It names the judge (Quill)",
        "It names the judge’s organisation (Quill Consulting)",
    ]
    assert found("Like Northshire Trust, Eastvale Borough Council and the Open Digital Partnership") == [
        "It names an organisation the judge works for (Northshire Trust)",
        "It names an organisation the judge has worked for (Eastvale Borough Council)",
        "It names an organisation the judge partners with (Open Digital Partnership)",
    ]


def test_a_surname_shorter_than_three_letters_is_not_looked_for(cycle):
    judge = make_judge(cycle, make_user(name="Mei Li", email="mei@judges.example.org", roles=("judge",)))
    terms = feedback.terms_for(review_with_feedback(judge, make_nomination(cycle), "x"))
    assert feedback.findings("The Li family of services", terms) == []
    assert feedback.findings("mei li thought so", terms) == ["It names the judge (Mei Li)"]


# ---------------------------------------------------------------- deciding


def test_approving_flagged_wording_needs_the_organisers_tick_or_a_change(zebedee, organiser):
    review = review_with_feedback(zebedee, make_nomination(zebedee.cycle), "Good work. Riverside Council did the same.")
    with pytest.raises(DomainError) as refused:
        feedback.approve(review, review.feedback, by=organiser)
    assert refused.value.field == "checked"
    assert "It names the judge’s organisation (Riverside Council)" in refused.value.message
    db.session.rollback()
    assert db.session.get(Review, review.id).feedback_status is FeedbackStatus.PENDING

    found = feedback.approve(review, review.feedback, checked=True, by=organiser)
    db.session.commit()
    assert found == ["It names the judge’s organisation (Riverside Council)"]
    review = db.session.get(Review, review.id)
    assert review.feedback_status is FeedbackStatus.APPROVED
    assert review.feedback_released == "Good work. Riverside Council did the same."
    assert review.feedback_reviewed_by_id == organiser.id and review.feedback_reviewed_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback.approved"))
    assert event.object_type == "reviews" and event.object_id == str(review.id) and event.actor_id == organiser.id
    assert event.detail["edited"] is False and event.detail["flagged"] is True

    feedback.approve(review, "  Good work.\r\n\r\nAnother council did the same.  ", by=organiser)
    db.session.commit()
    review = db.session.get(Review, review.id)
    assert review.feedback_released == "Good work.\n\nAnother council did the same."
    assert review.feedback == "Good work. Riverside Council did the same."  # the judge's text is kept
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "feedback.approved" and last.detail["edited"] is True and last.detail["flagged"] is False


def test_approving_is_refused_for_empty_wording_unsubmitted_scores_and_reviews_without_feedback(zebedee, organiser):
    nomination = make_nomination(zebedee.cycle)
    review = review_with_feedback(zebedee, nomination, "Fine.")
    with pytest.raises(DomainError, match="Enter the wording the entrant will see") as empty:
        feedback.approve(review, "   ", by=organiser)
    assert empty.value.field == "wording"
    with pytest.raises(DomainError, match="characters or fewer"):
        feedback.approve(review, "x" * (feedback.WORDING_MAX_LENGTH + 1), by=organiser)
    other = make_judge(zebedee.cycle, make_user(name="Ann Other", roles=("judge",)))
    draft = review_with_feedback(other, nomination, "Still writing", status="draft")
    with pytest.raises(Conflict, match="has not submitted these scores yet"):
        feedback.approve(draft, "Still writing", by=organiser)
    with pytest.raises(Conflict, match="has not submitted these scores yet"):
        feedback.withhold(draft, by=organiser)
    third = make_judge(zebedee.cycle, make_user(name="Tom Third", roles=("judge",)))
    silent = review_with_feedback(third, nomination, "")
    with pytest.raises(Conflict, match="has not written any feedback"):
        feedback.approve(silent, "Words", by=organiser)
    with pytest.raises(Conflict):
        feedback.withhold(silent, by=organiser)


def test_withholding_is_audited_and_can_be_undone_by_approving(zebedee, organiser):
    review = review_with_feedback(zebedee, make_nomination(zebedee.cycle), "Weak evidence.")
    feedback.withhold(review, by=organiser)
    db.session.commit()
    review = db.session.get(Review, review.id)
    assert review.feedback_status is FeedbackStatus.WITHHELD and review.feedback_reviewed_by_id == organiser.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback.withheld"))
    assert event.object_id == str(review.id)
    # The entry and its round, named as every round's audit record names it (rounds.round_audit).
    assert event.detail == {
        "nomination": review.assignment.nomination.reference,
        "cycle": zebedee.cycle.slug,
        "number": 1,
    }
    feedback.approve(review, "The evidence could be stronger.", by=organiser)
    db.session.commit()
    assert db.session.get(Review, review.id).feedback_status is FeedbackStatus.APPROVED


# ---------------------------------------------------------------- the list


def test_the_list_filters_by_status_and_leaves_out_calibration_and_conflicted_entries(zebedee, organiser):
    cycle = zebedee.cycle
    a, b, c = (make_nomination(cycle, title=t) for t in ("Alpha", "Beta", "Gamma"))
    pending = review_with_feedback(zebedee, a, "Pending words")
    approved = review_with_feedback(zebedee, b, "Approved words", feedback_status=FeedbackStatus.APPROVED)
    review_with_feedback(zebedee, c, "Calibration words", calibration=True)
    review_with_feedback(make_judge(cycle, make_user(name="No Words", roles=("judge",))), a, "")
    assert feedback.status_counts(cycle) == {FeedbackStatus.PENDING: 1, FeedbackStatus.APPROVED: 1}
    total, items = feedback.feedback_items(cycle, FeedbackStatus.PENDING)
    assert total == 1 and [i.review.id for i in items] == [pending.id]
    assert items[0].findings == []
    total, items = feedback.feedback_items(cycle, None)
    assert [i.review.id for i in items] == [pending.id, approved.id]
    total, items = feedback.feedback_items(cycle, None, withheld={a.id})
    assert total == 1 and [i.review.id for i in items] == [approved.id]


# ---------------------------------------------------------------- for the entrant


def results_published(cycle):
    cycle.status = CycleStatus.PUBLISHED
    cycle.results_published_at = utcnow()
    db.session.commit()


def test_only_approved_wording_of_submitted_reviews_is_released_and_only_once_published(zebedee, organiser):
    cycle = zebedee.cycle
    nominee = make_user(name="Nina Nominee")
    nomination = make_nomination(cycle, nominator=nominee)
    judges = [make_judge(cycle, make_user(name=f"Judge {n}", roles=("judge",))) for n in ("Two", "Three", "Four")]
    approved = review_with_feedback(zebedee, nomination, "Zebedee Quill thinks it is great")
    feedback.approve(approved, "A strong entry with clear outcomes.", by=organiser)
    review_with_feedback(judges[0], nomination, "Pending words")
    review_with_feedback(judges[1], nomination, "Withheld words", feedback_status=FeedbackStatus.WITHHELD)
    review_with_feedback(
        judges[2], nomination, "Calibration words", feedback_status=FeedbackStatus.APPROVED, calibration=True
    )
    db.session.commit()
    assert released_feedback.published_feedback(nomination) == []  # not before publication
    results_published(cycle)
    [part] = released_feedback.published_feedback(nomination)
    assert part.label is None and part.score_line is None  # one round; scores not shown by default
    assert part.wordings == ["A strong entry with clear outcomes."]


def test_feedback_of_every_round_in_order_with_the_score_line_of_a_scored_round(zebedee, organiser):
    cycle = zebedee.cycle
    first = cycle.rounds[0]
    first.mode = RoundMode.PASS_FAIL
    first.feedback_with_scores = True  # no score line in a pass/fail round
    final = add_round(cycle, "Final panel", entries=RoundEntries.ELIGIBLE, feedback_with_scores=True, is_final=True)
    category = cycle.categories[0]
    nominee = make_user(name="Nina Nominee")
    top = make_nomination(cycle, category=category, nominator=nominee, title="Top")
    low = make_nomination(cycle, category=category, title="Low")
    other = make_judge(cycle, make_user(name="Olive Other", roles=("judge",)))
    # Scale 1 to 10 on every criterion: a review's score is 100 × (value − 1) ÷ 9.
    # Top: 10 and 7 → 100 and 66.7, mean 83.3; Low: 4 and 1 → 33.3 and 0, mean 16.7; the category's mean 50.
    later = review_with_feedback(zebedee, top, "Final words from the panel", judging_round=final, value=10)
    review_with_feedback(other, top, "", judging_round=final, value=7)
    review_with_feedback(zebedee, low, "", judging_round=final, value=4)
    review_with_feedback(other, low, "", judging_round=final, value=1)
    earlier = review_with_feedback(other, top, "Qualifying words", judging_round=first, verdict="pass")
    for review in (later, earlier):
        feedback.approve(review, review.feedback, by=organiser)
    db.session.commit()
    results_published(cycle)
    parts = released_feedback.published_feedback(top)
    assert [(p.label, p.wordings, p.score_line) for p in parts] == [
        ("Round 1: Judging", ["Qualifying words"], None),
        (
            "Round 2: Final panel",
            ["Final words from the panel"],
            "Your entry scored 83 out of 100; the average in your category was 50",
        ),
    ]
    [low_part] = released_feedback.published_feedback(low)  # no feedback of its own: its score, in the round set so
    assert low_part.wordings == [] and low_part.score_line == (
        "Your entry scored 17 out of 100; the average in your category was 50"
    )
    final.feedback_with_scores = False
    db.session.commit()
    assert [p.score_line for p in released_feedback.published_feedback(top)] == [None, None]
    assert released_feedback.published_feedback(low) == []


def test_a_rounds_scores_are_computed_once_for_every_entrant_while_its_reviews_are_unchanged(
    zebedee, organiser, monkeypatch
):
    cycle = zebedee.cycle
    cycle.rounds[0].feedback_with_scores = True
    category = cycle.categories[0]
    entries = [make_nomination(cycle, category=category, title=t) for t in ("One", "Two")]
    reviews = [review_with_feedback(zebedee, n, "", value=v) for n, v in zip(entries, (10, 1), strict=True)]
    results_published(cycle)
    computed = []
    original = released_feedback.cycle_ranking

    def counted(*args, **kwargs):
        computed.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(released_feedback, "cycle_ranking", counted)
    lines = [released_feedback.published_feedback(n)[0].score_line for n in entries]
    assert lines == [
        "Your entry scored 100 out of 100; the average in your category was 50",
        "Your entry scored 0 out of 100; the average in your category was 50",
    ]
    assert len(computed) == 1
    review = db.session.get(Review, reviews[1].id)
    review.scores[0].value = 10  # a changed review (its version moves on) is read again
    review.updated_at = utcnow()
    db.session.commit()
    assert released_feedback.published_feedback(entries[1])[0].score_line != lines[1]
    assert len(computed) == 2
