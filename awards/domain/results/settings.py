"""How a judging round's results are calculated: how judges' review scores are combined (mean or
median), which score ranks (raw or normalised), and when the judges' scores disagree enough to be
flagged. Each round has its own settings."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.models import JudgingRound, User

AGGREGATION_METHODS = ("mean", "median")
RANKING_BASES = ("normalised", "raw")
THRESHOLD_MIN, THRESHOLD_MAX = 1, 100


def _which_round(judging_round: JudgingRound) -> dict[str, Any]:
    """The round, for the audit record, when the cycle has several."""
    return {"round": judging_round.number} if len(judging_round.cycle.rounds) > 1 else {}


def change_results_settings(
    judging_round: JudgingRound,
    *,
    aggregation_method: str,
    ranking_basis: str,
    disagreement_range: int,
    disagreement_sd: int,
    by: User | None,
) -> None:
    """Set how the round's results are calculated (audited as results.settings_changed, on its cycle)."""
    if aggregation_method not in AGGREGATION_METHODS:
        raise DomainError(_("Select mean or median"), field="aggregation_method")
    if ranking_basis not in RANKING_BASES:
        raise DomainError(_("Select normalised score or raw score"), field="ranking_basis")
    for field, value in (("disagreement_range", disagreement_range), ("disagreement_sd", disagreement_sd)):
        if not THRESHOLD_MIN <= value <= THRESHOLD_MAX:
            raise DomainError(
                _(
                    "Enter a number of points between %(threshold_min)s and %(threshold_max)s",
                    threshold_min=THRESHOLD_MIN,
                    threshold_max=THRESHOLD_MAX,
                ),
                field=field,
            )
    judging_round.aggregation_method, judging_round.ranking_basis = aggregation_method, ranking_basis
    judging_round.disagreement_range, judging_round.disagreement_sd = disagreement_range, disagreement_sd
    judging_round.updated_at = utcnow()
    audit.record(
        "results.settings_changed",
        actor=by,
        obj=judging_round.cycle,
        **_which_round(judging_round),
        aggregation=aggregation_method,
        basis=ranking_basis,
        range=disagreement_range,
        sd=disagreement_sd,
    )
