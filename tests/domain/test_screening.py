"""Screening: eligible / ineligible decisions, their status changes, audit and e-mails."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.nominations import screening
from awards.extensions import db
from awards.models import AuditEvent, Eligibility, NominationStatus
from tests.factories import make_cycle, make_nomination, make_user


@pytest.fixture
def nominator(app):
    return make_user(name="Nina Nominee", email="nina@riverside.gov.uk")


@pytest.fixture
def nomination(app, nominator):
    return make_nomination(make_cycle(), nominator=nominator, title="Digital front door")


def audit_events(nomination):
    return db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "nominations",
            AuditEvent.object_id == str(nomination.id),
            AuditEvent.action == "nomination.eligibility",
        )
        .order_by(AuditEvent.id)
    ).all()


def test_marking_ineligible_records_the_decision_and_tells_the_nominator(nomination, organiser, outbox):
    with time_machine.travel("2026-04-02 09:15:00+00:00", tick=False):
        assert screening.decide_eligibility(nomination, False, "  The work finished before 2024.  ", by=organiser)
    db.session.commit()
    db.session.expire_all()

    assert nomination.status is NominationStatus.INELIGIBLE
    assert nomination.eligibility is Eligibility.INELIGIBLE
    assert nomination.eligibility_reason == "The work finished before 2024."
    assert nomination.eligibility_decided_by_id == organiser.id
    assert nomination.eligibility_decided_at.isoformat() == "2026-04-02T09:15:00+00:00"

    [event] = audit_events(nomination)
    assert event.actor_id == organiser.id
    assert event.detail["eligibility"] == "ineligible"
    assert event.detail["reason"] == "The work finished before 2024."

    [message] = outbox("eligibility_ineligible")
    assert message.to_address == "nina@riverside.gov.uk"
    assert message.to_name == "Nina Nominee"
    assert message.subject == f"Your nomination {nomination.reference} is not eligible"
    for body in (message.body_text, message.body_html):
        assert "Dear Nina Nominee" in body
        assert "The work finished before 2024." in body
        assert nomination.reference in body
        assert "Digital front door" in body
        assert "sorry" in body
        assert f"/nominations/{nomination.reference}" in body


def test_marking_eligible_keeps_it_submitted_and_sends_good_news(nomination, organiser, outbox):
    assert screening.decide_eligibility(nomination, True, "", by=organiser)
    db.session.commit()
    assert nomination.status is NominationStatus.SUBMITTED
    assert nomination.eligibility is Eligibility.ELIGIBLE
    assert nomination.eligibility_reason == ""
    [message] = outbox("eligibility_eligible")
    assert message.subject == f"Your nomination {nomination.reference} is eligible"
    assert "is eligible" in message.body_text
    assert "note from the organisers" not in message.body_text
    assert outbox("eligibility_ineligible") == []


def test_an_ineligible_nomination_found_eligible_again_is_submitted_again(nomination, organiser, outbox):
    screening.decide_eligibility(nomination, False, "No public body involved", by=organiser)
    db.session.commit()
    assert screening.decide_eligibility(nomination, True, "We checked again: the council led it.", by=organiser)
    db.session.commit()
    assert nomination.status is NominationStatus.SUBMITTED
    assert nomination.eligibility is Eligibility.ELIGIBLE
    assert [e.detail["previous"] for e in audit_events(nomination)] == [None, "ineligible"]
    [message] = outbox("eligibility_eligible")
    assert "We checked again: the council led it." in message.body_text


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_ineligible_needs_a_reason(nomination, organiser, outbox, reason):
    with pytest.raises(DomainError) as error:
        screening.decide_eligibility(nomination, False, reason, by=organiser)
    assert error.value.field == "reason"
    assert error.value.message == "Enter the reason the nomination is not eligible"
    assert nomination.eligibility is None
    assert nomination.status is NominationStatus.SUBMITTED
    assert outbox() == []


def test_a_reason_has_a_length_limit(nomination, organiser):
    with pytest.raises(DomainError) as error:
        screening.decide_eligibility(nomination, False, "x" * (screening.REASON_MAX_LENGTH + 1), by=organiser)
    assert error.value.field == "reason"
    assert screening.decide_eligibility(nomination, False, "x" * screening.REASON_MAX_LENGTH, by=organiser)


@pytest.mark.parametrize("status", ["draft", "withdrawn", "shortlisted", "highly_commended", "winner"])
def test_only_submitted_or_already_screened_nominations_can_be_screened(app, organiser, outbox, status):
    nomination = make_nomination(make_cycle(), status=status, complete=status != "draft")
    assert not screening.can_screen(nomination)
    assert screening.screening_problem(nomination)
    with pytest.raises(NotAllowed):
        screening.decide_eligibility(nomination, True, "", by=organiser)
    assert nomination.eligibility is None
    assert nomination.status is NominationStatus(status)
    assert outbox() == []


def test_a_draft_cannot_be_screened_with_a_clear_message(app, organiser):
    draft = make_nomination(make_cycle(), status="draft", complete=False)
    with pytest.raises(DomainError, match="still a draft"):
        screening.decide_eligibility(draft, False, "Incomplete", by=organiser)


def test_the_same_decision_again_changes_nothing_and_sends_nothing(nomination, organiser, outbox):
    screening.decide_eligibility(nomination, False, "Late", by=organiser)
    db.session.commit()
    assert screening.decide_eligibility(nomination, False, "Late", by=organiser) is False
    db.session.commit()
    assert len(audit_events(nomination)) == 1
    assert len(outbox()) == 1
    # A new reason is a new decision: the nominator hears the corrected reason.
    assert screening.decide_eligibility(nomination, False, "Submitted after the deadline", by=organiser)
    db.session.commit()
    assert len(outbox("eligibility_ineligible")) == 2


def test_a_decision_on_an_out_of_date_copy_is_refused(nomination, organiser, outbox):
    seen = nomination.version
    nomination.title = "Changed by the nominee meanwhile"
    db.session.commit()
    with pytest.raises(Conflict) as error:
        screening.decide_eligibility(nomination, False, "Late", by=organiser, expected_version=seen)
    assert "changed while you were looking" in error.value.message
    assert screening.decide_eligibility(nomination, False, "Late", by=organiser, expected_version=nomination.version)


def test_no_email_when_the_nominators_account_is_gone(app, organiser, outbox):
    nomination = make_nomination(make_cycle())
    nomination.nominator = None
    db.session.commit()
    assert screening.decide_eligibility(nomination, False, "Not a public body", by=organiser)
    db.session.commit()
    assert nomination.status is NominationStatus.INELIGIBLE
    assert outbox() == []
    [event] = audit_events(nomination)
    assert event.detail["nominator_told"] is False
