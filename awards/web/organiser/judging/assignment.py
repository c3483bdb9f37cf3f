"""Assigning judges to nominations at /organiser/cycles/<slug>/assignment: the state of things, "Run
assignment" (a preview, nothing stored), "Confirm assignment" (written only if nothing changed since
the preview), "Fill the gaps" (once assigned, nominations short of judges get them in one step, every
current assignment kept); and per nomination, adding a judge by hand (locked), removing and locking.

Every page is about one judging round: `?round=N`, else the cycle's current round (chosen_round); its
forms post back to the same round and its links keep it (round_args, nothing for a one-round cycle).

The round's page lists its entries and their judges 50 a page (`?page=N`; ASSIGNMENT_ROWS_PER_PAGE in the
app's config), every entry or only those short of judges (`?show=short`); its figures are the whole
round's. No form on it posts the list: running the assignment previews every entry of the round."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from awards.domain.core import paging
from awards.domain.core.errors import Conflict
from awards.domain.judging.assignment import manual, solver
from awards.domain.judging.assignment.explanation import AssignmentResult, CurrentState, current_state
from awards.domain.judging.assignment.problem import (
    Problem,
    affinity,
    expertise_levels,
    load_for_display,
    load_problem,
    nomination_trends,
    round_assignments,
)
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationStatus,
    ReviewStatus,
)
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import (
    chosen_round,
    cycle_breadcrumbs,
    cycle_or_404,
    nomination_or_404,
    pagination,
    round_args,
)
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import (
    AddJudgeForm,
    ButtonForm,
    ConfirmForm,
    FillGapsForm,
    RunForm,
)

ROWS_PER_PAGE = 50  # entries a page of the round's list (ASSIGNMENT_ROWS_PER_PAGE overrides it)
LISTS = ("all", "short")  # every entry of the round, or those short of judges

# --- Loading -------------------------------------------------------------------------------------


def _load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.rounds))


def _page(endpoint: str, judging_round: JudgingRound, **values) -> str:
    """The address of an assignment page of the round."""
    return url_for(endpoint, slug=judging_round.cycle.slug, **values, **round_args(judging_round))


def _crumbs(judging_round: JudgingRound, *items: dict) -> list[dict]:
    """The breadcrumbs of a page below the round's assignment page."""
    return cycle_breadcrumbs(
        judging_round.cycle, {"text": _("Assign judges"), "href": _page("organiser.assignment", judging_round)}, *items
    )


def _load_nomination(cycle: Cycle, reference: str) -> Nomination:
    return nomination_or_404(
        cycle,
        reference,
        joinedload(Nomination.category),
        joinedload(Nomination.nominator),
        selectinload(Nomination.partners),
        selectinload(Nomination.trend_links),
    )


def _load_assignment(nomination: Nomination, judging_round: JudgingRound, assignment_id: int) -> Assignment:
    """The nomination's assignment in the round (not a calibration example), or a 404."""
    assignment = db.session.scalar(
        select(Assignment)
        .where(
            Assignment.id == assignment_id,
            Assignment.nomination_id == nomination.id,
            round_assignments(judging_round.id),
        )
        .options(joinedload(Assignment.judge).joinedload(Judge.user), selectinload(Assignment.review))
    )
    if assignment is None:
        abort(404)
    return assignment


def _title(judging_round: JudgingRound, what: str) -> str:
    """A page title: "Assign judges – Round 2: Final – Awards 2026" when the cycle has several rounds."""
    cycle = judging_round.cycle
    if len(cycle.rounds) > 1:
        return _("%(page)s – %(round)s – %(cycle)s", page=what, round=judging_round.label, cycle=shown(cycle))
    return _("%(page)s – %(cycle)s", page=what, cycle=shown(cycle))


# --- The round's assignment ----------------------------------------------------------------------


