"""A cycle's judges at /organiser/cycles/<slug>/judges: the list, inviting one or many by
e-mail, re-sending an invitation, each judge's settings (organisation, load limit, categories,
expertise) and removing a judge who has not submitted scores."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import judges as judge_rules
from awards.extensions import db
from awards.models import Assignment, AssignmentStatus, Cycle, Judge
from awards.web.actions import attempt
from awards.web.forms import (
    EXPERTISE_HINT,
    expertise_defaults,
    expertise_field_name,
    posted_levels,
    trend_groups,
    with_expertise,
)
from awards.web.helpers import cycle_breadcrumbs, cycle_or_404
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import (
    InviteForm,
    JudgeSettingsForm,
)

# --- Loading -------------------------------------------------------------------------------------


def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.trends))


def load_judge(cycle: Cycle, judge_id: int) -> Judge:
    judge = db.session.scalar(
        select(Judge)
        .where(Judge.id == judge_id, Judge.cycle_id == cycle.id)
        .options(selectinload(Judge.user), selectinload(Judge.categories))
    )
    if judge is None:
        abort(404)
    return judge


def assigned_counts(cycle: Cycle) -> dict[int, int]:
    """Live assignments per judge id of the cycle, in one query."""
    rows = db.session.execute(
        select(Assignment.judge_id, func.count(Assignment.id))
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(Judge.cycle_id == cycle.id, Assignment.status == AssignmentStatus.ASSIGNED)
        .group_by(Assignment.judge_id)
    )
    return dict(rows.all())


def settings_form(cycle: Cycle, judge: Judge, trends: list) -> JudgeSettingsForm:
    form_class = with_expertise(JudgeSettingsForm, trends) if judge.user else JudgeSettingsForm
    levels = judge_rules.expertise_levels(judge.user)
    defaults = {
        "organisation": judge.organisation or (judge.user.organisation if judge.user else ""),
        "max_load": judge.max_load,
        "scope": "all" if judge.all_categories else "some",
        "category_ids": [c.id for c in judge.categories],
        **(expertise_defaults(trends, levels) if judge.user else {}),
    }
    form = form_class(data=defaults)
    form.max_load.description = (
        f"Leave blank to use the cycle’s limit, which is {cycle.judge_max_load}. "
        "No judge is given more nominations than this."
    )
    form.category_ids.choices = [(c.id, c.name) for c in cycle.categories]
    return form


# --- The list and invitations --------------------------------------------------------------------


def _render_list(cycle: Cycle, form: InviteForm, status: int = 200):
    judges = db.session.scalars(
        select(Judge)
        .where(Judge.cycle_id == cycle.id)
        .options(selectinload(Judge.user), selectinload(Judge.categories))
    ).all()
    judges = sorted(judges, key=lambda j: (j.has_accepted, (j.user.name if j.user else j.email).lower()))
    accepted = sum(1 for j in judges if j.has_accepted)
    return render_template(
        "organiser/judging/judges.html",
        cycle=cycle,
        judges=judges,
        form=form,
        counts=assigned_counts(cycle),
        accepted=accepted,
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": "Judges"}),
        title=f"Judges – {cycle.name}",
    ), status


def _names(addresses: list[str]) -> str:
    if len(addresses) <= 1:
        return "".join(addresses)
    return ", ".join(addresses[:-1]) + " and " + addresses[-1]


@bp.route("/cycles/<slug>/judges", methods=["GET", "POST"])
def judges(slug: str):
    cycle = load_cycle(slug)
    form = InviteForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: judge_rules.invite_judges(cycle, form.emails.data, by=current_user), form=form, field="emails"
        )
        if done:
            result = done.value
            if result.invited:
                n = len(result.invited)
                flash(
                    f"{n} {'invitation' if n == 1 else 'invitations'} sent to "
                    f"{_names([j.email for j in result.invited])}",
                    "success",
                )
            if result.already_invited:
                flash(
                    f"Not sent again: {_names(result.already_invited)} "
                    f"{'has' if len(result.already_invited) == 1 else 'have'} already been invited to this "
                    "cycle. Use “Send again” in the list to send a new link.",
                    "info",
                )
            if result.repeated:
                flash(
                    f"{_names(result.repeated)} {'was' if len(result.repeated) == 1 else 'were'} in the list "
                    "more than once, and invited only once.",
                    "info",
                )
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    return _render_list(cycle, form)


@bp.route("/cycles/<slug>/judges/<int:judge_id>/resend", methods=["POST"])
def resend_invitation(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    if attempt(lambda: judge_rules.resend_invitation(judge, by=current_user), flash_as="info"):
        flash(f"A new invitation has been sent to {judge.email}", "success")
    return redirect(url_for("organiser.judges", slug=cycle.slug))


# --- One judge -----------------------------------------------------------------------------------


@bp.route("/cycles/<slug>/judges/<int:judge_id>", methods=["GET", "POST"])
def judge_settings(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    trends = list(cycle.trends)
    form = settings_form(cycle, judge, trends)
    if form.validate_on_submit():

        def save() -> None:
            judge_rules.update_judge_settings(
                judge,
                organisation=form.organisation.data,
                max_load=form.max_load.data,
                all_categories=form.scope.data == "all",
                category_ids=form.category_ids.data,
                by=current_user,
            )
            if judge.user is not None:
                judge_rules.set_expertise(
                    judge.user, posted_levels(form, trends), allowed_trend_ids={t.id for t in trends}, by=current_user
                )

        if attempt(save, form=form, field="organisation"):
            flash(f"Settings saved for {judge.display_name}", "success")
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    return render_template(
        "organiser/judging/judges_settings.html",
        cycle=cycle,
        judge=judge,
        form=form,
        groups=trend_groups(trends) if judge.user else [],
        field_name=expertise_field_name,
        hint=EXPERTISE_HINT,
        assigned=judge_rules.assignment_count(judge),
        affiliations=affiliation_rules.grouped(judge.user) if judge.user else [],
        breadcrumbs=cycle_breadcrumbs(
            cycle,
            {"text": "Judges", "href": url_for("organiser.judges", slug=cycle.slug)},
            {"text": judge.display_name},
        ),
        title=f"{judge.display_name} – judge settings",
    )


@bp.route("/cycles/<slug>/judges/<int:judge_id>/remove", methods=["GET", "POST"])
def remove_judge(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    submitted = judge_rules.submitted_review_count(judge)
    if request.method == "POST" and not submitted:
        name = judge.display_name
        if attempt(lambda: judge_rules.remove_judge(judge, by=current_user), flash_as="info"):
            flash(f"{name} has been removed from the judges of {cycle.name}", "success")
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    elif request.method == "POST":
        abort(409, description=f"{judge.display_name} has submitted scores, so they cannot be removed.")
    return render_template(
        "organiser/judging/judges_remove.html",
        cycle=cycle,
        judge=judge,
        submitted=submitted,
        assigned=judge_rules.assignment_count(judge),
        breadcrumbs=cycle_breadcrumbs(
            cycle,
            {"text": "Judges", "href": url_for("organiser.judges", slug=cycle.slug)},
            {"text": judge.display_name},
        ),
        title=f"Remove {judge.display_name}?",
    )
