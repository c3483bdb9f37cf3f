"""Pages for organisers, all at /organiser/..., all behind the organiser role."""

from flask import Blueprint

from ...models import Role
from ...security import gate_blueprint

bp = Blueprint("organiser", __name__)
gate_blueprint(bp, Role.ORGANISER)

from . import routes  # noqa: E402,F401
