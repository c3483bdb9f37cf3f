"""The nominee's pages and the e-mails in Welsh and Swedish (issue #17, items 3–4): the nominee's list, the start
page refused without a category, the task list with its closing date, a section refused for too many words, the
confirmation page, in the language the reader chose (the cookie the switcher sets, or their account's choice);
English unchanged. Each e-mail is written in its recipient's language, whatever the language of the page that
caused it: two nominees' confirmations queued in one request come out one in Welsh and one in English, subject
and body, with the closing date's month in that language, as the outbox holds them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import get_locale

from awards.domain.core.clock import utcnow
from awards.domain.nominations import entries
from awards.domain.programme.entry_forms import question_by_key
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from awards.models import Nomination, OutboxMessage
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.nominating import save, section_url, start_draft, words
from tests.support.visible import buttons, error_summary, main_text, text_of


def reading_in(client, language: str):
    """The client as a reader whose language cookie says `language` (English: no cookie at all)."""
    if language != "en":
        client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def day_words(moment, language: str) -> str:
    """The day of `moment` in London as that language writes it: '28 June 2026', '28 Mehefin 2026', '28 juni 2026'."""
    from zoneinfo import ZoneInfo

    day = moment.astimezone(ZoneInfo("Europe/London")).date()
    return f"{day.day} {day:%B %Y}" if language == "en" else format_date(day, "d MMMM y", locale=language)


PAGES = {
    "en": {
        "list": "Your nominations",
        "start_button": "Start a new nomination",
        "category": "Which category are you nominating for?",
        "no_category": "Select the category you are nominating for",
        "start": "Start nomination",
        "closes": "Nominations close",
        "save": "Save and continue",
        "too_many": "must be {limit} words or fewer (it has {count})",
        "submitted": "Nomination submitted",
        "what_next": "What happens next",
    },
    "cy": {
        "list": "Eich enwebiadau",
        "start_button": "Dechrau enwebiad newydd",
        "category": "Ar gyfer pa gategori rydych chi'n enwebu?",
        "no_category": "Dewiswch y categori rydych yn enwebu ar ei gyfer",
        "start": "Dechrau enwebiad",
        "closes": "Mae enwebiadau'n cau",
        "save": "Cadw a pharhau",
        "too_many": "fod yn {limit} gair neu lai (mae ganddo {count})",
        "submitted": "Enwebiad wedi'i gyflwyno",
        "what_next": "Beth sy'n digwydd nesaf",
    },
    "sv": {
        "list": "Dina nomineringar",
        "start_button": "Påbörja en ny nominering",
        "category": "Vilken kategori nominerar du till?",
        "no_category": "Välj den kategori du nominerar till",
        "start": "Påbörja nominering",
        "closes": "Nomineringen stänger",
        "save": "Spara och fortsätt",
        "too_many": "får vara högst {limit} ord (det har {count})",
        "submitted": "Nomineringen har skickats in",
        "what_next": "Vad händer nu",
    },
}
LANGUAGES = ["en", "cy", "sv"]


def test_the_nominees_list_and_start_page_are_in_the_readers_language_with_the_refusal_in_it_too(app, nominee_client):
    cycle = make_cycle()
    for language in LANGUAGES:
        words_of = PAGES[language]
        reading_in(nominee_client, language)
        listed = nominee_client.get("/nominations")
        assert main_text(listed).startswith(words_of["list"]), language
        assert words_of["start_button"] in main_text(listed)

        start = f"/nominations/start?cycle={cycle.slug}"
        page = nominee_client.get(start)
        assert words_of["category"] in main_text(page)
        hint = main_text(page).split(words_of["closes"], 1)[1]
        assert day_words(cycle.nominations_close_at, language) in hint[:60]
        refused = nominee_client.post_form(start, {}, token_from=start)
        assert refused.status_code == 200
        assert [message for _href, message in error_summary(refused)] == [words_of["no_category"]]
        assert words_of["start"] in buttons(refused)


def test_a_section_with_too_many_words_is_refused_in_the_readers_language_keeping_what_was_typed(app, nominee_client):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    limit = question_by_key(cycle, "summary").settings["max_words"]
    for language in LANGUAGES:
        reading_in(nominee_client, language)
        refused = save(nominee_client, nomination, "project", {"title": "Kept title", "summary": words(limit + 1)})
        assert refused.status_code == 200, language
        messages = [message for _href, message in error_summary(refused)]
        assert len(messages) == 1 and PAGES[language]["too_many"].format(limit=limit, count=limit + 1) in messages[0]
        assert "Kept title" in refused.get_data(as_text=True)
        assert PAGES[language]["save"] in buttons(refused)


def test_the_task_list_gives_the_closing_date_in_the_readers_language(app, nominee_client):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    for language in LANGUAGES:
        page = reading_in(nominee_client, language).get(f"/nominations/{nomination.reference}")
        closes = day_words(cycle.nominations_close_at, language)
        after = main_text(page).split(PAGES[language]["closes"], 1)[1]
        assert closes in after[:60], language


CONFIRMATION = {
    "en": ("Nomination received: {}", "Dear {},", "Thank you. We have received your nomination for {}."),
    "cy": ("Enwebiad wedi dod i law: {}", "Annwyl {},", "Diolch. Rydym wedi cael eich enwebiad ar gyfer {}."),
    "sv": ("Nominering mottagen: {}", "Hej {},", "Tack. Vi har tagit emot din nominering till {}."),
}


def _confirmation_of(nomination) -> OutboxMessage:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "nomination_submitted", OutboxMessage.to_address == nomination.nominator.email
        )
    ).all()
    assert len(rows) == 1
    return rows[0]


def _assert_written_in(message: OutboxMessage, nomination, language: str) -> None:
    subject, greeting, thanks = CONFIRMATION[language]
    cycle = nomination.cycle
    assert message.subject == subject.format(nomination.reference)
    assert message.body_text.startswith(greeting.format(nomination.nominator.name))
    assert thanks.format(cycle.name) in message.body_text
    closes = day_words(cycle.nominations_close_at, language)
    assert closes in message.body_text
    html = text_of(message.body_html)
    assert thanks.format(cycle.name) in html and closes in html
    assert f'<html lang="{language}">' in message.body_html


def test_two_nominees_confirmations_queued_in_one_request_are_each_in_their_own_language(app):
    cycle = make_cycle(close_at=datetime(utcnow().year + 1, 6, 28, 16, tzinfo=UTC))
    welsh = make_user(name="Gwen Jones", email="gwen@cyngor.gov.wales")
    welsh.language = "cy"
    english = make_user(name="Eric Smith", email="eric@council.gov.uk")
    db.session.commit()
    drafts = [make_nomination(cycle, nominator=person, status="draft") for person in (welsh, english)]

    # The page they came from is in Swedish: neither e-mail follows it, and the page stays Swedish.
    with app.test_request_context("/", headers={"Cookie": f"{LANGUAGE_COOKIE}=sv"}):
        assert str(get_locale()) == "sv"
        for nomination in drafts:
            entries.submit(nomination, by=nomination.nominator)
        assert str(get_locale()) == "sv"
        db.session.commit()

    _assert_written_in(_confirmation_of(drafts[0]), drafts[0], "cy")
    _assert_written_in(_confirmation_of(drafts[1]), drafts[1], "en")
    assert "28 Mehefin" in _confirmation_of(drafts[0]).body_text and "28 June" in _confirmation_of(drafts[1]).body_text


def test_a_nominee_who_chose_swedish_submits_and_reads_the_confirmation_page_and_email_in_swedish(
    app, nominee, nominee_client
):
    cycle = make_cycle()
    nominee.language = "sv"
    db.session.commit()
    nomination = make_nomination(cycle, nominator=nominee, status="draft")
    check = f"/nominations/{nomination.reference}/check"
    submitted = nominee_client.post_form(f"/nominations/{nomination.reference}/submit", {}, token_from=check)
    assert submitted.status_code == 302
    page = nominee_client.get(submitted.headers["Location"])
    assert PAGES["sv"]["submitted"] in main_text(page) and PAGES["sv"]["what_next"] in main_text(page)
    assert db.session.get(Nomination, nomination.id).status.value == "submitted"
    _assert_written_in(_confirmation_of(nomination), nomination, "sv")


def _organiser_sends(client, cycle, **fields):
    """An organiser previews a message to the cycle's entrants with drafts, then presses Send on the preview."""
    compose = f"/organiser/cycles/{cycle.slug}/messages/new"
    data = {"audience": "drafts", "round": "1", "category": ""} | fields
    shown = client.post_form(compose, data, token_from=compose)
    assert shown.status_code == 200, error_summary(shown)
    html = shown.get_data(as_text=True)
    posted = {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)
        if name != "csrf_token"
    }
    sent = client.post_form(
        f"/organiser/cycles/{cycle.slug}/messages/send", posted | {"send": "send"}, token_from=compose
    )
    assert sent.status_code == 302, error_summary(sent)


