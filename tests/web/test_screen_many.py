"""Screening several nominations at once from the organiser's list (issue 12): tick them, choose
eligible or not eligible, give one reason on a confirmation page, and each nomination is decided by
`screening.decide_eligibility` (one e-mail and one audit event each) in one transaction. Nominations
that cannot be screened are reported, never skipped in silence; it all works without JavaScript."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent, Eligibility, Nomination, NominationStatus
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.visible import error_summary, main_text


@pytest.fixture
def cycle(app):
    return make_cycle()


def list_at(cycle, query: str = "") -> str:
    return f"/organiser/cycles/{cycle.slug}/nominations" + (f"?{query}" if query else "")


def screen_url(cycle, query: str = "") -> str:
    return f"/organiser/cycles/{cycle.slug}/nominations/screen" + (f"?{query}" if query else "")


def banners(response) -> list[str]:
    html = response.get_data(as_text=True)
    blocks = re.findall(r'<div class="govuk-notification-banner.*?</div>\s*</div>', html, re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", b))).strip() for b in blocks]


def ticked(response) -> set[str]:
    html = response.get_data(as_text=True)
    return set(
        re.findall(
            r'<input class="govuk-checkboxes__input"[^>]*name="nominations"[^>]*'
            r'value="([^"]+)"[^>]*\bchecked',
            html,
        )
    )


def offered(response) -> set[str]:
    html = response.get_data(as_text=True)
    return set(re.findall(r'<input class="govuk-checkboxes__input"[^>]*name="nominations"[^>]*value="([^"]+)"', html))


def hidden_fields(response) -> list[tuple[str, str]]:
    html = response.get_data(as_text=True)
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
        if name != "csrf_token"
    ]


def textarea(response, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S)
    return unescape(match.group(1)).strip() if match else None


def reread(nomination) -> Nomination:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id)


def test_several_nominations_are_marked_not_eligible_with_one_reason_and_an_email_each(
    organiser_client, organiser, cycle, outbox
):
    people = [make_user(name=f"Nominator {i}", email=f"nominator{i}@example.gov.uk") for i in range(3)]
    first, second, third = (
        make_nomination(cycle, nominator=p, title=f"Project “{i}” & co") for i, p in enumerate(people)
    )
    untouched = make_nomination(cycle, title="Not ticked")
    draft = make_nomination(cycle, status="draft", title="Still a draft")

    page = organiser_client.get(list_at(cycle, "status=submitted"))
    assert offered(page) == {first.reference, second.reference, third.reference, untouched.reference}
    assert draft.reference not in offered(page)  # a draft has no tick box: it cannot be screened
    assert "To screen several nominations at once, select them" in main_text(page)

    # The list posts the ticked ones and the button pressed; nothing changes yet.
    chosen = {"nominations": [first.reference, second.reference, third.reference], "decision": "ineligible"}
    confirm = organiser_client.post_form(screen_url(cycle, "status=submitted"), chosen, token_from=list_at(cycle))
    assert confirm.status_code == 200
    text = main_text(confirm)
    assert "Mark 3 nominations as not eligible" in text
    for n in (first, second, third):
        assert f"{n.reference} {n.title}" in text
    assert untouched.reference not in text
    assert "We will email each nominator to tell them their nomination is not eligible." in text
    assert all(reread(n).status is NominationStatus.SUBMITTED for n in (first, second, third))
    assert outbox(kind="eligibility_ineligible") == []
    fields = hidden_fields(confirm)
    assert ("step", "confirm") in fields and ("decision", "ineligible") in fields
    assert [v for k, v in fields if k == "nominations"] == [first.reference, second.reference, third.reference]

    # Confirming without the reason: the error summary, and nothing lost.
    data = dict(
        fields,
        nominations=[first.reference, second.reference, third.reference],
        **{k: v for k, v in fields if k.startswith("version-")},
    )
    response = organiser_client.post_form(
        screen_url(cycle, "status=submitted"), {**data, "reason": "  "}, token_from=list_at(cycle)
    )
    assert response.status_code == 200
    assert error_summary(response) == [("#reason", "Enter the reason the nominations are not eligible")]
    assert "Mark 3 nominations as not eligible" in main_text(response)
    assert outbox(kind="eligibility_ineligible") == []

    reason = "The work started after the cut-off date of 1 April 2025 & “entry rule 3” applies."
    done = organiser_client.post_form(
        screen_url(cycle, "status=submitted"), {**data, "reason": reason}, token_from=list_at(cycle)
    )
    assert done.status_code == 302
    assert done.headers["Location"] == list_at(cycle, "status=submitted")
    for n in (first, second, third):
        n = reread(n)
        assert (n.status, n.eligibility, n.eligibility_reason) == (
            NominationStatus.INELIGIBLE,
            Eligibility.INELIGIBLE,
            reason,
        )
        assert n.eligibility_decided_by_id == organiser.id
    assert reread(untouched).status is NominationStatus.SUBMITTED and reread(untouched).eligibility is None
    emails = outbox(kind="eligibility_ineligible")
    assert sorted(m.to_address for m in emails) == sorted(p.email for p in people)
    assert all(reason in m.body_text for m in emails)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.eligibility")).all()
    assert sorted(e.object_id for e in events) == sorted(str(n.id) for n in (first, second, third))
    assert all(e.actor_id == organiser.id and e.detail["reason"] == reason for e in events)

    after = organiser_client.get(done.headers["Location"])
    assert banners(after) == [
        f"Success 3 nominations marked not eligible: {first.reference}, {second.reference} and "
        f"{third.reference}. We have emailed their nominators."
    ]


def test_marking_eligible_needs_no_reason_and_says_what_was_already_so(organiser_client, cycle, outbox):
    earlier = make_nomination(cycle)
    later = make_nomination(cycle)
    db.session.add_all([earlier, later])
    earlier.eligibility = Eligibility.ELIGIBLE
    earlier.eligibility_reason = ""
    db.session.commit()

    confirm = organiser_client.post_form(
        screen_url(cycle),
        {"nominations": [earlier.reference, later.reference], "decision": "eligible"},
        token_from=list_at(cycle),
    )
    assert "Mark 2 nominations as eligible" in main_text(confirm)
    assert "Reason (optional)" in main_text(confirm)
    data = {k: v for k, v in hidden_fields(confirm) if k != "nominations"}
    data["nominations"] = [earlier.reference, later.reference]
    done = organiser_client.post_form(screen_url(cycle), {**data, "reason": ""}, token_from=list_at(cycle))
    assert done.status_code == 302
    assert reread(later).eligibility is Eligibility.ELIGIBLE
    assert [m.to_address for m in outbox(kind="eligibility_eligible")] == [later.nominator.email]
    assert banners(organiser_client.get(done.headers["Location"])) == [
        f"Success 1 nomination marked eligible: {later.reference}. We have emailed its nominator.",
        f"Important {earlier.reference} was already marked eligible, so nothing changed for it.",
    ]


def test_nominations_that_cannot_be_screened_are_reported_not_skipped(organiser_client, cycle, outbox):
    ready = make_nomination(cycle)
    draft = make_nomination(cycle, status="draft")
    withdrawn = make_nomination(cycle, status="withdrawn")
    elsewhere = make_nomination(make_cycle(name="Another cycle", year=2025))

    chosen = [ready.reference, draft.reference, withdrawn.reference, elsewhere.reference]
    confirm = organiser_client.post_form(
        screen_url(cycle), {"nominations": chosen, "decision": "ineligible"}, token_from=list_at(cycle)
    )
    text = main_text(confirm)
    assert "Mark 1 nomination as not eligible" in text
    assert "3 nominations will be left as they are" in text
    assert f"{draft.reference}: This nomination is still a draft." in text
    assert f"{withdrawn.reference}: The nominator withdrew this nomination, so it cannot be screened." in text
    assert f"{elsewhere.reference}: There is no nomination with this reference in this cycle." in text
    # Only the one that can be screened goes on to the confirmation.
    assert [v for k, v in hidden_fields(confirm) if k == "nominations"] == [ready.reference]

    # Between the confirmation and the click, the nominee withdraws: reported, and the others still go.
    second = make_nomination(cycle)
    confirm = organiser_client.post_form(
        screen_url(cycle),
        {"nominations": [ready.reference, second.reference], "decision": "ineligible"},
        token_from=list_at(cycle),
    )
    data = {k: v for k, v in hidden_fields(confirm) if k != "nominations"}
    data["nominations"] = [ready.reference, second.reference]
    gone = reread(second)
    gone.status = NominationStatus.WITHDRAWN
    db.session.commit()
    done = organiser_client.post_form(
        screen_url(cycle), {**data, "reason": "Outside the entry rules"}, token_from=list_at(cycle)
    )
    assert done.status_code == 302
    assert reread(ready).status is NominationStatus.INELIGIBLE
    assert reread(second).status is NominationStatus.WITHDRAWN
    assert banners(organiser_client.get(done.headers["Location"])) == [
        f"Success 1 nomination marked not eligible: {ready.reference}. We have emailed its nominator.",
        f"Important 1 nomination was not screened. {second.reference}: The nominator withdrew this nomination, "
        "so it cannot be screened.",
    ]
    assert [m.to_address for m in outbox(kind="eligibility_ineligible")] == [ready.nominator.email]


def test_a_nomination_changed_after_the_confirmation_is_reported_and_left(organiser_client, cycle, outbox):
    changed, steady = make_nomination(cycle), make_nomination(cycle)
    confirm = organiser_client.post_form(
        screen_url(cycle),
        {"nominations": [changed.reference, steady.reference], "decision": "ineligible"},
        token_from=list_at(cycle),
    )
    data = {k: v for k, v in hidden_fields(confirm) if k != "nominations"}
    data["nominations"] = [changed.reference, steady.reference]
    edited = reread(changed)
    edited.title = "Edited by the nominee after the organiser looked"
    db.session.commit()
    done = organiser_client.post_form(
        screen_url(cycle), {**data, "reason": "Outside the entry rules"}, token_from=list_at(cycle)
    )
    assert done.status_code == 302
    assert reread(changed).status is NominationStatus.SUBMITTED and reread(changed).eligibility is None
    assert reread(steady).status is NominationStatus.INELIGIBLE
    assert f"{changed.reference}: It changed after you chose it. Check it, then decide again." in " ".join(
        banners(organiser_client.get(done.headers["Location"]))
    )


def test_choosing_nothing_shows_the_error_on_the_list(organiser_client, cycle):
    first = make_nomination(cycle)
    make_nomination(cycle)
    response = organiser_client.post_form(screen_url(cycle), {"decision": "eligible"}, token_from=list_at(cycle))
    assert response.status_code == 200
    assert error_summary(response) == [("#nominations", "Select the nominations you want to mark")]
    html = response.get_data(as_text=True)
    assert re.search(rf'<input class="govuk-checkboxes__input" id="nominations"[^>]*value="{first.reference}"', html), (
        "the error summary's link lands on the first tick box"
    )
    assert "<title>Error: Nominations" in html
    assert "Nominations" in main_text(response) and first.reference in main_text(response)


def test_the_decision_is_one_transaction(organiser_client, cycle, outbox, monkeypatch):
    """If anything fails half-way, no nomination is decided and no e-mail is queued."""
    from awards.domain.nominations import screening

    first, second = make_nomination(cycle), make_nomination(cycle)
    confirm = organiser_client.post_form(
        screen_url(cycle),
        {"nominations": [first.reference, second.reference], "decision": "ineligible"},
        token_from=list_at(cycle),
    )
    data = {k: v for k, v in hidden_fields(confirm) if k != "nominations"}
    data["nominations"] = [first.reference, second.reference]
    real = screening.decide_eligibility
    calls = []

    def second_one_breaks(nomination, *args, **kwargs):
        calls.append(nomination.reference)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(nomination, *args, **kwargs)

    monkeypatch.setattr(screening, "decide_eligibility", second_one_breaks)
    with pytest.raises(RuntimeError):
        organiser_client.post_form(
            screen_url(cycle), {**data, "reason": "Outside the entry rules"}, token_from=list_at(cycle)
        )
    assert calls == [first.reference, second.reference]
    assert reread(first).status is NominationStatus.SUBMITTED and reread(second).status is NominationStatus.SUBMITTED
    assert outbox(kind="eligibility_ineligible") == []


def test_a_long_reason_is_refused_and_kept(organiser_client, cycle):
    first = make_nomination(cycle)
    confirm = organiser_client.post_form(
        screen_url(cycle), {"nominations": [first.reference], "decision": "ineligible"}, token_from=list_at(cycle)
    )
    data = {k: v for k, v in hidden_fields(confirm) if k != "nominations"}
    long_reason = "Too long. " * 201
    response = organiser_client.post_form(
        screen_url(cycle), {**data, "nominations": [first.reference], "reason": long_reason}, token_from=list_at(cycle)
    )
    assert response.status_code == 200
    assert error_summary(response) == [("#reason", "Reason must be 2,000 characters or fewer")]
    assert textarea(response, "reason") == long_reason.strip()
    assert reread(first).status is NominationStatus.SUBMITTED
