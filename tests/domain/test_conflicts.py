"""Conflicts of interest: every detection rule (same e-mail, same organisational domain but never
webmail, normalised organisation names, partners, the judge as nominator), the bulk
`conflict_pairs` against one-by-one detection, recorded conflicts (declared, organiser) and
their removal."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import calibration
from awards.domain.judging import conflicts as conflict_rules
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    NominationPartner,
    Review,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user

SAME_EMAIL = "The judge’s email address is the nominator’s or the contact’s"
SAME_ORGANISATION = "Same organisation as the nominated organisation or a partner"
NOMINATOR = "The judge made this nomination"


@pytest.fixture
def cycle(app):
    return make_cycle()


_people = itertools.count(1)


def judge_from(cycle, email=None, organisation="Unrelated Judging Ltd", account_organisation=None):
    """An accepted judge with an account (the account's organisation may differ from the judge's)."""
    email = email or f"judge{next(_people)}@independent.example.net"
    user = make_user(email=email, roles=("judge",), organisation=account_organisation or organisation)
    return make_judge(cycle, user, organisation=organisation)


def invited(cycle, email, organisation=""):
    return make_judge(cycle, accepted=False, email=email, organisation=organisation)


def entry_with(cycle, partners=("Acme Digital Ltd",), **fields):
    nomination = make_nomination(cycle, **fields)
    nomination.partners = [NominationPartner(name=name, position=i) for i, name in enumerate(partners)]
    db.session.commit()
    return nomination


# ------------------------------------------------------------------ the judge made the nomination


def test_the_judge_made_the_nomination(cycle):
    judge = judge_from(cycle)
    nomination = entry_with(cycle, nominator=judge.user)
    assert NOMINATOR in conflict_rules.detect(judge, nomination)


def test_an_unrelated_judge_has_no_conflict(cycle):
    judge = judge_from(cycle)
    nomination = entry_with(cycle)
    assert conflict_rules.detect(judge, nomination) == []
    assert not conflict_rules.is_conflicted(judge, nomination)


# ------------------------------------------------------------------ e-mail addresses


def test_same_email_as_the_nominator(cycle):
    nominator = make_user(email="nick@gmail.com")
    nomination = entry_with(cycle, nominator=nominator, contact_email="casey@elsewhere.example.org")
    judge = invited(cycle, "nick@gmail.com")  # not yet accepted: the invitation's address counts
    assert conflict_rules.detect(judge, nomination) == [SAME_EMAIL]


def test_same_email_as_the_contact_whatever_the_case(cycle):
    nomination = entry_with(cycle, contact_email="Casey.Contact@Outlook.com")
    judge = judge_from(cycle, email="casey.contact@outlook.com")
    assert conflict_rules.detect(judge, nomination) == [SAME_EMAIL]


def test_same_organisational_domain(cycle):
    nomination = entry_with(cycle, contact_email="casey@camden.gov.uk")
    judge = judge_from(cycle, email="jo@Camden.gov.uk")
    assert conflict_rules.detect(judge, nomination) == ["Same organisational email domain (camden.gov.uk)"]


def test_same_domain_as_the_nominator(cycle):
    nomination = entry_with(
        cycle, nominator=make_user(email="nick@leeds.gov.uk"), contact_email="casey@elsewhere.example.org"
    )
    judge = invited(cycle, "jo@leeds.gov.uk")
    assert conflict_rules.detect(judge, nomination) == ["Same organisational email domain (leeds.gov.uk)"]


def test_a_different_domain_is_no_conflict(cycle):
    nomination = entry_with(cycle, contact_email="casey@camden.gov.uk")
    assert conflict_rules.detect(judge_from(cycle, email="jo@islington.gov.uk"), nomination) == []


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "GMAIL.COM",
        "googlemail.com",
        "hotmail.co.uk",
        "yahoo.co.uk",
        "me.com",
    ],
)
def test_webmail_domains_never_count(cycle, domain):
    nomination = entry_with(cycle, nominator=make_user(email=f"nick@{domain.lower()}"), contact_email=f"casey@{domain}")
    judge = judge_from(cycle, email=f"someone.else@{domain.lower()}")
    assert conflict_rules.detect(judge, nomination) == []
    assert conflict_rules.conflict_pairs([judge], [nomination]) == set()


# ------------------------------------------------------------------ organisation names


@pytest.mark.parametrize(
    "judge_organisation,nominated",
    [
        ("Camden Council", "The London Borough of Camden"),
        ("camden council", "CAMDEN"),
        ("Kent County Council", "Kent"),
        ("The Kent County Council", "KENT COUNTY"),
        ("Leeds City Council", "Leeds"),
        ("St. Helens Borough Council", "St Helens Council"),
        ("Brighton & Hove City Council", "Brighton and Hove"),
        ("The Royal Borough of Greenwich", "Greenwich Council"),
        ("Department for Education", "The Department for Education"),
        ("Acme Digital Ltd.", "ACME DIGITAL LIMITED"),
        ("Manchester Metropolitan Borough Council", "Manchester"),
        ("Wrexham County Borough Council", "Wrexham"),
    ],
)
def test_organisation_names_are_compared_normalised(cycle, judge_organisation, nominated):
    nomination = entry_with(cycle, organisation_name=nominated, partners=())
    judge = judge_from(cycle, organisation=judge_organisation)
    assert conflict_rules.detect(judge, nomination) == [SAME_ORGANISATION]


@pytest.mark.parametrize(
    "judge_organisation,nominated",
    [
        ("Kent County Council", "Kent Police"),
        ("North Yorkshire Council", "North Lincolnshire Council"),
        ("Camden Council", "Camden Town Hall Trust"),
        ("The Council", "Borough Council"),  # nothing left to compare: never a match
        ("", ""),
    ],
)
def test_different_organisations_are_not_confused(cycle, judge_organisation, nominated):
    nomination = entry_with(cycle, organisation_name=nominated, partners=())
    judge = judge_from(cycle, organisation=judge_organisation, account_organisation="Someone Else Ltd")
    assert conflict_rules.detect(judge, nomination) == []


def test_a_partner_organisation_counts(cycle):
    nomination = entry_with(
        cycle, organisation_name="Riverside Council", partners=("NHS Riverside Trust", "Acme Digital Ltd")
    )
    judge = judge_from(cycle, organisation="ACME Digital")
    assert conflict_rules.detect(judge, nomination) == [SAME_ORGANISATION]


def test_the_account_organisation_counts_too(cycle):
    nomination = entry_with(cycle, organisation_name="Riverside Council", partners=())
    judge = judge_from(cycle, organisation="", account_organisation="Riverside Borough Council")
    assert conflict_rules.detect(judge, nomination) == [SAME_ORGANISATION]


def test_several_reasons_are_all_given(cycle):
    judge = judge_from(cycle, email="jo@camden.gov.uk", organisation="Camden Council")
    nomination = entry_with(
        cycle, nominator=judge.user, organisation_name="London Borough of Camden", contact_email="casey@camden.gov.uk"
    )
    assert conflict_rules.detect(judge, nomination) == [
        NOMINATOR,
        SAME_EMAIL,
        "Same organisational email domain (camden.gov.uk)",
        SAME_ORGANISATION,
    ]


# ------------------------------------------------------------------ in bulk


def test_conflict_pairs_matches_detect_one_by_one(cycle):
    judges = [
        judge_from(cycle, email="a@camden.gov.uk", organisation="Camden Council"),
        judge_from(cycle, email="b@gmail.com", organisation="Kent County Council"),
        judge_from(cycle, email="c@independent.example.net", organisation="Acme Digital"),
        invited(cycle, "casey@leeds.gov.uk", organisation=""),
        judge_from(cycle, email="e@nowhere.example.net", organisation="Nowhere"),
    ]
    nominations = [
        entry_with(cycle, organisation_name="London Borough of Camden", contact_email="x@gmail.com", partners=()),
        entry_with(cycle, organisation_name="Kent", contact_email="y@kent.gov.uk", partners=()),
        entry_with(cycle, organisation_name="Leeds City Council", contact_email="casey@leeds.gov.uk"),
        entry_with(
            cycle, organisation_name="Somewhere", contact_email="z@camden.gov.uk", nominator=judges[4].user, partners=()
        ),
        entry_with(cycle, organisation_name="Quiet Place", contact_email="q@quiet.example.org", partners=()),
    ]
    expected = {(j.id, n.id) for j in judges for n in nominations if conflict_rules.detect(j, n)}
    assert conflict_rules.conflict_pairs(judges, nominations) == expected
    assert len(expected) >= 6
    assert not any(n == nominations[4].id for _, n in expected)


def test_conflict_pairs_include_recorded_and_leave_out_removed(cycle, organiser):
    judge = judge_from(cycle)
    kept, dropped, free = (entry_with(cycle) for _ in range(3))
    conflict_rules.declare(judge, kept, has_conflict=True, reason="Friend", by=judge.user)
    removed = conflict_rules.add_organiser_conflict(judge, dropped, reason="Thought so", by=organiser)
    conflict_rules.remove_conflict(removed, reason="Was wrong", by=organiser)
    db.session.commit()
    assert conflict_rules.conflict_pairs([judge], [kept, dropped, free]) == {(judge.id, kept.id)}
    assert conflict_rules.is_conflicted(judge, kept) and not conflict_rules.is_conflicted(judge, dropped)
    assert conflict_rules.conflicted_nomination_ids(judge.user) == {kept.id}


def test_detected_conflicts_of_a_cycle(cycle):
    ada = judge_from(cycle, organisation="Camden Council")
    bob = judge_from(cycle, organisation="Kent County Council")
    sent = entry_with(cycle, organisation_name="Camden", partners=())
    entry_with(cycle, organisation_name="Camden", partners=(), status="draft")
    entry_with(cycle, organisation_name="Camden", partners=(), status="withdrawn")
    ineligible = entry_with(cycle, organisation_name="Kent", partners=(), status="ineligible")
    other = make_cycle(name="Other awards", year=2027)
    entry_with(other, organisation_name="Camden", partners=())
    found = conflict_rules.detected_conflicts(cycle.id)
    assert [(d.judge.id, d.nomination.id) for d in found] == sorted([(ada.id, sent.id), (bob.id, ineligible.id)])
    assert all(d.reasons == [SAME_ORGANISATION] for d in found)
    assert [d.judge.id for d in conflict_rules.detected_conflicts(cycle.id, judges=[bob])] == [bob.id]


def test_recorded_conflicts_are_not_reported_as_found(cycle, organiser):
    judge = judge_from(cycle)
    nomination = entry_with(cycle)
    conflict_rules.add_organiser_conflict(judge, nomination, reason="Known", by=organiser)
    assert conflict_rules.detected_conflicts(cycle.id) == []


# ------------------------------------------------------------------ declared


def test_declaring_a_conflict_recuses_the_judge(cycle):
    judge = judge_from(cycle)
    nomination = entry_with(cycle)
    assignment = make_assignment(judge, nomination)
    make_review(assignment)
    conflict = conflict_rules.declare(judge, nomination, has_conflict=True, reason=" Former colleague ", by=judge.user)
    db.session.commit()
    assert (conflict.source, conflict.reason, conflict.created_by_id) == (
        ConflictSource.DECLARED,
        "Former colleague",
        judge.user_id,
    )
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status is AssignmentStatus.RECUSED
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_declaring_no_conflict_is_recorded_on_the_assignment(cycle):
    judge = judge_from(cycle)
    nomination = entry_with(cycle)
    assignment = make_assignment(judge, nomination)
    assert conflict_rules.declare(judge, nomination, has_conflict=False, by=judge.user) is None
    db.session.commit()
    assert assignment.no_conflict_declared_at is not None
    assert db.session.scalar(sa.select(sa.func.count(ConflictOfInterest.id))) == 0


def test_a_conflict_declared_on_the_calibration_example_takes_it_back_and_tells_no_organiser(cycle, organiser, outbox):
    judge = judge_from(cycle)
    first = cycle.rounds[0]
    own = make_assignment(judge, entry_with(cycle), no_conflict_declared=True)
    example = make_nomination(cycle, status="ineligible")
    calibration.choose_example(first, example.reference, by=organiser)
    db.session.commit()
    given = calibration.waiting_for(own)
    assert given is not None and given.nomination_id == example.id
    make_review(given)

    conflict_rules.declare(judge, example, has_conflict=True, reason="I wrote it", by=judge.user)
    db.session.commit()
    db.session.expire_all()
    assert given.status is AssignmentStatus.RECUSED
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert outbox("conflict_after_assignment") == []  # nothing "needs another judge": it is not in competition
    assert calibration.waiting_for(own) is None  # their own entries no longer wait for it
    assert calibration.ensure_calibration(first) == []  # and it is not given back
    assert [row.status for row in calibration.severity_table(first).rows] == [calibration.CONFLICT]


# ------------------------------------------------------------------ entered by an organiser


def test_an_organiser_conflict_needs_a_reason(cycle, organiser):
    with pytest.raises(DomainError, match="Enter the reason") as error:
        conflict_rules.add_organiser_conflict(judge_from(cycle), entry_with(cycle), reason="  ", by=organiser)
    assert error.value.field == "reason"


def test_an_organiser_conflict_is_within_one_cycle(cycle, organiser):
    other = make_cycle(name="Other awards", year=2027)
    with pytest.raises(DomainError, match="different cycles"):
        conflict_rules.add_organiser_conflict(judge_from(cycle), entry_with(other), reason="x", by=organiser)


def test_an_organiser_conflict_is_recorded_once(cycle, organiser):
    judge, nomination = judge_from(cycle), entry_with(cycle)
    conflict_rules.add_organiser_conflict(judge, nomination, reason="First", by=organiser)
    with pytest.raises(Conflict, match="already recorded"):
        conflict_rules.add_organiser_conflict(judge, nomination, reason="Second", by=organiser)


def test_an_organiser_conflict_may_be_entered_again_after_removal(cycle, organiser):
    judge, nomination = judge_from(cycle), entry_with(cycle)
    first = conflict_rules.add_organiser_conflict(judge, nomination, reason="First", by=organiser)
    conflict_rules.remove_conflict(first, reason="Mistake", by=organiser)
    conflict_rules.add_organiser_conflict(judge, nomination, reason="After all", by=organiser)
    assert conflict_rules.is_conflicted(judge, nomination)


def test_an_organiser_conflict_frees_the_slot(cycle, organiser):
    judge, nomination = judge_from(cycle), entry_with(cycle)
    assignment = make_assignment(judge, nomination)
    conflict_rules.add_organiser_conflict(judge, nomination, reason="Board member", by=organiser)
    db.session.commit()
    assert assignment.status is AssignmentStatus.RECUSED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "conflict.added"))
    assert event.actor_id == organiser.id and event.detail["reason"] == "Board member"


def test_submitted_scores_must_be_reopened_first(cycle, organiser):
    judge, nomination = judge_from(cycle), entry_with(cycle)
    make_review(make_assignment(judge, nomination), status="submitted")
    with pytest.raises(DomainError, match="already submitted scores"):
        conflict_rules.add_organiser_conflict(judge, nomination, reason="Late news", by=organiser)


# ------------------------------------------------------------------ removing


def test_remove_keeps_the_record(cycle, organiser):
    judge, nomination = judge_from(cycle), entry_with(cycle)
    conflict = conflict_rules.declare(judge, nomination, has_conflict=True, by=judge.user)
    with pytest.raises(DomainError, match="Enter the reason for removing"):
        conflict_rules.remove_conflict(conflict, reason="", by=organiser)
    conflict_rules.remove_conflict(conflict, reason="Checked", by=organiser)
    db.session.commit()
    assert db.session.get(ConflictOfInterest, conflict.id).removal_reason == "Checked"
    assert conflict.removed_by_id == organiser.id and not conflict.is_active
    assert not conflict_rules.is_conflicted(judge, nomination)


def test_a_detected_conflict_cannot_be_removed(cycle, organiser):
    from awards.domain.core.clock import utcnow

    judge, nomination = judge_from(cycle), entry_with(cycle)
    conflict = ConflictOfInterest(
        judge_id=judge.id,
        nomination_id=nomination.id,
        source=ConflictSource.DETECTED,
        reason="Same organisation",
        created_at=utcnow(),
    )
    db.session.add(conflict)
    db.session.commit()
    with pytest.raises(Conflict, match="follows from"):
        conflict_rules.remove_conflict(conflict, reason="Please", by=organiser)
    assert conflict.removed_at is None


def test_removing_a_recorded_conflict_does_not_undo_a_detected_one(cycle, organiser):
    judge = judge_from(cycle, organisation="Camden Council")
    nomination = entry_with(cycle, organisation_name="Camden", partners=())
    conflict = conflict_rules.add_organiser_conflict(judge, nomination, reason="Also this", by=organiser)
    conflict_rules.remove_conflict(conflict, reason="Duplicate", by=organiser)
    assert conflict_rules.is_conflicted(judge, nomination)
