"""A realistic data set at scale, for benchmarks and load tests (`flask seed-scale`).

One cycle in judging with N submitted nominations (every section filled, 1–3 trends each) and
J accepted judges, each nomination with 3 submitted reviews scoring every criterion; earlier
cycles with published results holding C public impact cases; an open cycle for new entries;
and sign-in-able accounts (one organiser, the judges, a nominee per five nominations).

With `rounds=2` the cycle being judged is a two-round one (issue 15): a qualifying round 1 over every
entry (pass/fail verdicts, or scores), closed, then a final round 2 judging the top 500 (`finalists`)
advanced into it, with a panel of one judge in five, its assignments and some of its reviews.

The cycles ask the default form, or with `custom_form` a form of 30 questions (CUSTOM_FORM: the
core questions and 21 of the organiser's own, of every kind, a repeating group, a section for one
category only and a question shown on a condition), so the benchmarks can measure a designed form.
The answers go into nominations.answers as the form's pages would save them.

Rows go in with bulk inserts in chunks, never ORM objects one by one, so 10,000 nominations,
300 judges and 1,000 impact cases take seconds. Every account shares one password, hashed once
with Argon2 at the configured cost. Nothing here is audited: it is test data, not decisions.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text, update

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict
from awards.domain.core.text import slugify
from awards.domain.judging.rounds import copy_criteria
from awards.domain.nominations import answers as nomination_answers
from awards.domain.people.passwords import hash_password
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.cycles import create_cycle
from awards.domain.programme.entry_forms import REGIONS
from awards.domain.programme.taxonomy import seed_trends
from awards.domain.results.advancing import suggested_ids
from awards.domain.results.round_results import round_order
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    AssignmentStatus,
    Cycle,
    CycleStatus,
    Expertise,
    ImpactCase,
    ImpactCaseTrend,
    Judge,
    JudgingRound,
    Nomination,
    NominationPartner,
    NominationStatus,
    NominationTrend,
    PanelMember,
    Result,
    Review,
    ReviewScore,
    ReviewStatus,
    Role,
    RoundEntries,
    RoundMode,
    ShortlistDecision,
    User,
    UserRole,
    Verdict,
)
from awards.models.forms import FormQuestion

SCALE_PASSWORD = "scale-data-password"  # noqa: S105 (benchmark data on a throwaway database)
EMAIL_DOMAIN = "scale.example.org"
ORGANISER_EMAIL = f"organiser@{EMAIL_DOMAIN}"
CHUNK = 2000
REVIEWS_PER_NOMINATION = 3
# A two-round cycle (seed_scale(rounds=2)): round 2, the final, judges the finalists with a smaller panel.
FINAL_ROUND_NAME = "Final panel"
FINAL_JUDGES_PER_ENTRY = 5
FINAL_PANEL_SHARE = 5  # one judge in five of the cycle sits on the final panel
FIRST_ROUND_MODES = ("pass_fail", "scores")
CASES_PER_PAST_CYCLE = 200

_WORDS = (
    "residents",
    "service",
    "data",
    "council",
    "team",
    "users",
    "staff",
    "platform",
    "records",
    "demand",
    "housing",
    "care",
    "transport",
    "schools",
    "health",
    "digital",
    "access",
    "support",
    "partners",
    "waiting",
    "times",
    "decisions",
    "evidence",
    "costs",
    "outcomes",
    "families",
    "carers",
    "library",
    "waste",
    "planning",
    "benefits",
    "licensing",
    "repairs",
    "forms",
    "calls",
    "visits",
    "reports",
)
_SENTENCES = (
    "Residents told us they waited weeks for answers and had to repeat their story to every team.",
    "We started with a discovery phase and spoke to more than sixty people who use the service.",
    "A small multidisciplinary team worked in fortnightly rounds with user research in every round.",
    "The old process relied on paper forms, spreadsheets and a case system nobody could change.",
    "We replaced the forms with an accessible online journey that works on a phone.",
    "Staff now see the whole case in one place, so they spend time on people rather than paperwork.",
    "We published what we learned and shared our code with neighbouring councils.",
    "Demand rose while budgets fell, so doing nothing was not an option.",
    "The work was tested with disabled users and people with low digital confidence.",
    "We measured outcomes before and after, and checked the figures with the finance team.",
    "Some people still prefer the telephone, so we kept that route open and improved it too.",
    "A data sharing agreement with health partners took longer than the build itself.",
    "We were surprised by how many people came forward once the service was easier to use.",
    "Others starting similar work should involve frontline staff from the first week.",
    "The approach is now the default for new services across the organisation.",
)
_METRICS = (
    ("Average wait for a decision", "21 days", "4 days"),
    ("Calls to the contact centre", "9,400 a month", "5,100 a month"),
    ("Applications completed online", "38%", "81%"),
    ("Cost per transaction", "£8.40", "£2.10"),
    ("Missed appointments", "14%", "6%"),
    ("Staff time on rekeying", "12 hours a week", "1 hour"),
)
_PLACES = (
    "Riverside",
    "Northshire",
    "Eastport",
    "Westvale",
    "Southbay",
    "Highmoor",
    "Lowfield",
    "Kingsbridge",
    "Ashford",
    "Bramley",
    "Castleton",
    "Dunmore",
    "Elmstead",
    "Fairhaven",
    "Greyford",
    "Hollins",
)
_KINDS = (
    "Borough Council",
    "County Council",
    "City Council",
    "District Council",
    "NHS Trust",
    "Police",
    "Fire and Rescue Service",
    "Combined Authority",
    "Housing Association",
    "Health Board",
)
_PROJECTS = (
    "Triage assistant for",
    "One front door for",
    "Shared platform for",
    "Open data for",
    "Predictive maintenance of",
    "Online booking for",
    "Automated checks for",
    "A new service for",
)


_TEAM_SIZES = ("1 to 5", "6 to 20", "21 to 50", "More than 50")
_CHANNELS = ("Web", "Mobile app", "Telephone", "Face to face", "Post", "Chat")
_UNITS = ("people", "days", "pounds", "per cent")


def _custom(key: str, kind: str, label: str, **rest: Any) -> dict[str, Any]:
    question = {"key": key, "kind": kind, "core": False, "label": label, "hint": "", "required": True}
    question.update({"settings": {}, "judges_see": "all", "public": False, "condition": None, **rest})
    return question


def custom_definition(category_id: int) -> dict[str, Any]:
    """The 30-question form: the nine core questions as the default form words them and 21 of the
    organiser's own (every kind, a repeating group of four columns, organiser-only and blind-hidden
    answers, a question shown when an earlier answer is "no", and a section only nominations of
    `category_id` are asked)."""
    core = {q["key"]: q for s in forms.default_definition()["sections"] for q in s["questions"] if q["core"]}
    words = {"max_words": 500}
    public = {"public": True}

    def section(key: str, title: str, questions: list[dict[str, Any]], **rest: Any) -> dict[str, Any]:
        return {"key": key, "title": title, "hint": "", "intro": "", "condition": None, "questions": questions, **rest}

    return {
        "sections": [
            section(
                "organisation",
                "About the organisation",
                [
                    core["organisation_name"],
                    core["partners"],
                    core["contact_name"],
                    core["contact_email"],
                    _custom("contact_phone", "phone", "Contact’s telephone number", required=False, judges_see="none"),
                    core["region"],
                ],
            ),
            section(
                "project",
                "The project",
                [
                    core["title"],
                    core["summary"],
                    _custom(
                        "budget", "number", "Budget (£)", settings={"unit": "£", "whole": True, "min": 0}, **public
                    ),
                    _custom("started_on", "date", "When the work started", **public),
                    _custom("website", "url", "Project website", required=False, **public),
                ],
            ),
            section("trends", "Trends addressed", [core["trends"]]),
            section(
                "story",
                "The story",
                [
                    _custom("problem", "textarea", "What problem did you solve?", settings=words, **public),
                    _custom("solution", "textarea", "What did you build or change?", settings=words, **public),
                    _custom("impact", "textarea", "What difference has it made?", settings=words, **public),
                    _custom("lessons", "textarea", "What would you tell others?", settings=words, **public),
                ],
            ),
            section(
                "delivery",
                "Delivery",
                [
                    _custom("team_size", "choice", "Size of the team", settings={"options": list(_TEAM_SIZES)}),
                    _custom(
                        "channels",
                        "choices",
                        "Channels the service uses",
                        settings={"options": list(_CHANNELS), "min_choices": 1, "max_choices": 4},
                        **public,
                    ),
                    _custom("in_house", "yes_no", "Was it built in-house?"),
                    _custom(
                        "supplier_name",
                        "text",
                        "Who built it?",
                        settings={"max_chars": 200},
                        condition={"question": "in_house", "values": ["no"]},
                    ),
                    _custom("users_reached", "number", "People who use it each month", settings={"whole": True}),
                ],
            ),
            section(
                "evidence",
                "Evidence",
                [
                    _custom(
                        "results",
                        "group",
                        "Measured results",
                        required=False,
                        settings={
                            "max_rows": 10,
                            "row_name": "Result",
                            "columns": [
                                _custom("metric", "text", "What was measured", settings={"max_chars": 200}),
                                _custom("baseline", "number", "Before", required=False),
                                _custom("result", "number", "After"),
                                _custom("unit", "choice", "Unit", settings={"options": list(_UNITS)}),
                            ],
                        },
                        **public,
                    ),
                    _custom("evaluation", "textarea", "Notes for the organisers", required=False, judges_see="none"),
                    _custom("documents", "file", "Supporting documents", required=False, settings={"max_count": 5}),
                ],
            ),
            section(
                "leader",
                "About the leader",
                [
                    _custom(
                        "leader_name", "text", "Leader’s name", judges_see="not_blind", settings={"personal": True}
                    ),
                    _custom("leader_role", "text", "Their role", judges_see="not_blind"),
                    _custom("leader_story", "textarea", "What makes them stand out?", settings=words),
                ],
                category_ids=[category_id],
            ),
            section(
                "declarations",
                "Declarations",
                [
                    _custom("declares_accurate", "declaration", "The information is accurate", judges_see="none"),
                    core["consents_to_publish"],
                    _custom("declares_authorised", "declaration", "The organisation authorised me", judges_see="none"),
                ],
            ),
        ]
    }


CUSTOM_FORM_QUESTIONS = 30


def _default_answers(rng: random.Random, number: int, year: int) -> dict[str, Any]:
    """The default form's answers that are not columns, as its pages save them."""
    return {
        "contact_phone": "01632 960 001",
        "challenge": _paragraph(rng, 4),
        "approach": _paragraph(rng, 5),
        "outcomes_narrative": _paragraph(rng, 4),
        "measured": [
            {"metric": metric, "baseline": baseline, "result": result, "measured_on": f"March {year}"}
            for metric, baseline, result in rng.sample(_METRICS, rng.randint(1, 2))
        ],
        "unintended_consequences": _paragraph(rng, 2),
        "lessons": _paragraph(rng, 3),
        "declares_accurate": True,
        "declares_authorised": True,
    }


