"""The organiser's judging pages in Welsh and Swedish (issue #17, items 3–4): the judging rounds, the judges, the
assignment's preview (with a shortfall explained in words), judging progress with its reminder form, and a
criterion refused for bad input, in the language the reader chose (the cookie the language switcher sets), with
dates and numbers in that language's words; English unchanged.

What the organiser reads is checked as they read it: the page's visible words, the error summary's messages, the
buttons, and what was typed still in its box."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination
from tests.support.pages import input_value
from tests.support.visible import buttons, error_messages, main_text, page_text

INVITED = datetime(2026, 5, 4, 9, tzinfo=UTC)
ROUND_CLOSES = datetime(2099, 6, 28, 16, 0, tzinfo=UTC)  # 5pm in London, long after any run of these tests
JUNE = {"en": "June", "cy": "Mehefin", "sv": "juni"}
MAY = {"en": "May", "cy": "Mai", "sv": "maj"}
LANGUAGES = ("en", "cy", "sv")


def organiser_reading(client, language: str):
    """The organiser's client with the language cookie set to `language` (English: no cookie at all)."""
    if language != "en":
        client.set_cookie(LANGUAGE_COOKIE, language)
    return client


@pytest.fixture
def cycle_in_judging(app):
    """A cycle in judging whose round wants two judges an entry and closes at 5pm on 28 June 2099; three
    submitted nominations in one category."""
    now = utcnow()
    cycle = make_cycle(
        status="judging",
        open_at=now - timedelta(days=60),
        close_at=now - timedelta(days=1),
        judges_per_nomination=2,
        judge_max_load=5,
    )
    cycle.rounds[0].closes_at = ROUND_CLOSES
    category = cycle.categories[0]
    nominations = [make_nomination(cycle, category=category, title=f"Project {n}") for n in "ABC"]
    db.session.commit()
    return cycle, category, nominations


