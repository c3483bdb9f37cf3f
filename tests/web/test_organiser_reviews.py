"""The organiser's review pages in rounds judged pass/fail and by ranking: what the judge gave (a verdict, a
position in their ranking), their private comments, their feedback for the entrant and where it stands, and
reopening (a judge's whole ranking in a ranking round); the e-mails naming the round; the cycle page's
links; the per-judge CSV of a round not scored."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from awards.domain.core.mail import render_email
from awards.extensions import db
from awards.models import FeedbackStatus, Review, ReviewStatus, RoundEntries, RoundMode, Verdict
from tests.factories import make_cycle, make_judge, make_nomination, make_user
from tests.support.feedback import feedback_url, review_with_feedback
from tests.support.programme import add_round
from tests.support.queries import counting_queries
from tests.support.visible import main_text, text_of


@pytest.fixture
def verdicts_then_ranking(app):
    """A cycle in judging: round 1 pass/fail, round 2 ranking (every eligible entry); Harriet Harsh gave entry
    one a pass with feedback, and ranked the three entries second, first and third in round 2."""
    cycle = make_cycle(status="judging")
    cycle.rounds[0].mode = RoundMode.PASS_FAIL
    db.session.commit()
    final = add_round(cycle, "Final panel", mode=RoundMode.RANKING, entries=RoundEntries.ELIGIBLE)
    judge = make_judge(cycle, make_user(name="Harriet Harsh", email="harriet@judges.example.org", roles=("judge",)))
    entries = [make_nomination(cycle, title=title) for title in ("Digital blue badges", "Open buses", "Care records")]
    verdict = review_with_feedback(
        judge,
        entries[0],
        "Clear evidence of savings; say more about users.",
        verdict=Verdict.PASS,
        overall_comment="Strong, but the costs look optimistic.",
    )
    ranked = [
        review_with_feedback(
            judge,
            entry,
            "A fine entry." if position == 2 else "",
            judging_round=final,
            rank=position,
            overall_comment=f"Notes on {entry.title}",
        )
        for entry, position in zip(entries, (2, 1, 3), strict=True)
    ]
    return cycle, judge, entries, verdict, ranked


def body_rows(response) -> list[str]:
    """The visible words of each row of the page's table body."""
    html = response.get_data(as_text=True)
    body = html[html.index("<tbody") :]
    return [text_of(row) for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.DOTALL)]


def reviews_url(cycle, review=None, *, round_number=None, reopen=False) -> str:
    url = f"/organiser/cycles/{cycle.slug}/reviews"
    if review is not None:
        url += f"/{review.id}" + ("/reopen" if reopen else "")
    return url + (f"?round={round_number}" if round_number else "")


def test_a_verdict_shows_with_the_judges_comments_and_feedback_for_the_entrant(organiser_client, verdicts_then_ranking):
    cycle, judge, entries, verdict, _ = verdicts_then_ranking
    listing = organiser_client.get(reviews_url(cycle, round_number=1))
    text = main_text(listing)
    assert "Judges’ verdicts" in text and "1 verdict" in text and "Each line is one judge’s verdict" in text
    [row] = body_rows(listing)
    assert "Harriet Harsh Submitted Pass To review" in row
    html = listing.get_data(as_text=True)
    assert f'href="{feedback_url(cycle, verdict)}">To review<' in html

    page = organiser_client.get(reviews_url(cycle, verdict, round_number=1))
    text = main_text(page)
    assert "Verdict by Harriet Harsh" in text and "Verdict Pass" in text
    assert "Comments for the organisers" in text and "Strong, but the costs look optimistic." in text
    assert "Feedback for the entrant" in text and "Clear evidence of savings; say more about users." in text
    assert "Feedback status To review" in text and "Review this feedback" in text
    assert f'href="{feedback_url(cycle, verdict)}"' in page.get_data(as_text=True)
    assert "Reopen this verdict" in text and "out of 100" not in text and "Criteria" not in text

    verdict.feedback_status = FeedbackStatus.APPROVED
    verdict.feedback_released = "Clear evidence of savings."
    db.session.commit()
    text = main_text(organiser_client.get(reviews_url(cycle, verdict, round_number=1)))
    assert "Feedback status Approved" in text and "The entrant will see Clear evidence of savings." in text


