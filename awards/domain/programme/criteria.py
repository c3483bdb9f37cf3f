"""A judging round's criteria: name, description, weight, scale, rubric bands and whether
"not applicable" is allowed. Each round of a cycle has its own (models/rounds.py).

They can change until the first score of the round is saved. From then on they are locked:
changing a weight, a scale or a band would make the scores already given incomparable with
the ones still to come. Scores saved in another round do not lock them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select

from awards.domain.core import audit
from awards.domain.core.errors import Conflict, DomainError
from awards.extensions import db
from awards.models import Criterion, JudgingRound, ReviewScore, User

NAME_MAX = 200
DESCRIPTION_MAX = 2000
LABEL_MAX = 60
BAND_TEXT_MAX = 500
SCALE_LOWEST, SCALE_HIGHEST = 0, 100
MAX_POINTS = 21  # judges choose a score from radios: more would not be usable
MAX_WEIGHT = 1000

LOCKED_REASON = (
    "Judges have started scoring, so the criteria are locked. Changing a criterion now would "
    "make the scores already given impossible to compare with the scores still to come."
)


class CriteriaLocked(Conflict):
    def __init__(self) -> None:
        super().__init__(LOCKED_REASON)


def scoring_started(judging_round: JudgingRound) -> bool:
    """True once any score has been saved (draft or submitted) for a criterion of the round."""
    scores = db.session.scalar(
        select(func.count(ReviewScore.id))
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .where(Criterion.round_id == judging_round.id)
    )
    return (scores or 0) > 0


def check_unlocked(judging_round: JudgingRound) -> None:
    if scoring_started(judging_round):
        raise CriteriaLocked()


def weight_shares(criteria: list[Criterion]) -> dict[int, float]:
    """Each criterion's share of the total weight, as a percentage."""
    total = sum(c.weight for c in criteria)
    return {c.id: (100.0 * c.weight / total if total else 0.0) for c in criteria}


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _clean_band(number: int, band: dict[str, Any], scale_min: int, scale_max: int) -> dict[str, Any]:
    """One band (its number counted from 1), checked: a label, a description that fits, and a range
    of whole numbers within the scale."""
    low, high = _whole(band.get("from")), _whole(band.get("to"))
    label = str(band.get("label") or "").strip()
    text = str(band.get("text") or "").strip()
    if not label:
        raise DomainError(_("Enter a label for band %(number)s", number=number), field="rubric")
    if len(label) > LABEL_MAX:
        raise DomainError(
            _(
                "The label of band %(number)s must be %(label_max)s characters or fewer",
                number=number,
                label_max=LABEL_MAX,
            ),
            field="rubric",
        )
    if len(text) > BAND_TEXT_MAX:
        raise DomainError(
            _(
                "The description of band %(number)s must be %(band_text_max)s characters or fewer",
                number=number,
                band_text_max=BAND_TEXT_MAX,
            ),
            field="rubric",
        )
    if low is None or high is None:
        raise DomainError(_("Enter the scores band %(number)s covers, as whole numbers", number=number), field="rubric")
    if low > high:
        raise DomainError(_("Band %(number)s must start at or below where it ends", number=number), field="rubric")
    if low < scale_min or high > scale_max:
        raise DomainError(
            _(
                "Band %(number)s must be within the scale, %(scale_min)s to %(scale_max)s",
                number=number,
                scale_min=scale_min,
                scale_max=scale_max,
            ),
            field="rubric",
        )
    return {"from": low, "to": high, "label": label, "text": text}


def _check_coverage(bands: list[dict[str, Any]], scale_min: int, scale_max: int) -> None:
    """The bands, in score order, cover every score of the scale once: no gap, no overlap."""
    expected = scale_min
    for band in bands:
        if band["from"] > expected:
            gap = f"{expected}" if band["from"] - 1 == expected else f"{expected} to {band['from'] - 1}"
            raise DomainError(
                _(
                    "The bands must cover every score from %(scale_min)s to %(scale_max)s: no band covers %(gap)s",
                    scale_min=scale_min,
                    scale_max=scale_max,
                    gap=gap,
                ),
                field="rubric",
            )
        if band["from"] < expected:
            raise DomainError(
                _(
                    "The bands must not overlap: %(label)s starts at %(from_)s, which another band already covers",
                    label=band["label"],
                    from_=band["from"],
                ),
                field="rubric",
            )
        expected = band["to"] + 1
    if expected <= scale_max:
        gap = f"{expected}" if expected == scale_max else f"{expected} to {scale_max}"
        raise DomainError(
            _(
                "The bands must cover every score from %(scale_min)s to %(scale_max)s: no band covers %(gap)s",
                scale_min=scale_min,
                scale_max=scale_max,
                gap=gap,
            ),
            field="rubric",
        )


def clean_rubric(bands: list[dict[str, Any]], scale_min: int, scale_max: int) -> list[dict[str, Any]]:
    """The bands in score order, checked: each has a label and a range within the scale, and
    together they cover every score of the scale once (no gaps, no overlaps). No bands at all
    is allowed: judges then see the numbers only."""
    cleaned = [_clean_band(number, band, scale_min, scale_max) for number, band in enumerate(bands, start=1)]
    cleaned.sort(key=lambda b: (b["from"], b["to"]))
    if cleaned:
        _check_coverage(cleaned, scale_min, scale_max)
    return cleaned


