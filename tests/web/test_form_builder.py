"""The organiser's entry form builder, through the app: what the organiser sees, what each change does to
the form, the refusals that keep submitted answers (the reason in a GOV.UK error summary, nothing changed),
templates, copying to next year, and the preview."""

import re

import pytest
import sqlalchemy as sa

from awards.domain.nominations import form_builder as builder
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import AuditEvent, Cycle, FormTemplate
from tests.factories import make_cycle, make_nomination
from tests.support.audit import audit_actions
from tests.support.dates import utc
from tests.support.pages import input_value
from tests.support.programme import cycle_form
from tests.support.visible import error_summary, main_text


def _url(cycle, rest=""):
    return f"/organiser/cycles/{cycle.slug}/form{rest}"


def _form_keys(cycle_id):
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle_id)
    return [[q.key for q in s.questions] for s in builder.ordered_sections(cycle)]


def _stored_question(cycle_id, key):
    db.session.expire_all()
    return forms.question_by_key(db.session.get(Cycle, cycle_id), key)


def _snapshot(cycle_id):
    """The form as stored, to compare before and after a refusal."""
    db.session.expire_all()
    return forms.definition_of(db.session.get(Cycle, cycle_id), with_categories=True)


def _textarea_of(response, name):
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S)
    return match.group(1).strip() if match else None


def _details(label="What was the budget?", **rest):
    data = {
        "label": label,
        "hint": "",
        "required": "no",
        "key": "",
        "short": "",
        "error": "",
        "judges_see": "all",
        "condition_question": "",
        "condition_values": "",
    }
    data.update(rest)
    return data


def _question_fields(question, **changes):
    """The edit page's fields as the browser posts them for a question, with changes."""
    s = question.settings or {}
    data = {
        "label": question.label,
        "hint": question.hint,
        "required": "yes" if question.required else "no",
        "short": s.get("short", ""),
        "error": s.get("error", ""),
        "judges_see": question.judges_see,
        "section": question.section.key,
        "condition_question": (question.condition or {}).get("question", ""),
        "condition_values": "\n".join((question.condition or {}).get("values") or []),
        "categories": [str(i) for i in question.category_ids or []],
    }
    if question.public:
        data["public"] = "y"
    if question.kind == "textarea":
        data.update(max_words=str(s.get("max_words", "")), max_chars=str(s.get("max_chars", "")))
    if question.kind in ("choice", "choices"):
        data["options"] = "\n".join(s.get("options") or [])
    if question.kind == "number":
        data.update(unit=s.get("unit", ""), min=str(s.get("min", "")), max=str(s.get("max", "")))
    data.update(changes)
    return data


# --- The form page ---------------------------------------------------------------------------------


def test_the_form_page_lists_the_sections_and_questions_in_order_with_their_actions(organiser_client):
    cycle = make_cycle()
    page = organiser_client.get(_url(cycle))
    assert page.status_code == 200
    text = main_text(page)
    assert "1. About the nominated organisation" in text and "9. Declarations" in text
    assert text.index("Name of the nominated organisation") < text.index("Project title") < text.index("Lessons")
    assert "Long text, with a word or character limit. Required. 500 words or fewer." in text
    assert "Seen by: Organisers only." in text
    # Each question: change, move, duplicate, remove (a core question: no duplicate or remove).
    assert "Change Lessons and how others could adopt it" in text
    assert "Move up Lessons and how others could adopt it" in text
    assert "Duplicate Lessons and how others could adopt it" in text
    assert "Remove Lessons and how others could adopt it" in text
    assert "Remove Project title" not in text and "Duplicate Project title" not in text
    assert "Move section up About the nominated organisation" not in text  # it is first
    assert "Move section down About the nominated organisation" in text
    assert "Duplicate section Project" in text
    cycle_page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert f'href="{_url(cycle)}"' in cycle_page.get_data(as_text=True)


# --- Sections --------------------------------------------------------------------------------------


