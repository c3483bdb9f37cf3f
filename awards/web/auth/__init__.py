"""Accounts: register, verify, sign in and out, account settings, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from awards.web.auth import (
    routes,  # noqa: E402,F401
    single_sign_on,  # noqa: E402,F401
    your_data,  # noqa: E402,F401
)