def _custom_answers(rng: random.Random, number: int, year: int, leader: bool) -> dict[str, Any]:
    """The custom form's answers that are not columns (the leader's section only for its category)."""
    in_house = rng.random() < 0.5
    answers: dict[str, Any] = {
        "contact_phone": "01632 960 001",
        "budget": str(rng.randrange(5, 900) * 1000),
        "started_on": {"day": str(rng.randint(1, 28)), "month": str(rng.randint(1, 12)), "year": str(year - 1)},
        "website": f"https://www.body{number}.example.gov.uk/project",
        "problem": _paragraph(rng, 4),
        "solution": _paragraph(rng, 5),
        "impact": _paragraph(rng, 4),
        "lessons": _paragraph(rng, 3),
        "team_size": rng.choice(_TEAM_SIZES),
        "channels": rng.sample(_CHANNELS, rng.randint(1, 3)),
        "in_house": in_house,
        "users_reached": str(rng.randrange(100, 50_000)),
        "results": [
            {"metric": metric, "baseline": str(rng.randint(50, 500)), "result": str(rng.randint(10, 400)), "unit": unit}
            for metric, unit in zip(rng.sample([m for m, _, _ in _METRICS], rng.randint(1, 3)), _UNITS, strict=False)
        ],
        "evaluation": _paragraph(rng, 1),
        "declares_accurate": True,
        "declares_authorised": True,
    }
    if not in_house:
        answers["supplier_name"] = f"{rng.choice(_PLACES)} Digital Ltd"
    if leader:
        answers["leader_name"] = f"Leader {number}"
        answers["leader_role"] = "Head of Digital"
        answers["leader_story"] = _paragraph(rng, 3)
    return answers


