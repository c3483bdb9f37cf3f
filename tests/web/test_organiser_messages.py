"""Organisers' messages: an audience of a cycle gets exactly its people, each message with their own fields
filled in, after a preview that shows a real recipient's message and the count; typed text is text (never
markup), judges' messages never name an entry, a preview posted twice sends once, and each recipient's
history shows the message."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.messaging import messages as rules
from awards.extensions import db
from awards.models import Advancement, AuditEvent, RoundEntries
from tests.factories import make_cycle, make_nomination, make_user
from tests.factories.judging import add_conflict, make_assignment, make_judge, make_review
from tests.support.programme import add_round
from tests.support.queries import recorded_queries
from tests.support.visible import allow_typed, error_summary, main_text, text_of

TYPED_NAME = "Siân Jones & “Co” 🐉"


def compose_url(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/messages/new"


def send_url(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/messages/send"


def preview(client, cycle, **fields):
    data = {"audience": "submitted", "round": "1", "category": "", "subject": "News", "body": "Hello ((name))"}
    data.update(fields)
    return client.post_form(compose_url(cycle), data, token_from=compose_url(cycle))


def carried(response) -> dict[str, str]:
    """The hidden fields of the preview's form: what posting it sends back."""
    html = response.get_data(as_text=True)
    return {
        name: unescape(value) for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)
    }


def send(client, cycle, **fields):
    """Preview the message, then press Send on the preview: (the send's response, the fields posted)."""
    shown = preview(client, cycle, **fields)
    assert shown.status_code == 200, error_summary(shown)
    posted = carried(shown) | {"send": "send"}
    posted.pop("csrf_token", None)
    return client.post_form(send_url(cycle), posted, token_from=compose_url(cycle)), posted


def recipients(outbox) -> list[str]:
    return sorted(m.to_address for m in outbox("organiser_message"))


def message_to(outbox, address: str):
    (message,) = [m for m in outbox("organiser_message") if m.to_address == address]
    return message


@pytest.fixture
def entrants(app):
    """A cycle in judging with nominations of every status in two categories: Nina has two submitted ones
    (one in each category) and a draft; Dafydd a draft; Ellis a shortlisted one; withdrawn and ineligible ones
    belong to Wyn and Ivy."""
    cycle = make_cycle(status="judging")
    first, second = cycle.categories[0], cycle.categories[1]
    nina = make_user(name="Nina Nominee", email="nina@riverside.gov.uk")
    dafydd = make_user(name=TYPED_NAME, email="dafydd@gwynedd.gov.uk")
    ellis = make_user(name="Ellis Entrant", email="ellis@testshire.gov.uk")
    wyn = make_user(name="Wyn Withdrawn", email="wyn@testshire.gov.uk")
    ivy = make_user(name="Ivy Ineligible", email="ivy@testshire.gov.uk")
    made = {
        "cycle": cycle,
        "nina_first": make_nomination(cycle, nominator=nina, category=first, title="Bins & “Beyond” 🌱"),
        "nina_second": make_nomination(cycle, nominator=nina, category=second, title="Second project"),
        "nina_draft": make_nomination(cycle, nominator=nina, category=first, status="draft", title="Nina's draft"),
        "dafydd_draft": make_nomination(cycle, nominator=dafydd, category=second, status="draft", title="Draft"),
        "ellis": make_nomination(cycle, nominator=ellis, category=first, status="shortlisted", title="Shortlisted"),
        "wyn": make_nomination(cycle, nominator=wyn, category=first, status="withdrawn"),
        "ivy": make_nomination(cycle, nominator=ivy, category=first, status="ineligible"),
    }
    return made


@pytest.fixture
def judged(app, entrants):
    """Judges of the entrants' cycle (judging closes in ten days): Nell has not started, Ida has a draft, Fay
    has finished, Nia has nothing assigned, Cai (not started) has declared a conflict with Nina's first entry,
    and Pat has not accepted."""
    cycle = entrants["cycle"]
    entry, other = entrants["nina_first"], entrants["nina_second"]
    judges = {}
    for key, name in (("nell", "Nell"), ("ida", "Ida"), ("fay", "Fay"), ("nia", "Nia"), ("cai", "Cai")):
        user = make_user(name=f"{name} Judge", email=f"{key}@judges.example.org", roles=("judge",))
        judges[key] = make_judge(cycle, user)
    judges["pat"] = make_judge(cycle, accepted=False, email="pat@judges.example.org")
    cycle.rounds[0].closes_at = utcnow() + timedelta(days=10)
    db.session.commit()
    make_assignment(judges["nell"], entry)
    make_review(make_assignment(judges["ida"], entry), status="draft")
    make_review(make_assignment(judges["ida"], other), status="submitted")
    make_review(make_assignment(judges["fay"], entry), status="submitted")
    make_assignment(judges["cai"], other)
    add_conflict(judges["cai"], entry, source="declared", reason="I used to work there")
    return judges


