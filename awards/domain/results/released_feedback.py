"""The judges' feedback as its entrant receives it with the published results: every wording an organiser
approved (domain/judging/feedback.py) of the nomination's reviews in every round, never with a judge's
name, and, in a scored round set to show them (`feedback_with_scores`), the entry's score beside its
category's average in that round (the round's raw scores, as its results compute them). A pass/fail or
ranking round has no score line. Nothing is released before the results are published."""

from __future__ import annotations

from dataclasses import dataclass, field

from awards.domain.judging import feedback
from awards.domain.results.shortlists import RANKED_STATUSES, cycle_ranking
from awards.models import CycleStatus, JudgingRound, Nomination, RoundMode


@dataclass
class RoundFeedback:
    """What the entrant is told of one round: its feedback and perhaps their score."""

    judging_round: JudgingRound
    label: str | None  # the round's name when the cycle judges in several rounds
    wordings: list[str] = field(default_factory=list)
    score_line: str | None = None


def score_line(nomination: Nomination, judging_round: JudgingRound) -> str | None:
    """ "Your entry scored 72 out of 100; the average in your category was 64": the entry's raw score in
    the round and the mean of its category's raw scores there (None: not a scored round, not set to
    show scores, or the entry has no score in it)."""
    if not judging_round.feedback_with_scores or judging_round.mode is not RoundMode.SCORES:
        return None
    ranking = cycle_ranking(nomination.cycle, judging_round)
    own = ranking.results.get(nomination.id)
    if own is None or own.raw is None:
        return None
    scores = [
        result.raw
        for _, nomination_id in ranking.order.get(nomination.category_id, [])
        if (result := ranking.results.get(nomination_id)) is not None and result.raw is not None
    ]
    average = sum(scores) / len(scores) if scores else own.raw
    return f"Your entry scored {own.raw:.0f} out of 100; the average in your category was {average:.0f}"


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
