"""Every route × role → expected status. A route missing here fails the suite.

Requests are made with a valid CSRF token and no other data. LOGIN means a
redirect to the sign-in page. Grow this table with every new route.
"""

import pytest

ANON, NOMINEE, JUDGE, ORGANISER = "anonymous", "nominee", "judge", "organiser"
ROLES = (ANON, NOMINEE, JUDGE, ORGANISER)
LOGIN = "login"


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {ANON: LOGIN, NOMINEE: status, JUDGE: status, ORGANISER: status}


def organisers_only(status=200):
    return {ANON: LOGIN, NOMINEE: 403, JUDGE: 403, ORGANISER: status}


def owner_only(status=200):
    """A nominee's own nomination: only its nominator sees it; to anyone else it does not exist."""
    return {ANON: LOGIN, NOMINEE: status, JUDGE: 404, ORGANISER: 404}


SECTION_RULE = ("/nominations/<reference>/<any(organisation, project, trends, challenge, approach, outcomes, "
                "lessons, documents, declarations):section>")


MATRIX = {
    ("GET", "/"): everyone(200),
    ("GET", "/healthz"): everyone(200),
    ("GET", "/accessibility"): everyone(200),
    ("GET", "/privacy"): everyone(200),
    ("GET", "/cookies"): everyone(200),
    ("GET", "/register"): {ANON: 200, NOMINEE: 302, JUDGE: 302, ORGANISER: 302},
    ("POST", "/register"): {ANON: 200, NOMINEE: 302, JUDGE: 302, ORGANISER: 302},
    ("GET", "/verify-email/<token>"): everyone(400),
    ("POST", "/verify-email"): signed_in(302),
    ("GET", "/sign-in"): {ANON: 200, NOMINEE: 302, JUDGE: 302, ORGANISER: 302},
    ("POST", "/sign-in"): {ANON: 200, NOMINEE: 302, JUDGE: 302, ORGANISER: 302},
    ("POST", "/sign-out"): everyone(302),
    ("GET", "/account"): signed_in(200),
    ("POST", "/account"): signed_in(200),
    ("GET", "/account/reset-password"): everyone(200),
    ("POST", "/account/reset-password"): everyone(200),
    ("GET", "/account/reset-password/<token>"): everyone(400),
    ("POST", "/account/reset-password/<token>"): everyone(400),
    ("GET", "/organiser/"): organisers_only(),
    ("GET", "/organiser/users"): organisers_only(),
    ("GET", "/organiser/users/<int:user_id>"): organisers_only(),
    ("POST", "/organiser/users/<int:user_id>"): organisers_only(200),
    # The organiser's view of a cycle's nominations (`reference` is a draft: screening it is a 409)
    ("GET", "/organiser/cycles/<slug>/nominations"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/nominations.csv"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/nominations/<reference>/eligibility"): organisers_only(409),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>/documents/<int:attachment_id>"): organisers_only(),
    # The nominee's journey (the nomination belongs to the nominee user)
    ("GET", "/nominations"): signed_in(200),
    ("GET", "/nominations/start"): signed_in(200),
    ("POST", "/nominations/start"): signed_in(200),
    ("GET", "/nominations/<reference>"): owner_only(200),
    ("GET", SECTION_RULE): owner_only(200),
    ("POST", SECTION_RULE): owner_only(200),
    ("POST", "/nominations/<reference>/documents/upload"): owner_only(400),
    ("GET", "/nominations/<reference>/documents/<int:attachment_id>"): owner_only(200),
    ("GET", "/nominations/<reference>/documents/<int:attachment_id>/remove"): owner_only(200),
    ("POST", "/nominations/<reference>/documents/<int:attachment_id>/remove"): owner_only(302),
    ("GET", "/nominations/<reference>/check"): owner_only(200),
    ("POST", "/nominations/<reference>/submit"): owner_only(302),
    ("GET", "/nominations/<reference>/confirmation"): owner_only(302),
    ("GET", "/nominations/<reference>/withdraw"): owner_only(200),
    ("POST", "/nominations/<reference>/withdraw"): owner_only(200),
}


def url_values(users) -> dict:
    """Concrete values for the URL variables of the rules in MATRIX.

    `reference` is a draft nomination by the nominee user, in the open cycle `slug`,
    with one uploaded document (`attachment_id`).
    """
    import io

    from awards.domain.attachments import add_attachment
    from awards.extensions import db

    from ..factories import make_cycle, make_nomination
    from .test_nominee_journey import PNG

    cycle = make_cycle()
    nomination = make_nomination(cycle, nominator=users[NOMINEE], status="draft", complete=False)
    attachment = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=users[NOMINEE])
    db.session.commit()
    return {"token": "not-a-valid-token", "user_id": users[NOMINEE].id, "slug": cycle.slug,
            "reference": nomination.reference, "section": "organisation", "attachment_id": attachment.id}


def _app_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    return routes


def test_every_route_is_in_the_matrix(app):
    routes = _app_routes(app)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes with no line in the access matrix: {missing}"
    assert not stale, f"matrix lines for routes that no longer exist: {stale}"


@pytest.mark.parametrize("method,rule", sorted(MATRIX))
def test_access(app, nominee, judge, organiser, method, rule):
    users = {NOMINEE: nominee, JUDGE: judge, ORGANISER: organiser}
    adapter = app.url_map.bind("localhost")
    endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)
    values = url_values(users)
    rule_obj = next(r for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)
    url = adapter.build(endpoint, {k: values[k] for k in rule_obj.arguments}, method=method)
    failures = []
    for role in ROLES:
        client = app.test_client()
        if role != ANON:
            client.sign_in_as(users[role])
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": client.csrf_token()})
        expected = MATRIX[(method, rule)][role]
        if expected == LOGIN:
            ok = response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{role}: expected {expected}, got {response.status_code} "
                            f"{response.headers.get('Location', '')}")
    assert not failures, f"{method} {url}: " + "; ".join(failures)
