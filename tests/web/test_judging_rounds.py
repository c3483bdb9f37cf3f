"""Judging in several rounds, from the judge's side and the organiser's progress, scores, redaction and
reminders: each round its own score sheet, criteria, closing and blind judging; a round not yet begun is
not shown; progress counts only the round's assignments; calibration examples are kept apart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.judging import blind_copies, progress, reviews
from awards.extensions import db
from awards.models import Advancement, Review, ReviewStatus
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.programme import add_round
from tests.support.visible import links_in, text_of

SHEET_VERSION = re.compile(r'name="version" value="(\d+)"')


def advance_into(judging_round, *nominations):
    """Advance the nominations into the round (which makes it begin)."""
    for nomination in nominations:
        db.session.add(Advancement(round_id=judging_round.id, nomination_id=nomination.id, created_at=utcnow()))
    db.session.commit()


@pytest.fixture
def two_rounds(app):
    """A cycle in judging with round 1 ("Judging", blind) and round 2 ("Final panel", not blind, two
    criteria of its own)."""
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    add_round(cycle, "Final panel", blind=False)
    return cycle


@pytest.fixture
def entry(two_rounds):
    return make_nomination(
        two_rounds,
        nominator=make_user(name="Nia Nominator", email="nia@riverside.gov.uk", organisation="Riverside Council"),
        title="Digital blue badges",
        organisation_name="Riverside Borough Council",
    )


@pytest.fixture
def member(two_rounds, judge):
    return make_judge(two_rounds, judge)


def judge_page(client, nomination, round_number=None):
    url = f"/judging/nominations/{nomination.reference}" + (f"?round={round_number}" if round_number else "")
    response = client.get(url)
    return response, response.get_data(as_text=True)


# ------------------------------------------------------------------ the judge's entry page


def test_the_latest_rounds_score_sheet_by_default_and_an_earlier_ones_by_address(
    judge_client, two_rounds, entry, member
):
    first, second = two_rounds.rounds
    early = make_assignment(member, entry, no_conflict_declared=True)
    late = make_assignment(member, entry, round_id=second.id, no_conflict_declared=True)
    make_review(early, status="draft")
    advance_into(second, entry)

    response, page = judge_page(judge_client, entry)
    assert response.status_code == 200
    assert "Round 2: Final panel" in text_of(page)
    assert {c.name for c in second.criteria} <= set(re.findall(r"<legend[^>]*>([^<]+)</legend>", page))
    assert first.criteria[0].name not in page
    assert f'action="/judging/nominations/{entry.reference}?round=2"' in page
    assert f'href="/judging/nominations/{entry.reference}?round=1"' in page  # "You also judge this entry in"

    response, page = judge_page(judge_client, entry, 1)
    assert response.status_code == 200
    assert "Round 1: Judging" in text_of(page)
    assert first.criteria[0].name in page and second.criteria[1].name not in page
    assert f'action="/judging/nominations/{entry.reference}?round=1"' in page
    assert "Draft last saved at" in text_of(page)

    # Saving round 2's sheet makes round 2's review, against round 2's criteria
    data = {f"score-{c.id}": "6" for c in second.criteria}
    version = SHEET_VERSION.search(judge_page(judge_client, entry)[1]).group(1)
    url = f"/judging/nominations/{entry.reference}?round=2"
    response = judge_client.post_form(url, {**data, "action": "submit", "version": version}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(sa.select(Review).where(Review.assignment_id == late.id))
    assert saved.status is ReviewStatus.SUBMITTED
    assert {s.criterion_id for s in saved.scores} == {c.id for c in second.criteria}
    assert db.session.scalar(sa.select(Review).where(Review.assignment_id == early.id)).status is ReviewStatus.DRAFT


def test_a_closed_earlier_round_is_read_only_while_the_later_one_is_open(judge_client, two_rounds, entry, member):
    first, second = two_rounds.rounds
    first.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    make_assignment(member, entry, no_conflict_declared=True)
    make_assignment(member, entry, round_id=second.id, no_conflict_declared=True)
    advance_into(second, entry)

    _, page = judge_page(judge_client, entry, 1)
    assert "Judging closed at" in text_of(page)
    assert 'id="score-sheet"' not in page
    url = f"/judging/nominations/{entry.reference}?round=1"
    data = {f"score-{c.id}": "5" for c in first.criteria}
    response = judge_client.post_form(url, {**data, "action": "draft", "version": "0"}, token_from=url)
    assert response.status_code == 409 and "Nothing was saved" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0

    _, page = judge_page(judge_client, entry)
    assert 'id="score-sheet"' in page and "Judging closed at" not in page


def test_a_round_not_yet_begun_is_not_shown_to_its_judges(judge_client, two_rounds, entry, member):
    second = two_rounds.rounds[1]
    make_assignment(member, entry, no_conflict_declared=True)
    make_assignment(member, entry, round_id=second.id, no_conflict_declared=True)

    page = judge_client.get("/judging/").get_data(as_text=True)
    text = text_of(page)
    assert "Round 1: Judging" in text and "Round 2: Final panel" not in text
    assert f'href="/judging/nominations/{entry.reference}?round=1"' in page
    assert "?round=2" not in page
    assert judge_page(judge_client, entry, 2)[0].status_code == 404
    response, page = judge_page(judge_client, entry)
    assert response.status_code == 200 and "Round 1: Judging" in text_of(page)
    assert judge_page(judge_client, entry, 3)[0].status_code == 404
    assert judge_page(judge_client, entry, "x")[0].status_code == 404

    second.opens_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    text = text_of(judge_client.get("/judging/").get_data(as_text=True))
    assert text.index("Round 2: Final panel") < text.index("Round 1: Judging")  # the latest round first


def test_the_list_keeps_calibration_examples_apart_and_out_of_the_count(judge_client, two_rounds, member):
    nominations = [make_nomination(two_rounds, title=t) for t in ("Alpha", "Bravo", "Example entry")]
    for n in nominations[:2]:
        make_assignment(member, n)
    example = make_assignment(member, nominations[2], calibration=True)
    make_review(example, status="submitted")

    page = judge_client.get("/judging/").get_data(as_text=True)
    text = text_of(page)
    assert "0 of 2 submitted" in text and "0 in progress, 2 not started" in text
    assert "Calibration example" in text
    assert page.index(nominations[2].reference) < page.index(nominations[0].reference)

    [work] = reviews.work_of(member.user)
    [round_work] = [w for w in work.rounds if w.judging_round.number == 1]
    assert [r.calibration for r in round_work.rows] == [True, False, False]
    assert (round_work.assigned, round_work.submitted) == (2, 0)


def test_an_earlier_round_that_has_closed_is_one_line_on_the_list_with_its_entries_on_a_page_of_their_own(
    judge_client, two_rounds, member, monkeypatch
):
    from awards.web.judge import routes

    first, second = two_rounds.rounds
    entries = [make_nomination(two_rounds, title=t) for t in ("Alpha", "Bravo", "Charlie")]
    for n, status in zip(entries, ("submitted", "submitted", "draft"), strict=True):
        make_review(make_assignment(member, n, no_conflict_declared=True), status=status)
    make_assignment(member, entries[0], round_id=second.id, no_conflict_declared=True)
    advance_into(second, entries[0])

    # Round 1 still open: both rounds listed in full
    text = text_of(judge_client.get("/judging/").get_data(as_text=True))
    assert "Round 2: Final panel" in text and "Round 1: Judging" in text and "Bravo" in text and "Closed;" not in text

    first.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = judge_client.get("/judging/").get_data(as_text=True)
    text = text_of(page)
    assert "Round 1: Judging Closed; you submitted 2 of 3." in text
    round_page = f"/judging/cycles/{two_rounds.slug}/rounds/1"
    assert links_in(page)["See your entries in Round 1: Judging"] == round_page
    assert "Alpha" in text and "Bravo" not in text and "Charlie" not in text  # only round 2's entry listed
    assert text.index("Round 2: Final panel") < text.index("Round 1: Judging Closed")

    response = judge_client.get(round_page)
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Round 1: Judging" in text and "Judging closed at" in text and "2 of 3 submitted" in text
    links = links_in(response.get_data(as_text=True))
    assert [links[t] for t in ("Alpha", "Bravo", "Charlie")] == [
        f"/judging/nominations/{n.reference}?round=1" for n in entries
    ]
    assert re.search(r'<a href="/judging/" class="govuk-back-link">Your judging</a>', response.get_data(as_text=True))

    # A long list is paged
    monkeypatch.setattr(routes, "ROUND_PAGE_SIZE", 2)
    page = judge_client.get(round_page).get_data(as_text=True)
    assert "Showing 1 to 2 of 3 entries." in text_of(page) and "Charlie" not in text_of(page)
    [next_page] = re.findall(r'href="([^"]+)" rel="next"', page)
    page = judge_client.get(next_page.replace("&amp;", "&")).get_data(as_text=True)
    text = text_of(page)
    assert "Showing 3 to 3 of 3 entries." in text and "Charlie" in text and "Alpha" not in text

    # Round 2's own page too; a round not begun or not there is not found
    assert "Alpha" in text_of(judge_client.get(f"/judging/cycles/{two_rounds.slug}/rounds/2").get_data(as_text=True))
    assert judge_client.get(f"/judging/cycles/{two_rounds.slug}/rounds/3").status_code == 404
    assert judge_client.get("/judging/cycles/no-such-cycle/rounds/1").status_code == 404
    db.session.execute(sa.delete(Advancement))
    db.session.commit()
    assert judge_client.get(f"/judging/cycles/{two_rounds.slug}/rounds/2").status_code == 404
    # Round 2 not begun: round 1 is the latest, listed in full again although closed
    text = text_of(judge_client.get("/judging/").get_data(as_text=True))
    assert "Charlie" in text and "closed;" not in text


def test_a_round_page_is_only_for_the_cycles_judges(app, two_rounds, member):
    other = make_user(name="Oli Other", email="oli@judging.example.org", roles=("judge",))
    other_cycle = make_cycle(name="Other awards", year=2027, status="judging")
    make_judge(other_cycle, other)
    client = app.test_client()
    client.sign_in_as(other)
    assert client.get(f"/judging/cycles/{two_rounds.slug}/rounds/1").status_code == 404
    assert client.get(f"/judging/cycles/{other_cycle.slug}/rounds/1").status_code == 200


# ------------------------------------------------------------------ blind judging per round


def test_blind_in_round_one_only_shows_the_organisation_in_round_two_only(judge_client, two_rounds, entry, member):
    first, second = two_rounds.rounds
    assert first.blind and not second.blind
    make_assignment(member, entry, no_conflict_declared=True)
    make_assignment(member, entry, round_id=second.id, no_conflict_declared=True)
    advance_into(second, entry)

    assert blind_copies.judge_entry(entry, first).organisation == ""
    assert blind_copies.judge_entry(entry, second).organisation == "Riverside Borough Council"

    _, page = judge_page(judge_client, entry)
    assert "Riverside Borough Council" in page
    _, page = judge_page(judge_client, entry, 1)
    assert "Riverside Borough Council" not in page and "This is blind judging" in text_of(page)


def test_a_conflicted_judge_sees_the_entry_in_no_round(judge_client, two_rounds, entry, member, judge):
    second = two_rounds.rounds[1]
    make_assignment(member, entry, no_conflict_declared=True)
    make_assignment(member, entry, round_id=second.id, no_conflict_declared=True)
    advance_into(second, entry)
    member.organisation = "Riverside Borough Council"
    db.session.commit()

    for number in (None, 1, 2):
        assert judge_page(judge_client, entry, number)[0].status_code == 404
    assert entry.reference not in judge_client.get("/judging/").get_data(as_text=True)


# ------------------------------------------------------------------ progress, scores and reminders


def test_progress_of_round_two_counts_only_its_assignments(organiser_client, two_rounds, member):
    first, second = two_rounds.rounds
    second.judges_per_nomination = 1
    db.session.commit()
    a, b, c = (make_nomination(two_rounds, title=t) for t in ("Alpha", "Bravo", "Charlie"))
    for n in (a, b, c):
        make_review(make_assignment(member, n), status="submitted")
    advance_into(second, a, b)
    make_review(make_assignment(member, a, round_id=second.id), status="draft")
    make_assignment(member, b, round_id=second.id)
    make_review(make_assignment(member, c, round_id=second.id, calibration=True), status="submitted")

    earlier = progress.cycle_progress(two_rounds, first)
    assert (earlier.nominations, earlier.submitted, earlier.fully_judged) == (3, 3, 0)  # 3 judges each needed
    later = progress.cycle_progress(two_rounds, second)
    assert (later.nominations, later.submitted, later.expected, later.fully_judged) == (2, 0, 2, 0)
    [judge_row] = later.judges
    assert (judge_row.assigned, judge_row.submitted, judge_row.drafts) == (2, 0, 1)
    rows, total = progress.nomination_progress(two_rounds, judging_round=second)
    assert total == 2 and {r.reference for r in rows} == {a.reference, b.reference}

    page = organiser_client.get(f"/organiser/cycles/{two_rounds.slug}/judging").get_data(as_text=True)
    assert "0 of 2 reviews submitted (0%)" in text_of(page)  # the current round: round 2 has begun
    assert 'aria-current="page">Round 2: Final panel' in page
    assert f'href="/organiser/cycles/{two_rounds.slug}/judging?round=1"' in page
    page = organiser_client.get(f"/organiser/cycles/{two_rounds.slug}/judging?round=1").get_data(as_text=True)
    assert "3 of 9 reviews submitted (33%)" in text_of(page)
    assert organiser_client.get(f"/organiser/cycles/{two_rounds.slug}/judging?round=3").status_code == 404


def test_reminders_are_about_the_chosen_round_and_name_it(organiser_client, two_rounds, member, outbox):
    first, second = two_rounds.rounds
    a, b = (make_nomination(two_rounds, title=t) for t in ("Alpha", "Bravo"))
    make_assignment(member, a)
    make_assignment(member, b)
    advance_into(second, b)
    make_assignment(member, b, round_id=second.id)
    organiser = make_user(roles=("organiser",))

    assert progress.outstanding_work([member], second)[member.id] == [progress.Outstanding(b.reference, "Bravo", False)]
    progress.send_reminders(two_rounds, [member], by=organiser, judging_round=second)
    db.session.commit()
    message = outbox("judging_reminder")[-1]
    assert message.subject == f"Reminder: 1 nomination left to score for {two_rounds.name} (Round 2: Final panel)"
    assert "left to score in Round 2: Final panel" in message.body_text
    assert a.reference not in message.body_text and b.reference in message.body_text

    first.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert progress.reminders_closed(two_rounds, judging_round=first) == (
        "Round 1: Judging has closed, so judges cannot score any more nominations in it"
    )
    assert progress.reminders_closed(two_rounds, judging_round=second) is None


def test_a_round_not_begun_has_no_reminders(app, two_rounds):
    assert progress.reminders_closed(two_rounds, judging_round=two_rounds.rounds[1]) == (
        "Round 2: Final panel has not begun, so its judges cannot see its nominations yet"
    )


def test_the_organisers_scores_are_the_chosen_rounds(organiser_client, two_rounds, entry, member):
    first, second = two_rounds.rounds
    early = make_review(make_assignment(member, entry), status="submitted")
    advance_into(second, entry)
    late = make_review(make_assignment(member, entry, round_id=second.id), status="draft")
    base = f"/organiser/cycles/{two_rounds.slug}/reviews"

    page = organiser_client.get(base).get_data(as_text=True)
    assert f"{base}/{late.id}?round=2" in page and f"{base}/{early.id}" not in page
    assert "0 submitted, 1 in progress" in text_of(page)
    page = organiser_client.get(f"{base}?round=1").get_data(as_text=True)
    assert f"{base}/{early.id}?round=1" in page and f"{base}/{late.id}" not in page

    page = organiser_client.get(f"{base}/{late.id}").get_data(as_text=True)
    assert second.criteria[0].name in page and first.criteria[0].name not in page
    assert organiser_client.get(f"{base}/{late.id}?round=1").status_code == 404
    page = organiser_client.get(f"{base}/{early.id}?round=1").get_data(as_text=True)
    assert f'href="{base}/{early.id}/reopen?round=1"' in page


def test_redaction_lists_what_judges_of_the_chosen_round_read(organiser_client, two_rounds, entry):
    advance_into(two_rounds.rounds[1], entry)
    base = f"/organiser/cycles/{two_rounds.slug}/nominations/{entry.reference}/redaction"
    blind_page = organiser_client.get(f"{base}?round=1").get_data(as_text=True)
    open_page = organiser_client.get(f"{base}?round=2").get_data(as_text=True)
    assert "This round has blind judging" in text_of(blind_page)
    assert "Blind judging is off for this round" in text_of(open_page)
    assert f'action="{base}?round=2"' in open_page
    assert 'aria-current="page">Round 2: Final panel' in open_page


def test_reopening_follows_the_reviews_own_round(app, two_rounds, entry, member, outbox):
    first, second = two_rounds.rounds
    first.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    early = make_review(make_assignment(member, entry), status="submitted")
    advance_into(second, entry)
    late = make_review(make_assignment(member, entry, round_id=second.id), status="submitted")
    organiser = make_user(roles=("organiser",))

    assert "Move the judging closing time later in the settings of Round 1: Judging" in reviews.reopen_problem(early)
    assert reviews.reopen_problem(late) is None
    reviews.reopen_review(late, by=organiser, reason="Look again")
    db.session.commit()
    message = outbox("review_reopened")[-1]
    assert f"/judging/nominations/{entry.reference}?round=2" in message.body_text
