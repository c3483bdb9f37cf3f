"""The nominee's journey: my nominations, start, the task list, sections, check answers, submit."""

from flask import Blueprint, request, session
from flask_login import current_user

from ...extensions import db, login_manager

bp = Blueprint("nominee", __name__)

SECTION_ENDPOINT = "nominee.section"


@bp.before_request
def _signed_in_only():
    if current_user.is_authenticated:
        return None
    if request.method == "POST" and request.endpoint == SECTION_ENDPOINT:
        # The session ended while they typed: keep what they sent for after they sign in.
        from ...domain.stash import stash_form
        data = {k: request.form.getlist(k) for k in request.form if k != "csrf_token"}
        session["form_stash"] = stash_form(request.path, data)
        db.session.commit()
    return login_manager.unauthorized()


from . import routes  # noqa: E402,F401
