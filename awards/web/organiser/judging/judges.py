"""A cycle's judges at /organiser/cycles/<slug>/judges: the list, inviting one or many by
e-mail, re-sending an invitation, each judge's settings (organisation, load limit, categories,
expertise) and removing a judge who has not submitted scores.

The list shows one judging round's view of them (`?round=N`, else the current round): who is on its
panel, each judge's load limit and assignments in it; and the round's judges per nomination and usual
load limit, with a link to the round's page where they are changed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import judges as judge_rules
from awards.domain.judging import rounds
from awards.domain.judging.assignment.manual import judge_loads
from awards.extensions import db
from awards.models import Cycle, Judge, JudgingRound
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.forms import (
    EXPERTISE_HINT,
    expertise_defaults,
    expertise_field_name,
    posted_levels,
    trend_groups,
    with_expertise,
)
from awards.web.helpers import chosen_round, cycle_breadcrumbs, cycle_or_404, round_args
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import InviteForm, JudgeSettingsForm

# --- Loading -------------------------------------------------------------------------------------


def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.trends), selectinload(Cycle.rounds))


def load_judge(cycle: Cycle, judge_id: int) -> Judge:
    judge = db.session.scalar(
        select(Judge)
        .where(Judge.id == judge_id, Judge.cycle_id == cycle.id)
        .options(selectinload(Judge.user), selectinload(Judge.categories))
    )
    if judge is None:
        abort(404)
    return judge


def limit_source(judging_round: JudgingRound) -> str:
    """Whose limit a judge without their own has, in words: the cycle's (its only round's) or the round's."""
    return _("round’s limit") if len(judging_round.cycle.rounds) > 1 else _("cycle’s limit")


def settings_form(cycle: Cycle, judging_round: JudgingRound, judge: Judge, trends: list) -> JudgeSettingsForm:
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
    limit = format_decimal(judging_round.judge_max_load)
    form.max_load.description = (
        _(
            "Leave blank to use the limit of %(round)s, which is %(limit)s. No judge is given more nominations "
            "than this.",
            round=judging_round.label,
            limit=limit,
        )
        if len(cycle.rounds) > 1
        else _(
            "Leave blank to use the cycle’s limit, which is %(limit)s. No judge is given more nominations than this.",
            limit=limit,
        )
    )
    form.category_ids.choices = [(c.id, c.name) for c in cycle.categories]
    return form


# --- The list and invitations --------------------------------------------------------------------


def _render_list(cycle: Cycle, judging_round: JudgingRound, form: InviteForm):
    judges = db.session.scalars(
        select(Judge)
        .where(Judge.cycle_id == cycle.id)
        .options(selectinload(Judge.user), selectinload(Judge.categories))
    ).all()
    judges = sorted(judges, key=lambda j: (j.has_accepted, (j.user.name if j.user else j.email).lower()))
    accepted = sum(1 for j in judges if j.has_accepted)
    panel = rounds.panel(judging_round)
    # Each judge's load limit in the round and where it comes from: "own" (theirs), "panel" (their
    # place on the round's panel) or "round" (the round's usual limit); None: not on the round's panel.
    limits: dict[int, tuple[int, str] | None] = {}
    for judge in judges:
        if judge.id not in panel:
            limits[judge.id] = None
            continue
        member = panel[judge.id]
        limit = rounds.load_limit(judging_round, judge, member)
        if member is not None and member.max_load is not None:
            limits[judge.id] = (limit, "panel")
        else:
            limits[judge.id] = (limit, "own" if judge.max_load is not None else "round")
    return render_template(
        "organiser/judging/judges.html",
        cycle=cycle,
        judging_round=judging_round,
        several=len(cycle.rounds) > 1,
        here=round_args(judging_round),
        judges=judges,
        form=form,
        counts=judge_loads(judging_round),
        limits=limits,
        limit_source=limit_source(judging_round),
        accepted=accepted,
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Judges")}),
        title=_("Judges – %(cycle)s", cycle=shown(cycle)),
    )


