"""Conflicts known before assignment (issue 12, item 6), through the app.

- Judges list the organisations they work for, worked for recently or partner with when they accept
  an invitation (as a new person or with their account) and change them on their profile; a mistake
  in any list shows its own error and keeps everything typed.
- Detection uses them: the organiser's conflicts page gives the reason, the assignment leaves the pair
  out, and a judge who adds one after assignment loses the entry (the organisers are told).
- A conflict declared after assignment e-mails each organiser (nothing of a blind entry in it), the
  assignment is recused, and the assignment page offers to fill the gap in one step, which keeps every
  current assignment.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from awards.domain.judging import judges as judge_rules
from awards.extensions import db
from awards.models import (
    Affiliation,
    AffiliationKind,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    ConflictOfInterest,
    CycleStatus,
    Judge,
    NominationPartner,
    Review,
    User,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.clients import signed_in_client
from tests.support.judging import invite
from tests.support.visible import error_messages, page_text, text_of

NEW_PASSWORD = "a long enough passphrase"
RIVERSIDE = "Riverside Council"


class _Fields(HTMLParser):
    """What each text area of a page shows, by name (as a person sees it in the box)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "textarea":
            self._current = dict(attrs).get("name")
            self.values[self._current] = ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self.values[self._current] += data


def boxes(response) -> dict[str, str]:
    parser = _Fields()
    parser.feed(response.get_data(as_text=True))
    return {name: value.strip("\n") for name, value in parser.values.items()}


def affiliations_of(user_id: int) -> list[tuple[str, str]]:
    """(kind, name) as stored: works for, worked for, partners with, each list in the order typed."""
    db.session.expire_all()
    order = list(AffiliationKind)
    rows = db.session.scalars(sa.select(Affiliation).where(Affiliation.user_id == user_id)).all()
    return [(a.kind.value, a.name) for a in sorted(rows, key=lambda a: (order.index(a.kind), a.position))]


@pytest.fixture
def cycle(app):
    return make_cycle(name="Digital Awards 2026", status="judging", judges_per_nomination=2, judge_max_load=5)


# ------------------------------------------------------------------ accepting an invitation


def test_a_new_judge_lists_their_organisations_when_accepting(client, organiser, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    text = page_text(client.get(path))
    assert "Organisations you are connected with" in text
    assert "Other organisations you work for now" in text
    assert "Organisations you have worked for in the last 3 years" in text
    assert "Organisations you partner with closely" in text
    response = client.post_form(
        path,
        {
            "name": "Grace Hopper",
            "organisation": "US Navy",
            "password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "works_for": "Riverside Council\r\n\r\n  Acme   Digital \r\nRiverside Borough Council",
            "worked_for": "NHS Riverside Trust",
            "partners_with": "",
        },
        token_from=path,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/judging/profile"
    user = db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org"))
    # One a line, spaces tidied, the same organisation once (Riverside Borough Council is Riverside Council).
    assert affiliations_of(user.id) == [
        ("works_for", RIVERSIDE),
        ("works_for", "Acme Digital"),
        ("worked_for", "NHS Riverside Trust"),
    ]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "judge.affiliations_changed"))
    assert event.actor_id == user.id and event.detail["works_for"] == [RIVERSIDE, "Acme Digital"]
    shown = boxes(client.get("/judging/profile"))
    assert shown["works_for"] == "Riverside Council\nAcme Digital"
    assert shown["worked_for"] == "NHS Riverside Trust" and shown["partners_with"] == ""


def test_mistakes_in_the_lists_keep_everything_typed_and_accept_nothing(client, organiser, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    long_name = "Riverside " + "x" * 200
    typed = {
        "name": "Grace Hopper",
        "organisation": "US Navy",
        "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "works_for": f"Acme Digital\n{long_name}",
        "worked_for": "The Council",
        "partners_with": "\n".join(f"Partner {i}" for i in range(21)),
    }
    response = client.post_form(path, typed, token_from=path)
    assert response.status_code == 200
    assert error_messages(response) == [
        "Each organisation must be 200 characters or fewer: shorten ‘Riverside xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…’",
        "‘The Council’ does not say which organisation: give its full name, for example Riverside Council",
        "Enter 20 organisations or fewer that you partner with",
    ]
    shown = boxes(response)
    assert shown == {
        "works_for": typed["works_for"],
        "worked_for": "The Council",
        "partners_with": typed["partners_with"],
    }
    assert 'value="Grace Hopper"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org")) is None
    assert db.session.scalar(sa.select(sa.func.count(Affiliation.id))) == 0
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).accepted_at is None


