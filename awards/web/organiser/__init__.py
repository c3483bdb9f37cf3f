"""Pages for organisers, all at /organiser/..., all behind the organiser role."""

from flask import Blueprint

from awards.models import Role
from awards.security import gate_blueprint

bp = Blueprint("organiser", __name__)
gate_blueprint(bp, Role.ORGANISER)

# Judging (issue 4), one module each
# Results (issue 5)
# Data protection (issue 7)
# Reminders to nominees with unsubmitted drafts (issue 12)
from awards.web.organiser import (  # noqa: E402,F401  # noqa: E402,F401  # noqa: E402,F401
    assignment,
    conflicts,
    criteria,
    cycles,
    draft_reminders,  # noqa: E402,F401
    insight,
    judges,
    nominations,  # noqa: E402,F401
    progress,
    redaction,
    results,
    retention,  # noqa: E402,F401
    reviews,
    routes,  # noqa: E402,F401
    trends,
)