def _names(addresses: list[str]) -> str:
    if len(addresses) <= 1:
        return "".join(addresses)
    return _("%(names)s and %(last)s", names=", ".join(addresses[:-1]), last=addresses[-1])


@bp.route("/cycles/<slug>/judges", methods=["GET", "POST"])
def judges(slug: str):
    cycle = load_cycle(slug)
    judging_round = chosen_round(cycle)
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
                    ngettext(
                        "%(count)s invitation sent to %(names)s",
                        "%(count)s invitations sent to %(names)s",
                        n,
                        count=format_decimal(n),
                        names=_names([j.email for j in result.invited]),
                    ),
                    "success",
                )
            if result.already_invited:
                flash(
                    ngettext(
                        "Not sent again: %(names)s has already been invited to this cycle. Use “Send again” in the "
                        "list to send a new link.",
                        "Not sent again: %(names)s have already been invited to this cycle. Use “Send again” in the "
                        "list to send a new link.",
                        len(result.already_invited),
                        names=_names(result.already_invited),
                    ),
                    "info",
                )
            if result.repeated:
                flash(
                    ngettext(
                        "%(names)s was in the list more than once, and invited only once.",
                        "%(names)s were in the list more than once, and invited only once.",
                        len(result.repeated),
                        names=_names(result.repeated),
                    ),
                    "info",
                )
            return redirect(url_for("organiser.judges", slug=cycle.slug, **round_args(judging_round)))
    return _render_list(cycle, judging_round, form)


@bp.route("/cycles/<slug>/judges/<int:judge_id>/resend", methods=["POST"])
def resend_invitation(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judging_round = chosen_round(cycle)
    judge = load_judge(cycle, judge_id)
    if attempt(lambda: judge_rules.resend_invitation(judge, by=current_user), flash_as="info"):
        flash(_("A new invitation has been sent to %(email)s", email=judge.email), "success")
    return redirect(url_for("organiser.judges", slug=cycle.slug, **round_args(judging_round)))


# --- One judge -----------------------------------------------------------------------------------


@bp.route("/cycles/<slug>/judges/<int:judge_id>", methods=["GET", "POST"])
def judge_settings(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judging_round = chosen_round(cycle)
    judges_page = url_for("organiser.judges", slug=cycle.slug, **round_args(judging_round))
    judge = load_judge(cycle, judge_id)
    trends = list(cycle.trends)
    form = settings_form(cycle, judging_round, judge, trends)
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
            flash(_("Settings saved for %(name)s", name=judge.display_name), "success")
            return redirect(judges_page)
    return render_template(
        "organiser/judging/judges_settings.html",
        cycle=cycle,
        judges_page=judges_page,
        judge=judge,
        form=form,
        groups=trend_groups(trends) if judge.user else [],
        field_name=expertise_field_name,
        hint=EXPERTISE_HINT,
        assigned=judge_rules.assignment_count(judge),
        affiliations=affiliation_rules.grouped(judge.user) if judge.user else [],
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Judges"), "href": judges_page}, {"text": judge.display_name}),
        title=_("%(name)s – judge settings", name=judge.display_name),
    )


@bp.route("/cycles/<slug>/judges/<int:judge_id>/remove", methods=["GET", "POST"])
def remove_judge(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    submitted = judge_rules.submitted_review_count(judge)
    if request.method == "POST" and not submitted:
        name = judge.display_name
        if attempt(lambda: judge_rules.remove_judge(judge, by=current_user), flash_as="info"):
            flash(_("%(name)s has been removed from the judges of %(cycle)s", name=name, cycle=shown(cycle)), "success")
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    elif request.method == "POST":
        abort(409, description=_("%(name)s has submitted scores, so they cannot be removed.", name=judge.display_name))
    return render_template(
        "organiser/judging/judges_remove.html",
        cycle=cycle,
        judge=judge,
        submitted=submitted,
        assigned=judge_rules.assignment_count(judge),
        breadcrumbs=cycle_breadcrumbs(
            cycle,
            {"text": _("Judges"), "href": url_for("organiser.judges", slug=cycle.slug)},
            {"text": judge.display_name},
        ),
        title=_("Remove %(name)s?", name=judge.display_name),
    )
