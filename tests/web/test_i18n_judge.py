"""The judge's pages in Welsh and Swedish (issue #17, items 3–4): the judge's list, a score sheet refused for a
missing score, the conflict of interest question, and the judge pack, in the language the reader chose (the
cookie the language switcher sets), with dates in that language's words; English unchanged.

What the judge reads is checked as they read it: the page's visible words, the error summary's messages, the
buttons, and the PDF's text (pypdf)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date

from awards.domain.core.clock import utcnow
from awards.domain.programme import translations
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination
from tests.support.pdfs import pdf_catalog, pdf_holds, pdf_text
from tests.support.visible import buttons, error_messages, main_text


def in_words(day, language: str) -> str:
    """A calendar day as that language writes it: '28 June 2026', '28 Mehefin 2026', '28 juni 2026'."""
    return f"{day.day} {day:%B %Y}" if language == "en" else format_date(day, "d MMMM y", locale=language)


# What each language's judge reads on their list.
LIST = {
    "en": {
        "heading": "Your judging",
        "closes": "Submit your scores by",
        "progress": "0 of 1 submitted",
        "columns": "Reference Project Category Status",
        "status": "Not started",
        "before": "Before you score",
    },
    "cy": {
        "heading": "Eich beirniadu",
        "closes": "Cyflwynwch eich sgorau erbyn",
        "progress": "0 o 1 wedi'u cyflwyno",
        "columns": "Cyfeirnod Prosiect Categori Statws",
        "status": "Heb ddechrau",
        "before": "Cyn i chi sgorio",
    },
    "sv": {
        "heading": "Din bedömning",
        "closes": "Skicka in dina poäng senast",
        "progress": "0 av 1 inskickade",
        "columns": "Referensnummer Projekt Kategori Status",
        "status": "Inte påbörjad",
        "before": "Innan du poängsätter",
    },
}


def judge_reading(client, language: str):
    """The client as a reader whose language cookie says `language` (English: no cookie at all)."""
    if language != "en":
        client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def judged_cycle():
    """A cycle in judging whose only round closes at midday (UTC) in five weeks."""
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    cycle.rounds[0].closes_at = (now + timedelta(days=35)).replace(hour=12, minute=0, second=0, microsecond=0)
    db.session.commit()
    return cycle


@pytest.fixture
def assignment(app, judge):
    cycle = judged_cycle()
    nomination = make_nomination(cycle, title="Digital blue badges")
    return make_assignment(make_judge(cycle, judge), nomination)


@pytest.mark.parametrize("language", ["en", "cy", "sv"])
def test_the_judges_list_is_in_the_readers_language_with_the_closing_date_in_its_words(
    judge_client, assignment, language
):
    words = LIST[language]
    text = main_text(judge_reading(judge_client, language).get("/judging/"))
    assert text.startswith(words["heading"])
    closes = in_words(assignment.round.closes_at.date(), language)
    assert f"{words['closes']} " in text and closes in text
    assert words["progress"] in text
    assert words["columns"] in text  # the table's headings
    row = text.split(assignment.nomination.reference, 1)[1]
    category = {"en": "Technology for Public Good", "cy": "Technoleg er lles y cyhoedd"}.get(language)
    assert assignment.nomination.category.name == "Technology for Public Good"
    category = category or translations.localised(assignment.nomination.category, "name", language).text
    assert row.startswith(f" Digital blue badges {category} {words['status']}")  # the category in the reader's words
    assert words["before"] in text


# What each language's judge reads on a score sheet sent without every score.
SHEET = {
    "en": ("Your scores", "Select a score for {}", "Submit scores", "Save as draft", "Overall comment (optional)"),
    "cy": (
        "Eich sgorau",
        "Dewiswch sgôr ar gyfer {}",
        "Cyflwyno sgorau",
        "Cadw fel drafft",
        "Sylw cyffredinol (dewisol)",
    ),
    "sv": (
        "Dina poäng",
        "Välj en poäng för {}",
        "Skicka in poäng",
        "Spara som utkast",
        "Övergripande kommentar (valfritt)",
    ),
}


@pytest.mark.parametrize("language", ["en", "cy", "sv"])
def test_a_score_sheet_sent_without_every_score_is_refused_in_the_readers_language_keeping_what_was_typed(
    judge_client, assignment, language
):
    heading, missing, submit, draft, overall = SHEET[language]
    assignment.no_conflict_declared_at = utcnow()
    db.session.commit()
    criteria = assignment.round.criteria
    url = f"/judging/nominations/{assignment.nomination.reference}"
    judge_reading(judge_client, language)
    page = judge_client.get(url)
    assert heading in main_text(page) and overall in main_text(page)
    assert {submit: "primary", draft: "secondary"}.items() <= buttons(page).items()

    data = {f"score-{c.id}": "7" for c in criteria[1:]}
    data.update({"action": "submit", "version": "0", "overall_comment": "Kept after the error"})
    refused = judge_client.post_form(url, data, token_from=url)
    assert refused.status_code == 200
    assert error_messages(refused) == [missing.format(criteria[0].name)]
    assert "Kept after the error" in refused.get_data(as_text=True)
    assert submit in buttons(refused)


# What each language's judge reads on the conflict of interest question.
DECLARE = {
    "en": {
        "heading": "Do you have a conflict of interest?",
        "yes": "Yes, I have a conflict of interest",
        "button": "Continue",
        "error": "Select yes if you have a conflict of interest with this nomination",
        "told": "You told us you had no conflict of interest on 1 May 2026.",
    },
    "cy": {
        "heading": "Oes gennych wrthdaro buddiannau?",
        "yes": "Oes, mae gennyf wrthdaro buddiannau",
        "button": "Parhau",
        "error": "Dewiswch oes os oes gennych wrthdaro buddiannau â'r enwebiad hwn",
        "told": "Dywedoch wrthym nad oedd gennych wrthdaro buddiannau ar 1 Mai 2026.",
    },
    "sv": {
        "heading": "Är du jävig?",
        "yes": "Ja, jag är jävig",
        "button": "Fortsätt",
        "error": "Välj ja om du är jävig för den här nomineringen",
        "told": "Du angav att du inte var jävig den 1 maj 2026.",
    },
}


@pytest.mark.parametrize("language", ["en", "cy", "sv"])
def test_the_conflict_of_interest_question_and_its_error_are_in_the_readers_language(
    judge_client, assignment, language
):
    words = DECLARE[language]
    assignment.no_conflict_declared_at = datetime(2026, 5, 1, 10, tzinfo=UTC)
    db.session.commit()
    url = f"/judging/nominations/{assignment.nomination.reference}/declare"
    page = judge_reading(judge_client, language).get(url)
    text = main_text(page)
    assert text.startswith(f"{assignment.round.cycle.name} {words['heading']}")  # the caption, then the heading
    assert words["yes"] in text and words["told"] in text
    assert words["button"] in buttons(page)

    refused = judge_client.post_form(url, {}, token_from=url)
    assert refused.status_code == 200
    assert error_messages(refused) == [words["error"]]


@pytest.mark.parametrize(
    ("language", "heading", "how", "footer", "lang"),
    [
        ("en", "Judge pack:", "How to use this pack", "Confidential: for judging only. Page 1 of", "en-GB"),
        (
            "cy",
            "Pecyn beirniad:",
            "Sut i ddefnyddio'r pecyn hwn",
            "Cyfrinachol: ar gyfer beirniadu yn unig. Tudalen 1 o",
            "cy",
        ),
        ("sv", "Jurypaket:", "Så använder du paketet", "Konfidentiellt: endast för bedömning. Sida 1 av", "sv"),
    ],
)
def test_the_judge_pack_is_written_in_the_language_of_the_request_with_its_dates(
    judge_client, assignment, language, heading, how, footer, lang
):
    assignment.no_conflict_declared_at = utcnow()
    db.session.commit()
    cycle = assignment.round.cycle
    response = judge_reading(judge_client, language).get(f"/judging/cycles/{cycle.slug}/rounds/1/pack.pdf")
    assert response.status_code == 200
    data = response.get_data()
    text = pdf_text(data)
    round_words = {"en": "Round 1: Judging", "cy": "Rownd 1: Beirniadu", "sv": "Runda 1: Bedömning"}[language]
    assert assignment.round.name == "Judging"  # the default name: the reader's word for it
    assert pdf_holds(text, f"{heading} {round_words}")
    assert pdf_holds(text, how)
    assert pdf_holds(text, footer)  # each page's footer (the print stylesheet's words, in the reader's language)
    assert pdf_holds(text, in_words(assignment.round.closes_at.date(), language))  # when the round closes
    assert pdf_holds(text, "Digital blue badges")
    assert str(pdf_catalog(data)["/Lang"]) == lang


def test_the_entry_a_judge_reads_has_its_sections_and_questions_in_the_readers_language(judge_client, assignment):
    assignment.no_conflict_declared_at = utcnow()
    db.session.commit()
    text = main_text(judge_reading(judge_client, "cy").get(f"/judging/nominations/{assignment.nomination.reference}"))
    assert "Prosiect" in text and "Yr her" in text and "Canlyniadau ac effaith" in text  # the sections' titles
    assert "Crynodeb cyhoeddus" in text  # a question's short name
    assert "Categori Technoleg er lles y cyhoedd" in text and "Technology for Public Good" not in text  # its category
    assert "Technoleg er lles y cyhoedd Prif duedd" in text  # a trend it addresses, in the reader's words
    assert "Outcomes and impact" not in text and "Public summary" not in text and "About the nominated" not in text