# --------------------------------------------------------------------------- audiences


@pytest.mark.parametrize(
    ("audience", "category", "expected"),
    [
        ("drafts", "", ["dafydd@gwynedd.gov.uk", "nina@riverside.gov.uk"]),
        ("drafts", 0, ["nina@riverside.gov.uk"]),
        ("submitted", "", ["ellis@testshire.gov.uk", "nina@riverside.gov.uk"]),
        ("submitted", 1, ["nina@riverside.gov.uk"]),
        ("shortlisted", "", ["ellis@testshire.gov.uk"]),
        ("shortlisted", 1, []),
    ],
)
def test_each_entrants_audience_gets_exactly_its_people_once(
    organiser_client, outbox, entrants, audience, category, expected
):
    cycle = entrants["cycle"]
    chosen = "" if category == "" else str(cycle.categories[category].id)
    shown = preview(organiser_client, cycle, audience=audience, category=chosen)
    count = len(expected)
    if not expected:
        assert "Nobody is in this audience, so the message cannot be sent" in main_text(shown)
        return
    assert f"{count} {'person' if count == 1 else 'people'} will get this message." in main_text(shown)
    response, _ = send(organiser_client, cycle, audience=audience, category=chosen)
    assert response.status_code == 302
    assert recipients(outbox) == expected


def test_an_entrant_with_two_entries_gets_one_message_naming_both(organiser_client, outbox, entrants):
    cycle = entrants["cycle"]
    body = "Dear ((name)), about ((reference)): ((title)). Closes ((deadline)). ((link))"
    send(organiser_client, cycle, audience="submitted", body=body)
    message = message_to(outbox, "nina@riverside.gov.uk")
    first, second = entrants["nina_first"], entrants["nina_second"]
    refs = sorted([first, second], key=lambda n: n.reference)
    assert message.body_text.startswith(
        f"Dear Nina Nominee, about {refs[0].reference}, {refs[1].reference}: "
        f"{refs[0].display_title}; {refs[1].display_title}. Closes "
    )
    assert "/nominations" in message.body_text  # several entries: the list of them
    ellis = message_to(outbox, "ellis@testshire.gov.uk")
    assert f"about {entrants['ellis'].reference}: Shortlisted." in ellis.body_text
    assert f"/nominations/{entrants['ellis'].reference}" in ellis.body_text


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("judges", ["cai", "fay", "ida", "nell", "nia"]),
        ("judges-not-started", ["cai", "nell"]),
        ("judges-unfinished", ["cai", "ida", "nell"]),
    ],
)
def test_each_judges_audience_gets_exactly_its_judges(organiser_client, outbox, judged, entrants, audience, expected):
    response, _ = send(organiser_client, entrants["cycle"], audience=audience, body="Dear ((name)), see ((link))")
    assert response.status_code == 302
    assert recipients(outbox) == [f"{key}@judges.example.org" for key in expected]
    nell = [m for m in outbox("organiser_message") if m.to_address == "nell@judges.example.org"]
    if nell:
        assert nell[0].body_text.startswith("Dear Nell Judge, see http")
        assert "/judging" in nell[0].body_text


def test_finalists_are_the_entries_advanced_to_the_final_round(organiser_client, outbox, entrants):
    cycle = entrants["cycle"]
    shown = organiser_client.get(compose_url(cycle))
    assert "Finalists" not in main_text(shown)  # no round judges advanced entries yet
    final = add_round(cycle, "Final", entries=RoundEntries.ADVANCED, is_final=True)
    for key in ("nina_second", "ellis"):
        db.session.add(Advancement(round_id=final.id, nomination_id=entrants[key].id, created_at=utcnow()))
    db.session.commit()
    assert "Finalists" in main_text(organiser_client.get(compose_url(cycle)))
    response, _ = send(organiser_client, cycle, audience="finalists", body="((name)): ((reference))")
    assert response.status_code == 302
    assert recipients(outbox) == ["ellis@testshire.gov.uk", "nina@riverside.gov.uk"]
    assert message_to(outbox, "nina@riverside.gov.uk").body_text.startswith(
        f"Nina Nominee: {entrants['nina_second'].reference}\n"
    )
    send(organiser_client, cycle, audience="finalists", category=str(cycle.categories[1].id), subject="Second")
    assert [m.to_address for m in outbox("organiser_message") if m.subject == "Second"] == ["nina@riverside.gov.uk"]


