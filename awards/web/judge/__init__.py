"""Pages for judges, at /judging/...: their assignments, conflict declarations, scoring, profile.

Judging rights are per cycle (a Judge membership), not the global role: every view checks the
membership it needs. Accepting an invitation is the one page open to people who are not signed in.
"""

from flask import Blueprint, request
from flask_login import current_user

from ...extensions import login_manager

bp = Blueprint("judge", __name__)

# Endpoints anyone may reach (the invitation link sets up the account).
PUBLIC_ENDPOINTS = {"judge.accept_invitation"}


@bp.before_request
def _signed_in_only():
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


from . import invitations, profile, routes  # noqa: E402,F401
