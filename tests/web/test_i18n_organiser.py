"""The organiser's pages in Welsh and Swedish (issue #17, items 3–4): the overview, the cycle form refused for bad
input, the nominations list with its dates, the results page, the People's Choice page, the nominations export's
header row and an API error, in the language the reader chose (the cookie the language switcher sets; for the API,
also Accept-Language); English unchanged.

What the organiser reads is checked as they read it: the page's visible words, the error summary's messages, the
buttons, the CSV's first row and the JSON's `detail`."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from tests.factories import make_cycle, make_nomination
from tests.support.pages import input_value
from tests.support.programme import cycle_form
from tests.support.visible import buttons, error_summary, main_text

LANGUAGES = ["en", "cy", "sv"]


def organiser_in(client, language: str):
    """The organiser's client reading in `language` (English: no cookie at all, as before languages)."""
    if language != "en":
        client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def day_as_written(moment, language: str) -> str:
    """The London calendar day of a moment as each language writes it: '7 December 2026', '7 Rhagfyr 2026',
    '7 december 2026'."""
    day = moment.astimezone(ZoneInfo("Europe/London")).date()
    return f"{day.day} {day:%B %Y}" if language == "en" else format_date(day, "d MMMM y", locale=language)


def first_csv_row(response) -> list[str]:
    """The header row of a CSV download (after its byte order mark)."""
    return next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