# --------------------------------------------------------------------------- fields and text


def test_fields_are_filled_per_recipient_and_a_name_stays_text(organiser_client, outbox, entrants):
    allow_typed(TYPED_NAME)
    cycle = entrants["cycle"]
    send(organiser_client, cycle, audience="drafts", subject="Your draft, ((name))", body="Dear ((name)),\n\n((title))")
    message = message_to(outbox, "dafydd@gwynedd.gov.uk")
    assert message.subject == f"Your draft, {TYPED_NAME}"
    assert message.body_text.startswith(f"Dear {TYPED_NAME},\n\nDraft\n")
    assert message.to_name == TYPED_NAME
    assert f"Dear {TYPED_NAME}," in text_of(message.body_html)
    assert "&amp;amp;" not in message.body_html
    nina = message_to(outbox, "nina@riverside.gov.uk")
    assert nina.body_text.startswith("Dear Nina Nominee,\n\nNina's draft\n")


def test_html_typed_by_the_organiser_arrives_as_text(organiser_client, outbox, entrants):
    typed = '<script>alert("x")</script> and <b>bold</b>'
    allow_typed(typed, "<b>Hi</b>")
    cycle = entrants["cycle"]
    shown = preview(organiser_client, cycle, audience="shortlisted", subject="<b>Hi</b>", body=typed)
    assert typed in main_text(shown)  # the preview shows what was typed, as typed
    assert "<script>alert" not in shown.get_data(as_text=True)
    send(organiser_client, cycle, audience="shortlisted", subject="<b>Hi</b>", body=typed)
    message = message_to(outbox, "ellis@testshire.gov.uk")
    assert message.subject == "<b>Hi</b>"
    assert message.body_text.startswith(typed)
    assert "<script>" not in message.body_html and "<b>" not in message.body_html
    assert typed in text_of(message.body_html)


def test_an_unknown_field_is_named_and_what_was_typed_is_kept(organiser_client, outbox, entrants):
    cycle = entrants["cycle"]
    body = "Dear ((name)), your ((fullname)) and ((Nickname)) & more"
    allow_typed(body)
    shown = preview(organiser_client, cycle, audience="drafts", subject="About ((name))", body=body)
    assert shown.status_code == 400
    assert error_summary(shown) == [
        (
            "#body",
            "The message has ((fullname)) and ((nickname)), which are not fields you can use. Use only ((name)), "
            "((reference)), ((title)), ((deadline)) and ((link))",
        )
    ]
    html = shown.get_data(as_text=True)
    assert re.search(
        r"<textarea[^>]*>\s*Dear \(\(name\)\), your \(\(fullname\)\) and \(\(Nickname\)\) &amp; more", html
    )
    assert 'value="About ((name))"' in html
    assert re.search(r'value="drafts"\s+checked', html) or re.search(r'checked[^>]*value="drafts"', html)
    assert outbox("organiser_message") == []


def test_double_brackets_that_are_not_a_field_are_refused(organiser_client, outbox, entrants):
    """An unclosed field, or brackets inside one, would go out to everyone as typed."""
    cycle = entrants["cycle"]
    for body in ("Dear ((name, see you", "Dear ((na(me))", "Smile )) please"):
        allow_typed(body)
        shown = preview(organiser_client, cycle, audience="drafts", body=body)
        assert shown.status_code == 400
        assert error_summary(shown) == [
            (
                "#body",
                "The message has double brackets that are not a field. Write a field as ((name)), with nothing but "
                "its name between the brackets, and use only ((name)), ((reference)), ((title)), ((deadline)) and "
                "((link))",
            )
        ]
    assert outbox("organiser_message") == []


