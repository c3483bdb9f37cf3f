"""One function for each decision: every status of a cycle, a nomination and a review changes only
in the domain function named for that move.

Two halves. The source is read (AST): every write of a `status` (an attribute assignment, `setattr`,
a constructor keyword, a bulk `.values(status=…)`) anywhere in the application must sit in a function
listed below, so a view or a helper that sets a status by the back door fails this test. Then every
move is made through the web pages a person uses, and a SQLAlchemy listener records which function
set each status: each move must come from its one function, with its audit event and side effects,
and every move of the cycle's state machine (`cycles.TRANSITIONS`) must be walked.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import awards
from awards.domain.core.clock import utcnow
from awards.domain.programme import cycles as cycle_rules
from awards.extensions import db
from awards.models import (
    AuditEvent,
    Cycle,
    CycleStatus,
    ImpactCase,
    Nomination,
    NominationStatus,
    OutboxMessage,
    Review,
    ReviewStatus,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination
from tests.support.visible import main_text

SOURCE = Path(awards.__file__).parent
# Modules that build example data (the demo, the scale data for benchmarks), not decisions people make.
SEED_DATA = ("devdata/", "domain/demo.py")

# Every function that may write a status, and what it decides. A new one must be added here, on purpose.
STATUS_WRITERS = {
    ("domain/programme/cycles.py", "create_cycle"): "Cycle: a new cycle starts as a draft",
    ("domain/programme/cycles.py", "transition"): "Cycle: the plain moves of cycles.TRANSITIONS",
    (
        "domain/programme/cycles.py",
        "close_nominations",
    ): "Cycle: open → closed (the closing instant becomes now if early)",
    ("domain/results/shortlists.py", "publish"): "Cycle: judging → published; Nomination: its result",
    (
        "domain/results/shortlists.py",
        "withdraw_results",
    ): "Cycle: published → judging; Nomination: result back to submitted",
    ("domain/nominations/entries.py", "start_nomination"): "Nomination: a new draft",
    ("domain/nominations/entries.py", "submit"): "Nomination: draft → submitted",
    ("domain/nominations/entries.py", "withdraw"): "Nomination: draft or submitted → withdrawn",
    ("domain/nominations/screening.py", "decide_eligibility"): "Nomination: submitted ↔ ineligible",
    ("domain/judging/reviews.py", "save_review"): "Review: a new draft, draft → submitted",
    ("domain/judging/reviews.py", "reopen_review"): "Review: submitted → draft",
    (
        "domain/judging/conflicts.py",
        "_free_assignment",
    ): "Assignment: assigned → recused (a conflict found or declared)",
}
STATUS_MODELS = {"Cycle", "Nomination", "Review"}


def _status_writes(source: str) -> dict[str, list[int]]:
    """{function name: lines} of each write of a `status` in the source; "<module>" outside functions."""
    found: dict[str, list[int]] = {}

    class Finder(ast.NodeVisitor):
        def __init__(self) -> None:
            self.functions: list[str] = []

        def _found(self, node) -> None:
            found.setdefault(self.functions[-1] if self.functions else "<module>", []).append(node.lineno)

        def _function(self, node) -> None:
            self.functions.append(node.name)
            self.generic_visit(node)
            self.functions.pop()

        visit_FunctionDef = visit_AsyncFunctionDef = _function

        def _targets(self, targets) -> None:
            for target in targets:
                if isinstance(target, (ast.Tuple, ast.List)):
                    self._targets(target.elts)
                elif isinstance(target, ast.Attribute) and target.attr == "status":
                    self._found(target)

        def visit_Assign(self, node) -> None:
            self._targets(node.targets)
            self.generic_visit(node)

        def visit_AugAssign(self, node) -> None:
            self._targets([node.target])
            self.generic_visit(node)

        def visit_AnnAssign(self, node) -> None:
            self._targets([node.target])
            self.generic_visit(node)

        def visit_Call(self, node) -> None:
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            keywords = {k.arg for k in node.keywords}
            if (
                name == "setattr"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "status"
            ):
                self._found(node)
            elif name in STATUS_MODELS and "status" in keywords:
                self._found(node)
            elif name == "values" and (
                "status" in keywords
                or any(
                    isinstance(a, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "status" for k in a.keys)
                    for a in node.args
                )
            ):
                self._found(node)
            self.generic_visit(node)

    Finder().visit(ast.parse(source))
    return found


def _application_writes() -> dict[tuple[str, str], list[int]]:
    writes = {}
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(SEED_DATA):
            continue
        for function, lines in _status_writes(path.read_text(encoding="utf-8")).items():
            writes[(relative, function)] = lines
    return writes


def test_the_finder_sees_every_kind_of_status_write():
    source = textwrap.dedent("""
        cycle.status = "published"

        def plain(cycle):
            cycle.status = CycleStatus.PUBLISHED

        def several(a, b):
            a.status, b.status = 1, 2

        def annotated(n):
            n.status: NominationStatus = NominationStatus.WINNER

        def by_name(n):
            setattr(n, "status", "winner")

        def built():
            return Review(status=ReviewStatus.SUBMITTED)

        def in_bulk():
            db.session.execute(update(Nomination).values(status="winner"))
            db.session.execute(update(Cycle).values({"status": "published"}))

        class Views:
            def method(self, cycle):
                def inner():
                    cycle.status = "open"
                return inner

        def innocent(cycle, other):
            other.state = cycle.status
            Assignment(status="assigned")
            update(Cycle).values(last_reference_number=2)
            return {"status": cycle.status}
        """)
    assert _status_writes(source) == {
        "<module>": [2],
        "plain": [5],
        "several": [8, 8],
        "annotated": [11],
        "by_name": [14],
        "built": [17],
        "in_bulk": [20, 21],
        "inner": [26],
    }


def test_only_the_named_domain_functions_write_a_status():
    writes = _application_writes()
    others = {
        f"{path}:{lines[0]} in {function}()": lines
        for (path, function), lines in writes.items()
        if (path, function) not in STATUS_WRITERS
    }
    assert not others, (
        "A status is changed outside the function that decides it. Call that domain function "
        "instead (or, for a new decision, add its function to STATUS_WRITERS): "
        f"{sorted(others)}"
    )
    stale = set(STATUS_WRITERS) - set(writes)
    assert not stale, f"These functions no longer write a status; take them off STATUS_WRITERS: {sorted(stale)}"


# --- Every move through the web pages -------------------------------------------------------------------

# The one function for each move of a nomination and of a review (None: a new row).
NOMINATION_MOVES = {
    (None, NominationStatus.DRAFT): "awards.domain.nominations.entries.start_nomination",
    (NominationStatus.DRAFT, NominationStatus.SUBMITTED): "awards.domain.nominations.entries.submit",
    (NominationStatus.DRAFT, NominationStatus.WITHDRAWN): "awards.domain.nominations.entries.withdraw",
    (NominationStatus.SUBMITTED, NominationStatus.WITHDRAWN): "awards.domain.nominations.entries.withdraw",
    (NominationStatus.SUBMITTED, NominationStatus.INELIGIBLE): "awards.domain.nominations.screening.decide_eligibility",
    (NominationStatus.INELIGIBLE, NominationStatus.SUBMITTED): "awards.domain.nominations.screening.decide_eligibility",
    (
        NominationStatus.SUBMITTED,
        NominationStatus.SUBMITTED,
    ): "awards.domain.results.shortlists.publish",  # not shortlisted
    (NominationStatus.SUBMITTED, NominationStatus.SHORTLISTED): "awards.domain.results.shortlists.publish",
    (NominationStatus.SUBMITTED, NominationStatus.HIGHLY_COMMENDED): "awards.domain.results.shortlists.publish",
    (NominationStatus.SUBMITTED, NominationStatus.WINNER): "awards.domain.results.shortlists.publish",
    (NominationStatus.SHORTLISTED, NominationStatus.SUBMITTED): "awards.domain.results.shortlists.withdraw_results",
    (
        NominationStatus.HIGHLY_COMMENDED,
        NominationStatus.SUBMITTED,
    ): "awards.domain.results.shortlists.withdraw_results",
    (NominationStatus.WINNER, NominationStatus.SUBMITTED): "awards.domain.results.shortlists.withdraw_results",
}
REVIEW_MOVES = {
    (None, ReviewStatus.DRAFT): "awards.domain.judging.reviews.save_review",
    (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED): "awards.domain.judging.reviews.save_review",
    (ReviewStatus.SUBMITTED, ReviewStatus.DRAFT): "awards.domain.judging.reviews.reopen_review",
}
# The audit event each function records.
AUDITED_AS = {
    "awards.domain.programme.cycles.transition": "cycle.status_changed",
    "awards.domain.programme.cycles.close_nominations": "cycle.nominations_closed",
    "awards.domain.results.shortlists.publish": "results.published",
    "awards.domain.results.shortlists.withdraw_results": "results.withdrawn",
}


def cycle_function(move: tuple[CycleStatus, CycleStatus]) -> str:
    return cycle_rules.OWN_FUNCTIONS.get(move, "awards.domain.programme.cycles.transition")


def _writer() -> str:
    """The application function that is setting the attribute (the first frame of ours up the stack)."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("awards.") and not module.startswith("awards.models"):
            return f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "<outside the application>"


