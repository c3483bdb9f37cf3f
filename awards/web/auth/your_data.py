"""The person's own data: download a copy of it, or delete the account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.records import data_protection as rules
from awards.extensions import db
from awards.models import Nomination
from awards.web.actions import attempt
from awards.web.auth import bp
from awards.web.auth.forms import DeleteAccountForm
from awards.web.helpers import apply_domain_error, count_wrong_password


@bp.route("/account/your-data.json")
@login_required
def download_data():
    data = rules.personal_data(current_user)
    audit.record("account.data_downloaded", actor=current_user, obj=current_user)
    db.session.commit()
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    name = f"your-data-{utcnow().date().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _what_happens(user) -> dict[str, int]:
    counts = dict(
        db.session.execute(
            select(Nomination.submitted_at.is_(None), func.count())
            .where(Nomination.nominator_id == user.id)
            .group_by(Nomination.submitted_at.is_(None))
        ).all()
    )
    return {"drafts": counts.get(True, 0), "submitted": counts.get(False, 0)}


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    status = 200
    if form.validate_on_submit():

        def refused(error: DomainError) -> None:
            nonlocal status
            if isinstance(error, NotAllowed):
                status = 409  # the page says why (deletion_problem)
            else:
                count_wrong_password(error)
                apply_domain_error(form, error)

        if attempt(
            lambda: rules.delete_account(current_user._get_current_object(), password=form.password.data),
            on_error=refused,
        ):
            logout_user()
            session.clear()
            flash(_("Your account has been deleted. You have been signed out."), "success")
            return redirect(url_for("public.home"))
    return render_template(
        "auth/delete_account.html",
        form=form,
        problem=rules.deletion_problem(current_user),
        counts=_what_happens(current_user),
        title=_("Delete your account"),
    ), status