def test_a_subject_too_long_once_filled_in_is_refused_before_sending(organiser_client, outbox, entrants):
    """Nina's two submitted entries, their titles made long: her subject would be cut mid-word by the outbox."""
    cycle = entrants["cycle"]
    for key in ("nina_first", "nina_second"):
        entrants[key].title = f"{entrants[key].title}: " + "a long account of digital work for residents " * 3
    db.session.commit()
    subject = "Your entries ((title)) are shortlisted for the awards evening, ((name))"
    shown = preview(organiser_client, cycle, audience="submitted", subject=subject)
    assert shown.status_code == 400
    ((where, message),) = error_summary(shown)
    assert where == "#subject"
    assert message.startswith("The subject is too long for 1 person once their fields are filled in (up to ")
    assert message.endswith("an email subject can have 255). Shorten it, or leave ((title)) out of the subject")
    assert f'value="{subject}"' in shown.get_data(as_text=True)
    # Fits for everyone: previewed as before.
    assert preview(organiser_client, cycle, audience="submitted", subject="News, ((name))").status_code == 200
    assert outbox("organiser_message") == []


def test_a_judges_message_cannot_carry_an_entry_field(organiser_client, outbox, judged, entrants):
    cycle = entrants["cycle"]
    page = main_text(organiser_client.get(compose_url(cycle)))
    assert "Messages to judges cannot name an entry: a judge may have a conflict of interest with it." in page
    assert "Judges who have not finished Judges with entries still to score, including those who have not" in page
    shown = preview(organiser_client, cycle, audience="judges", subject="((title))", body="See ((reference))")
    assert shown.status_code == 400
    assert error_summary(shown) == [
        (
            "#subject",
            "The subject has ((title)): a message to judges cannot name an entry, so ((reference)) and "
            "((title)) cannot be used",
        ),
        (
            "#body",
            "The message has ((reference)): a message to judges cannot name an entry, so ((reference)) and "
            "((title)) cannot be used",
        ),
    ]
    # Nor can a send posted without the preview.
    organiser_client.post_form(
        send_url(cycle),
        {"audience": "judges", "round": "1", "subject": "x", "body": "((title))", "send_id": "made-up", "send": "send"},
        token_from=compose_url(cycle),
    )
    assert outbox("organiser_message") == []


def test_a_conflicted_judge_never_gets_the_entry_name(organiser_client, outbox, judged, entrants):
    cycle = entrants["cycle"]
    entry = entrants["nina_first"]
    send(
        organiser_client, cycle, audience="judges", subject="Briefing", body="Dear ((name)), by ((deadline)): ((link))"
    )
    cai = message_to(outbox, "cai@judges.example.org")
    for secret in (entry.reference, entry.display_title, entry.organisation_name):
        assert secret not in cai.body_text and secret not in (cai.body_html or "") and secret not in cai.subject


def test_a_deadline_for_a_round_without_a_closing_date_is_refused(organiser_client, judged, entrants):
    cycle = entrants["cycle"]
    cycle.rounds[0].closes_at = None
    db.session.commit()
    shown = preview(organiser_client, cycle, audience="judges", body="By ((deadline))")
    refused = "The message has ((deadline)), but Round 1: Judging has no closing date yet"
    assert error_summary(shown) == [("#body", refused)]
    shortlisted = preview(organiser_client, cycle, audience="shortlisted", body="By ((deadline))")
    assert error_summary(shortlisted) == [
        ("#body", "The message has ((deadline)), which shortlisted entrants have no value for")
    ]


# --------------------------------------------------------------------------- preview and sending


def test_the_preview_shows_a_real_recipients_message_and_the_count(organiser_client, outbox, entrants):
    cycle = entrants["cycle"]
    shown = preview(organiser_client, cycle, audience="submitted", subject="For ((name))", body="Hi ((name))")
    text = main_text(shown)
    assert "To Entrants who have submitted" in text
    assert "2 people will get this message." in text
    assert "The message as Ellis Entrant will get it To: Ellis Entrant (ellis@testshire.gov.uk)" in text
    assert "Subject: For Ellis Entrant Hi Ellis Entrant" in text
    assert "Send to 2 people" in text
    assert outbox("organiser_message") == []  # a preview sends nothing


def test_change_goes_back_to_the_form_with_what_was_typed(organiser_client, entrants):
    cycle = entrants["cycle"]
    shown = preview(organiser_client, cycle, audience="drafts", subject="Chasing", body="Line one\nLine two")
    posted = carried(shown) | {"change": "change"}
    posted.pop("csrf_token", None)
    back = organiser_client.post_form(send_url(cycle), posted, token_from=compose_url(cycle))
    assert back.status_code == 200
    html = back.get_data(as_text=True)
    assert "Write a message" in main_text(back)
    assert re.search(r"<textarea[^>]*>\s*Line one\r?\nLine two</textarea>", html)
    assert 'value="Chasing"' in html


