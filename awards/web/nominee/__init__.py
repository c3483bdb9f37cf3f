"""The nominee's journey: my nominations, start, the task list, sections, check answers, submit."""

import logging

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from awards.extensions import login_manager
from awards.logging_setup import log_event
from awards.security import duration_words
from awards.web.actions import attempt

bp = Blueprint("nominee", __name__)
log = logging.getLogger(__name__)


SECTION_ENDPOINT = "nominee.section"
# Open to anyone: the link in the invitation e-mail is the proof (signed in, it must be the invited address).
PUBLIC_ENDPOINTS = {"nominee.team_invitation"}


def _keep_section_post():
    """A section posted by someone no longer signed in: kept for its author only on the proof of the
    stash ticket the section page carried (see domain/nominations/stash.py); anything else is refused with a page,
    stores nothing and writes no cookie, so a forged cross-site post signs nobody out."""
    from awards.domain.nominations import entries
    from awards.domain.nominations import stash as stash_rules
    from awards.domain.programme import entry_forms
    from awards.web.entry_fields import own_fields

    reference, section = request.view_args["reference"], request.view_args["section"]
    had_session = current_app.config["SESSION_COOKIE_NAME"] in request.cookies

    def keep():
        author = stash_rules.check_ticket(request.form.get("stash_ticket"), reference=reference, section=section)
        nomination = entries.get_by_reference(reference)
        found = entry_forms.section_by_key(nomination.cycle, section) if nomination is not None else None
        stash_rules.stash_form(request.path, own_fields(found, request.form), by=author)
        return author

    done = attempt(keep, catch=stash_rules.StashRefused)
    if not done:
        refused = done.error
        log_event(
            log,
            "section_stash.refused",
            level=logging.WARNING,
            status=refused.http_status,
            reason=refused.message,
            had_session=had_session,
        )
        problem = "too_large" if refused.http_status == 413 else "no_ticket"
        title = (
            _("Your answers are too long to keep") if problem == "too_large" else _("Your answers could not be kept")
        )
        return render_template(
            "nominee/stash_refused.html",
            problem=problem,
            title=title,
            absolute_timeout=duration_words(current_app.config["SESSION_ABSOLUTE_TIMEOUT"]),
        ), refused.http_status
    author = done.value
    log_event(log, "section_stash.kept", user=author.id, section=section)
    if not had_session:
        # No session came with the post (a browser that lost it, or a post from another site made
        # with someone's own ticket): write none, so no one's session is replaced by an empty one.
        return redirect(url_for("auth.sign_in", next=request.path))
    return login_manager.unauthorized()


@bp.before_request
def _signed_in_only():
    if current_user.is_authenticated or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.method == "POST" and request.endpoint == SECTION_ENDPOINT:
        return _keep_section_post()
    return login_manager.unauthorized()


from awards.web.nominee import routes, team  # noqa: E402,F401
