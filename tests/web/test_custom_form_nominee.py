"""A nominee fills a cycle's own form (issue 14, items 1, 3 and 6), through the app: every kind of
question as a GOV.UK field, a section only one category is asked, a question conditional on an earlier
answer of the same page (enhanced in the browser, decided on the server) and one conditional on an
earlier section (shown only when it holds), invalid answers kept in the draft and shown back with their
errors, file questions with their own limits, the task list and check your answers in form order, two
windows, and a post kept across a sign-in."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from awards.domain.programme import entry_forms
from awards.extensions import db
from awards.models import Nomination, NominationStatus
from tests.factories import DEFAULT_PASSWORD, make_cycle
from tests.support import nominating
from tests.support.files import PDF, PNG
from tests.support.nominating import based_on, save, section_url, start_draft
from tests.support.visible import error_summary, main_text, visible_texts

REGIONS = list(entry_forms.REGIONS)


def q(key, kind, label, **rest):
    return {"key": key, "kind": kind, "label": label, "hint": "", "required": True, "settings": {}, **rest}


def definition(category_id: int) -> dict:
    """A form with every kind of question; "The leader" is asked only in one category."""
    return {
        "sections": [
            {
                "key": "basics",
                "title": "The basics",
                "hint": "Who you are and what the work is",
                "intro": "Tell us who did the work.",
                "questions": [
                    q("organisation_name", "text", "Organisation name", settings={"max_chars": 200}),
                    q("title", "text", "Name of the work", settings={"short": "Name of the work"}),
                    q("summary", "textarea", "Short summary", settings={"max_words": 50, "short": "Summary"}),
                    q("contact_email", "email", "Contact email", settings={"short": "Contact email"}),
                    q("region", "choice", "Region", settings={"options": REGIONS}),
                    q(
                        "partners",
                        "group",
                        "Partners",
                        required=False,
                        settings={
                            "max_rows": 4,
                            "row_name": "Partner",
                            "columns": [
                                q("name", "text", "Name"),
                                q("is_supplier", "yes_no", "Is a supplier", required=False),
                            ],
                        },
                    ),
                    q("is_council", "yes_no", "Is the organisation a council?", settings={"short": "A council"}),
                    q(
                        "council_area",
                        "text",
                        "Which area does the council serve?",
                        settings={"short": "Council area", "error": "Enter the area the council serves"},
                        condition={"question": "is_council", "values": ["yes"]},
                    ),
                ],
            },
            {
                "key": "details",
                "title": "Details of the work",
                "hint": "",
                "intro": "",
                "questions": [
                    q(
                        "headcount",
                        "number",
                        "How many people use the service?",
                        settings={"unit": "people", "min": 1, "max": 1_000_000, "whole": True, "short": "Users"},
                    ),
                    q("started_on", "date", "When did the work start?", settings={"short": "Start date"}),
                    q("website", "url", "Web address of the service", settings={"short": "Web address"}),
                    q("phone", "phone", "Telephone number", required=False),
                    q(
                        "sectors",
                        "choices",
                        "Which sectors does it serve?",
                        settings={"options": ["Health", "Housing", "Transport"], "max_choices": 2, "short": "Sectors"},
                    ),
                    q(
                        "delivery",
                        "choice",
                        "Who delivered it?",
                        settings={"options": ["In-house team", "Supplier", "Both"], "short": "Delivered by"},
                    ),
                    q(
                        "statement",
                        "textarea",
                        "Supporting statement",
                        hint="What made the work stand out",
                        settings={"max_chars": 300, "short": "Statement"},
                    ),
                    q(
                        "council_budget",
                        "text",
                        "The council’s budget for the work",
                        settings={"short": "Council budget"},
                        condition={"question": "is_council", "values": ["yes"]},
                    ),
                    q(
                        "milestones",
                        "group",
                        "Milestones",
                        required=False,
                        settings={
                            "max_rows": 3,
                            "row_name": "Milestone",
                            "columns": [
                                q("name", "text", "Milestone"),
                                q("cost", "number", "Cost", required=False, settings={"unit": "£"}),
                            ],
                        },
                    ),
                ],
            },
            {
                "key": "council",
                "title": "About the council",
                "hint": "Asked of councils",
                "intro": "",
                "condition": {"question": "is_council", "values": ["yes"]},
                "questions": [
                    q("council_size", "choice", "How big is the council?", settings={"options": ["Small", "Large"]})
                ],
            },
            {
                "key": "leader",
                "title": "The leader",
                "hint": "For the leadership category",
                "intro": "",
                "category_ids": [category_id],
                "questions": [q("leader_name", "text", "Leader’s name")],
            },
            {
                "key": "trends",
                "title": "Trends addressed",
                "hint": "",
                "intro": "",
                "questions": [q("trends", "trends", "Which trends does the work address?", settings={"how_words": 50})],
            },
            {
                "key": "evidence",
                "title": "Evidence",
                "hint": "One PDF",
                "intro": "",
                "questions": [
                    q(
                        "evidence",
                        "file",
                        "Evaluation report",
                        settings={"types": ["pdf"], "max_mb": 1, "max_count": 1, "short": "Evaluation report"},
                    )
                ],
            },
            {
                "key": "sign_off",
                "title": "Sign off",
                "hint": "",
                "intro": "",
                "questions": [
                    q("consents_to_publish", "yes_no", "May we publish it if it is shortlisted?"),
                    q(
                        "declares_true",
                        "declaration",
                        "I confirm this is true",
                        settings={"short": "True", "error": "Confirm that this is true"},
                    ),
                ],
            },
        ]
    }


@pytest.fixture
def cycle(app):
    cycle = make_cycle(name="Digital Leaders 2026", year=2026)
    leadership = cycle.categories[1]
    entry_forms.install(cycle, definition(leadership.id), category_ids={c.id: c.id for c in cycle.categories})
    db.session.commit()
    return cycle


class _Fields(HTMLParser):
    """Each form field of a page: its name → the role a person's assistive technology reads, with its type."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if not name or a.get("type") == "hidden":
            return
        if tag == "input":
            kind = a.get("type", "text")
            role = {"radio": "radio", "checkbox": "checkbox", "file": "file"}.get(kind, f"textbox:{kind}")
            if a.get("inputmode"):
                role += f":{a['inputmode']}"
        elif tag == "select":
            role = "combobox"
        elif tag == "textarea":
            role = "textbox:multi-line"
        else:
            return
        self.fields.setdefault(name, []).append(role)


