"""Nominations: starting one (with its reference), saving sections, the task list,
submitting before the deadline, editing after submission, withdrawing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.core.text import word_count
from awards.domain.programme.cycles import accepts_nominations
from awards.extensions import db
from awards.models import (
    Category,
    Cycle,
    MeasuredOutcome,
    Nomination,
    NominationPartner,
    NominationStatus,
    NominationTrend,
    User,
)

MAX_PARTNERS = 10
MAX_MEASURED_OUTCOMES = 10
HOW_ADDRESSED_WORDS = 100

REGIONS = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
    "Northern Ireland",
    "UK-wide",
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str = ""


SECTIONS = (
    Section("organisation", "About the nominated organisation", "Who did the work, and who we contact"),
    Section("project", "Project", "Title and the public summary"),
    Section("trends", "Trends addressed", "The digital and technology trends the work addresses"),
    Section("challenge", "The challenge", "The problem the work set out to solve"),
    Section("approach", "The approach", "What you did, and the technology you used"),
    Section("outcomes", "Outcomes and impact", "What changed, with measured results"),
    Section("lessons", "Unintended consequences and lessons", "What surprised you, and what others can learn"),
    Section("documents", "Supporting documents", "Optional evidence, such as reports or screenshots"),
    Section("declarations", "Declarations", "Accuracy, authority and consent to publish"),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"

Problems = list[tuple[str, str]]  # (field name, message)
Checker = Callable[[Cycle, dict[str, Any]], Problems]  # a section's checker: (cycle, answers) → problems
Applier = Callable[[Nomination, dict[str, Any]], None]  # writes a section's answers onto the nomination


class SectionConflict(Conflict):
    """The section was saved from another window since this copy was loaded."""

    def __init__(self, current: dict[str, Any], current_hash: str):
        super().__init__(
            "This section was changed in another window since you opened it. "
            "Compare the two versions below, then save the one you want."
        )
        self.current = current
        self.current_hash = current_hash


# Reading -----------------------------------------------------------------------


def issue_reference(cycle: Cycle) -> str:
    """The next reference of the cycle, e.g. PSDA-2025-0042 (atomic, so two starts never share one).

    No two cycles share a prefix and year (uq_cycles_reference_prefix_year), and neither changes once a
    cycle has issued a reference; a number some nomination already has (from data older than those
    rules) is passed over rather than issued twice."""
    while True:
        number = db.session.execute(
            update(Cycle)
            .where(Cycle.id == cycle.id)
            .values(last_reference_number=Cycle.last_reference_number + 1)
            .returning(Cycle.last_reference_number)
        ).scalar_one()
        db.session.expire(cycle, ["last_reference_number"])
        reference = f"{cycle.reference_prefix}-{cycle.year}-{number:04d}"
        if db.session.scalar(select(Nomination.id).where(Nomination.reference == reference)) is None:
            return reference


def get_by_reference(reference: str) -> Nomination | None:
    return db.session.scalar(
        select(Nomination)
        .where(Nomination.reference == reference)
        .options(
            selectinload(Nomination.partners),
            selectinload(Nomination.trend_links),
            selectinload(Nomination.measured_outcomes),
            selectinload(Nomination.attachments),
        )
    )


def nominations_of(user: User) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.nominator_id == user.id)
            .options(selectinload(Nomination.cycle), selectinload(Nomination.category))
            .order_by(Nomination.created_at.desc(), Nomination.id.desc())
        )
    )


def section_data(nomination: Nomination, section: str) -> dict[str, Any]:
    """The stored answers of one section, in the shape save_section takes."""
    n = nomination
    if section == "organisation":
        return {
            "organisation_name": n.organisation_name,
            "contact_name": n.contact_name,
            "contact_email": n.contact_email,
            "contact_phone": n.contact_phone,
            "region": n.region,
            "partners": [{"name": p.name, "is_supplier": p.is_supplier} for p in n.partners],
        }
    if section == "project":
        return {"title": n.title, "summary": n.summary}
    if section == "trends":
        return {
            "links": [
                {"trend_id": link.trend_id, "is_primary": link.is_primary, "how_addressed": link.how_addressed}
                for link in n.trend_links
            ]
        }
    if section in ("challenge", "approach"):
        return {section: getattr(n, section)}
    if section == "outcomes":
        return {
            "outcomes_narrative": n.outcomes_narrative,
            "measured": [
                {"metric": m.metric, "baseline": m.baseline, "result": m.result, "measured_on": m.measured_on}
                for m in n.measured_outcomes
            ],
        }
    if section == "lessons":
        return {"unintended_consequences": n.unintended_consequences, "lessons": n.lessons}
    if section == "documents":
        return {"attachments": [a.id for a in n.attachments]}
    if section == "declarations":
        consent = n.consents_to_publish if "declarations" in n.touched else None
        return {
            "declares_accurate": n.declares_accurate,
            "consents_to_publish": consent,
            "declares_authorised": n.declares_authorised,
        }
    raise KeyError(section)


def section_hash(nomination: Nomination, section: str) -> str:
    payload = json.dumps(section_data(nomination, section), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


# Rules -------------------------------------------------------------------------


def _text(data: dict[str, Any], field: str) -> str:
    """The answer to a field as text without surrounding spaces ('' when missing)."""
    return str(data.get(field) or "").strip()


def _required(problems: Problems, data: dict[str, Any], field: str, message: str) -> None:
    if not _text(data, field):
        problems.append((field, message))


def _max_words(problems: Problems, data: dict[str, Any], field: str, label: str, limit: int) -> None:
    count = word_count(data.get(field))
    if count > limit:
        problems.append((field, f"{label} must be {limit} words or fewer (it has {count})"))


def _max_chars(problems: Problems, data: dict[str, Any], field: str, label: str, limit: int) -> None:
    if len(str(data.get(field) or "")) > limit:
        problems.append((field, f"{label} must be {limit} characters or fewer"))


# One checker per section: each takes the cycle (for its limits) and the section's answers and
# returns the problems in the order the form shows its fields.


def _contact_email_problems(data: dict[str, Any]) -> Problems:
    """The contact's email address: given, and in the shape of an address (not checked for delivery)."""
    email = _text(data, "contact_email")
    if not email:
        return [("contact_email", "Enter the contact’s email address")]
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return [("contact_email", "Enter an email address in the correct format, like name@example.com")]
    return []


