"""The language switcher's links: remember the reader's choice and take them back where they were."""

from __future__ import annotations

from flask import abort, current_app, redirect, request
from flask_login import current_user

from awards.extensions import db
from awards.i18n import COOKIE_SECONDS, LANGUAGE_COOKIE, usable
from awards.security import safe_next
from awards.web.public import bp


@bp.route("/language/<code>")
def choose_language(code: str):
    """A link, as GOV.UK's switcher is: choosing a language changes nothing but how pages are written to you."""
    language = usable(code)
    if language is None:
        abort(404)
    if current_user.is_authenticated and current_user.language != language:
        current_user.language = language  # their e-mails follow, on any device
        db.session.commit()
    response = redirect(safe_next(request.args.get("next"), "/"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=COOKIE_SECONDS,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response