def test_an_organisers_message_keeps_their_words_as_typed_around_them_the_recipients_language(app, organiser_client):
    cycle = make_cycle(close_at=datetime(utcnow().year + 1, 6, 28, 16, tzinfo=UTC))
    welsh = make_user(name="Gwen Jones", email="gwen@cyngor.gov.wales")
    welsh.language = "cy"
    english = make_user(name="Eric Smith", email="eric@council.gov.uk")
    db.session.commit()
    for person in (welsh, english):
        make_nomination(cycle, nominator=person, status="draft")
    _organiser_sends(organiser_client, cycle, subject="Finish by ((deadline))", body="Please finish your entry.")

    db.session.expire_all()
    sent = {
        m.to_address: m
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "organiser_message"))
    }
    cy, en = sent["gwen@cyngor.gov.wales"], sent["eric@council.gov.uk"]
    assert cy.subject.startswith("Finish by ") and "28 Mehefin" in cy.subject
    assert en.subject.startswith("Finish by ") and "28 June" in en.subject
    assert cy.body_text.startswith("Please finish your entry.") and en.body_text.startswith("Please finish your entry.")
    assert f"neges gan drefnwyr {cycle.name}" in cy.body_text
    assert f"a message from the organisers of {cycle.name}" in en.body_text


def test_the_default_forms_rows_are_named_in_the_readers_language(app, nominee_client):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    named = {"en": ("Outcome 1", "Partner 1"), "cy": ("Canlyniad 1", "Partner 1"), "sv": ("Resultat 1", "Partner 1")}
    for language in LANGUAGES:
        reading_in(nominee_client, language)
        outcomes = main_text(nominee_client.get(section_url(nomination, "outcomes")))
        assert named[language][0] in outcomes, language
        if language != "en":
            assert "Outcome 1" not in outcomes
        assert named[language][1] in main_text(nominee_client.get(section_url(nomination, "organisation")))


