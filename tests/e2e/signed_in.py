"""Signed in without the sign-in form, for journeys whose point is what comes after it.

`sign_in_with_cookie(page, live_server, email, password)` does on the server what the sign-in form's
POST does (awards.domain.people.accounts.authenticate, then awards.security.begin_session, committed)
and gives the browser context the session cookie that answer would have set; the page is left where
it was (about:blank for a new one), so the journey's next `goto` is the first page it loads.

The form itself, its landing pages and its errors are checked by the journeys that are about signing
in (test_accounts.py, test_demo_navigation.py, test_two_factor.py, ...); a page load and a form post
less here is a second or more under load, in every journey that only needs someone signed in.
"""

from __future__ import annotations

from flask import session

from awards.domain.people import accounts
from awards.extensions import db
from awards.security import begin_session


def sign_in_with_cookie(page, live_server, email: str, password: str) -> None:
    """This page's browser context is signed in as `email` (the password is checked, as the form does)."""
    app = live_server.app
    environ = {
        # What the browser's own requests carry, so the session's fingerprint (Flask-Login's
        # session protection) is the one the form would have given it: the session stays fresh.
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": page.evaluate("() => navigator.userAgent"),
    }
    with app.test_request_context("/sign-in", method="POST", base_url=live_server.url, environ_base=environ):
        try:
            user = accounts.authenticate(email, password, ip="127.0.0.1")
            begin_session(user)
            db.session.commit()
            cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        finally:
            db.session.remove()
    page.context.add_cookies(
        [{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server.url, "httpOnly": True}]
    )
