"""Simultaneous requests, with real threads through the HTTP layer, on both databases.

Each thread has its own test client (so its own request context, session and database
connection). A barrier inside the request, at the first write, holds both threads until
each has read the row it is about to change: the race is forced every run, not left to luck.
(tests/domain/test_assignment.py has the same assignment race below the web layer, on PostgreSQL.)
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import Assignment, AuditEvent, Nomination, NominationStatus, OutboxMessage, Review
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user
from tests.support.clients import signed_in_client

VERSION = re.compile(r'name="version" value="(\d+)"')
RACERS = "race-"


class WriteBarrier:
    """Holds each racing thread at its first flush with changes until all of them have got there."""

    def __init__(self, parties: int = 2):
        self.barrier = threading.Barrier(parties, timeout=10)
        self.reached = 0
        self.local = threading.local()

    def hold(self):
        if not threading.current_thread().name.startswith(RACERS) or getattr(self.local, "passed", False):
            return
        self.local.passed = True
        self.reached += 1
        self.barrier.wait()

    def __call__(self, session, flush_context, instances):
        self.hold()

    def __enter__(self):
        sa.event.listen(db.session.session_factory.class_, "before_flush", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.session.session_factory.class_, "before_flush", self)


class LockBarrier(WriteBarrier):
    """Holds each racing thread at its first row lock (SELECT … FOR UPDATE) or, where there is none
    (SQLite), its first write statement: for code that writes with Core statements, not the unit of work."""

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        words = statement.lstrip().upper()
        if "FOR UPDATE" in words or words.startswith(("INSERT", "UPDATE", "DELETE")):
            self.hold()

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self)


def race(*requests, barrier_class=WriteBarrier):
    """Run each callable in its own thread at once; return their results in order."""
    results: list = [None] * len(requests)
    errors: list = []

    def run(i, request):
        try:
            results[i] = request()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    with barrier_class(len(requests)) as barrier:
        threads = [threading.Thread(target=run, args=(i, r), name=f"{RACERS}{i}") for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert not errors, errors
    assert barrier.reached == len(requests), "the requests did not both reach their write"
    return results


def test_two_identical_submit_posts_at_once_make_one_submission_and_one_email(app):
    nominee = make_user(name="Nina Nominee", email="nina@riverside.gov.uk")
    nomination = make_nomination(make_cycle(), nominator=nominee, status="draft")
    url = f"/nominations/{nomination.reference}/submit"
    version_before = nomination.version
    clients = [signed_in_client(app, nominee) for _ in range(2)]
    tokens = [c.csrf_token(f"/nominations/{nomination.reference}/check") for c in clients]

    responses = race(
        *[lambda c=c, t=t: c.post(url, data={"csrf_token": t}) for c, t in zip(clients, tokens, strict=True)]
    )

    # Both people (or one person's two clicks) land on the confirmation: neither sees an error
    assert [r.status_code for r in responses] == [302, 302]
    assert all(r.headers["Location"].endswith(f"/nominations/{nomination.reference}/confirmation") for r in responses)
    db.session.expire_all()
    stored = db.session.get(Nomination, nomination.id)
    assert stored.status is NominationStatus.SUBMITTED and stored.version == version_before + 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "nomination_submitted")
        )
        == 1
    )
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "nomination.submitted"))
        == 1
    )


@pytest.fixture
def scoring(app):
    """A judge who has declared no conflict with one assigned nomination, while judging is open."""
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    nomination = make_nomination(cycle, nominator=make_user(email="nia@riverside.gov.uk"))
    judge = make_judge(cycle)
    assignment = make_assignment(judge, nomination, no_conflict_declared=True)
    return judge.user, nomination, assignment, cycle


def _save_both_at_once(app, user, nomination, cycle, values):
    url = f"/judging/nominations/{nomination.reference}"
    clients = [signed_in_client(app, user) for _ in values]
    pages = [c.get(url).get_data(as_text=True) for c in clients]
    versions = [VERSION.search(page).group(1) for page in pages]
    assert versions[0] == versions[1]
    first = cycle.rounds[0].criteria[0]

    def save(client, page, version, value):
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return client.post(
            url, data={"csrf_token": token, "action": "draft", "version": version, f"score-{first.id}": str(value)}
        )

    return race(
        *[
            lambda c=c, p=p, v=v, x=x: save(c, p, v, x)
            for c, p, v, x in zip(clients, pages, versions, values, strict=True)
        ]
    )


def _one_wins(responses, values, assignment):
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409], codes
    loser = next(r for r in responses if r.status_code == 409)
    page = loser.get_data(as_text=True)
    assert "saved in another window or tab after you opened this page" in page
    assert "govuk-error-summary" in page
    winner_value = values[[r.status_code for r in responses].index(302)]
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review).where(Review.assignment_id == assignment.id))
    assert [s.value for s in review.scores] == [winner_value]
    return review


def test_two_first_saves_of_one_score_sheet_at_once_one_wins_one_is_told(app, scoring):
    user, nomination, assignment, cycle = scoring
    responses = _save_both_at_once(app, user, nomination, cycle, [3, 9])
    review = _one_wins(responses, [3, 9], assignment)
    assert review.version == 1
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1


def test_two_saves_of_a_draft_at_once_one_wins_one_is_told(app, scoring):
    user, nomination, assignment, cycle = scoring
    client = signed_in_client(app, user)
    url = f"/judging/nominations/{nomination.reference}"
    first = cycle.rounds[0].criteria[0]
    client.post_form(url, {"action": "draft", "version": "0", f"score-{first.id}": "5"}, token_from=url)
    responses = _save_both_at_once(app, user, nomination, cycle, [2, 8])
    review = _one_wins(responses, [2, 8], assignment)
    assert review.version == 2  # the first save, then exactly one of the two


def test_two_organisers_confirming_one_assignment_at_once_never_assign_twice(app):
    """Both confirm the same preview: one is written, the other is refused with a fresh preview (the
    cycle row is locked on PostgreSQL; on SQLite the second write meets the unique judge × nomination
    constraint), and no nomination gets more judges than it needs."""
    cycle = make_cycle(judges_per_nomination=2, judge_max_load=5)
    nominations = [make_nomination(cycle) for _ in range(3)]
    for _ in range(3):
        make_judge(cycle)
    organisers = [make_user(email=f"org{i}@awards.example.org", roles=("organiser",)) for i in range(2)]
    url = f"/organiser/cycles/{cycle.slug}/assignment"
    clients = [signed_in_client(app, organiser) for organiser in organisers]
    previews = [c.post_form(url, token_from=url).get_data(as_text=True) for c in clients]
    inputs = [
        re.search(r'name="inputs"[^>]*value="([0-9a-f]{64})"|value="([0-9a-f]{64})"[^>]*name="inputs"', p)
        for p in previews
    ]
    hashes = [m.group(1) or m.group(2) for m in inputs]
    assert hashes[0] == hashes[1]
    tokens = [c.csrf_token(url) for c in clients]

    responses = race(
        *[
            lambda c=c, t=t, h=h: c.post(f"{url}/confirm", data={"csrf_token": t, "inputs": h})
            for c, t, h in zip(clients, tokens, hashes, strict=True)
        ],
        barrier_class=LockBarrier,
    )

    assert sorted(r.status_code for r in responses) == [302, 409]
    refused = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert "nothing was saved" in refused
    db.session.expire_all()
    per_nomination = dict(
        db.session.execute(
            sa.select(Assignment.nomination_id, sa.func.count(Assignment.id)).group_by(Assignment.nomination_id)
        ).all()
    )
    assert per_nomination == {n.id: 2 for n in nominations}
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "assignment.applied")) == 1
    )


def test_two_posts_of_one_message_preview_at_once_send_it_once(app):
    """An organiser's message previewed once and sent from it twice at the same moment (a double click, two
    tabs): the cycle's row is locked by a write, so the second reads the first's record and sends nothing."""
    cycle = make_cycle(status="judging")
    for n in range(2):
        make_nomination(cycle, nominator=make_user(email=f"entrant{n}@testshire.gov.uk"))
    organiser = make_user(email="org@awards.example.org", roles=("organiser",))
    url = f"/organiser/cycles/{cycle.slug}/messages"
    clients = [signed_in_client(app, organiser) for _ in range(2)]
    data = {"audience": "submitted", "category": "", "subject": "Once", "body": "Dear ((name))"}
    shown = clients[0].post_form(f"{url}/new", data, token_from=f"{url}/new").get_data(as_text=True)
    posted = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', shown)) | {"send": "send"}
    assert posted["send_id"]
    tokens = [c.csrf_token(f"{url}/new") for c in clients]

    responses = race(
        *[
            lambda c=c, t=t: c.post(f"{url}/send", data=posted | {"csrf_token": t})
            for c, t in zip(clients, tokens, strict=True)
        ],
        barrier_class=LockBarrier,
    )

    assert [r.status_code for r in responses] == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "message.sent")) == 1
    sent = db.session.scalars(sa.select(OutboxMessage.to_address).where(OutboxMessage.subject == "Once")).all()
    assert sorted(sent) == ["entrant0@testshire.gov.uk", "entrant1@testshire.gov.uk"]