@bp.route("/cycles/<slug>/assignment", methods=["GET", "POST"])
def assignment(slug: str):
    """GET: the round's assignments as they are. POST ("Run assignment"): the preview of a new one."""
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    form = RunForm()
    if form.validate_on_submit():
        if cycle.status is CycleStatus.PUBLISHED:
            flash(_("The results of this cycle are published, so its judges cannot be changed"), "info")
            return redirect(_page("organiser.assignment", judging_round))
        return _preview(judging_round, load_problem(judging_round))
    state = current_state(load_for_display(judging_round))
    return render_template(
        "organiser/judging/assignment.html",
        cycle=cycle,
        judging_round=judging_round,
        here=round_args(judging_round),
        state=state,
        **_listed(judging_round, state),
        form=form,
        fill_form=FillGapsForm(formdata=None),
        published=cycle.status is CycleStatus.PUBLISHED,
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Assign judges")}),
        title=_title(judging_round, _("Assign judges")),
    )


def _listed(judging_round: JudgingRound, state: CurrentState) -> dict:
    """The page of the round's entries the list shows (`?show=`, `?page=`; past the end is the last page)."""
    per_page = max(1, int(current_app.config.get("ASSIGNMENT_ROWS_PER_PAGE", ROWS_PER_PAGE)))
    show = request.args.get("show", "all")
    if show not in LISTS:
        show = "all"
    listed = state.short if show == "short" else state.nominations
    page, pages = paging.clamp(paging.requested_page(request.args), len(listed), per_page)
    first = (page - 1) * per_page

    def page_url(**changes) -> str:
        args = {"show": None if show == "all" else show, "page": None, **changes}
        return _page(
            "organiser.assignment", judging_round, _anchor="nominations", **{k: v for k, v in args.items() if v}
        )

    return {
        "rows": listed[first : first + per_page],
        "listed": len(listed),
        "first": first + 1,
        "page": page,
        "pages": pages,
        "show": show,
        "lists": LISTS,
        "page_url": page_url,
        "pagination": pagination(page, pages, lambda n: page_url(page=n if n > 1 else None), _("Pages of entries")),
    }


def _preview(judging_round: JudgingRound, problem: Problem, *, stale: str | None = None, status: int = 200):
    result = solver.solve(problem)
    confirm = ConfirmForm(formdata=None, data={"inputs": problem.fingerprint()})
    return render_template(
        "organiser/judging/assignment_preview.html",
        cycle=judging_round.cycle,
        judging_round=judging_round,
        here=round_args(judging_round),
        result=result,
        confirm=confirm,
        stale=stale,
        breadcrumbs=_crumbs(judging_round, {"text": _("Check the new assignment")}),
        title=_title(judging_round, _("Check the new assignment")),
    ), status


@bp.route("/cycles/<slug>/assignment/confirm", methods=["POST"])
def assignment_confirm(slug: str):
    """Write the previewed assignment, unless anything it depends on changed since the preview."""
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    back = _page("organiser.assignment", judging_round)
    form = ConfirmForm()
    if cycle.status is CycleStatus.PUBLISHED:
        flash(_("The results of this cycle are published, so its judges cannot be changed"), "info")
        return redirect(back)
    problem = load_problem(judging_round)
    if not form.validate_on_submit() or form.inputs.data != problem.fingerprint():
        return _preview(
            judging_round,
            problem,
            status=409,
            stale=_(
                "Something changed since your preview (for example a judge, a conflict of interest, a nomination "
                "or an assignment), so nothing was saved. Check this new preview, then confirm it."
            ),
        )
    result = solver.solve(problem)
    done = attempt(lambda: solver.apply(result, by=current_user))
    if isinstance(done.error, Conflict):
        return _preview(judging_round, load_problem(judging_round), status=409, stale=done.message)
    if not done:
        flash(done.message, "info")
        return redirect(back)
    counts = done.value
    saved = ngettext(
        "The assignment has been saved: %(count)s new assignment, %(removed)s removed, %(unchanged)s unchanged.",
        "The assignment has been saved: %(count)s new assignments, %(removed)s removed, %(unchanged)s unchanged.",
        counts["added"],
        count=format_decimal(counts["added"]),
        removed=format_decimal(counts["removed"]),
        unchanged=format_decimal(counts["kept"] + counts["fixed"]),
    )
    after = (
        ngettext(
            "%(count)s nomination is still short of judges: see below.",
            "%(count)s nominations are still short of judges: see below.",
            counts["short"],
            count=format_decimal(counts["short"]),
        )
        if counts["short"]
        else _("Every nomination has all its judges.")
    )
    flash(_("%(saved)s %(after)s", saved=saved, after=after), "success")
    return redirect(back)


