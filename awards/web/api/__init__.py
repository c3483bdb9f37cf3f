"""The open data API at /api/v1: published impact cases and trends as JSON, read-only,
described by an OpenAPI 3.1 document built from the same code (`openapi.py`)."""

from flask import Blueprint, g, request

from awards.extensions import csrf
from awards.i18n import LANGUAGE_COOKIE, enabled_languages, request_language, usable

bp = Blueprint("api", __name__)
# Read-only GET requests with no session state: nothing for CSRF to protect.
csrf.exempt(bp)


@bp.before_request
def _choose_language():
    """The language of the API's words for people (error details, labels); codes and keys stay English.

    As the pages choose (a signed-in person's choice, else the `awards_language` cookie), and then, for the API
    only, the request's Accept-Language: a program has no cookie, and its answers are cached by the language
    (the page cache's key, and `Vary: Accept-Language` for shared caches). Pages do not read Accept-Language."""
    if "awards_language" in g:
        return
    from flask_login import current_user

    chosen = None
    if getattr(current_user, "is_authenticated", False):
        chosen = usable(current_user.language)
    if chosen is None:
        chosen = usable(request.cookies.get(LANGUAGE_COOKIE))
    if chosen is None and request.accept_languages:
        chosen = usable(request.accept_languages.best_match(enabled_languages()))
    if chosen is not None:
        g.awards_language = chosen
    else:
        request_language()  # the service's default


@bp.after_request
def _open_to_other_sites(response):
    # Open data: any site may read it from a browser. No credentials are involved (the API
    # ignores sign-in), so a wildcard is safe.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept-Language")
    return response


from awards.web.api import routes  # noqa: E402,F401
