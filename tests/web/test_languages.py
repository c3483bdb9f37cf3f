"""The language switcher, the language a page is written in, and the settings that choose them (awards/i18n.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from awards.config import ConfigurationError
from awards.domain.core.dates import day_in_words, govuk_date, govuk_datetime, govuk_time
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE, current_language
from awards.models import OutboxMessage, User
from awards.templating import number
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.clients import register_as_sian
from tests.support.visible import page_text

SWITCHER = re.compile(r'<nav class="app-language-switcher" aria-label="([^"]*)">(.*?)</nav>', re.S)


def switcher(response) -> tuple[str, list[str], str]:
    """The switcher's name, the languages it offers as links, and the one it shows as current."""
    match = SWITCHER.search(response.get_data(as_text=True))
    assert match, "no language switcher on the page"
    links = re.findall(r'<span aria-hidden="true">([^<]+)</span></a>', match.group(2))
    current = re.findall(r'<span aria-current="true" lang="[a-z]+">([^<]+)</span>', match.group(2))
    return match.group(1), links, current[0]


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_every_page_offers_the_other_languages_in_their_own_names(client):
    name, links, current = switcher(client.get("/cookies"))
    assert (name, links, current) == ("Choose a language", ["Cymraeg", "Svenska"], "English")
    assert html_lang(client.get("/cookies")) == "en"


def test_choosing_welsh_writes_the_pages_in_welsh_and_returns_to_the_page(client):
    response = client.get("/language/cy?next=/cookies")
    assert response.status_code == 302 and response.headers["Location"] == "/cookies"
    assert f"{LANGUAGE_COOKIE}=cy" in response.headers["Set-Cookie"]
    page = client.get("/cookies")
    assert html_lang(page) == "cy"
    assert switcher(page) == ("Dewis iaith", ["English", "Svenska"], "Cymraeg")


def test_the_switcher_link_takes_the_reader_back_to_the_same_address_with_its_query(client):
    page = client.get("/impact-cases?q=council")
    assert 'href="/language/sv?next=/impact-cases?q%3Dcouncil"' in page.get_data(as_text=True)
    assert client.get("/language/sv?next=/impact-cases?q%3Dcouncil").headers["Location"] == "/impact-cases?q=council"


def test_the_switcher_never_sends_a_reader_to_another_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        assert client.get("/language/cy", query_string={"next": target}).headers["Location"] == "/"


def test_a_language_not_offered_is_not_found(make_app):
    app = make_app(LANGUAGES="en,cy")
    client = app.test_client()
    assert client.get("/language/sv?next=/").status_code == 404
    assert client.get("/language/fr?next=/").status_code == 404
    with app.app_context():
        assert switcher(client.get("/cookies"))[1] == ["Cymraeg"]


def test_a_cookie_naming_a_language_no_longer_offered_is_ignored(make_app):
    client = make_app(LANGUAGES="en,cy").test_client()
    client.set_cookie(LANGUAGE_COOKIE, "sv")
    assert html_lang(client.get("/cookies")) == "en"


def test_one_language_only_shows_no_switcher(make_app):
    page = make_app(LANGUAGES=("sv",), DEFAULT_LANGUAGE="sv").test_client().get("/cookies")
    assert "app-language-switcher" not in page.get_data(as_text=True)
    assert html_lang(page) == "sv"


def test_a_welsh_service_reads_welsh_until_a_reader_chooses(make_app):
    client = make_app(DEFAULT_LANGUAGE="cy").test_client()
    assert html_lang(client.get("/cookies")) == "cy"
    client.get("/language/en?next=/cookies")
    assert html_lang(client.get("/cookies")) == "en"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"LANGUAGES": "en,fr"}, "AWARDS_LANGUAGES"),
        ({"LANGUAGES": ""}, "AWARDS_LANGUAGES"),
        ({"LANGUAGES": "en,cy", "DEFAULT_LANGUAGE": "sv"}, "AWARDS_DEFAULT_LANGUAGE"),
    ],
)
def test_settings_naming_an_unknown_language_are_refused_by_name(make_app, settings, named):
    with pytest.raises(ConfigurationError, match=named):
        make_app(**settings)


def test_a_signed_in_persons_choice_is_kept_on_their_account_and_follows_them(app, client):
    person = make_user(name="Siân Jones", email="sian@ceredigion.gov.uk")
    client.sign_in_as(person)
    client.get("/language/cy?next=/account")
    db.session.expire_all()
    assert db.session.get(User, person.id).language == "cy"
    elsewhere = app.test_client()  # another device: no cookie
    elsewhere.sign_in_as(db.session.get(User, person.id))
    assert html_lang(elsewhere.get("/account")) == "cy"


def test_a_cached_public_page_is_kept_once_per_language(client):
    english = client.get("/trends")
    client.get("/language/cy?next=/trends")
    welsh = client.get("/trends")
    client.get("/language/en?next=/trends")
    english_again = client.get("/trends")
    assert (html_lang(english), html_lang(welsh), html_lang(english_again)) == ("en", "cy", "en")
    assert english.headers["ETag"] != welsh.headers["ETag"]
    assert page_text(english) == page_text(english_again)