def test_a_ranked_entry_shows_its_position_among_the_judges_entries(organiser_client, verdicts_then_ranking):
    cycle, judge, entries, _, ranked = verdicts_then_ranking
    listing = organiser_client.get(reviews_url(cycle, round_number=2))
    text = main_text(listing)
    assert "Judges’ rankings" in text and "3 ranked entries" in text
    rows = body_rows(listing)
    assert [row.split(":")[0] for row in rows] == [e.reference for e in entries]
    assert "Submitted 2 of 3 To review" in rows[0]
    assert "Submitted 1 of 3 No feedback" in rows[1] and "Submitted 3 of 3 No feedback" in rows[2]

    text = main_text(organiser_client.get(reviews_url(cycle, ranked[0], round_number=2)))
    assert "Ranking by Harriet Harsh" in text and "Position in the judge’s ranking 2 of 3" in text
    assert "The judge’s notes" in text and "Notes on Digital blue badges" in text
    assert "A fine entry." in text and "Reopen the ranking" in text
    assert "whole ranking to them as a draft (3 entries)" in text
    text = main_text(organiser_client.get(reviews_url(cycle, ranked[1], round_number=2)))
    assert "The judge wrote no feedback for the entrant" in text and "Feedback status No feedback" in text
    assert "Review this feedback" not in text


def test_the_ranking_list_does_not_query_per_judge(organiser_client, verdicts_then_ranking):
    cycle, _, entries, _, _ = verdicts_then_ranking
    final = cycle.rounds[1]
    organiser_client.get(reviews_url(cycle, round_number=2))  # the first request's one-off queries
    with counting_queries() as one_judge:
        assert organiser_client.get(reviews_url(cycle, round_number=2)).status_code == 200
    for _ in range(3):
        other = make_judge(cycle)
        for position, entry in enumerate(entries, start=1):
            review_with_feedback(other, entry, judging_round=final, rank=position)
    with counting_queries() as four_judges:
        page = organiser_client.get(reviews_url(cycle, round_number=2))
    assert main_text(page).count("3 of 3") == 4
    assert four_judges["n"] == one_judge["n"]


def test_reopening_a_ranked_entry_says_and_does_it_for_the_whole_ranking(
    organiser_client, verdicts_then_ranking, outbox
):
    cycle, judge, entries, _, ranked = verdicts_then_ranking
    url = reviews_url(cycle, ranked[2], round_number=2, reopen=True)
    page = organiser_client.get(url)
    text = main_text(page)
    assert "Reopen Harriet Harsh’s ranking?" in text and "Position in the judge’s ranking 3 of 3" in text
    assert (
        "Reopening reopens Harriet Harsh’s whole ranking in Round 2: Final panel, not only this entry’s position"
        in text
    )
    assert "All 3 entries go back to a draft" in text and "Reopen the whole ranking" in text
    response = organiser_client.post_form(url, {"reason": "Please look at the order again"}, token_from=url)
    assert response.status_code == 302
    text = main_text(organiser_client.get(response.headers["Location"]))
    assert "Harriet Harsh’s ranking in Round 2: Final panel is reopened, with every entry in it." in text
    db.session.expire_all()
    statuses = {r.status for r in db.session.scalars(sa.select(Review).where(Review.id.in_([r.id for r in ranked])))}
    assert statuses == {ReviewStatus.DRAFT}
    [mail] = outbox("judgement_reopened")
    assert "your ranking in Round 2: Final panel" in mail.body_text


