"""Every route × method × audience → expected outcome, in one table. A route missing here fails the suite.

Seven audiences: anonymous; two nominees (the one who owns the nomination `reference`, and another); three
judges of the cycle (assigned to `assigned_reference`, not assigned to it, and assigned but conflicted with
it); and an organiser. Requests are made with a valid CSRF token and no other data.

The rule every line follows: anonymous → LOGIN (a redirect to the sign-in page; the API would answer 401; a
nomination section's POST without its page's stash ticket → 400, see test_anonymous_stash.py);
signed in without the function (a nominee on an organiser page, anyone but a judge on a judging page) → 403;
signed in with the function but not the object (another's nomination, an entry not assigned to you or one you
are conflicted with) → 404. A line may give NOMINEE or JUDGE for all nominees or all judges at once (routes
with no object of theirs); the helpers below name the usual patterns. Grow this table with every new route.

Below the table: object-id tampering (another user's ids in every id-bearing URL change nothing).
CSRF is in test_csrf.py, generated from the same url map and this table.
"""

import pytest

ANON = "anonymous"
OWNER, NOT_OWNER = "nominee-owner", "nominee-not-owner"
ASSIGNED, UNASSIGNED, CONFLICTED = "judge-assigned", "judge-unassigned", "judge-conflicted"
ORGANISER = "organiser"
AUDIENCES = (ANON, OWNER, NOT_OWNER, ASSIGNED, UNASSIGNED, CONFLICTED, ORGANISER)
# Shorthands in a line: every nominee, every judge (where the route has no object of theirs)
NOMINEE, JUDGE = "nominee", "judge"
GROUPS = {NOMINEE: (OWNER, NOT_OWNER), JUDGE: (ASSIGNED, UNASSIGNED, CONFLICTED)}
ROLES = AUDIENCES  # the old name
LOGIN = "login"


def everyone(status):
    return dict.fromkeys(AUDIENCES, status)


def signed_in(status):
    return {ANON: LOGIN, NOMINEE: status, JUDGE: status, ORGANISER: status}


def signed_out_only(status=200):
    """Pages for people not signed in (register, sign in): a signed-in person is sent on (302)."""
    return {ANON: status, NOMINEE: 302, JUDGE: 302, ORGANISER: 302}


def organisers_only(status=200):
    return {ANON: LOGIN, NOMINEE: 403, JUDGE: 403, ORGANISER: status}


def owner_only(status=200):
    """A nominee's own nomination: only its nominator sees it; to anyone else it does not exist."""
    return {ANON: LOGIN, OWNER: status, NOT_OWNER: 404, JUDGE: 404, ORGANISER: 404}


def judges_only(status=200):
    """Judging pages with no entry in them: any accepted judge of a cycle; to others (not judges) 403."""
    return {ANON: LOGIN, NOMINEE: 403, JUDGE: status, ORGANISER: 403}


def assigned_judge_only(status=200):
    """An entry's judging pages: only the judge it is assigned to (and not conflicted with) reaches them;
    other judges get 404 (object level), people who judge nothing 403 (function level)."""
    return {ANON: LOGIN, NOMINEE: 403, ASSIGNED: status, UNASSIGNED: 404, CONFLICTED: 404, ORGANISER: 403}


