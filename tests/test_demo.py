"""The demo (`flask seed-demo`, what `make run` loads): three cycles through the app's own functions,
consistent with today's date, and what each audience then sees."""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa

from awards.devdata.demo import DEMO_ACCOUNTS, seed_demo
from awards.domain.core.clock import utcnow
from awards.domain.judging import reviews
from awards.domain.nominations import entries
from awards.domain.people import accounts
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.cycles import accepts_nominations
from awards.domain.results.scoring import MIN_REVIEWS_FOR_NORMALISATION
from awards.extensions import db
from awards.models import (
    Assignment,
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    Cycle,
    CycleStatus,
    ImpactCase,
    ImpactCaseTrend,
    Judge,
    Nomination,
    NominationStatus,
    OutboxMessage,
    Review,
    ReviewStatus,
    Trend,
)
from tests.support.visible import text_of


def _cycles() -> dict[CycleStatus, Cycle]:
    cycles = db.session.scalars(sa.select(Cycle)).all()
    assert sorted(c.status.value for c in cycles) == ["judging", "open", "published"]
    return {c.status: c for c in cycles}


def _nominations(cycle: Cycle) -> list[Nomination]:
    return db.session.scalars(sa.select(Nomination).where(Nomination.cycle_id == cycle.id)).all()


def _public_cases() -> list[ImpactCase]:
    return db.session.scalars(
        sa.select(ImpactCase).where(ImpactCase.published_at.is_not(None), ImpactCase.unpublished_at.is_(None))
    ).all()


def _password(role: str) -> str:
    return next(a.password for a in DEMO_ACCOUNTS if a.role.value == role)


def _answer(case: ImpactCase, key: str):
    return next(a["value"] for a in case.answers if a["key"] == key)


