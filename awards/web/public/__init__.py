"""Pages anyone can see."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from awards.web.public import (
    cases,  # noqa: F401 (registers its routes on bp)
    language,  # noqa: F401 (registers its routes on bp)
    routes,  # noqa: F401 (registers its routes on bp)
    voting,  # noqa: F401 (registers its routes on bp)
)
