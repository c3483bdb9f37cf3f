"""The judge's pages in pass/fail and ranking rounds, and feedback for the entrant on every sheet: what the
judge sees, the error summary that keeps what they typed, what the database holds, and who never sees what."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import Advancement, FeedbackStatus, Review, ReviewStatus, RoundMode, Verdict
from tests.factories import add_conflict, make_assignment, make_cycle, make_judge, make_nomination
from tests.support.programme import add_round
from tests.support.visible import buttons, error_summary, text_of

VERSION = re.compile(r'name="version" value="(\d+)"')
HINT = "The entrant sees this with their results if the organisers approve it. Your name is never shown with it."


def cycle_judged_by(mode: RoundMode, **fields):
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1), **fields)
    cycle.rounds[0].mode = mode
    db.session.commit()
    return cycle


@pytest.fixture
def member(judge):
    """The judge's membership of a cycle, once the test has made one."""
    return lambda cycle: make_judge(cycle, judge)


def entries_for(membership, count, **fields):
    cycle = membership.cycle
    return [
        make_assignment(
            membership,
            make_nomination(cycle, title=f"Project {name}"),
            no_conflict_declared=True,
            **fields,
        )
        for name in ("Alder", "Birch", "Cedar", "Damson")[:count]
    ]


def sheet_url(assignment, round_number=None):
    return f"/judging/nominations/{assignment.nomination.reference}" + (
        f"?round={round_number}" if round_number else ""
    )


def ranking_url(cycle, number=1):
    return f"/judging/cycles/{cycle.slug}/rounds/{number}/ranking"


def saved_review(assignment) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Review).where(Review.assignment_id == assignment.id))


def errors(response) -> list[str]:
    return [message for _, message in error_summary(response)]


def options(page: str) -> dict[str, list[str]]:
    """Each select's name → the values it offers."""
    return {
        name: re.findall(r'<option value="(\d*)"', body)
        for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S)
    }


def selected_positions(page: str) -> dict[str, str]:
    """Each select's name → its selected value."""
    return {
        name: (re.search(r'<option value="(\d*)" selected>', body) or [None, ""])[1]
        for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S)
    }


def typed_in(page: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    return unescape(found.group(1)).lstrip("\n") if found else ""


def checked(page: str, name: str) -> list[str]:
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
        if re.search(r"\bchecked\b", tag)
    ]


def link_to(page: str, words: str) -> str | None:
    found = re.search(rf'<a class="govuk-link" href="([^"]+)">{re.escape(words)}</a>', page)
    return unescape(found.group(1)) if found else None


def ranked_rows(page: str) -> list[str]:
    body = page[page.find("<tbody") : page.find("</tbody>")]
    return [text_of(row) for row in re.findall(r"<tr.*?</tr>", body, re.S)]


def post_sheet(client, url, data):
    page = client.get(url).get_data(as_text=True)
    data = {"version": VERSION.search(page).group(1), **data}
    return client.post_form(url, data, token_from=url)


def post_ranking(client, cycle, positions: dict, action="submit", number=1):
    url = ranking_url(cycle, number)
    page = client.get(url).get_data(as_text=True)
    versions = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page))
    data = {**versions, **{f"position-{a.id}": str(p) for a, p in positions.items()}, "action": action}
    return client.post_form(url, data, token_from=url)


# ------------------------------------------------------------------ pass/fail


def test_a_pass_fail_round_asks_for_a_verdict_with_the_rounds_guidance(judge_client, member):
    cycle = cycle_judged_by(RoundMode.PASS_FAIL)
    (a,) = entries_for(member(cycle), 1)
    page = judge_client.get(sheet_url(a)).get_data(as_text=True)
    text = text_of(page)
    assert "Your verdict" in text and "Go to your verdict" in text
    labels = re.findall(r'<label class="govuk-label govuk-radios__label" for="verdict[^"]*">([^<]+)</label>', page)
    assert labels == ["Pass", "Fail", "Unsure"]
    assert 'name="score-' not in page  # no criteria to score
    assert "What to look for" in text and cycle.rounds[0].criteria[0].name in text
    assert "Comments for the organisers (optional)" in text
    assert "Feedback for the entrant (optional)" in text and HINT in text
    response = judge_client.get(sheet_url(a))
    assert {"Save as draft", "Submit verdict"} <= set(buttons(response)) and "Submit scores" not in buttons(response)


