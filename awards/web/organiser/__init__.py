"""Pages for organisers, all at /organiser/..., all behind the organiser role."""

from flask import Blueprint

from ...models import Role
from ...security import gate_blueprint

bp = Blueprint("organiser", __name__)
gate_blueprint(bp, Role.ORGANISER)

from . import routes  # noqa: E402,F401
from . import cycles, trends  # noqa: E402,F401
from . import nominations  # noqa: E402,F401
# Judging (issue 4), one module each
from . import assignment, conflicts, criteria, judges, progress, redaction, reviews  # noqa: E402,F401
# Results (issue 5)
from . import insight, results  # noqa: E402,F401
# Data protection (issue 7)
from . import retention  # noqa: E402,F401
# Reminders to nominees with unsubmitted drafts (issue 12)
from . import draft_reminders  # noqa: E402,F401
