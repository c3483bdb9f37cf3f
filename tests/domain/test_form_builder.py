"""The organiser's changes to an entry form (domain/nominations/form_builder.py): every operation, what is
checked, and the refusals that keep submitted answers readable."""

import io

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import DomainError
from awards.domain.nominations import form_builder as builder
from awards.domain.nominations.attachments import add_attachment
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import AuditEvent, FormQuestion
from awards.models.forms import FormTemplate
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.audit import audit_actions
from tests.support.files import PNG


def _keys_in_order(cycle):
    return [[q.key for q in s.questions] for s in builder.ordered_sections(cycle)]


def _section_keys(cycle):
    return [s.key for s in builder.ordered_sections(cycle)]


def _budget(cycle, **fields):
    section = builder.get_section(cycle, "project")
    values = dict(
        label="What was the budget?",
        required=False,
        settings={"unit": "£", "min": 0, "max": 1000000, "whole": True},
    )
    values.update(fields)
    question = builder.add_question(section, kind="number", **values)
    db.session.commit()
    return question


def _fields(question, **changes):
    """A question's fields as edit_question takes them, with changes."""
    values = dict(
        label=question.label,
        hint=question.hint,
        required=question.required,
        judges_see=question.judges_see,
        public=question.public,
        category_ids=list(question.category_ids or []),
        condition=question.condition,
        settings=dict(question.settings or {}),
    )
    settings = changes.pop("settings", None)
    if settings is not None:
        values["settings"] = {**values["settings"], **settings}
    values.update(changes)
    return values


def _refused(action, field=None, words=""):
    with pytest.raises(DomainError) as caught:
        action()
    db.session.rollback()
    if field is not None:
        assert caught.value.field == field, caught.value.message
    assert words in caught.value.message
    return caught.value


# --- Sections --------------------------------------------------------------------------------------


def test_a_section_is_added_at_the_end_with_a_key_from_its_title(app):
    cycle = make_cycle()
    organiser = make_user(roles=("organiser",))
    section = builder.add_section(cycle, title="About the person", hint="Who they are", by=organiser)
    db.session.commit()
    assert _section_keys(cycle)[-1] == "about_the_person"
    assert section.position == len(cycle.form_sections) - 1
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.detail["section"]) == (
        "form.section_added",
        organiser.id,
        "about_the_person",
    )


def test_section_keys_and_titles_are_checked(app):
    cycle = make_cycle()
    _refused(lambda: builder.add_section(cycle, title=""), "title", "Enter the section’s title")
    _refused(lambda: builder.add_section(cycle, title="Project"), "title", "already has a section with that title")
    _refused(lambda: builder.add_section(cycle, title="New", key="Bad Key"), "key", "start with a letter")
    _refused(lambda: builder.add_section(cycle, title="New", key="check"), "key", "used by the nomination pages")
    _refused(lambda: builder.add_section(cycle, title="New", key="project"), "key", "Another section has that key")


def test_sections_move_up_and_down_and_not_past_the_ends(app):
    cycle = make_cycle()
    before = _section_keys(cycle)
    builder.move_section(builder.get_section(cycle, "project"), "up")
    db.session.commit()
    assert _section_keys(cycle)[:2] == ["project", "organisation"]
    builder.move_section(builder.get_section(cycle, "project"), "down")
    db.session.commit()
    assert _section_keys(cycle) == before
    _refused(lambda: builder.move_section(builder.get_section(cycle, before[0]), "up"), words="already first")
    _refused(lambda: builder.move_section(builder.get_section(cycle, before[-1]), "down"), words="already last")
    assert audit_actions().count("form.section_moved") == 2


def test_a_duplicated_section_copies_its_questions_but_not_core_ones(app):
    cycle = make_cycle()
    copy = builder.duplicate_section(builder.get_section(cycle, "outcomes"))
    db.session.commit()
    assert _section_keys(cycle)[_section_keys(cycle).index("outcomes") + 1] == "outcomes_copy"
    assert [q.key for q in copy.questions] == ["outcomes_narrative_copy", "measured_copy"]
    assert copy.title == "Outcomes and impact (copy)"
    project_copy = builder.duplicate_section(builder.get_section(cycle, "project"))
    db.session.commit()
    assert project_copy.questions == []  # title and summary are core: the form has them once