@bp.route("/cycles/<slug>/assignment/fill-gaps", methods=["POST"])
def assignment_fill_gaps(slug: str):
    """Give the nominations short of judges the judges they need, keeping every current assignment."""
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    back = _page("organiser.assignment", judging_round)
    if not FillGapsForm().validate_on_submit():
        return redirect(back)
    # Refused when there is no gap to fill, the results are published, or assignments changed meanwhile.
    done = attempt(lambda: solver.fill_gaps(judging_round, by=current_user), flash_as="info")
    if not done:
        return redirect(back)
    result = done.value
    flash(_filled_message(result), "success" if result.feasible else "info")
    return redirect(back)


def _filled_message(result: AssignmentResult) -> str:
    """What filling the gaps did, nomination by nomination, and what is still missing."""
    judges = result.problem.judge_by_id
    added: dict[int, list[str]] = {}
    for planned in result.additions:
        added.setdefault(planned.nomination_id, []).append(judges[planned.judge_id].name)
    parts = [
        _(
            "%(reference)s: %(names)s added",
            reference=plan.nomination.reference,
            names=", ".join(added[plan.nomination.id]),
        )
        for plan in result.nomination_plans
        if plan.nomination.id in added
    ]
    done = (
        ngettext(
            "%(count)s judge has been added, and every current assignment kept. %(changes)s.",
            "%(count)s judges have been added, and every current assignment kept. %(changes)s.",
            len(result.additions),
            count=format_decimal(len(result.additions)),
            changes="; ".join(parts),
        )
        if parts
        else _("No judge could be added: every current assignment is kept.")
    )
    after = (
        _("Still short: %(shortfalls)s.", shortfalls="; ".join(s.message for s in result.shortfalls))
        if result.shortfalls
        else _("Every nomination now has all its judges.")
    )
    return _("%(saved)s %(after)s", saved=done, after=after)


# --- One nomination, by hand ---------------------------------------------------------------------


def _manual_context(judging_round: JudgingRound, nomination: Nomination, form: AddJudgeForm) -> dict:
    """What the nomination's page shows for the round; fills in the judges the form offers."""
    cycle = judging_round.cycle
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.nomination_id == nomination.id, round_assignments(judging_round.id))
            .options(joinedload(Assignment.judge).joinedload(Judge.user), selectinload(Assignment.review))
            .order_by(Assignment.id)
        )
    )
    judges = list(
        db.session.scalars(
            select(Judge)
            .where(Judge.cycle_id == cycle.id)
            .options(selectinload(Judge.user), selectinload(Judge.categories), joinedload(Judge.cycle))
            .order_by(Judge.id)
        )
    )
    options = manual.manual_options(nomination, judges, assignments, judging_round)
    form.judge.choices = [(c.judge.id, c.judge.display_name) for c in options.offered]
    levels = expertise_levels(a.judge.user_id for a in assignments if a.judge.user_id is not None)
    trends = nomination_trends(nomination)
    rows = [
        {
            "assignment": a,
            "affinity": affinity(levels.get(a.judge.user_id, {}), trends),
            "submitted": a.review is not None and a.review.status is ReviewStatus.SUBMITTED,
        }
        for a in sorted(
            assignments, key=lambda a: (a.status is not AssignmentStatus.ASSIGNED, a.judge.display_name.lower(), a.id)
        )
    ]
    submitted = nomination.status is NominationStatus.SUBMITTED
    entry = submitted and manual.is_entry(judging_round, nomination)
    return {
        "cycle": cycle,
        "judging_round": judging_round,
        "here": round_args(judging_round),
        "nomination": nomination,
        "rows": rows,
        "options": options,
        "form": form,
        "live": sum(1 for a in assignments if a.status is AssignmentStatus.ASSIGNED),
        "button": ButtonForm(),
        "judgeable": entry,
        "not_advanced": submitted and not entry,  # submitted, but not advanced into this round
        "breadcrumbs": _crumbs(judging_round, {"text": nomination.reference}),
        "title": _("Judges for %(reference)s", reference=nomination.reference),
    }


