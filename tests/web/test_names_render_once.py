"""Names with `&`, `<`, quotes and emoji render exactly once-escaped everywhere a person reads them:
pages (nominee, organiser, public), e-mails, the CSV export, the API and the Atom feed."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from awards.models import Result
from tests.factories import make_nomination, make_published_case, make_user
from tests.support.visible import text_of

ORGANISATION = 'Bath & North East Somerset <Council> "Tŷ\'r Cyngor" 🏴󠁧󠁢󠁷󠁬󠁳󠁿'
TITLE = 'Data & AI <b>for</b> "Gofal" – 🚀 <br> faster'
PERSON = "Siân O'Brien & Co 😀"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def names(typed_markup):
    typed_markup(ORGANISATION, TITLE, PERSON)


def _shows_once(response, *values):
    assert response.status_code == 200, response.status_code
    shown = text_of(response.get_data(as_text=True))
    for value in values:
        assert value in shown, f"{value!r} not shown as typed"


def test_nominee_and_organiser_pages_csv_and_emails(app, names, organiser_client, outbox):
    nominee = make_user(name=PERSON, email="sian@bathnes.gov.uk")
    nomination = make_nomination(nominator=nominee, organisation_name=ORGANISATION, title=TITLE, contact_name=PERSON)
    cycle = nomination.cycle
    client = app.test_client()
    client.sign_in_as(nominee)

    _shows_once(client.get(f"/nominations/{nomination.reference}"), ORGANISATION, TITLE, PERSON)
    _shows_once(client.get("/nominations"), TITLE)
    _shows_once(organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations"), ORGANISATION, TITLE)
    _shows_once(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}"),
        ORGANISATION,
        TITLE,
        PERSON,
    )

    rows = list(
        csv.DictReader(
            io.StringIO(organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations.csv").get_data(as_text=True))
        )
    )
    assert [r for r in rows if TITLE in r.values() and ORGANISATION in r.values()], rows[:1]

    url = f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}"
    response = organiser_client.post_form(
        f"{url}/eligibility",
        {"decision": "eligible", "reason": "Tom & Jerry's <note>", "version": str(nomination.version)},
        token_from=url,
    )
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]
    [email] = outbox("eligibility_eligible")
    assert TITLE in email.body_text and ORGANISATION in email.body_text and "Tom & Jerry's <note>" in email.body_text
    assert TITLE in text_of(email.body_html) and PERSON in text_of(email.body_html)


def test_public_pages_api_and_feed(app, names, client):
    case = make_published_case(title=TITLE, organisation=ORGANISATION, result=Result.WINNER)
    _shows_once(client.get("/impact-cases"), TITLE, ORGANISATION)
    _shows_once(client.get(f"/impact-cases/{case.slug}"), TITLE, ORGANISATION)

    listed = client.get("/api/v1/impact-cases").get_json()
    assert [(c["title"], c["organisation"]) for c in listed["data"]] == [(TITLE, ORGANISATION)]
    one = client.get(f"/api/v1/impact-cases/{case.slug}").get_json()["data"]
    assert (one["title"], one["organisation"]) == (TITLE, ORGANISATION)

    feed = ET.fromstring(client.get("/impact-cases.atom").data)
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == TITLE
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == ORGANISATION