def test_adding_a_section_and_its_errors(organiser_client, organiser):
    cycle = make_cycle()
    url = _url(cycle, "/sections/new")
    response = organiser_client.post_form(url, {"title": "", "intro": "Kept words", "key": "Bad key"}, token_from=url)
    assert error_summary(response) == [("#title", "Enter the section’s title")]
    assert _textarea_of(response, "intro") == "Kept words" and input_value(response, "key") == "Bad key"
    response = organiser_client.post_form(url, {"title": "About the person", "key": "Bad key"}, token_from=url)
    assert error_summary(response)[0][0] == "#key"
    response = organiser_client.post_form(
        url,
        {"title": "About the person", "hint": "Who they are", "categories": [str(cycle.categories[1].id)]},
        token_from=url,
    )
    assert response.status_code == 302
    page = main_text(organiser_client.get(response.headers["Location"]))
    assert "The section ‘About the person’ has been added. Add its questions." in page
    assert "10. About the person Change the section About the person" in page
    assert f"Only for {cycle.categories[1].name}" in page
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "form.section_added")).one()
    assert event.actor_id == organiser.id and event.detail["section"] == "about_the_person"


def test_a_section_is_changed_moved_duplicated_and_removed(organiser_client):
    cycle = make_cycle()
    edit = _url(cycle, "/sections/lessons/edit")
    assert input_value(organiser_client.get(edit), "title") == "Unintended consequences and lessons"
    response = organiser_client.post_form(
        edit, {"title": "Lessons learned", "hint": "What others can learn"}, token_from=edit
    )
    assert response.status_code == 302
    assert "Your changes to the section ‘Lessons learned’ have been saved" in main_text(
        organiser_client.get(response.headers["Location"])
    )
    response = organiser_client.post_form(_url(cycle, "/sections/lessons/move/up"), token_from=_url(cycle))
    assert "‘Lessons learned’ has moved up" in main_text(organiser_client.get(response.headers["Location"]))
    sections = [s.key for s in builder.ordered_sections(db.session.get(Cycle, cycle.id))]
    assert sections.index("lessons") == sections.index("outcomes") - 1

    response = organiser_client.post_form(_url(cycle, "/sections/lessons/duplicate"), token_from=_url(cycle))
    assert "‘Lessons learned’ has been copied. The copy is after it." in main_text(
        organiser_client.get(response.headers["Location"])
    )
    assert ["unintended_consequences_copy", "lessons_copy"] in _form_keys(cycle.id)

    remove = _url(cycle, "/sections/lessons_copy/remove")
    page = organiser_client.get(remove)
    assert "Remove the section ‘Lessons learned (copy)’?" in main_text(page)
    assert "Its 2 questions go with it." in main_text(page)
    response = organiser_client.post_form(remove, token_from=remove)
    assert "The section ‘Lessons learned (copy)’ has been removed" in main_text(
        organiser_client.get(response.headers["Location"])
    )
    assert ["unintended_consequences_copy", "lessons_copy"] not in _form_keys(cycle.id)
    for action in ("section_changed", "section_moved", "section_duplicated", "section_removed"):
        assert f"form.{action}" in audit_actions()


def test_a_section_with_core_questions_cannot_be_removed(organiser_client):
    cycle = make_cycle()
    remove = _url(cycle, "/sections/project/remove")
    assert "You cannot remove the section ‘Project’" in main_text(organiser_client.get(remove))
    before = _snapshot(cycle.id)
    response = organiser_client.post_form(remove, token_from=remove)
    assert 'class="govuk-error-summary"' in response.get_data(as_text=True)
    assert "There is a problem It has core questions (‘Project title’, ‘Public summary’) the platform needs" in (
        main_text(response)
    )
    assert _snapshot(cycle.id) == before


# --- Questions -------------------------------------------------------------------------------------


