"""Award cycles at /organiser/cycles: the list, creating and editing a cycle, its categories,
moving it between states (with a confirmation that says what happens), and copying it to
start next year's."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.nominations import form_builder
from awards.domain.programme import cycles as cycle_rules
from awards.domain.results import shortlists as results_rules
from awards.extensions import db
from awards.models import Category, Cycle, CycleStatus, JudgingRound, Trend
from awards.templating import govuk_datetime, shown
from awards.web.actions import attempt
from awards.web.helpers import cycle_or_404
from awards.web.organiser import bp
from awards.web.organiser.cycles.forms import (
    FIELD_FOR,
    CategoryForm,
    ConfirmForm,
    CopyCycleForm,
    CycleForm,
    cycle_form_defaults,
    drop_round_fields,
)

STATUS_TAGS = {
    CycleStatus.DRAFT: "govuk-tag--grey",
    CycleStatus.OPEN: "govuk-tag--green",
    CycleStatus.CLOSED: "govuk-tag--yellow",
    CycleStatus.JUDGING: "govuk-tag--blue",
    CycleStatus.PUBLISHED: "govuk-tag--purple",
}

# The button on the cycle page, and the question on the confirmation page, for each move.
MOVES = {
    (CycleStatus.DRAFT, CycleStatus.OPEN): (_l("Open for nominations"), _l("Open %(name)s for nominations?")),
    (CycleStatus.OPEN, CycleStatus.CLOSED): (_l("Close nominations"), _l("Close nominations for %(name)s?")),
    (CycleStatus.OPEN, CycleStatus.DRAFT): (_l("Move back to draft"), _l("Move %(name)s back to draft?")),
    (CycleStatus.CLOSED, CycleStatus.JUDGING): (_l("Start judging"), _l("Start judging %(name)s?")),
    (CycleStatus.CLOSED, CycleStatus.OPEN): (_l("Reopen for nominations"), _l("Reopen %(name)s for nominations?")),
    (CycleStatus.JUDGING, CycleStatus.PUBLISHED): (_l("Publish results"), _l("Publish the results of %(name)s?")),
    (CycleStatus.JUDGING, CycleStatus.CLOSED): (_l("Stop judging"), _l("Stop judging %(name)s?")),
    (CycleStatus.PUBLISHED, CycleStatus.JUDGING): (_l("Withdraw the results"), _l("Withdraw the results of %(name)s?")),
}
# Before the closing instant, closing is a decision to close early.
CLOSE_NOW = (_l("Close nominations now"), _l("Close nominations for %(name)s now?"))
# Moves a step back: never the main button on the cycle page.
BACKWARD = {
    (CycleStatus.OPEN, CycleStatus.DRAFT),
    (CycleStatus.CLOSED, CycleStatus.OPEN),
    (CycleStatus.JUDGING, CycleStatus.CLOSED),
    (CycleStatus.PUBLISHED, CycleStatus.JUDGING),
}


def _load_cycle(slug: str) -> Cycle:
    return cycle_or_404(
        slug,
        selectinload(Cycle.categories).selectinload(Category.trends),
        selectinload(Cycle.trends),
        selectinload(Cycle.rounds).selectinload(JudgingRound.criteria),
    )


def _load_category(cycle: Cycle, category_id: int) -> Category:
    category = next((c for c in cycle.categories if c.id == category_id), None)
    if category is None:
        abort(404)
    return category


def _current_trends() -> list[Trend]:
    return list(db.session.scalars(select(Trend).where(Trend.retired_at.is_(None)).order_by(Trend.position)))


def _offerable_trends(cycle: Cycle | None) -> list[Trend]:
    """Current trends, plus any retired ones the cycle already offers (it may keep them)."""
    trends = {t.id: t for t in _current_trends()}
    for trend in cycle.trends if cycle else []:
        trends.setdefault(trend.id, trend)
    return sorted(trends.values(), key=lambda t: (t.position, t.id))


def _show_error(form, error: DomainError, default_field: str = "name") -> None:
    """Put a domain error on the field it is about, so the error summary links there."""
    name = FIELD_FOR.get(error.field or "", error.field)
    if not name or name not in form:
        name = default_field
    form[name].errors = list(form[name].errors) + [error.message]


def _nominations_url(cycle: Cycle) -> str | None:
    # The organiser's nominations list lives in its own module; link to it when it is there.
    if "organiser.nominations" in current_app.view_functions:
        return url_for("organiser.nominations", slug=cycle.slug)
    return None


# --- The list and the cycle page --------------------------------------------------------------


@bp.route("/cycles")
def cycles():
    rows = db.session.scalars(
        select(Cycle).order_by(Cycle.year.desc(), Cycle.nominations_open_at.desc(), Cycle.id.desc())
    ).all()
    return render_template(
        "organiser/cycles/index.html",
        cycles=rows,
        counts=cycle_rules.nomination_counts_by_cycle(),
        tags=STATUS_TAGS,
        title=_("Award cycles"),
    )


@bp.route("/cycles/<slug>")
def cycle(slug: str):
    cycle = _load_cycle(slug)
    now = utcnow()
    moves = _moves(cycle, now)
    counts = cycle_rules.nomination_counts_by_cycle().get(cycle.id, {"draft": 0, "received": 0, "withdrawn": 0})
    return render_template(
        "organiser/cycles/show.html",
        cycle=cycle,
        moves=moves,
        tags=STATUS_TAGS,
        counts=counts,
        category_counts=cycle_rules.category_nomination_counts(cycle),
        accepting=cycle_rules.accepts_nominations(cycle, now),
        nominations_url=_nominations_url(cycle),
        change=_change_links(cycle),
        form_size=_form_size(cycle),
        now=now,
        title=shown(cycle),
    )


def _move_words(cycle: Cycle, to: CycleStatus, now) -> tuple[str, str]:
    """The button and the question of a move."""
    if (cycle.status, to) == (CycleStatus.OPEN, CycleStatus.CLOSED) and now < cycle.nominations_close_at:
        return CLOSE_NOW
    return MOVES[(cycle.status, to)]


def _moves(cycle: Cycle, now) -> list[dict]:
    """The cycle page's buttons. The main (green) one is the next step forward when it is due: opening,
    closing once the closing date has passed, judging, publishing once there is a shortlist."""
    moves = []
    for to in cycle_rules.TRANSITIONS[cycle.status]:
        key = (cycle.status, to)
        try:
            cycle_rules.check_transition(cycle, to, now)
            problem = None
        except DomainError as error:
            problem = error.message
        move = {
            "to": to,
            "label": _move_words(cycle, to, now)[0],
            "problem": problem,
            "needs_shortlist": False,
            "href": url_for("organiser.change_cycle_status", slug=cycle.slug, state=to.value),
            "primary": problem is None and key not in BACKWARD,
        }
        if key == (CycleStatus.OPEN, CycleStatus.CLOSED) and now < cycle.nominations_close_at:
            move["primary"] = False  # the cycle runs to its closing date unless the organiser decides otherwise
        if key == (CycleStatus.JUDGING, CycleStatus.PUBLISHED):
            move["href"] = url_for("organiser.publish", slug=cycle.slug)  # publishing has its own page
            if not results_rules.has_shortlist(cycle):
                move["primary"], move["needs_shortlist"] = False, True
        moves.append(move)
    return moves


def _form_size(cycle: Cycle) -> str:
    """The entry form in a few words: "9 sections, 21 questions"."""
    sections = len(cycle.form_sections)
    questions = sum(len(s.questions) for s in cycle.form_sections)
    return _(
        "%(sections)s, %(questions)s",
        sections=ngettext("%(count)s section", "%(count)s sections", sections, count=format_decimal(sections)),
        questions=ngettext("%(count)s question", "%(count)s questions", questions, count=format_decimal(questions)),
    )


def _change_links(cycle: Cycle):
    """The "Change" action of a summary row: the edit page, at the field; for a first-round setting
    (`round_anchor`, its field on the round's form) of a cycle judging in several rounds, round 1's page."""
    several = len(cycle.rounds) > 1

    def change(anchor: str, what: str, round_anchor: str | None = None) -> dict:
        href = (
            url_for("organiser.edit_round", slug=cycle.slug, number=cycle.rounds[0].number, _anchor=round_anchor)
            if several and round_anchor
            else url_for("organiser.edit_cycle", slug=cycle.slug, _anchor=anchor)
        )
        return {
            "items": [
                {
                    "href": href,
                    "text": _("Change"),
                    "visuallyHiddenText": what,
                }
            ]
        }

    return change


# --- Creating and editing ---------------------------------------------------------------------


@bp.route("/cycles/new", methods=["GET", "POST"])
def create_cycle():
    rules = cycle_rules.default_entry_rules()
    year = utcnow().year
    # The defaults never clash with a cycle that exists: the prefix is PSDA, or PSDA2, … if that is taken.
    form = CycleForm(
        data={
            "year": year,
            "time_zone": "Europe/London",
            "reference_prefix": cycle_rules.free_reference_prefix(year),
            "nominations_open_time": "9am",
            "nominations_close_time": "5pm",
            "trends": [t.id for t in cycle_rules.default_trends()],
            "categories": [item["slug"] for item in cycle_rules.default_categories()],
            **rules,
        }
    )
    form.trends.offer(_current_trends())
    form.offer_templates(form_builder.form_templates())
    if form.validate_on_submit():
        done = attempt(
            lambda: cycle_rules.create_cycle(**form.values(), by=current_user),
            on_error=lambda error: _show_error(form, error),
        )
        if done:
            cycle = done.value
            if cycle.categories:
                flash(
                    _(
                        "%(cycle)s has been created as a draft. Check its categories and dates, then open it for "
                        "nominations.",
                        cycle=shown(cycle),
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "%(cycle)s has been created as a draft with no categories. Add at least one category "
                        "before you open it for nominations.",
                        cycle=shown(cycle),
                    ),
                    "success",
                )
            return redirect(url_for("organiser.cycle", slug=cycle.slug))
    return render_template("organiser/cycles/form.html", form=form, cycle=None, title=_("Create a cycle"))


@bp.route("/cycles/<slug>/edit", methods=["GET", "POST"])
def edit_cycle(slug: str):
    cycle = _load_cycle(slug)
    form = CycleForm(data={**cycle_form_defaults(cycle), "trends": [t.id for t in cycle.trends]})
    form.editing = cycle
    drop_round_fields(form, cycle)  # each round's own, on the rounds pages, once there are several
    del form.categories  # the cycle page adds, changes and removes them one by one
    del form.form_start  # the entry form has its own pages
    if cycle.status is not CycleStatus.DRAFT:
        del form.slug  # the web address is in links people have once the cycle has opened
    form.trends.offer(_offerable_trends(cycle))
    if not form.is_submitted():
        form.fill_dates(cycle, cycle.time_zone)
    if form.validate_on_submit():
        values = form.values()
        trend_ids = values.pop("trend_ids")
        if "slug" not in form:
            values.pop("slug", None)
        if attempt(
            lambda: cycle_rules.update_cycle(cycle, trend_ids=trend_ids, by=current_user, **values),
            on_error=lambda error: _show_error(form, error),
        ):
            flash(_("Your changes to the cycle have been saved"), "success")
            return redirect(url_for("organiser.cycle", slug=cycle.slug))
    return render_template(
        "organiser/cycles/form.html", form=form, cycle=cycle, title=_("Change %(cycle)s", cycle=shown(cycle))
    )


# --- State changes ----------------------------------------------------------------------------


@bp.route("/cycles/<slug>/status/<state>", methods=["GET", "POST"])
def change_cycle_status(slug: str, state: str):
    cycle = _load_cycle(slug)
    try:
        to = CycleStatus(state)
    except ValueError:
        abort(404)
    if to not in cycle_rules.TRANSITIONS[cycle.status]:
        # Someone else moved it first, or an old link: say where it is now.
        flash(
            _(
                "%(cycle)s is %(now)s, so it cannot become %(to)s from here",
                cycle=shown(cycle),
                now=cycle.status.label.lower(),
                to=to.label.lower(),
            ),
            "info",
        )
        return redirect(url_for("organiser.cycle", slug=cycle.slug))
    if (cycle.status, to) == (CycleStatus.JUDGING, CycleStatus.PUBLISHED):
        # Publishing is `results.publish`, on its own page, which says who is e-mailed and what is published.
        if request.method == "POST":
            flash(
                _("Nothing has been published. Check what publishing does below, then publish the results here."),
                "info",
            )
        return redirect(url_for("organiser.publish", slug=cycle.slug))
    form = ConfirmForm()
    error = None
    now = utcnow()
    label, question = _move_words(cycle, to, now)
    effects = (
        results_rules.withdrawal_counts(cycle)
        if (cycle.status, to) == (CycleStatus.PUBLISHED, CycleStatus.JUDGING)
        else None
    )
    if form.validate_on_submit():
        done = attempt(lambda: _make_move(cycle, to))
        if isinstance(done.error, Conflict):
            flash(done.message, "info")
            return redirect(url_for("organiser.cycle", slug=cycle.slug))
        if done:
            flash(done.value, "success")
            return redirect(url_for("organiser.cycle", slug=cycle.slug))
        error = done.error
    else:
        try:
            cycle_rules.check_transition(cycle, to, now)
        except DomainError as problem:
            error = problem
    return render_template(
        "organiser/cycles/status.html",
        cycle=cycle,
        to=to,
        form=form,
        label=label,
        question=_move_question(question, cycle),
        error=error,
        now=now,
        effects=effects,
        closing_early=(label, question) == CLOSE_NOW,
        submitted_error=error is not None and form.is_submitted(),
        fix_url=_fix_url(cycle, error),
        title=_move_question(question, cycle),
    )


def _move_question(question, cycle: Cycle) -> str:
    """The confirmation page's question ("Open Awards 2026 for nominations?"), in the reader's language."""
    return str(question) % {"name": cycle.name}


def _make_move(cycle: Cycle, to: CycleStatus) -> str:
    """Make the move through its one domain function (see cycles.OWN_FUNCTIONS); what to tell the organiser."""
    move = (cycle.status, to)
    if move == (CycleStatus.OPEN, CycleStatus.CLOSED):
        cycle_rules.close_nominations(cycle, by=current_user)
        return _(
            "Nominations for %(cycle)s closed at %(when)s. Nobody can start, change or submit a nomination now.",
            cycle=shown(cycle),
            when=govuk_datetime(cycle.nominations_close_at, cycle.time_zone),
        )
    if move == (CycleStatus.PUBLISHED, CycleStatus.JUDGING):
        counts = results_rules.withdraw_results(cycle, by=current_user)
        return _(
            "The results of %(cycle)s have been withdrawn: %(results)s taken back, %(cases)s taken off the website, "
            "%(nominees)s emailed. The cycle is back in judging.",
            cycle=shown(cycle),
            results=ngettext("%(num)s result", "%(num)s results", counts["results"]),
            cases=ngettext("%(num)s impact case", "%(num)s impact cases", counts["impact_cases"]),
            nominees=ngettext("%(num)s nominee", "%(num)s nominees", counts["emails"]),
        )
    cycle_rules.transition(cycle, to, by=current_user)
    return _("%(cycle)s is now %(status)s", cycle=shown(cycle), status=to.label.lower())


def _fix_url(cycle: Cycle, error: DomainError | None) -> str | None:
    """Where the organiser goes to remove the problem a state change ran into."""
    if error is None:
        return None
    anchors = {
        "nominations_close_at": "nominations_close_date-day",
        "nominations_open_at": "nominations_open_date-day",
        "trend_ids": "trends",
    }
    if error.field == "categories":
        return url_for("organiser.add_category", slug=cycle.slug)
    if error.field in anchors:
        return url_for("organiser.edit_cycle", slug=cycle.slug, _anchor=anchors[error.field])
    return None


# --- Copying to next year ---------------------------------------------------------------------


def _next_name(cycle: Cycle) -> str:
    year = str(cycle.year)
    if year in cycle.name:
        return cycle.name.replace(year, str(cycle.year + 1))
    return f"{cycle.name} {cycle.year + 1}"


@bp.route("/cycles/<slug>/copy", methods=["GET", "POST"])
def copy_cycle(slug: str):
    source = _load_cycle(slug)
    form = CopyCycleForm(
        time_zone=source.time_zone,
        data={
            "name": _next_name(source),
            "year": source.year + 1,
            "reference_prefix": cycle_rules.free_reference_prefix(source.year + 1, source.reference_prefix),
        },
    )
    if not form.is_submitted():
        form.fill_dates(
            {
                name: cycle_rules.next_year(cycle_rules.cycle_setting(source, name), source.time_zone)
                for name in ("nominations_open_at", "nominations_close_at", "judging_close_at")
            },
            source.time_zone,
        )
    if form.validate_on_submit():
        done = attempt(
            lambda: cycle_rules.copy_cycle(
                source,
                name=form.name.data,
                year=form.year.data,
                reference_prefix=form.reference_prefix.data,
                by=current_user,
                **form.parsed,
            ),
            on_error=lambda error: _show_error(form, error),
        )
        if done:
            new = done.value
            flash(
                _(
                    "%(cycle)s has been created as a draft, with the settings, trends, categories and judging "
                    "criteria of %(source)s",
                    cycle=new.name,
                    source=source.name,
                ),
                "success",
            )
            return redirect(url_for("organiser.cycle", slug=new.slug))
    retired = [t for t in source.trends if t.is_retired]
    return render_template(
        "organiser/cycles/copy.html",
        form=form,
        cycle=source,
        retired=retired,
        title=_("Copy %(cycle)s to start next year's cycle", cycle=source.name),
    )


# --- Categories -------------------------------------------------------------------------------


def _category_trend_choices(cycle: Cycle, category: Category | None) -> list[Trend]:
    trends = {t.id: t for t in cycle.trends}
    for trend in category.trends if category else []:
        trends.setdefault(trend.id, trend)
    return sorted(trends.values(), key=lambda t: (t.position, t.id))


@bp.route("/cycles/<slug>/categories/new", methods=["GET", "POST"])
def add_category(slug: str):
    cycle = _load_cycle(slug)
    form = CategoryForm()
    form.trends.offer(_category_trend_choices(cycle, None))
    if form.validate_on_submit():
        done = attempt(
            lambda: cycle_rules.add_category(
                cycle,
                name=form.name.data,
                description=form.description.data or "",
                shortlist_size=form.shortlist_size.data,
                trend_ids=list(form.trends.data or []),
                by=current_user,
            ),
            on_error=lambda error: _show_error(form, error),
        )
        if done:
            category = done.value
            flash(_("The category %(category)s has been added", category=shown(category)), "success")
            return redirect(url_for("organiser.cycle", slug=cycle.slug, _anchor="categories"))
    return render_template(
        "organiser/cycles/category_form.html",
        form=form,
        cycle=cycle,
        category=None,
        title=_("Add a category – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/categories/<int:category_id>/edit", methods=["GET", "POST"])
def edit_category(slug: str, category_id: int):
    cycle = _load_cycle(slug)
    category = _load_category(cycle, category_id)
    form = CategoryForm(
        data={
            "name": category.name,
            "description": category.description,
            "shortlist_size": category.shortlist_size,
            "trends": [t.id for t in category.trends],
        }
    )
    form.trends.offer(_category_trend_choices(cycle, category))
    if form.validate_on_submit():
        if attempt(
            lambda: cycle_rules.edit_category(
                category,
                name=form.name.data,
                description=form.description.data or "",
                shortlist_size=form.shortlist_size.data,
                trend_ids=list(form.trends.data or []),
                by=current_user,
            ),
            on_error=lambda error: _show_error(form, error),
        ):
            flash(_("Your changes to the category %(category)s have been saved", category=shown(category)), "success")
            return redirect(url_for("organiser.cycle", slug=cycle.slug, _anchor="categories"))
    return render_template(
        "organiser/cycles/category_form.html",
        form=form,
        cycle=cycle,
        category=category,
        title=_("Change %(category)s – %(cycle)s", category=shown(category), cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/categories/<int:category_id>/remove", methods=["GET", "POST"])
def remove_category(slug: str, category_id: int):
    cycle = _load_cycle(slug)
    category = _load_category(cycle, category_id)
    count = cycle_rules.nomination_count(category)
    form = ConfirmForm()
    if count == 0 and form.validate_on_submit():
        name = category.name
        if attempt(lambda: cycle_rules.remove_category(category, by=current_user), flash_as="info"):
            flash(_("The category %(category)s has been removed", category=name), "success")
        return redirect(url_for("organiser.cycle", slug=cycle.slug, _anchor="categories"))
    return render_template(
        "organiser/cycles/remove_category.html",
        form=form,
        cycle=cycle,
        category=category,
        count=count,
        title=_("Remove %(category)s?", category=shown(category)),
    )