def case_answers(questions: list[FormQuestion], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """An impact case's copy of the answers to the public questions that are not core, in form order:
    typed by their kind, a group as its columns and rows."""
    copied = []
    for question in questions:
        if not question.public or question.core or question.kind == "file":
            continue
        value = answers.get(question.key)
        if question.kind == "group":
            columns = [
                {"key": c["key"], "label": c["label"], "kind": c["kind"]} for c in forms.setting(question, "columns")
            ]
            typed: Any = {
                "columns": columns,
                "rows": [
                    {c["key"]: nomination_answers.typed(question, row.get(c["key"]), kind=c["kind"]) for c in columns}
                    for row in value or []
                ],
            }
        else:
            typed = nomination_answers.typed(question, value)
        copied.append({"key": question.key, "label": forms.short_name(question), "kind": question.kind, "value": typed})
    return copied


@dataclass
class ScaleAccount:
    role: str
    email: str
    password: str


@dataclass
class ScaleSummary:
    cycle_slug: str
    published_cycle_slugs: list[str]
    nominations: int
    judges: int
    reviews: int
    impact_cases: int
    accounts: list[ScaleAccount] = field(default_factory=list)
    rounds: int = 1
    first_round_mode: str = "scores"
    finalists: int = 0  # entries advanced into round 2
    final_panel: int = 0  # judges on round 2's panel
    final_assignments: int = 0
    final_reviews: int = 0  # submitted in round 2 (drafts aside)


def scale_email(prefix: str, number: int) -> str:
    """judge7@judge7.scale.example.org: a domain of their own each, so that no judge is taken to share
    an organisational e-mail domain (a conflict of interest) with a nominee or another judge."""
    return f"{prefix}{number}@{prefix}{number}.{EMAIL_DOMAIN}"


def _chunks(rows: list[dict], size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(model, rows: list[dict]) -> None:
    """The rows as plain executemany batches into the model's table (no ORM bookkeeping per row)."""
    table = cast(Table, model.__table__)
    for chunk in _chunks(rows):
        db.session.execute(insert(table), chunk)


def _insert_ids(model, rows: list[dict]) -> list[int]:
    """Insert the rows and return their new ids, in the order of the rows: the ids are given here, after
    the table's highest (seed_scale fills an empty database in one transaction, so nothing else inserts
    meanwhile), which lets the rows go in as plain batches; an INSERT … RETURNING in parameter order
    sent SQLite one statement per row (100,000 nominations, 300,000 assignments and reviews). On
    PostgreSQL the table's sequence is moved past them."""
    if not rows:
        return []
    table = cast(Table, model.__table__)
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    _insert(model, rows)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"), {"table": table.name, "last": ids[-1]}
        )
    return ids


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.sample(_SENTENCES, sentences))


