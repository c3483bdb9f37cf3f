"""The access matrix, checked and run: every route has a line (tests/support/access_matrix.py holds the table,
MATRIX, with the rule every line follows); every audience of every line gets its expected outcome.

Below: object-id tampering (another user's ids in every id-bearing URL change nothing).
CSRF is in test_csrf.py, generated from the same url map and table.
"""

import pytest

from tests.support.access_matrix import (
    ANON,
    ASSIGNED,
    AUDIENCES,
    CO_EDITOR,
    CONFLICTED,
    GENERIC_DATA,
    GROUPS,
    JUDGE,
    LOGIN,
    MATRIX,
    ORGANISER,
    OWNER,
    SECTION_RULE,
    build_url,
    expected,
    kept_matrix_world,
    outcome_problem,
    url_values,
)


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


def test_every_line_names_every_audience():
    incomplete = {
        key: sorted(set(AUDIENCES) - expected(line).keys())
        for key, line in MATRIX.items()
        if set(AUDIENCES) - expected(line).keys()
    }
    unknown = {
        key: sorted(line.keys() - set(AUDIENCES) - set(GROUPS))
        for key, line in MATRIX.items()
        if line.keys() - set(AUDIENCES) - set(GROUPS)
    }
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


# GET routes in groups of ten sharing one set of data (the world is restored for each test, tests/support/
# kept_worlds.py; GETs change nothing another route's answer depends on); every POST route on data of its own,
# since a post may change it.
GET_GROUPS = [
    rules[i : i + 10] for rules in [sorted(r for m, r in MATRIX if m == "GET")] for i in range(0, len(rules), 10)
]
POST_ROUTES = sorted(r for m, r in MATRIX if m == "POST")


