"""Accounts: register, verify, sign in and out, account settings, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from awards.web.auth import (
    routes,  # noqa: F401 (registers its routes on bp)
    single_sign_on,  # noqa: F401 (registers its routes on bp)
    your_data,  # noqa: F401 (registers its routes on bp)
)