def fields_of(response) -> dict[str, list[str]]:
    parser = _Fields()
    parser.feed(response.get_data(as_text=True))
    return parser.fields


def conditional_wrappers(response) -> list[tuple[str, str]]:
    """(question, values) of each block the browser shows only while an earlier answer of the page matches."""
    return re.findall(
        r'class="app-conditional-question" data-condition-question="([^"]+)" data-condition-values="([^"]+)"',
        response.get_data(as_text=True),
    )


def stored(nomination) -> Nomination:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id)


def tasks(client, nomination) -> str:
    return main_text(client.get(f"/nominations/{nomination.reference}"))


BASICS = {
    "organisation_name": "Glan Conwy Council",
    "title": "Bins that call for collection",
    "summary": "Sensors tell the crews which bins are full.\r\n\r\nRounds are shorter.",
    "contact_email": "cai@glanconwy.gov.uk",
    "region": "Wales",
    "partners-0-name": "Acme Sensors Ltd",
    "partners-0-is_supplier": "y",
    "partners-1-name": "",
    "is_council": "yes",
    "council_area": "Conwy valley",
}
DETAILS = {
    "headcount": "12,500",
    "started_on-day": "27",
    "started_on-month": "3",
    "started_on-year": "2025",
    "website": "https://bins.glanconwy.gov.uk",
    "phone": "01632 960 001",
    "sectors": ["Health", "Transport"],
    "delivery": "Both",
    "statement": "It halved the rounds.",
    "council_budget": "£40,000",
    "milestones-0-name": "Pilot",
    "milestones-0-cost": "1200",
}


def fill(client, nomination, cycle):
    trend = cycle.trends[0]
    for section, data in (
        ("basics", BASICS),
        ("details", DETAILS),
        ("council", {"council_size": "Small"}),
        ("trends", {"trends": [str(trend.id)], "primary": str(trend.id), f"how_{trend.id}": "Sensors and data."}),
        ("sign_off", {"consents_to_publish": "yes", "declares_true": "y"}),
    ):
        response = save(client, nomination, section, data)
        assert response.status_code == 302, (section, error_summary(response))
    response = nominating.upload(client, nomination, "Evaluation.pdf", PDF, question="evidence", section="evidence")
    assert response.status_code == 302
    assert save(client, nomination, "evidence", {}).status_code == 302


# --- The task list and the sections a nomination is asked ---------------------------------------------


