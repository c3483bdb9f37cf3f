"""The service's shell in Welsh and Swedish: the page template (skip link, navigation, phase banner, footer, the
error summary and the title's "Error:"), the sign-in and registration pages, the home page, the public library
(cached per language) and a People's Choice vote page with WTForms' own message; English unchanged. Registration
records the language the person chose with the switcher.

WTForms' own messages (a field's "Not a valid choice.") come from WTForms' Welsh and Swedish catalogues through
Flask-WTF (WTF_I18N_ENABLED, on by default); every form here gives its own words, so none of them reaches a page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from babel.dates import format_date

from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from awards.models import User
from tests.factories import make_cycle
from tests.support.clients import register_as_sian
from tests.support.visible import buttons, error_messages, main_text, page_text, text_of
from tests.support.voting import open_shortlist_vote

# What each language's reader sees on the sign-in page, and after posting it empty.
SIGN_IN = {
    "en": {
        "heading": "Sign in",
        "button": "Sign in",
        "skip": "Skip to main content",
        "nav": ["Impact cases", "Trends", "Sign in", "Create an account"],
        "menu": "Main menu",
        "phase": "Beta",
        "footer": "Accessibility statement",
        "problem": "There is a problem",
        "errors": ["Enter your email address", "Enter your password"],
        "title": "Error: Sign in",
    },
    "cy": {
        "heading": "Mewngofnodi",
        "button": "Mewngofnodi",
        "skip": "Neidio i’r prif gynnwys",
        "nav": ["Astudiaethau achos effaith", "Tueddiadau", "Mewngofnodi", "Creu cyfrif"],
        "menu": "Prif ddewislen",
        "phase": "Beta",
        "footer": "Datganiad hygyrchedd",
        "problem": "Mae problem wedi codi",
        "errors": ["Rhowch eich cyfeiriad e-bost", "Rhowch eich cyfrinair"],
        "title": "Gwall: Mewngofnodi",
    },
    "sv": {
        "heading": "Logga in",
        "button": "Logga in",
        "skip": "Hoppa till huvudinnehållet",
        "nav": ["Effektexempel", "Trender", "Logga in", "Skapa ett konto"],
        "menu": "Huvudmeny",
        "phase": "Beta",
        "footer": "Tillgänglighetsredogörelse",
        "problem": "Det finns ett problem",
        "errors": ["Ange din e-postadress", "Ange ditt lösenord"],
        "title": "Fel: Logga in",
    },
}


def service_name() -> str:
    from flask import current_app

    return current_app.config["SERVICE_NAME"]


def reading(client, language: str):
    """The client as a reader who chose `language` with the switcher (English: chose nothing)."""
    if language != "en":
        client.get(f"/language/{language}?next=/")
    return client


def title_of(response) -> str:
    return text_of(re.search(r"<title[^>]*>(.*?)</title>", response.get_data(as_text=True), re.S).group(1))


def navigation(response) -> tuple[str, list[str]]:
    """The service navigation's accessible name and its links' words."""
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav aria-label="([^"]*)" class="govuk-service-navigation__wrapper">(.*?)</nav>', html, re.S)
    assert nav, "no service navigation"
    return nav.group(1), [text_of(words) for words in re.findall(r"<a [^>]*>(.*?)</a>", nav.group(2), re.S)]


def error_summary_title(response) -> str:
    html = response.get_data(as_text=True)
    return text_of(re.search(r'<h2 class="govuk-error-summary__title">(.*?)</h2>', html, re.S).group(1))


@pytest.mark.parametrize("language", ["en", "cy", "sv"])
def test_the_sign_in_page_and_its_errors_are_in_the_readers_language(client, language):
    words = SIGN_IN[language]
    reading(client, language)
    page = client.get("/sign-in")
    text = page_text(page)
    assert text_of(re.search(r"<h1[^>]*>(.*?)</h1>", page.get_data(as_text=True), re.S).group(1)) == words["heading"]
    assert words["button"] in buttons(page)
    assert text.split(" – ", 1)[1].replace(service_name(), "", 1).strip().startswith(words["skip"])
    assert navigation(page) == (words["menu"], words["nav"])
    assert words["phase"] in text and words["footer"] in text

    refused = client.post_form("/sign-in", {"email": "", "password": ""})
    assert error_summary_title(refused) == words["problem"]
    assert error_messages(refused) == words["errors"]
    assert title_of(refused).startswith(words["title"])


@pytest.mark.parametrize(
    ("language", "heading", "closes", "button"),
    [
        ("en", "Create an account", "Open for nominations: closes", "Start a nomination"),
        ("cy", "Creu cyfrif", "Ar agor ar gyfer enwebiadau: yn cau", "Dechrau enwebiad"),
        ("sv", "Skapa ett konto", "Öppen för nomineringar: stänger", "Börja en nominering"),
    ],
)
def test_the_home_page_and_registration_speak_the_readers_language_with_its_dates(
    client, language, heading, closes, button
):
    with time_machine.travel(datetime(2026, 5, 4, 9, tzinfo=UTC), tick=False):
        make_cycle(close_at=datetime(2026, 6, 28, 16, 0, tzinfo=UTC))
        reading(client, language)
        home = main_text(client.get("/"))
        month = {"en": "June", "cy": "Mehefin", "sv": "juni"}[language]
        assert f"{closes} " in home and f"28 {month} 2026" in home
        assert button in buttons(client.get("/"))
        register = client.get("/register")
        assert heading in main_text(register)


@pytest.mark.parametrize(("language", "kept"), [("cy", "cy"), ("sv", "sv"), ("en", "en"), (None, None)])
def test_registration_keeps_the_language_the_person_chose_with_the_switcher(client, outbox, language, kept):
    if language is not None:
        client.get(f"/language/{language}?next=/register")
    response = register_as_sian(client, "sian@ceredigion.gov.uk")
    assert response.status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "sian@ceredigion.gov.uk"))
    assert user.language == kept
    [message] = outbox("verify_email")
    subject = {"cy": "Cadarnhewch eich cyfeiriad e-bost", "sv": "Bekräfta din e-postadress"}
    assert message.subject == subject.get(language, "Confirm your email address")


def test_a_cookie_naming_a_language_not_offered_is_not_recorded_on_the_account(make_app):
    app = make_app(LANGUAGES="en,cy")
    client = app.test_client()
    client.set_cookie(LANGUAGE_COOKIE, "sv")
    with app.app_context():
        register_as_sian(client, "rita@riverside.gov.uk")
        assert db.session.scalar(sa.select(User.language).where(User.email == "rita@riverside.gov.uk")) is None


def test_a_registration_refused_for_a_weak_password_says_why_in_welsh(client):
    reading(client, "cy")
    refused = client.post_form(
        "/register",
        {"name": "Siân Jones", "email": "sian@ceredigion.gov.uk", "organisation": "", "password": "short"},
    )
    assert error_summary_title(refused) == "Mae problem wedi codi"
    assert error_messages(refused) == [
        "Rhowch eich sefydliad",
        "Rhaid i’r cyfrinair fod yn 12 nod neu fwy",
        "Cadarnhewch eich cyfrinair",
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_welsh_and_an_english_reader_of_one_cached_library_page_each_read_their_own(app, shelf):
    english, welsh = app.test_client(), reading(app.test_client(), "cy")
    first_english = main_heading(english.get("/impact-cases?year=2025"))
    first_welsh = main_heading(welsh.get("/impact-cases?year=2025"))
    # Both now come from the page cache: each language kept apart.
    again_welsh, again_english = welsh.get("/impact-cases?year=2025"), english.get("/impact-cases?year=2025")
    assert (first_english, main_heading(again_english)) == ("Impact cases", "Impact cases")
    assert (first_welsh, main_heading(again_welsh)) == ("Astudiaethau achos effaith", "Astudiaethau achos effaith")
    assert "Winner" in main_text(again_english) and "Enillydd" in main_text(again_welsh)
    assert "Enillydd" not in page_text(again_english)


def test_the_switcher_on_a_library_page_returns_to_it_with_its_filters(client, shelf):
    page = client.get("/impact-cases?year=2025").get_data(as_text=True)
    link = re.search(r'href="(/language/sv[^"]*)"', page).group(1).replace("&amp;", "&")
    back = client.get(link)
    assert back.status_code == 302 and back.headers["Location"] == "/impact-cases?year=2025"
    assert main_heading(client.get(back.headers["Location"])) == "Effektexempel"


def main_heading(response) -> str:
    return text_of(re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S).group(1))


@pytest.mark.parametrize(
    ("language", "wrong_choice", "vote_until"),
    [
        ("en", "Select an entry to vote for", "Voting is open until"),
        ("cy", "Dewiswch gais i bleidleisio drosto", "Mae’r pleidleisio ar agor tan"),
        ("sv", "Välj ett bidrag att rösta på", "Omröstningen är öppen till"),
    ],
)
def test_a_vote_page_and_its_refusal_are_in_the_readers_language(client, language, wrong_choice, vote_until):
    setup = open_shortlist_vote()
    url = f"/cycles/{setup.cycle.slug}/peoples-choice/{setup.category.slug}"
    reading(client, language)
    page = main_text(client.get(url))
    assert vote_until in page
    closes = setup.vote.closes_at.astimezone(ZoneInfo(setup.cycle.time_zone))
    if language != "en":
        assert format_date(closes, "MMMM", locale=language) in page
    refused = client.post_form(url, {"email": "voter@example.org"}, token_from=url)
    assert error_messages(refused) == [wrong_choice]
