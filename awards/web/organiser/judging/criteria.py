"""A judging round's criteria at /organiser/cycles/<slug>/criteria (?round=N for a round other than
the current one): the list with each weight's share, and adding, changing and removing a criterion
with its scale and rubric bands.

Once judges have saved a score in the round its criteria are locked: the list is read-only and says
why, the forms send the organiser back to it, and any change posted is refused with 409. A
criterion's pages are about its own round, whatever the address says."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from awards.domain.programme import criteria as criteria_rules
from awards.domain.programme.default_translations import default_rubric
from awards.domain.programme.taxonomy import default_taxonomy
from awards.extensions import db
from awards.models import Criterion, Cycle, JudgingRound
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import chosen_round, cycle_breadcrumbs, cycle_or_404, round_args
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import BAND_FIELDS, CriterionForm


def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.rounds).selectinload(JudgingRound.criteria))


def load_criterion(cycle: Cycle, criterion_id: int) -> Criterion:
    """A criterion of the cycle, in whichever round it is (404 for another cycle's)."""
    criterion = db.session.scalar(select(Criterion).where(Criterion.id == criterion_id, Criterion.cycle_id == cycle.id))
    if criterion is None:
        abort(404)
    return criterion


def criteria_url(judging_round: JudgingRound) -> str:
    """The list of the round's criteria."""
    return url_for("organiser.criteria", slug=judging_round.cycle.slug, **round_args(judging_round))


def refuse_if_locked(judging_round: JudgingRound) -> None:
    if criteria_rules.scoring_started(judging_round):
        abort(409, description=criteria_rules.LOCKED_REASON)


def _band_data(rubric: list[dict]) -> list[dict]:
    return [
        {
            "low": str(b.get("from", "")),
            "high": str(b.get("to", "")),
            "label": b.get("label", ""),
            "text": b.get("text", ""),
        }
        for b in rubric
    ]


def _form_for(criterion: Criterion | None) -> CriterionForm:
    if criterion is not None:
        data = {
            "name": criterion.name,
            "description": criterion.description,
            "weight": criterion.weight,
            "scale_min": criterion.scale_min,
            "scale_max": criterion.scale_max,
            "allow_not_applicable": criterion.allow_not_applicable,
            "bands": _band_data(criterion.rubric or []),
        }
    else:
        seed = default_taxonomy()
        data = {
            "weight": 10,
            "scale_min": seed["scale"]["min"],
            "scale_max": seed["scale"]["max"],
            "bands": _band_data(default_rubric()),  # in the service's default language
        }
    if request.method == "POST":
        return CriterionForm(formdata=_rows_changed(request.form) or request.form, data=data)
    return CriterionForm(data=data)


def _rows_changed(posted: MultiDict) -> MultiDict | None:
    """ "Add another band" or "Remove" on a band: the posted form with that row added or taken
    out (and the rows numbered again), to show again without saving. None for a real save."""
    action = posted.get("action", "")
    if action != "add-band" and not action.startswith("remove-band-"):
        return None
    rows: dict[int, dict[str, str]] = {}
    kept = MultiDict()
    for key, value in posted.items(multi=True):
        match = re.fullmatch(r"bands-(\d+)-(low|high|label|text)", key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
        elif key != "action":
            kept.add(key, value)
    ordered = [rows[i] for i in sorted(rows)]
    if action == "add-band":
        ordered.append({name: "" for name in BAND_FIELDS})
    else:
        try:
            del ordered[int(action.removeprefix("remove-band-"))]
        except (ValueError, IndexError):
            pass
    for index, row in enumerate(ordered):
        for name in BAND_FIELDS:
            kept.add(f"bands-{index}-{name}", row.get(name, ""))
    return kept


def _percent(value: float) -> str:
    """33.3, 30, 12.5: one decimal place, without a trailing zero, as the reader writes numbers ('33,3' in
    Swedish)."""
    return format_decimal(round(value, 1), format="#,##0.#")


# --- Views ---------------------------------------------------------------------------------------


def _several(judging_round: JudgingRound) -> bool:
    return len(judging_round.cycle.rounds) > 1


@bp.route("/cycles/<slug>/criteria")
def criteria(slug: str):
    cycle = load_cycle(slug)
    judging_round = chosen_round(cycle)
    items = list(judging_round.criteria)
    shares = {k: _percent(v) for k, v in criteria_rules.weight_shares(items).items()}
    return render_template(
        "organiser/judging/criteria.html",
        cycle=cycle,
        judging_round=judging_round,
        several_rounds=_several(judging_round),
        round_args=round_args(judging_round),
        criteria=items,
        shares=shares,
        total=sum(c.weight for c in items),
        locked=criteria_rules.scoring_started(judging_round),
        locked_reason=criteria_rules.LOCKED_REASON,
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Judging criteria")}),
        title=(
            _("Judging criteria – %(round)s – %(cycle)s", round=judging_round.label, cycle=shown(cycle))
            if _several(judging_round)
            else _("Judging criteria – %(cycle)s", cycle=shown(cycle))
        ),
    )


def _edit(judging_round: JudgingRound, criterion: Criterion | None):
    cycle = judging_round.cycle
    if criteria_rules.scoring_started(judging_round):
        if request.method == "POST":
            refuse_if_locked(judging_round)
        flash(criteria_rules.LOCKED_REASON, "info")
        return redirect(criteria_url(judging_round))
    form = _form_for(criterion)
    rows_changed = request.method == "POST" and _rows_changed(request.form) is not None
    if not rows_changed and form.validate_on_submit():

        def save() -> str:
            if criterion is None:
                saved = criteria_rules.add_criterion(judging_round, by=current_user, **form.values())
                return _("%(name)s has been added", name=saved.name)
            criteria_rules.edit_criterion(criterion, by=current_user, **form.values())
            return _("Your changes to %(name)s have been saved", name=criterion.name)

        done = attempt(save, form=form, field="name")
        if done:
            flash(done.value, "success")
            return redirect(criteria_url(judging_round))
    trail = [
        {"text": _("Judging criteria"), "href": criteria_url(judging_round)},
        {"text": criterion.name if criterion else _("Add a criterion")},
    ]
    return render_template(
        "organiser/judging/criteria_form.html",
        cycle=cycle,
        judging_round=judging_round,
        several_rounds=_several(judging_round),
        back=criteria_url(judging_round),
        criterion=criterion,
        form=form,
        breadcrumbs=cycle_breadcrumbs(cycle, *trail),
        title=_("Change %(name)s", name=criterion.name) if criterion else _("Add a criterion"),
    )


@bp.route("/cycles/<slug>/criteria/new", methods=["GET", "POST"])
def new_criterion(slug: str):
    return _edit(chosen_round(load_cycle(slug)), None)


@bp.route("/cycles/<slug>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
def edit_criterion(slug: str, criterion_id: int):
    criterion = load_criterion(load_cycle(slug), criterion_id)
    return _edit(criterion.round, criterion)


@bp.route("/cycles/<slug>/criteria/<int:criterion_id>/remove", methods=["GET", "POST"])
def remove_criterion(slug: str, criterion_id: int):
    cycle = load_cycle(slug)
    criterion = load_criterion(cycle, criterion_id)
    judging_round = criterion.round
    if criteria_rules.scoring_started(judging_round):
        if request.method == "POST":
            refuse_if_locked(judging_round)
        flash(criteria_rules.LOCKED_REASON, "info")
        return redirect(criteria_url(judging_round))
    if request.method == "POST":
        name = criterion.name
        if attempt(lambda: criteria_rules.remove_criterion(criterion, by=current_user), flash_as="info"):
            flash(_("%(name)s has been removed", name=name), "success")
        return redirect(criteria_url(judging_round))
    return render_template(
        "organiser/judging/criteria_remove.html",
        cycle=cycle,
        judging_round=judging_round,
        several_rounds=_several(judging_round),
        back=criteria_url(judging_round),
        criterion=criterion,
        last=len(judging_round.criteria) <= 1,
        breadcrumbs=cycle_breadcrumbs(
            cycle,
            {"text": _("Judging criteria"), "href": criteria_url(judging_round)},
            {"text": criterion.name},
        ),
        title=_("Remove %(name)s?", name=criterion.name),
    )
