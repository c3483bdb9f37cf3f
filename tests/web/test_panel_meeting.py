"""The final round's panel meeting, per category: who reaches it (organisers; judges on the final round's
panel for that category; nobody else), what it shows (each judge's work side by side with the round's
results, nothing of an entry the viewer is conflicted with), decisions with a rationale written as the
cycle's shortlist decisions (one winner per category, audited with whoever decided), closing (read-only,
decisions refused everywhere) and reopening with a reason, and publication waiting for every meeting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.judging import rounds as round_rules
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    AuditEvent,
    NominationStatus,
    PanelMeeting,
    Result,
    Review,
    ShortlistDecision,
)
from tests.factories import add_conflict, make_cycle, make_nomination
from tests.support.clients import signed_in_client
from tests.support.meetings import add_final_round, meeting_judge, score_in
from tests.support.pages import form_values
from tests.support.visible import error_messages, error_summary, links_in, main_text, page_text


@pytest.fixture
def world(app, organiser):
    """A cycle in judging with a final round 2 judging the entries advanced into it: in category A "Smarter
    bins" and "Quiet libraries" (and "Left behind", not advanced); in category B "Bus data". The final
    round's panel: Alice for A, Bob for every category (conflicted with "Quiet libraries"), Cara for B; Dev
    judges the cycle but is not on the final panel."""
    cycle = make_cycle(status="judging")
    cat_a, cat_b = cycle.categories[:2]
    alice, bob, cara, dev = (
        meeting_judge(cycle, n) for n in ("Alice Able", "Bob Bright", "Cara Careful", "Dev Distant")
    )
    bins = make_nomination(cycle, category=cat_a, title="Smarter bins")
    libraries = make_nomination(cycle, category=cat_a, title="Quiet libraries")
    left = make_nomination(cycle, category=cat_a, title="Left behind")
    buses = make_nomination(cycle, category=cat_b, title="Bus data")
    final = add_final_round(cycle, organiser, (bins, libraries, buses), suggested=True)
    round_rules.set_panel(
        final,
        by=organiser,
        whole_panel=False,
        members={
            alice.id: round_rules.PanelChoice(category_ids=[cat_a.id]),
            bob.id: round_rules.PanelChoice(),
            cara.id: round_rules.PanelChoice(category_ids=[cat_b.id]),
        },
    )
    db.session.commit()
    add_conflict(bob, libraries)
    score_in(final, alice, bins, 9, comment="Clear savings shown", overall="A strong finalist")
    score_in(final, dev, bins, 7, comment="Good but costly")
    score_in(final, alice, libraries, 4, comment="Libraries secret remark", overall="Weak evidence")
    score_in(final, cara, buses, 8)
    return SimpleNamespace(
        cycle=cycle,
        final=final,
        cat_a=cat_a,
        cat_b=cat_b,
        alice=alice,
        bob=bob,
        cara=cara,
        dev=dev,
        bins=bins,
        libraries=libraries,
        left=left,
        buses=buses,
    )


def organiser_url(w, category=None, tail: str = "", number: int | None = None) -> str:
    category = category or w.cat_a
    return f"/organiser/cycles/{w.cycle.slug}/rounds/{number or w.final.number}/meeting/{category.slug}{tail}"


def judge_url(w, category=None, number: int | None = None) -> str:
    category = category or w.cat_a
    return f"/judging/cycles/{w.cycle.slug}/rounds/{number or w.final.number}/meeting/{category.slug}"


def as_user(app, judge):
    return signed_in_client(app, judge.user)


def decision_of(nomination) -> ShortlistDecision | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(ShortlistDecision).where(ShortlistDecision.nomination_id == nomination.id))


def decide_form(nomination, result: str, rationale: str) -> dict:
    ref = nomination.reference
    return {"entry": ref, f"{ref}-result": result, f"{ref}-rationale": rationale}


# ------------------------------------------------------------------ what the page shows


def test_the_organiser_sees_every_entry_of_the_category_with_each_judges_work(organiser_client, world):
    w = world
    response = organiser_client.get(organiser_url(w))
    assert response.status_code == 200
    text = main_text(response)
    assert "Panel meeting: " + w.cat_a.name in text
    assert "Round 2: Final panel" in text
    # the advanced entries of the category, in the round's order; not the one left behind, not category B's
    assert "Smarter bins" in text and "Quiet libraries" in text
    assert text.index("Smarter bins") < text.index("Quiet libraries")
    assert "Left behind" not in text and "Bus data" not in text
    # each judge's scores side by side, with their comments, and the entry's raw and normalised scores
    bins_part = text[text.index("Smarter bins") : text.index("Quiet libraries")]
    assert "Alice Able" in bins_part and "Dev Distant" in bins_part
    assert "Clear savings shown" in bins_part and "Good but costly" in bins_part and "A strong finalist" in bins_part
    assert "Raw score" in bins_part and "Normalised score" in bins_part
    assert "Submitted reviews 2 of 2" in bins_part
    assert "Disagreement" in bins_part
    assert "Decision None yet" in bins_part
    assert "Place in the round 1" in bins_part
    assert "Close the meeting" in text


def test_round_1_has_no_meeting_and_a_category_must_exist(organiser_client, world):
    assert organiser_client.get(organiser_url(world, number=1)).status_code == 404
    missing = f"/organiser/cycles/{world.cycle.slug}/rounds/2/meeting/no-such-category"
    assert organiser_client.get(missing).status_code == 404


def test_a_panel_judge_of_the_category_sees_the_meeting(app, world):
    client = as_user(app, world.alice)
    response = client.get(judge_url(world))
    assert response.status_code == 200
    text = main_text(response)
    assert "Smarter bins" in text and "Quiet libraries" in text and "Clear savings shown" in text
    assert "Close the meeting" not in text


def test_judges_off_the_panel_or_of_another_category_get_404(app, world, nominee, organiser):
    assert as_user(app, world.cara).get(judge_url(world)).status_code == 404  # panel of category B only
    assert as_user(app, world.cara).get(judge_url(world, world.cat_b)).status_code == 200
    assert as_user(app, world.alice).get(judge_url(world, world.cat_b)).status_code == 404
    assert as_user(app, world.dev).get(judge_url(world)).status_code == 404  # judges the cycle, not the final panel
    assert as_user(app, world.alice).get(judge_url(world, number=1)).status_code == 404  # not the final round
    assert signed_in_client(app, nominee).get(judge_url(world)).status_code == 403
    assert signed_in_client(app, organiser).get(judge_url(world)).status_code == 403
    other = make_cycle(name="Other Awards", year=2027, status="judging")
    stranger = meeting_judge(other, "Sam Stranger")
    assert as_user(app, stranger).get(judge_url(world)).status_code == 404
    # and the organisers' address is theirs alone
    assert as_user(app, world.alice).get(organiser_url(world)).status_code == 403


def test_a_conflicted_judge_sees_no_trace_of_the_entry(app, world):
    response = as_user(app, world.bob).get(judge_url(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Smarter bins" in page_text(response)
    for trace in ("Quiet libraries", world.libraries.reference, "Libraries secret remark", "Weak evidence"):
        assert trace not in html
    # no places either: a gap would show where the hidden entry falls
    assert "Place in the round" not in html


def test_a_conflicted_judge_cannot_decide_the_entry(app, world):
    client = as_user(app, world.bob)
    response = client.post_form(judge_url(world), decide_form(world.libraries, "winner", "We all agree"))
    assert response.status_code == 404
    assert decision_of(world.libraries) is None


# ------------------------------------------------------------------ decisions


def test_a_panel_judge_records_a_decision_with_its_rationale(app, world):
    client = as_user(app, world.alice)
    response = client.post_form(judge_url(world), decide_form(world.bins, "winner", "Best value for residents"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#entry-{world.bins.reference}")
    decision = decision_of(world.bins)
    assert decision.result is Result.WINNER and decision.rationale == "Best value for residents"
    assert decision.decided_by_id == world.alice.user_id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "shortlist.decided").order_by(AuditEvent.id.desc())
    )
    assert event.actor_id == world.alice.user_id
    page = main_text(client.get(judge_url(world)))
    assert f"The panel’s decision for {world.bins.reference}: Winner" in page
    assert "Decision Winner: Best value for residents (Alice Able)" in page


def test_a_decision_needs_a_rationale_and_keeps_what_was_typed(organiser_client, world):
    response = organiser_client.post_form(organiser_url(world), decide_form(world.bins, "shortlisted", "   "))
    assert response.status_code == 200
    ref = world.bins.reference
    assert error_summary(response) == [(f"#{ref}-rationale", "Give the panel’s reason for the decision")]
    # the entry's own form (the first on the page) keeps the choice
    assert form_values(response) == {"entry": ref, f"{ref}-result": "shortlisted", f"{ref}-rationale": ""}
    assert decision_of(world.bins) is None
    response = organiser_client.post_form(organiser_url(world), {"entry": ref, f"{ref}-rationale": "Because"})
    assert error_messages(response) == ["Select the panel’s decision"]
    assert "Because" in response.get_data(as_text=True)


def test_one_winner_per_category(organiser_client, world):
    organiser_client.post_form(organiser_url(world), decide_form(world.bins, "winner", "Clear winner"))
    response = organiser_client.post_form(organiser_url(world), decide_form(world.libraries, "winner", "We prefer it"))
    assert response.status_code == 200
    assert error_messages(response) == [
        f"{world.bins.reference} is already the winner of this category: change it first"
    ]
    assert decision_of(world.libraries) is None
    # the same entry in another category's meeting is no winner's rival
    response = organiser_client.post_form(
        organiser_url(world, world.cat_b), decide_form(world.buses, "winner", "Best in its category")
    )
    assert response.status_code == 302 and decision_of(world.buses).result is Result.WINNER


def test_an_entry_of_another_category_cannot_be_decided_here(organiser_client, world):
    response = organiser_client.post_form(organiser_url(world), decide_form(world.buses, "winner", "Sneaky"))
    assert response.status_code == 404
    response = organiser_client.post_form(organiser_url(world), decide_form(world.left, "winner", "Not advanced"))
    assert response.status_code == 404
    assert decision_of(world.buses) is None and decision_of(world.left) is None


def test_the_panel_decides_only_while_the_cycle_is_in_judging(organiser_client, world):
    world.cycle.status = "open"
    db.session.commit()
    response = organiser_client.post_form(organiser_url(world), decide_form(world.bins, "winner", "Too early"))
    assert error_messages(response) == ["The panel records its decisions once the cycle is in judging"]


# ------------------------------------------------------------------ closing and reopening


def close(client, w, category=None):
    return client.post_form(organiser_url(w, category, "/close"))


def test_closing_locks_the_meeting_for_everyone(app, organiser_client, organiser, world):
    organiser_client.post_form(organiser_url(world), decide_form(world.bins, "winner", "Clear winner"))
    confirm = organiser_client.get(organiser_url(world, tail="/close"))
    assert confirm.status_code == 200
    assert f"Close the panel meeting for {world.cat_a.name}?" in main_text(confirm)
    assert "1 entry has no decision yet." in main_text(confirm)
    response = close(organiser_client, world)
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(PanelMeeting).where(PanelMeeting.round_id == world.final.id))
    assert meeting.category_id == world.cat_a.id and meeting.closed_by_id == organiser.id
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "panel_meeting.closed")) == (
        organiser.id
    )
    for client, url in ((organiser_client, organiser_url(world)), (as_user(app, world.alice), judge_url(world))):
        page = client.get(url)
        text = main_text(page)
        assert "This meeting was closed on" in text and "by Omar Organiser" in text
        assert "Save the decision" not in text and 'name="entry"' not in page.get_data(as_text=True)
        assert ("Reopen the meeting" in text) is (client is organiser_client)  # reopening is the organisers'
    # a decision is refused, from the meeting and from the results page alike
    response = as_user(app, world.alice).post_form(
        judge_url(world), decide_form(world.libraries, "shortlisted", "Late change"), follow_redirects=True
    )
    assert f"The panel meeting for {world.cat_a.name} is closed, so its decisions can no longer change" in (
        main_text(response)
    )
    response = organiser_client.post_form(
        f"/organiser/cycles/{world.cycle.slug}/shortlist/{world.libraries.reference}",
        {"result": "shortlisted", "rationale": "Late change"},
    )
    assert f"The panel meeting for {world.cat_a.name} is closed" in page_text(response)
    assert decision_of(world.libraries) is None
    # closing twice says so
    again = close(organiser_client, world)
    assert again.status_code == 302 and decision_of(world.bins).result is Result.WINNER


def test_only_organisers_close(app, world):
    client = as_user(app, world.alice)
    assert client.post_form(organiser_url(world, tail="/close")).status_code == 403
    assert db.session.scalar(sa.select(PanelMeeting.id)) is None


def test_reopening_needs_a_reason_and_is_audited(organiser_client, world):
    assert organiser_client.get(organiser_url(world, tail="/reopen")).status_code == 302  # open: nothing to reopen
    close(organiser_client, world)
    page = organiser_client.get(organiser_url(world, tail="/reopen"))
    assert page.status_code == 200 and "Reopen the panel meeting for" in main_text(page)
    response = organiser_client.post_form(organiser_url(world, tail="/reopen"), {"reason": ""})
    assert error_messages(response) == ["Give the reason for reopening the meeting"]
    response = organiser_client.post_form(organiser_url(world, tail="/reopen"), {"reason": "The panel met again"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(PanelMeeting.id)) is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "panel_meeting.reopened"))
    assert event.detail["reason"] == "The panel met again"
    response = organiser_client.post_form(organiser_url(world), decide_form(world.bins, "shortlisted", "Reconsidered"))
    assert response.status_code == 302


# ------------------------------------------------------------------ publication


def test_publication_waits_for_every_meeting_then_takes_their_decisions(organiser_client, world):
    organiser_client.post_form(organiser_url(world), decide_form(world.bins, "winner", "Clear winner"))
    organiser_client.post_form(organiser_url(world), decide_form(world.libraries, "not_shortlisted", "Too thin"))
    organiser_client.post_form(
        organiser_url(world, world.cat_b), decide_form(world.buses, "highly_commended", "Promising")
    )
    # The rounds page leads to each meeting.
    rounds_page = organiser_client.get(f"/organiser/cycles/{world.cycle.slug}/rounds")
    assert "Panel meetings of Round 2: Final panel" in page_text(rounds_page)
    assert f'href="{organiser_url(world, world.cat_b)}"' in rounds_page.get_data(as_text=True)
    publish = f"/organiser/cycles/{world.cycle.slug}/publish"
    response = organiser_client.post_form(publish, follow_redirects=True)
    assert (
        f"The panel meetings of Round 2: Final panel for {world.cat_a.name} and {world.cat_b.name} are not closed yet"
        in page_text(response)
    )
    close(organiser_client, world)
    # The publish page says so before anyone presses a button: the open meeting is linked, no button to press.
    page = organiser_client.get(publish)
    text = page_text(page)
    assert f"The panel meeting is still open for: {world.cat_b.name}" in text
    assert "The results take the decisions of Round 2: Final panel: close every meeting, then publish." in text
    assert "Publish results" not in text
    assert f'href="{organiser_url(world, world.cat_b)}"' in page.get_data(as_text=True)
    response = organiser_client.post_form(publish, follow_redirects=True)
    assert f"The panel meeting of Round 2: Final panel for {world.cat_b.name} is not closed yet" in page_text(response)
    db.session.expire_all()
    assert world.bins.status is NominationStatus.SUBMITTED  # nothing published yet
    close(organiser_client, world, world.cat_b)
    response = organiser_client.post_form(publish)
    assert response.status_code == 302
    db.session.expire_all()
    assert world.bins.status is NominationStatus.WINNER
    assert world.buses.status is NominationStatus.HIGHLY_COMMENDED
    assert world.libraries.status is NominationStatus.SUBMITTED


# ------------------------------------------------------------------ finding the meetings, and the page's cost


def test_the_meeting_links_list_each_category_of_the_final_round(app, world):
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string(
            '{% from "organiser/judging/meeting_links.html" import meeting_links %}{{ meeting_links(cycle) }}',
            cycle=world.cycle,
        )
    assert "Panel meetings of Round 2: Final panel" in html
    assert f'href="{organiser_url(world)}"' in html and f'href="{organiser_url(world, world.cat_b)}"' in html
    world.final.is_final = False
    db.session.commit()
    with app.test_request_context():
        html = render_template_string(
            '{% from "organiser/judging/meeting_links.html" import meeting_links %}{{ meeting_links(cycle) }}',
            cycle=world.cycle,
        )
    assert html.strip() == ""


def test_the_page_runs_the_same_queries_for_two_entries_or_six(app, organiser_client, world):
    from tests.support.queries import counting_queries

    organiser_client.get(organiser_url(world))  # warm up
    with counting_queries() as few:
        assert organiser_client.get(organiser_url(world)).status_code == 200
    judges = [world.alice, world.dev, world.bob]
    for i in range(4):
        nomination = make_nomination(world.cycle, category=world.cat_a, title=f"More work {i}")
        db.session.add(
            Advancement(round_id=world.final.id, nomination_id=nomination.id, suggested=False, created_at=utcnow())
        )
        db.session.commit()
        score_in(world.final, judges[i % 3], nomination, 3 + i, comment=f"Note {i}")
        score_in(world.final, judges[(i + 1) % 3], nomination, 4 + i)
    organiser_client.post_form(organiser_url(world), decide_form(world.bins, "shortlisted", "On the list"))
    with counting_queries() as many:
        response = organiser_client.get(organiser_url(world))
    assert response.status_code == 200 and "More work 3" in page_text(response)
    assert many["n"] == few["n"]


@pytest.mark.parametrize("mode", ["pass_fail", "ranking"])
def test_a_final_round_judged_by_verdicts_or_rankings_shows_them(organiser_client, world, mode):
    world.final.mode = mode
    for review in db.session.scalars(sa.select(Review).join(Assignment).where(Assignment.round_id == world.final.id)):
        if mode == "pass_fail":
            review.verdict = "pass" if review.assignment.nomination_id == world.bins.id else "fail"
        else:
            review.rank = 1 if review.assignment.nomination_id == world.bins.id else 2
    db.session.commit()
    text = main_text(organiser_client.get(organiser_url(world)))
    bins_part = text[text.index("Smarter bins") : text.index("Quiet libraries")]
    if mode == "pass_fail":
        assert "Verdicts 2 pass, 0 unsure, 0 fail: passes" in bins_part
        assert "Verdict Pass Pass" in bins_part
    else:
        assert "Ranked by 2 judges, Borda points 1.00, first places 2" in bins_part
        assert "Place in their ranking 1 1" in bins_part
    assert "Raw score" not in text and "Evidenced outcomes" not in text  # no criteria in these modes


def test_the_canary_reaches_no_panel_judge_of_a_blind_final_round(app, organiser_client, organiser):
    """The leak canary (tests/canary.py) in every field of an entry, redacted by the organisers: a judge of
    the blind final round's panel reads its meeting page without any of it; a conflicted one not even its
    reference."""
    from tests.canary import assert_no_canary, plant_canary_nomination, redact_everything

    cycle = make_cycle(status="judging")
    canary = plant_canary_nomination(cycle)
    redact_everything(organiser_client, cycle, canary)
    final = cycle.rounds[0]
    final.is_final = True
    assert final.blind
    db.session.commit()
    judge = meeting_judge(cycle, "Penny Panel")
    conflicted = meeting_judge(cycle, "Connie Conflicted")
    add_conflict(conflicted, canary)
    score_in(final, judge, canary, 7, comment="Solid outcomes", overall="A finalist")
    url = f"/judging/cycles/{cycle.slug}/rounds/{final.number}/meeting/{canary.category.slug}"
    response = as_user(app, judge).get(url)
    assert response.status_code == 200 and "Solid outcomes" in main_text(response)
    assert canary.reference in main_text(response)
    assert_no_canary(response.get_data(), "a panel judge's meeting page", form=True)
    response = as_user(app, conflicted).get(url)
    assert response.status_code == 200 and canary.reference not in response.get_data(as_text=True)
    assert_no_canary(response.get_data(), "a conflicted panel judge's meeting page", form=True)


def test_the_judges_page_lists_their_panel_meetings(app, organiser_client, world):
    alice = as_user(app, world.alice)
    text = main_text(alice.get("/judging/"))
    assert "Panel meetings" in text
    assert f"{world.cycle.name}, Round 2: Final panel {world.cat_a.name}" in text  # the round once, then each category
    assert links_in(alice.get("/judging/").get_data(as_text=True))[
        f"{world.cat_a.name} meeting of {world.cycle.name}, Round 2: Final panel"
    ] == judge_url(world)
    assert world.cat_b.name not in text.split("Panel meetings", 1)[1].split("Before you score", 1)[0]
    assert f'href="{judge_url(world)}"' in alice.get("/judging/").get_data(as_text=True)
    close(organiser_client, world)
    closed = main_text(alice.get("/judging/"))
    assert f"{world.cat_a.name} meeting of {world.cycle.name}, Round 2: Final panel (closed)" in closed
    bob_text = main_text(as_user(app, world.bob).get("/judging/"))
    assert world.cat_a.name in bob_text and world.cat_b.name in bob_text  # Bob sits on every category's meeting
    assert "Panel meetings" not in main_text(as_user(app, world.dev).get("/judging/"))  # not on the final panel
