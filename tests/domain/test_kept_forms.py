"""A cycle's entry form kept by each process between changes of it (domain/programme/entry_forms.py,
`kept_sections`): read once, given again without a statement while the cycle's `form_version` is the same, and
never older than what is committed, through this process or another."""

import sqlalchemy as sa

from awards.domain.nominations import entries
from awards.domain.nominations import form_builder as builder
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import Cycle, FormQuestion, FormSection
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.queries import counting_queries


def _fresh_cycle(cycle_id: int) -> Cycle:
    """The cycle as a new request reads it: in a new transaction, nothing of it loaded."""
    db.session.commit()  # expires every object: the cycle's sections too
    found = db.session.get(Cycle, cycle_id)
    assert found is not None
    return found


def _labels(sections) -> dict[str, str]:
    return {q.key: q.label for s in sections for q in s.questions}


def test_the_form_is_read_once_and_given_again_without_a_statement(app):
    cycle = make_cycle()
    cycle = _fresh_cycle(cycle.id)
    first = forms.kept_sections(cycle)
    assert [s.key for s in first] == [s.key for s in cycle.form_sections]
    assert _labels(first) == {q.key: q.label for s in cycle.form_sections for q in s.questions}
    cycle = _fresh_cycle(cycle.id)
    with counting_queries() as counted:
        again = forms.kept_sections(cycle)
        title = forms.question_by_key(cycle, "title")
    assert counted["n"] == 0
    assert again is first
    assert title is not None and title.section.key == "project"
    assert all(q.section is s for s in again for q in s.questions)
    # outside every session: nothing read from it can be flushed by a request by mistake
    assert all(sa.inspect(s).transient for s in again)


def test_a_change_of_the_form_moves_the_version_and_is_read_by_the_next_request(app):
    organiser = make_user(name="Omar", email="omar@awards.example.org", roles=("organiser",))
    cycle = make_cycle()
    before = _fresh_cycle(cycle.id).form_version
    forms.kept_sections(_fresh_cycle(cycle.id))

    section = builder.get_section(_fresh_cycle(cycle.id), "project")
    builder.add_question(section, kind="number", label="What was the budget? £ & 🎉", required=False, by=organiser)
    db.session.commit()

    cycle = _fresh_cycle(cycle.id)
    assert cycle.form_version != before
    budget = next(q for q in forms.questions_of(cycle) if q.label.startswith("What was the budget?"))
    assert budget.label == "What was the budget? £ & 🎉"
    assert budget.section.key == "project"


def test_a_save_of_answers_leaves_the_version_alone(app):
    nominee = make_user(name="Nina", email="nina@riverside.gov.uk")
    cycle = make_cycle()
    nomination = make_nomination(cycle, nominator=nominee, status="draft")
    version = _fresh_cycle(cycle.id).form_version
    nomination = entries.get_by_reference(nomination.reference)
    data = entries.section_data(nomination, "challenge")
    problems = entries.save_section(
        nomination, "challenge", {**data, "challenge": "Residents waited weeks."}, by=nominee, based_on=None
    )
    assert not problems
    db.session.commit()
    assert _fresh_cycle(cycle.id).form_version == version


def test_changes_not_yet_committed_are_read_from_the_session(app):
    cycle = make_cycle()
    kept = forms.kept_sections(_fresh_cycle(cycle.id))
    question = db.session.scalars(sa.select(FormQuestion).where(FormQuestion.key == "title")).one()
    question.label = "Name your project"
    # pending: the session's objects, with the change
    assert forms.question_by_key(question.section.cycle, "title").label == "Name your project"
    db.session.flush()
    # flushed, not committed: still the session's, and nothing kept from this transaction
    cycle = db.session.get(Cycle, cycle.id)
    db.session.expire(cycle, ["form_sections"])
    assert forms.question_by_key(cycle, "title").label == "Name your project"
    db.session.rollback()
    # rolled back: the kept form is the committed one
    cycle = _fresh_cycle(cycle.id)
    assert forms.kept_sections(cycle) is kept
    assert forms.question_by_key(cycle, "title").label == _labels(kept)["title"] != "Name your project"


def test_a_change_committed_by_another_worker_is_seen(app):
    cycle = make_cycle()
    forms.kept_sections(_fresh_cycle(cycle.id))
    with db.session.session_factory() as other:  # another worker's session, its own connection
        section = other.scalars(
            sa.select(FormSection).where(FormSection.cycle_id == cycle.id, FormSection.key == "lessons")
        ).one()
        section.title = "What you learned"
        other.commit()
    cycle = _fresh_cycle(cycle.id)
    assert forms.section_by_key(cycle, "lessons").title == "What you learned"


def test_a_removed_section_is_gone_from_the_kept_form(app):
    organiser = make_user(name="Omar", email="omar@awards.example.org", roles=("organiser",))
    cycle = make_cycle()
    forms.kept_sections(_fresh_cycle(cycle.id))
    section = builder.add_section(_fresh_cycle(cycle.id), title="Extra things", by=organiser)
    db.session.commit()
    key = section.key
    assert forms.section_by_key(_fresh_cycle(cycle.id), key) is not None
    builder.remove_section(builder.get_section(_fresh_cycle(cycle.id), key), by=organiser)
    db.session.commit()
    assert forms.section_by_key(_fresh_cycle(cycle.id), key) is None


def test_two_cycles_keep_their_own_forms(app):
    first = make_cycle(name="Awards 2026")
    second = make_cycle(name="Awards 2027 & more 🎉", year=2027)
    with db.session.session_factory() as other:
        question = other.scalars(
            sa.select(FormQuestion).where(FormQuestion.cycle_id == second.id, FormQuestion.key == "title")
        ).one()
        question.label = "Project name (2027)"
        other.commit()
    assert forms.question_by_key(_fresh_cycle(first.id), "title").label != "Project name (2027)"
    assert forms.question_by_key(_fresh_cycle(second.id), "title").label == "Project name (2027)"


def test_a_change_made_around_the_listener_shows_once_the_copy_is_old(app, monkeypatch):
    """SQL typed by hand, or an older worker during a deploy, changes the form without moving the token: the copy is
    read again once it is KEPT_FORM_SECONDS old."""
    cycle = make_cycle()
    forms.kept_sections(_fresh_cycle(cycle.id))
    db.session.execute(
        sa.update(FormQuestion)
        .where(FormQuestion.cycle_id == cycle.id, FormQuestion.key == "title")
        .values(label="Typed by hand")
    )
    db.session.commit()
    assert forms.question_by_key(_fresh_cycle(cycle.id), "title").label != "Typed by hand"  # within the minute
    monkeypatch.setattr(forms, "KEPT_FORM_SECONDS", 0.0)
    assert forms.question_by_key(_fresh_cycle(cycle.id), "title").label == "Typed by hand"