@pytest.mark.parametrize("rules", GET_GROUPS, ids=lambda rules: f"GET-{rules[0]}..{rules[-1]}")
def test_access_to_pages(app, matrix_world, rules):
    users, values = matrix_world
    failures = [problem for rule in rules for problem in _access_problems(app, users, values, "GET", rule)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("rule", POST_ROUTES)
def test_access_to_posts(app, matrix_world, rule):
    users, values = matrix_world
    failures = _access_problems(app, users, values, "POST", rule)
    assert not failures, "\n".join(failures)


def _access_problems(app, users, values, method, rule) -> list[str]:
    url = build_url(app, method, rule, values)
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
            failures.append(f"{method} {url} as {audience}: {problem}")
    return failures


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


def _png_upload():
    import io

    from tests.support.files import PNG

    return (io.BytesIO(PNG), "tampered.png")


def _score_sheet(world) -> dict:
    return {
        "action": "submit",
        "version": "0",
        "overall_comment": "Tampered",
        **{f"score-{c.id}": str(c.scale_max) for c in _tampering_judging_cycle(world).rounds[0].criteria},
    }


# Plausible form data per route that anyone but an organiser can reach: {rule: lambda world: data}
PLAUSIBLE = {
    SECTION_RULE: lambda w: {
        "organisation_name": "Tampered Council",
        "contact_name": "Tam Perer",
        "contact_email": "tam@tampered.example.org",
        "contact_phone": "01234 567890",
        "region": "South West",
        "partners-0-name": "Tampering Ltd",
    },
    "/nominations/<reference>/documents/upload": lambda w: {"file": _png_upload()},
    "/nominations/<reference>/documents/<int:attachment_id>/remove": lambda w: {"confirm": "yes"},
    "/nominations/<reference>/submit": lambda w: {},
    "/nominations/<reference>/withdraw": lambda w: {"confirm": "yes"},
    "/nominations/<reference>/team": lambda w: {"email": "tam@tampered.example.org"},
    "/nominations/<reference>/team/invitations/<int:invitation_id>/cancel": lambda w: {},
    "/nominations/<reference>/team/members/<int:member_id>/remove": lambda w: {"confirm": "yes"},
    "/nominations/<reference>/team/members/<int:member_id>/make-owner": lambda w: {"confirm": "yes"},
    "/nominations/<reference>/team/leave": lambda w: {"confirm": "yes"},
    "/team-invitations/<token>": lambda w: {},
    "/judging/nominations/<assigned_reference>/declare": lambda w: {"has_conflict": "yes", "reason": "Tampered"},
    "/judging/nominations/<assigned_reference>": _score_sheet,
    "/judging/invitations/<token>": lambda w: {
        "name": "Tam Perer",
        "organisation": "Tampering Ltd",
        "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    },
    "/account/reset-password/<token>": lambda w: {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    "/sign-in/email-link/<token>": lambda w: {},
    # A People's Choice vote is anyone's: the foreign one has not opened (nothing may be recorded), and a
    # confirmation link must not take a token made for another purpose (the foreign `token`, an invitation's).
    "/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>": lambda w: {
        "option": str(w["vote_option_id"]),
        "email": "tam@tampered.example.org",
    },
    "/peoples-choice/confirm/<token>": lambda w: {},
}

# Who may rightfully post each of them, and with what (the control for the plausibility test):
# (the user's key in the world, {URL variable: the world's key for its rightful value}).
RIGHTFUL = {
    SECTION_RULE: (OWNER, {}),
    "/nominations/<reference>/documents/upload": (OWNER, {}),
    "/nominations/<reference>/documents/<int:attachment_id>/remove": (OWNER, {}),
    "/nominations/<reference>/submit": (OWNER, {}),
    "/nominations/<reference>/withdraw": (OWNER, {}),
    "/nominations/<reference>/team": (OWNER, {}),
    "/nominations/<reference>/team/invitations/<int:invitation_id>/cancel": (OWNER, {}),
    "/nominations/<reference>/team/members/<int:member_id>/remove": (OWNER, {}),
    "/nominations/<reference>/team/members/<int:member_id>/make-owner": (OWNER, {}),
    "/nominations/<reference>/team/leave": (CO_EDITOR, {}),
    # (an invitation to the victim's address into the owner's team: a token made for a judge must not work there)
    "/team-invitations/<token>": ("victim", {"token": "victim_team_token"}),
    "/judging/nominations/<assigned_reference>/declare": (ASSIGNED, {}),
    "/judging/nominations/<assigned_reference>": (ASSIGNED, {}),
    "/judging/invitations/<token>": ("victim", {"token": "victim_invitation_token"}),
    "/account/reset-password/<token>": (ANON, {"token": "victim_reset_token"}),
    # (its account's address is not yet confirmed: using the link confirms it)
    "/sign-in/email-link/<token>": (ANON, {"token": "victim_magic_link_token"}),
    "/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>": (ANON, {}),
    "/peoples-choice/confirm/<token>": (ANON, {"token": "victim_vote_token"}),
}


def _post_routes_with_variables(app) -> list[tuple[str, str]]:
    """(rule, endpoint) of every POST route whose URL names something, from the url map."""
    return sorted(
        {
            (r.rule, r.endpoint)
            for r in app.url_map.iter_rules()
            if "POST" in r.methods and r.arguments and r.endpoint != "static"
        }
    )


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
    from tests.factories import (
        add_conflict,
        make_assignment,
        make_cycle,
        make_judge,
        make_nomination,
        make_review,
        make_user,
    )
    from tests.support.files import PNG

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
    own_team, victims_team = _team_of(draft, users.get(CO_EDITOR)), _team_of(victim_draft, None)
    victim_team_token = _team_invitation_token(draft, victim.email)
    own.update(
        reference=draft.reference,
        member_id=own_team["member_id"],
        invitation_id=own_team["invitation_id"],
        attachment_id=document(draft, users[OWNER]),
        assigned_reference=assigned.reference,
        judged_attachment_id=document(assigned, nominator),
        section="organisation",
    )
    foreign = {
        **own,
        "reference": victim_draft.reference,
        "member_id": victims_team["member_id"],
        "invitation_id": victims_team["invitation_id"],
        "attachment_id": document(victim_draft, victim),
        "assigned_reference": victims_entry.reference,
        "judged_attachment_id": document(victims_entry, nominator),
        "review_id": victim_review.id,
        "assignment_id": victim_assignment.id,
        "judge_id": victim_membership.id,
        "conflict_id": victim_conflict.id,
        "user_id": victim.id,
        "token": make_invitation_token(invitation),
        "vote_category_slug": _scheduled_vote(own["vote_cycle_slug"]),
    }
    return {
        "own": own,
        "foreign": foreign,
        "judging_cycle_id": judging_cycle.id,
        "victim_id": victim.id,
        "victim_invitation_token": make_invitation_token(invitation),
        "victim_team_token": victim_team_token,
        "victim_reset_token": make_reset_token(victim),
        "victim_magic_link_token": _magic_link_token(),
        **_vote_world(own["vote_cycle_slug"], own["vote_category_slug"]),
    }


def _team_of(nomination, co_editor) -> dict:
    """The co-editor audience (if given) and another person in the nomination's team, and an invitation waiting."""
    from tests.factories import make_user
    from tests.support.teams import add_co_editor, invite_to_team

    if co_editor is not None:
        add_co_editor(nomination, co_editor)
    other = make_user(name=f"Tess Team {nomination.id}", email=f"tess.{nomination.id}@team.example.org")
    invitation = invite_to_team(nomination, f"ian.{nomination.id}@invited.example.org")
    return {"member_id": add_co_editor(nomination, other).id, "invitation_id": invitation.id}


def _team_invitation_token(nomination, email: str) -> str:
    """The token of a genuine invitation into the nomination's team, as e-mailed to `email`."""
    from tests.support.teams import invitation_path, invite_to_team

    invite_to_team(nomination, email)
    return invitation_path(email).rsplit("/", 1)[-1]


def _scheduled_vote(cycle_slug: str) -> str:
    """Another category of the vote's cycle, with a vote that opens tomorrow: its slug."""
    from datetime import timedelta

    from sqlalchemy import select

    from awards.domain.core.clock import utcnow
    from awards.domain.voting import votes
    from awards.extensions import db
    from awards.models import Cycle, VoteSource
    from tests.support.voting import shortlist_cases

    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == cycle_slug))
    category = cycle.categories[1]
    shortlist_cases(cycle, category, [(f"Later entry {n}", f"Later {n} Council", f"later{n}.gov.uk") for n in (1, 2)])
    now = utcnow()
    votes.open_vote(
        cycle,
        category,
        source=VoteSource.SHORTLIST,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        by=None,
    )
    db.session.commit()
    return category.slug


def _vote_world(cycle_slug: str, category_slug: str) -> dict:
    """An option of the open vote (`vote_option_id`), and a victim's confirmation link for it (its token)."""
    from sqlalchemy import select

    from awards.domain.voting import ballots, votes
    from awards.extensions import db
    from awards.models import Cycle, OutboxMessage
    from tests.support.voting import confirmation_token

    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == cycle_slug))
    vote = votes.vote_in_category(cycle, category_slug)
    ballots.ask_to_vote(vote, vote.options[0].id, "vera.voter@victims.example.org", client_ip="192.0.2.1")
    db.session.commit()
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "vote_confirm").order_by(OutboxMessage.id.desc())
    ).first()
    return {"vote_option_id": vote.options[0].id, "victim_vote_token": confirmation_token(message)}