class Recorder:
    """Each status set while a request runs: (model, from, to, function), with the audit events and
    e-mails the request added."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, object, object, str]] = []  # every set, test set-up included
        self.moved: list[tuple[str, object, object, str]] = []  # those made by the requests of `move`

    def listener(self, target, value, oldvalue, initiator):
        old = oldvalue if isinstance(oldvalue, (CycleStatus, NominationStatus, ReviewStatus)) else None  # new row
        self.writes.append((type(target).__name__, old, value, _writer()))
        return value

    @contextmanager
    def move(self):
        """Record what one request changes; yields a namespace filled in when it ends."""
        result = type("Move", (), {})()
        last_event = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
        last_message = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
        start = len(self.writes)
        yield result
        result.writes = self.writes[start:]
        self.moved.extend(result.writes)
        db.session.expire_all()
        result.audit = [
            e.action
            for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > last_event).order_by(AuditEvent.id))
        ]
        result.emails = [
            m.kind
            for m in db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.id > last_message).order_by(OutboxMessage.id)
            )
        ]


@pytest.fixture
def recorder(app):
    recorder = Recorder()
    attributes = (Cycle.status, Nomination.status, Review.status)
    for attribute in attributes:
        sa.event.listen(attribute, "set", recorder.listener, active_history=True, retval=True)
    try:
        yield recorder
    finally:
        for attribute in attributes:
            sa.event.remove(attribute, "set", recorder.listener)


VERSION = re.compile(r'name="version" value="(\d+)"')


def cycle_now(cycle) -> Cycle:
    db.session.expire_all()
    return db.session.get(Cycle, cycle.id)


def status_of(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id).status


def test_every_move_goes_through_its_one_function(
    recorder, organiser_client, nominee_client, judge_client, organiser, nominee, judge, client
):
    cycle = make_cycle(status="draft", judges_per_nomination=1)
    slug = cycle.slug
    base = f"/organiser/cycles/{slug}"

    def move_cycle(to: CycleStatus, expect_from: CycleStatus) -> None:
        url = f"{base}/status/{to.value}"
        with recorder.move() as done:
            response = organiser_client.post_form(url, token_from=url)
            assert response.status_code == 302, main_text(response)
        function = cycle_function((expect_from, to))
        assert [w for w in done.writes if w[0] == "Cycle"] == [("Cycle", expect_from, to, function)]
        assert AUDITED_AS[function] in done.audit
        assert cycle_now(cycle).status is to

    # --- the cycle opens, goes back to draft, opens again
    move_cycle(CycleStatus.OPEN, CycleStatus.DRAFT)
    move_cycle(CycleStatus.DRAFT, CycleStatus.OPEN)
    move_cycle(CycleStatus.OPEN, CycleStatus.DRAFT)
    category = cycle.categories[0]

    # --- nominations while it is open
    with recorder.move() as done:
        response = nominee_client.post_form(
            "/nominations/start", {"cycle": slug, "category": category.slug}, token_from="/nominations/start"
        )
        assert response.status_code == 302
    started = db.session.scalar(sa.select(Nomination).where(Nomination.nominator_id == nominee.id))
    assert done.writes == [
        ("Nomination", None, NominationStatus.DRAFT, "awards.domain.nominations.entries.start_nomination")
    ]
    assert done.audit == ["nomination.started"]

    complete = make_nomination(cycle, nominator=nominee, status="draft")
    with recorder.move() as done:
        response = nominee_client.post_form(
            f"/nominations/{complete.reference}/submit", token_from=f"/nominations/{complete.reference}/check"
        )
        assert response.status_code == 302
    assert done.writes == [
        ("Nomination", NominationStatus.DRAFT, NominationStatus.SUBMITTED, "awards.domain.nominations.entries.submit")
    ]
    assert done.audit == ["nomination.submitted"] and done.emails == ["nomination_submitted"]

    for nomination, was in ((complete, NominationStatus.SUBMITTED), (started, NominationStatus.DRAFT)):
        url = f"/nominations/{nomination.reference}/withdraw"
        with recorder.move() as done:
            assert nominee_client.post_form(url, {"confirm": "yes"}, token_from=url).status_code == 302
        assert done.writes == [
            ("Nomination", was, NominationStatus.WITHDRAWN, "awards.domain.nominations.entries.withdraw")
        ]
        assert done.audit == ["nomination.withdrawn"]

    screened = make_nomination(cycle, title="Screened twice")
    page = f"{base}/nominations/{screened.reference}"
    for decision, was, becomes, email in (
        ("ineligible", "submitted", "ineligible", "eligibility_ineligible"),
        ("eligible", "ineligible", "submitted", "eligibility_eligible"),
    ):
        version = db.session.get(Nomination, screened.id).version
        with recorder.move() as done:
            response = organiser_client.post_form(
                f"{page}/eligibility",
                {
                    "decision": decision,
                    "reason": "It meets the rules."
                    if decision == "eligible"
                    else "It was delivered before the eligibility period.",
                    "version": str(version),
                },
                token_from=page,
            )
            assert response.status_code == 302
        assert done.writes == [
            (
                "Nomination",
                NominationStatus(was),
                NominationStatus(becomes),
                "awards.domain.nominations.screening.decide_eligibility",
            )
        ]
        assert done.audit == ["nomination.eligibility"] and done.emails == [email]

    # --- closing early, reopening, closing, judging, and back
    move_cycle(CycleStatus.CLOSED, CycleStatus.OPEN)
    assert cycle_now(cycle).nominations_close_at <= utcnow()
    db.session.get(Cycle, cycle.id).nominations_close_at = utcnow() + timedelta(days=30)  # moved on, to reopen
    db.session.commit()
    move_cycle(CycleStatus.OPEN, CycleStatus.CLOSED)
    ranked = [
        make_nomination(cycle, title=f"Ranked {i}", organisation_name=f"Harbour Town Council {i}") for i in range(3)
    ]
    move_cycle(CycleStatus.CLOSED, CycleStatus.OPEN)
    move_cycle(CycleStatus.JUDGING, CycleStatus.CLOSED)
    move_cycle(CycleStatus.CLOSED, CycleStatus.JUDGING)
    move_cycle(CycleStatus.JUDGING, CycleStatus.CLOSED)

    # --- reviews: a draft, submitted, reopened by an organiser, submitted again
    membership = make_judge(cycle, judge)
    for nomination in ranked:
        make_assignment(membership, nomination, no_conflict_declared=True)
    criteria = list(cycle_now(cycle).rounds[0].criteria)

    def score(nomination, action, value):
        url = f"/judging/nominations/{nomination.reference}"
        version = VERSION.search(judge_client.get(url).get_data(as_text=True)).group(1)
        sheet = {f"score-{c.id}": str(value) for c in criteria}
        with recorder.move() as done:
            response = judge_client.post_form(url, {**sheet, "action": action, "version": version}, token_from=url)
            assert response.status_code == 302, main_text(response)
        return done

    done = score(ranked[0], "draft", 5)
    assert done.writes == [("Review", None, ReviewStatus.DRAFT, "awards.domain.judging.reviews.save_review")]
    done = score(ranked[0], "submit", 9)
    assert done.writes == [
        ("Review", ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, "awards.domain.judging.reviews.save_review")
    ]
    assert done.audit == ["review.submitted"]
    review = db.session.scalar(sa.select(Review).order_by(Review.id))
    url = f"{base}/reviews/{review.id}/reopen"
    with recorder.move() as done:
        response = organiser_client.post_form(url, {"reason": "Check the second criterion"}, token_from=url)
        assert response.status_code == 302
    assert done.writes == [
        ("Review", ReviewStatus.SUBMITTED, ReviewStatus.DRAFT, "awards.domain.judging.reviews.reopen_review")
    ]
    assert done.audit == ["review.reopened"] and done.emails == ["review_reopened"]
    score(ranked[0], "submit", 9)
    for nomination, value in zip(ranked[1:], (7, 4), strict=True):
        done = score(nomination, "submit", value)
        assert [w[1:] for w in done.writes] == [
            (None, ReviewStatus.DRAFT, "awards.domain.judging.reviews.save_review"),
            (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, "awards.domain.judging.reviews.save_review"),
        ]

    # --- publishing is refused as a plain state change, and done by results.publish
    with recorder.move() as done:
        response = organiser_client.post_form(f"{base}/status/published", token_from=base)
        assert response.headers["Location"] == f"{base}/publish"
    assert done.writes == [] and done.audit == [] and done.emails == []
    assert cycle_now(cycle).status is CycleStatus.JUDGING
    organiser_client.post_form(f"{base}/shortlist/suggest", token_from=f"{base}/results")
    for nomination, result in ((ranked[0], "winner"), (ranked[1], "highly_commended")):
        url = f"{base}/shortlist/{nomination.reference}"
        organiser_client.post_form(url, {"result": result, "rationale": ""}, token_from=url)

    def publish():
        with recorder.move() as done:
            response = organiser_client.post_form(f"{base}/publish", token_from=f"{base}/publish")
            assert response.status_code == 302
        assert (
            "Cycle",
            CycleStatus.JUDGING,
            CycleStatus.PUBLISHED,
            "awards.domain.results.shortlists.publish",
        ) in done.writes
        assert {(w[1], w[2], w[3]) for w in done.writes if w[0] == "Nomination"} == {
            (NominationStatus.SUBMITTED, NominationStatus.WINNER, "awards.domain.results.shortlists.publish"),
            (NominationStatus.SUBMITTED, NominationStatus.HIGHLY_COMMENDED, "awards.domain.results.shortlists.publish"),
            (NominationStatus.SUBMITTED, NominationStatus.SHORTLISTED, "awards.domain.results.shortlists.publish"),
            (NominationStatus.SUBMITTED, NominationStatus.SUBMITTED, "awards.domain.results.shortlists.publish"),
        }
        assert done.audit == ["results.published"]
        assert sorted(done.emails) == [
            "result_highly_commended",
            "result_not_shortlisted",
            "result_shortlisted",
            "result_winner",
        ]
        assert [status_of(n) for n in ranked] == [
            NominationStatus.WINNER,
            NominationStatus.HIGHLY_COMMENDED,
            NominationStatus.SHORTLISTED,
        ]
        cases = db.session.scalars(sa.select(ImpactCase).order_by(ImpactCase.nomination_id)).all()
        assert [c.nomination_id for c in cases] == [n.id for n in ranked]
        assert all(client.get(f"/impact-cases/{c.slug}").status_code == 200 for c in cases)

    publish()

    # --- withdrawing the results is results.withdraw_results, from the cycle page's button
    with recorder.move() as done:
        response = organiser_client.post_form(f"{base}/status/judging", token_from=base)
        assert response.status_code == 302
    assert (
        "Cycle",
        CycleStatus.PUBLISHED,
        CycleStatus.JUDGING,
        "awards.domain.results.shortlists.withdraw_results",
    ) in done.writes
    assert {(w[1], w[2], w[3]) for w in done.writes if w[0] == "Nomination"} == {
        (NominationStatus(s), NominationStatus.SUBMITTED, "awards.domain.results.shortlists.withdraw_results")
        for s in ("winner", "highly_commended", "shortlisted")
    }
    assert done.audit == ["results.withdrawn"] and done.emails == ["results_withdrawn"] * 4
    assert [status_of(n) for n in ranked] == [NominationStatus.SUBMITTED] * 3
    assert all(
        client.get(f"/impact-cases/{c.slug}").status_code == 410 for c in db.session.scalars(sa.select(ImpactCase))
    )
    publish()  # the same statuses and cases again

    # --- every move was walked, and each came from its one function
    walked = {(old, new) for model, old, new, _ in recorder.moved if model == "Cycle"}
    machine = {(old, new) for old, tos in cycle_rules.TRANSITIONS.items() for new in tos}
    assert walked == machine
    for model, moves in (
        ("Cycle", {m: cycle_function(m) for m in machine}),
        ("Nomination", NOMINATION_MOVES),
        ("Review", REVIEW_MOVES),
    ):
        made = {(old, new): function for m, old, new, function in recorder.moved if m == model}
        assert set(made) == set(moves), model
        for move, function in made.items():
            assert function == moves[move], (model, move)
    assert {w[3] for w in recorder.moved if w[0] == "Cycle"} <= set(AUDITED_AS)


def test_a_status_set_anywhere_else_is_caught(recorder, app):
    """The walk above can fail: a status set by a view (here, by the test itself) is not its function's."""
    cycle = make_cycle(status="judging")
    with recorder.move() as done:
        cycle.status = CycleStatus.PUBLISHED
        db.session.commit()
    [(model, old, new, function)] = done.writes
    assert (model, old, new) == ("Cycle", CycleStatus.JUDGING, CycleStatus.PUBLISHED)
    assert function == "<outside the application>" != cycle_function((old, new))