ROUNDS = {
    "en": ("Judging rounds", "Add a round", "Blind judging", "Judges for each entry"),
    "cy": ("Rowndiau beirniadu", "Ychwanegu rownd", "Beirniadu dienw", "Beirniaid ar gyfer pob cais"),
    "sv": ("Bedömningsrundor", "Lägg till en runda", "Anonym bedömning", "Jurymedlemmar per bidrag"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rounds_page_in_each_language(organiser_client, cycle_in_judging, language):
    cycle, _category, _nominations = cycle_in_judging
    response = organiser_reading(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/rounds")
    assert response.status_code == 200
    heading, button, blind, judges = ROUNDS[language]
    text = main_text(response)
    assert heading in text and blind in text and judges in text
    assert button in buttons(response)
    assert f"28 {JUNE[language]} 2099" in text  # when the round closes, in the reader's words


NEW_ROUND_CHOICES = {
    "en": ("All eligible entries", "Scores against weighted criteria", "Borda count", "Schulze method"),
    "cy": ("Pob cais cymwys", "Sgorau yn erbyn meini prawf wedi'u pwysoli", "Cyfrif Borda", "Dull Schulze"),
    "sv": ("Alla behöriga bidrag", "Poäng mot viktade kriterier", "Bordametoden", "Schulzemetoden"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_rounds_choices_are_in_the_readers_language(organiser_client, cycle_in_judging, language):
    """The form's radios are made once, when the code is loaded: their words must still follow each reader."""
    cycle, _category, _nominations = cycle_in_judging
    response = organiser_reading(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/rounds/new")
    text = main_text(response)
    assert all(choice in text for choice in NEW_ROUND_CHOICES[language])
    if language != "en":
        assert not [choice for choice in NEW_ROUND_CHOICES["en"] if choice in text]
        assert "A judge's first of k entries" not in text and "Ties are broken" not in text  # the rules too


JUDGES = {
    "en": ("Judges", "Send invitations", "Invited", "Sent", "Invite judges"),
    "cy": ("Beirniaid", "Anfon gwahoddiadau", "Wedi cael gwahoddiad", "Anfonwyd", "Gwahodd beirniaid"),
    "sv": ("Jurymedlemmar", "Skicka inbjudningar", "Inbjuden", "Skickad", "Bjud in jurymedlemmar"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_judges_page_in_each_language(organiser_client, cycle_in_judging, language):
    cycle, _category, _nominations = cycle_in_judging
    invited = make_judge(cycle, accepted=False, email="grace@navy.example.org")
    invited.invited_at = INVITED
    db.session.commit()
    response = organiser_reading(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/judges")
    assert response.status_code == 200
    heading, button, tag, sent, invite = JUDGES[language]
    text = main_text(response)
    assert heading in text and tag in text and invite in text
    assert f"{sent} 4 {MAY[language]} 2026" in text  # the invitation's date, in the reader's words
    assert button in buttons(response)


PREVIEW = {
    "en": (
        "Check the new assignment",
        "Confirm assignment",
        "Nothing has been saved yet",
        "3 nominations in {category} can get only 1 judge: only 1 judge judges this category",
    ),
    "cy": (
        "Gwirio'r dyraniad newydd",
        "Cadarnhau'r dyraniad",
        "Nid oes dim wedi'i gadw eto",
        "Dim ond 1 beirniad y gall 3 enwebiad yn {category} eu cael: dim ond 1 beirniad sy'n beirniadu'r categori hwn",
    ),
    "sv": (
        "Kontrollera den nya tilldelningen",
        "Bekräfta tilldelningen",
        "Inget har sparats än",
        "3 nomineringar i {category} kan bara få 1 jurymedlem: bara 1 jurymedlem bedömer den här kategorin",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_assignment_preview_explains_a_shortfall_in_each_language(organiser_client, cycle_in_judging, language):
    cycle, category, _nominations = cycle_in_judging
    make_judge(cycle)  # one judge, where each entry wants two
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    response = organiser_reading(organiser_client, language).post_form(url, token_from=url)
    assert response.status_code == 200
    heading, button, nothing_saved, shortfall = PREVIEW[language]
    text = main_text(response)
    assert heading in text and nothing_saved in text
    assert shortfall.format(category=category.name) in text
    assert button in buttons(response)


PROGRESS = {
    "en": (
        "Judging progress",
        "0 of 6 reviews submitted (0%)",
        "Judging closes at 5pm on 28 June 2099.",
        "Send reminders to the selected judges",
        "Select the judges to remind",
    ),
    "cy": (
        "Cynnydd y beirniadu",
        "0 o 6 adolygiad wedi'u cyflwyno (0%)",
        "Bydd y beirniadu'n cau am",
        "Anfon nodiadau atgoffa at y beirniaid a ddewiswyd",
        "Dewiswch y beirniaid i'w hatgoffa",
    ),
    "sv": (
        "Bedömningens framsteg",
        "0 av 6 bedömningar inskickade (0 %)",
        "Bedömningen stänger",
        "Skicka påminnelser till de valda jurymedlemmarna",
        "Välj vilka jurymedlemmar som ska påminnas",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_progress_page_and_its_reminder_in_each_language(organiser_client, cycle_in_judging, language):
    cycle, _category, nominations = cycle_in_judging
    judge = make_judge(cycle)
    for nomination in nominations:
        make_assignment(judge, nomination)
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/judging"
    client = organiser_reading(organiser_client, language)
    response = client.get(url)
    assert response.status_code == 200
    heading, summary, closes, button, nobody_ticked = PROGRESS[language]
    text = main_text(response)
    assert heading in text and summary in text and closes in text
    assert f"28 {JUNE[language]} 2099" in text
    assert button in buttons(response)

    refused = client.post_form(url, {}, token_from=url)  # nobody ticked
    assert refused.status_code == 200
    assert error_messages(refused) == [nobody_ticked]


CRITERION = {
    "en": (
        "Add a criterion",
        "Add criterion",
        "There is a problem",
        ["Enter the criterion’s name", "Weight must be a whole number"],
    ),
    "cy": (
        "Ychwanegu maen prawf",
        "Ychwanegu maen prawf",
        "Mae problem wedi codi",
        ["Rhowch enw'r maen prawf", "Rhaid i'r pwysoliad fod yn rhif cyfan"],
    ),
    "sv": (
        "Lägg till ett kriterium",
        "Lägg till kriterium",
        "Det finns ett problem",
        ["Ange kriteriets namn", "Vikten måste vara ett heltal"],
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_criterion_refused_for_bad_input_in_each_language(organiser_client, cycle_in_judging, language):
    cycle, _category, _nominations = cycle_in_judging
    url = f"/organiser/cycles/{cycle.slug}/criteria/new"
    client = organiser_reading(organiser_client, language)
    heading, button, problem, messages = CRITERION[language]
    form = client.get(url)
    assert heading in main_text(form) and button in buttons(form)

    response = client.post_form(
        url,
        {"name": "", "description": "What good looks like", "weight": "ten", "scale_min": "1", "scale_max": "10"},
        token_from=url,
    )
    assert response.status_code == 200
    assert problem in page_text(response)
    assert error_messages(response) == messages
    assert input_value(response, "weight") == "ten"  # nothing typed is lost
    assert heading in main_text(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_rounds_default_name_is_in_the_readers_language_until_renamed(
    organiser_client, cycle_in_judging, language
):
    cycle, _category, _nominations = cycle_in_judging
    url = f"/organiser/cycles/{cycle.slug}/rounds"
    named = {"en": "Round 1: Judging", "cy": "Rownd 1: Beirniadu", "sv": "Runda 1: Bedömning"}[language]
    assert named in main_text(organiser_reading(organiser_client, language).get(url))
    cycle.rounds[0].name = "Paper round & more"
    db.session.commit()
    renamed = {"en": "Round 1", "cy": "Rownd 1", "sv": "Runda 1"}[language] + ": Paper round & more"
    assert renamed in main_text(organiser_client.get(url))  # what an organiser typed is never translated