def expected(line: dict) -> dict:
    """A line with its shorthands spread over the seven audiences."""
    outcome = {}
    for key, status in line.items():
        for audience in GROUPS.get(key, (key,)):
            outcome.setdefault(audience, status)
    for key, status in line.items():  # a named audience beats its group's shorthand
        if key not in GROUPS:
            outcome[key] = status
    return outcome


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
    ("GET", "/register"): signed_out_only(200),
    ("POST", "/register"): signed_out_only(200),
    ("GET", "/verify-email/<token>"): everyone(400),
    ("POST", "/verify-email"): signed_in(302),
    ("GET", "/sign-in"): signed_out_only(200),
    ("POST", "/sign-in"): signed_out_only(200),
    ("POST", "/sign-out"): everyone(302),
    # Two-factor: the code step after the first factor (nobody has one pending here: back to sign-in,
    # or on for someone signed in), and the settings (posting no code is a form error)
    ("GET", "/sign-in/code"): everyone(302),
    ("POST", "/sign-in/code"): everyone(302),
    ("GET", "/account/two-factor"): signed_in(200),
    ("POST", "/account/two-factor"): signed_in(200),
    ("GET", "/account"): signed_in(200),
    ("POST", "/account"): signed_in(200),
    # The person's own data: a JSON copy, and deleting the account (posting no password is a form error)
    ("GET", "/account/your-data.json"): signed_in(200),
    ("GET", "/account/delete"): signed_in(200),
    ("POST", "/account/delete"): signed_in(200),
    ("GET", "/account/reset-password"): everyone(200),
    ("POST", "/account/reset-password"): everyone(200),
    ("GET", "/account/reset-password/<token>"): everyone(400),
    ("POST", "/account/reset-password/<token>"): everyone(400),
    # Magic links: asking for one answers the same to everyone; a made-up link is refused
    ("GET", "/sign-in/email-link"): everyone(200),
    ("POST", "/sign-in/email-link"): everyone(200),
    ("GET", "/sign-in/email-link/<token>"): everyone(400),
    ("POST", "/sign-in/email-link/<token>"): everyone(400),
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
    # Screening several at once from the list (posting nothing: "Select the nominations you want to mark")
    ("POST", "/organiser/cycles/<slug>/nominations/screen"): organisers_only(200),
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
    # Filling the gaps of nominations short of judges, every current assignment kept (then back to the page)
    ("POST", "/organiser/cycles/<slug>/assignment/fill-gaps"): organisers_only(302),
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
    ("GET", "/judging/profile"): judges_only(200),
    ("POST", "/judging/profile"): judges_only(302),
    # The judge's pages (`assigned_reference`: a submitted nomination assigned to the assigned judge, who has said
    # "no conflict" and submitted scores, in the open cycle, so scoring is refused (409); `judged_attachment_id` its
    # document). The unassigned judge judges the cycle with nothing assigned; the conflicted judge is assigned and
    # said "no conflict", but shares the nomination's e-mail domain. Posting nothing to the declaration
    # is a form error. `review_id` is that review: the organiser reopens it; redacting the draft `reference`
    # must wait for its submission (409).
    ("GET", "/judging/"): judges_only(200),
    ("GET", "/judging/nominations/<assigned_reference>/declare"): assigned_judge_only(200),
    ("POST", "/judging/nominations/<assigned_reference>/declare"): assigned_judge_only(200),
    ("GET", "/judging/nominations/<assigned_reference>"): assigned_judge_only(200),
    ("POST", "/judging/nominations/<assigned_reference>"): assigned_judge_only(409),
    ("GET", "/judging/nominations/<assigned_reference>/documents/<int:judged_attachment_id>"):
        assigned_judge_only(200),
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
    # Removing a cycle's personal data (`slug` is open, so removing it now is refused)
    ("GET", "/organiser/cycles/<slug>/personal-data"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/personal-data"): organisers_only(409),
    # Reminding the nominees of unsubmitted drafts (`slug` accepts nominations; its draft `reference` is reminded)
    ("GET", "/organiser/cycles/<slug>/draft-reminders"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/draft-reminders"): organisers_only(302),
    # The nominee's journey (the nomination belongs to the nominee user)
    ("GET", "/nominations"): signed_in(200),
    ("GET", "/nominations/start"): signed_in(200),
    ("POST", "/nominations/start"): signed_in(200),
    ("GET", "/nominations/<reference>"): owner_only(200),
    ("GET", SECTION_RULE): owner_only(200),
    # Anonymous: a section post without its page's stash ticket is refused with a page (400) and keeps
    # nothing (a post whose session ended while typing is kept only with the ticket: test_anonymous_stash.py).
    ("POST", SECTION_RULE): {**owner_only(200), ANON: 400},
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

    `reference` is a draft nomination by the owner, in the open cycle `slug`,
    with one uploaded document (`attachment_id`).
    """
    import io

    from awards.domain.nominations.attachments import add_attachment
    from awards.extensions import db

    from ..factories import make_cycle, make_nomination
    from .test_nominee_journey import PNG

    cycle = make_cycle()
    nomination = make_nomination(cycle, nominator=users[OWNER], status="draft", complete=False)
    attachment = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=users[OWNER])
    from awards.domain.core.clock import utcnow
    from awards.domain.results.shortlists import make_impact_case
    from awards.models import Result
    case = make_impact_case(make_nomination(cycle, title="A published project"), Result.SHORTLISTED, utcnow())
    db.session.add(case)
    db.session.commit()
    return {"token": "not-a-valid-token", "user_id": users[OWNER].id, "slug": cycle.slug,
            "reference": nomination.reference, "section": "organisation", "attachment_id": attachment.id,
            "trend_slug": cycle.trends[0].slug, "category_id": cycle.categories[-1].id, "state": "draft",
            "case_id": case.id, **_published_values(), **_judge_setup_values(cycle, nomination, users),
            **_judging_values(cycle, users), **_assignment_values(cycle, nomination)}


def _judge_setup_values(cycle, nomination, users) -> dict:
    """The three judges as accepted judges of the cycle; a pending invitation (`judge_id`) with an
    organiser's conflict (`conflict_id`); a criterion (`criterion_id`)."""
    from sqlalchemy import select

    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import ConflictOfInterest, ConflictSource, Judge

    now = utcnow()
    for audience in GROUPS[JUDGE]:
        if db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id,
                                                 Judge.user_id == users[audience].id)) is None:
            db.session.add(Judge(cycle_id=cycle.id, email=users[audience].email, user_id=users[audience].id,
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
    """A submitted nomination assigned to the assigned judge (`assigned_reference`), who said "no conflict" and
    submitted scores (`review_id`), with a document (`judged_attachment_id`). It is assigned to the conflicted
    judge too, who also said "no conflict", but whose address shares the nomination contact's domain."""
    import io

    from sqlalchemy import select

    from awards.domain.core.clock import utcnow
    from awards.domain.nominations.attachments import add_attachment
    from awards.extensions import db
    from awards.models import Judge

    from ..factories import make_nomination, make_user
    from ..judging_factories import make_assignment, make_judge, make_review
    from .test_nominee_journey import PNG

    membership = db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id,
                                                       Judge.user_id == users[ASSIGNED].id))
    membership = membership or make_judge(cycle, users[ASSIGNED])
    nominator = make_user(email="assigned.nominator@example.net", organisation="Elsewhere Trust")
    assigned = make_nomination(cycle, nominator=nominator, title="A nomination to judge",
                               contact_email="casey@conflicted.example.gov.uk")
    document = add_attachment(assigned, filename="evidence.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    assignment = make_assignment(membership, assigned, no_conflict_declared=True)
    review = make_review(assignment, status="submitted")
    conflicted = db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id,
                                                       Judge.user_id == users[CONFLICTED].id))
    make_assignment(conflicted or make_judge(cycle, users[CONFLICTED]), assigned, no_conflict_declared=True)
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