def test_reopening_a_verdict_says_verdict(organiser_client, verdicts_then_ranking, outbox):
    cycle, judge, entries, verdict, _ = verdicts_then_ranking
    url = reviews_url(cycle, verdict, round_number=1, reopen=True)
    text = main_text(organiser_client.get(url))
    assert "Reopen this verdict?" in text and "Verdict Pass" in text
    assert "The verdict goes back to the judge as a draft" in text and "Reopen the verdict" in text
    response = organiser_client.post_form(url, {}, token_from=url)
    text = main_text(organiser_client.get(response.headers["Location"]))
    assert f"The verdict on {entries[0].reference} by Harriet Harsh is reopened." in text
    assert "We have emailed the judge a link to it." in text
    # The e-mail names the round (the cycle judges in two), and reopening again is refused in the verdict's words.
    (sent,) = outbox("judgement_reopened")
    assert "reopened your verdict on this nomination in Round 1:" in sent.body_text
    text = main_text(organiser_client.get(url))
    assert "The verdict has not been submitted, so there is nothing to reopen: the judge can still change it." in text


def test_the_reopened_emails_name_the_round_when_they_are_given_it(app):
    scores_text, scores_html = render_email(
        "review_reopened",
        cycle_name="Public Sector Digital Awards 2026",
        round_name="Round 2: Final panel",
        reference="PSDA-2026-0001",
        title="Digital blue badges",
        reason="",
        link="https://awards.example/judging/nominations/PSDA-2026-0001?round=2",
        closes=None,
    )
    said = "have reopened your scores for this nomination in Round 2: Final panel, so you can change them"
    assert said in scores_text and said in scores_html
    verdict_text, _ = render_email(
        "judgement_reopened",
        ranking=False,
        cycle_name="Public Sector Digital Awards 2026",
        round_name="Round 1: Sift",
        reference="PSDA-2026-0001",
        title="Digital blue badges",
        reason="",
        link="https://awards.example/judging/nominations/PSDA-2026-0001?round=1",
        closes=None,
    )
    assert "reopened your verdict on this nomination in Round 1: Sift, so you can change it" in verdict_text
    one_round, _ = render_email(
        "review_reopened",
        cycle_name="Awards",
        reference="PSDA-2026-0001",
        title="Digital blue badges",
        reason="",
        link="https://awards.example/judging/nominations/PSDA-2026-0001",
        closes=None,
    )
    assert "reopened your scores for this nomination, so you can change them" in one_round


def test_the_cycle_page_links_to_feedback_and_names_what_judges_give(organiser_client, verdicts_then_ranking):
    cycle, *_ = verdicts_then_ranking
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    links = dict(
        (text_of(words), href)
        for href, words in re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', page.get_data(as_text=True))
    )
    assert links["Feedback for entrants"] == feedback_url(cycle)
    assert links["Judges’ verdicts and rankings"] == reviews_url(cycle)
    assert links["Judging rounds"] == f"/organiser/cycles/{cycle.slug}/rounds"


def test_the_per_judge_csv_of_a_verdict_or_ranking_round(organiser_client, verdicts_then_ranking):
    cycle, judge, entries, verdict, ranked = verdicts_then_ranking
    results = f"/organiser/cycles/{cycle.slug}/results"
    for number, words in ((1, "Download every judge’s verdict"), (2, "Download every judge’s ranking")):
        page = organiser_client.get(f"{results}?round={number}")
        html = page.get_data(as_text=True)
        assert words in main_text(page) and f'href="/organiser/cycles/{cycle.slug}/scores.csv?round={number}"' in html
        assert "every criterion score" not in main_text(page)

    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/scores.csv?round=1")
    assert f"{cycle.slug}-round-1-verdicts.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Reference",
        "Judge",
        "Review status",
        "Submitted at (UTC)",
        "Verdict",
        "Comments for the organisers",
    ]
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        [entries[0].reference, "Harriet Harsh", "submitted", "Pass", "Strong, but the costs look optimistic."]
    ]

    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/scores.csv?round=2")
    assert f"{cycle.slug}-round-2-rankings.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][4:] == ["Position", "Entries ranked", "Notes"]
    assert [(r[0], r[4], r[5], r[6]) for r in rows[1:]] == [
        (entries[0].reference, "2", "3", "Notes on Digital blue badges"),
        (entries[1].reference, "1", "3", "Notes on Open buses"),
        (entries[2].reference, "3", "3", "Notes on Care records"),
    ]
