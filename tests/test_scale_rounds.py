"""`flask seed-scale --rounds 2`: the two-round cycle the benchmarks measure (issue 15, item 8), here at a
tiny scale: round 1 over every entry, closed, every review submitted; its top entries advanced into a
final round 2 judged by a smaller panel, with its assignments and some reviews."""

from collections import Counter

import sqlalchemy as sa

from awards.devdata import scale
from awards.domain.core.clock import utcnow
from awards.domain.results import round_results
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    Cycle,
    CycleStatus,
    Judge,
    Nomination,
    PanelMember,
    Review,
    ReviewScore,
    ReviewStatus,
    RoundEntries,
    RoundMode,
)
from tests.support.visible import main_text


def _seed_two_rounds(runner, *args):
    result = runner.invoke(
        args=["seed-scale", "--nominations", "40", "--judges", "10", "--cases", "0", "--rounds", "2", *args]
    )
    assert result.exit_code == 0, result.output
    return result.output


def _two_round_cycle() -> Cycle:
    return db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))


def _reviews_of(round_id: int):
    return db.session.execute(
        sa.select(
            Assignment.nomination_id,
            Assignment.judge_id,
            Review.id.label("review_id"),
            Review.status,
            Review.verdict,
        )
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_id)
    ).all()


def _scores_per_review(review_ids: list[int]) -> Counter:
    return Counter(db.session.scalars(sa.select(ReviewScore.review_id).where(ReviewScore.review_id.in_(review_ids))))


def _check_final_round(cycle: Cycle, finalists: int) -> None:
    """Round 2 as the option says: the top of round 1's order advanced, a panel of its own, 5 judges each."""
    first, final = cycle.rounds
    now = utcnow()
    assert first.closes_at < now and final.opens_at < now < final.closes_at
    assert final.entries is RoundEntries.ADVANCED and final.mode is RoundMode.SCORES and final.is_final
    assert [(c.name, c.weight) for c in final.criteria] == [(c.name, c.weight) for c in first.criteria]

    advanced = set(db.session.scalars(sa.select(Advancement.nomination_id).where(Advancement.round_id == final.id)))
    assert len(advanced) == finalists
    order = round_results.round_order(first)  # the top of each category's order, nobody skipped
    for members in order.order.values():
        taken = [nid in advanced for nid in members]
        assert taken == sorted(taken, reverse=True), taken

    panel = set(db.session.scalars(sa.select(PanelMember.judge_id).where(PanelMember.round_id == final.id)))
    assert not final.whole_panel and len(panel) == 5  # 10 judges: at least the 5 each finalist needs
    first_judge = db.session.scalar(sa.select(Judge.id).where(Judge.email == scale.scale_email("judge", 1)))
    assert first_judge in panel

    rows = _reviews_of(final.id)
    judges_of = Counter(row.nomination_id for row in rows)
    assert set(judges_of) == advanced and set(judges_of.values()) == {5}
    assert len({(row.nomination_id, row.judge_id) for row in rows}) == 5 * finalists
    assert {row.judge_id for row in rows} <= panel
    assert max(Counter(row.judge_id for row in rows).values()) <= final.judge_max_load
    started = [row for row in rows if row.review_id is not None]
    submitted = [row.review_id for row in started if row.status is ReviewStatus.SUBMITTED]
    drafts = [row.review_id for row in started if row.status is ReviewStatus.DRAFT]
    assert submitted and drafts and len(started) < len(rows)  # some reviews, not all
    per_review = _scores_per_review(submitted + drafts)
    criteria = len(final.criteria)
    assert all(per_review[review_id] == criteria for review_id in submitted)
    assert all(0 < per_review[review_id] < criteria for review_id in drafts)


def test_two_rounds_with_a_pass_fail_first_round(runner, app, client):
    output = _seed_two_rounds(runner, "--finalists", "8")
    assert "Two rounds: round 1 (pass/fail verdicts) closed; 8 finalists advanced into round 2" in output

    cycle = _two_round_cycle()
    assert len(cycle.rounds) == 2
    first = cycle.rounds[0]
    assert first.mode is RoundMode.PASS_FAIL and first.entries is RoundEntries.ELIGIBLE and not first.is_final
    rows = _reviews_of(first.id)
    assert Counter(row.nomination_id for row in rows) == {n: 3 for n in _entry_ids(cycle)}
    assert {row.status for row in rows} == {ReviewStatus.SUBMITTED}
    assert all(row.verdict is not None for row in rows)
    assert len({row.verdict for row in rows}) > 1  # entries differ, so the order means something
    assert not _scores_per_review([row.review_id for row in rows])  # verdicts, no scores
    _check_final_round(cycle, 8)

    # The pages the benchmark measures answer, for the organiser and for the first judge.
    client.post_form("/sign-in", {"email": scale.ORGANISER_EMAIL, "password": scale.SCALE_PASSWORD})
    for path in ("results?round=1", "results?round=2", "judging?round=2", "assignment?round=2", "rounds/1/advance"):
        assert client.get(f"/organiser/cycles/{cycle.slug}/{path}").status_code == 200, path
    judge_client = app.test_client()
    judge = _signed_in_judge(judge_client)
    reference = db.session.scalar(
        sa.select(Nomination.reference)
        .join(Assignment, Assignment.nomination_id == Nomination.id)
        .where(Assignment.judge_id == judge.id, Assignment.round_id == cycle.rounds[1].id)
        .limit(1)
    )
    assert judge_client.get("/judging/").status_code == 200
    sheet = judge_client.get(f"/judging/nominations/{reference}?round=2")
    assert sheet.status_code == 200
    assert "Final panel" in main_text(sheet)


def test_two_rounds_with_a_scored_first_round(runner):
    output = _seed_two_rounds(runner, "--finalists", "6", "--first-round", "scores")
    assert "Two rounds: round 1 (scores) closed; 6 finalists advanced into round 2" in output
    cycle = _two_round_cycle()
    first = cycle.rounds[0]
    assert first.mode is RoundMode.SCORES
    rows = _reviews_of(first.id)
    assert {row.status for row in rows} == {ReviewStatus.SUBMITTED} and len(rows) == 3 * 40
    per_review = _scores_per_review([row.review_id for row in rows])
    assert set(per_review.values()) == {len(first.criteria)}
    _check_final_round(cycle, 6)


def test_more_finalists_than_nominations_is_refused(runner):
    refused = runner.invoke(
        args=["seed-scale", "--nominations", "4", "--judges", "3", "--cases", "0", "--rounds", "2", "--finalists", "5"]
    )
    assert refused.exit_code != 0
    assert "advance no more finalists than there are nominations" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 0


def _entry_ids(cycle: Cycle) -> list[int]:
    return list(db.session.scalars(sa.select(Nomination.id).where(Nomination.cycle_id == cycle.id)))


def _signed_in_judge(client) -> Judge:
    response = client.post_form("/sign-in", {"email": scale.scale_email("judge", 1), "password": scale.SCALE_PASSWORD})
    assert response.status_code == 302
    return db.session.scalar(sa.select(Judge).where(Judge.email == scale.scale_email("judge", 1)))
