"""The judges' feedback as its entrant receives it with the published results: every wording an organiser
approved (domain/judging/feedback.py) of the nomination's reviews in every round, never with a judge's
name, and, in a scored round set to show them (`feedback_with_scores`), the entry's score beside its
category's average in that round (the round's raw scores, as its results compute them). A pass/fail or
ranking round has no score line. Nothing is released before the results are published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from awards.domain.core.mail import written_later
from awards.domain.judging import feedback
from awards.domain.results.scoring import NominationResult
from awards.domain.results.shortlists import RANKED_STATUSES, cycle_ranking
from awards.extensions import db
from awards.models import Assignment, CycleStatus, JudgingRound, Nomination, Review, RoundMode


@dataclass
class RoundFeedback:
    """What the entrant is told of one round: its feedback and perhaps their score."""

    judging_round: JudgingRound
    label: str | None  # the round's name when the cycle judges in several rounds
    wordings: list[str] = field(default_factory=list)
    score_line: LazyString | None = None  # put into words in the reader's language when shown


@dataclass(frozen=True)
class RoundScores:
    """A scored round's results and the mean raw score of each category's ranked entries with one."""

    results: Mapping[int, NominationResult]  # nomination id → its result in the round
    ranked: np.ndarray  # the ids of the round's ranked entries, sorted
    averages: dict[int, float]  # category id → the mean raw score of its ranked entries with one


def _round_scores(judging_round: JudgingRound) -> RoundScores:
    """The round's scores, kept for the rest of the database session while its reviews are unchanged:
    publication tells every entrant at once (and changes their nominations, which the results' own cache
    counts), so the round's results are computed once for all of them, not once per entrant. The averages
    are taken over each category's array of ids (100,000 entries: no dictionary of every entry is made)."""
    stamp = (
        *db.session.execute(
            select(func.count(Review.id), func.max(Review.id), func.sum(Review.version))
            .join(Assignment, Assignment.id == Review.assignment_id)
            .where(Assignment.round_id == judging_round.id)
        ).one(),
        judging_round.aggregation_method,
    )
    kept: dict[int, tuple[tuple, RoundScores]] = db.session.info.setdefault("released_feedback_scores", {})
    if judging_round.id in kept and kept[judging_round.id][0] == stamp:
        return kept[judging_round.id][1]
    ranking = cycle_ranking(judging_round.cycle, judging_round)
    averages: dict[int, float] = {}
    for category_id, order in ranking.order.items():
        raw = ranking.results.column("raw", order.ids)  # NaN: no raw score
        scores = raw[~np.isnan(raw)].tolist()  # in rank order, as the board lists them
        if scores:
            averages[category_id] = sum(scores) / len(scores)
    ranked = np.sort(np.concatenate([order.ids for order in ranking.order.values()] or [np.empty(0, np.int64)]))
    scores_of = RoundScores(ranking.results, ranked, averages)
    kept[judging_round.id] = (stamp, scores_of)
    return scores_of


def _score_words(own: float, average: float) -> str:
    return _(
        "Your entry scored %(score)s out of 100; the average in your category was %(average)s",
        score=format_decimal(round(own)),
        average=format_decimal(round(average)),
    )


def score_line(nomination: Nomination, judging_round: JudgingRound) -> LazyString | None:
    """ "Your entry scored 72 out of 100; the average in your category was 64": the entry's raw score in
    the round and the mean of its category's raw scores there (None: not a scored round, not set to
    show scores, or the entry has no score in it). Put into words where it is shown, in its reader's
    language (the results e-mail is written in each entrant's)."""
    if not judging_round.feedback_with_scores or judging_round.mode is not RoundMode.SCORES:
        return None
    scores = _round_scores(judging_round)
    result = scores.results.get(nomination.id)
    at = int(np.searchsorted(scores.ranked, nomination.id))
    if result is None or result.raw is None or at >= len(scores.ranked) or scores.ranked[at] != nomination.id:
        return None
    average = scores.averages.get(nomination.category_id)
    if average is None:
        return None
    return written_later(_score_words, result.raw, average)


def feedback_for(nomination: Nomination) -> list[RoundFeedback]:
    """What the nominee is told, round by round (the e-mail at publication uses it as the results are
    published; `published_feedback` is for the nominee's page). Empty for a nomination not judged."""
    if nomination.status not in RANKED_STATUSES:
        return []
    cycle = nomination.cycle
    several = len(cycle.rounds) > 1
    by_round: dict[int, RoundFeedback] = {}

    def entry(judging_round: JudgingRound) -> RoundFeedback:
        if judging_round.id not in by_round:
            by_round[judging_round.id] = RoundFeedback(judging_round, judging_round.label if several else None)
        return by_round[judging_round.id]

    for judging_round, wording in feedback.approved_wordings(nomination):
        entry(judging_round).wordings.append(wording)
    for judging_round in cycle.rounds:
        line = score_line(nomination, judging_round)
        if line:
            entry(judging_round).score_line = line
    return sorted(by_round.values(), key=lambda r: r.judging_round.number)


def published_feedback(nomination: Nomination) -> list[RoundFeedback]:
    """The feedback on the nominee's page: only once the cycle's results are published."""
    cycle = nomination.cycle
    if cycle.status is not CycleStatus.PUBLISHED or cycle.results_published_at is None:
        return []
    return feedback_for(nomination)