def test_sending_queues_one_message_each_and_records_it(organiser_client, outbox, organiser, entrants):
    cycle = entrants["cycle"]
    response, posted = send(organiser_client, cycle, audience="drafts", subject="Submit ((name))", body="Please")
    assert response.status_code == 302
    page = organiser_client.get(response.headers["Location"])
    assert "Message sent to 2 people: Entrants with a draft" in page_text_of(page)
    assert len(outbox("organiser_message")) == 2
    db.session.expire_all()
    (sent,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "message.sent")).all()
    assert sent.actor_id == organiser.id
    assert (sent.object_type, sent.object_id) == ("cycles", str(cycle.id))
    assert {k: sent.detail[k] for k in ("audience", "subject", "recipients", "send_id")} == {
        "audience": "drafts",
        "subject": "Submit ((name))",
        "recipients": 2,
        "send_id": posted["send_id"],
    }
    received = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "message.received")).all()
    nina = entrants["nina_draft"].nominator
    assert sorted((e.object_type, e.object_id) for e in received) == sorted(
        [
            ("users", str(nina.id)),
            ("users", str(entrants["dafydd_draft"].nominator_id)),
            ("nominations", str(entrants["nina_draft"].id)),
            ("nominations", str(entrants["dafydd_draft"].id)),
        ]
    )
    # The list of messages sent, the person's activity and the nomination's history show it.
    listed = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/messages"))
    assert "Submit ((name)) Entrants with a draft 2" in listed and "Omar Organiser" in listed
    # The subject as typed: the history outlives the account, so it keeps no name of the recipient's.
    person = main_text(organiser_client.get(f"/organiser/users/{nina.id}"))
    assert "Omar Organiser Message: Submit ((name))" in person
    history = main_text(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations/{entrants['nina_draft'].reference}")
    )
    assert "Omar Organiser Message: Submit ((name))" in history
    assert all("Nina" not in str(event.detail) for event in received)
    # The organiser's overview and their own activity show the message once, not a line per recipient.
    for page in (organiser_client.get("/organiser/"), organiser_client.get(f"/organiser/users/{organiser.id}")):
        text = main_text(page)
        assert text.count("Message sent") == 1 and "Message: Submit" not in text


def page_text_of(response) -> str:
    return text_of(response.get_data(as_text=True))


def test_posting_the_same_preview_twice_sends_once(organiser_client, outbox, entrants):
    cycle = entrants["cycle"]
    response, posted = send(organiser_client, cycle, audience="submitted")
    assert response.status_code == 302
    again = organiser_client.post_form(send_url(cycle), posted, token_from=compose_url(cycle))
    assert again.status_code == 302
    assert "This message has already been sent" in page_text_of(organiser_client.get(again.headers["Location"]))
    assert len(outbox("organiser_message")) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "message.sent")) == 1
    # A new preview of the same message is a new message.
    send(organiser_client, cycle, audience="submitted")
    assert len(outbox("organiser_message")) == 4


def test_an_empty_audience_cannot_be_sent(organiser_client, outbox, entrants):
    cycle = entrants["cycle"]
    shown = preview(organiser_client, cycle, audience="shortlisted", category=str(cycle.categories[1].id))
    assert "Nobody is in this audience, so the message cannot be sent" in main_text(shown)
    assert not any(label.startswith("Send") for label in re.findall(r">\s*(Send[^<]*)<", shown.get_data(as_text=True)))
    posted = carried(shown) | {"send": "send"}
    posted.pop("csrf_token", None)
    response = organiser_client.post_form(send_url(cycle), posted, token_from=compose_url(cycle))
    # Back on the form, saying why, with what was typed kept.
    assert response.status_code == 409
    assert error_summary(response) == [
        (
            "#audience",
            "Nobody is in the audience “Shortlisted entrants in Reimagined Service of the Year”, so the message "
            "cannot be sent",
        )
    ]
    assert posted["subject"] in response.get_data(as_text=True)
    assert outbox("organiser_message") == []
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "message.sent")) == 0