def test_adding_a_question_first_asks_its_kind(organiser_client):
    cycle = make_cycle()
    url = _url(cycle, "/sections/project/questions/new")
    page = organiser_client.get(url)
    text = main_text(page)
    assert "What kind of question is it?" in text and "A repeating group of questions" in text
    assert "Trends addressed" not in text  # the core trends question is the only one of its kind
    wrong = organiser_client.get(url + "?kind=trends")
    assert error_summary(wrong) == [("#kind", "Select the kind of question")]
    details = organiser_client.get(url + "?kind=number")
    assert "Kind: Number." in main_text(details) and input_value(details, "unit") == ""


def test_adding_a_number_question_with_its_rules(organiser_client, organiser):
    cycle = make_cycle()
    url = _url(cycle, "/sections/project/questions/new?kind=number")
    response = organiser_client.post_form(
        url, _details(label="", unit="£", min="100", max="10", hint="Kept hint"), token_from=url
    )
    assert error_summary(response) == [("#label", "Enter the question")]
    assert input_value(response, "unit") == "£" and _textarea_of(response, "hint") == "Kept hint"
    response = organiser_client.post_form(url, _details(unit="£", min="100", max="10"), token_from=url)
    assert error_summary(response) == [("#max", "The highest number must be the same as or more than the lowest")]
    assert input_value(response, "min") == "100" and input_value(response, "max") == "10"
    assert _form_keys(cycle.id)[1] == ["title", "summary"]
    response = organiser_client.post_form(
        url,
        _details(
            unit="£",
            min="0",
            max="1,000,000",
            whole="y",
            short="Budget",
            public="y",
            categories=[str(cycle.categories[0].id)],
        ),
        token_from=url,
    )
    assert response.status_code == 302
    page = main_text(organiser_client.get(response.headers["Location"]))
    assert "The question ‘Budget’ has been added to ‘Project’" in page
    assert "Number. Optional. From 0 to 1000000 £, whole numbers." in page
    assert f"Only for {cycle.categories[0].name}." in page
    question = _stored_question(cycle.id, "what_was_the_budget")
    assert question.settings == {"short": "Budget", "unit": "£", "min": 0, "max": 1000000, "whole": True}
    assert question.public and question.category_ids == [cycle.categories[0].id]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "form.question_added")).one()
    assert event.actor_id == organiser.id and event.detail["question"] == "what_was_the_budget"


def test_a_long_text_question_needs_a_limit(organiser_client):
    cycle = make_cycle()
    url = _url(cycle, "/sections/lessons/questions/new?kind=textarea")
    response = organiser_client.post_form(url, _details(label="What next?", max_words="", max_chars=""), token_from=url)
    assert error_summary(response) == [("#max_words", "Enter the word limit or the character limit")]
    response = organiser_client.post_form(
        url, _details(label="What next?", max_words="", max_chars="1500"), token_from=url
    )
    assert response.status_code == 302
    assert _stored_question(cycle.id, "what_next").settings == {"max_chars": 1500}


def test_a_choice_question_with_a_condition_on_an_earlier_answer(organiser_client):
    cycle = make_cycle()
    url = _url(cycle, "/sections/lessons/questions/new?kind=choice")
    response = organiser_client.post_form(
        url,
        _details(
            label="Which borough?",
            options="Camden\nHackney\ncamden",
            condition_question="region",
            condition_values="London",
        ),
        token_from=url,
    )
    assert error_summary(response) == [("#options", "‘camden’ is in the list twice: give each option once")]
    assert _textarea_of(response, "options") == "Camden\nHackney\ncamden"
    response = organiser_client.post_form(
        url,
        _details(
            label="Which borough?", options="Camden\nHackney", condition_question="region", condition_values="Londres"
        ),
        token_from=url,
    )
    assert error_summary(response) == [("#condition_values", "‘Londres’ is not one of the options of ‘Region’")]
    response = organiser_client.post_form(
        url,
        _details(
            label="Which borough?", options="Camden\nHackney", condition_question="region", condition_values="London"
        ),
        token_from=url,
    )
    assert response.status_code == 302
    page = main_text(organiser_client.get(response.headers["Location"]))
    assert "Only when the answer to ‘Region’ is ‘London’." in page
    assert _stored_question(cycle.id, "which_borough").condition == {"question": "region", "values": ["London"]}


