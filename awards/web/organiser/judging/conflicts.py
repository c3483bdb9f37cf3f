"""A cycle's conflicts of interest at /organiser/cycles/<slug>/conflicts: the ones found from
the data (with their reasons), the ones judges declared and organisers entered (with who and
when), and removed ones, filterable by judge; adding one by hand and removing a recorded one,
each with a reason. Found ones cannot be removed: they follow from the data."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from awards.domain.judging import conflicts as conflict_rules
from awards.extensions import db
from awards.models import ConflictOfInterest, ConflictSource, Cycle, Judge, Nomination, User
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import cycle_breadcrumbs, cycle_or_404
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import AddConflictForm, RemoveConflictForm


def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug)


def cycle_judges(cycle: Cycle) -> list[Judge]:
    judges = db.session.scalars(select(Judge).where(Judge.cycle_id == cycle.id).options(selectinload(Judge.user))).all()
    return sorted(judges, key=lambda j: (j.display_name.lower(), j.id))


def nomination_link(nomination: Nomination) -> str | None:
    if "organiser.nomination" in current_app.view_functions:
        return url_for("organiser.nomination", slug=nomination.cycle.slug, reference=nomination.reference)
    return None


# --- Views ---------------------------------------------------------------------------------------


@bp.route("/cycles/<slug>/conflicts")
def conflicts(slug: str):
    cycle = load_cycle(slug)
    judges = cycle_judges(cycle)
    chosen = next((j for j in judges if str(j.id) == request.args.get("judge", "")), None)
    detected = conflict_rules.detected_conflicts(cycle.id, judges=[chosen] if chosen else judges)
    query = (
        select(ConflictOfInterest)
        .join(Judge, Judge.id == ConflictOfInterest.judge_id)
        .where(Judge.cycle_id == cycle.id)
        .options(
            joinedload(ConflictOfInterest.nomination), joinedload(ConflictOfInterest.judge).selectinload(Judge.user)
        )
        .order_by(ConflictOfInterest.created_at.desc(), ConflictOfInterest.id.desc())
    )
    if chosen is not None:
        query = query.where(ConflictOfInterest.judge_id == chosen.id)
    recorded = db.session.scalars(query).unique().all()
    people_ids = {c.created_by_id for c in recorded} | {c.removed_by_id for c in recorded}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people_ids - {None})))}
    return render_template(
        "organiser/judging/conflicts.html",
        cycle=cycle,
        judges=judges,
        chosen=chosen,
        detected=detected,
        active=[c for c in recorded if c.is_active],
        removed=[c for c in recorded if not c.is_active],
        people=people,
        nomination_link=nomination_link,
        detected_reason=conflict_rules.DETECTED_NOT_REMOVABLE,
        ConflictSource=ConflictSource,
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Conflicts of interest")}),
        title=_("Conflicts of interest – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/conflicts/new", methods=["GET", "POST"])
def new_conflict(slug: str):
    cycle = load_cycle(slug)
    judges = cycle_judges(cycle)
    form = AddConflictForm()
    form.offer(judges)
    if request.method == "GET" and request.args.get("judge"):
        form.judge.data = request.args["judge"]
    if form.validate_on_submit():
        judge = next((j for j in judges if str(j.id) == form.judge.data), None)
        reference = form.reference.data.strip().upper()
        nomination = db.session.scalar(
            select(Nomination).where(func.upper(Nomination.reference) == reference, Nomination.cycle_id == cycle.id)
        )
        if nomination is None:
            form.reference.errors.append(
                _(
                    "There is no nomination %(reference)s in %(cycle)s. Enter a reference like PSDA-2026-0042",
                    reference=reference,
                    cycle=shown(cycle),
                )
            )
        else:
            if attempt(
                lambda: conflict_rules.add_organiser_conflict(
                    judge, nomination, reason=form.reason.data, by=current_user
                ),
                form=form,
                field="reference",
            ):
                flash(
                    _(
                        "Conflict recorded: %(name)s will not be given %(reference)s, and cannot see it",
                        name=judge.display_name,
                        reference=nomination.reference,
                    ),
                    "success",
                )
                return redirect(url_for("organiser.conflicts", slug=cycle.slug))
    return render_template(
        "organiser/judging/conflicts_new.html",
        cycle=cycle,
        form=form,
        judges=judges,
        breadcrumbs=cycle_breadcrumbs(
            cycle,
            {"text": _("Conflicts of interest"), "href": url_for("organiser.conflicts", slug=cycle.slug)},
            {"text": _("Add a conflict")},
        ),
        title=_("Add a conflict of interest"),
    )


@bp.route("/cycles/<slug>/conflicts/<int:conflict_id>/remove", methods=["GET", "POST"])
def remove_conflict(slug: str, conflict_id: int):
    cycle = load_cycle(slug)
    conflict = db.session.scalar(
        select(ConflictOfInterest)
        .join(Judge, Judge.id == ConflictOfInterest.judge_id)
        .where(ConflictOfInterest.id == conflict_id, Judge.cycle_id == cycle.id)
        .options(joinedload(ConflictOfInterest.nomination), joinedload(ConflictOfInterest.judge))
    )
    if conflict is None:
        abort(404)
    back = url_for("organiser.conflicts", slug=cycle.slug)
    if not conflict.is_active:
        flash(_("This conflict has already been removed"), "info")
        return redirect(back)
    if conflict.source is ConflictSource.DETECTED and request.method == "POST":
        abort(409, description=conflict_rules.DETECTED_NOT_REMOVABLE)
    form = RemoveConflictForm()
    if form.validate_on_submit():
        if attempt(
            lambda: conflict_rules.remove_conflict(conflict, reason=form.reason.data, by=current_user),
            form=form,
            field="reason",
        ):
            flash(
                _(
                    "Conflict removed: %(name)s may now be given %(reference)s",
                    name=conflict.judge.display_name,
                    reference=conflict.nomination.reference,
                ),
                "success",
            )
            return redirect(back)
    return render_template(
        "organiser/judging/conflicts_remove.html",
        cycle=cycle,
        conflict=conflict,
        form=form,
        detected_reason=conflict_rules.DETECTED_NOT_REMOVABLE,
        breadcrumbs=cycle_breadcrumbs(
            cycle, {"text": _("Conflicts of interest"), "href": back}, {"text": _("Remove a conflict")}
        ),
        title=_("Remove this conflict?"),
    )
