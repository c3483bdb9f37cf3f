"""Pages for judges, at /judging/...: their assignments, conflict declarations, scoring, profile.

Judging rights are per cycle (a Judge membership), not the global role: every view checks the
membership it needs. Accepting an invitation is the one page open to people who are not signed in.

The gate follows the access rule: not signed in → sign in; signed in but judging no cycle at all
→ 403 (the function is not theirs, whatever the URL names); a judge asking for an entry that is not
assigned to them, or one they are conflicted with → 404 (in the views: the object is not theirs).
"""

from flask import Blueprint, abort, request
from flask_login import current_user

from awards.extensions import login_manager
from awards.permissions import judges_any_cycle

bp = Blueprint("judge", __name__)

# Endpoints anyone may reach (the invitation link sets up the account).
PUBLIC_ENDPOINTS = {"judge.accept_invitation"}


@bp.before_request
def _judges_only():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not judges_any_cycle(current_user):
        abort(403)
    return None


from awards.web.judge import calibration, invitations, meeting, pack, profile, routes  # noqa: E402,F401
