"""Award cycles: creation with sensible defaults, edits, categories, state changes
guarded by the dates, and copying a cycle to start next year's."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotFound
from awards.domain.core.text import slugify, unique_slug
from awards.domain.programme import default_translations, entry_forms
from awards.domain.programme.taxonomy import default_taxonomy, trends_by_code
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.models import (
    Category,
    Criterion,
    Cycle,
    CycleStatus,
    JudgingRound,
    Nomination,
    NominationStatus,
    RoundEntries,
    RoundMode,
    Trend,
    TrendGroup,
    User,
)
from awards.models.rounds import FIRST_ROUND_NAME

# Which state may follow which; the dates add their own guard (see `transition`).
TRANSITIONS: dict[CycleStatus, tuple[CycleStatus, ...]] = {
    CycleStatus.DRAFT: (CycleStatus.OPEN,),
    CycleStatus.OPEN: (CycleStatus.CLOSED, CycleStatus.DRAFT),
    CycleStatus.CLOSED: (CycleStatus.JUDGING, CycleStatus.OPEN),
    CycleStatus.JUDGING: (CycleStatus.PUBLISHED, CycleStatus.CLOSED),
    CycleStatus.PUBLISHED: (CycleStatus.JUDGING,),
}

# Each move is one decision, made by one function. Most are a plain change of state (`transition`);
# these do more than change the state, so they have a function of their own and `transition` refuses
# them: closing nominations (the closing instant becomes now if it has not come yet), publishing the
# results (statuses, e-mails, impact cases) and withdrawing them (all of that undone).
OWN_FUNCTIONS: dict[tuple[CycleStatus, CycleStatus], str] = {
    (CycleStatus.OPEN, CycleStatus.CLOSED): "awards.domain.programme.cycles.close_nominations",
    (CycleStatus.JUDGING, CycleStatus.PUBLISHED): "awards.domain.results.shortlists.publish",
    (CycleStatus.PUBLISHED, CycleStatus.JUDGING): "awards.domain.results.shortlists.withdraw_results",
}

MIN_YEAR, MAX_YEAR = 2000, 2100
_PREFIX = re.compile(r"[A-Z0-9]{1,12}")

ENTRY_RULE_FIELDS = (
    "trends_min",
    "trends_max",
    "judges_per_nomination",
    "judge_max_load",
)
# Of those, the ones that are the first judging round's (models/rounds.py): the cycle's form and
# `create_cycle` / `update_cycle` still take them, and read and write the cycle's first round.
ROUND_RULE_FIELDS = ("judges_per_nomination", "judge_max_load")
# The first round's other settings `create_cycle` and `update_cycle` take, by the names they had on the
# cycle → the round's own names.
ROUND_SETTING_NAMES = {"judging_close_at": "closes_at", "blind_judging": "blind"}
# The first round's name (domain/judging/rounds.py works with the rounds once they exist; this
# package sits below it, so the first round is made here).
# How results are combined: the round's, taken by `create_cycle` for its first round.
RESULTS_SETTING_FIELDS = ("aggregation_method", "ranking_basis", "disagreement_range", "disagreement_sd")
# Everything about a round `copy_cycle` carries to next year's cycle (not its dates, panel or entries).
COPIED_ROUND_FIELDS = (
    "number",
    "name",
    "entries",
    "mode",
    "ranking_method",
    "blind",
    "judges_per_nomination",
    "judge_max_load",
    "whole_panel",
    "is_final",
    *RESULTS_SETTING_FIELDS,
    "feedback_with_scores",
)
# Limits a new cycle's default form starts with (they then live in its questions: entry_forms).
FORM_RULE_FIELDS = ("summary_word_limit", "section_word_limit", "attachments_max_count", "attachments_max_mb")


def accepts_nominations(cycle: Cycle, now: datetime | None = None) -> bool:
    """Open, and the instant is within [open, close): at the close instant it is already closed."""
    now = now or utcnow()
    return cycle.status is CycleStatus.OPEN and cycle.nominations_open_at <= now < cycle.nominations_close_at


def open_cycles(now: datetime | None = None) -> list[Cycle]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.status == CycleStatus.OPEN, Cycle.nominations_open_at <= now, Cycle.nominations_close_at > now)
            .order_by(Cycle.nominations_close_at)
        )
    )


def get_cycle(slug: str) -> Cycle:
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug))
    if cycle is None:
        raise NotFound(_("No such cycle"))
    return cycle


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DomainError(_("Enter a time zone such as Europe/London"), field="time_zone") from None
    return name


def local_instant(day: date, at: time, time_zone: str) -> datetime:
    """The UTC instant of a wall-clock date and time in the time zone.

    A time the clocks skip (when they go forward) does not exist there and is refused;
    in the hour that repeats when they go back, the first of the two is meant.
    """
    zone = ZoneInfo(check_time_zone(time_zone))
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(
            _(
                "That time does not exist in %(time_zone)s on that day because the clocks go forward: "
                "choose a time an hour later",
                time_zone=time_zone,
            )
        )
    return instant


def next_year(instant: datetime | None, time_zone: str) -> datetime | None:
    """The same wall-clock date and time a year later in the time zone (29 February becomes 28)."""
    if instant is None:
        return None
    local = instant.astimezone(ZoneInfo(time_zone))
    try:
        day = local.date().replace(year=local.year + 1)
    except ValueError:
        day = local.date().replace(year=local.year + 1, day=28)
    # A wall-clock time the clocks skip that day is read with the offset before the change.
    return datetime.combine(day, local.time(), tzinfo=local.tzinfo).astimezone(UTC)


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            _("Enter a year between %(min_year)s and %(max_year)s", min_year=MIN_YEAR, max_year=MAX_YEAR), field="year"
        )


def _clean_prefix(prefix: str | None) -> str:
    prefix = (prefix or "").strip().upper()
    if not _PREFIX.fullmatch(prefix):
        raise DomainError(_("Reference prefix must be 1 to 12 letters or numbers, like PSDA"), field="reference_prefix")
    return prefix


# References are PREFIX-YEAR-0001 (domain/nominations/entries.py `issue_reference`), counted per cycle: two
# cycles with the same prefix and year would hand out the same references. The database refuses it
# (uq_cycles_reference_prefix_year); these say so first, in words, and offer a free prefix instead.
DEFAULT_PREFIX = "PSDA"


def cycle_using_prefix(prefix: str, year: int, exclude_id: int | None = None) -> Cycle | None:
    """The cycle that already numbers its references PREFIX-YEAR-…, if there is one."""
    query = select(Cycle).where(func.upper(Cycle.reference_prefix) == prefix.upper(), Cycle.year == year)
    if exclude_id is not None:
        query = query.where(Cycle.id != exclude_id)
    return db.session.scalar(query.limit(1))


def free_reference_prefix(year: int, preferred: str = DEFAULT_PREFIX, exclude_id: int | None = None) -> str:
    """`preferred` if no other cycle of `year` uses it, else the first free of PREFIX2, PREFIX3, …
    (shortened to stay within 12 characters)."""
    preferred = _clean_prefix(preferred)
    used = {
        p.upper()
        for p in db.session.scalars(
            select(Cycle.reference_prefix).where(Cycle.year == year, *([Cycle.id != exclude_id] if exclude_id else []))
        )
    }
    if preferred not in used:
        return preferred
    n = 2
    while True:
        suffix = str(n)
        candidate = preferred[: 12 - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        n += 1


def _check_prefix_free(prefix: str, year: int, exclude_id: int | None = None) -> None:
    other = cycle_using_prefix(prefix, year, exclude_id)
    if other is not None:
        raise Conflict(
            _(
                "%(name)s already uses the reference prefix %(prefix)s for %(year)s: enter a different "
                "prefix, like %(value)s",
                name=other.name,
                prefix=prefix,
                year=year,
                value=free_reference_prefix(year, prefix, exclude_id),
            ),
            field="reference_prefix",
        )


def _check_reference_change(cycle: Cycle, prefix: str, year: int) -> None:
    """A new prefix or year must be free; neither may change once the cycle has handed out references
    (they are in e-mails and on nominees' pages, and the old ones would no longer be the cycle's)."""
    prefix_changed = prefix.upper() != (cycle.reference_prefix or "").upper()
    if not prefix_changed and year == cycle.year:
        return
    if cycle.last_reference_number:
        example = f"{cycle.reference_prefix}-{cycle.year}-0001"
        if prefix_changed:
            raise DomainError(
                _(
                    "The reference prefix cannot change: nominations already have references like %(example)s",
                    example=example,
                ),
                field="reference_prefix",
            )
        raise DomainError(
            _("The year cannot change: nominations already have references like %(example)s", example=example),
            field="year",
        )
    _check_prefix_free(prefix, year, exclude_id=cycle.id)


def _check_offerable(trends: list[Trend], already: list[Trend] | tuple = ()) -> None:
    """Retired trends are not offered anew; one a cycle already offers may stay."""
    kept = {t.id for t in already}
    retired = [t for t in trends if t.is_retired and t.id not in kept]
    if retired:
        names = ", ".join(t.name for t in retired)
        raise DomainError(
            ngettext(
                "%(names)s is retired and cannot be offered",
                "%(names)s are retired and cannot be offered",
                len(retired),
                names=names,
            ),
            field="trend_ids",
        )


def _check_dates(open_at: datetime, close_at: datetime, judging_close_at: datetime | None) -> None:
    if close_at <= open_at:
        raise DomainError(_("The closing date must be after the opening date"), field="nominations_close_at")
    if judging_close_at is not None and judging_close_at <= close_at:
        raise DomainError(_("Judging must close after nominations close"), field="judging_close_at")


def _check_rules(rules: dict[str, Any]) -> None:
    if rules.get("trends_min", 1) < 1:
        raise DomainError(_("Nominations must address at least 1 trend"), field="trends_min")
    if rules.get("trends_max", 3) < rules.get("trends_min", 1):
        raise DomainError(_("The most trends must be at least the fewest"), field="trends_max")
    for name in ENTRY_RULE_FIELDS + FORM_RULE_FIELDS:
        if name in rules and rules[name] is not None and rules[name] < 1:
            raise DomainError(_("Enter a whole number of 1 or more"), field=name)


def unique_cycle_slug(base: str, exclude_id: int | None = None) -> str:
    return unique_slug(Cycle.slug, base, exclude_id)


def default_trends() -> list[Trend]:
    """The digital and technology trends that are not retired (the societal group is optional)."""
    return list(
        db.session.scalars(
            select(Trend)
            .where(Trend.retired_at.is_(None), Trend.group.in_([TrendGroup.DIGITAL, TrendGroup.TECHNOLOGY]))
            .order_by(Trend.position)
        )
    )


def default_categories() -> list[dict[str, Any]]:
    """The categories a new cycle may start with (the project's seed data), each with its slug."""
    return [{**item, "slug": slugify(item["name"])} for item in default_taxonomy()["categories"]]


def _add_default_categories(cycle: Cycle, chosen: list[str] | None = None) -> None:
    """Add the default categories whose slugs are in `chosen` (all of them when it is None)."""
    offered = default_categories()
    if chosen is not None:
        unknown = set(chosen) - {item["slug"] for item in offered}
        if unknown:
            raise DomainError(_("Select only categories from the list"), field="categories")
        offered = [item for item in offered if item["slug"] in set(chosen)]
    codes = trends_by_code()
    for position, item in enumerate(offered):
        category = Category(
            name=default_translations.default_words("categories", item["name"], "name"),
            slug=item["slug"],
            description=default_translations.default_words("categories", item["name"], "description"),
            shortlist_size=6,
            position=position,
        )
        category.trends = [codes[c] for c in item.get("trends", []) if c in codes]
        cycle.categories.append(category)


def _add_default_criteria(cycle: Cycle, judging_round: JudgingRound) -> None:
    data = default_taxonomy()
    for position, item in enumerate(data["criteria"]):
        judging_round.criteria.append(
            Criterion(
                cycle=cycle,
                name=default_translations.default_words("criteria", item["name"], "name"),
                description=default_translations.default_words("criteria", item["name"], "description"),
                weight=item["weight"],
                scale_min=data["scale"]["min"],
                scale_max=data["scale"]["max"],
                rubric=default_translations.default_rubric(),
                allow_not_applicable=False,
                position=position,
            )
        )


def default_entry_rules() -> dict[str, int]:
    """The entry rules a new cycle starts with, from the project's seed data."""
    entry_rules = default_taxonomy()["entry_rules"]
    return {
        "summary_word_limit": entry_rules["public_summary_words"],
        "section_word_limit": entry_rules["statement_section_words"],
        "trends_min": entry_rules["trends_min"],
        "trends_max": entry_rules["trends_max"],
        "attachments_max_count": entry_rules["max_attachments"],
        "attachments_max_mb": entry_rules["max_attachment_mb"],
        "judges_per_nomination": entry_rules["judges_per_nomination"],
        "judge_max_load": 20,
    }


def create_cycle(
    *,
    name: str,
    year: int,
    nominations_open_at: datetime,
    nominations_close_at: datetime,
    judging_close_at: datetime | None = None,
    slug: str | None = None,
    description: str = "",
    time_zone: str = "Europe/London",
    trend_ids: list[int] | None = None,
    reference_prefix: str | None = None,
    with_defaults: bool = True,
    categories: list[str] | None = None,
    form: dict[str, Any] | None = None,
    blind_judging: bool = True,
    by: User | None = None,
    **rules: Any,
) -> Cycle:
    """A new draft cycle; by default it offers the current digital and technology trends and
    has the default categories and criteria, which the organiser then adjusts. `categories` picks
    default categories by slug (None: all of them; an empty list: none, to be added later).

    The cycle judges in one round to start with ("Judging", scored, every eligible entry), which holds the
    criteria and the judging settings given: `judging_close_at` (its closing instant), `blind_judging`,
    `judges_per_nomination`, `judge_max_load` and how its results are combined (aggregation_method,
    ranking_basis, disagreement_range, disagreement_sd).

    The reference prefix must be free for the year; without one, the cycle gets PSDA or, if
    another cycle of the year has that, the first free PSDA2, PSDA3, …

    The entry form is `form` (a definition: entry_forms.definition_of, or a template's) or the
    default form with the limits given (summary_word_limit, section_word_limit,
    attachments_max_count, attachments_max_mb)."""
    if not name.strip():
        raise DomainError(_("Enter a name for the cycle"), field="name")
    _check_year(year)
    check_time_zone(time_zone)
    _check_dates(nominations_open_at, nominations_close_at, judging_close_at)
    if reference_prefix is None:
        reference_prefix = free_reference_prefix(year)
    reference_prefix = _clean_prefix(reference_prefix)
    _check_prefix_free(reference_prefix, year)
    defaults = default_entry_rules()
    defaults.update({k: v for k, v in rules.items() if k in ENTRY_RULE_FIELDS + FORM_RULE_FIELDS and v is not None})
    _check_rules(defaults)
    form_rules = {k: defaults.pop(k) for k in FORM_RULE_FIELDS}
    round_settings = {k: defaults.pop(k) for k in ROUND_RULE_FIELDS}
    round_settings.update({k: v for k, v in rules.items() if k in RESULTS_SETTING_FIELDS and v is not None})
    slug = slugify(slug) if slug else unique_cycle_slug(f"{name}")
    if db.session.scalar(select(Cycle.id).where(Cycle.slug == slug)):
        raise Conflict(_("The web address %(slug)s is already used by another cycle", slug=slug), field="slug")
    now = utcnow()
    cycle = Cycle(
        name=name.strip(),
        year=year,
        slug=slug,
        description=description.strip(),
        time_zone=time_zone,
        nominations_open_at=nominations_open_at,
        nominations_close_at=nominations_close_at,
        status=CycleStatus.DRAFT,
        reference_prefix=reference_prefix,
        last_reference_number=0,
        created_at=now,
        updated_at=now,
        **defaults,
    )
    first = JudgingRound(
        number=1,
        name=FIRST_ROUND_NAME,
        entries=RoundEntries.ELIGIBLE,
        mode=RoundMode.SCORES,
        closes_at=judging_close_at,
        blind=bool(blind_judging),
        created_at=now,
        updated_at=now,
        **round_settings,
    )
    cycle.rounds.append(first)
    if trend_ids is None:
        trends = default_trends()
    else:
        trends = _trends_by_ids(trend_ids)
        _check_offerable(trends)
    cycle.trends = trends
    if with_defaults:
        _add_default_categories(cycle, categories)
        _add_default_criteria(cycle, first)
    db.session.add(cycle)
    db.session.flush()
    default_form = form is None
    if form is None:
        form = entry_forms.default_definition(
            summary_words=form_rules["summary_word_limit"],
            words=dict.fromkeys(entry_forms.NARRATIVE_KEYS, form_rules["section_word_limit"]),
            files_max_count=form_rules["attachments_max_count"],
            files_max_mb=form_rules["attachments_max_mb"],
        )
        form = default_translations.default_form(form)  # its texts in the service's default language
    entry_forms.install(cycle, form)
    # What it took from the defaults reads in the service's other languages too (not what an organiser typed).
    from_defaults: list[Any] = [*cycle.categories, *first.criteria] if with_defaults else []
    if default_form:
        from_defaults += default_translations.form_things(cycle)
    default_translations.add_to(from_defaults, by=by)
    audit.record("cycle.created", actor=by, obj=cycle, slug=cycle.slug)
    return cycle


UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "year",
        "slug",
        "description",
        "time_zone",
        "nominations_open_at",
        "nominations_close_at",
        "judging_close_at",
        "reference_prefix",
        "blind_judging",
        *ENTRY_RULE_FIELDS,
    }
)


