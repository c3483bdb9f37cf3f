"""An organiser's message written in several languages (issue #17 item 5): each recipient gets the version of
the language they read the service in, else the default language's; the preview shows each version as its first
reader gets it and how many get it; a version half written is refused with everything typed kept."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent, OutboxMessage
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.visible import error_summary, main_text


def _compose(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/messages/new"


def _post_preview(client, cycle, **fields):
    data = {"audience": "submitted", "round": "1", "category": "", "subject": "Ceremony", "body": "Dear ((name))"}
    data.update(fields)
    return client.post_form(_compose(cycle), data, token_from=_compose(cycle))


def _hidden(response) -> dict[str, str]:
    html = response.get_data(as_text=True)
    return {n: unescape(v) for n, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)}


def _entrants():
    cycle = make_cycle(status="judging")
    people = {
        "siân": make_user(name="Siân Jones", email="sian@ceredigion.gov.uk"),
        "erik": make_user(name="Erik Svensson", email="erik@malmo.se"),
        "nina": make_user(name="Nina Nominee", email="nina@riverside.gov.uk"),
    }
    people["siân"].language, people["erik"].language = "cy", "sv"
    db.session.commit()
    for person in people.values():
        make_nomination(cycle, nominator=person)
    return cycle, people


WELSH = {"subject_cy": "Seremoni", "body_cy": "Annwyl ((name))"}


def test_each_reader_gets_the_version_of_their_language_and_the_rest_the_default(organiser_client, organiser):
    cycle, people = _entrants()
    shown = _post_preview(organiser_client, cycle, **WELSH)
    assert shown.status_code == 200, error_summary(shown)
    text = main_text(shown)
    assert "In Cymraeg" in text and "1 person reads the service in Cymraeg and will get this version" in text
    assert "Subject: Seremoni" in text and "Annwyl Siân Jones" in text
    posted = _hidden(shown) | {"send": "send"}
    posted.pop("csrf_token", None)
    assert posted["subject_cy"] == "Seremoni" and posted["body_cy"] == "Annwyl ((name))"
    sent = organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/messages/send", posted, token_from=_compose(cycle)
    )
    assert sent.status_code == 302
    got = {
        m.to_address: (m.subject, m.body_text)
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "organiser_message"))
    }
    assert got["sian@ceredigion.gov.uk"][0] == "Seremoni" and "Annwyl Siân Jones" in got["sian@ceredigion.gov.uk"][1]
    assert got["erik@malmo.se"][0] == "Ceremony" and "Dear Erik Svensson" in got["erik@malmo.se"][1]
    assert got["nina@riverside.gov.uk"][0] == "Ceremony"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "message.sent"))
    assert event.detail["subject"] == "Ceremony" and event.detail["languages"] == ["cy"]


def test_a_version_nobody_reads_is_said_so_before_sending(organiser_client):
    cycle, people = _entrants()
    people["siân"].language = None
    db.session.commit()
    text = main_text(_post_preview(organiser_client, cycle, **WELSH))
    assert "Nobody in this audience reads the service in Cymraeg, so this version will not be sent." in text


def test_a_version_half_written_is_refused_with_everything_typed_kept(organiser_client):
    cycle, _people = _entrants()
    response = _post_preview(organiser_client, cycle, subject_cy="Seremoni", body_sv="Hej ((name))")
    assert response.status_code == 400
    assert sorted(error_summary(response)) == [
        ("#body_cy", "Enter the message in Cymraeg as well, or leave its subject empty"),
        ("#subject_sv", "Enter a subject in Svenska as well, or leave its message empty"),
    ]
    html = response.get_data(as_text=True)
    assert 'value="Seremoni"' in html and "Hej ((name))</textarea>" in html
    assert re.search(r'<details class="govuk-details" id="message-in-cy" open>', html)


def test_a_version_is_checked_for_its_fields_as_the_message_is(organiser_client):
    cycle, _people = _entrants()
    response = _post_preview(organiser_client, cycle, subject_cy="Seremoni", body_cy="Annwyl ((enw))")
    assert response.status_code == 400
    ((anchor, message),) = error_summary(response)
    assert anchor == "#body_cy" and message.startswith("The message in Cymraeg has ((enw))")


def test_a_welsh_version_cannot_name_an_entry_to_judges_either(organiser_client):
    cycle, _people = _entrants()
    response = _post_preview(
        organiser_client, cycle, audience="judges", subject_cy="Beirniadu", body_cy="Mae ((title)) yn aros"
    )
    assert response.status_code == 400
    assert any(anchor == "#body_cy" for anchor, _message in error_summary(response))