def test_a_section_with_core_questions_cannot_be_removed_and_an_empty_one_can(app):
    cycle = make_cycle()
    _refused(lambda: builder.remove_section(builder.get_section(cycle, "project")), words="core question")
    builder.remove_section(builder.get_section(cycle, "lessons"))
    db.session.commit()
    assert "lessons" not in _section_keys(cycle)
    assert [s.position for s in builder.ordered_sections(cycle)] == list(range(len(cycle.form_sections)))
    assert "form.section_removed" in audit_actions()


def test_a_section_with_core_questions_cannot_be_limited_to_categories(app):
    cycle = make_cycle()
    section = builder.get_section(cycle, "project")
    _refused(
        lambda: builder.edit_section(section, title="Project", category_ids=[cycle.categories[0].id]),
        "categories",
        "core questions",
    )


# --- Questions -------------------------------------------------------------------------------------


def test_a_question_is_added_with_its_kind_settings_cleaned(app):
    cycle = make_cycle()
    question = _budget(cycle, settings={"unit": " £ ", "min": "0", "max": "1,000,000", "whole": True})
    assert question.key == "what_was_the_budget"
    assert question.settings == {"unit": "£", "min": 0, "max": 1000000, "whole": True}
    assert _keys_in_order(cycle)[1] == ["title", "summary", "what_was_the_budget"]
    assert "form.question_added" in audit_actions()


@pytest.mark.parametrize(
    "kind,settings,field,words",
    [
        ("textarea", {}, "max_words", "Enter the word limit or the character limit"),
        ("textarea", {"max_words": "0"}, "max_words", "1 or more"),
        ("textarea", {"max_words": "ten"}, "max_words", "whole number"),
        ("textarea", {"max_words": "100", "max_chars": "100"}, "max_words", "not both"),
        ("number", {"min": "10", "max": "5"}, "max", "same as or more than the lowest"),
        ("number", {"min": "lots"}, "min", "must be a number"),
        ("choice", {"options": ""}, "options", "Enter the options"),
        ("choice", {"options": "Yes\nyes"}, "options", "in the list twice"),
        ("choice", {"options": "\n".join(str(i) for i in range(61))}, "options", "up to 60"),
        ("choices", {"options": "A\nB", "max_choices": "3"}, "max_choices", "2 or fewer"),
        ("choices", {"options": "A\nB\nC", "min_choices": "3", "max_choices": "2"}, "max_choices", "same as or more"),
        ("file", {"types": [], "max_mb": "5", "max_count": "2"}, "types", "Select the types"),
        ("file", {"types": ["exe"], "max_mb": "5", "max_count": "2"}, "types", "from the list"),
        ("file", {"types": ["pdf"], "max_mb": "", "max_count": "2"}, "max_mb", "Enter the largest file size"),
        ("group", {"columns": [], "max_rows": "5"}, "columns-0-label", "at least one sub-question"),
        ("group", {"columns": [{"label": "A", "kind": "file"}], "max_rows": "5"}, "columns-0-kind", "select a kind"),
        ("group", {"columns": [{"label": "A", "kind": "text"}], "max_rows": "51"}, "max_rows", "50 or fewer"),
    ],
)
def test_bad_settings_are_refused_with_the_field(app, kind, settings, field, words):
    cycle = make_cycle()
    section = builder.get_section(cycle, "project")
    _refused(lambda: builder.add_question(section, kind=kind, label="A question", settings=settings), field, words)
    assert _keys_in_order(cycle)[1] == ["title", "summary"]


def test_question_keys_are_checked_and_unique(app):
    cycle = make_cycle()
    section = builder.get_section(cycle, "project")
    _refused(lambda: builder.add_question(section, kind="text", label="Q", key="1abc"), "key", "start with a letter")
    _refused(lambda: builder.add_question(section, kind="text", label="Q", key="lessons"), "key", "Another question")
    builder.add_question(section, kind="text", label="Lessons")
    db.session.commit()
    assert "lessons_2" in _keys_in_order(cycle)[1]