def test_submitting_no_verdict_shows_the_error_and_keeps_what_was_typed(judge_client, member):
    cycle = cycle_judged_by(RoundMode.PASS_FAIL)
    (a,) = entries_for(member(cycle), 1)
    data = {"action": "submit", "overall_comment": "Meets the rules.", "feedback": "A clear case for change."}
    response = post_sheet(judge_client, sheet_url(a), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(response) == [("#verdict", "Select pass, fail or unsure")]
    assert typed_in(page, "overall_comment") == "Meets the rules."
    assert typed_in(page, "feedback") == "A clear case for change."
    assert saved_review(a) is None


def test_a_submitted_verdict_is_stored_with_its_feedback_and_shown_locked(judge_client, member):
    cycle = cycle_judged_by(RoundMode.PASS_FAIL)
    (a,) = entries_for(member(cycle), 1)
    data = {"action": "submit", "verdict": "pass", "overall_comment": "Meets the rules.", "feedback": "Well made."}
    response = post_sheet(judge_client, sheet_url(a), data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/judging/")
    review = saved_review(a)
    assert review.verdict is Verdict.PASS and review.status is ReviewStatus.SUBMITTED
    assert (review.feedback, review.feedback_status) == ("Well made.", FeedbackStatus.PENDING)
    text = text_of(judge_client.get("/judging/").get_data(as_text=True))
    assert f"Your verdict on {a.nomination.reference} has been submitted" in text

    text = text_of(judge_client.get(sheet_url(a)).get_data(as_text=True))
    assert "You submitted your verdict at" in text
    assert "Your verdict Pass" in text and "Feedback for the entrant Well made." in text
    assert "Submit verdict" not in text


def test_a_draft_verdict_can_be_changed_and_an_emptied_feedback_is_none(judge_client, member):
    cycle = cycle_judged_by(RoundMode.PASS_FAIL)
    (a,) = entries_for(member(cycle), 1)
    response = post_sheet(judge_client, sheet_url(a), {"action": "draft", "verdict": "fail", "feedback": "Too early."})
    assert response.status_code == 302
    assert saved_review(a).feedback_status is FeedbackStatus.PENDING
    page = judge_client.get(sheet_url(a)).get_data(as_text=True)
    assert "Your draft verdict has been saved" in text_of(page)
    assert checked(page, "verdict") == ["fail"]
    post_sheet(judge_client, sheet_url(a), {"action": "draft", "verdict": "unsure", "feedback": ""})
    review = saved_review(a)
    assert review.verdict is Verdict.UNSURE and review.status is ReviewStatus.DRAFT
    assert (review.feedback, review.feedback_status) == ("", FeedbackStatus.NONE)


def test_a_closed_pass_fail_round_refuses_a_verdict(judge_client, member):
    cycle = cycle_judged_by(RoundMode.PASS_FAIL)
    (a,) = entries_for(member(cycle), 1)
    cycle.rounds[0].closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    page = judge_client.get(sheet_url(a)).get_data(as_text=True)
    assert "Judging closed at" in text_of(page) and 'id="score-sheet"' not in page
    response = judge_client.post_form(
        sheet_url(a), {"action": "submit", "verdict": "pass", "version": "0"}, token_from=sheet_url(a)
    )
    assert response.status_code == 409 and "Nothing was saved" in text_of(response.get_data(as_text=True))
    assert saved_review(a) is None


# ------------------------------------------------------------------ feedback on a score sheet


def test_a_score_sheet_has_feedback_for_the_entrant_apart_from_the_comments(judge_client, member):
    cycle = cycle_judged_by(RoundMode.SCORES)
    (a,) = entries_for(member(cycle), 1)
    page = judge_client.get(sheet_url(a)).get_data(as_text=True)
    assert "Feedback for the entrant (optional)" in text_of(page) and HINT in text_of(page)
    criteria = cycle.rounds[0].criteria
    data = {f"score-{c.id}": "7" for c in criteria}
    response = post_sheet(judge_client, sheet_url(a), {**data, "action": "submit", "feedback": "Show the savings."})
    assert response.status_code == 302
    review = saved_review(a)
    assert review.status is ReviewStatus.SUBMITTED and review.overall_comment == ""
    assert (review.feedback, review.feedback_status) == ("Show the savings.", FeedbackStatus.PENDING)
    assert "Feedback for the entrant Show the savings." in text_of(
        judge_client.get(sheet_url(a)).get_data(as_text=True)
    )


def test_feedback_too_long_is_an_error_that_keeps_the_scores(judge_client, member):
    cycle = cycle_judged_by(RoundMode.SCORES)
    (a,) = entries_for(member(cycle), 1)
    criterion = cycle.rounds[0].criteria[0]
    long_text = "y" * 10001
    response = post_sheet(
        judge_client, sheet_url(a), {f"score-{criterion.id}": "6", "action": "draft", "feedback": long_text}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(response) == [
        ("#feedback", "Your feedback for the entrant must be 10,000 characters or fewer")
    ]
    assert typed_in(page, "feedback") == long_text
    assert checked(page, f"score-{criterion.id}") == ["6"]
    assert saved_review(a) is None


# ------------------------------------------------------------------ ranking


def test_a_ranking_rounds_entry_page_keeps_notes_and_feedback_only(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    (a, _) = entries_for(member(cycle), 2)
    page = judge_client.get(sheet_url(a)).get_data(as_text=True)
    text = text_of(page)
    assert "Your notes" in text and 'name="score-' not in page and 'name="verdict"' not in page
    response = judge_client.get(sheet_url(a))
    assert "Save notes" in buttons(response) and "Save as draft" not in buttons(response)
    assert link_to(page, "Go to your ranking") == ranking_url(cycle)
    response = post_sheet(
        judge_client, sheet_url(a), {"action": "draft", "overall_comment": "Strong.", "feedback": "Good pilot."}
    )
    assert response.status_code == 302
    review = saved_review(a)
    assert (review.overall_comment, review.feedback, review.rank) == ("Strong.", "Good pilot.", None)
    assert review.feedback_status is FeedbackStatus.PENDING and review.status is ReviewStatus.DRAFT
    assert f"Your notes on {a.nomination.reference} have been saved" in text_of(
        judge_client.get(sheet_url(a)).get_data(as_text=True)
    )
    # Notes are never submitted from the entry page: the ranking is
    response = post_sheet(judge_client, sheet_url(a), {"action": "submit"})
    assert response.status_code == 400 and saved_review(a).status is ReviewStatus.DRAFT


def test_the_judges_list_links_to_the_ranking_and_the_page_lists_their_entries(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    entries = entries_for(member(cycle), 3)
    page = judge_client.get("/judging/").get_data(as_text=True)
    assert link_to(page, "Rank your 3 entries") == ranking_url(cycle)

    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    text = text_of(page)
    assert (
        "Rank your entries" in text and "Put your 3 entries in order: position 1 is the entry you judge best." in text
    )
    for a in entries:
        label = re.search(rf'<label class="govuk-label govuk-label--s" for="position-{a.id}">([^<]+)</label>', page)
        assert text_of(label.group(1)) == f"Position of {a.nomination.title}"
    assert options(page) == {f"position-{a.id}": ["", "1", "2", "3"] for a in entries}
    assert {"Save as draft", "Submit ranking"} <= set(buttons(judge_client.get(ranking_url(cycle))))


def test_a_clash_is_named_in_the_error_summary_and_the_positions_are_kept(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    first, second, third = entries_for(member(cycle), 3)
    response = post_ranking(judge_client, cycle, {first: 2, second: 2, third: 1})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(response) == [(f"#position-{first.id}", "Two entries are in position 2")]
    assert selected_positions(page) == {
        f"position-{first.id}": "2",
        f"position-{second.id}": "2",
        f"position-{third.id}": "1",
    }
    assert all(saved_review(a) is None for a in (first, second, third))

    response = post_ranking(judge_client, cycle, {first: 1, second: 2})
    assert errors(response) == [f"Select a position for {third.nomination.reference}"]


def test_a_draft_ranking_then_a_submitted_one(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    first, second, third = entries_for(member(cycle), 3)
    response = post_ranking(judge_client, cycle, {first: 1, second: 1}, action="draft")
    assert response.status_code == 302 and response.headers["Location"] == ranking_url(cycle)
    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    assert "Your draft ranking has been saved" in text_of(page)
    assert selected_positions(page)[f"position-{second.id}"] == "1"
    assert [saved_review(a).rank if saved_review(a) else None for a in (first, second, third)] == [1, 1, None]

    response = post_ranking(judge_client, cycle, {first: 3, second: 1, third: 2})
    assert response.status_code == 302 and response.headers["Location"].endswith("/judging/")
    assert [(saved_review(a).rank, saved_review(a).status) for a in (first, second, third)] == [
        (3, ReviewStatus.SUBMITTED),
        (1, ReviewStatus.SUBMITTED),
        (2, ReviewStatus.SUBMITTED),
    ]
    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    text = text_of(page)
    assert "You submitted your ranking at" in text and "<select" not in page
    rows = ranked_rows(page)
    assert [row.split(" ")[0] for row in rows] == ["1", "2", "3"]
    assert second.nomination.title in rows[0]
    assert "3 of 3 submitted" in text_of(judge_client.get("/judging/").get_data(as_text=True))
    # Locked now
    response = judge_client.post_form(
        ranking_url(cycle), {f"position-{first.id}": "1", "action": "draft"}, token_from=ranking_url(cycle)
    )
    assert response.status_code == 409 and "already submitted your ranking" in text_of(response.get_data(as_text=True))


def test_a_closed_ranking_round_refuses_saving(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    first, second = entries_for(member(cycle), 2)
    cycle.rounds[0].closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    assert "Judging closed at" in text_of(page) and "<select" not in page
    response = judge_client.post_form(
        ranking_url(cycle),
        {f"position-{first.id}": "1", f"position-{second.id}": "2", "action": "submit"},
        token_from=ranking_url(cycle),
    )
    assert response.status_code == 409 and "Nothing was saved" in text_of(response.get_data(as_text=True))
    assert saved_review(first) is None and saved_review(second) is None


def test_a_conflicted_judge_never_sees_the_entry_in_the_ranking(judge_client, member, judge):
    cycle = cycle_judged_by(RoundMode.RANKING)
    membership = member(cycle)
    kept, recorded = entries_for(membership, 2)
    add_conflict(membership, recorded.nomination)
    # Detected: the entry's contact shares the judge's e-mail domain
    detected = make_assignment(
        membership,
        make_nomination(cycle, title="Project Nearby", contact_email=f"casey@{judge.email.split('@')[1]}"),
        no_conflict_declared=True,
    )
    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    text = text_of(page)
    assert "Put your 1 entry in order" in text and kept.nomination.title in text
    for hidden in (recorded, detected):
        assert hidden.nomination.reference not in page and hidden.nomination.title not in page
        assert f"position-{hidden.id}" not in page
    response = post_ranking(judge_client, cycle, {kept: 1})
    assert response.status_code == 302
    # Posting a position for the hidden entry is refused whole
    response = judge_client.post_form(
        ranking_url(cycle), {f"position-{recorded.id}": "1", "action": "draft"}, token_from=ranking_url(cycle)
    )
    assert response.status_code in (400, 409) and saved_review(recorded) is None


def test_the_ranking_page_is_only_a_ranking_rounds_for_its_judges(app, judge_client, member, nominee_client):
    scores = cycle_judged_by(RoundMode.SCORES)
    entries_for(member(scores), 1)
    assert judge_client.get(ranking_url(scores)).status_code == 404  # a round of scores has no ranking
    cycle = cycle_judged_by(RoundMode.RANKING)
    assert judge_client.get(ranking_url(cycle)).status_code == 404  # not a judge of this cycle
    membership = member(cycle)
    assert judge_client.get(ranking_url(cycle, 2)).status_code == 404  # no such round
    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    assert "No entries have been given to you to rank yet." in text_of(page)
    entries_for(membership, 1)
    assert judge_client.get(ranking_url(cycle)).status_code == 200
    assert nominee_client.get(ranking_url(cycle)).status_code == 403
    assert app.test_client().get(ranking_url(cycle)).status_code == 302  # to sign in


def test_a_later_ranking_round_is_ranked_on_its_own_page(judge_client, member):
    cycle = cycle_judged_by(RoundMode.SCORES)
    final = add_round(cycle, "Final panel", mode=RoundMode.RANKING)
    membership = member(cycle)
    nominations = [make_nomination(cycle, title=f"Finalist {i}") for i in range(2)]
    for n in nominations:
        make_assignment(membership, n, no_conflict_declared=True)
    finalists = [make_assignment(membership, n, round_id=final.id, no_conflict_declared=True) for n in nominations]
    assert judge_client.get(ranking_url(cycle, 2)).status_code == 404  # not begun
    for n in nominations:
        db.session.add(Advancement(round_id=final.id, nomination_id=n.id, created_at=utcnow()))
    db.session.commit()
    page = judge_client.get("/judging/").get_data(as_text=True)
    assert link_to(page, "Rank your 2 entries") == ranking_url(cycle, 2)
    page = judge_client.get(ranking_url(cycle, 2)).get_data(as_text=True)
    assert "Round 2: Final panel" in text_of(page)
    assert f'href="/judging/nominations/{nominations[0].reference}?round=2"' in page
    response = post_ranking(judge_client, cycle, dict(zip(finalists, (2, 1), strict=True)), number=2)
    assert response.status_code == 302
    assert [saved_review(a).rank for a in finalists] == [2, 1]
    text = text_of(judge_client.get(sheet_url(finalists[0], 2)).get_data(as_text=True))
    assert "You submitted your ranking at" in text and "Your ranking Position 2" in text


def test_a_ranking_saved_in_another_window_is_not_overwritten(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    first, second = entries_for(member(cycle), 2)
    url = ranking_url(cycle)
    stale_page = judge_client.get(url).get_data(as_text=True)
    stale_versions = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', stale_page))
    assert post_ranking(judge_client, cycle, {first: 1, second: 2}, action="draft").status_code == 302  # window A
    data = {**stale_versions, f"position-{first.id}": "2", f"position-{second.id}": "1", "action": "draft"}
    response = judge_client.post_form(url, data, token_from=url)  # window B, loaded before A saved
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert errors(response) == [
        "Your ranking was saved in another window or tab after you opened this page, so your changes have not been "
        "saved. Check the latest saved ranking, then save yours again."
    ]
    assert "The latest saved ranking" in text_of(page)
    assert selected_positions(page) == {f"position-{first.id}": "2", f"position-{second.id}": "1"}
    assert [saved_review(a).rank for a in (first, second)] == [1, 2]
    # Saving again from this page (it now carries the latest versions) replaces them
    fresh = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page))
    response = judge_client.post_form(url, {**data, **fresh}, token_from=url)
    assert response.status_code == 302 and [saved_review(a).rank for a in (first, second)] == [2, 1]


def test_the_ranking_page_runs_as_many_queries_for_many_entries_as_for_few(judge_client, member):
    from tests.support.queries import counting_queries

    cycle = cycle_judged_by(RoundMode.RANKING)
    membership = member(cycle)
    entries_for(membership, 2)
    judge_client.get(ranking_url(cycle))  # warm: the session's first queries
    with counting_queries() as few:
        assert judge_client.get(ranking_url(cycle)).status_code == 200
    for i in range(6):
        make_assignment(membership, make_nomination(cycle, title=f"More {i}"), no_conflict_declared=True)
    with counting_queries() as many:
        page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    assert "Put your 8 entries in order" in text_of(page)
    assert many["n"] == few["n"]


def test_an_entry_not_yet_opened_asks_for_the_conflict_question_before_the_ranking_is_submitted(judge_client, member):
    cycle = cycle_judged_by(RoundMode.RANKING)
    membership = member(cycle)
    (opened,) = entries_for(membership, 1)
    unopened = make_assignment(membership, make_nomination(cycle, title="Project Elm"))
    page = judge_client.get(ranking_url(cycle)).get_data(as_text=True)
    assert f'name="position-{unopened.id}"' not in page
    declare = f"/judging/nominations/{unopened.nomination.reference}/declare"
    assert (
        link_to(
            page,
            f'Say whether you have a conflict of interest<span class="govuk-visually-hidden"> with '
            f"{unopened.nomination.reference}</span>",
        )
        == declare
    )
    response = post_ranking(judge_client, cycle, {opened: 1})
    assert error_summary(response) == [
        (
            f"#position-{unopened.id}",
            f"Open {unopened.nomination.reference} and say whether you have a conflict of interest with it before "
            "you submit your ranking",
        )
    ]
    assert selected_positions(response.get_data(as_text=True)) == {f"position-{opened.id}": "1"}
    assert saved_review(opened) is None