def test_a_large_audience_is_queued_in_batches(organiser_client, outbox, entrants, monkeypatch):
    cycle = entrants["cycle"]
    for n in range(5):
        make_nomination(cycle, nominator=make_user(email=f"many{n}@testshire.gov.uk"), status="draft")
    batches = []
    original = rules.queue_batch

    def counting(sending, batch, *, by):
        batches.append(len(batch))
        return original(sending, batch, by=by)

    monkeypatch.setattr(rules, "BATCH_SIZE", 3)
    monkeypatch.setattr(rules, "queue_batch", counting)
    response, _ = send(organiser_client, cycle, audience="drafts")
    assert response.status_code == 302
    assert batches == [3, 3, 1]
    assert len(outbox("organiser_message")) == 7


def test_a_send_that_fails_part_way_queues_nothing_and_can_be_sent_again(
    organiser_client, outbox, entrants, monkeypatch
):
    """Either the whole audience is queued with the record of the send, or nothing is: never "sent to 7" with
    3 queued and the rest impossible to send."""
    cycle = entrants["cycle"]
    for n in range(5):
        make_nomination(cycle, nominator=make_user(email=f"many{n}@testshire.gov.uk"), status="draft")
    original = rules.queue_batch
    calls = []

    def failing_second(sending, batch, *, by):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(sending, batch, by=by)

    monkeypatch.setattr(rules, "BATCH_SIZE", 3)
    monkeypatch.setattr(rules, "queue_batch", failing_second)
    shown = preview(organiser_client, cycle, audience="drafts")
    posted = carried(shown) | {"send": "send"}
    posted.pop("csrf_token", None)
    with pytest.raises(RuntimeError):
        organiser_client.post_form(send_url(cycle), posted, token_from=compose_url(cycle))
    db.session.rollback()
    assert outbox("organiser_message") == []
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "message.sent")) == 0

    monkeypatch.setattr(rules, "queue_batch", original)
    again = organiser_client.post_form(send_url(cycle), posted, token_from=compose_url(cycle))
    assert again.status_code == 302
    assert len(outbox("organiser_message")) == 7


def test_the_cycle_page_links_to_messages(organiser_client, entrants):
    cycle = entrants["cycle"]
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert f'href="/organiser/cycles/{cycle.slug}/messages"' in page.get_data(as_text=True)
    assert "Messages to judges and entrants" in main_text(page)


def _selects(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


@pytest.mark.parametrize("audience", ["drafts", "judges-unfinished"])
def test_an_audience_is_read_in_the_same_queries_whatever_its_size(organiser_client, judged, entrants, audience):
    """No query per recipient: previewing and sending to three times the people reads the same statements."""
    cycle = entrants["cycle"]

    def measured() -> tuple[int, int]:
        with recorded_queries() as shown:
            preview(organiser_client, cycle, audience=audience)
        with recorded_queries() as sent:
            send(organiser_client, cycle, audience=audience)
        return _selects(shown), _selects(sent)

    before = measured()
    for n in range(6):
        make_nomination(cycle, nominator=make_user(email=f"more{n}@testshire.gov.uk"), status="draft")
        more = make_judge(cycle, make_user(email=f"more{n}@judges.example.org", roles=("judge",)))
        make_assignment(more, entrants["nina_second"])
    assert measured() == before


def test_judges_of_another_round_are_chosen_by_its_number(organiser_client, outbox, judged, entrants):
    """Fay finished round 1; in the final round she has an entry she has not started."""
    cycle = entrants["cycle"]
    final = add_round(cycle, "Final", entries=RoundEntries.ADVANCED, is_final=True)
    db.session.add(Advancement(round_id=final.id, nomination_id=entrants["nina_second"].id, created_at=utcnow()))
    db.session.commit()
    make_assignment(judged["fay"], entrants["nina_second"], round_id=final.id)
    page = main_text(organiser_client.get(compose_url(cycle)))
    assert "Judging round For messages to judges: the judges of this round Round 1: Judging Round 2: Final" in page
    shown = preview(organiser_client, cycle, audience="judges-not-started", round="2")
    assert "To Judges who have not started (Round 2: Final)" in main_text(shown)
    send(organiser_client, cycle, audience="judges-not-started", round="2", subject="Final")
    send(organiser_client, cycle, audience="judges-not-started", round="1", subject="First")
    by_subject = {m.subject: [] for m in outbox("organiser_message")}
    for m in outbox("organiser_message"):
        by_subject[m.subject].append(m.to_address)
    assert by_subject == {
        "Final": ["fay@judges.example.org"],
        "First": ["cai@judges.example.org", "nell@judges.example.org"],
    }
    unknown = preview(organiser_client, cycle, audience="judges", round="7")
    assert error_summary(unknown) == [("#round", "Select a judging round of this cycle")]
