"""Advancing a round's entries to the next round, from its results, and telling the finalists.

/cycles/<slug>/rounds/<number>/advance shows the round's order per category with an "Advance" box each
(ticked as the suggestion, or as saved), a reason for every change from the suggestion, and a form to
suggest another number per category; /finalists e-mails the advanced entrants (optional).

A round with more entries to list than fit a page (ADVANCE_OVERVIEW_ROWS in the app's config, else
advancing.OVERVIEW_ROWS) shows a summary per category instead, each linking to its category's page
(`?category=<slug>`): its entries in order, 50 a page (`&page=N`; ADVANCE_ROWS_PER_PAGE). Saving a page
saves only the entries it shows (`shown`) and comes back to the same page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from awards.domain.core import paging
from awards.domain.judging import rounds
from awards.domain.results import advancing
from awards.domain.results import shortlists as rules
from awards.extensions import db
from awards.models import Category, JudgingRound, RoundMode
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import cycle_breadcrumbs, cycle_or_404, error_summary, pagination, round_args
from awards.web.organiser import bp
from awards.web.organiser.results.routes import order_words


def _round(slug: str, number: int) -> JudgingRound:
    judging_round = rounds.round_numbered(cycle_or_404(slug), number)
    if judging_round is None:
        abort(404)
    return judging_round


def _ids(values: list[str]) -> set[int]:
    """The whole numbers among the posted values (anything else is not an entry and is left out)."""
    return {int(v) for v in values if v.isdigit() and len(v) < 12}


def _advance_url(judging_round: JudgingRound, **args) -> str:
    return url_for("organiser.advance_entries", slug=judging_round.cycle.slug, number=judging_round.number, **args)


def _setting(name: str, default: int) -> int:
    return max(1, int(current_app.config.get(name, default)))


def _here() -> dict[str, str]:
    """The category and page the request is about (for the form's address and the way back after saving)."""
    return {k: v for k in ("category", "page") if (v := request.args.get(k, ""))}


def _results_url(judging_round: JudgingRound) -> str:
    return url_for("organiser.results", slug=judging_round.cycle.slug, **round_args(judging_round))


def _breadcrumbs(judging_round: JudgingRound, *trail: dict) -> list[dict]:
    return cycle_breadcrumbs(
        judging_round.cycle,
        {"text": _("Results: %(what)s", what=judging_round.label), "href": _results_url(judging_round)},
        *trail,
    )


def _page(
    judging_round: JudgingRound,
    *,
    problems: dict[str, str] | None = None,
    chosen: set[int] | None = None,
    reasons: dict[int, str] | None = None,
    sizes: dict[int, str] | None = None,
):
    """The advancing page; with what was typed (and its problems) after a refused post."""
    cycle = judging_round.cycle
    problems = problems or {}
    problem = advancing.advancing_problem(judging_round)
    withhold = rules.withheld_nominations(cycle, current_user)
    category = next((c for c in cycle.categories if c.slug == request.args.get("category")), None)
    plan = (
        None
        if problem
        else advancing.advance_plan(
            judging_round,
            withhold=withhold,
            category_id=category.id if category else None,
            page=paging.requested_page(request.args),
            per_page=_setting("ADVANCE_ROWS_PER_PAGE", advancing.ROWS_PER_PAGE),
            overview_rows=_setting("ADVANCE_OVERVIEW_ROWS", advancing.OVERVIEW_ROWS),
        )
    )
    pages = None
    if plan is not None and category is not None:
        pages = pagination(
            plan.page,
            plan.pages,
            lambda n: _advance_url(judging_round, category=category.slug, page=n if n > 1 else None),
            _("Pages of entries in %(category)s", category=shown(category)),
        )
    ticked: set[int] = set()
    shown_reasons: dict[int, str] = {}
    if plan is not None:
        candidates = [c for block in plan.categories for c in block.candidates]
        if chosen is not None:
            ticked = set(chosen)
        elif plan.advanced:
            ticked = {c.nomination.id for c in candidates if c.advanced}
        else:
            ticked = {c.nomination.id for c in candidates if c.suggested}
        shown_reasons = {c.nomination.id: c.reason for c in candidates}
        if reasons is not None:
            shown_reasons.update(reasons)
    typed_sizes = {}
    if plan is not None:
        typed_sizes = {b.category.id: str(b.size) for b in plan.categories}
        typed_sizes.update(sizes or {})
    return render_template(
        "organiser/results/advance.html",
        cycle=cycle,
        judging_round=judging_round,
        problem=problem,
        plan=plan,
        category=category,
        pagination=pages,
        form_url=_advance_url(
            judging_round,
            category=category.slug if category else None,
            page=plan.page if plan is not None and category and plan.page > 1 else None,
        ),
        ticked=ticked,
        reasons=shown_reasons,
        sizes=typed_sizes,
        problems=problems,
        error_list=error_summary(problems),
        order_words=order_words(judging_round),
        RoundMode=RoundMode,
        results_url=_results_url(judging_round),
        rounds_url=url_for("organiser.rounds", slug=cycle.slug),
        breadcrumbs=_breadcrumbs(judging_round),
        advance_field=advancing.advance_field,
        reason_field=advancing.reason_field,
        size_field=advancing.size_field,
        suggest_open=any(name.startswith("top_") for name in problems),
        title=_page_title(judging_round, plan, category),
    )


def _page_title(judging_round: JudgingRound, plan: advancing.AdvancePlan | None, category: Category | None) -> str:
    """The browser tab's title: as the heading says it (advancing *to* the next round, or *from* this one
    when it cannot advance), then the category and page when the page shows one category."""
    cycle = judging_round.cycle
    if plan is None:
        return _("Advance entries from %(round)s: %(cycle)s", round=judging_round.label, cycle=shown(cycle))
    if category is None:
        return _("Advance entries to %(round)s: %(cycle)s", round=plan.target.label, cycle=shown(cycle))
    if plan.pages > 1:
        return _(
            "Advance entries to %(round)s in %(category)s (page %(page)s of %(pages)s): %(cycle)s",
            round=plan.target.label,
            category=shown(category),
            page=plan.page,
            pages=plan.pages,
            cycle=shown(cycle),
        )
    return _(
        "Advance entries to %(round)s in %(category)s: %(cycle)s",
        round=plan.target.label,
        category=shown(category),
        cycle=shown(cycle),
    )


@bp.route("/cycles/<slug>/rounds/<int:number>/advance", methods=["GET", "POST"])
def advance_entries(slug: str, number: int):
    judging_round = _round(slug, number)
    if request.method == "GET":
        return _page(judging_round)
    if (problem := advancing.advancing_problem(judging_round)) is not None:
        flash(problem, "info")
        return redirect(_advance_url(judging_round))
    shown = _ids(request.form.getlist("shown"))
    chosen = _ids(request.form.getlist("advance"))
    reasons = {nid: request.form.get(advancing.reason_field(nid), "") for nid in shown}
    done = attempt(
        lambda: advancing.save_advancement(
            judging_round, shown=shown, chosen=chosen & shown, reasons=reasons, by=current_user
        )
    )
    if done:
        changes = done.value
        if changes and (changes.advanced or changes.removed or changes.noted):
            target = advancing.next_round_of(judging_round)
            flash(
                ngettext(
                    "Saved: %(count)s entry advanced to %(round)s",
                    "Saved: %(count)s entries advanced to %(round)s",
                    changes.total,
                    count=format_decimal(changes.total),
                    round=target.label if target else _("the next round"),
                ),
                "success",
            )
        else:
            flash(_("Nothing was changed"), "success")
        return redirect(_advance_url(judging_round, **_here()))
    error = done.error
    problems = (
        error.problems
        if isinstance(error, advancing.AdvancementProblems)
        else {(error.field if error and error.field else "entries"): done.message or ""}
    )
    return _page(judging_round, problems=problems, chosen=chosen & shown, reasons=reasons)


@bp.route("/cycles/<slug>/rounds/<int:number>/advance/suggest", methods=["POST"])
def suggest_advancement(slug: str, number: int):
    judging_round = _round(slug, number)
    if (problem := advancing.advancing_problem(judging_round)) is not None:
        flash(problem, "info")
        return redirect(_advance_url(judging_round))
    typed: dict[int, str] = {}
    problems: dict[str, str] = {}
    sizes: dict[int, int] = {}
    for category in judging_round.cycle.categories:
        name = advancing.size_field(category.id)
        if name not in request.form:
            continue
        value = typed[category.id] = request.form.get(name, "").strip()
        if not value.isdigit() or len(value) > 6:
            problems[name] = _(
                "Enter how many entries to suggest in %(category)s, as a whole number", category=shown(category)
            )
        else:
            sizes[category.id] = int(value)
    if not problems:
        done = attempt(lambda: advancing.suggest(judging_round, sizes, by=current_user))
        if done:
            flash(
                ngettext(
                    "Suggested %(count)s entry: the top of each category %(order)s. They are advanced now; change any "
                    "below, giving the reason.",
                    "Suggested %(count)s entries: the top of each category %(order)s. They are advanced now; change "
                    "any below, giving the reason.",
                    done.value,
                    count=format_decimal(done.value),
                    order=order_words(judging_round),
                ),
                "success",
            )
            return redirect(_advance_url(judging_round))
        if done.error is not None and done.error.field is None:
            flash(done.message or "", "info")
            return redirect(_advance_url(judging_round))
        problems[done.error.field if done.error and done.error.field else "entries"] = done.message or ""
    db.session.rollback()
    return _page(judging_round, problems=problems, sizes=typed)


@bp.route("/cycles/<slug>/rounds/<int:number>/finalists", methods=["GET", "POST"])
def finalists(slug: str, number: int):
    judging_round = _round(slug, number)
    problem = advancing.advancing_problem(judging_round)
    if request.method == "POST":
        if problem is not None:
            flash(problem, "info")
            return redirect(_advance_url(judging_round))
        done = attempt(lambda: advancing.tell_finalists(judging_round, by=current_user), flash_as="info")
        if done:
            flash(
                ngettext(
                    "%(count)s finalist will be emailed that their entry goes on to the next round",
                    "%(count)s finalists will be emailed that their entry goes on to the next round",
                    done.value,
                    count=format_decimal(done.value),
                ),
                "success",
            )
        return redirect(_advance_url(judging_round))
    return render_template(
        "organiser/results/advance_finalists.html",
        cycle=judging_round.cycle,
        judging_round=judging_round,
        target=advancing.next_round_of(judging_round),
        problem=problem,
        counts=None if problem else advancing.finalist_counts(judging_round),
        advance_url=_advance_url(judging_round),
        breadcrumbs=_breadcrumbs(judging_round, {"text": _("Advance entries"), "href": _advance_url(judging_round)}),
        title=_("Tell the finalists of %(cycle)s", cycle=shown(judging_round.cycle)),
    )
