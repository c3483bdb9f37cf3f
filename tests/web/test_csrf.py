"""CSRF, generated from the url map: every state-changing route (POST, PUT, PATCH, DELETE), posted by the
audience the access matrix lets use it, (a) without a token and (b) with a token from another session, is
refused with the "Your form has expired" page (400) and changes nothing in the database.

The page's wording matters: other 400s (an invalid link, a file with no name) would pass a status check on
their own, so the test would prove nothing for routes whose rightful outcome is itself a 400. The matrix test
shows each of these requests does get through with a valid token.
"""

from __future__ import annotations

import pytest

from tests.snapshot import changes, describe, snapshot
from tests.support.access_matrix import (
    ANON,
    ASSIGNED,
    AUDIENCES,
    CO_EDITOR,
    CONFLICTED,
    GENERIC_DATA,
    LOGIN,
    MATRIX,
    NOT_OWNER,
    ORGANISER,
    OWNER,
    SECTION_RULE,
    UNASSIGNED,
    build_url,
    expected,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED = "Your form has expired"

# Where the first audience the table lets through is not the one the route is for.
CSRF_AUDIENCE = {
    "/sign-out": OWNER,  # signing out a signed-in person is the state change worth forging
    # Anonymous posts there are refused for want of a stash ticket (test_anonymous_stash.py); the owner's
    # saving is the state change worth forging.
    SECTION_RULE: OWNER,
    # Anyone may start a single sign-on; the token is checked before the (unknown, here) provider.
    "/sign-in/sso/<provider>": ANON,
    # A panel meeting's decision names its entry in the form (none here: 404 with a token); the token comes first.
    "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>": ORGANISER,
    "/judging/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>": ASSIGNED,
    # The ranking page of the matrix's world is a scored round's (404 with a token); the token comes first.
    "/judging/cycles/<slug>/rounds/<int:number>/ranking": ASSIGNED,
    # Closing or withdrawing a People's Choice vote (none in the matrix's cycle: 404 with a token); the token first.
    "/organiser/cycles/<slug>/peoples-choice/<category_slug>/close": ORGANISER,
    "/organiser/cycles/<slug>/peoples-choice/<category_slug>/withdraw": ORGANISER,
}
PREFERENCE = (ANON, OWNER, ASSIGNED, ORGANISER, NOT_OWNER, UNASSIGNED, CONFLICTED, CO_EDITOR)
# The section form is read as data (not WTForms), so it gets its own plausible fields.
SECTION_DATA = {"organisation_name": "Forged Council", "contact_name": "Fay Forger"}


def state_changing_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every state-changing route in the url map."""
    return sorted(
        {
            (method, rule.rule)
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods & STATE_CHANGING
        }
    )


def csrf_audience(method: str, rule: str) -> str:
    """The audience the table lets use the route (it fails if the route has no line there)."""
    if rule in CSRF_AUDIENCE:
        return CSRF_AUDIENCE[rule]
    outcomes = expected(MATRIX[(method, rule)])
    return next(a for a in PREFERENCE if outcomes[a] not in (LOGIN, 403, 404))


def test_csrf_protection_is_on_in_the_tests(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True


def test_every_state_changing_route_has_an_audience(app):
    routes = state_changing_routes(app)
    assert len(routes) > 50
    unlisted = [route for route in routes if route not in MATRIX]
    assert not unlisted, f"state-changing routes missing from the access matrix: {unlisted}"
    assert {csrf_audience(*route) for route in routes} <= set(AUDIENCES)


@pytest.mark.parametrize("audience", (ANON, OWNER, ASSIGNED, ORGANISER))
def test_forged_posts_are_refused_and_change_nothing(app, matrix_world, audience):
    """One world per audience: every refused request leaves it as it was, so the next route sees the same."""
    routes = [r for r in state_changing_routes(app) if csrf_audience(*r) == audience]
    audience_users, values = matrix_world
    client = app.test_client()
    if audience != ANON:
        client.sign_in_as(audience_users[audience])
    client.csrf_token()  # the session holds its own token, so (b) is a mismatch, not a missing session token
    other_session = app.test_client()
    other_session.sign_in_as(audience_users[NOT_OWNER if audience != NOT_OWNER else OWNER])
    foreign_token = other_session.csrf_token()
    failures = []
    after = snapshot()
    for method, rule in routes:
        url = build_url(app, method, rule, values)
        data = dict(SECTION_DATA if rule == SECTION_RULE else GENERIC_DATA)
        for case, extra in (("no token", {}), ("another session's token", {"csrf_token": foreign_token})):
            before = after  # what the previous request left (one snapshot per request)
            response = client.open(url, method=method, data={**data, **extra})
            after = snapshot()
            difference = changes(before, after)
            page = response.get_data(as_text=True)
            if response.status_code != 400 or EXPIRED not in page or difference:
                failures.append(
                    f"{method} {url} with {case}: {response.status_code}, "
                    f"{'the expired-form page' if EXPIRED in page else 'another page'}"
                    f"{', changed ' + describe(difference, limit=1)[:400] if difference else ''}"
                )
    assert routes, f"no state-changing route is used by {audience}"
    assert not failures, f"forged requests as {audience} were not refused:\n" + "\n".join(failures)