def test_an_existing_account_accepts_with_its_lists_prefilled(app, organiser, cycle):
    person = make_user(email="ada@judges.example.net", name="Ada Lovelace", organisation="Analytical Engines")
    db.session.add(
        Affiliation(
            user_id=person.id,
            kind=AffiliationKind.PARTNERS_WITH,
            name="Babbage & Co",
            position=0,
            created_at=person.created_at,
        )
    )
    db.session.commit()
    judge, path = invite(cycle, organiser, "ada@judges.example.net")
    client = signed_in_client(app, person)
    page = client.get(path)
    assert "You are signed in as ada@judges.example.net" in page_text(page)
    assert boxes(page) == {"works_for": "", "worked_for": "", "partners_with": "Babbage & Co"}

    response = client.post_form(
        path,
        {"works_for": "Council", "worked_for": "Kent County Council", "partners_with": "Babbage & Co"},
        token_from=path,
    )
    assert response.status_code == 200
    assert error_messages(response) == [
        "‘Council’ does not say which organisation: give its full name, for example Riverside Council"
    ]
    assert boxes(response) == {
        "works_for": "Council",
        "worked_for": "Kent County Council",
        "partners_with": "Babbage & Co",
    }
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).accepted_at is None

    response = client.post_form(
        path, {"works_for": "", "worked_for": "Kent County Council", "partners_with": "Babbage & Co"}, token_from=path
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).has_accepted
    assert affiliations_of(person.id) == [("worked_for", "Kent County Council"), ("partners_with", "Babbage & Co")]


# ------------------------------------------------------------------ the profile


def test_the_profile_changes_them_and_keeps_input_on_a_mistake(app, cycle):
    user = make_user(
        email="ada@judges.example.net", name="Ada Lovelace", roles=("judge",), organisation="Analytical Engines"
    )
    make_judge(cycle, user, organisation="Analytical Engines")
    client = signed_in_client(app, user)
    assert boxes(client.get("/judging/profile")) == {"works_for": "", "worked_for": "", "partners_with": ""}
    bad = {
        "organisation": "Analytical Engines",
        "works_for": RIVERSIDE,
        "worked_for": "Ltd",
        "partners_with": "Acme Digital",
    }
    response = client.post_form("/judging/profile", bad, token_from="/judging/profile")
    assert response.status_code == 200
    assert error_messages(response) == [
        "‘Ltd’ does not say which organisation: give its full name, for example Riverside Council"
    ]
    assert boxes(response) == {"works_for": RIVERSIDE, "worked_for": "Ltd", "partners_with": "Acme Digital"}
    assert affiliations_of(user.id) == []

    good = dict(bad, worked_for="Kent County Council")
    response = client.post_form("/judging/profile", good, token_from="/judging/profile")
    assert response.status_code == 302
    assert affiliations_of(user.id) == [
        ("works_for", RIVERSIDE),
        ("worked_for", "Kent County Council"),
        ("partners_with", "Acme Digital"),
    ]
    assert "Your profile has been saved" in page_text(client.get("/judging/profile"))

    # Emptying a list removes it; the others stay.
    client.post_form("/judging/profile", dict(good, works_for=""), token_from="/judging/profile")
    assert affiliations_of(user.id) == [("worked_for", "Kent County Council"), ("partners_with", "Acme Digital")]