def test_a_repeating_group_with_its_sub_questions(organiser_client):
    cycle = make_cycle()
    url = _url(cycle, "/sections/project/questions/new?kind=group")
    page = organiser_client.get(url)
    assert input_value(page, "columns-0-label") == "" and input_value(page, "columns-1-label") == ""
    data = _details(
        label="Who funded it?",
        row_name="Funder",
        max_rows="5",
        **{
            "columns-0-label": "Funder",
            "columns-0-kind": "text",
            "columns-0-required": "yes",
            "columns-1-label": "Amount",
            "columns-1-kind": "file",
        },
    )
    response = organiser_client.post_form(url, data, token_from=url)
    assert error_summary(response) == [("#columns-1-kind", "Sub-question 2: select a kind from the list")]
    assert input_value(response, "columns-1-label") == "Amount" and input_value(response, "row_name") == "Funder"
    data["columns-1-kind"] = "number"
    response = organiser_client.post_form(url, data, token_from=url)
    assert response.status_code == 302
    assert "Up to 5 rows of Funder, Amount." in main_text(organiser_client.get(response.headers["Location"]))
    question = _stored_question(cycle.id, "who_funded_it")
    assert [(c["key"], c["kind"], c["required"]) for c in question.settings["columns"]] == [
        ("funder", "text", True),
        ("amount", "number", False),
    ]
    edit = organiser_client.get(_url(cycle, "/questions/who_funded_it/edit"))
    assert input_value(edit, "columns-1-label") == "Amount" and input_value(edit, "columns-2-label") == ""


def test_a_question_is_changed_moved_duplicated_and_removed(organiser_client):
    cycle = make_cycle()
    edit = _url(cycle, "/questions/lessons/edit")
    page = organiser_client.get(edit)
    assert input_value(page, "label") == "Lessons, and how others could adopt the work"
    lessons = _stored_question(cycle.id, "lessons")
    response = organiser_client.post_form(edit, _question_fields(lessons, label="", max_words="abc"), token_from=edit)
    assert error_summary(response) == [("#label", "Enter the question")]
    assert input_value(response, "max_words") == "abc"
    response = organiser_client.post_form(
        edit,
        _question_fields(lessons, label="What did you learn?", max_words="300", judges_see="not_blind"),
        token_from=edit,
    )
    assert response.status_code == 302
    assert "Your changes to ‘Lessons and how others could adopt it’ have been saved" in main_text(
        organiser_client.get(response.headers["Location"])
    )
    lessons = _stored_question(cycle.id, "lessons")
    assert (lessons.label, lessons.settings["max_words"], lessons.judges_see) == (
        "What did you learn?",
        300,
        "not_blind",
    )

    organiser_client.post_form(_url(cycle, "/questions/lessons/move/up"), token_from=_url(cycle))
    assert _form_keys(cycle.id)[6] == ["lessons", "unintended_consequences"]
    response = organiser_client.post_form(_url(cycle, "/questions/lessons/move/up"), token_from=_url(cycle))
    assert "is already first in its section" in main_text(organiser_client.get(response.headers["Location"]))
    organiser_client.post_form(_url(cycle, "/questions/lessons/duplicate"), token_from=_url(cycle))
    assert _form_keys(cycle.id)[6] == ["lessons", "lessons_copy", "unintended_consequences"]

    remove = _url(cycle, "/questions/lessons_copy/remove")
    assert "Remove the question ‘Lessons and how others could adopt it’?" in main_text(organiser_client.get(remove))
    response = organiser_client.post_form(remove, token_from=remove)
    assert response.status_code == 302
    assert _form_keys(cycle.id)[6] == ["lessons", "unintended_consequences"]

    # To another section: at its end.
    response = organiser_client.post_form(
        _url(cycle, "/questions/lessons/edit"),
        _question_fields(_stored_question(cycle.id, "lessons"), section="documents"),
        token_from=edit,
    )
    assert _form_keys(cycle.id)[7] == ["documents", "lessons"]
    for action in ("question_changed", "question_moved", "question_duplicated", "question_removed"):
        assert f"form.{action}" in audit_actions()