def test_a_condition_must_be_on_an_earlier_question_that_can_be_one(app):
    cycle = make_cycle()
    project = builder.get_section(cycle, "project")
    lessons = builder.get_section(cycle, "lessons")
    _refused(
        lambda: builder.add_question(
            project, kind="text", label="Q", condition={"question": "lessons", "values": ["x"]}
        ),
        "condition_question",
        "Select an earlier question",
    )
    _refused(
        lambda: builder.add_question(
            lessons, kind="text", label="Q", condition={"question": "summary", "values": ["x"]}
        ),
        "condition_question",
        "cannot be a condition",
    )
    _refused(
        lambda: builder.add_question(
            lessons, kind="text", label="Q", condition={"question": "region", "values": ["Atlantis"]}
        ),
        "condition_values",
        "not one of the options",
    )
    _refused(
        lambda: builder.add_question(
            builder.get_section(cycle, "declarations"),
            kind="text",
            label="Q",
            condition={"question": "consents_to_publish", "values": ["maybe"]},
        ),
        "condition_values",
        "yes or no",
    )
    question = builder.add_question(
        lessons, kind="text", label="Which London borough?", condition={"question": "region", "values": ["London"]}
    )
    db.session.commit()
    assert question.condition == {"question": "region", "values": ["London"]}


def test_a_question_cannot_move_above_the_question_its_condition_is_on(app):
    cycle = make_cycle()
    section = builder.get_section(cycle, "lessons")
    works = builder.add_question(section, kind="yes_no", label="Does it still run?", required=False)
    question = builder.add_question(
        section, kind="text", label="Who runs it?", condition={"question": works.key, "values": ["yes"]}
    )
    db.session.commit()
    _refused(lambda: builder.move_question(question, "up"), words="would come after it")
    _refused(lambda: builder.move_question(works, "down"), words="would come after it")
    _refused(lambda: builder.remove_question(works), words="is shown only for an answer to ‘Does it still run?’")
    _refused(
        lambda: builder.edit_question(works, kind="date", **_fields(works)),
        "kind",
        "change that condition first",
    )


def test_questions_move_duplicate_and_remove(app):
    cycle = make_cycle()
    builder.move_question(builder.get_question(cycle, "summary"), "up")
    db.session.commit()
    assert _keys_in_order(cycle)[1] == ["summary", "title"]
    copy = builder.duplicate_question(builder.get_question(cycle, "lessons"))
    db.session.commit()
    assert copy.key == "lessons_copy" and copy.label.endswith("(copy)")
    assert [q.key for q in builder.get_section(cycle, "lessons").questions] == [
        "unintended_consequences",
        "lessons",
        "lessons_copy",
    ]
    builder.remove_question(copy)
    db.session.commit()
    assert "lessons_copy" not in sum(_keys_in_order(cycle), [])
    _refused(lambda: builder.duplicate_question(builder.get_question(cycle, "title")), words="core question")
    _refused(lambda: builder.remove_question(builder.get_question(cycle, "title")), words="core question")
    for action in ("question_moved", "question_duplicated", "question_removed"):
        assert f"form.{action}" in audit_actions()


def test_core_questions_keep_their_kind_and_their_column_size(app):
    cycle = make_cycle()
    title = builder.get_question(cycle, "title")
    _refused(lambda: builder.edit_question(title, kind="textarea", **_fields(title)), "kind", "core question")
    _refused(
        lambda: builder.edit_question(title, **_fields(title, settings={"max_chars": 201})), "max_chars", "200 or fewer"
    )
    builder.edit_question(title, **_fields(title, label="Name of the project", settings={"max_chars": 120}))
    db.session.commit()
    assert (title.label, title.settings["max_chars"]) == ("Name of the project", 120)


def test_a_question_moves_to_another_section_at_its_end(app):
    cycle = make_cycle()
    question = _budget(cycle)
    builder.edit_question(question, section=builder.get_section(cycle, "lessons"), **_fields(question))
    db.session.commit()
    assert [q.key for q in builder.get_section(cycle, "lessons").questions][-1] == "what_was_the_budget"
    assert "what_was_the_budget" not in [q.key for q in builder.get_section(cycle, "project").questions]


