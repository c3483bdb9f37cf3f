"""Accounts: register, verify, sign in and out, account settings, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401
from . import your_data  # noqa: E402,F401
