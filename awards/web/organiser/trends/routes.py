"""The trend taxonomy at /organiser/trends: every trend by group, adding, editing, retiring
(with a confirmation) and restoring."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from awards.domain.core.errors import NotFound
from awards.domain.programme import taxonomy
from awards.extensions import db
from awards.models import Trend, TrendGroup
from awards.web.actions import attempt
from awards.web.organiser import bp
from awards.web.organiser.trends.forms import GROUP_HINTS, AddTrendForm, ConfirmTrendForm, TrendForm


def _load_trend(trend_slug: str) -> Trend:
    try:
        return taxonomy.get_trend(trend_slug)
    except NotFound:
        abort(404)


@bp.route("/trends")
def trends():
    all_trends = db.session.scalars(select(Trend).order_by(Trend.position, Trend.id)).all()
    groups = [(group, [t for t in all_trends if t.group is group]) for group in TrendGroup]
    return render_template(
        "organiser/trends/index.html",
        groups=groups,
        total=len(all_trends),
        retired=sum(1 for t in all_trends if t.is_retired),
        offering=taxonomy.cycles_offering_counts(),
        title=_("Trends"),
    )


@bp.route("/trends/new", methods=["GET", "POST"])
def add_trend():
    form = AddTrendForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: taxonomy.add_trend(
                code=form.code.data,
                name=form.name.data,
                group=form.group.data,
                description=form.description.data or "",
                source=form.source.data or "",
                by=current_user,
            ),
            form=form,
            field="name",
        )
        if done:
            trend = done.value
            flash(
                _("%(code)s %(trend)s has been added. Cycles can now offer it.", code=trend.code, trend=trend.name),
                "success",
            )
            return redirect(url_for("organiser.trends", _anchor=f"trend-{trend.slug}"))
    return render_template(
        "organiser/trends/form.html", form=form, trend=None, group_hints=GROUP_HINTS, title=_("Add a trend")
    )


@bp.route("/trends/<trend_slug>/edit", methods=["GET", "POST"])
def edit_trend(trend_slug: str):
    trend = _load_trend(trend_slug)
    form = TrendForm(
        data={"name": trend.name, "group": trend.group.value, "description": trend.description, "source": trend.source}
    )
    if form.validate_on_submit():
        if attempt(
            lambda: taxonomy.edit_trend(
                trend,
                name=form.name.data,
                group=form.group.data,
                description=form.description.data or "",
                source=form.source.data or "",
                by=current_user,
            ),
            form=form,
            field="name",
        ):
            flash(_("Your changes to %(code)s %(trend)s have been saved", code=trend.code, trend=trend.name), "success")
            return redirect(url_for("organiser.trends", _anchor=f"trend-{trend.slug}"))
    return render_template(
        "organiser/trends/form.html",
        form=form,
        trend=trend,
        group_hints=GROUP_HINTS,
        title=_("Change %(code)s %(trend)s", code=trend.code, trend=trend.name),
    )


@bp.route("/trends/<trend_slug>/retire", methods=["GET", "POST"])
def retire_trend(trend_slug: str):
    trend = _load_trend(trend_slug)
    if trend.is_retired:
        flash(_("%(code)s %(trend)s is already retired", code=trend.code, trend=trend.name), "info")
        return redirect(url_for("organiser.trends", _anchor=f"trend-{trend.slug}"))
    form = ConfirmTrendForm()
    if form.validate_on_submit():
        taxonomy.retire_trend(trend, by=current_user)
        db.session.commit()
        flash(
            _(
                "%(code)s %(trend)s has been retired. Nominations that address it keep it.",
                code=trend.code,
                trend=trend.name,
            ),
            "success",
        )
        return redirect(url_for("organiser.trends", _anchor=f"trend-{trend.slug}"))
    return render_template(
        "organiser/trends/retire.html",
        form=form,
        trend=trend,
        nominations=taxonomy.nominations_carrying_count(trend),
        cycles=taxonomy.cycles_offering_counts().get(trend.id, 0),
        title=_("Retire %(code)s %(trend)s", code=trend.code, trend=trend.name),
    )


@bp.route("/trends/<trend_slug>/restore", methods=["POST"])
def restore_trend(trend_slug: str):
    trend = _load_trend(trend_slug)
    form = ConfirmTrendForm()
    if form.validate_on_submit() and trend.is_retired:
        taxonomy.restore_trend(trend, by=current_user)
        db.session.commit()
        flash(
            _(
                "%(code)s %(trend)s has been restored. New cycles can offer it again.",
                code=trend.code,
                trend=trend.name,
            ),
            "success",
        )
    return redirect(url_for("organiser.trends", _anchor=f"trend-{trend.slug}"))