def test_changing_the_kind_of_a_question_nobody_answered(organiser_client):
    cycle = make_cycle()
    edit = _url(cycle, "/questions/contact_phone/edit")
    page = organiser_client.get(edit + "?choose_kind=1")
    assert "Change the kind of question" in main_text(page)
    question = _stored_question(cycle.id, "contact_phone")
    url = edit + "?kind=text"
    assert "Kind: Short text." in main_text(organiser_client.get(url))
    response = organiser_client.post_form(url, _question_fields(question, max_chars="40"), token_from=url)
    assert response.status_code == 302
    assert (
        _stored_question(cycle.id, "contact_phone").kind,
        _stored_question(cycle.id, "contact_phone").settings["max_chars"],
    ) == (
        "text",
        40,
    )


def test_a_core_question_can_be_reworded_and_relimited_within_its_column(organiser_client):
    cycle = make_cycle()
    edit = _url(cycle, "/questions/title/edit")
    page = organiser_client.get(edit)
    assert "This is a core question" in main_text(page) and "Change the kind" not in main_text(page)
    title = _stored_question(cycle.id, "title")
    data = _question_fields(title, max_chars="250")
    for name in ("required", "categories", "condition_question", "condition_values"):
        data.pop(name)
    response = organiser_client.post_form(edit, data, token_from=edit)
    assert error_summary(response) == [("#max_chars", "The character limit must be 200 or fewer")]
    assert input_value(response, "max_chars") == "250"
    data["max_chars"] = "120"
    data["label"] = "Name of the project"
    assert organiser_client.post_form(edit, data, token_from=edit).status_code == 302
    assert _stored_question(cycle.id, "title").settings["max_chars"] == 120


def test_who_reads_a_core_answer_is_the_platforms_rule_not_the_forms(organiser_client):
    """A core question's page says who reads its answer instead of offering a choice, and a post that
    tries to hide the title from judges or publish the contact changes neither."""
    cycle = make_cycle()
    for key, words in (
        ("title", "The platform decides this for a core question: judges read it, and it is published"),
        ("contact_email", "The platform decides this for a core question: only organisers read it; it is never"),
    ):
        edit = _url(cycle, f"/questions/{key}/edit")
        page = organiser_client.get(edit)
        assert words in main_text(page)
        assert "Who reads the answer" not in main_text(page) and "Publish the answer" not in main_text(page)
        question = _stored_question(cycle.id, key)
        before = (question.judges_see, question.public)
        data = _question_fields(question, judges_see="none", public="y" if not question.public else "")
        for name in ("required", "categories", "condition_question", "condition_values"):
            data.pop(name)
        assert organiser_client.post_form(edit, data, token_from=edit).status_code == 302
        after = _stored_question(cycle.id, key)
        assert (after.judges_see, after.public) == before


# --- Refusals once a nomination is submitted -------------------------------------------------------


@pytest.fixture
def submitted(app):
    """A cycle with a custom choice question and a budget, and one submitted nomination that answered them."""
    cycle = make_cycle()
    section = builder.get_section(cycle, "lessons")
    builder.add_question(section, kind="choice", label="Colour", required=False, settings={"options": "Red\nGreen"})
    builder.add_question(section, kind="number", label="Budget", required=False, settings={"max": 10000})
    builder.add_question(section, kind="text", label="Anything else", required=False)
    db.session.commit()
    make_nomination(cycle, category=cycle.categories[0], lessons="word " * 42, colour="Green", budget="5000")
    return cycle