def test_the_organiser_reads_them_on_the_judges_settings(organiser_client, cycle):
    user = make_user(email="ada@judges.example.net", name="Ada Lovelace", roles=("judge",))
    judge = make_judge(cycle, user)
    judge_rules.update_affiliations(
        user,
        {"works_for": "Riverside Council\nAcme & Sons", "worked_for": "", "partners_with": "NHS Riverside Trust"},
        by=user,
    )
    db.session.commit()
    text = page_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/judges/{judge.id}"))
    assert (
        "Organisations they are connected with" in text
        and "Works for Riverside Council Acme & Sons Worked for in the last 3 years None given "
        "Partners with NHS Riverside Trust"
        in text
    )


def test_the_judges_copy_of_their_data_lists_them(app, cycle):
    user = make_user(email="ada@judges.example.net", name="Ada Lovelace", roles=("judge",))
    make_judge(cycle, user)
    judge_rules.update_affiliations(user, {"worked_for": RIVERSIDE}, by=user)
    db.session.commit()
    data = json.loads(signed_in_client(app, user).get("/account/your-data.json").get_data(as_text=True))
    [entry] = data["judging"]["affiliations"]
    assert (entry["organisation"], entry["relationship"]) == (RIVERSIDE, "Worked for in the last 3 years")


# ------------------------------------------------------------------ detection and assignment


def riverside_nomination(cycle, **fields):
    nomination = make_nomination(cycle, organisation_name="Riverside Borough Council", title="Bins on time", **fields)
    nomination.partners = [NominationPartner(name="Acme Digital Ltd", is_supplier=True, position=0)]
    db.session.commit()
    return nomination


def judge_named(cycle, name, **affiliations):
    user = make_user(
        email=f"{name.split()[0].lower()}@judges.example.org",
        name=name,
        roles=("judge",),
        organisation="Judging Partners Ltd",
    )
    judge = make_judge(cycle, user, organisation="Judging Partners Ltd")
    if affiliations:
        judge_rules.update_affiliations(user, affiliations, by=user)
        db.session.commit()
    return judge


def test_the_conflicts_page_gives_the_reason_from_an_affiliation(organiser_client, cycle):
    nomination = riverside_nomination(cycle)
    judge_named(cycle, "Ada Expert", works_for=RIVERSIDE)
    judge_named(cycle, "Ben Bright", partners_with="ACME Digital")
    judge_named(cycle, "Cy Clear", worked_for="Northshire Council")
    text = page_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/conflicts"))
    assert "Found automatically (2)" in text
    assert (
        f"Ada Expert {nomination.reference} Bins on time Works for Riverside Council, the nominated organisation"
    ) in text
    assert (
        f"Ben Bright {nomination.reference} Bins on time Partners with ACME Digital, a partner in this nomination"
    ) in text
    assert "Cy Clear" not in text.split("Found automatically", 1)[1].split("Declared by judges", 1)[0]


def test_the_assignment_leaves_the_conflicted_pair_out(organiser_client, cycle):
    nomination = riverside_nomination(cycle)
    ada = judge_named(cycle, "Ada Expert", worked_for="Riverside Council")
    ben = judge_named(cycle, "Ben Bright")
    cy = judge_named(cycle, "Cy Clear")
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    preview = organiser_client.post_form(url, token_from=url)
    inputs = re.search(
        r'name="inputs"[^>]*value="([0-9a-f]{64})"|value="([0-9a-f]{64})"[^>]*name="inputs"',
        preview.get_data(as_text=True),
    )
    response = organiser_client.post_form(
        f"{url}/confirm", {"inputs": inputs.group(1) or inputs.group(2)}, token_from=url
    )
    assert response.status_code == 302
    db.session.expire_all()
    judged_by = {
        a.judge_id for a in db.session.scalars(sa.select(Assignment).where(Assignment.nomination_id == nomination.id))
    }
    assert judged_by == {ben.id, cy.id} and ada.id not in judged_by


