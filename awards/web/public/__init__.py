"""Pages anyone can see."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from awards.web.public import (
    cases,  # noqa: E402,F401
    routes,  # noqa: E402,F401
)
