"""The judge's summary of their scores (issue 12): criterion names read as words, never broken in the
middle of one, at any width from a 320 px phone to the desktop's narrow column beside the entry."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "meadow copper lighthouse drizzle"
LONG_WORD = "Trosglwyddadwyedd a chynaliadwyedd"  # Welsh: transferability and sustainability


def _submitted_scores(email: str) -> str:
    """A judge with submitted scores for every criterion (one more with long Welsh words); returns the reference."""
    from datetime import timedelta

    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import Criterion, ReviewScore
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user

    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=40), close_at=now - timedelta(days=1))
    criteria = cycle.rounds[0].criteria
    criteria.append(
        Criterion(
            cycle_id=cycle.id,
            name=LONG_WORD,
            description="",
            weight=10,
            scale_min=1,
            scale_max=10,
            rubric=list(criteria[0].rubric),
            position=len(criteria),
        )
    )
    db.session.commit()
    user = make_user(email=email, name="Siân Judge", roles=("judge",), password=PASSWORD)
    judge = make_judge(cycle, user)
    nomination = make_nomination(cycle, title="Tell us once for housing repairs")
    review = make_review(
        make_assignment(judge, nomination, no_conflict_declared=True),
        status="submitted",
        overall_comment="Strong, well-evidenced work.",
    )
    for i, criterion in enumerate(cycle.rounds[0].criteria):
        review.scores.append(
            ReviewScore(criterion_id=criterion.id, value=5 + i % 5, comment="A clear baseline and measured results.")
        )
    db.session.commit()
    return nomination.reference


WORDS_SPLIT_ACROSS_LINES = """(keys) => keys.flatMap((key) => {
    const text = key.firstChild && key.textContent;
    const split = [];
    const walker = document.createTreeWalker(key, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const re = /\\S+/g;
        let m;
        while ((m = re.exec(node.data))) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
            if (lines.size > 1) split.push(m[0]);
        }
    }
    return split;
})"""


def test_criterion_names_are_not_broken_mid_word(page, live_server, check_page):
    """Beside the entry (desktop) the scores are a narrow column, and on a phone the screen is narrow:
    at both widths every word of every criterion's name stays on one line."""
    email = "sian.judge@judges.example.org"
    reference = live_server.run(_submitted_scores, email)
    sign_in(page, email, PASSWORD)
    page.goto(f"/judging/nominations/{reference}")
    expect(page.get_by_text("They are locked")).to_be_visible()
    keys = page.locator(".govuk-summary-list__key")
    expect(keys.filter(has_text=LONG_WORD)).to_be_visible()
    check_page(page, "judge: submitted scores")
    names = [k.inner_text() for k in keys.all()]
    assert {"Collaboration and partnership", "Transferability", LONG_WORD} <= set(names)
    for width in (1280, 1024, 800, 375, 320):
        page.set_viewport_size({"width": width, "height": 800})
        split = keys.evaluate_all(WORDS_SPLIT_ACROSS_LINES)
        assert split == [], f"at {width} px, words broken across lines in the score summary: {split}"