@pytest.fixture
def audience_users(nominee, judge, organiser) -> dict:
    """A user per signed-in audience (NOMINEE and JUDGE name the owner and the assigned judge too)."""
    from ..factories import make_user

    users = {OWNER: nominee, NOT_OWNER: make_user(name="Nat Other", email="nat@elsewhere.gov.uk"),
             ASSIGNED: judge,
             UNASSIGNED: make_user(name="Una Unassigned", email="una@judging.example.org", roles=("judge",)),
             CONFLICTED: make_user(name="Cora Conflicted", email="cora@conflicted.example.gov.uk", roles=("judge",),
                                   organisation="Conflicted Example Trust"),
             ORGANISER: organiser}
    return {**users, NOMINEE: nominee, JUDGE: judge}


def build_url(app, method: str, rule: str, values: dict) -> str:
    rule_obj = next(r for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)
    return app.url_map.bind("localhost").build(rule_obj.endpoint, {k: values[k] for k in rule_obj.arguments},
                                               method=method)


def outcome_problem(response, expected_status, url: str) -> str | None:
    """None if the response is the expected outcome, else what it was instead."""
    if expected_status == LOGIN:
        if url.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    else:
        ok = response.status_code == expected_status
    if ok:
        return None
    return f"expected {expected_status}, got {response.status_code} {response.headers.get('Location', '')}"


def test_every_line_names_every_audience():
    incomplete = {key: sorted(set(AUDIENCES) - expected(line).keys()) for key, line in MATRIX.items()
                  if set(AUDIENCES) - expected(line).keys()}
    unknown = {key: sorted(line.keys() - set(AUDIENCES) - set(GROUPS)) for key, line in MATRIX.items()
               if line.keys() - set(AUDIENCES) - set(GROUPS)}
    assert not incomplete, f"lines without an outcome for some audiences: {incomplete}"
    assert not unknown, f"lines naming unknown audiences: {unknown}"