@pytest.mark.parametrize(
    "key,changes,field,message",
    [
        (
            "lessons",
            {"max_words": "40"},
            "#max_words",
            "1 submitted nomination has a longer answer (up to 42 words): the word limit must be at least 42",
        ),
        (
            "lessons",
            {"max_chars": "100", "max_words": ""},
            "#max_chars",
            "1 submitted nomination has a longer answer (up to 210 characters): the character limit must be at "
            "least 210",
        ),
        ("budget", {"max": "4000"}, "#max", "1 submitted nomination answered 5000, which the new rule would not allow"),
        ("colour", {"options": "Red\nBlue"}, "#options", "1 submitted nomination chose ‘Green’"),
        (
            "anything_else",
            {"required": "yes"},
            "#required",
            "It cannot become required: 1 submitted nomination has not answered it",
        ),
        ("colour", {"categories": ["SECOND"]}, "#categories", "this category limit would hide its answer"),
        (
            "colour",
            {"condition_question": "region", "condition_values": "London"},
            "#condition_question",
            "this condition would hide its answer",
        ),
    ],
)
def test_a_change_a_submitted_answer_breaks_is_refused_with_the_reason(
    organiser_client, submitted, key, changes, field, message
):
    cycle = submitted
    if changes.get("categories") == ["SECOND"]:
        changes = {"categories": [str(cycle.categories[1].id)]}
    before = _snapshot(cycle.id)
    edit = _url(cycle, f"/questions/{key}/edit")
    response = organiser_client.post_form(
        edit, _question_fields(_stored_question(cycle.id, key), **changes), token_from=edit
    )
    assert response.status_code == 200
    errors = error_summary(response)
    assert len(errors) == 1 and errors[0][0] == field and message in errors[0][1], errors
    assert _snapshot(cycle.id) == before
    # What was typed is kept.
    for name, value in changes.items():
        if name in ("max_words", "max_chars", "max"):
            assert input_value(response, name) == value
        elif name in ("options", "condition_values"):
            assert _textarea_of(response, name) == value


def test_an_answered_question_cannot_change_kind_or_be_removed(organiser_client, submitted):
    cycle = submitted
    before = _snapshot(cycle.id)
    url = _url(cycle, "/questions/colour/edit?kind=text")
    response = organiser_client.post_form(url, _question_fields(_stored_question(cycle.id, "colour")), token_from=url)
    assert error_summary(response) == [
        ("#kind", "Its kind cannot change: 1 nomination has answered it, and the answers would no longer fit")
    ]
    remove = _url(cycle, "/questions/colour/remove")
    page = main_text(organiser_client.get(remove))
    assert "You cannot remove the question ‘Colour’" in page
    assert "1 nomination has answered ‘Colour’, and a submitted nomination’s answers are kept" in page
    response = organiser_client.post_form(remove, token_from=remove)
    assert 'class="govuk-error-summary"' in response.get_data(as_text=True)
    assert "There is a problem 1 nomination has answered ‘Colour’" in main_text(response)
    assert _snapshot(cycle.id) == before
    # Adding an optional question is always allowed.
    url = _url(cycle, "/sections/lessons/questions/new?kind=text")
    assert organiser_client.post_form(url, _details(label="One more thing"), token_from=url).status_code == 302
    assert "one_more_thing" in _form_keys(cycle.id)[6]


# --- Preview ---------------------------------------------------------------------------------------


def test_the_preview_shows_what_a_nominee_of_a_category_is_asked(organiser_client):
    cycle = make_cycle()
    first, second = cycle.categories[0], cycle.categories[1]
    builder.add_question(
        builder.get_section(cycle, "project"),
        kind="number",
        label="How many people use it?",
        required=False,
        category_ids=[second.id],
    )
    builder.add_question(
        builder.get_section(cycle, "lessons"),
        kind="text",
        label="Which borough?",
        required=False,
        condition={"question": "region", "values": ["London"]},
    )
    db.session.commit()
    page = organiser_client.get(_url(cycle, f"/preview?category={first.id}"))
    text = main_text(page)
    assert "Preview as a nominee of" in text and "Nothing you type here is saved." in text
    assert "Name of the nominated organisation" in text and "How many people use it?" not in text
    assert "Only when the answer to ‘Region’ is ‘London’" in text and "Which borough? (optional)" in text
    assert '<form method="post"' not in page.get_data(as_text=True).split("<main")[1]
    assert "How many people use it? (optional)" in main_text(
        organiser_client.get(_url(cycle, f"/preview?category={second.id}"))
    )
    assert organiser_client.get(_url(cycle, "/preview?category=999999")).status_code == 404


