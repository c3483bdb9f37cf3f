"""Calibration through the app: the organiser chooses a round's example by reference (refusals on the
field, what was typed kept) and sees each judge's severity; the judge scores the example first (their
other entries wait), on the usual entry page, then sees their scores beside the panel's median; a
conflicted judge is never given it and sees nothing of it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.judging import calibration
from awards.extensions import db
from awards.models import Assignment, Review, ReviewScore, ReviewStatus, RoundEntries, RoundMode
from tests.factories import make_assignment, make_judge, make_nomination, make_review
from tests.factories.judging import add_conflict
from tests.support.calibration import calibrating_cycle, earlier_cycle, judge_account
from tests.support.programme import add_round
from tests.support.visible import error_messages, page_text

SHEET_VERSION = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture
def earlier(app):
    return earlier_cycle()


@pytest.fixture
def cycle(app, earlier):
    return calibrating_cycle()


@pytest.fixture
def example(earlier):
    return make_nomination(earlier, title="A council chatbot, judged last year")


@pytest.fixture
def entry(cycle):
    return make_nomination(cycle, title="Digital blue badges")


@pytest.fixture
def member(cycle, judge, entry):
    """The signed-in judge, with `entry` to judge in round 1."""
    jo = make_judge(cycle, judge)
    make_assignment(jo, entry, no_conflict_declared=True)
    return jo


@pytest.fixture
def others(cycle):
    return [make_judge(cycle, judge_account(name)) for name in ("Ben Brown", "Cy Clark")]


def calibration_url(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/rounds/1/calibration"


def given(judging_round) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment).where(Assignment.round_id == judging_round.id, Assignment.calibration.is_(True))
        )
    )


def submit_all(assignment, value: int) -> None:
    review = make_review(assignment, status="submitted")
    for criterion in assignment.round.criteria:
        review.scores.append(ReviewScore(criterion_id=criterion.id, value=value))
    db.session.commit()


# ------------------------------------------------------------------ the organiser's page


def test_the_organiser_chooses_an_example_refusals_on_the_field(
    organiser_client, cycle, example, entry, member, others
):
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/rounds")
    assert f'href="{calibration_url(cycle)}"' in response.get_data(as_text=True)

    response = organiser_client.get(calibration_url(cycle))
    assert response.status_code == 200
    assert "No calibration example yet" in page_text(response)

    # An entry in competition is refused, what was typed kept
    response = organiser_client.post_form(
        calibration_url(cycle), {"reference": entry.reference}, token_from=calibration_url(cycle)
    )
    assert response.status_code == 400
    assert error_messages(response) == [
        f"{entry.reference} is in competition in {cycle.name}: choose a nomination of an earlier cycle, or one of "
        "this cycle screened ineligible"
    ]
    assert f'value="{entry.reference}"' in response.get_data(as_text=True)
    response = organiser_client.post_form(calibration_url(cycle), {"reference": ""}, token_from=calibration_url(cycle))
    assert error_messages(response) == ["Enter the reference of the calibration example"]
    assert given(cycle.rounds[0]) == []

    response = organiser_client.post_form(
        calibration_url(cycle), {"reference": example.reference}, token_from=calibration_url(cycle)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert cycle.rounds[0].calibration_nomination_id == example.id
    assert len(given(cycle.rounds[0])) == 3
    text = page_text(organiser_client.get(calibration_url(cycle)))
    assert f"{example.reference} is the calibration example of Round 1: Judging" in text
    assert "0 of 3 judges have submitted their scores" in text
    assert "Jo Judge Not yet" in text

    # Removed before anyone submits: the assignments go
    response = organiser_client.post_form(calibration_url(cycle), {}, token_from=calibration_url(cycle))
    assert response.status_code == 302
    db.session.expire_all()
    assert cycle.rounds[0].calibration_nomination_id is None and given(cycle.rounds[0]) == []


def test_a_ranking_round_cannot_calibrate(organiser_client, cycle, earlier):
    add_round(cycle, "Ranked", entries=RoundEntries.ELIGIBLE, mode=RoundMode.RANKING)
    page = f"/organiser/cycles/{cycle.slug}/rounds/2/calibration"
    response = organiser_client.get(page)
    assert "A round judged by ranking cannot have a calibration example" in page_text(response)
    assert 'name="reference"' not in response.get_data(as_text=True)
    response = organiser_client.post_form(page, {"reference": make_nomination(earlier).reference}, token_from=page)
    assert response.status_code == 409
    assert "ranking cannot have a calibration example" in error_messages(response)[0]


def test_the_organiser_sees_each_judges_severity(organiser_client, cycle, example, member, others, organiser):
    judging_round = cycle.rounds[0]
    calibration.choose_example(judging_round, example.reference, by=organiser)
    db.session.commit()
    by_judge = {a.judge_id: a for a in given(judging_round)}
    ben, cy = others
    low, high = judging_round.criteria[0].scale_min, judging_round.criteria[0].scale_max
    submit_all(by_judge[ben.id], low + 2)
    submit_all(by_judge[cy.id], low + 4)
    text = page_text(organiser_client.get(calibration_url(cycle)))
    span = high - low
    # Two submitted: the median overall score is the mean of theirs, (2 + 4) / 2 steps up the scale
    median = 100 * 3 / span
    assert f"The panel’s median overall score is {calibration.number_text(median)} out of 100" in text
    assert f"Ben Brown Submitted {calibration.number_text(100 * 2 / span)}" in text
    assert f"Harsher by {calibration.points(100 / span)}" in text
    assert f"More lenient by {calibration.points(100 / span)}" in text
    assert "Jo Judge Not yet" in text


# ------------------------------------------------------------------ the judge's side


def test_the_judge_scores_the_example_first_then_sees_the_comparison(
    judge_client, cycle, example, entry, member, others, organiser
):
    judging_round = cycle.rounds[0]
    calibration.choose_example(judging_round, example.reference, by=organiser)
    db.session.commit()
    ben, cy = others
    by_judge = {a.judge_id: a for a in given(judging_round)}
    low = judging_round.criteria[0].scale_min
    submit_all(by_judge[ben.id], low + 3)
    submit_all(by_judge[cy.id], low + 1)

    home = judge_client.get("/judging/")
    text = page_text(home)
    assert f"{example.reference} Calibration example — not in competition" in text
    assert "Digital blue badges Score the calibration example first" in text
    assert f'href="/judging/nominations/{entry.reference}"' not in home.get_data(as_text=True)

    # The other entry waits: its page says so, and nothing can be saved on it
    response = judge_client.get(f"/judging/nominations/{entry.reference}")
    assert response.status_code == 200
    assert "Score the calibration example first" in page_text(response)
    assert 'id="score-sheet"' not in response.get_data(as_text=True)
    assert f'href="/judging/nominations/{example.reference}"' in response.get_data(as_text=True)
    response = judge_client.post_form(
        f"/judging/nominations/{entry.reference}", {"action": "draft", "version": "0"}, token_from="/judging/"
    )
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 2  # Ben's and Cy's calibration reviews

    # The comparison waits for the judge's own scores
    compare = f"/judging/cycles/{cycle.slug}/rounds/1/calibration"
    assert "Submit your scores for the calibration example first" in page_text(judge_client.get(compare))

    # The example (of an earlier cycle) on the usual entry page: declare, then score against the round's criteria
    page = f"/judging/nominations/{example.reference}"
    assert judge_client.get(page).headers["Location"].endswith(f"{page}/declare")
    response = judge_client.post_form(f"{page}/declare", {"has_conflict": "no"}, token_from=f"{page}/declare")
    assert response.status_code == 302
    response = judge_client.get(page)
    assert response.status_code == 200 and 'id="score-sheet"' in response.get_data(as_text=True)
    assert judging_round.criteria[0].name in page_text(response)
    version = SHEET_VERSION.search(response.get_data(as_text=True)).group(1)
    data = {f"score-{c.id}": str(low + 4) for c in judging_round.criteria}
    response = judge_client.post_form(page, {**data, "action": "submit", "version": version}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert by_judge[member.id].review.status is ReviewStatus.SUBMITTED

    # Now the other entry opens, and the comparison: medians of (4, 3, 1) steps up the scale → 3
    response = judge_client.get(f"/judging/nominations/{entry.reference}")
    assert 'id="score-sheet"' in response.get_data(as_text=True)
    home = judge_client.get("/judging/")
    assert f'href="{compare}"' in home.get_data(as_text=True)
    text = page_text(judge_client.get(compare))
    assert "3 judges have submitted scores for the example so far" in text
    first = judging_round.criteria[0]
    assert (
        f"{first.name} ({first.scale_min} to {first.scale_max}) {low + 4} {low + 3} "
        "You scored 1 point above the panel's median" in text
    )
    span = first.scale_max - first.scale_min
    assert f"You scored {calibration.points(100 / span)} above the panel's median overall." in text


def test_a_conflicted_judge_is_not_given_the_example_and_sees_nothing_of_it(
    judge_client, cycle, example, entry, member, others, organiser
):
    add_conflict(member, example)
    calibration.choose_example(cycle.rounds[0], example.reference, by=organiser)
    db.session.commit()
    assert member.id not in {a.judge_id for a in given(cycle.rounds[0])}
    assert judge_client.get(f"/judging/nominations/{example.reference}").status_code == 404
    assert judge_client.get(f"/judging/cycles/{cycle.slug}/rounds/1/calibration").status_code == 404
    assert example.reference not in page_text(judge_client.get("/judging/"))
    # Their own entries do not wait for an example they were not given
    response = judge_client.get(f"/judging/nominations/{entry.reference}")
    assert 'id="score-sheet"' in response.get_data(as_text=True)


def test_an_ineligible_entry_of_this_cycle_can_be_scored_as_the_example(judge_client, cycle, member, organiser):
    ineligible = make_nomination(cycle, status="ineligible", title="Screened out")
    judging_round = cycle.rounds[0]
    calibration.choose_example(judging_round, ineligible.reference, by=organiser)
    db.session.commit()
    mine = next(a for a in given(judging_round) if a.judge_id == member.id)
    mine.no_conflict_declared_at = utcnow()
    db.session.commit()
    assert f"{ineligible.reference} Calibration example" in page_text(judge_client.get("/judging/"))
    page = f"/judging/nominations/{ineligible.reference}"
    response = judge_client.get(page)
    assert response.status_code == 200
    data = {f"score-{c.id}": str(c.scale_min) for c in judging_round.criteria}
    response = judge_client.post_form(page, {**data, "action": "submit", "version": "0"}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert mine.review.status is ReviewStatus.SUBMITTED


def test_an_example_chosen_before_the_round_became_a_ranking_round_can_be_removed(
    organiser_client, cycle, example, member, organiser
):
    judging_round = cycle.rounds[0]
    calibration.choose_example(judging_round, example.reference, by=organiser)
    judging_round.mode = RoundMode.RANKING
    db.session.commit()
    page = calibration_url(cycle)
    text = page_text(organiser_client.get(page))
    assert f"{example.reference} was chosen as the example before the round was judged by ranking" in text
    assert organiser_client.post_form(page, {}, token_from=page).status_code == 302
    db.session.expire_all()
    assert judging_round.calibration_nomination_id is None and given(judging_round) == []


def test_the_example_page_says_it_is_not_in_competition_and_submitting_it_shows_the_comparison(
    judge_client, cycle, example, entry, member, others, organiser
):
    judging_round = cycle.rounds[0]
    calibration.choose_example(judging_round, example.reference, by=organiser)
    db.session.commit()
    mine = next(a for a in given(judging_round) if a.judge_id == member.id)
    mine.no_conflict_declared_at = utcnow()
    db.session.commit()

    page = f"/judging/nominations/{example.reference}"
    response = judge_client.get(page)
    assert response.status_code == 200
    text = page_text(response)
    assert "A council chatbot, judged last year Calibration example — not in competition" in text
    assert "It does not count in any result" in text
    data = {f"score-{c.id}": str(c.scale_min + 1) for c in judging_round.criteria}
    response = judge_client.post_form(page, {**data, "action": "submit", "version": "0"}, token_from=page)
    assert response.status_code == 302
    compare = f"/judging/cycles/{cycle.slug}/rounds/1/calibration"
    assert response.headers["Location"].endswith(compare)
    assert "How your calibration scores compare" in page_text(judge_client.get(compare))

    # An entry in competition carries no such tag, and submitting it goes back to the judge's list
    response = judge_client.get(f"/judging/nominations/{entry.reference}")
    assert "Calibration example" not in page_text(response)
    page = f"/judging/nominations/{entry.reference}"
    response = judge_client.post_form(page, {**data, "action": "submit", "version": "0"}, token_from=page)
    assert response.status_code == 302 and response.headers["Location"].endswith("/judging/")


def test_a_conflict_declared_on_the_example_lifts_the_wait_and_tells_no_organiser(
    judge_client, cycle, example, entry, member, others, organiser, outbox
):
    judging_round = cycle.rounds[0]
    calibration.choose_example(judging_round, example.reference, by=organiser)
    db.session.commit()
    waiting = judge_client.get(f"/judging/nominations/{entry.reference}")
    assert "Score the calibration example first" in page_text(waiting)

    declare = f"/judging/nominations/{example.reference}/declare"
    response = judge_client.post_form(
        declare, {"has_conflict": "yes", "reason": "I built it"}, token_from=declare, follow_redirects=True
    )
    assert response.status_code == 200
    assert (
        f"You have declared a conflict of interest with {example.reference}, the calibration example. You will "
        "not see it again, and your other entries no longer wait for it." in page_text(response)
    )
    assert outbox("conflict_after_assignment") == []
    assert judge_client.get(f"/judging/nominations/{example.reference}").status_code == 404
    response = judge_client.get(f"/judging/nominations/{entry.reference}")
    assert 'id="score-sheet"' in response.get_data(as_text=True)
    # The judge's list says why the example is not theirs to score, and no longer asks them to score it first.
    home = page_text(judge_client.get("/judging/"))
    assert "You declared a conflict of interest with this example, so you do not score it." in home
    assert "Score the calibration example first" not in home