def test_every_outcome_follows_the_rule():
    """Every outcome is a status or LOGIN, and only anonymous people are sent to sign in: a signed-in person
    who may not use a page gets 403 or 404 (and the API never sends anyone to a sign-in page)."""
    for key, line in MATRIX.items():
        for audience, status in expected(line).items():
            assert status == LOGIN or isinstance(status, int), (key, audience, status)
            if status == LOGIN:
                assert audience == ANON and not key[1].startswith("/api/"), (key, audience)


@pytest.mark.parametrize("method,rule", sorted(MATRIX))
def test_access(app, audience_users, method, rule):
    users = audience_users
    url = build_url(app, method, rule, url_values(users))
    outcomes = expected(MATRIX[(method, rule)])
    failures = []
    for audience in AUDIENCES:
        client = app.test_client()
        if audience != ANON:
            client.sign_in_as(users[audience])
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": client.csrf_token()})
        problem = outcome_problem(response, outcomes[audience], url)
        if problem:
            failures.append(f"{audience}: {problem}")
    assert not failures, f"{method} {url}: " + "; ".join(failures)


# ---------------------------------------------------------------- object-id tampering
#
# For every POST route with URL variables (from the url map), each audience but the organiser posts, with a
# valid CSRF token and plausible form data, using another user's objects: all of the URL's ids another user's,
# and, where a URL has several, one of them another user's and the rest the audience's own (the owner's
# nomination with someone else's document). The database must not change: every row of every table is compared.
# No table is excluded: an anonymous post to a nomination section is kept only with the stash ticket of its
# author's own page (none here), so it too must change nothing.
# `test_the_tampering_data_is_plausible` proves each form would have changed the database for its rightful user,
# so a refusal is the app's doing, not a typo in the test's data. Organiser-only routes stop every other audience
# at the blueprint's role gate (403 in the table) before the form is read, so they get generic data.

NEW_PASSWORD = "a brand new tampering passphrase"
GENERIC_DATA = {"confirm": "yes", "reason": "Tampering check", "name": "Tampered", "title": "Tampered",
                "email": "tampered@example.org", "emails": "tampered@example.org", "action": "submit"}


def _png_upload():
    import io

    from .test_nominee_journey import PNG
    return (io.BytesIO(PNG), "tampered.png")


def _score_sheet(world) -> dict:
    return {"action": "submit", "version": "0", "overall_comment": "Tampered",
            **{f"score-{c.id}": str(c.scale_max) for c in world["judging_cycle"].criteria}}