# --- Safety once a nomination is submitted -------------------------------------------------------


def test_before_any_submission_answered_questions_can_change_freely(app):
    cycle = make_cycle()
    make_nomination(cycle, status="draft", lessons="word " * 300)
    lessons = builder.get_question(cycle, "lessons")
    builder.edit_question(lessons, **_fields(lessons, settings={"max_words": 10}))
    db.session.commit()
    assert lessons.settings["max_words"] == 10


def test_an_answered_question_cannot_be_removed_once_a_nomination_is_submitted(app):
    cycle = make_cycle()
    make_nomination(cycle)
    lessons = builder.get_question(cycle, "lessons")
    assert builder.answered_count(cycle, lessons) == 1
    _refused(lambda: builder.remove_question(lessons), words="1 nomination has answered")
    assert builder.get_question(cycle, "lessons") is not None


def test_an_answered_question_cannot_change_kind(app):
    cycle = make_cycle()
    make_nomination(cycle)
    lessons = builder.get_question(cycle, "lessons")
    _refused(
        lambda: builder.edit_question(lessons, kind="text", **_fields(lessons, settings={"max_chars": 200})),
        "kind",
        "Its kind cannot change",
    )
    assert db.session.get(FormQuestion, lessons.id).kind == "textarea"


def test_a_word_limit_an_answer_breaks_is_refused_and_says_how_long_it_must_be(app):
    cycle = make_cycle()
    make_nomination(cycle, lessons="word " * 42)
    lessons = builder.get_question(cycle, "lessons")
    error = _refused(
        lambda: builder.edit_question(lessons, **_fields(lessons, settings={"max_words": 40})), "max_words"
    )
    assert "the word limit must be at least 42" in error.message
    builder.edit_question(lessons, **_fields(lessons, settings={"max_words": 42}))
    db.session.commit()
    assert db.session.get(FormQuestion, lessons.id).settings["max_words"] == 42


def test_limits_answers_break_are_refused(app):
    cycle = make_cycle()
    budget = _budget(cycle)
    colour = builder.add_question(
        builder.get_section(cycle, "project"),
        kind="choice",
        label="Colour",
        required=False,
        settings={"options": "Red\nGreen\nBlue"},
    )
    db.session.commit()
    make_nomination(cycle, what_was_the_budget="5000", colour="Green")
    _refused(lambda: builder.edit_question(budget, **_fields(budget, settings={"max": 4000})), "max", "5000")
    _refused(lambda: builder.edit_question(budget, **_fields(budget, settings={"min": 6000, "max": None})), "min")
    _refused(
        lambda: builder.edit_question(colour, **_fields(colour, settings={"options": ["Red", "Blue"]})),
        "options",
        "chose ‘Green’",
    )
    builder.edit_question(colour, **_fields(colour, settings={"options": ["Red", "Green", "Blue", "Yellow"]}))
    db.session.commit()
    assert builder.get_question(cycle, "colour").settings["options"][-1] == "Yellow"


def test_an_optional_question_cannot_become_required_while_a_submitted_nomination_left_it_blank(app):
    cycle = make_cycle()
    budget = _budget(cycle)
    make_nomination(cycle)
    _refused(lambda: builder.edit_question(budget, **_fields(budget, required=True)), "required", "has not answered it")
    # Adding an optional question is always allowed; adding a required one is too (drafts answer it).
    builder.add_question(builder.get_section(cycle, "project"), kind="text", label="Anything else?", required=False)
    db.session.commit()