@bp.route("/cycles/<slug>/assignment/<reference>", methods=["GET", "POST"])
def assignment_nomination(slug: str, reference: str):
    """A nomination's judges; POST adds a judge (a locked assignment)."""
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    nomination = _load_nomination(cycle, reference)
    form = AddJudgeForm()
    context = _manual_context(judging_round, nomination, form)
    if form.validate_on_submit():
        judge = db.session.scalar(
            select(Judge)
            .where(Judge.id == form.judge.data, Judge.cycle_id == cycle.id)
            .options(selectinload(Judge.user), selectinload(Judge.categories))
        )
        if judge is None:
            abort(404)
        if attempt(
            lambda: manual.add_judge(nomination, judge, by=current_user, judging_round=judging_round),
            form=form,
            field="judge",
        ):
            flash(
                _(
                    "%(name)s has been added to %(reference)s. The assignment is locked, so running the assignment "
                    "again keeps it.",
                    name=judge.display_name,
                    reference=nomination.reference,
                ),
                "success",
            )
            return redirect(_page("organiser.assignment_nomination", judging_round, reference=nomination.reference))
    return render_template("organiser/judging/assignment_nomination.html", **context)


@bp.route("/cycles/<slug>/assignment/<reference>/<int:assignment_id>/lock", methods=["POST"])
def assignment_lock(slug: str, reference: str, assignment_id: int):
    return _set_locked(slug, reference, assignment_id, True)


@bp.route("/cycles/<slug>/assignment/<reference>/<int:assignment_id>/unlock", methods=["POST"])
def assignment_unlock(slug: str, reference: str, assignment_id: int):
    return _set_locked(slug, reference, assignment_id, False)


def _set_locked(slug: str, reference: str, assignment_id: int, locked: bool):
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    nomination = _load_nomination(cycle, reference)
    item = _load_assignment(nomination, judging_round, assignment_id)
    back = _page("organiser.assignment_nomination", judging_round, reference=nomination.reference)
    if ButtonForm().validate_on_submit():
        name = item.judge.display_name
        done = attempt(lambda: manual.set_locked(item, locked, by=current_user), flash_as="info")
        if not done:
            return redirect(back)
        changed = done.value
        if not changed:
            flash(
                _("%(name)s's assignment was already locked", name=name)
                if locked
                else _("%(name)s's assignment was already unlocked", name=name),
                "info",
            )
        elif locked:
            flash(_("%(name)s's assignment is locked: running the assignment again keeps it", name=name), "success")
        else:
            flash(
                _(
                    "%(name)s's assignment is unlocked: running the assignment again may give this place to "
                    "another judge (unless they have started scoring)",
                    name=name,
                ),
                "success",
            )
    return redirect(back)


@bp.route("/cycles/<slug>/assignment/<reference>/<int:assignment_id>/remove", methods=["GET", "POST"])
def assignment_remove(slug: str, reference: str, assignment_id: int):
    """Confirm, then take the judge off the nomination (not once they have submitted scores)."""
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    nomination = _load_nomination(cycle, reference)
    item = _load_assignment(nomination, judging_round, assignment_id)
    back = _page("organiser.assignment_nomination", judging_round, reference=nomination.reference)
    form = ButtonForm()
    if form.validate_on_submit():
        name = item.judge.display_name
        if not attempt(lambda: manual.remove_assignment(item, by=current_user), flash_as="info"):
            return redirect(back)
        flash(_("%(name)s has been removed from %(reference)s", name=name, reference=nomination.reference), "success")
        return redirect(back)
    problem = None
    if item.status is not AssignmentStatus.ASSIGNED:
        problem = _("This judge declared a conflict of interest with this nomination, so the record stays.")
    elif item.review is not None and item.review.status is ReviewStatus.SUBMITTED:
        problem = _(
            "%(name)s has submitted scores for this nomination, so the assignment cannot be removed.",
            name=item.judge.display_name,
        )
    return render_template(
        "organiser/judging/assignment_remove.html",
        cycle=cycle,
        judging_round=judging_round,
        nomination=nomination,
        item=item,
        form=form,
        problem=problem,
        back=back,
        breadcrumbs=_crumbs(judging_round, {"text": nomination.reference, "href": back}, {"text": _("Remove a judge")}),
        title=_("Remove %(name)s from %(reference)s", name=item.judge.display_name, reference=nomination.reference),
    )