# Plausible form data per route that anyone but an organiser can reach: {rule: lambda world: data}
PLAUSIBLE = {
    SECTION_RULE: lambda w: {"organisation_name": "Tampered Council", "contact_name": "Tam Perer",
                             "contact_email": "tam@tampered.example.org", "contact_phone": "01234 567890",
                             "region": "South West", "partners-0-name": "Tampering Ltd"},
    "/nominations/<reference>/documents/upload": lambda w: {"file": _png_upload()},
    "/nominations/<reference>/documents/<int:attachment_id>/remove": lambda w: {"confirm": "yes"},
    "/nominations/<reference>/submit": lambda w: {},
    "/nominations/<reference>/withdraw": lambda w: {"confirm": "yes"},
    "/judging/nominations/<assigned_reference>/declare": lambda w: {"has_conflict": "yes", "reason": "Tampered"},
    "/judging/nominations/<assigned_reference>": _score_sheet,
    "/judging/invitations/<token>": lambda w: {"name": "Tam Perer", "organisation": "Tampering Ltd",
                                               "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    "/account/reset-password/<token>": lambda w: {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    "/sign-in/email-link/<token>": lambda w: {},
}

# Who may rightfully post each of them, and with what (the control for the plausibility test):
# (the user's key in the world, {URL variable: the world's key for its rightful value}).
RIGHTFUL = {
    SECTION_RULE: (OWNER, {}),
    "/nominations/<reference>/documents/upload": (OWNER, {}),
    "/nominations/<reference>/documents/<int:attachment_id>/remove": (OWNER, {}),
    "/nominations/<reference>/submit": (OWNER, {}),
    "/nominations/<reference>/withdraw": (OWNER, {}),
    "/judging/nominations/<assigned_reference>/declare": (ASSIGNED, {}),
    "/judging/nominations/<assigned_reference>": (ASSIGNED, {}),
    "/judging/invitations/<token>": ("victim", {"token": "victim_invitation_token"}),
    "/account/reset-password/<token>": (ANON, {"token": "victim_reset_token"}),
    # (its account's address is not yet confirmed: using the link confirms it)
    "/sign-in/email-link/<token>": (ANON, {"token": "victim_magic_link_token"}),
}


def _post_routes_with_variables(app) -> list[tuple[str, str]]:
    """(rule, endpoint) of every POST route whose URL names something, from the url map."""
    return sorted({(r.rule, r.endpoint) for r in app.url_map.iter_rules()
                   if "POST" in r.methods and r.arguments and r.endpoint != "static"})


def _reachable_by_others(rule: str) -> bool:
    """Whether the table lets anyone but an organiser past the gates of this POST route."""
    outcomes = expected(MATRIX[("POST", rule)])
    return any(outcomes[a] not in (LOGIN, 403, 404) for a in AUDIENCES if a != ORGANISER)


def tampering_world(users) -> dict:
    """The table's objects (url_values) made actionable for their rightful users, plus a victim's.

    Own (the audience's): `reference` is the owner's complete draft with a document (`attachment_id`), in the
    open cycle; `assigned_reference` a nomination in a cycle being judged, assigned to the assigned judge (who
    said "no conflict", no scores yet; `judged_attachment_id` its document) and to the conflicted judge.
    Foreign (a victim's): the victim nominee's draft and document; a nomination assigned to the victim judge,
    its document, their draft review, their assignment, membership and an organiser's conflict; the victim's
    account; a genuine invitation to the victim's address (a signed-in stranger is refused it; anonymously the
    link asks the victim to sign in) — posted to the reset-password route too, where a token made for
    another purpose must not work."""
    import io

    from sqlalchemy import select

    from awards.domain.judging.judges import make_invitation_token
    from awards.domain.nominations.attachments import add_attachment
    from awards.domain.people.accounts import make_reset_token
    from awards.extensions import db
    from awards.models import Cycle

    from ..factories import make_cycle, make_nomination, make_user
    from ..judging_factories import add_conflict, make_assignment, make_judge, make_review
    from .test_nominee_journey import PNG

    own = url_values(users)
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == own["slug"]))
    judging_cycle = make_cycle(name="Tampering Awards", year=2024, status="judging")
    victim = make_user(name="Vera Victim", email="vera@victims.example.org")
    victim_judge_user = make_user(name="Victor Victim", email="victor@victims.example.org", roles=("judge",))

    def document(nomination, by):
        attachment = add_attachment(nomination, filename="evidence.png", stream=io.BytesIO(PNG), by=by)
        db.session.commit()
        return attachment.id

    draft = make_nomination(cycle, nominator=users[OWNER], status="draft")
    victim_draft = make_nomination(cycle, nominator=victim, status="draft", title="The victim's draft")
    memberships = {a: make_judge(judging_cycle, users[a]) for a in GROUPS[JUDGE]}
    victim_membership = make_judge(judging_cycle, victim_judge_user)
    nominator = make_user(name="Nora Nominator", email="nora@elsewhere.example.org")
    assigned = make_nomination(judging_cycle, nominator=nominator, contact_email="casey@conflicted.example.gov.uk")
    make_assignment(memberships[ASSIGNED], assigned, no_conflict_declared=True)
    make_assignment(memberships[CONFLICTED], assigned, no_conflict_declared=True)
    victims_entry = make_nomination(judging_cycle, nominator=nominator, title="The victim judge's entry")
    victim_assignment = make_assignment(victim_membership, victims_entry, no_conflict_declared=True)
    victim_review = make_review(victim_assignment, status="draft")
    victim_conflict = add_conflict(victim_membership, assigned)
    invitation = make_judge(judging_cycle, accepted=False, email=victim.email)
    own.update(reference=draft.reference, attachment_id=document(draft, users[OWNER]),
               assigned_reference=assigned.reference, judged_attachment_id=document(assigned, nominator),
               section="organisation")
    foreign = {**own, "reference": victim_draft.reference, "attachment_id": document(victim_draft, victim),
               "assigned_reference": victims_entry.reference,
               "judged_attachment_id": document(victims_entry, nominator), "review_id": victim_review.id,
               "assignment_id": victim_assignment.id, "judge_id": victim_membership.id,
               "conflict_id": victim_conflict.id, "user_id": victim.id, "token": make_invitation_token(invitation)}
    return {"own": own, "foreign": foreign, "judging_cycle": judging_cycle, "victim": victim,
            "victim_invitation_token": make_invitation_token(invitation),
            "victim_reset_token": make_reset_token(victim), "victim_magic_link_token": _magic_link_token()}