def _organisation(rng: random.Random, n: int) -> str:
    return f"{_PLACES[n % len(_PLACES)]} {_KINDS[(n // len(_PLACES)) % len(_KINDS)]}"


def _title(rng: random.Random) -> str:
    return f"{rng.choice(_PROJECTS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)}".capitalize()


class _Builder:
    def __init__(self, seed: int, custom_form: bool = False):
        self.rng = random.Random(seed)  # noqa: S311 (repeatable made-up data, nothing secret)
        self.custom_form = custom_form
        self.now = utcnow()
        self.password_hash = hash_password(SCALE_PASSWORD)  # once: the same hash serves every account

    # --- people ----------------------------------------------------------------------------

    def users(self, prefix: str, count: int, roles: tuple[Role, ...], organisation) -> list[int]:
        rows = [
            {
                "email": scale_email(prefix, i),
                "name": f"{prefix.title()} {i}",
                "organisation": organisation(i),
                "password_hash": self.password_hash,
                "email_verified_at": self.now,
                "session_token": secrets.token_urlsafe(32),
                "active": True,
                "created_at": self.now,
            }
            for i in range(1, count + 1)
        ]
        ids = _insert_ids(User, rows)
        _insert(
            UserRole, [{"user_id": user_id, "role": role, "granted_at": self.now} for user_id in ids for role in roles]
        )
        return ids

    # --- nominations -----------------------------------------------------------------------

    def nominations(
        self, cycle: Cycle, count: int, nominators: list[int], status: NominationStatus, first_number: int = 1
    ) -> tuple[list[int], dict[int, list[int]]]:
        """Submitted nominations with every section filled; their ids and trend ids (primary first)."""
        rng, now = self.rng, self.now
        categories = [c.id for c in cycle.categories]
        trends = [t.id for t in cycle.trends]
        submitted = min(now, cycle.nominations_close_at) - timedelta(days=1)
        sections = [section.key for section in forms.sections_of(cycle)]
        everyone = ",".join(sorted(k for k in sections if k != "leader"))
        leaders = ",".join(sorted(sections))
        rows = []
        for i in range(count):
            number = first_number + i
            org = _organisation(rng, number)
            category = categories[i % len(categories)]
            leader = self.custom_form and category == categories[0]
            answers = (
                _custom_answers(rng, number, cycle.year, leader)
                if self.custom_form
                else _default_answers(rng, number, cycle.year)
            )
            rows.append(
                {
                    "reference": f"{cycle.reference_prefix}-{cycle.year}-{number:04d}",
                    "cycle_id": cycle.id,
                    "category_id": category,
                    "nominator_id": nominators[i % len(nominators)],
                    "status": status,
                    "created_at": submitted - timedelta(days=10),
                    "updated_at": submitted,
                    "submitted_at": submitted,
                    "version": 1,
                    "organisation_name": org,
                    "contact_name": f"Contact {number}",
                    "contact_email": f"contact{number}@body{number}.example.gov.uk",
                    "region": REGIONS[number % len(REGIONS)],
                    "title": _title(rng),
                    "summary": _paragraph(rng, 2),
                    "answers": answers,
                    "consents_to_publish": rng.random() < 0.8,
                    "touched_sections": leaders if leader else everyone,
                }
            )
        ids = _insert_ids(Nomination, rows)
        links, partners = [], []
        chosen: dict[int, list[int]] = {}
        for nomination_id in ids:
            picked = rng.sample(trends, rng.randint(1, min(3, len(trends), cycle.trends_max)))
            chosen[nomination_id] = picked
            for position, trend_id in enumerate(picked):
                links.append(
                    {
                        "nomination_id": nomination_id,
                        "trend_id": trend_id,
                        "is_primary": position == 0,
                        "position": position,
                        "how_addressed": _paragraph(rng, 1),
                    }
                )
            for position in range(rng.randint(1, 2)):
                partners.append(
                    {
                        "nomination_id": nomination_id,
                        "name": f"{rng.choice(_PLACES)} Digital Ltd",
                        "is_supplier": position == 0,
                        "position": position,
                    }
                )
        _insert(NominationTrend, links)
        _insert(NominationPartner, partners)
        return ids, chosen

    # --- judging ---------------------------------------------------------------------------

    def judging(
        self,
        cycle: Cycle,
        judge_users: list[int],
        nominations: list[int],
        trends_of: dict[int, list[int]],
        verdicts: bool = False,
    ) -> int:
        """Accepted judges with expertise, 3 assignments per nomination in the cycle's first round spread
        evenly, and a submitted review for each: scoring every criterion, or with `verdicts` (a pass/fail
        round) a pass, fail or unsure; the number of reviews."""
        rng, now = self.rng, self.now
        judge_ids = _insert_ids(
            Judge,
            [
                {
                    "cycle_id": cycle.id,
                    "email": scale_email("judge", i),
                    "user_id": user_id,
                    "organisation": f"Judging Partner {i}",
                    "all_categories": True,
                    "invited_at": now - timedelta(days=40),
                    "accepted_at": now - timedelta(days=39),
                }
                for i, user_id in enumerate(judge_users, start=1)
            ],
        )
        trend_ids = [t.id for t in cycle.trends]
        levels = {(j, t): rng.randint(-1, 2) for j in range(len(judge_users)) for t in trend_ids}
        _insert(
            Expertise,
            [
                {"user_id": user_id, "trend_id": t, "level": levels[(j, t)]}
                for j, user_id in enumerate(judge_users)
                for t in trend_ids
            ],
        )
        per = min(REVIEWS_PER_NOMINATION, len(judge_ids))
        assignments, pairs = [], []
        first_round = cycle.rounds[0]  # the cycle judges in one round
        for n, nomination_id in enumerate(nominations):
            for k in range(per):
                j = (n * per + k) % len(judge_ids)
                affinity = sum(levels[(j, t)] * (2 if i == 0 else 1) for i, t in enumerate(trends_of[nomination_id]))
                assignments.append(
                    {
                        "round_id": first_round.id,
                        "judge_id": judge_ids[j],
                        "nomination_id": nomination_id,
                        "status": AssignmentStatus.ASSIGNED,
                        "locked": False,
                        "affinity": affinity,
                        "created_at": now - timedelta(days=30),
                        "no_conflict_declared_at": now - timedelta(days=29),
                    }
                )
                pairs.append(j)
        assignment_ids = _insert_ids(Assignment, assignments)
        self.judge_ids, self.levels = judge_ids, levels
        if verdicts:
            return self._verdicts(assignment_ids, pairs, assignments)
        review_ids = _insert_ids(
            Review,
            [
                {
                    "assignment_id": a,
                    "status": ReviewStatus.SUBMITTED,
                    "overall_comment": _paragraph(rng, 1),
                    "created_at": now - timedelta(days=20),
                    "updated_at": now - timedelta(days=10),
                    "submitted_at": now - timedelta(days=10),
                    "version": 2,
                }
                for a in assignment_ids
            ],
        )
        # Each judge is a little harsh or lenient, as real judges are (what normalisation corrects).
        bias = [rng.uniform(-1.5, 1.5) for _ in judge_ids]
        criteria = list(first_round.criteria)
        scores = []
        for review_id, j in zip(review_ids, pairs, strict=True):
            quality = rng.uniform(3, 8)
            for criterion in criteria:
                value = round(quality + bias[j] + rng.uniform(-1.5, 1.5))
                scores.append(
                    {
                        "review_id": review_id,
                        "criterion_id": criterion.id,
                        "value": min(criterion.scale_max, max(criterion.scale_min, value)),
                        "not_applicable": False,
                        "comment": "",
                    }
                )
        _insert(ReviewScore, scores)
        return len(review_ids)

    def _verdicts(self, assignment_ids: list[int], pairs: list[int], assignments: list[dict]) -> int:
        """A submitted pass/fail/unsure review for each assignment: each entry has a quality, each judge
        a leaning, so entries collect every tally from three passes to three fails."""
        rng, now = self.rng, self.now
        leaning = [rng.uniform(-0.15, 0.15) for _ in self.judge_ids]
        quality: dict[int, float] = {}
        rows = []
        for assignment_id, j, assignment in zip(assignment_ids, pairs, assignments, strict=True):
            nomination_id = assignment["nomination_id"]
            if nomination_id not in quality:
                quality[nomination_id] = rng.random()
            value = quality[nomination_id] + leaning[j] + rng.uniform(-0.2, 0.2)
            verdict = Verdict.PASS if value > 0.55 else Verdict.UNSURE if value > 0.45 else Verdict.FAIL
            rows.append(
                {
                    "assignment_id": assignment_id,
                    "status": ReviewStatus.SUBMITTED,
                    "overall_comment": _paragraph(rng, 1),
                    "verdict": verdict,
                    "created_at": now - timedelta(days=20),
                    "updated_at": now - timedelta(days=10),
                    "submitted_at": now - timedelta(days=10),
                    "version": 2,
                }
            )
        _insert(Review, rows)
        return len(rows)

    def final_round(self, cycle: Cycle, finalists: int, trends_of: dict[int, list[int]]) -> dict[str, int]:
        """Round 2 of a two-round cycle, the final: the top `finalists` of round 1's order advanced into
        it (shared between the categories by their size, as an organiser would), a panel of one judge in
        five (judges 1, 2, … so that the first judge judges in both rounds), 5 judges per finalist spread
        evenly, and reviews: about 60% submitted scoring every criterion, 15% drafts with some scores,
        the rest not started. Round 1 closed five days ago; round 2 opened three days ago."""
        rng, now = self.rng, self.now
        first = cycle.rounds[0]
        first.closes_at = now - timedelta(days=5)
        final = JudgingRound(
            number=2,
            name=FINAL_ROUND_NAME,
            opens_at=now - timedelta(days=3),
            closes_at=now + timedelta(days=30),
            entries=RoundEntries.ADVANCED,
            mode=RoundMode.SCORES,
            blind=first.blind,
            judges_per_nomination=min(FINAL_JUDGES_PER_ENTRY, len(self.judge_ids)),
            judge_max_load=20,
            whole_panel=False,
            is_final=True,
            aggregation_method=first.aggregation_method,
            ranking_basis=first.ranking_basis,
            created_at=now - timedelta(days=6),
            updated_at=now - timedelta(days=6),
        )
        cycle.rounds.append(final)
        copy_criteria(first, final)  # the first round's criteria and rubric
        db.session.flush()

        # The top of round 1's order in each category, as many from each as its share of the entries.
        order = round_order(first)
        total = sum(len(members) for members in order.order.values())
        finalists = min(finalists, len(order.judged))
        shares = {c: finalists * len(members) / total for c, members in order.order.items()}
        sizes = {c: math.floor(share) for c, share in shares.items()}
        for c in sorted(shares, key=lambda c: (sizes[c] - shares[c], c))[: finalists - sum(sizes.values())]:
            sizes[c] += 1
        chosen = sorted(suggested_ids(order, sizes))
        _insert(
            Advancement,
            [
                {
                    "round_id": final.id,
                    "nomination_id": nomination_id,
                    "suggested": True,
                    "reason": "",
                    "created_at": now - timedelta(days=4),
                }
                for nomination_id in chosen
            ],
        )

        per = final.judges_per_nomination
        panel = self.judge_ids[: max(per, len(self.judge_ids) // FINAL_PANEL_SHARE)]
        final.judge_max_load = max(per, math.ceil(len(chosen) * per / len(panel)) + 5)
        _insert(PanelMember, [{"round_id": final.id, "judge_id": judge_id} for judge_id in panel])
        assignments, pairs = [], []
        for n, nomination_id in enumerate(chosen):
            for k in range(per):
                j = (n * per + k) % len(panel)
                affinity = sum(
                    self.levels[(j, t)] * (2 if i == 0 else 1) for i, t in enumerate(trends_of[nomination_id])
                )
                assignments.append(
                    {
                        "round_id": final.id,
                        "judge_id": panel[j],
                        "nomination_id": nomination_id,
                        "status": AssignmentStatus.ASSIGNED,
                        "locked": False,
                        "affinity": affinity,
                        "created_at": now - timedelta(days=3),
                        "no_conflict_declared_at": now - timedelta(days=2),
                    }
                )
                pairs.append((j, nomination_id))
        assignment_ids = _insert_ids(Assignment, assignments)
        bias = [rng.uniform(-1.0, 1.0) for _ in panel]
        quality = {nomination_id: rng.uniform(5, 9) for nomination_id in chosen}
        started, criteria = [], list(final.criteria)
        for assignment_id, (j, nomination_id) in zip(assignment_ids, pairs, strict=True):
            draw = rng.random()
            if draw < 0.25:
                continue  # not started
            submitted = draw >= 0.40
            started.append((assignment_id, j, nomination_id, submitted))
        review_ids = _insert_ids(
            Review,
            [
                {
                    "assignment_id": assignment_id,
                    "status": ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT,
                    "overall_comment": _paragraph(rng, 1),
                    "created_at": now - timedelta(days=2),
                    "updated_at": now - timedelta(days=1),
                    "submitted_at": now - timedelta(days=1) if submitted else None,
                    "version": 2 if submitted else 1,
                }
                for assignment_id, _, _, submitted in started
            ],
        )
        scores = []
        for review_id, (_, j, nomination_id, submitted) in zip(review_ids, started, strict=True):
            scored = criteria if submitted else criteria[: max(1, len(criteria) // 2)]
            for criterion in scored:
                value = round(quality[nomination_id] + bias[j] + rng.uniform(-1.0, 1.0))
                scores.append(
                    {
                        "review_id": review_id,
                        "criterion_id": criterion.id,
                        "value": min(criterion.scale_max, max(criterion.scale_min, value)),
                        "not_applicable": False,
                        "comment": "",
                    }
                )
        _insert(ReviewScore, scores)
        db.session.flush()
        return {
            "finalists": len(chosen),
            "final_panel": len(panel),
            "final_assignments": len(assignment_ids),
            "final_reviews": sum(1 for item in started if item[3]),
        }

    # --- published cycles ------------------------------------------------------------------

    def impact_cases(self, cycle: Cycle, nominations: list[int], trends_of: dict[int, list[int]]) -> int:
        """Shortlist decisions and a public impact case for each of the cycle's nominations."""
        rows = db.session.execute(
            select(
                Nomination.id,
                Nomination.category_id,
                Nomination.title,
                Nomination.summary,
                Nomination.organisation_name,
                Nomination.region,
                Nomination.answers,
            )
            .where(Nomination.id.in_(nominations))
            .order_by(Nomination.id)
        ).all()
        questions = list(forms.questions_of(cycle))
        names = {c.id: c.name for c in cycle.categories}
        published = cycle.results_published_at
        seen: dict[int, int] = {}
        decisions, cases, results = [], [], []
        for row in rows:
            place = seen.get(row.category_id, 0)
            seen[row.category_id] = place + 1
            result = Result.WINNER if place == 0 else Result.HIGHLY_COMMENDED if place < 3 else Result.SHORTLISTED
            results.append(result)
            decisions.append(
                {
                    "cycle_id": cycle.id,
                    "nomination_id": row.id,
                    "result": result,
                    "suggested": True,
                    "rationale": "",
                    "decided_at": published,
                }
            )
            partner = f"{self.rng.choice(_PLACES)} Digital Ltd"
            cases.append(
                {
                    "slug": f"{slugify(row.title)[:120]}-{cycle.year}-{row.id}",
                    "cycle_id": cycle.id,
                    "nomination_id": row.id,
                    "category_id": row.category_id,
                    "category_name": names[row.category_id],
                    "year": cycle.year,
                    "result": result,
                    "title": row.title,
                    "summary": row.summary,
                    "answers": case_answers(questions, row.answers or {}),
                    "organisation": row.organisation_name,
                    "partners": [{"name": partner, "is_supplier": True}],
                    "region": row.region,
                    "citation": "",
                    "licence": "CC BY 4.0",
                    "search_text": " ".join([row.title, row.summary, row.organisation_name, partner]).lower(),
                    "published_at": published,
                    "updated_at": published,
                }
            )
        _insert(ShortlistDecision, decisions)
        case_ids = _insert_ids(ImpactCase, cases)
        for result in set(results):
            db.session.execute(
                update(Nomination)
                .where(Nomination.id.in_([row.id for row, r in zip(rows, results, strict=True) if r is result]))
                .values(status=NominationStatus(result.value), consents_to_publish=True)
            )
        _insert(
            ImpactCaseTrend,
            [
                {
                    "case_id": case_id,
                    "trend_id": trend_id,
                    "is_primary": position == 0,
                    "how_addressed": _paragraph(self.rng, 1),
                    "position": position,
                }
                for case_id, row in zip(case_ids, rows, strict=True)
                for position, trend_id in enumerate(trends_of[row.id])
            ],
        )
        return len(case_ids)


def _cycle(
    name: str,
    year: int,
    status: CycleStatus,
    open_at: datetime,
    close_at: datetime,
    judging_close_at: datetime,
    custom_form: bool = False,
    **rules,
) -> Cycle:
    cycle = create_cycle(
        name=name,
        year=year,
        nominations_open_at=open_at,
        nominations_close_at=close_at,
        judging_close_at=judging_close_at,
        reference_prefix="SCALE",
        **rules,
    )
    cycle.status = status
    if custom_form:
        categories = {c.id: c.id for c in cycle.categories}
        forms.install(cycle, custom_definition(cycle.categories[0].id), category_ids=categories)
    db.session.flush()
    return cycle


def seed_scale(
    *,
    nominations: int,
    judges: int,
    cases: int,
    seed: int = 1,
    custom_form: bool = False,
    rounds: int = 1,
    finalists: int = 500,
    first_round_mode: str = "pass_fail",
) -> ScaleSummary:
    """Build the data set in the caller's transaction (it flushes, never commits). Refused unless
    the database has no accounts, so it is never mixed into real data or an earlier run. With
    `custom_form`, every cycle asks the 30-question form of custom_definition.

    With `rounds=2` the cycle being judged judges in two rounds: round 1 (`first_round_mode`: "pass_fail",
    a qualifying verdict from 3 judges per entry, or "scores") over every entry, closed, its reviews all
    submitted; the top `finalists` advanced into round 2, the final (scored, a panel of one judge in
    five, 5 judges per finalist), open, with its assignments and some reviews (Builder.final_round)."""
    if nominations < 1 or judges < REVIEWS_PER_NOMINATION or cases < 0:
        raise ValueError(f"Need at least 1 nomination and {REVIEWS_PER_NOMINATION} judges")
    if rounds not in (1, 2):
        raise ValueError("The cycle being judged has 1 or 2 rounds")
    if rounds == 2 and not 1 <= finalists <= nominations:
        raise ValueError("Advance between 1 finalist and every nomination")
    if first_round_mode not in FIRST_ROUND_MODES:
        raise ValueError(f"Round 1 is judged by one of {', '.join(FIRST_ROUND_MODES)}")
    if db.session.scalar(select(func.count(User.id))):
        raise Conflict("This database already has accounts: seed-scale only fills an empty database")
    seed_trends()
    builder = _Builder(seed, custom_form)
    now = builder.now
    this_year = now.year

    organiser = builder.users("organiser", 1, (Role.NOMINEE, Role.ORGANISER), lambda i: "Awards Office")
    db.session.execute(
        update(User).where(User.id == organiser[0]).values(email=ORGANISER_EMAIL, name="Olivia Organiser")
    )
    judge_users = builder.users("judge", judges, (Role.NOMINEE, Role.JUDGE), lambda i: f"Judging Partner {i}")
    nominee_users = builder.users(
        "nominee",
        max(1, math.ceil((nominations + cases) / 5)),
        (Role.NOMINEE,),
        lambda i: _organisation(builder.rng, i),
    )

    # The cycle being judged: every nomination submitted, with 3 submitted reviews.
    judging = _cycle(
        f"Scale Awards {this_year}",
        this_year,
        CycleStatus.JUDGING,
        now - timedelta(days=120),
        now - timedelta(days=45),
        now + timedelta(days=30),
        custom_form=custom_form,
        judge_max_load=max(20, math.ceil(nominations * REVIEWS_PER_NOMINATION / judges) + 5),
    )
    nomination_ids, trends_of = builder.nominations(judging, nominations, nominee_users, NominationStatus.SUBMITTED)
    db.session.execute(update(Cycle).where(Cycle.id == judging.id).values(last_reference_number=nominations))
    pass_fail = rounds == 2 and first_round_mode == "pass_fail"
    if pass_fail:
        judging.rounds[0].mode = RoundMode.PASS_FAIL
        judging.rounds[0].name = "Qualifying"
    reviews = builder.judging(judging, judge_users, nomination_ids, trends_of, verdicts=pass_fail)
    final = builder.final_round(judging, finalists, trends_of) if rounds == 2 else {}

    # Earlier cycles with published results and their impact cases.
    past = max(2, min(10, math.ceil(cases / CASES_PER_PAST_CYCLE))) if cases else 0
    published_slugs, made_cases, offset = [], 0, nominations
    for k in range(past):
        year = this_year - past + k
        share = cases // past + (1 if k < cases % past else 0)
        published_at = datetime(year, 7, 1, 12, tzinfo=UTC)
        cycle = _cycle(
            f"Scale Awards {year}",
            year,
            CycleStatus.PUBLISHED,
            datetime(year, 1, 10, 9, tzinfo=UTC),
            datetime(year, 3, 31, 17, tzinfo=UTC),
            datetime(year, 5, 31, 17, tzinfo=UTC),
            custom_form=custom_form,
        )
        cycle.results_published_at = published_at
        cycle.updated_at = published_at
        if share:
            ids, trends = builder.nominations(
                cycle,
                share,
                nominee_users[offset % len(nominee_users) :] or nominee_users,
                NominationStatus.SHORTLISTED,
            )
            made_cases += builder.impact_cases(cycle, ids, trends)
            db.session.execute(update(Cycle).where(Cycle.id == cycle.id).values(last_reference_number=share))
            offset += share
        published_slugs.append(cycle.slug)

    # An open cycle, so the home page and "start a nomination" have something to offer.
    _cycle(
        f"Scale Awards {this_year + 1}",
        this_year + 1,
        CycleStatus.OPEN,
        now - timedelta(days=1),
        now + timedelta(days=60),
        now + timedelta(days=120),
        custom_form=custom_form,
    )
    db.session.flush()
    accounts = [
        ScaleAccount("organiser", ORGANISER_EMAIL, SCALE_PASSWORD),
        ScaleAccount("judge", scale_email("judge", 1), SCALE_PASSWORD),
        ScaleAccount("judge", scale_email("judge", judges), SCALE_PASSWORD),
        ScaleAccount("nominee", scale_email("nominee", 1), SCALE_PASSWORD),
    ]
    return ScaleSummary(
        cycle_slug=judging.slug,
        published_cycle_slugs=published_slugs,
        nominations=nominations,
        judges=judges,
        reviews=reviews,
        impact_cases=made_cases,
        accounts=accounts,
        rounds=rounds,
        first_round_mode="pass_fail" if pass_fail else "scores",
        **final,
    )