def test_the_default_forms_own_words_are_in_the_readers_language(app, nominee_client):
    """Errors, columns and options the default form keeps in its settings, not only its questions and hints."""
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    reading_in(nominee_client, "cy")
    refused = save(nominee_client, nomination, "organisation", {"organisation_name": "", "contact_name": ""})
    assert [message for _href, message in error_summary(refused)] == [
        "Rhowch enw’r sefydliad a enwebwyd",
        "Rhowch enw’r cyswllt",
        "Rhowch gyfeiriad e-bost y cyswllt",
        "Dewiswch y rhanbarth",
    ]
    page = main_text(refused)
    assert "Partner 1 Enw" in page and "Partner 1 yn gyflenwr" in page  # the partners' columns
    assert "Gogledd-ddwyrain Lloegr" in page and "Ledled y DU" in page and "North East" not in page  # the regions
    refused = save(nominee_client, nomination, "outcomes", {"measured-0-baseline": "12 wythnos"})
    assert "Rhowch beth a fesurwyd (canlyniad 1)" in [message for _href, message in error_summary(refused)]
    saved = save(
        nominee_client, nomination, "organisation", {"organisation_name": "Cyngor Sir Ceredigion", "region": "Wales"}
    )
    assert saved.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).region == "Wales"  # stored as the option's code, shown in words


def test_check_your_answers_names_sections_questions_and_trends_in_the_readers_language(app, nominee_client):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    save(nominee_client, nomination, "organisation", {"organisation_name": "Cyngor Sir Ceredigion", "region": "Wales"})
    reading_in(nominee_client, "cy")
    check = main_text(nominee_client.get(f"/nominations/{nomination.reference}/check"))
    for shown in ("Ynglŷn â’r sefydliad a enwebwyd", "Y sefydliad a enwebwyd Cyngor Sir Ceredigion", "Rhanbarth Cymru"):
        assert shown in check
    assert "About the nominated organisation" not in check and "Nominated organisation" not in check