def test_seed_demo_loads_three_cycles_consistent_with_today(app, runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "Demo data loaded." in result.output, result.output
    now = utcnow()
    cycles = _cycles()

    # Last year's, published: closed in the past, at least 12 public impact cases across most trends.
    published = cycles[CycleStatus.PUBLISHED]
    assert published.year == cycles[CycleStatus.OPEN].year - 1
    assert published.nominations_close_at < published.rounds[0].closes_at < published.results_published_at < now
    cases = _public_cases()
    assert len(cases) >= 12 and {c.cycle_id for c in cases} == {published.id}
    trends = set(
        db.session.scalars(
            sa.select(ImpactCaseTrend.trend_id).where(ImpactCaseTrend.case_id.in_([c.id for c in cases]))
        )
    )
    assert len(trends) >= 8 and len(trends) >= 0.8 * len(published.trends)
    organisations = {c.organisation for c in cases}
    assert {"Cyngor Gwynedd", "Conwy County Borough Council", "Bath & North East Somerset Council"} <= organisations
    assert all(_answer(c, "measured")["rows"] and c.trend_links and c.trend_links[0].how_addressed for c in cases)
    statuses = Counter(n.status for n in _nominations(published))
    assert statuses[NominationStatus.WINNER] >= 5 and statuses[NominationStatus.INELIGIBLE] == 1

    # This year's in judging: nominations closed, scoring open now.
    judging = cycles[CycleStatus.JUDGING]
    assert judging.nominations_close_at < now < judging.rounds[0].closes_at
    judge = accounts.find_user_by_email("judge@demo.example.org")
    [work] = [w for w in reviews.work_of(judge) if w.cycle.id == judging.id]
    seen = Counter(row.status for row in work.rows)
    assert seen[reviews.SUBMITTED] >= 2 and seen[reviews.IN_PROGRESS] >= 1 and seen[reviews.NOT_STARTED] >= 2
    assert seen[reviews.CONFLICT_DECLARED] == 1
    [declared] = db.session.scalars(
        sa.select(ConflictOfInterest)
        .join(Judge)
        .where(Judge.cycle_id == judging.id, ConflictOfInterest.source == ConflictSource.DECLARED)
    ).all()
    assert declared.judge.user_id == judge.id
    # ... and the organiser has results: several judges, each with enough reviews to be normalised.
    submitted = Counter(
        db.session.scalars(
            sa.select(Assignment.judge_id)
            .join(Review, Review.assignment_id == Assignment.id)
            .join(Judge, Judge.id == Assignment.judge_id)
            .where(Judge.cycle_id == judging.id, Review.status == ReviewStatus.SUBMITTED)
        )
    )
    assert len(submitted) >= 5 and all(n >= MIN_REVIEWS_FOR_NORMALISATION for n in submitted.values())
    for review in db.session.scalars(sa.select(Review)):  # every score saved while its cycle was judging
        cycle = review.assignment.nomination.cycle
        assert cycle.nominations_close_at < review.updated_at < min(cycle.rounds[0].closes_at, now)

    # Its organiser added questions of their own: a budget, and a section for one category with a
    # question asked only after a "yes"; every finished entry answered what it was asked.
    assert forms.question_by_key(judging, "budget").kind == "number"
    programme = forms.section_by_key(judging, "programme")
    [skills] = [c for c in judging.categories if c.id in programme.category_ids]
    assert skills.name == "Skills and Capability" and len(programme.category_ids) == 1
    assert forms.question_by_key(judging, "qualification").condition == {"question": "accredited", "values": ["yes"]}
    for nomination in _nominations(judging):
        if nomination.status is NominationStatus.DRAFT:
            continue
        assert entries.is_complete(nomination), nomination.reference
        assert nomination.answers["budget"].isdigit()
        asked = [s.key for s in entries.sections_for(nomination)]
        assert ("programme" in asked) is (nomination.category_id == skills.id), nomination.reference
    by_title = {n.title: n for n in _nominations(judging)}
    assert by_title["Growing our own developers"].answers["qualification"].startswith("Level 4")
    assert "qualification" not in by_title["Data literacy for every manager"].answers

    # This year's open cycle: the demo nominee has a draft and a submitted nomination.
    open_cycle = cycles[CycleStatus.OPEN]
    assert accepts_nominations(open_cycle, now)
    nominee = accounts.find_user_by_email("nominee@demo.example.org")
    mine = Counter(n.status for n in _nominations(open_cycle) if n.nominator_id == nominee.id)
    assert mine == {NominationStatus.DRAFT: 1, NominationStatus.SUBMITTED: 1}
    assert forms.question_by_key(open_cycle, "budget") is not None
    assert forms.section_by_key(open_cycle, "programme") is None

    # Every date is consistent: each submission inside its cycle's window, nothing after now.
    for n in db.session.scalars(sa.select(Nomination).where(Nomination.submitted_at.is_not(None))):
        assert n.cycle.nominations_open_at <= n.submitted_at < n.cycle.nominations_close_at, n.reference
    assert db.session.scalar(sa.select(sa.func.max(AuditEvent.at))) <= now
    # The e-mails of the story went out at the time (none waits to be sent today).
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) > 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))) == 0

    # Again: nothing new; --if-empty leaves the database alone.
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Nomination, Review, AuditEvent)]
    assert "already present" in runner.invoke(args=["seed-demo"]).output
    assert "not loaded" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    db.session.expire_all()
    assert [
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Nomination, Review, AuditEvent)
    ] == counts