# --- Templates, new cycles and next year -----------------------------------------------------------


def test_a_form_saved_as_a_template_starts_a_new_cycle(organiser_client):
    cycle = make_cycle()
    builder.add_question(builder.get_section(cycle, "project"), kind="number", label="Budget", required=False)
    db.session.commit()
    url = _url(cycle, "/save-template")
    response = organiser_client.post_form(url, {"name": "", "description": "Kept"}, token_from=url)
    assert error_summary(response) == [("#name", "Enter a name for the template")]
    assert _textarea_of(response, "description") == "Kept"
    response = organiser_client.post_form(url, {"name": "Awards form with a budget"}, token_from=url)
    assert "The form has been saved as the template ‘Awards form with a budget’" in main_text(
        organiser_client.get(response.headers["Location"])
    )
    response = organiser_client.post_form(url, {"name": "awards form with a budget"}, token_from=url)
    assert error_summary(response) == [("#name", "A template already has that name: choose another")]
    template = db.session.scalars(sa.select(FormTemplate)).one()

    new = "/organiser/cycles/new"
    page = organiser_client.get(new)
    assert "Start the entry form from" in main_text(page) and "Awards form with a budget" in main_text(page)
    response = organiser_client.post_form(
        new,
        cycle_form(name="Other Awards 2027", year="2027", reference_prefix="OTHER", form_start=str(template.id)),
        token_from=new,
    )
    assert response.status_code == 302, error_summary(response)
    other = db.session.scalar(sa.select(Cycle).where(Cycle.name == "Other Awards 2027"))
    assert "budget" in _form_keys(other.id)[1]
    assert _form_keys(other.id) == _form_keys(cycle.id)


def test_a_form_with_no_nominations_is_replaced_from_a_template(organiser_client):
    cycle = make_cycle()
    builder.add_question(builder.get_section(cycle, "project"), kind="text", label="Motto", required=False)
    builder.save_as_template(cycle, name="With a motto")
    fresh = make_cycle(name="Fresh Awards 2027", year=2027)
    url = _url(fresh, "/start-from-template")
    response = organiser_client.post_form(url, {}, token_from=url)
    assert error_summary(response) == [("#template", "Select a template")]
    template = db.session.scalars(sa.select(FormTemplate)).one()
    response = organiser_client.post_form(url, {"template": str(template.id)}, token_from=url)
    assert "The entry form is now the template ‘With a motto’" in main_text(
        organiser_client.get(response.headers["Location"])
    )
    assert "motto" in _form_keys(fresh.id)[1]
    assert "form.replaced_from_template" in audit_actions()

    make_nomination(cycle, status="draft", complete=False)
    page = main_text(organiser_client.get(_url(cycle, "/start-from-template")))
    assert "The form cannot be replaced" in page and "1 nomination has been started with this form" in page
    before = _snapshot(cycle.id)
    organiser_client.post_form(_url(cycle, "/start-from-template"), {"template": str(template.id)}, token_from=url)
    assert _snapshot(cycle.id) == before