def _contact_phone_problems(data: dict[str, Any]) -> Problems:
    """The contact's telephone number is optional; when given, digits, spaces and + ( ) - only."""
    phone = _text(data, "contact_phone")
    if phone and (len(phone) > 40 or not all(c.isdigit() or c in " +()-" for c in phone)):
        return [("contact_phone", "Enter a telephone number, like 01632 960 001 or +44 808 157 0192")]
    return []


def _partner_problems(data: dict[str, Any]) -> Problems:
    """Up to MAX_PARTNERS partner organisations, each name 200 characters or fewer."""
    partners = data.get("partners") or []
    problems: Problems = []
    if len(partners) > MAX_PARTNERS:
        problems.append(("partners", f"You can name up to {MAX_PARTNERS} partner organisations"))
    for i, partner in enumerate(partners):
        if len(str(partner.get("name") or "")) > 200:
            problems.append((f"partners-{i}-name", "Partner name must be 200 characters or fewer"))
    return problems


def _check_organisation(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """About the nominated organisation: its name, the contact, the region and any partners."""
    problems: Problems = []
    _required(problems, data, "organisation_name", "Enter the name of the nominated organisation")
    _max_chars(problems, data, "organisation_name", "Organisation name", 200)
    _required(problems, data, "contact_name", "Enter the name of the contact")
    _max_chars(problems, data, "contact_name", "Contact name", 200)
    problems += _contact_email_problems(data)
    problems += _contact_phone_problems(data)
    if data.get("region") not in REGIONS:
        problems.append(("region", "Select the region"))
    problems += _partner_problems(data)
    return problems


def _check_project(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """The project's title and its public summary (within the cycle's summary word limit)."""
    problems: Problems = []
    _required(problems, data, "title", "Enter the project title")
    _max_chars(problems, data, "title", "Project title", 200)
    _required(problems, data, "summary", "Enter the public summary")
    _max_words(problems, data, "summary", "The summary", cycle.summary_word_limit)
    return problems


def _trend_count_problems(cycle: Cycle, chosen: int) -> Problems:
    """As many trends as the cycle asks for: at least trends_min, at most trends_max."""
    if chosen < cycle.trends_min:
        plural = "s" if cycle.trends_min != 1 else ""
        return [("trends", f"Select at least {cycle.trends_min} trend{plural}")]
    if chosen > cycle.trends_max:
        return [("trends", f"Select no more than {cycle.trends_max} trends")]
    return []


def _how_addressed_problems(link: dict[str, Any]) -> Problems:
    """How the work addresses one chosen trend: given, in HOW_ADDRESSED_WORDS words or fewer."""
    field = f"how_{link['trend_id']}"
    if not _text(link, "how_addressed"):
        return [(field, "Explain how the work addresses this trend")]
    if word_count(link.get("how_addressed")) > HOW_ADDRESSED_WORDS:
        return [(field, f"Explain it in {HOW_ADDRESSED_WORDS} words or fewer")]
    return []


def _check_trends(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """Trends the cycle offers, as many as it asks for, one of them the main one, each explained."""
    links = data.get("links") or []
    offered = {t.id for t in cycle.trends}
    chosen = [link for link in links if link.get("trend_id") in offered]
    problems: Problems = []
    if len(chosen) != len(links):
        problems.append(("trends", "Select trends from the list"))
    problems += _trend_count_problems(cycle, len(chosen))
    primaries = [link for link in chosen if link.get("is_primary")]
    if chosen and len(primaries) != 1:
        problems.append(("primary", "Select which of your trends is the main one"))
    for link in chosen:
        problems += _how_addressed_problems(link)
    return problems


def _narrative_checker(section: str, label: str) -> Checker:
    """The checker of a section that is one piece of writing (the challenge, the approach)."""

    def check(cycle: Cycle, data: dict[str, Any]) -> Problems:
        problems: Problems = []
        _required(problems, data, section, f"Describe {label}")
        _max_words(problems, data, section, f"The description of {label}", cycle.word_limit(section))
        return problems

    check.__doc__ = f"The description of {label}, within the cycle's word limit for it."
    return check


MEASURED_TEXT_FIELDS = (("metric", "What was measured"), ("baseline", "Baseline"), ("result", "Result"))


def _measured_row_problems(i: int, row: dict[str, Any]) -> Problems:
    """One measured outcome (row i, counted from 0): what was measured and its result are needed."""
    problems: Problems = []
    if not _text(row, "metric"):
        problems.append((f"measured-{i}-metric", f"Enter what was measured in outcome {i + 1}"))
    if not _text(row, "result"):
        problems.append((f"measured-{i}-result", f"Enter the result of outcome {i + 1}"))
    for key, label in MEASURED_TEXT_FIELDS:
        if len(str(row.get(key) or "")) > 200:
            problems.append((f"measured-{i}-{key}", f"{label} must be 200 characters or fewer"))
    if len(str(row.get("measured_on") or "")) > 40:
        problems.append((f"measured-{i}-measured_on", "Date must be 40 characters or fewer"))
    return problems


def _check_outcomes(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """The outcomes and impact in words, and up to MAX_MEASURED_OUTCOMES measured outcomes."""
    problems: Problems = []
    _required(problems, data, "outcomes_narrative", "Describe the outcomes and impact")
    _max_words(problems, data, "outcomes_narrative", "The outcomes and impact", cycle.word_limit("outcomes"))
    measured = data.get("measured") or []
    if len(measured) > MAX_MEASURED_OUTCOMES:
        problems.append(("measured", f"You can give up to {MAX_MEASURED_OUTCOMES} measured outcomes"))
    for i, row in enumerate(measured):
        problems += _measured_row_problems(i, row)
    return problems


def _check_lessons(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """Unintended consequences and lessons, each within the cycle's word limit for it."""
    problems: Problems = []
    _required(problems, data, "unintended_consequences", "Describe any unintended consequences and risks")
    _max_words(
        problems,
        data,
        "unintended_consequences",
        "Unintended consequences",
        cycle.word_limit("unintended_consequences"),
    )
    _required(problems, data, "lessons", "Describe the lessons and how others could adopt the work")
    _max_words(problems, data, "lessons", "Lessons", cycle.word_limit("lessons"))
    return problems


def _check_documents(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """Supporting documents are optional (their uploads are checked as they arrive)."""
    return []


def _check_declarations(cycle: Cycle, data: dict[str, Any]) -> Problems:
    """Accuracy and authority confirmed, and a yes or no to publishing the nomination as an impact case."""
    problems: Problems = []
    if not data.get("declares_accurate"):
        problems.append(("declares_accurate", "Confirm that the information is accurate"))
    if data.get("consents_to_publish") is None:
        problems.append(
            (
                "consents_to_publish",
                "Select yes if we may publish the nomination as an impact case if it is "
                "shortlisted, or no if we may not",
            )
        )
    if not data.get("declares_authorised"):
        problems.append(("declares_authorised", "Confirm that the organisation has authorised you"))
    return problems


SECTION_CHECKERS: dict[str, Checker] = {
    "organisation": _check_organisation,
    "project": _check_project,
    "trends": _check_trends,
    "challenge": _narrative_checker("challenge", "the challenge"),
    "approach": _narrative_checker("approach", "the approach"),
    "outcomes": _check_outcomes,
    "lessons": _check_lessons,
    "documents": _check_documents,
    "declarations": _check_declarations,
}


def check_section(cycle: Cycle, section: str, data: dict[str, Any]) -> Problems:
    """What is missing or wrong in a section's answers, as (field, message) pairs for the form.

    A section this module does not know has nothing to check (no problems)."""
    checker = SECTION_CHECKERS.get(section)
    return checker(cycle, data) if checker is not None else []


def section_problems(nomination: Nomination, section: str) -> Problems:
    return check_section(nomination.cycle, section, section_data(nomination, section))


def section_status(nomination: Nomination, section: str) -> str:
    if section not in nomination.touched:
        return NOT_STARTED
    return IN_PROGRESS if section_problems(nomination, section) else COMPLETED


def task_list(nomination: Nomination) -> list[tuple[Section, str]]:
    return [(s, section_status(nomination, s.key)) for s in SECTIONS]


def is_complete(nomination: Nomination) -> bool:
    return all(status == COMPLETED for _, status in task_list(nomination))


# Permissions on the nomination's state --------------------------------------------


def is_owner(nomination: Nomination, user: User | None) -> bool:
    return user is not None and nomination.nominator_id == user.id


def editable(nomination: Nomination, now: datetime | None = None) -> bool:
    """Drafts and submitted nominations can change until the cycle's close instant."""
    return nomination.status in (NominationStatus.DRAFT, NominationStatus.SUBMITTED) and accepts_nominations(
        nomination.cycle, now
    )


def _check_can_edit(nomination: Nomination, by: User) -> None:
    if not is_owner(nomination, by):
        raise NotAllowed("Only the person who made this nomination can change it")
    if not editable(nomination):
        if nomination.status not in (NominationStatus.DRAFT, NominationStatus.SUBMITTED):
            raise NotAllowed(f"This nomination is {nomination.status.label.lower()} and can no longer be changed")
        raise NotAllowed(
            f"Nominations for {nomination.cycle.name} closed at "
            "the deadline, so this nomination can no longer be changed"
        )


# Changing ------------------------------------------------------------------------


def start_nomination(cycle: Cycle, category: Category, *, by: User) -> Nomination:
    """Start a draft in the cycle's category; the reference is issued at once."""
    if category.cycle_id != cycle.id:
        raise DomainError("Select a category of this awards cycle", field="category")
    if not accepts_nominations(cycle):
        raise NotAllowed(f"{cycle.name} is not accepting nominations")
    now = utcnow()
    nomination = Nomination(
        reference=issue_reference(cycle),
        cycle=cycle,
        category=category,
        nominator=by,
        status=NominationStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    db.session.add(nomination)
    db.session.flush()
    audit.record("nomination.started", actor=by, obj=nomination, reference=nomination.reference)
    return nomination


def _clip(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


MEASURED_FIELDS = ("metric", "baseline", "result", "measured_on")


def _named_partners(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The partner rows that have a name (a row left blank is no partner)."""
    return [p for p in (data.get("partners") or []) if _text(p, "name")]


def _filled_measured_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The measured-outcome rows with anything typed in them (a row left blank is no outcome)."""
    return [r for r in (data.get("measured") or []) if any(_text(r, k) for k in MEASURED_FIELDS)]


# One applier per section: each writes the section's answers onto the nomination, cleaned
# (spaces trimmed, cut to the columns' sizes, blank rows left out) but not checked.


def _apply_organisation(nomination: Nomination, data: dict[str, Any]) -> None:
    """The organisation, its contact, its region (one of REGIONS or none) and up to MAX_PARTNERS partners."""
    nomination.organisation_name = _clip(data.get("organisation_name"), 200)
    nomination.contact_name = _clip(data.get("contact_name"), 200)
    nomination.contact_email = _clip(data.get("contact_email"), 254)
    nomination.contact_phone = _clip(data.get("contact_phone"), 40)
    region = data.get("region")
    nomination.region = str(region) if region in REGIONS else ""
    partners = _named_partners(data)[:MAX_PARTNERS]
    nomination.partners = [
        NominationPartner(name=_clip(p["name"], 200), is_supplier=bool(p.get("is_supplier")), position=i)
        for i, p in enumerate(partners)
    ]


def _apply_project(nomination: Nomination, data: dict[str, Any]) -> None:
    """The project's title and public summary."""
    nomination.title = _clip(data.get("title"), 200)
    nomination.summary = _text(data, "summary")


def _apply_trends(nomination: Nomination, data: dict[str, Any]) -> None:
    """The trends chosen among those the cycle offers, in the order given; a link the nomination
    already has is kept (and updated), so it is changed rather than replaced."""
    offered = {t.id: t for t in nomination.cycle.trends}
    existing = {link.trend_id: link for link in nomination.trend_links}
    links: list[NominationTrend] = []
    linked: set[int] = set()
    for i, item in enumerate(data.get("links") or []):
        trend = offered.get(item.get("trend_id"))
        if trend is None or trend.id in linked:
            continue  # one link per trend (uq_nomination_trends_nomination_id_trend_id)
        link = existing.get(trend.id) or NominationTrend(trend=trend)
        link.is_primary = bool(item.get("is_primary"))
        link.how_addressed = _text(item, "how_addressed")
        link.position = i
        links.append(link)
        linked.add(trend.id)
    nomination.trend_links = links


def _narrative_applier(section: str) -> Applier:
    """The applier of a section that is one piece of writing, kept in the attribute of its name."""

    def apply(nomination: Nomination, data: dict[str, Any]) -> None:
        setattr(nomination, section, _text(data, section))

    apply.__doc__ = f"The {section}, in words."
    return apply


def _apply_outcomes(nomination: Nomination, data: dict[str, Any]) -> None:
    """The outcomes in words and up to MAX_MEASURED_OUTCOMES measured outcomes."""
    nomination.outcomes_narrative = _text(data, "outcomes_narrative")
    rows = _filled_measured_rows(data)[:MAX_MEASURED_OUTCOMES]
    nomination.measured_outcomes = [
        MeasuredOutcome(
            metric=_clip(r.get("metric"), 200),
            baseline=_clip(r.get("baseline"), 200),
            result=_clip(r.get("result"), 200),
            measured_on=_clip(r.get("measured_on"), 40),
            position=i,
        )
        for i, r in enumerate(rows)
    ]


def _apply_lessons(nomination: Nomination, data: dict[str, Any]) -> None:
    """Unintended consequences and lessons."""
    nomination.unintended_consequences = _text(data, "unintended_consequences")
    nomination.lessons = _text(data, "lessons")


def _apply_documents(nomination: Nomination, data: dict[str, Any]) -> None:
    """Nothing: documents are added and removed one by one as they are uploaded (attachments)."""


def _apply_declarations(nomination: Nomination, data: dict[str, Any]) -> None:
    """The three declarations, each yes or no."""
    nomination.declares_accurate = bool(data.get("declares_accurate"))
    nomination.consents_to_publish = bool(data.get("consents_to_publish"))
    nomination.declares_authorised = bool(data.get("declares_authorised"))


SECTION_APPLIERS: dict[str, Applier] = {
    "organisation": _apply_organisation,
    "project": _apply_project,
    "trends": _apply_trends,
    "challenge": _narrative_applier("challenge"),
    "approach": _narrative_applier("approach"),
    "outcomes": _apply_outcomes,
    "lessons": _apply_lessons,
    "documents": _apply_documents,
    "declarations": _apply_declarations,
}


def _apply(nomination: Nomination, section: str, data: dict[str, Any]) -> None:
    """Write a section's answers onto the nomination (a section without answers of its own: nothing)."""
    applier = SECTION_APPLIERS.get(section)
    if applier is not None:
        applier(nomination, data)


def _without_empty_rows(section: str, data: dict[str, Any]) -> dict[str, Any]:
    """The answers without the partner or measured-outcome rows left blank, so they are neither
    checked nor saved."""
    if section == "outcomes":
        return dict(data, measured=_filled_measured_rows(data))
    if section == "organisation":
        return dict(data, partners=_named_partners(data))
    return data


def save_section(
    nomination: Nomination, section: str, data: dict[str, Any], *, by: User, based_on: str | None
) -> Problems:
    """Save a section's answers and return what is still wrong with them.

    A draft keeps whatever was typed, even with problems, so nothing is lost; a submitted
    nomination only takes answers without problems, so it stays complete. `based_on` is the
    section_hash the form was loaded with: if the section changed since, SectionConflict.
    """
    if section not in SECTION_BY_KEY:
        raise KeyError(section)
    _check_can_edit(nomination, by)
    current_hash = section_hash(nomination, section)
    if based_on is not None and based_on != current_hash:
        raise SectionConflict(section_data(nomination, section), current_hash)
    data = _without_empty_rows(section, data)
    problems = check_section(nomination.cycle, section, data)
    submitted = nomination.status is NominationStatus.SUBMITTED
    if submitted and problems:
        return problems
    _apply(nomination, section, data)
    db.session.flush()
    changed = section_hash(nomination, section) != current_hash
    first_save = section not in nomination.touched
    nomination.mark_touched(section)
    if changed or first_save:
        nomination.updated_at = utcnow()
        action = "nomination.edited_after_submission" if submitted else "nomination.section_saved"
        audit.record(action, actor=by, obj=nomination, section=section)
    db.session.flush()
    return problems


def submit(nomination: Nomination, *, by: User, now: datetime | None = None) -> None:
    """Submit a complete draft before the close instant (checked now, on the server); e-mails a confirmation."""
    now = now or utcnow()
    if not is_owner(nomination, by):
        raise NotAllowed("Only the person who made this nomination can submit it")
    if nomination.status is not NominationStatus.DRAFT:
        raise Conflict("This nomination has already been submitted")
    if not accepts_nominations(nomination.cycle, now):
        raise NotAllowed(f"Nominations for {nomination.cycle.name} have closed")
    if not by.email_verified:
        raise NotAllowed("Confirm your email address before you submit: we sent you a link when you registered")
    if not is_complete(nomination):
        raise DomainError("Complete every section before you submit the nomination")
    nomination.status = NominationStatus.SUBMITTED
    nomination.submitted_at = now
    nomination.updated_at = now
    audit.record("nomination.submitted", actor=by, obj=nomination)
    queue_email(
        to_address=by.email,
        to_name=by.name,
        template="nomination_submitted",
        subject=f"Nomination received: {nomination.reference}",
        nomination=nomination,
        cycle=nomination.cycle,
    )


def withdraw(nomination: Nomination, *, by: User, now: datetime | None = None) -> None:
    """Withdraw a submitted nomination (or abandon a draft) before the close instant."""
    if not is_owner(nomination, by):
        raise NotAllowed("Only the person who made this nomination can withdraw it")
    if nomination.status not in (NominationStatus.DRAFT, NominationStatus.SUBMITTED):
        raise Conflict(f"This nomination is {nomination.status.label.lower()}, so it cannot be withdrawn")
    if not accepts_nominations(nomination.cycle, now):
        raise NotAllowed("Nominations have closed, so it can no longer be withdrawn here: contact the organisers")
    now = now or utcnow()
    was = nomination.status
    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_at = now
    nomination.updated_at = now
    audit.record("nomination.withdrawn", actor=by, obj=nomination, was=was.value)