def test_demo_pages_show_the_story(app, client):
    """The public library, trend pages and chart show last year's cases; each demo sign-in lands on
    its own work."""
    seed_demo()
    db.session.commit()
    cases = _public_cases()
    listing = text_of(client.get("/impact-cases").get_data(as_text=True))
    assert f"{len(cases)} impact cases" in listing
    for case in cases:
        assert case.title in listing
    assert "Bath & North East Somerset Council" in listing and "Cyngor Gwynedd" in listing

    trends = text_of(client.get("/trends").get_data(as_text=True))
    assert "Published impact cases per trend" in trends
    data = db.session.scalar(sa.select(Trend).where(Trend.code == "T2"))
    assert f"{data.name}: " in trends  # a bar of the chart, labelled with its count
    page = text_of(client.get(f"/trends/{data.slug}").get_data(as_text=True))
    with_data = [c for c in cases if any(link.trend_id == data.id for link in c.trend_links)]
    assert len(with_data) >= 3 and all(c.title in page for c in with_data)

    gullies = next(c for c in cases if c.title == "Predicting blocked gullies before the rain")
    page = text_of(client.get(f"/impact-cases/{gullies.slug}").get_data(as_text=True))
    for seen in (
        "Bath & North East Somerset Council",
        "Flooding call-outs during named storms",
        "212",
        "131",
        "Drainwise Analytics Ltd",
        "Ten years of flooding reports",
    ):
        assert seen in page

    # A shortlisted entry whose nominee refused publication: on the shortlist, without its words.
    published = _cycles()[CycleStatus.PUBLISHED]
    shortlist = text_of(client.get(f"/cycles/{published.slug}/shortlist").get_data(as_text=True))
    assert "Sending evidence to the police from your phone" not in shortlist
    assert "not published at the entrant" in shortlist

    # The custom questions show: to the nominee filling in the open cycle's form, and to the
    # organiser reading a Skills and Capability entry.
    nominee = app.test_client()
    nominee.post_form("/sign-in", {"email": "nominee@demo.example.org", "password": _password("nominee")})
    draft = db.session.scalar(
        sa.select(Nomination)
        .join(Nomination.nominator)
        .where(Nomination.status == NominationStatus.DRAFT, Nomination.cycle_id == _cycles()[CycleStatus.OPEN].id)
        .where(Nomination.nominator.has(email="nominee@demo.example.org"))
    )
    project = text_of(nominee.get(f"/nominations/{draft.reference}/project").get_data(as_text=True))
    assert "Budget (£)" in project
    organiser = app.test_client()
    organiser.post_form("/sign-in", {"email": "organiser@demo.example.org", "password": _password("organiser")})
    judging = _cycles()[CycleStatus.JUDGING]
    apprentices = db.session.scalar(sa.select(Nomination).where(Nomination.title == "Growing our own developers"))
    page = text_of(
        organiser.get(f"/organiser/cycles/{judging.slug}/nominations/{apprentices.reference}").get_data(as_text=True)
    )
    for seen in (
        "About the programme",
        "People trained 24",
        "Leads to a qualification Yes",
        "Level 4 Software Developer",
    ):
        assert seen in page

    # Each demo sign-in lands on something to do.
    landings = {
        "organiser": ("/organiser/", "Organiser overview", "Nomination section saved"),
        "judge": ("/judging/", "Your judging", "1 in progress"),
        "nominee": ("/nominations", "Your nominations", "Draft"),
    }
    for account in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post_form("/sign-in", {"email": account.email, "password": account.password})
        path, heading, work = landings[account.role.value]
        assert response.status_code == 302 and response.headers["Location"] == path
        html = client.get(path).get_data(as_text=True)
        assert text_of(re.search(r"<h1[^>]*>.*?</h1>", html, re.S).group(0)) == heading
        assert work in text_of(html)


def test_the_demo_loads_on_a_service_whose_default_language_is_welsh(make_app):
    """`make run` with AWARDS_DEFAULT_LANGUAGE=cy: the defaults are stored in Welsh, and the demo, which names its
    categories in English, still finds them."""
    app = make_app(DEFAULT_LANGUAGE="cy")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
        assert result.exit_code == 0 and "Demo data loaded." in result.output, result.output
        open_cycle = _cycles()[CycleStatus.OPEN]
        assert "Sgiliau a gallu" in {c.name for c in open_cycle.categories}
        assert _nominations(open_cycle)