OVERVIEW = {
    "en": ("Organiser overview", "Run the awards", "Award cycles", "People with accounts", "Recent activity"),
    "cy": ("Trosolwg y trefnydd", "Rhedeg y gwobrau", "Cylchoedd gwobrau", "Pobl â chyfrifon", "Gweithgarwch diweddar"),
    "sv": ("Arrangörens översikt", "Driv priserna", "Prisomgångar", "Personer med konto", "Senaste aktivitet"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_overview_is_in_the_readers_language(organiser_client, language):
    text = main_text(organiser_in(organiser_client, language).get("/organiser/"))
    heading, section, link, key, activity = OVERVIEW[language]
    assert text.startswith(heading)
    assert all(words in text for words in (section, link, key, activity))
    if language != "en":
        assert "Run the awards" not in text and "People with accounts" not in text


CYCLE_FORM = {
    "en": {
        "#name": "Enter the cycle's name",
        "#nominations_close_date-month": "Date nominations close must include a month",
        "#year": "Year must be a whole number",
    },
    "cy": {
        "#name": "Rhowch enw’r cylch",
        "#nominations_close_date-month": "Rhaid i’r dyddiad cau enwebiadau gynnwys mis",
        "#year": "Rhaid i’r flwyddyn fod yn rhif cyfan",
    },
    "sv": {
        "#name": "Ange omgångens namn",
        "#nominations_close_date-month": "Datum då nomineringen stänger måste innehålla en månad",
        "#year": "År måste vara ett heltal",
    },
}
CYCLE_FORM_WORDS = {
    "en": ("There is a problem", "Create a cycle", "Create cycle"),
    "cy": ("Mae problem wedi codi", "Creu cylch", "Creu’r cylch"),
    "sv": ("Det finns ett problem", "Skapa en omgång", "Skapa omgången"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cycle_form_refused_for_bad_input_says_why_in_the_readers_language(organiser_client, language):
    client = organiser_in(organiser_client, language)
    data = cycle_form(name="", year="twenty", description="Kept words", nominations_close_date=["28", "", "2026"])
    response = client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 200
    assert dict(error_summary(response)) == CYCLE_FORM[language]
    problem, heading, button = CYCLE_FORM_WORDS[language]
    text = main_text(response)
    assert text.startswith(problem) and heading in text
    assert button in buttons(response)
    assert input_value(response, "year") == "twenty"  # nothing typed is lost, in any language
    assert "Kept words" in text


LIST = {
    "en": ("Nominations", "2 nominations in this cycle: 1 submitted and 1 draft.", "Primary trend", "Not submitted"),
    "cy": ("Enwebiadau", "2 enwebiad yn y cylch hwn: 1 wedi’u cyflwyno a 1 drafft.", "Prif duedd", "Heb ei gyflwyno"),
    "sv": ("Nomineringar", "2 nomineringar i omgången: 1 inskickad och 1 utkast.", "Huvudtrend", "Inte inskickad"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_nominations_list_is_in_the_readers_language_with_its_dates(organiser_client, language):
    cycle = make_cycle()
    sent = make_nomination(cycle, title="Digital front door")
    make_nomination(cycle, status="draft", complete=False, title="Still writing")
    db.session.commit()
    response = organiser_in(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/nominations")
    assert response.status_code == 200
    text = main_text(response)
    heading, counts, column, not_sent = LIST[language]
    assert heading in text and counts in text and column in text and not_sent in text
    assert day_as_written(sent.submitted_at, language) in text
    assert "Digital front door" in text  # what people typed is never translated


RESULTS = {
    "en": ("Results", "Suggest shortlist", "Download the leaderboard (CSV)"),
    "cy": ("Canlyniadau", "Awgrymu rhestr fer", "Lawrlwytho’r tabl safleoedd (CSV)"),
    "sv": ("Resultat", "Föreslå kortlista", "Ladda ner topplistan (CSV)"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_results_page_is_in_the_readers_language(organiser_client, language):
    cycle = make_cycle(status="judging")
    make_nomination(cycle)
    db.session.commit()
    response = organiser_in(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/results")
    assert response.status_code == 200
    heading, button, download = RESULTS[language]
    text = main_text(response)
    assert heading in text and download in text
    assert button in buttons(response)


VOTING = {
    "en": ("People’s Choice", "Votes by category", "Not set up", "Set up"),
    "cy": ("Dewis y Bobl", "Pleidleisiau yn ôl categori", "Heb ei threfnu", "Trefnu"),
    "sv": ("Publikens val", "Omröstningar per kategori", "Inte inrättad", "Inrätta"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_peoples_choice_page_is_in_the_readers_language(organiser_client, language):
    cycle = make_cycle(status="judging")
    db.session.commit()
    response = organiser_in(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/peoples-choice")
    assert response.status_code == 200
    text = main_text(response)
    assert all(words in text for words in VOTING[language])


EXPORT = {
    "en": ["Reference", "Status", "Category", "Title", "Organisation", "Partners"],
    "cy": ["Cyfeirnod", "Statws", "Categori", "Teitl", "Sefydliad", "Partneriaid"],
    "sv": ["Referensnummer", "Status", "Kategori", "Titel", "Organisation", "Partner"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_nominations_export_heads_its_columns_in_the_readers_language(organiser_client, language):
    cycle = make_cycle()
    make_nomination(cycle, title="Digital front door")
    db.session.commit()
    response = organiser_in(organiser_client, language).get(f"/organiser/cycles/{cycle.slug}/nominations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert first_csv_row(response)[:6] == EXPORT[language]
    assert "Digital front door" in response.get_data(as_text=True)  # the cells stay as typed


API_DETAIL = {
    "en": "year must be a year from 2000 to 2100, such as 2025",
    "cy": "rhaid i year fod yn flwyddyn o 2000 i 2100, fel 2025",
    "sv": "year måste vara ett år från 2000 till 2100, till exempel 2025",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_api_error_is_explained_in_the_cookies_language_with_codes_in_english(client, language):
    response = organiser_in(client, language).get("/api/v1/impact-cases?year=last")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Bad Request",
        "status": 400,
        "detail": API_DETAIL[language],
        "parameter": "year",
    }
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize(("accept", "language"), [("cy-GB,cy;q=0.9,en;q=0.5", "cy"), ("sv-SE", "sv"), ("de", "en")])
def test_the_api_reads_accept_language_when_there_is_no_cookie(client, accept, language):
    response = client.get("/api/v1/impact-cases?year=last", headers={"Accept-Language": accept})
    assert response.status_code == 400
    assert response.get_json()["detail"] == API_DETAIL[language]


def test_the_cookie_outweighs_accept_language_for_the_api(client):
    client.set_cookie(LANGUAGE_COOKIE, "sv")
    response = client.get("/api/v1/impact-cases?year=last", headers={"Accept-Language": "cy"})
    assert response.get_json()["detail"] == API_DETAIL["sv"]
