from __future__ import annotations

import logging

from flask import jsonify, render_template
from flask_babel import gettext as _
from sqlalchemy import text

from awards.extensions import db
from awards.web.public import bp

log = logging.getLogger(__name__)


@bp.route("/")
def home():
    from awards.domain.programme.cycles import open_cycles

    return render_template("public/home.html", cycles=open_cycles(), title=None)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        log.error("health check: database unreachable: %s", exc.__class__.__name__)
        return jsonify({"status": "error", "database": "error"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html", title=_("Accessibility statement"))


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html", title=_("Privacy notice"))


@bp.route("/cookies")
def cookies():
    return render_template("public/cookies.html", title=_("Cookies"))
