"""The open data API at /api/v1: published impact cases and trends as JSON, read-only,
described by an OpenAPI 3.1 document built from the same code (`openapi.py`)."""

from flask import Blueprint

from awards.extensions import csrf

bp = Blueprint("api", __name__)
# Read-only GET requests with no session state: nothing for CSRF to protect.
csrf.exempt(bp)


@bp.after_request
def _open_to_other_sites(response):
    # Open data: any site may read it from a browser. No credentials are involved (the API
    # ignores sign-in), so a wildcard is safe.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


from awards.web.api import routes  # noqa: E402,F401