def _trends_by_ids(trend_ids: list[int]) -> list[Trend]:
    """The trends with these ids, in the taxonomy's order."""
    return list(db.session.scalars(select(Trend).where(Trend.id.in_(trend_ids)).order_by(Trend.position)))


def _check_slug_change(cycle: Cycle, slug: str) -> None:
    """A new web address only while the cycle is a draft (once open it is in links people have),
    and one no other cycle uses."""
    if slug == cycle.slug:
        return
    if cycle.status is not CycleStatus.DRAFT:
        raise DomainError(_("The web address can only be changed while the cycle is a draft"), field="slug")
    if db.session.scalar(select(Cycle.id).where(Cycle.slug == slug, Cycle.id != cycle.id)):
        raise Conflict(_("The web address %(slug)s is already used by another cycle", slug=slug), field="slug")


def _cleaned_changes(cycle: Cycle, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields to change, tidied: words trimmed, the reference prefix cleaned, and the web
    address made a slug (a blank one keeps the present address, None leaves it out)."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"unknown cycle fields {unknown}")
    fields = dict(fields)
    if "name" in fields:
        fields["name"] = str(fields["name"]).strip()
    if "description" in fields:
        fields["description"] = str(fields["description"] or "").strip()
    if "reference_prefix" in fields:
        fields["reference_prefix"] = _clean_prefix(fields["reference_prefix"])
    if fields.get("slug") is not None:
        fields["slug"] = slugify(fields["slug"]) if str(fields["slug"]).strip() else cycle.slug
        _check_slug_change(cycle, fields["slug"])
    else:
        fields.pop("slug", None)
    return fields


def _check_details(cycle: Cycle, details: dict[str, Any]) -> None:
    """The cycle's details as they would be after the change: a name, a year, a reference that may
    change, a time zone, dates in order and entry rules that make sense."""
    if not str(details["name"]).strip():
        raise DomainError(_("Enter a name for the cycle"), field="name")
    _check_year(details["year"])
    _check_reference_change(cycle, details["reference_prefix"], details["year"])
    check_time_zone(details["time_zone"])
    _check_dates(details["nominations_open_at"], details["nominations_close_at"], details["judging_close_at"])
    _check_rules({k: details[k] for k in ENTRY_RULE_FIELDS})


def _round_field(key: str) -> str | None:
    """The first round's attribute a cycle field is (None: the cycle's own)."""
    if key in ROUND_RULE_FIELDS:
        return key
    return ROUND_SETTING_NAMES.get(key)


def cycle_setting(cycle: Cycle, key: str) -> Any:
    """A field `update_cycle` takes, as it is now: the cycle's own, or its first round's (judging
    closes, blind judging, judges for each nomination, the most one judge scores)."""
    attribute = _round_field(key)
    if attribute is None:
        return getattr(cycle, key)
    return getattr(cycle.rounds[0], attribute)


def update_cycle(cycle: Cycle, *, by: User | None = None, trend_ids: list[int] | None = None, **fields: Any) -> None:
    """Change a cycle's details, dates, trends and entry rules. The web address can change only
    while the cycle is a draft, since once open it is in links people have. The judging fields
    (judging_close_at, blind_judging, judges_per_nomination, judge_max_load) are its first round's."""
    fields = _cleaned_changes(cycle, fields)
    _check_details(cycle, {k: fields.get(k, cycle_setting(cycle, k)) for k in UPDATABLE_FIELDS})
    new_trends = None
    if trend_ids is not None:
        new_trends = _trends_by_ids(trend_ids)
        _check_offerable(new_trends, already=cycle.trends)
    changed = sorted(k for k in fields if cycle_setting(cycle, k) != fields[k])
    first = cycle.rounds[0]
    for key in changed:
        attribute = _round_field(key)
        if attribute is None:
            setattr(cycle, key, fields[key])
        else:
            setattr(first, attribute, fields[key])
            first.updated_at = utcnow()
    if new_trends is not None and {t.id for t in new_trends} != {t.id for t in cycle.trends}:
        cycle.trends = new_trends
        changed.append("trends")
    if changed:
        cycle.updated_at = utcnow()
        audit.record("cycle.updated", actor=by, obj=cycle, fields=changed)


def check_transition(cycle: Cycle, to: CycleStatus, now: datetime | None = None) -> None:
    """Raise the reason the cycle cannot move to `to` now, if there is one."""
    now = now or utcnow()
    if to not in TRANSITIONS[cycle.status]:
        raise Conflict(
            _(
                "A cycle that is %(now)s cannot become %(to)s",
                now=cycle.status.label.lower(),
                to=to.label.lower(),
            )
        )
    if cycle.personal_data_purged_at is not None:
        # Its contact details, documents and judges' comments are gone for good: judging again (or taking
        # nominations again) would put what is left in front of judges, and the purge cannot be undone.
        raise Conflict(
            _(
                "Personal data has been removed from %(name)s, so it cannot become %(status)s again. Its "
                "state can no longer change.",
                name=NameShown(cycle),
                status=to.label.lower(),
            )
        )
    if to is CycleStatus.OPEN and now >= cycle.nominations_close_at:
        raise DomainError(
            _("The closing date has passed: move it later before opening the cycle"), field="nominations_close_at"
        )
    if to is CycleStatus.CLOSED and cycle.status is CycleStatus.OPEN and now < cycle.nominations_open_at:
        raise DomainError(
            _("Nominations have not started yet: move the cycle back to draft instead of closing it"),
            field="nominations_open_at",
        )
    if not cycle.categories and to is CycleStatus.OPEN:
        raise DomainError(_("Add at least one category before opening the cycle"), field="categories")
    if not cycle.trends and to is CycleStatus.OPEN:
        raise DomainError(_("Choose the trends the cycle offers before opening it"), field="trend_ids")


def transition(cycle: Cycle, to: CycleStatus, *, by: User | None = None, now: datetime | None = None) -> None:
    """Move the cycle to another state, if that state may follow and the dates allow it. The moves in
    OWN_FUNCTIONS are refused: they are made only by their own function."""
    now = now or utcnow()
    check_transition(cycle, to, now)
    if (cycle.status, to) in OWN_FUNCTIONS:
        raise Conflict(str(_OWN_FUNCTION_MESSAGES[(cycle.status, to)]))
    previous = cycle.status
    cycle.status = to
    cycle.updated_at = now
    audit.record("cycle.status_changed", actor=by, obj=cycle, **{"from": previous.value, "to": to.value})


_OWN_FUNCTION_MESSAGES = {
    (CycleStatus.OPEN, CycleStatus.CLOSED): _l(
        "Close nominations with “Close nominations”, which also sets the closing time"
    ),
    (CycleStatus.JUDGING, CycleStatus.PUBLISHED): _l(
        "Publish the results from the results page: publishing changes the nominations’ results, e-mails the "
        "nominees and publishes the impact cases"
    ),
    (CycleStatus.PUBLISHED, CycleStatus.JUDGING): _l(
        "Withdraw the results with “Withdraw the results”, which also takes back the nominations’ results and the "
        "impact cases"
    ),
}


def close_nominations(cycle: Cycle, *, by: User | None = None, now: datetime | None = None) -> bool:
    """Close nominations: the cycle becomes closed and, if its closing instant has not come yet, that
    instant becomes now, so the dates say what happened. From then nobody can start, change, submit or
    withdraw a nomination (see `accepts_nominations`). Returns whether it closed early."""
    now = now or utcnow()
    check_transition(cycle, CycleStatus.CLOSED, now)
    planned = cycle.nominations_close_at
    early = now < planned
    if early:
        cycle.nominations_close_at = now
    cycle.status = CycleStatus.CLOSED
    cycle.updated_at = now
    audit.record(
        "cycle.nominations_closed",
        actor=by,
        obj=cycle,
        closed_at=now.isoformat(),
        planned_close_at=planned.isoformat(),
        early=early,
    )
    return early


def nomination_counts_by_cycle() -> dict[int, dict[str, int]]:
    """For each cycle id: nominations in draft and received (submitted and not withdrawn)."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Nomination.cycle_id, Nomination.status, func.count(Nomination.id)).group_by(
            Nomination.cycle_id, Nomination.status
        )
    )
    for cycle_id, status, count in rows:
        entry = counts.setdefault(cycle_id, {"draft": 0, "received": 0, "withdrawn": 0})
        if status is NominationStatus.DRAFT:
            entry["draft"] += count
        elif status is NominationStatus.WITHDRAWN:
            entry["withdrawn"] += count
        else:
            entry["received"] += count
    return counts


def category_nomination_counts(cycle: Cycle) -> dict[int, int]:
    """Nominations of any status in each category of the cycle, by category id."""
    rows = db.session.execute(
        select(Nomination.category_id, func.count(Nomination.id))
        .where(Nomination.cycle_id == cycle.id)
        .group_by(Nomination.category_id)
    )
    return {category_id: count for category_id, count in rows}


def _category_trends(cycle: Cycle, trend_ids: list[int] | None, already: list[Trend] | tuple = ()) -> list[Trend]:
    """A category links only trends its cycle offers (or already linked ones, which it may keep)."""
    allowed = {t.id for t in cycle.trends} | {t.id for t in already}
    if any(i not in allowed for i in trend_ids or []):
        raise DomainError(_("Select only trends this cycle offers"), field="trend_ids")
    return list(db.session.scalars(select(Trend).where(Trend.id.in_(trend_ids or [])).order_by(Trend.position)))


def nomination_count(category: Category) -> int:
    return db.session.scalar(select(func.count(Nomination.id)).where(Nomination.category_id == category.id)) or 0


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _check_category_name_free(cycle: Cycle, name: str, category: Category | None = None) -> None:
    if any(_same_name(c.name, name) for c in cycle.categories if c is not category):
        raise Conflict(_("This cycle already has a category with that name"), field="name")


def _category_slug(cycle: Cycle, name: str, category: Category | None = None) -> str:
    """The category's web address in its cycle (unique there: uq_categories_cycle_id_slug). Names
    that differ may make the same one ("Data & AI", "Data AI"; names of emoji alone), so a number
    follows when it is taken; a category keeps its own when its name still gives it."""
    taken = {c.slug for c in cycle.categories if c is not category}
    base = slugify(name)
    if category is not None and slugify(category.name) == base and category.slug not in taken:
        return category.slug
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base[: 120 - len(str(n)) - 1]}-{n}", n + 1
    return slug


def add_category(
    cycle: Cycle,
    *,
    name: str,
    description: str = "",
    shortlist_size: int = 6,
    trend_ids: list[int] | None = None,
    by: User | None = None,
) -> Category:
    """Add a category to the cycle; its name must be new in the cycle."""
    if not name.strip():
        raise DomainError(_("Enter the category's name"), field="name")
    if shortlist_size < 1:
        raise DomainError(_("The shortlist must have at least 1 place"), field="shortlist_size")
    _check_category_name_free(cycle, name)
    slug = _category_slug(cycle, name)
    trends = _category_trends(cycle, trend_ids)
    category = Category(
        name=name.strip(),
        slug=slug,
        description=description.strip(),
        shortlist_size=shortlist_size,
        position=max((c.position for c in cycle.categories), default=-1) + 1,
    )
    category.trends = trends
    cycle.categories.append(category)
    db.session.flush()
    audit.record("category.added", actor=by, obj=category, cycle=cycle.slug)
    return category


def edit_category(
    category: Category,
    *,
    name: str,
    description: str,
    shortlist_size: int,
    trend_ids: list[int] | None = None,
    by: User | None = None,
) -> None:
    """Change a category's words, shortlist size and linked trends."""
    if not name.strip():
        raise DomainError(_("Enter the category's name"), field="name")
    if shortlist_size < 1:
        raise DomainError(_("The shortlist must have at least 1 place"), field="shortlist_size")
    _check_category_name_free(category.cycle, name, category)
    slug = _category_slug(category.cycle, name, category)
    trends = _category_trends(category.cycle, trend_ids, already=category.trends) if trend_ids is not None else None
    category.name, category.slug = name.strip(), slug
    category.description, category.shortlist_size = description.strip(), shortlist_size
    if trends is not None:
        category.trends = trends
    audit.record("category.edited", actor=by, obj=category)


def remove_category(category: Category, *, by: User | None = None) -> None:
    """Remove a category that has no nominations and that no part of the entry form is limited to (a
    section or question asked only of this category would be asked of nobody, or, its limit emptied, of
    everybody)."""
    if nomination_count(category):
        raise Conflict(_("This category has nominations, so it cannot be removed"))
    cycle = category.cycle
    limited = [s.title for s in entry_forms.sections_of(cycle) if category.id in (s.category_ids or [])] + [
        entry_forms.short_name(q) for q in entry_forms.questions_of(cycle) if category.id in (q.category_ids or [])
    ]
    if limited:
        names = ", ".join(f"‘{name}’" for name in limited[:3]) + (" and more" if len(limited) > 3 else "")
        raise Conflict(
            _(
                "Parts of the entry form are asked only of %(name)s (%(names)s): change them on the entry "
                "form first, then remove the category",
                name=NameShown(category),
                names=names,
            )
        )
    cycle.categories.remove(category)
    audit.record("category.removed", actor=by, object_type="categories", object_id=category.id, name=category.name)


def copy_cycle(
    source: Cycle,
    *,
    name: str,
    year: int,
    nominations_open_at: datetime,
    nominations_close_at: datetime,
    judging_close_at: datetime | None = None,
    reference_prefix: str | None = None,
    by: User | None = None,
) -> Cycle:
    """Start next year's cycle from this one: settings, trends still current, categories, every judging
    round with its settings and criteria (not its dates, panel, assignments or advancements; the first
    round closes at `judging_close_at`) and the entry form (its limits to categories carried to the
    copies of those categories).
    The reference prefix is the source's unless another is given (or the source's is taken for the year:
    then the first free one after it, as `free_reference_prefix` finds)."""
    if reference_prefix is None:
        reference_prefix = free_reference_prefix(year, source.reference_prefix)
    cycle = create_cycle(
        name=name,
        year=year,
        nominations_open_at=nominations_open_at,
        nominations_close_at=nominations_close_at,
        judging_close_at=judging_close_at,
        description=source.description,
        time_zone=source.time_zone,
        trend_ids=[t.id for t in source.trends if not t.is_retired],
        reference_prefix=reference_prefix,
        with_defaults=False,
        by=by,
        trends_min=source.trends_min,
        trends_max=source.trends_max,
    )
    for category in source.categories:
        copy = Category(
            name=category.name,
            slug=category.slug,
            description=category.description,
            shortlist_size=category.shortlist_size,
            position=category.position,
        )
        copy.trends = [t for t in category.trends if not t.is_retired]
        cycle.categories.append(copy)
    _copy_rounds(source, cycle)
    db.session.flush()
    same_category = {old.id: new.id for old, new in zip(source.categories, cycle.categories, strict=True)}
    default_translations.forget_cycle_form(cycle)  # the default form's, which the source's form replaces
    entry_forms.install(cycle, entry_forms.definition_of(source, with_categories=True), category_ids=same_category)
    default_translations.copy_translations(_copied_things(source, cycle), by=by)
    audit.record("cycle.copied", actor=by, obj=cycle, source=source.slug)
    return cycle


def _copied_things(source: Cycle, cycle: Cycle) -> list[tuple[Any, Any]]:
    """(thing of the source, its copy) for everything `copy_cycle` copies that has words to translate: the cycle
    itself (its description), its categories, its form's sections and questions, each round's criteria."""
    pairs: list[tuple[Any, Any]] = [(source, cycle)]
    pairs += zip(source.categories, cycle.categories, strict=True)
    for old_section, new_section in zip(entry_forms.sections_of(source), entry_forms.sections_of(cycle), strict=True):
        pairs.append((old_section, new_section))
        pairs += zip(old_section.questions, new_section.questions, strict=True)
    new_rounds = {judging_round.number: judging_round for judging_round in cycle.rounds}
    for old_round in source.rounds:
        pairs += zip(old_round.criteria, new_rounds[old_round.number].criteria, strict=True)
    return pairs


def _copy_rounds(source: Cycle, cycle: Cycle) -> None:
    """Give `cycle` a copy of each of the source's rounds, with its settings and criteria: the first
    round `create_cycle` made takes round 1's (keeping its closing instant), the later ones are added
    with no dates (the organiser sets them for the new year), no panel of their own beyond the whole
    panel setting, and no calibration entry (that was one of the source's nominations)."""
    first = cycle.rounds[0]
    for old in source.rounds:
        judging_round = first if old.number == 1 else JudgingRound(created_at=first.created_at)
        for name in COPIED_ROUND_FIELDS:
            setattr(judging_round, name, getattr(old, name))
        judging_round.updated_at = first.created_at
        if judging_round is not first:
            cycle.rounds.append(judging_round)
        for criterion in old.criteria:
            judging_round.criteria.append(
                Criterion(
                    cycle=cycle,
                    name=criterion.name,
                    description=criterion.description,
                    weight=criterion.weight,
                    scale_min=criterion.scale_min,
                    scale_max=criterion.scale_max,
                    rubric=list(criterion.rubric or []),
                    allow_not_applicable=criterion.allow_not_applicable,
                    position=criterion.position,
                )
            )