def _magic_link_token() -> str:
    """A sign-in link's token, as e-mailed to an account whose address is not yet confirmed."""
    import re

    from sqlalchemy import select

    from awards.domain.people.accounts import request_magic_link
    from awards.extensions import db
    from awards.models import OutboxMessage
    from tests.factories import make_user

    person = make_user(name="Una Unconfirmed", email="una@victims.example.org", verified=False)
    request_magic_link(person.email)
    db.session.commit()
    body = db.session.scalars(
        select(OutboxMessage.body_text).where(OutboxMessage.kind == "magic_link").order_by(OutboxMessage.id.desc())
    ).first()
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
    missing = [
        rule
        for rule, _ in _post_routes_with_variables(app)
        if _reachable_by_others(rule) and (rule not in PLAUSIBLE or rule not in RIGHTFUL)
    ]
    assert not missing, f"give these routes plausible form data and a rightful user: {missing}"


@pytest.fixture
def tampering(app, storage) -> tuple[dict, dict]:
    """(users, world): the audiences' users and `tampering_world` for them, kept (tests/support/kept_worlds.py)."""
    return kept_matrix_world("id tampering", tampering_world, storage)


def _tampering_judging_cycle(world):
    from awards.extensions import db
    from awards.models import Cycle

    return db.session.get(Cycle, world["judging_cycle_id"])


@pytest.mark.parametrize("audience", [a for a in AUDIENCES if a != ORGANISER])
def test_another_users_ids_change_nothing(app, tampering, audience):
    from tests.snapshot import changes, describe, snapshot

    audience_users, world = tampering
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
def test_the_tampering_data_is_plausible(app, tampering, rule):
    """The control: the rightful user posting the same data to their own objects does change the database."""
    from awards.extensions import db
    from awards.models import User
    from tests.snapshot import changes, snapshot

    audience_users, world = tampering
    who, own_keys = RIGHTFUL[rule]
    values = {**world["own"], **{name: world[key] for name, key in own_keys.items()}}
    url = build_url(app, "POST", rule, values)
    client = app.test_client()
    user = db.session.get(User, world["victim_id"]) if who == "victim" else audience_users.get(who)
    if user is not None:
        client.sign_in_as(user)
    before = snapshot()
    response = client.post(url, data={**PLAUSIBLE[rule](world), "csrf_token": client.csrf_token()})
    assert response.status_code in (200, 302), response.status_code
    changed = set(changes(before, snapshot())) - {"audit_events"}  # the decision itself, not only its record
    assert changed, f"POST {url} as {who} changed nothing: the tampering data is not plausible"