def test_copy_to_next_year_keeps_the_form(organiser_client):
    cycle = make_cycle(open_at=utc(2026, 3, 2, 9), close_at=utc(2026, 6, 28, 16))
    builder.add_question(
        builder.get_section(cycle, "project"),
        kind="number",
        label="Budget",
        required=False,
        category_ids=[cycle.categories[2].id],
    )
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/copy"
    response = organiser_client.post_form(
        url,
        {
            "name": "Public Sector Digital Awards 2027",
            "year": "2027",
            "nominations_open_date": ["2", "3", "2027"],
            "nominations_open_time": "9am",
            "nominations_close_date": ["28", "6", "2027"],
            "nominations_close_time": "5pm",
            "reference_prefix": "PSDA",
        },
        token_from=url,
    )
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Cycle).where(Cycle.year == 2027))
    assert _form_keys(copy.id) == _form_keys(cycle.id)
    budget = _stored_question(copy.id, "budget")
    assert budget.category_ids == [copy.categories[2].id]
    assert "Budget" in main_text(organiser_client.get(_url(copy)))


KIND_DATA = {
    "text": {"max_chars": "100"},
    "textarea": {"max_words": "250", "max_chars": ""},
    "number": {"unit": "people", "min": "", "max": ""},
    "date": {},
    "yes_no": {},
    "choice": {"options": "One\nTwo"},
    "choices": {"options": "One\nTwo\nThree", "min_choices": "1", "max_choices": "2"},
    "email": {},
    "url": {},
    "phone": {},
    "declaration": {},
    "file": {"types": ["pdf", "png"], "max_mb": "5", "max_count": "2"},
    "group": {"row_name": "Item", "max_rows": "3", "columns-0-label": "Name", "columns-0-kind": "text"},
}


@pytest.mark.parametrize("kind", forms.ADDABLE_KINDS)
def test_every_kind_of_question_can_be_added_and_changed(organiser_client, kind):
    cycle = make_cycle()
    url = _url(cycle, f"/sections/lessons/questions/new?kind={kind}")
    assert f"Kind: {forms.KINDS[kind].name}." in main_text(organiser_client.get(url))
    response = organiser_client.post_form(url, _details(label=f"A {kind} question", **KIND_DATA[kind]), token_from=url)
    assert response.status_code == 302, error_summary(response)
    key = f"a_{kind}_question"
    question = _stored_question(cycle.id, key)
    assert question.kind == kind and question.section.key == "lessons"
    edit = _url(cycle, f"/questions/{key}/edit")
    page = organiser_client.get(edit)
    assert input_value(page, "label") == f"A {kind} question"
    data = _question_fields(question, label=f"The {kind} question", **KIND_DATA[kind])
    assert organiser_client.post_form(edit, data, token_from=edit).status_code == 302
    assert _stored_question(cycle.id, key).label == f"The {kind} question"


def test_the_core_trends_question_has_its_own_rule(organiser_client):
    cycle = make_cycle()
    edit = _url(cycle, "/questions/trends/edit")
    page = organiser_client.get(edit)
    assert input_value(page, "how_words") == "100"
    data = _question_fields(_stored_question(cycle.id, "trends"), how_words="150")
    for name in ("required", "categories", "condition_question", "condition_values"):
        data.pop(name)
    assert organiser_client.post_form(edit, data, token_from=edit).status_code == 302
    assert _stored_question(cycle.id, "trends").settings["how_words"] == 150


def test_a_question_marked_as_personal_data_is_cleared_with_the_rest(organiser_client):
    """The builder's "personal data" box is what account deletion and the retention purge read
    (records/data_protection.PERSONAL_SETTING); a core question has no such box (its rule is fixed)."""
    from awards.domain.records.data_protection import PERSONAL_SETTING

    cycle = make_cycle()
    url = _url(cycle, "/sections/project/questions/new?kind=text")
    response = organiser_client.post_form(
        url, _details(label="Name of the project lead", personal="y", short="Project lead"), token_from=url
    )
    assert response.status_code == 302
    question = _stored_question(cycle.id, "name_of_the_project_lead")
    assert question.settings.get(PERSONAL_SETTING) is True
    edit = _url(cycle, "/questions/name_of_the_project_lead/edit")
    assert "The answer is personal data" in main_text(organiser_client.get(edit))
    assert "The answer is personal data" not in main_text(organiser_client.get(_url(cycle, "/questions/title/edit")))