def test_an_affiliation_added_after_assignment_takes_the_entry_away(app, organiser, cycle, outbox):
    other_organiser = make_user(name="Olu Organiser", email="olu@awards.example.org", roles=("organiser",))
    nomination = riverside_nomination(cycle)
    scored = riverside_nomination(cycle)
    free = make_nomination(cycle, organisation_name="Northshire Council")
    free.partners = []
    db.session.commit()
    ada = judge_named(cycle, "Ada Expert")
    drafted = make_assignment(ada, nomination, no_conflict_declared=True)
    make_review(drafted, status="draft")
    make_review(make_assignment(ada, scored, no_conflict_declared=True), status="submitted")
    kept = make_assignment(ada, free, no_conflict_declared=True)
    drafted_id, kept_id = drafted.id, kept.id
    client = signed_in_client(app, ada.user)
    assert nomination.reference in page_text(client.get("/judging/"))

    response = client.post_form(
        "/judging/profile",
        {"organisation": "Judging Partners Ltd", "partners_with": "Acme Digital"},
        token_from="/judging/profile",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, drafted_id) is None  # taken away, with the draft
    assert db.session.get(Assignment, kept_id) is not None
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1  # the submitted one stays
    home = page_text(client.get("/judging/"))
    assert nomination.reference not in home and free.reference in home
    assert client.get(f"/judging/nominations/{nomination.reference}/declare").status_code == 404

    messages = outbox("conflict_after_assignment")
    assert sorted(m.to_address for m in messages) == sorted([organiser.email, other_organiser.email])
    body = messages[0].body_text
    assert messages[0].subject == f"Conflict of interest found: {nomination.reference} needs another judge"
    assert (
        "Ada Expert has changed the organisations they work for or are connected with, and now has a "
        f"conflict of interest with nominations they were assigned to judge in {cycle.name}."
    ) in body
    assert f"- {nomination.reference}: needs 2 more judges" in body  # two a nomination, Ada was its only one
    assert (
        f"Ada Expert had already submitted scores for this nomination, so the scores stay and count until "
        f"you reopen them:\n- {scored.reference}"
    ) in body
    assert f"/organiser/cycles/{cycle.slug}/assignment" in body
    assert "Acme" not in body and "Bins on time" not in body and "Riverside" not in body


# ------------------------------------------------------------------ declared after assignment


@pytest.fixture
def assigned(cycle, organiser):
    """A blind cycle's nomination judged by Ada and Ben (Cy is free), and a second organiser; a third
    organiser's account is disabled."""
    make_user(name="Olu Organiser", email="olu@awards.example.org", roles=("organiser",))
    gone = make_user(name="Gil Gone", email="gil@awards.example.org", roles=("organiser",))
    gone.active = False
    db.session.commit()
    nomination = riverside_nomination(cycle)
    judges = {name: judge_named(cycle, name) for name in ("Ada Expert", "Ben Bright", "Cy Clear")}
    assignments = {name: make_assignment(judges[name], nomination) for name in ("Ada Expert", "Ben Bright")}
    return nomination, judges, assignments


def test_a_conflict_declared_after_assignment_tells_each_organiser(app, organiser, cycle, assigned, outbox):
    nomination, judges, assignments = assigned
    assert cycle.rounds[0].blind
    client = signed_in_client(app, judges["Ada Expert"].user)
    path = f"/judging/nominations/{nomination.reference}/declare"
    response = client.post_form(
        path, {"has_conflict": "yes", "reason": "My sister leads the Riverside team"}, token_from=path
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignments["Ada Expert"].id).status is AssignmentStatus.RECUSED
    assert db.session.scalar(sa.select(ConflictOfInterest.reason)) == "My sister leads the Riverside team"

    messages = outbox("conflict_after_assignment")
    assert sorted(m.to_address for m in messages) == ["olu@awards.example.org", organiser.email]
    for message in messages:
        assert message.subject == f"Conflict of interest declared: {nomination.reference} needs another judge"
        assert (
            f"Ada Expert has declared a conflict of interest with {nomination.reference} in {cycle.name}. "
            "They were assigned to judge it, so they have been taken off it and will not see it again."
            in message.body_text
        )
        assert f"- {nomination.reference}: needs 1 more judge" in message.body_text
        assert f"{app.config['BASE_URL']}/organiser/cycles/{cycle.slug}/assignment\n" in message.body_text
        html_text = re.sub(r" ([:.,])", r"\1", text_of(message.body_html))  # "<strong>X</strong>: y" reads "X: y"
        assert f"{nomination.reference}: needs 1 more judge" in html_text
        assert "Fill the gaps on the assignment page" in html_text
        for secret in ("sister", "Riverside", "Bins on time", "Acme", nomination.contact_email):
            assert secret not in message.body_text and secret not in message.body_html
    assert messages[0].to_name in ("Omar Organiser", "Olu Organiser")


