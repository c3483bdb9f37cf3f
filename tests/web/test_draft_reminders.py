"""Reminders to nominees whose nominations are still drafts: the cron command (`flask remind-drafts`)
and the organiser's button each e-mail every draft's nominee once, through the outbox; submitted,
withdrawn and closed cycles' nominations are never reminded."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.errors import NotAllowed
from awards.domain.nominations import draft_reminders
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import AuditEvent, Nomination
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.dates import utc
from tests.support.visible import text_of, visible_texts

UTC = UTC


CLOSE = utc(2026, 6, 28, 16)  # 5pm on 28 June 2026 in London (summer time)
WITHIN_A_WEEK = utc(2026, 6, 22, 12)
EARLY = utc(2026, 5, 1, 9)


@pytest.fixture
def drafts(app, nominee):
    """An open cycle closing at CLOSE with three drafts (two of Nina's, one of Dafydd's, whose every
    section is complete), a submitted and a withdrawn nomination; a second open cycle closing in
    September (in New York) with a draft; a closed cycle with a draft."""
    cycle = make_cycle(open_at=utc(2026, 3, 2, 9), close_at=CLOSE)
    dafydd = make_user(name="Dafydd ap Siôn & “Co” 🐉", email="dafydd@gwynedd.gov.uk")
    mine = make_nomination(
        cycle,
        nominator=nominee,
        status="draft",
        complete=False,
        title="Ein prosiect & “hyn” 🌱",
        summary="Crynodeb byr.",
        organisation_name="Cyngor Gwynedd",
        touched_sections="organisation,project",
    )
    other_of_mine = make_nomination(cycle, nominator=nominee, status="draft", complete=False)
    complete = make_nomination(cycle, nominator=dafydd, status="draft", title="All done but not sent")
    submitted = make_nomination(cycle, status="submitted")
    withdrawn = make_nomination(cycle, status="withdrawn")
    later = make_cycle(
        name="Gwobrau Digidol 2027",
        year=2027,
        open_at=utc(2026, 3, 2, 9),
        close_at=utc(2026, 9, 30, 16),
        time_zone="America/New_York",
    )
    later_draft = make_nomination(later, status="draft", complete=False)
    closed = make_cycle(
        name="Old Awards 2025", year=2025, status="closed", open_at=utc(2025, 3, 2, 9), close_at=utc(2025, 6, 28, 16)
    )
    closed_draft = make_nomination(closed, status="draft", complete=False)
    return {
        "cycle": cycle,
        "later": later,
        "closed": closed,
        "mine": mine,
        "other_of_mine": other_of_mine,
        "complete": complete,
        "submitted": submitted,
        "withdrawn": withdrawn,
        "later_draft": later_draft,
        "closed_draft": closed_draft,
    }


def reminded_at(nomination) -> datetime | None:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id).draft_reminder_sent_at


def links(html: str) -> list[tuple[str, str]]:
    """Each link of the page or e-mail: (where it goes, its visible text)."""
    return [
        (href, text_of(inner)) for href, inner in re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    ]


def has_send_button(text: str) -> bool:
    return re.search(r"Send \d+ reminders?", text) is not None


def lines_of(message) -> list[str]:
    return [line.strip() for line in message.body_text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- the cron command


def test_the_command_reminds_each_draft_once_when_the_close_is_near(app, runner, outbox, drafts):
    cycle, later = drafts["cycle"], drafts["later"]
    version = drafts["mine"].version
    with time_machine.travel(WITHIN_A_WEEK, tick=False):
        result = runner.invoke(args=["remind-drafts"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Public Sector Digital Awards 2026 ({cycle.slug}): 3 reminders sent; nominations close at 5pm on "
        "28 June 2026 (Europe/London time).",
        f"Gwobrau Digidol 2027 ({later.slug}): no reminders sent. Nominations close at midday on 30 September 2026 "
        "(America/New_York time), more than 7 days from now.",
    ]
    sent = outbox("draft_reminder")
    assert sorted(m.to_address for m in sent) == [
        "dafydd@gwynedd.gov.uk",
        "nina@riverside.gov.uk",
        "nina@riverside.gov.uk",
    ]
    for key in ("mine", "other_of_mine", "complete"):
        assert reminded_at(drafts[key]) == WITHIN_A_WEEK
    # not a change of the nominee's answers: a section open in their browser still saves without a conflict
    assert db.session.get(Nomination, drafts["mine"].id).version == version
    for key in ("submitted", "withdrawn", "later_draft", "closed_draft"):
        assert reminded_at(drafts[key]) is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("%draft_reminder%"))).all()
    assert (
        sorted((e.action, e.actor_id) for e in events)
        == [("draft_reminders.sent", None)] + [("nomination.draft_reminder_sent", None)] * 3
    )
    assert {e.object_id for e in events if e.action == "nomination.draft_reminder_sent"} == {
        str(drafts[key].id) for key in ("mine", "other_of_mine", "complete")
    }

    # A second run (the next day's cron) sends nothing
    with time_machine.travel(utc(2026, 6, 23, 12), tick=False):
        again = runner.invoke(args=["remind-drafts"])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == (
        f"Public Sector Digital Awards 2026 ({cycle.slug}): 0 reminders sent; "
        "nominations close at 5pm on 28 June 2026 (Europe/London time)."
    )
    assert len(outbox("draft_reminder")) == 3
    assert reminded_at(drafts["mine"]) == WITHIN_A_WEEK


def test_the_email_says_when_nominations_close_what_is_left_and_links_to_the_nomination(
    app, runner, outbox, drafts, nominee_client, nominee
):
    mine, complete = drafts["mine"], drafts["complete"]
    with time_machine.travel(WITHIN_A_WEEK, tick=False):
        runner.invoke(args=["remind-drafts"])
    base = app.config["BASE_URL"].rstrip("/")
    [message] = [m for m in outbox("draft_reminder") if f"Reference: {mine.reference}" in m.body_text]
    assert message.subject == "Reminder: submit your nomination by 5pm on 28 June 2026"
    assert message.to_name == "Nina Nominee"
    lines = lines_of(message)
    assert lines[:6] == [
        "Dear Nina Nominee,",
        "Your nomination for Public Sector Digital Awards 2026 is not submitted yet. Nominations close at 5pm on "
        "28 June 2026 (Europe/London time). Only nominations submitted before then go to the judges.",
        f"Reference: {mine.reference}",
        "Project: Ein prosiect & “hyn” 🌱",
        f"Category: {mine.category.name}",
        "You have completed 1 of 9 sections. Still to complete:",
    ]
    assert lines[6:14] == [
        "- About the nominated organisation",
        "- Trends addressed",
        "- The challenge",
        "- The approach",
        "- Outcomes and impact",
        "- Unintended consequences and lessons",
        "- Supporting documents",
        "- Declarations",
    ]
    link = f"{base}/nominations/{mine.reference}"
    assert lines[14:16] == ["Carry on with your nomination:", link]
    html = " ".join(" ".join(visible_texts(message.body_html)).split())
    assert "Project: Ein prosiect & “hyn” 🌱" in html and "Nominations close at 5pm on 28 June 2026" in html
    assert links(message.body_html) == [(link, "Carry on with your nomination")]
    # the link opens the nominee's task list
    page = nominee_client.get(link.removeprefix(base))
    assert page.status_code == 200 and "Ein prosiect & “hyn” 🌱" in text_of(page.get_data(as_text=True))

    [done] = [m for m in outbox("draft_reminder") if f"Reference: {complete.reference}" in m.body_text]
    assert "Every section is complete: check your answers and submit the nomination." in lines_of(done)
    assert done.to_name == "Dafydd ap Siôn & “Co” 🐉"


def test_a_dry_run_sends_nothing(app, runner, outbox, drafts):
    with time_machine.travel(WITHIN_A_WEEK, tick=False):
        result = runner.invoke(args=["remind-drafts", "--dry-run", "--days", "120"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Public Sector Digital Awards 2026 ({drafts['cycle'].slug}): 3 reminders would be sent (dry run: nothing "
        "sent).",
        f"Gwobrau Digidol 2027 ({drafts['later'].slug}): 1 reminder would be sent (dry run: nothing sent).",
    ]
    assert outbox("draft_reminder") == []
    assert reminded_at(drafts["mine"]) is None


def test_more_days_reaches_a_later_close(app, runner, outbox, drafts):
    with time_machine.travel(WITHIN_A_WEEK, tick=False):
        result = runner.invoke(args=["remind-drafts", "--days", "120"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        f"Gwobrau Digidol 2027 ({drafts['later'].slug}): 1 reminder sent; "
        "nominations close at midday on 30 September 2026 "
        "(America/New_York time)."
    )
    assert len(outbox("draft_reminder")) == 4
    assert reminded_at(drafts["closed_draft"]) is None


def test_a_closed_cycle_sends_nothing(app, runner, outbox, drafts):
    with time_machine.travel(utc(2026, 10, 1, 9), tick=False):  # both open cycles have passed their close
        result = runner.invoke(args=["remind-drafts", "--days", "1000"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["No cycle is open for nominations: no reminders sent."]
    assert outbox("draft_reminder") == []
    with pytest.raises(NotAllowed, match="Nominations have closed"):
        draft_reminders.send_draft_reminders(drafts["closed"], by=None)


def test_a_negative_number_of_days_is_refused(app, runner, drafts):
    result = runner.invoke(args=["remind-drafts", "--days", "-1"])
    assert result.exit_code != 0
    assert "Invalid value for '--days'" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- the organiser's button


def test_the_organiser_reminds_the_drafts_once_from_the_cycle_page(
    app, organiser, organiser_client, outbox, runner, drafts
):
    cycle = drafts["cycle"]
    url = f"/organiser/cycles/{cycle.slug}/draft-reminders"
    with time_machine.travel(EARLY, tick=False):  # nearly two months before the close: the organiser decides
        organiser_client.sign_in_as(organiser)
        cycle_page = organiser_client.get(f"/organiser/cycles/{cycle.slug}").get_data(as_text=True)
        assert (url, "Remind nominees to submit their drafts") in links(cycle_page)
        page = organiser_client.get(url)
        text = text_of(page.get_data(as_text=True))
        assert "Remind nominees to submit their drafts" in text
        assert "2 nominees will be emailed about 3 drafts they have not submitted (one email for each draft)." in text
        assert "Each email says that nominations close at 5pm on 28 June 2026 (Europe/London time)" in text
        assert re.findall(r"Send \d+ reminders?", text) == ["Send 3 reminders"]
        response = organiser_client.post_form(url, token_from=url)
        assert response.status_code == 302 and response.headers["Location"] == f"/organiser/cycles/{cycle.slug}"
        after = text_of(organiser_client.get(response.headers["Location"]).get_data(as_text=True))
        assert "Reminders sent to the nominees of 3 drafts in Public Sector Digital Awards 2026" in after
    assert len(outbox("draft_reminder")) == 3
    assert reminded_at(drafts["mine"]) == EARLY
    assert reminded_at(drafts["submitted"]) is None and reminded_at(drafts["withdrawn"]) is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "draft_reminders.sent")).all()
    assert [(e.actor_id, e.object_id, e.detail["sent"]) for e in events] == [(organiser.id, str(cycle.id), 3)]

    with time_machine.travel(utc(2026, 5, 2, 9), tick=False):
        organiser_client.sign_in_as(organiser)
        text = text_of(organiser_client.get(url).get_data(as_text=True))
        assert (
            "There is nobody to remind: the nominees of all 3 drafts in this cycle have been reminded already." in text
        )
        assert not has_send_button(text)
        response = organiser_client.post_form(url, token_from=url)  # a second press (another window) sends nothing
        assert response.status_code == 302
        after = text_of(organiser_client.get(response.headers["Location"]).get_data(as_text=True))
        assert "No reminders sent: every draft’s nominee has been reminded already" in after
    assert len(outbox("draft_reminder")) == 3

    # nor does the cron command, once the close is near
    with time_machine.travel(WITHIN_A_WEEK, tick=False):
        result = runner.invoke(args=["remind-drafts"])
    assert result.output.splitlines()[0].startswith(f"Public Sector Digital Awards 2026 ({cycle.slug}): 0 reminders")
    assert len(outbox("draft_reminder")) == 3


def test_a_new_draft_after_the_reminders_is_reminded_on_its_own(app, organiser, organiser_client, outbox, drafts):
    cycle = drafts["cycle"]
    url = f"/organiser/cycles/{cycle.slug}/draft-reminders"
    with time_machine.travel(EARLY, tick=False):
        organiser_client.sign_in_as(organiser)
        organiser_client.post_form(url, token_from=url)
        late = make_nomination(cycle, status="draft", complete=False)
        text = text_of(organiser_client.get(url).get_data(as_text=True))
        assert "1 nominee will be emailed about 1 draft they have not submitted." in text
        assert "The nominees of 3 other drafts have been reminded already and will not be emailed again." in text
        organiser_client.post_form(url, token_from=url)
    assert [m.to_address for m in outbox("draft_reminder")][3:] == [late.nominator.email]


def test_a_closed_cycle_offers_no_reminders(app, organiser, organiser_client, outbox, drafts):
    cycle = drafts["cycle"]
    url = f"/organiser/cycles/{cycle.slug}/draft-reminders"
    with time_machine.travel(CLOSE, tick=False):  # at the close instant, nominations are closed
        organiser_client.sign_in_as(organiser)
        cycle_page = text_of(organiser_client.get(f"/organiser/cycles/{cycle.slug}").get_data(as_text=True))
        assert "Remind nominees to submit their drafts" not in cycle_page
        page = organiser_client.get(url)
        text = text_of(page.get_data(as_text=True))
        assert "Nominations have closed, so drafts can no longer be submitted." in text
        assert not has_send_button(text)
        response = organiser_client.post_form(url, token_from=url)
        assert response.status_code == 409
        assert "Nominations have closed, so drafts can no longer be submitted." in text_of(
            response.get_data(as_text=True)
        )
    assert outbox("draft_reminder") == []
    assert reminded_at(drafts["mine"]) is None


# --------------------------------------------------------------------------- a designed form


def test_the_email_lists_the_sections_of_the_form_each_draft_is_asked(app, runner, outbox):
    """The sections left are the draft's own: a section the organiser added for one category is listed
    for a draft of that category only, and one shown after a "yes" only once the draft answered yes."""
    cycle = make_cycle(open_at=utc(2026, 3, 2, 9), close_at=CLOSE)
    leaders, others = cycle.categories[0], cycle.categories[1]
    definition = forms.definition_of(cycle, with_categories=True)
    definition["sections"][1]["questions"].append(
        {"key": "has_partner", "kind": "yes_no", "label": "Did a partner lead the work?", "required": False}
    )
    definition["sections"].insert(
        2,
        {
            "key": "leader",
            "title": "About the leader",
            "category_ids": [leaders.id],
            "questions": [{"key": "leader_name", "kind": "text", "label": "Leader’s name"}],
        },
    )
    definition["sections"].insert(
        3,
        {
            "key": "partner",
            "title": "About the partner",
            "condition": {"question": "has_partner", "values": ["yes"]},
            "questions": [{"key": "partner_role", "kind": "textarea", "label": "What did the partner do?"}],
        },
    )
    forms.install(cycle, definition, category_ids={c.id: c.id for c in cycle.categories})
    db.session.commit()
    leader_draft = make_nomination(cycle, category=leaders, status="draft", complete=False, has_partner=True)
    other_draft = make_nomination(cycle, category=others, status="draft", complete=False)

    with time_machine.travel(WITHIN_A_WEEK, tick=False):
        result = runner.invoke(args=["remind-drafts"])
    assert result.exit_code == 0, result.output
    sent = {m.body_text.split("Reference: ")[1].split()[0]: lines_of(m) for m in outbox("draft_reminder")}
    leader_lines, other_lines = sent[leader_draft.reference], sent[other_draft.reference]
    assert "You have completed 0 of 11 sections. Still to complete:" in leader_lines
    assert "- About the leader" in leader_lines and "- About the partner" in leader_lines
    assert "You have completed 0 of 9 sections. Still to complete:" in other_lines
    assert "- About the leader" not in other_lines and "- About the partner" not in other_lines