def test_the_task_list_follows_the_form_and_a_category_only_section_is_asked_only_there(nominee_client, cycle):
    general = start_draft(nominee_client, cycle, cycle.categories[0])
    text = tasks(nominee_client, general)
    order = ["The basics", "Details of the work", "Trends addressed", "Evidence", "Sign off"]
    assert [text.index(title) for title in order] == sorted(text.index(title) for title in order)
    assert "The leader" not in text and "You have completed 0 of 5 sections" in text
    assert nominee_client.get(section_url(general, "leader")).status_code == 404
    for wrong in ("organisation", "no_such_section", "Basics", "a" * 41):
        assert nominee_client.get(section_url(general, wrong)).status_code == 404

    leader = start_draft(nominee_client, cycle, cycle.categories[1])
    text = tasks(nominee_client, leader)
    assert "The leader" in text and "You have completed 0 of 6 sections" in text
    response = nominee_client.get(section_url(leader, "leader"))
    assert response.status_code == 200 and "Leader’s name" in main_text(response)


# --- Every kind of question as a GOV.UK field ----------------------------------------------------------


def test_every_kind_is_a_gov_uk_field_named_by_its_key(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    basics = nominee_client.get(section_url(nomination, "basics"))
    fields = fields_of(basics)
    assert fields["organisation_name"] == ["textbox:text"]
    assert fields["summary"] == ["textbox:multi-line"]
    assert fields["contact_email"] == ["textbox:email"]
    assert fields["region"] == ["combobox"]  # thirteen regions: a drop-down list
    assert fields["is_council"] == ["radio", "radio"]
    # three blank partner rows, to add partners without JavaScript
    assert [fields[f"partners-{i}-name"] for i in range(3)] == [["textbox:text"]] * 3
    assert fields["partners-0-is_supplier"] == ["checkbox"] and "partners-3-name" not in fields
    text = main_text(basics)
    assert "Tell us who did the work." in text
    assert "Partners (optional)" in text and "Partner 1 is a supplier" in text
    assert "You have 50 words remaining" in text or "50 words" in text

    details = nominee_client.get(section_url(nomination, "details"))
    fields = fields_of(details)
    assert fields["headcount"] == ["textbox:text:numeric"]
    assert [fields[f"started_on-{part}"] for part in ("day", "month", "year")] == [["textbox:text:numeric"]] * 3
    assert fields["website"] == ["textbox:url"] and fields["phone"] == ["textbox:tel"]
    assert fields["sectors"] == ["checkbox"] * 3
    assert fields["delivery"] == ["radio"] * 3  # three options: radios
    assert fields["statement"] == ["textbox:multi-line"]
    assert fields["milestones-0-cost"] == ["textbox:text:decimal"]
    text = main_text(details)
    for words in (
        "How many people use the service? people",  # the unit is the field's suffix
        "When did the work start? For example, 27 3 2025 Day Month Year",
        "Telephone number (optional)",
        "Which sectors does it serve? Select up to 2.",
        "Supporting statement What made the work stand out",
        "You can enter up to 300 characters",
        "Milestones (optional)",
    ):
        assert words in text, words
    # asked only of a council, which this nominee has not said they are (a condition on an earlier section)
    assert "council_budget" not in fields and "The council’s budget" not in text

    evidence = main_text(nominee_client.get(section_url(nomination, "evidence")))
    assert "You can upload 1 file. It must be a PDF, smaller than 1MB." in evidence
    sign_off = nominee_client.get(section_url(nomination, "sign_off"))
    assert fields_of(sign_off)["declares_true"] == ["checkbox"]
    assert "Publication" in main_text(sign_off)


# --- Conditions -------------------------------------------------------------------------------------------


def test_a_condition_on_the_same_page_is_shown_with_its_hint_and_decided_on_the_server(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    url = section_url(nomination, "basics")
    page = nominee_client.get(url)
    # rendered for everyone (the browser hides it until "Yes"), with a hint readable without JavaScript
    assert conditional_wrappers(page) == [("is_council", "[&#34;yes&#34;]")]
    assert "Which area does the council serve? Answer this if you answered ‘Yes’ to ‘A council’." in main_text(page)
    # not a council: not asked, so not required
    response = save(nominee_client, nomination, "basics", {**BASICS, "is_council": "no", "council_area": ""})
    assert response.status_code == 302, error_summary(response)
    assert "The basics Who you are and what the work is Completed" in tasks(nominee_client, nomination)
    # a council: asked, and required
    response = save(nominee_client, nomination, "basics", {**BASICS, "council_area": ""})
    assert response.status_code == 200
    assert error_summary(response) == [("#council_area", "Enter the area the council serves")]
    assert "The basics Who you are and what the work is In progress" in tasks(nominee_client, nomination)


def test_a_condition_on_an_earlier_section_shows_the_question_only_when_it_holds(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    assert save(nominee_client, nomination, "basics", {**BASICS, "is_council": "no"}).status_code == 302
    # a section asked only of a council: not in the task list, and not there to open
    assert "About the council" not in tasks(nominee_client, nomination)
    assert nominee_client.get(section_url(nomination, "council")).status_code == 404
    without = {k: v for k, v in DETAILS.items() if k != "council_budget"}
    assert "council_budget" not in fields_of(nominee_client.get(section_url(nomination, "details")))
    assert save(nominee_client, nomination, "details", without).status_code == 302

    assert save(nominee_client, nomination, "basics", BASICS).status_code == 302  # now a council
    assert "About the council Asked of councils Not started" in tasks(nominee_client, nomination)
    assert fields_of(nominee_client.get(section_url(nomination, "council")))["council_size"] == ["radio", "radio"]
    page = nominee_client.get(section_url(nomination, "details"))
    assert fields_of(page)["council_budget"] == ["textbox:text"]
    assert conditional_wrappers(page) == []  # decided by the server, not left to the browser
    assert "Details of the work In progress" in tasks(nominee_client, nomination)  # now asked, not answered
    response = save(nominee_client, nomination, "details", without)
    assert error_summary(response) == [("#council_budget", "Enter an answer to ‘The council’s budget for the work’")]


# --- Invalid answers are kept ---------------------------------------------------------------------------


def test_invalid_answers_are_kept_in_the_draft_and_shown_back_with_their_errors(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    save(nominee_client, nomination, "basics", {**BASICS, "contact_email": "cai at glanconwy"})
    bad = {
        **DETAILS,
        "headcount": "lots",
        "started_on-day": "31",
        "started_on-month": "2",
        "website": "bins dot gov",
        "sectors": ["Health", "Housing", "Transport"],
        "statement": "x" * 301,
        "milestones-0-cost": "cheap",
    }
    response = save(nominee_client, nomination, "details", bad)
    assert response.status_code == 200
    assert error_summary(response) == [
        ("#headcount", "Users must be a number"),
        ("#started_on-day", "Start date must be a real date, like 27 3 2025"),
        ("#website", "Enter a web address in the correct format, like https://www.example.gov.uk"),
        ("#sectors", "Select no more than 2"),
        ("#statement", "Statement must be 300 characters or fewer"),
        ("#milestones-0-cost", "Cost must be a number (milestone 1)"),
    ]
    text = main_text(response)
    assert "We have saved what you typed as a draft" in text
    assert "Error: Users must be a number" in text  # each field says its error too
    shown = visible_texts(response.get_data(as_text=True))
    for value in ("lots", "31", "2", "bins dot gov", "cheap", "x" * 301):
        assert value in shown, value
    kept = stored(nomination).answers
    assert kept["headcount"] == "lots" and kept["website"] == "bins dot gov"
    assert kept["started_on"] == {"day": "31", "month": "2", "year": "2025"}
    assert kept["milestones"] == [{"name": "Pilot", "cost": "cheap"}]
    # shown again when the page is opened later, errors and all
    again = nominee_client.get(section_url(nomination, "details"))
    assert "lots" in visible_texts(again.get_data(as_text=True))
    basics = save(nominee_client, nomination, "basics", {**BASICS, "contact_email": "cai at glanconwy"})
    assert error_summary(basics) == [
        ("#contact_email", "Enter an email address in the correct format, like name@example.com")
    ]
    assert "cai at glanconwy" in visible_texts(basics.get_data(as_text=True))


# --- Files ------------------------------------------------------------------------------------------------


def upload_evidence(client, nomination, name, content, question="evidence"):
    return nominating.upload(client, nomination, name, content, question=question, section="evidence")


def test_a_file_question_takes_its_own_types_size_and_count(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    response = save(nominee_client, nomination, "evidence", {})
    assert error_summary(response) == [("#evidence", "Upload a file for ‘Evaluation report’")]
    response = upload_evidence(nominee_client, nomination, "chart.png", PNG)
    assert response.status_code == 400 and error_summary(response) == [("#evidence", "The selected file must be a PDF")]
    response = upload_evidence(nominee_client, nomination, "big.pdf", PDF + b"0" * (1024 * 1024))
    assert error_summary(response) == [("#evidence", "The selected file must be smaller than 1MB")]
    assert upload_evidence(nominee_client, nomination, "Evaluation.pdf", PDF).status_code == 302
    [attachment] = stored(nomination).attachments
    assert attachment.question_key == "evidence" and attachment.original_name == "Evaluation.pdf"
    page = nominee_client.get(section_url(nomination, "evidence"))
    assert "Evaluation.pdf" in main_text(page) and "file" not in fields_of(page)  # one file: no more to upload
    response = upload_evidence(nominee_client, nomination, "Second.pdf", PDF)
    assert error_summary(response) == [("#evidence", "You can upload only 1 file here: remove it to add another")]
    assert save(nominee_client, nomination, "evidence", {}).status_code == 302
    assert "Evidence One PDF Completed" in tasks(nominee_client, nomination)
    # a question that is not a file question, or not on the form, takes no file
    assert upload_evidence(nominee_client, nomination, "x.pdf", PDF, question="statement").status_code == 404
    assert upload_evidence(nominee_client, nomination, "x.pdf", PDF, question="documents").status_code == 404


# --- Check your answers, and submitting --------------------------------------------------------------------


def test_check_your_answers_follows_the_form_and_the_nomination_submits(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    fill(nominee_client, nomination, cycle)
    assert "You have completed 6 of 6 sections" in tasks(nominee_client, nomination)
    text = main_text(nominee_client.get(f"/nominations/{nomination.reference}/check"))
    for row in (
        "The basics Change The basics",
        "Name of the work Bins that call for collection",
        "Summary Sensors tell the crews which bins are full. Rounds are shorter.",
        "Partners Acme Sensors Ltd (is a supplier)",
        "A council Yes",
        "Council area Conwy valley",
        "Users 12,500",
        "Start date 27 March 2025",
        "Sectors Health Transport",
        "Council budget £40,000",
        "Milestones Pilot, Cost: 1200",
        "How big is the council? Small",
        f"{cycle.trends[0].name} (main trend) Sensors and data.",
        "Evaluation report Evaluation.pdf",
        "True Confirmed",
        "Telephone number 01632 960 001",
    ):
        assert row in text, row
    titles = ["The basics", "Details of the work", "About the council", "Trends addressed", "Evidence", "Sign off"]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    assert "The leader" not in text
    response = nominee_client.post_form(
        f"/nominations/{nomination.reference}/submit", token_from=f"/nominations/{nomination.reference}/check"
    )
    assert response.headers["Location"].endswith("/confirmation")
    assert stored(nomination).status is NominationStatus.SUBMITTED
    # once submitted, a change is saved only when the whole section is valid
    response = save(nominee_client, nomination, "details", {**DETAILS, "headcount": "many"})
    assert "Nothing has been saved yet" in main_text(response)
    assert stored(nomination).answers["headcount"] == "12,500"


# --- Two windows, and a post kept across a sign-in --------------------------------------------------------


def test_two_windows_on_a_custom_section_show_the_other_version_in_words(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    url = section_url(nomination, "details")
    one, two = based_on(nominee_client, url), based_on(nominee_client, url)
    assert save(nominee_client, nomination, "details", {**DETAILS, "based_on": one}).status_code == 302
    response = save(nominee_client, nomination, "details", {**DETAILS, "headcount": "99", "based_on": two})
    assert response.status_code == 409
    text = main_text(response)
    assert "This section was changed in another window" in text
    # the other window's answers, per question by its short name, in words
    for row in ("Users 12,500", "Start date 27 March 2025", "Sectors Health Transport", "Milestones Milestone: Pilot"):
        assert row in text, row
    assert "99" in visible_texts(response.get_data(as_text=True))  # this window's version, in the form
    assert stored(nomination).answers["headcount"] == "12,500"


def test_a_custom_section_posted_after_the_session_ended_is_kept_for_its_author(app, nominee, cycle):
    client = app.test_client()
    client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    nomination = start_draft(client, cycle)
    url = section_url(nomination, "details")
    page = client.get(url).get_data(as_text=True)
    hidden = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("csrf_token", "based_on", "stash_ticket")
    }
    with client.session_transaction() as session:  # the session times out
        session.clear()
    typed = {**DETAILS, "statement": "Typed while signed out.", "not_a_field": "dropped"}
    response = client.post(url, data={**hidden, **typed})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    next_url = response.headers["Location"]
    client.post_form(next_url, {"email": nominee.email, "password": DEFAULT_PASSWORD}, token_from=next_url)
    response = client.get(url)
    assert "Here is what you typed" in main_text(response)
    shown = visible_texts(response.get_data(as_text=True))
    for value in ("Typed while signed out.", "12,500", "27", "https://bins.glanconwy.gov.uk", "Pilot", "1200"):
        assert value in shown, value
    assert "dropped" not in response.get_data(as_text=True)
    assert stored(nomination).answers.get("statement") is None  # kept for them, not saved behind their back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) == 1