def test_group_rows_and_file_limits_answers_break_are_refused(app):
    cycle = make_cycle()
    nomination = make_nomination(
        cycle,
        measured=[{"metric": f"Metric {i}", "baseline": "", "result": "Up", "measured_on": ""} for i in range(4)],
    )
    for name in ("a.png", "b.png"):
        add_attachment(nomination, filename=name, stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    measured = builder.get_question(cycle, "measured")
    _refused(
        lambda: builder.edit_question(measured, **_fields(measured, settings={"max_rows": 3})),
        "max_rows",
        "the most rows must be at least 4",
    )
    columns = [dict(c) for c in measured.settings["columns"] if c["key"] != "result"]
    _refused(
        lambda: builder.edit_question(measured, **_fields(measured, settings={"columns": columns})),
        "columns-0-label",
        "‘Result’",
    )
    documents = builder.get_question(cycle, "documents")
    _refused(
        lambda: builder.edit_question(documents, **_fields(documents, settings={"max_count": 1})),
        "max_count",
        "uploaded 2 files",
    )
    _refused(
        lambda: builder.edit_question(documents, **_fields(documents, settings={"types": ["pdf"]})),
        "types",
        "PNG",
    )


def test_a_category_limit_or_condition_that_hides_an_answer_is_refused(app):
    cycle = make_cycle()
    first, second = cycle.categories[0], cycle.categories[1]
    make_nomination(cycle, category=first)
    lessons = builder.get_question(cycle, "lessons")
    _refused(
        lambda: builder.edit_question(lessons, **_fields(lessons, category_ids=[second.id])),
        "categories",
        "would hide",
    )
    _refused(
        lambda: builder.edit_question(
            lessons, **_fields(lessons, condition={"question": "region", "values": ["London"]})
        ),
        "condition_question",
        "would hide",
    )
    section = builder.get_section(cycle, "lessons")
    _refused(
        lambda: builder.edit_section(section, title=section.title, category_ids=[second.id]), "categories", "would hide"
    )
    # A limit the submitted nomination is inside is allowed.
    builder.edit_question(lessons, **_fields(lessons, category_ids=[first.id]))
    db.session.commit()
    assert builder.get_question(cycle, "lessons").category_ids == [first.id]


def test_removing_an_option_a_later_condition_shows_for_is_refused(app):
    cycle = make_cycle()
    builder.add_question(
        builder.get_section(cycle, "lessons"),
        kind="text",
        label="Which borough?",
        condition={"question": "region", "values": ["London"]},
    )
    db.session.commit()
    region = builder.get_question(cycle, "region")
    options = [o for o in region.settings["options"] if o != "London"]
    _refused(
        lambda: builder.edit_question(region, **_fields(region, settings={"options": options})),
        "options",
        "keep that option",
    )


# --- Templates -------------------------------------------------------------------------------------


def test_a_form_saved_as_a_template_starts_another_cycles_form(app):
    cycle = make_cycle()
    _budget(cycle)
    template = builder.save_as_template(cycle, name="Awards 2026 form")
    db.session.commit()
    _refused(lambda: builder.save_as_template(cycle, name="awards 2026 FORM"), "name", "already has that name")
    other = make_cycle(name="Other Awards 2027", year=2027)
    assert "what_was_the_budget" not in sum(_keys_in_order(other), [])
    builder.replace_from_template(other, db.session.get(FormTemplate, template.id))
    db.session.commit()
    assert _keys_in_order(other) == _keys_in_order(cycle)
    assert {"form.template_saved", "form.replaced_from_template"} <= set(audit_actions())


def test_a_form_with_a_nomination_started_cannot_be_replaced(app):
    cycle = make_cycle()
    template = builder.save_as_template(cycle, name="Default")
    make_nomination(cycle, status="draft", complete=False)
    _refused(lambda: builder.replace_from_template(cycle, template), "template", "1 nomination has been started")


def test_the_form_has_limits_on_its_size(app):
    cycle = make_cycle()
    for i in range(forms.MAX_SECTIONS - len(cycle.form_sections)):
        builder.add_section(cycle, title=f"Extra {i}")
    _refused(lambda: builder.add_section(cycle, title="One too many"), "title", f"up to {forms.MAX_SECTIONS}")


# --- What judges and the public could learn (security review of the builder) --------------------------


def test_a_question_judges_see_cannot_hang_on_an_answer_they_may_not_see(app):
    """Under blind judging a question asked only when the organisation is 'Acme Council' would tell judges
    who made the entry by being there; an organisers-only answer likewise."""
    cycle = make_cycle()
    cycle.rounds[0].blind = True
    db.session.commit()
    project = builder.get_section(cycle, "project")
    _refused(
        lambda: builder.add_question(
            project,
            kind="textarea",
            label="What did Acme learn?",
            judges_see="all",
            settings={"max_words": 100},
            condition={"question": "organisation_name", "values": ["Acme Council"]},
        ),
        "condition_question",
        "Judges would learn the answer to ‘Nominated organisation’",
    )
    secret = builder.add_question(
        project, kind="yes_no", label="Is this a pilot?", judges_see="none", key="pilot", required=False
    )
    db.session.commit()  # (a refusal rolls back)
    _refused(
        lambda: builder.add_question(
            project,
            kind="text",
            label="Pilot area",
            judges_see="all",
            condition={"question": "pilot", "values": ["yes"]},
        ),
        "condition_question",
        "which they may not see",
    )
    # Seen by organisers only, it may hang on anything; and a question judges see may hang on one they see.
    builder.add_question(
        project, kind="text", label="Pilot area", judges_see="none", condition={"question": "pilot", "values": ["yes"]}
    )
    shown = builder.add_question(project, kind="yes_no", label="Is it live?", judges_see="all", key="live")
    follow = builder.add_question(
        project, kind="text", label="Since when?", judges_see="all", condition={"question": "live", "values": ["yes"]}
    )
    db.session.commit()
    # ... and the one it hangs on cannot then be hidden from judges.
    _refused(lambda: builder.edit_question(shown, **_fields(shown, judges_see="none")), "judges_see", "show through")
    assert follow.condition == {"question": "live", "values": ["yes"]} and secret.judges_see == "none"


def test_a_section_judges_see_cannot_hang_on_an_answer_they_may_not_see(app):
    cycle = make_cycle()
    project = builder.get_section(cycle, "project")
    builder.add_question(project, kind="yes_no", label="Is this a pilot?", judges_see="none", key="pilot")
    section = builder.add_section(cycle, title="About the pilot")
    builder.add_question(section, kind="text", label="Where?", judges_see="all")
    db.session.commit()
    _refused(
        lambda: builder.edit_section(
            section, title="About the pilot", condition={"question": "pilot", "values": ["yes"]}
        ),
        "condition_question",
        "Judges would learn",
    )


@pytest.mark.parametrize(("kind", "settings"), [("email", {}), ("phone", {}), ("text", {"personal": True})])
def test_personal_data_is_never_published(app, kind, settings):
    """The builder refuses to publish an email address, a telephone number or an answer marked personal,
    and publication leaves them out even of a form written some other way."""
    from awards.domain.publishing import publication

    cycle = make_cycle()
    project = builder.get_section(cycle, "project")
    _refused(
        lambda: builder.add_question(
            project, kind=kind, label="Referee", public=True, key="referee", settings=dict(settings)
        ),
        "public",
        "never published",
    )
    definition = forms.definition_of(cycle)
    definition["sections"][1]["questions"].append(
        {"key": "referee", "kind": kind, "label": "Referee", "public": True, "settings": dict(settings)}
    )
    definition["sections"][1]["questions"].append(
        {
            "key": "people",
            "kind": "group",
            "label": "People",
            "public": True,
            "required": False,
            "settings": {
                "columns": [
                    {"key": "name", "kind": "text", "label": "Name"},
                    {"key": "email", "kind": "email", "label": "Email"},
                    {"key": "story", "kind": "text", "label": "Story", "settings": {"personal": True}},
                ]
            },
        }
    )
    forms.install(cycle, definition)
    nomination = make_nomination(
        cycle,
        referee="jane@example.org",
        people=[{"name": "Team A", "email": "a@example.org", "story": "Born in 1970"}],
    )
    published = publication.case_answers(nomination)
    assert [a["key"] for a in published if a["key"] in ("referee", "people")] == ["people"]
    people = next(a for a in published if a["key"] == "people")["value"]
    assert people == {"columns": [{"key": "name", "label": "Name", "kind": "text"}], "rows": [{"name": "Team A"}]}
