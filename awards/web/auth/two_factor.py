"""The step every way of signing in ends with (password, magic link, later single sign-on).

`finish_first_factor` is called once a person has proved the first factor. It starts their session
and sends them on (to `next_url` when it is a path on this site, else their landing page).
"""

from __future__ import annotations

from flask import redirect
from werkzeug.wrappers import Response

from ...security import begin_session, safe_next


def finish_first_factor(user, *, remember: bool = False, method: str, mfa_asserted: bool = False,
                        next_url: str | None = None) -> Response:
    """Complete a sign-in whose first factor (`method`: "password", "magic_link", "sso") is proved.
    `mfa_asserted` is for a provider that asserts it checked a second factor itself."""
    from .routes import _landing
    begin_session(user, remember=remember)  # fresh session, sign-in time for the timeouts
    return redirect(safe_next(next_url, _landing(user)))
