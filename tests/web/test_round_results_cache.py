"""The order of a pass/fail or ranking round each process keeps (round_results.round_order, RESULTS_CACHE_ENTRIES):
reused while nothing changes, never shown stale after a verdict, a place or an entry's status changes; and the
advancing page's reason inputs, written out as plain GOV.UK markup, keep their labels and error state."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest
import sqlalchemy as sa

from awards.domain.judging import reviews as review_rules
from awards.domain.results import round_results
from awards.extensions import db
from awards.models import Assignment, NominationStatus, Review, RoundMode, Verdict
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review
from tests.support.queries import counting_queries
from tests.support.verdicts import pass_fail_cycle
from tests.support.visible import error_summary, main_text


@pytest.fixture
def kept_orders(app, monkeypatch):
    """The results cache turned on, with an empty store of kept orders for this test only (tests reuse ids)."""
    monkeypatch.setitem(app.config, "RESULTS_CACHE_ENTRIES", 4)
    monkeypatch.setattr(round_results, "_orders", OrderedDict())
    return round_results._orders


def review_by(judge, nomination) -> Review:
    return db.session.scalar(
        sa.select(Review)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .where(Assignment.judge_id == judge.id, Assignment.nomination_id == nomination.id)
    )


def test_a_changed_verdict_is_seen_on_the_next_request(organiser_client, kept_orders):
    cycle, entries, judges = pass_fail_cycle({"a": "PPP", "b": "PPF", "c": "PFF"})
    url = f"/organiser/cycles/{cycle.slug}/results?round=1"
    with counting_queries() as first:
        text = main_text(organiser_client.get(url))
    a, b, c = (entries[k].reference for k in "abc")
    assert f"1 {a} Entry a" in text and "Passes 3 0 0 100%" in text and f"2 {b} Entry b" in text
    assert len(kept_orders) == 1
    with counting_queries() as again:
        assert main_text(organiser_client.get(url)) == text
    assert again["n"] < first["n"]  # the kept order: no verdicts read again

    # Another worker saves a changed verdict: a's third judge now fails it, c's second passes it.
    review_by(judges[2], entries["a"]).verdict = Verdict.FAIL
    review_by(judges[1], entries["c"]).verdict = Verdict.PASS
    db.session.commit()
    text = main_text(organiser_client.get(url))
    assert "Passes 3 0 0 100%" not in text
    assert f"1 {a} Entry a" in text and text.count("Passes 2 0 1 67%") == 3  # a, b and c tie on their tallies
    advancing = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/rounds/1/advance"))
    assert "2 pass, 0 unsure, 1 fail" in advancing and "3 pass" not in advancing


def test_a_withdrawn_entry_and_a_reopened_review_are_seen_on_the_next_request(organiser, organiser_client, kept_orders):
    cycle, entries, judges = pass_fail_cycle({"a": "PPP", "b": "PPF"})
    url = f"/organiser/cycles/{cycle.slug}/results?round=1"
    assert entries["a"].reference in main_text(organiser_client.get(url))

    nomination = entries["a"]
    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_at = nomination.submitted_at
    db.session.commit()
    text = main_text(organiser_client.get(url))
    assert nomination.reference not in text and f"1 {entries['b'].reference} Entry b" in text

    # reopened: its verdict no longer counts
    review_rules.reopen_review(review_by(judges[2], entries["b"]), by=organiser, reason="Check the verdict")
    db.session.commit()
    assert "Passes 2 0 0 100%" in main_text(organiser_client.get(url))


def test_a_changed_place_in_a_ranking_round_is_seen_on_the_next_request(organiser_client, kept_orders):
    cycle = make_cycle(status="judging")
    cycle.rounds[0].mode, cycle.rounds[0].ranking_method = RoundMode.RANKING, "borda"
    db.session.commit()
    judge = make_judge(cycle)
    first, second = (make_nomination(cycle, category=cycle.categories[0], title=f"Entry {k}") for k in "xy")
    make_review(make_assignment(judge, first), status="submitted", rank=1)
    make_review(make_assignment(judge, second), status="submitted", rank=2)
    url = f"/organiser/cycles/{cycle.slug}/results"
    assert f"1 {first.reference} Entry x" in main_text(organiser_client.get(url))

    review_by(judge, first).rank, review_by(judge, second).rank = 2, 1
    db.session.commit()
    text = main_text(organiser_client.get(url))
    assert f"1 {second.reference} Entry y" in text and f"2 {first.reference} Entry x" in text


def reason_group(html: str, field: str) -> str:
    """The form group of the reason input `field` on the advancing page, as markup."""
    match = re.search(rf'<div class="govuk-form-group[^"]*">\s*<label[^>]* for="{field}">.*?</div>', html, re.DOTALL)
    assert match, f"no form group for {field}"
    return match.group(0)


def test_a_reason_input_keeps_its_label_and_error_state(organiser_client):
    cycle, entries, _ = pass_fail_cycle({"a": "PPP", "b": "PPU", "c": "PFF"})
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    c = entries["c"]
    field = f"reason_{c.id}"
    group = reason_group(organiser_client.get(url).get_data(as_text=True), field)
    assert f'<label class="govuk-label govuk-visually-hidden" for="{field}">Reason for {c.reference}</label>' in group
    assert f'<input class="govuk-input govuk-!-width-full" id="{field}" name="{field}" type="text" value="">' in group
    assert "error" not in group

    shown = [str(e.id) for e in entries.values()]
    advance = [str(entries[k].id) for k in "abc"]  # c is not suggested: advancing it needs a reason
    refused = organiser_client.post_form(url, {"shown": shown, "advance": advance}, token_from=url)
    [(href, message)] = error_summary(refused)
    assert href == f"#{field}" and message.startswith(f"Give the reason for advancing {c.reference}")
    group = reason_group(refused.get_data(as_text=True), field)
    assert group.startswith('<div class="govuk-form-group govuk-!-margin-bottom-0 govuk-form-group--error">')
    assert f'for="{field}">Reason for {c.reference}</label>' in group
    error = f'<p class="govuk-error-message" id="{field}-error"><span class="govuk-visually-hidden">Error:</span>'
    assert f"{error} {message}</p>" in group
    assert (
        f'<input class="govuk-input govuk-!-width-full govuk-input--error" id="{field}" name="{field}" type="text" '
        f'value="" aria-describedby="{field}-error">' in group
    )
