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
    # The public library and open data (`case_slug` is a published impact case of the published
    # cycle `published_cycle_slug`; `trend_slug` is a trend it addresses)
    ("GET", "/impact-cases"): everyone(200),
    ("GET", "/impact-cases/<case_slug>"): everyone(200),
    ("GET", "/impact-cases.atom"): everyone(200),
    ("GET", "/trends"): everyone(200),
    ("GET", "/trends/<trend_slug>"): everyone(200),
    ("GET", "/cycles/<published_cycle_slug>/shortlist"): everyone(200),
    ("GET", "/api/v1/impact-cases"): everyone(200),
    ("GET", "/api/v1/impact-cases/<case_slug>"): everyone(200),
    ("GET", "/api/v1/trends"): everyone(200),
    ("GET", "/api/v1/openapi.json"): everyone(200),
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
    # Trends and award cycles (`trend_slug` is a trend the cycle offers; `category_id` has no
    # nominations, so removing it works; `state` is draft, where the open cycle may go back to)
    ("GET", "/organiser/trends"): organisers_only(),
    ("GET", "/organiser/trends/new"): organisers_only(),
    ("POST", "/organiser/trends/new"): organisers_only(200),
    ("GET", "/organiser/trends/<trend_slug>/edit"): organisers_only(),
    ("POST", "/organiser/trends/<trend_slug>/edit"): organisers_only(200),
    ("GET", "/organiser/trends/<trend_slug>/retire"): organisers_only(),
    ("POST", "/organiser/trends/<trend_slug>/retire"): organisers_only(302),
    ("POST", "/organiser/trends/<trend_slug>/restore"): organisers_only(302),
    ("GET", "/organiser/cycles"): organisers_only(),
    ("GET", "/organiser/cycles/new"): organisers_only(),
    ("POST", "/organiser/cycles/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/status/<state>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/status/<state>"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/copy"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/copy"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/categories/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/categories/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/categories/<int:category_id>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/categories/<int:category_id>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/categories/<int:category_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/categories/<int:category_id>/remove"): organisers_only(302),
    # The organiser's view of a cycle's nominations (`reference` is a draft: screening it is a 409)
    ("GET", "/organiser/cycles/<slug>/nominations"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/nominations.csv"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/nominations/<reference>/eligibility"): organisers_only(409),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>/documents/<int:attachment_id>"): organisers_only(),
    # Judges, criteria and conflicts of interest (`judge_id` is a pending invitation, `criterion_id` a
    # criterion of the cycle, `conflict_id` an organiser's conflict; posting nothing is a form error)
    ("GET", "/organiser/cycles/<slug>/judges"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judges"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/judges/<int:judge_id>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judges/<int:judge_id>"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/judges/<int:judge_id>/resend"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/judges/<int:judge_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judges/<int:judge_id>/remove"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/criteria"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/criteria/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/criteria/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/remove"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/conflicts"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/conflicts/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/conflicts/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/conflicts/<int:conflict_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/conflicts/<int:conflict_id>/remove"): organisers_only(200),
    # Assigning judges: running shows a preview (200); confirming without the preview's inputs hash is
    # refused as out of date (409). `assignment_id` is another judge's assignment to `reference`.
    ("GET", "/organiser/cycles/<slug>/assignment"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/assignment"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/assignment/confirm"): organisers_only(409),
    ("GET", "/organiser/cycles/<slug>/assignment/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/lock"): organisers_only(302),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/unlock"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/remove"): organisers_only(302),
    # Accepting an invitation (anyone: the link is the proof; `token` is not valid) and the judge's
    # profile (the judge user is an accepted judge of the cycle; the role alone gives nothing; posting
    # nothing keeps their organisation and saves)
    ("GET", "/judging/invitations/<token>"): everyone(400),
    ("POST", "/judging/invitations/<token>"): everyone(400),
    ("GET", "/judging/profile"): {ANON: LOGIN, NOMINEE: 403, JUDGE: 200, ORGANISER: 403},
    ("POST", "/judging/profile"): {ANON: LOGIN, NOMINEE: 403, JUDGE: 302, ORGANISER: 403},
    # The judge's pages (`assigned_reference`: a submitted nomination assigned to the judge user, who has said
    # "no conflict" and submitted scores, in the open cycle, so scoring is refused (409); `judged_attachment_id` its
    # document). Nobody else is assigned: to them these pages do not exist. Posting nothing to the declaration
    # is a form error. `review_id` is that review: the organiser reopens it; redacting the draft `reference`
    # must wait for its submission (409).
    ("GET", "/judging/"): {ANON: LOGIN, NOMINEE: 404, JUDGE: 200, ORGANISER: 404},
    ("GET", "/judging/nominations/<assigned_reference>/declare"): {ANON: LOGIN, NOMINEE: 404, JUDGE: 200,
                                                                   ORGANISER: 404},
    ("POST", "/judging/nominations/<assigned_reference>/declare"): {ANON: LOGIN, NOMINEE: 404, JUDGE: 200,
                                                                    ORGANISER: 404},
    ("GET", "/judging/nominations/<assigned_reference>"): {ANON: LOGIN, NOMINEE: 404, JUDGE: 200, ORGANISER: 404},
    ("POST", "/judging/nominations/<assigned_reference>"): {ANON: LOGIN, NOMINEE: 404, JUDGE: 409, ORGANISER: 404},
    ("GET", "/judging/nominations/<assigned_reference>/documents/<int:judged_attachment_id>"): {
        ANON: LOGIN, NOMINEE: 404, JUDGE: 200, ORGANISER: 404},
    ("GET", "/organiser/cycles/<slug>/reviews"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/reviews/<int:review_id>"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/reviews/<int:review_id>/reopen"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/reviews/<int:review_id>/reopen"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>/redaction"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/nominations/<reference>/redaction"): organisers_only(409),
    # Judging progress and reminders (posting nothing: "Select the judges to remind")
    ("GET", "/organiser/cycles/<slug>/judging"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judging"): organisers_only(200),
    # Results, shortlist, publication and impact cases (`slug` is an open cycle: publishing it is refused)
    ("GET", "/organiser/cycles/<slug>/results"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/results/settings"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/results/<reference>"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/results.csv"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/scores.csv"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/shortlist/suggest"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/shortlist/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/shortlist/<reference>"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/publish"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/publish"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/impact-cases"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/impact-cases/<reference>/prepare"): organisers_only(302),
    ("GET", "/organiser/impact-cases/<int:case_id>"): organisers_only(),
    ("POST", "/organiser/impact-cases/<int:case_id>"): organisers_only(200),
    ("POST", "/organiser/impact-cases/<int:case_id>/publication"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/insight"): organisers_only(),
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
    from awards.domain.clock import utcnow
    from awards.domain.results import make_impact_case
    from awards.models import Result
    case = make_impact_case(make_nomination(cycle, title="A published project"), Result.SHORTLISTED, utcnow())
    db.session.add(case)
    db.session.commit()
    return {"token": "not-a-valid-token", "user_id": users[NOMINEE].id, "slug": cycle.slug,
            "reference": nomination.reference, "section": "organisation", "attachment_id": attachment.id,
            "trend_slug": cycle.trends[0].slug, "category_id": cycle.categories[-1].id, "state": "draft",
            "case_id": case.id, **_published_values(), **_judge_setup_values(cycle, nomination, users),
            **_judging_values(cycle, users), **_assignment_values(cycle, nomination)}


def _judge_setup_values(cycle, nomination, users) -> dict:
    """The judge user as an accepted judge of the cycle; a pending invitation (`judge_id`) with an
    organiser's conflict (`conflict_id`); a criterion (`criterion_id`)."""
    from sqlalchemy import select

    from awards.domain.clock import utcnow
    from awards.extensions import db
    from awards.models import ConflictOfInterest, ConflictSource, Judge

    now = utcnow()
    if db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id == users[JUDGE].id)) is None:
        db.session.add(Judge(cycle_id=cycle.id, email=users[JUDGE].email, user_id=users[JUDGE].id,
                             invited_at=now, accepted_at=now))
    pending = Judge(cycle_id=cycle.id, email="pending.judge@judges.example.net", invited_at=now)
    db.session.add(pending)
    db.session.flush()
    conflict = ConflictOfInterest(judge_id=pending.id, nomination_id=nomination.id, source=ConflictSource.ORGANISER,
                                  reason="Works with the nominee", created_at=now)
    db.session.add(conflict)
    db.session.commit()
    return {"judge_id": pending.id, "criterion_id": cycle.criteria[-1].id, "conflict_id": conflict.id}


def _judging_values(cycle, users) -> dict:
    """A submitted nomination assigned to the judge user (`assigned_reference`), who said "no conflict" and
    submitted scores (`review_id`), with a document (`judged_attachment_id`)."""
    import io

    from sqlalchemy import select

    from awards.domain.attachments import add_attachment
    from awards.domain.clock import utcnow
    from awards.extensions import db
    from awards.models import Judge

    from ..factories import make_nomination, make_user
    from ..judging_factories import make_assignment, make_judge, make_review
    from .test_nominee_journey import PNG

    membership = db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id,
                                                       Judge.user_id == users[JUDGE].id))
    membership = membership or make_judge(cycle, users[JUDGE])
    nominator = make_user(email="assigned.nominator@example.net", organisation="Elsewhere Trust")
    assigned = make_nomination(cycle, nominator=nominator, title="A nomination to judge")
    document = add_attachment(assigned, filename="evidence.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    assignment = make_assignment(membership, assigned, no_conflict_declared=True)
    review = make_review(assignment, status="submitted")
    assert review.submitted_at <= utcnow()
    return {"assigned_reference": assigned.reference, "judged_attachment_id": document.id, "review_id": review.id}


def _assignment_values(cycle, nomination) -> dict:
    """Another judge's assignment (`assignment_id`) to the nomination `reference`."""
    from ..judging_factories import make_assignment, make_judge

    return {"assignment_id": make_assignment(make_judge(cycle), nomination).id}


def _published_values() -> dict:
    """A published cycle with one public impact case, for the public library's routes."""
    from ..publishing_factories import make_published_case

    public_case = make_published_case(year=2025, title="A public impact case")
    return {"case_slug": public_case.slug, "published_cycle_slug": public_case.cycle.slug}


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