def _magic_link_token() -> str:
    """A sign-in link's token, as e-mailed to an account whose address is not yet confirmed."""
    import re

    from sqlalchemy import select

    from awards.domain.people.accounts import request_magic_link
    from awards.extensions import db
    from awards.models import OutboxMessage

    from ..factories import make_user

    person = make_user(name="Una Unconfirmed", email="una@victims.example.org", verified=False)
    request_magic_link(person.email)
    db.session.commit()
    body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.kind == "magic_link")
                              .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/sign-in/email-link/([^\s]+)", body).group(1)


def tampering_urls(app, rule: str, endpoint: str, world: dict) -> list[str]:
    """The route's URL with every object another user's, and, for several, with each one in turn another's."""
    rule_obj = next(r for r in app.url_map.iter_rules() if r.rule == rule and r.endpoint == endpoint)
    own, foreign = world["own"], world["foreign"]
    adapter = app.url_map.bind("localhost")
    names = sorted(rule_obj.arguments)
    swapped = [n for n in names if foreign[n] != own[n]]
    variants = [{n: foreign[n] for n in names}]
    if len(swapped) > 1:
        variants += [{**{n: own[n] for n in names}, name: foreign[name]} for name in swapped]
    return [adapter.build(endpoint, values, method="POST") for values in variants]


def test_every_reachable_route_with_ids_has_tampering_data(app):
    missing = [rule for rule, _ in _post_routes_with_variables(app)
               if _reachable_by_others(rule) and (rule not in PLAUSIBLE or rule not in RIGHTFUL)]
    assert not missing, f"give these routes plausible form data and a rightful user: {missing}"


@pytest.mark.parametrize("audience", [a for a in AUDIENCES if a != ORGANISER])
def test_another_users_ids_change_nothing(app, audience_users, audience):
    from ..snapshot import changes, describe, snapshot

    world = tampering_world(audience_users)
    client = app.test_client()
    if audience != ANON:
        client.sign_in_as(audience_users[audience])
    token = client.csrf_token()
    failures = []
    tried = 0
    last = snapshot()  # after the previous request: the next one's "before"
    for rule, endpoint in _post_routes_with_variables(app):
        for url in tampering_urls(app, rule, endpoint, world):
            before = last
            data = PLAUSIBLE.get(rule, lambda w: dict(GENERIC_DATA))(world)
            try:
                status = client.post(url, data={**data, "csrf_token": token}).status_code
            except Exception as error:  # the app raised (TESTING propagates it): say where, and go on
                status = f"raised {error!r}"
            tried += 1
            last = snapshot()
            difference = changes(before, last)
            if difference or not isinstance(status, int):
                failures.append(f"POST {url} → {status}: {describe(difference, limit=1)[:600]}")
    assert tried > 50  # the url map really was walked
    assert not failures, f"{audience} changed the database with another user's ids:\n" + "\n".join(failures)


@pytest.mark.parametrize("rule", sorted(RIGHTFUL))
def test_the_tampering_data_is_plausible(app, audience_users, rule):
    """The control: the rightful user posting the same data to their own objects does change the database."""
    from ..snapshot import changes, snapshot

    world = tampering_world(audience_users)
    who, own_keys = RIGHTFUL[rule]
    values = {**world["own"], **{name: world[key] for name, key in own_keys.items()}}
    url = build_url(app, "POST", rule, values)
    client = app.test_client()
    user = world["victim"] if who == "victim" else audience_users.get(who)
    if user is not None:
        client.sign_in_as(user)
    before = snapshot()
    response = client.post(url, data={**PLAUSIBLE[rule](world), "csrf_token": client.csrf_token()})
    assert response.status_code in (200, 302), response.status_code
    changed = set(changes(before, snapshot())) - {"audit_events"}  # the decision itself, not only its record
    assert changed, f"POST {url} as {who} changed nothing: the tampering data is not plausible"