def _clean(
    judging_round: JudgingRound,
    *,
    name: str,
    description: str,
    weight: int,
    scale_min: int,
    scale_max: int,
    rubric: list[dict[str, Any]],
    allow_not_applicable: bool,
    exclude: Criterion | None = None,
) -> dict:
    name = (name or "").strip()
    description = (description or "").strip()
    if not name:
        raise DomainError(_("Enter the criterion's name"), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Name must be %(name_max)s characters or fewer", name_max=NAME_MAX), field="name")
    if any(c.name.strip().lower() == name.lower() and c is not exclude for c in judging_round.criteria):
        raise Conflict(_already_named(judging_round), field="name")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _(
                "Description must be %(description_max)s characters or fewer",
                description_max=format_decimal(DESCRIPTION_MAX),
            ),
            field="description",
        )
    if not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
        raise DomainError(
            _("Weight must be a whole number from 1 to %(max_weight)s", max_weight=MAX_WEIGHT), field="weight"
        )
    if not isinstance(scale_min, int) or not SCALE_LOWEST <= scale_min < SCALE_HIGHEST:
        raise DomainError(
            _(
                "The lowest score must be a whole number from %(scale_lowest)s to %(value)s",
                scale_lowest=SCALE_LOWEST,
                value=SCALE_HIGHEST - 1,
            ),
            field="scale_min",
        )
    if not isinstance(scale_max, int) or scale_max <= scale_min:
        raise DomainError(_("The highest score must be more than the lowest score"), field="scale_max")
    if scale_max - scale_min + 1 > MAX_POINTS:
        raise DomainError(
            _(
                "The scale can have at most %(max_points)s scores, so that judges can choose from them: "
                "make the highest score %(value)s or lower",
                max_points=MAX_POINTS,
                value=scale_min + MAX_POINTS - 1,
            ),
            field="scale_max",
        )
    return {
        "name": name,
        "description": description,
        "weight": weight,
        "scale_min": scale_min,
        "scale_max": scale_max,
        "rubric": clean_rubric(list(rubric or []), scale_min, scale_max),
        "allow_not_applicable": bool(allow_not_applicable),
    }


def _already_named(judging_round: JudgingRound) -> str:
    if len(judging_round.cycle.rounds) > 1:
        return f"{judging_round.label} already has a criterion with that name"
    return "This cycle already has a criterion with that name"


def add_criterion(
    judging_round: JudgingRound,
    *,
    name: str,
    description: str = "",
    weight: int = 10,
    scale_min: int = 1,
    scale_max: int = 10,
    rubric: list[dict[str, Any]] | None = None,
    allow_not_applicable: bool = False,
    by: User,
) -> Criterion:
    """Add a criterion at the end of the round's list (only before its scoring starts)."""
    check_unlocked(judging_round)
    values = _clean(
        judging_round,
        name=name,
        description=description,
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        rubric=rubric or [],
        allow_not_applicable=allow_not_applicable,
    )
    criterion = Criterion(
        cycle_id=judging_round.cycle_id,
        position=max((c.position for c in judging_round.criteria), default=-1) + 1,
        **values,
    )
    judging_round.criteria.append(criterion)
    db.session.flush()
    audit.record(
        "criterion.added",
        actor=by,
        obj=criterion,
        cycle=judging_round.cycle.slug,
        round=judging_round.number,
        name=criterion.name,
        weight=criterion.weight,
    )
    return criterion


def edit_criterion(
    criterion: Criterion,
    *,
    name: str,
    description: str,
    weight: int,
    scale_min: int,
    scale_max: int,
    rubric: list[dict[str, Any]],
    allow_not_applicable: bool,
    by: User,
) -> list[str]:
    """Change a criterion (only before its round's scoring starts); returns the names of what changed."""
    judging_round = criterion.round
    check_unlocked(judging_round)
    values = _clean(
        judging_round,
        name=name,
        description=description,
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        rubric=rubric,
        allow_not_applicable=allow_not_applicable,
        exclude=criterion,
    )
    changed = [k for k, v in values.items() if getattr(criterion, k) != v]
    for key in changed:
        setattr(criterion, key, values[key])
    if changed:
        audit.record("criterion.edited", actor=by, obj=criterion, fields=changed)
    return changed


def remove_criterion(criterion: Criterion, *, by: User) -> None:
    """Remove a criterion (only before its round's scoring starts); a round keeps at least one."""
    judging_round = criterion.round
    check_unlocked(judging_round)
    if len(judging_round.criteria) <= 1:
        what = "A round" if len(judging_round.cycle.rounds) > 1 else "A cycle"
        raise Conflict(
            _(
                "%(what)s needs at least one criterion for judges to score: add another before removing this one",
                what=what,
            )
        )
    judging_round.criteria.remove(criterion)
    db.session.flush()
    audit.record(
        "criterion.removed",
        actor=by,
        object_type="criteria",
        object_id=criterion.id,
        cycle=judging_round.cycle.slug,
        round=judging_round.number,
        name=criterion.name,
    )