MIDSUMMER_AFTERNOON = datetime(2025, 6, 28, 16, 30, tzinfo=UTC)  # 5:30pm in London (summer time)
MIDSUMMER_FIVE = datetime(2025, 6, 28, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "date", "time", "on_the_hour", "both", "figure", "decimals"),
    [
        ("en", "28 June 2025", "5:30pm", "5pm", "5:30pm on 28 June 2025", "12,345.5", "3.50"),
        ("cy", "28 Mehefin 2025", "5:30yh", "5yh", None, "12,345.5", "3.50"),
        ("sv", "28 juni 2025", "kl. 17.30", "kl. 17.00", None, "12\xa0345,5", "3,50"),
    ],
)
def test_dates_times_and_numbers_are_written_the_readers_way(
    app, language, date, time, on_the_hour, both, figure, decimals
):
    with app.test_request_context(), force_locale(language):
        assert govuk_date(MIDSUMMER_AFTERNOON) == date
        assert day_in_words(MIDSUMMER_AFTERNOON.date()) == date
        assert govuk_time(MIDSUMMER_AFTERNOON) == time
        assert govuk_time(MIDSUMMER_FIVE) == on_the_hour
        assert govuk_datetime(MIDSUMMER_AFTERNOON).startswith(time) and govuk_datetime(MIDSUMMER_AFTERNOON).endswith(
            date
        )
        if both:
            assert govuk_datetime(MIDSUMMER_AFTERNOON) == both
        assert number(12345.5) == figure
        assert number(3.5, 2) == decimals


def test_a_template_written_in_another_language_inside_a_page_is_in_that_language_and_the_page_is_not(app):
    """Templates keep the request's catalogue (awards/i18n.py): an e-mail written in its reader's language while a
    page is served in another must not take the page's words, nor leave its own on the page."""
    words = app.jinja_env.from_string('{{ _("Your nominations") }}')
    with app.app_context(), app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=cy"}):
        assert (words.render(), current_language()) == ("Eich enwebiadau", "cy")
        with force_locale("en"):
            assert (words.render(), current_language()) == ("Your nominations", "en")
            with force_locale("sv"):
                assert current_language() == "sv"
            with force_locale("cy"):
                assert (words.render(), current_language()) == ("Eich enwebiadau", "cy")
            assert (words.render(), current_language()) == ("Your nominations", "en")
        assert (words.render(), current_language()) == ("Eich enwebiadau", "cy")
    with app.app_context(), app.test_request_context():  # the next request: its own context
        assert words.render() == "Your nominations"


def test_an_error_pages_switcher_takes_the_reader_home_not_back_to_the_failed_address(client):
    page = client.get("/impact-cases/no-such-case-zebedee")
    assert page.status_code == 404
    assert 'href="/language/cy?next=/"' in page.get_data(as_text=True)
    assert "zebedee" not in page.get_data(as_text=True).split('class="app-language-switcher"')[1].split("</nav>")[0]


def test_a_language_chosen_before_signing_in_becomes_the_accounts(app, client):
    person = make_user(name="Siân Jones", email="sian@ceredigion.gov.uk")
    assert person.language is None
    client.get("/language/cy?next=/sign-in")  # chosen on the sign-in page, before signing in
    response = client.post_form(
        "/sign-in", {"email": person.email, "password": DEFAULT_PASSWORD}, follow_redirects=True
    )
    assert html_lang(response) == "cy"
    db.session.expire_all()
    assert db.session.get(User, person.id).language == "cy"  # so their e-mails are in Welsh too
    elsewhere = app.test_client()  # another device, no cookie: the account's language
    elsewhere.post_form("/sign-in", {"email": person.email, "password": DEFAULT_PASSWORD})
    assert html_lang(elsewhere.get("/account")) == "cy"
    db.session.expire_all()
    assert db.session.get(User, person.id).language == "cy"  # signing in without a choice changes nothing


def test_the_service_is_named_in_each_language_where_a_name_is_set(make_app):
    app = make_app(SERVICE_NAME="Digital Awards & more", SERVICE_NAME_CY="Gwobrau Digidol a mwy")
    client = app.test_client()
    with app.app_context():
        assert "Digital Awards & more" in page_text(client.get("/cookies"))
        client.get("/language/cy?next=/cookies")
        welsh = page_text(client.get("/cookies"))
        assert "Gwobrau Digidol a mwy" in welsh and "Digital Awards & more" not in welsh
        client.get("/language/sv?next=/cookies")  # no Swedish name set: the service's own
        assert "Digital Awards & more" in page_text(client.get("/cookies"))
        client.get("/language/cy?next=/register")
        register_as_sian(client, "sian@ceredigion.gov.uk")
        message = db.session.scalars(sa.select(OutboxMessage)).one()
        assert "Gwobrau Digidol a mwy" in message.body_text and "Digital Awards" not in message.body_text


@pytest.mark.parametrize(
    ("language", "noon", "closing"),
    [
        ("en", "midday", "opens at midday on 28 June 2025"),
        ("cy", "hanner dydd", "am hanner dydd ar 28 Mehefin 2025"),  # unmutated after "am" ("am ganol dydd" was not)
        ("sv", "kl. 12.00", "öppnar kl. 12.00 den 28 juni 2025"),
    ],
)
def test_midday_reads_right_after_the_words_before_it(app, language, noon, closing):
    midday = datetime(2025, 6, 28, 11, 0, tzinfo=UTC)  # noon in London (summer time)
    with app.test_request_context(), force_locale(language):
        assert govuk_time(midday) == noon
        opens = _("%(round)s opens at %(opens)s. You can read the entry now.", round="R", opens=govuk_datetime(midday))
        assert closing in opens
