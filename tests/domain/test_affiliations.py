"""Judges' affiliations (organisations they work for, worked for recently, partner with) and what
follows from them: the lists' rules, detection (reasons, bulk pairs, the assignment's inputs),
assignments taken away when one appears after assignment, the organisers' e-mail, and filling the
gaps with every current assignment kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import conflicts as conflict_rules
from awards.domain.judging import judges as judge_rules
from awards.domain.judging import reviews as review_rules
from awards.domain.judging.assignment import explanation, manual, solver
from awards.domain.judging.assignment.problem import load_problem
from awards.extensions import db
from awards.models import (
    Affiliation,
    AffiliationKind,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    CycleStatus,
    NominationPartner,
    OutboxMessage,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user
from tests.support.visible import text_of

WORKS, WORKED, PARTNERS = AffiliationKind.WORKS_FOR, AffiliationKind.WORKED_FOR, AffiliationKind.PARTNERS_WITH


@pytest.fixture
def cycle(app):
    return make_cycle(judges_per_nomination=2, judge_max_load=5)


def judge_with(cycle, name="Ada Expert", **lists):
    # The address from the first name, in ASCII (an address's local part must be: see accounts).
    local = name.split()[0].lower().encode("ascii", "ignore").decode() or "judge"
    user = make_user(
        email=f"{local}@judges.example.org", name=name, roles=("judge",), organisation="Judging Partners Ltd"
    )
    judge = make_judge(cycle, user, organisation="Judging Partners Ltd")
    if lists:
        affiliation_rules.set_affiliations(user, lists, by=user)
        db.session.commit()
    return judge


def nomination_with(cycle, organisation="Riverside Borough Council", partners=("Acme Digital Ltd",), **fields):
    nomination = make_nomination(cycle, organisation_name=organisation, **fields)
    nomination.partners = [NominationPartner(name=p, position=i) for i, p in enumerate(partners)]
    db.session.commit()
    return nomination


# ------------------------------------------------------------------ the lists


def test_a_list_is_one_organisation_a_line_each_once():
    text = "  Riverside  Council \n\nAcme Digital Ltd\nThe Riverside Borough Council\nACME DIGITAL"
    assert affiliation_rules.parse_list(text, WORKS) == ["Riverside Council", "Acme Digital Ltd"]
    assert affiliation_rules.parse_list("", WORKS) == [] and affiliation_rules.parse_list(None, WORKS) == []


@pytest.mark.parametrize(
    "text,kind,message",
    [
        ("x" * 201, WORKS, "Each organisation must be 200 characters or fewer: shorten ‘xxxxxxxx"),
        ("The Borough Council", WORKED, "‘The Borough Council’ does not say which organisation"),
        ("-", PARTNERS, "‘-’ does not say which organisation"),
        ("\n".join(f"Org {i}" for i in range(21)), WORKED, "Enter 20 organisations or fewer that you have worked for"),
    ],
)
def test_a_list_with_a_mistake_is_refused_on_its_field(text, kind, message):
    with pytest.raises(DomainError, match=message) as error:
        affiliation_rules.parse_list(text, kind)
    assert error.value.field == kind.value


def test_saving_the_same_lists_changes_nothing(cycle):
    judge = judge_with(cycle, works_for="Riverside Council", partners_with="Acme Digital")
    user = judge.user
    first = {a.name: a.created_at for a in affiliation_rules.affiliations_of(user)}
    assert not affiliation_rules.set_affiliations(
        user, {"works_for": "Riverside Council\n", "partners_with": " Acme Digital"}, by=user
    )
    assert affiliation_rules.set_affiliations(
        user, {"works_for": "Riverside Council\nNorthshire Council", "partners_with": ""}, by=user
    )
    db.session.commit()
    now = {a.name: a.created_at for a in affiliation_rules.affiliations_of(user)}
    assert list(now) == ["Riverside Council", "Northshire Council"]
    assert now["Riverside Council"] == first["Riverside Council"]  # kept: when it was first recorded
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "judge.affiliations_changed")).all()
    assert [e.detail["partners_with"] for e in events] == [["Acme Digital"], []]


def test_the_relationship_is_named_in_the_readers_language(app):
    assert [kind.label for kind in (WORKS, WORKED, PARTNERS)] == [
        "Works for",
        "Worked for in the last 3 years",
        "Partners with",
    ]
    with force_locale("cy"):
        assert [kind.label for kind in (WORKS, WORKED, PARTNERS)] == [
            "Yn gweithio i",
            "Wedi gweithio iddo yn y 3 blynedd diwethaf",
            "Yn bartner i",
        ]


# ------------------------------------------------------------------ detection


def test_an_affiliation_with_the_nominated_organisation_or_a_partner_is_a_conflict(cycle):
    nomination = nomination_with(cycle)
    ada = judge_with(cycle, "Ada Expert", worked_for="Riverside Council")
    ben = judge_with(cycle, "Ben Bright", partners_with="ACME Digital")
    cy = judge_with(cycle, "Cy Clear", works_for="Northshire Council\nAcme Digital Ltd", worked_for="Riverside")
    dee = judge_with(cycle, "Dee Distant", works_for="Northshire Council")
    assert conflict_rules.detect(ada, nomination) == [
        "Worked for Riverside Council in the last 3 years, the nominated organisation"
    ]
    assert conflict_rules.detect(ben, nomination) == ["Partners with ACME Digital, a partner in this nomination"]
    assert conflict_rules.detect(cy, nomination) == [
        "Works for Acme Digital Ltd, a partner in this nomination",
        "Worked for Riverside in the last 3 years, the nominated organisation",
    ]
    assert conflict_rules.detect(dee, nomination) == []
    judges = [ada, ben, cy, dee]
    other = nomination_with(cycle, organisation="Northshire Council", partners=())
    expected = {(j.id, n.id) for j in judges for n in (nomination, other) if conflict_rules.detect(j, n)}
    assert conflict_rules.conflict_pairs(judges, [nomination, other]) == expected
    assert expected == {
        (ada.id, nomination.id),
        (ben.id, nomination.id),
        (cy.id, nomination.id),
        (cy.id, other.id),
        (dee.id, other.id),
    }
    found = {(d.judge.id, d.nomination.id): d.reasons for d in conflict_rules.detected_conflicts(cycle.id)}
    assert found[(ben.id, nomination.id)] == ["Partners with ACME Digital, a partner in this nomination"]


def test_the_assignment_never_pairs_them_and_the_judge_cannot_open_it(cycle):
    nomination = nomination_with(cycle)
    ada = judge_with(cycle, "Ada Expert", works_for="Riverside Council")
    judge_with(cycle, "Ben Bright")
    problem = load_problem(cycle)
    assert (ada.id, nomination.id) in problem.conflicts
    result = solver.solve(problem)
    assert ada.id not in {p.judge_id for p in result.planned}
    with pytest.raises(DomainError, match="conflict of interest"):
        manual.add_judge(nomination, ada, by=ada.user)
    # Even an assignment made behind the rules' back does not show the entry.
    make_assignment(ada, nomination, no_conflict_declared=True)
    assert review_rules.judging_assignment(ada.user, nomination) is None


# ------------------------------------------------------------------ after assignment


def test_a_new_affiliation_takes_away_the_assignments_it_conflicts_with(cycle, organiser):
    nomination = nomination_with(cycle)
    elsewhere = nomination_with(cycle, organisation="Northshire Council", partners=())
    ada = judge_with(cycle, "Ada Expert")
    conflicted = make_assignment(ada, nomination)
    fine = make_assignment(ada, elsewhere)
    conflicted_id = conflicted.id
    assert judge_rules.update_affiliations(ada.user, {"works_for": "Riverside Council"}, by=ada.user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Assignment, conflicted_id) is None
    assert db.session.get(Assignment, fine.id).status is AssignmentStatus.ASSIGNED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.removed"))
    assert event.actor_id == ada.user_id and event.detail["reason"] == "conflict found from the judge's organisations"
    [message] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert message.to_address == organiser.email and message.kind == "conflict_after_assignment"
    # Saving the same lists again changes nothing and tells nobody.
    assert not judge_rules.update_affiliations(ada.user, {"works_for": "Riverside Council"}, by=ada.user)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_a_published_cycle_keeps_its_assignments(cycle, organiser):
    nomination = nomination_with(cycle)
    ada = judge_with(cycle, "Ada Expert")
    kept = make_assignment(ada, nomination)
    cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    judge_rules.update_affiliations(ada.user, {"works_for": "Riverside Council"}, by=ada.user)
    db.session.commit()
    assert db.session.get(Assignment, kept.id) is not None
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_declaration_without_an_assignment_emails_nobody(cycle, organiser):
    ada = judge_with(cycle, "Ada Expert")
    conflict_rules.declare(ada, nomination_with(cycle), has_conflict=True, by=ada.user)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_organisers_email_names_people_exactly_once_escaped(cycle, organiser):
    nomination = nomination_with(cycle)
    zoe = judge_with(cycle, "Zoë O’Neil & <Partners> 🌿")
    make_assignment(zoe, nomination)
    conflict_rules.declare(zoe, nomination, has_conflict=True, by=zoe.user)
    db.session.commit()
    [message] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert message.to_address == organiser.email
    assert message.body_text.splitlines()[2].startswith(
        f"Zoë O’Neil & <Partners> 🌿 has declared a conflict of interest with {nomination.reference}"
    )
    # Read as a person reads the HTML part: the name as typed (unescaped it would vanish as a tag,
    # escaped twice it would show "&lt;").
    assert (
        f"Dear {organiser.name}, Zoë O’Neil & <Partners> 🌿 has declared a conflict of interest with "
        f"{nomination.reference}"
    ) in text_of(message.body_html)


def test_an_organiser_who_declares_is_not_emailed_about_it(cycle, organiser):
    other = make_user(name="Olu Organiser", email="olu@awards.example.org", roles=("organiser",))
    nomination = nomination_with(cycle)
    judging_organiser = make_judge(cycle, organiser)
    make_assignment(judging_organiser, nomination)
    conflict_rules.declare(judging_organiser, nomination, has_conflict=True, by=organiser)
    db.session.commit()
    assert [m.to_address for m in db.session.scalars(sa.select(OutboxMessage))] == [other.email]


# ------------------------------------------------------------------ filling the gaps


def test_filling_the_gaps_only_adds(cycle, organiser):
    short = nomination_with(cycle, partners=())
    full = nomination_with(cycle, organisation="Northshire Council", partners=())
    withdrawn = nomination_with(cycle, organisation="Eastshire Council", partners=())
    ada, ben, cy = (judge_with(cycle, name) for name in ("Ada Expert", "Ben Bright", "Cy Clear"))
    before = [
        make_assignment(ada, short),
        make_assignment(ada, full),
        make_assignment(ben, full),
        make_assignment(cy, withdrawn),
    ]
    withdrawn.status = "withdrawn"
    db.session.commit()
    # A full run would take Cy off the withdrawn nomination (and may move others); filling the gaps
    # leaves every assignment be.
    assert before[3].id in {a.id for a in solver.propose(cycle).removals}
    result = solver.fill_gaps(cycle, by=organiser)
    db.session.commit()
    assert [n.reference for n in result.problem.nominations] == [short.reference]
    assert result.removals == [] and result.counts["added"] == 1
    rows = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    assert [a.id for a in rows[:4]] == [a.id for a in before]
    [added] = rows[4:]
    assert added.nomination_id == short.id and added.judge_id in {ben.id, cy.id} and not added.locked
    with pytest.raises(Conflict, match="there is no gap to fill"):
        solver.fill_gaps(cycle, by=organiser)


def test_filling_the_gaps_needs_an_assignment_and_an_unpublished_cycle(cycle, organiser):
    nomination = nomination_with(cycle)
    ada = judge_with(cycle, "Ada Expert")
    with pytest.raises(Conflict, match="run the assignment first"):
        solver.fill_gaps(cycle, by=organiser)
    make_assignment(ada, nomination)
    cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    with pytest.raises(NotAllowed, match="published"):
        solver.fill_gaps(cycle, by=organiser)


def test_the_state_names_the_judges_who_left(cycle, organiser):
    nomination = nomination_with(cycle)
    ada, ben = judge_with(cycle, "Ada Expert"), judge_with(cycle, "Ben Bright")
    make_assignment(ada, nomination)
    make_assignment(ben, nomination, status="recused")
    [gap] = explanation.current_state(load_problem(cycle)).gaps
    assert gap.nomination.reference == nomination.reference and gap.short_by == 1
    assert gap.nomination.organisation == "Riverside Borough Council"
    assert [j.name for j in gap.recused] == ["Ben Bright"]


def test_affiliations_go_with_the_account(cycle):
    ada = judge_with(cycle, "Ada Expert", works_for="Riverside Council")
    user_id = ada.user_id
    db.session.delete(ada.user)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Affiliation.id)).where(Affiliation.user_id == user_id)) == 0