def test_the_assignment_page_fills_the_gap_in_one_step(app, organiser_client, organiser, cycle, assigned):
    nomination, judges, assignments = assigned
    from awards.domain.judging import conflicts as conflict_rules

    conflict_rules.declare(judges["Ada Expert"], nomination, has_conflict=True, by=judges["Ada Expert"].user)
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    text = page_text(organiser_client.get(url))
    assert (
        "Important 1 nomination needs more judges Riverside Borough Council’s nomination "
        f"{nomination.reference} needs 1 more judge: Ada Expert has a conflict of interest with it"
    ) in text
    assert "Fill the gaps" in text

    response = organiser_client.post_form(f"{url}/fill-gaps", token_from=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    text = page_text(organiser_client.get(url))
    assert (
        f"1 judge has been added, and every current assignment kept. {nomination.reference}: Cy Clear added. "
        "Every nomination now has all its judges."
    ) in text
    assert "needs more judges" not in text
    db.session.expire_all()
    rows = {
        a.judge_id: a
        for a in db.session.scalars(sa.select(Assignment).where(Assignment.nomination_id == nomination.id))
    }
    assert rows[judges["Ben Bright"].id].id == assignments["Ben Bright"].id  # kept as it was
    assert rows[judges["Ada Expert"].id].status is AssignmentStatus.RECUSED
    assert rows[judges["Cy Clear"].id].status is AssignmentStatus.ASSIGNED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.gaps_filled"))
    assert event.actor_id == organiser.id and event.detail["added"] == 1 and event.detail["removed"] == 0

    # Nothing left to fill: said so, and nothing changes.
    organiser_client.post_form(f"{url}/fill-gaps", token_from=url)
    assert "Every nomination has all its judges: there is no gap to fill" in page_text(organiser_client.get(url))
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 3


def test_a_gap_no_judge_can_fill_is_explained(organiser_client, organiser, cycle, assigned):
    nomination, judges, assignments = assigned
    from awards.domain.judging import conflicts as conflict_rules

    conflict_rules.add_organiser_conflict(judges["Cy Clear"], nomination, reason="Board member", by=organiser)
    conflict_rules.declare(judges["Ada Expert"], nomination, has_conflict=True, by=judges["Ada Expert"].user)
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    organiser_client.post_form(f"{url}/fill-gaps", token_from=url)
    text = page_text(organiser_client.get(url))
    assert "No judge could be added: every current assignment is kept. Still short: 1 nomination in" in text
    assert "can get only 1 judge: too few of this category's judges are free of conflicts of interest with it" in text
    assert (
        db.session.scalar(sa.select(sa.func.count(Assignment.id)).where(Assignment.status == AssignmentStatus.ASSIGNED))
        == 1
    )


def test_no_banner_before_the_assignment_has_run(organiser_client, cycle):
    riverside_nomination(cycle)
    judge_named(cycle, "Ada Expert")
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    assert "needs more judges" not in page_text(organiser_client.get(url))
    organiser_client.post_form(f"{url}/fill-gaps", token_from=url)
    assert "No judges have been assigned in this cycle yet: run the assignment first" in page_text(
        organiser_client.get(url)
    )
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_a_published_cycle_has_no_gaps_to_fill(organiser_client, cycle, assigned):
    nomination, judges, assignments = assigned
    assignments["Ada Expert"].status = AssignmentStatus.RECUSED
    cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    assert "needs more judges" not in page_text(organiser_client.get(url))
    organiser_client.post_form(f"{url}/fill-gaps", token_from=url)
    assert "The results of this cycle are published, so its judges cannot be changed" in page_text(
        organiser_client.get(url)
    )
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 2
