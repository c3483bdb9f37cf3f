"""The trend taxonomy: seeding, organiser edits, retirement, JSON export and import."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotFound
from awards.domain.core.text import slugify, unique_slug
from awards.extensions import db
from awards.models import NominationTrend, Trend, TrendGroup, User, cycle_trends

EXPORT_FORMAT = "awards-trends/1"

# Column sizes (models/taxonomy.py), checked here so a long value is a clear error, not a database one.
MAX_CODE, MAX_NAME, MAX_SLUG, MAX_SOURCE = 16, 120, 140, 300


@lru_cache(maxsize=1)
def default_taxonomy() -> dict[str, Any]:
    """The project's own seed data: trends, categories, criteria, rubric, entry rules."""
    return json.loads(resources.files("awards.data").joinpath("default_taxonomy.json").read_text("utf-8"))


def group_sources() -> dict[str, str]:
    return {g["code"]: g["source"] for g in default_taxonomy()["trend_groups"]}


def trends_by_code() -> dict[str, Trend]:
    return {t.code: t for t in db.session.scalars(select(Trend))}


def seed_trends() -> int:
    """Add the default trends that are missing (by code), in the service's default language; return how many were
    added. Every trend that still reads as a default one gets the default's words in the service's other languages
    where it has none (default_translations)."""
    from awards.domain.programme import default_translations  # it reads this module's defaults

    existing = trends_by_code()
    taken = {t.slug for t in existing.values()}  # one read, not a query per trend (a new database adds them all)
    sources = group_sources()
    added = 0
    for position, item in enumerate(default_taxonomy()["trends"]):
        if item["code"] in existing:
            continue
        slug = base = slugify(item["name"], 120)  # as unique_slug cuts it
        n = 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        db.session.add(
            Trend(
                code=item["code"],
                group=TrendGroup(item["group"]),
                name=default_translations.default_words("trends", item["code"], "name"),
                slug=slug,
                description=default_translations.default_words("trends", item["code"], "description"),
                source=item.get("source") or sources.get(item["group"], ""),
                position=position,
            )
        )
        added += 1
    db.session.flush()
    default_translations.add_to_trends()
    return added


def unique_trend_slug(name: str, exclude_id: int | None = None) -> str:
    return unique_slug(Trend.slug, name, exclude_id)


def get_trend(slug: str) -> Trend:
    trend = db.session.scalar(select(Trend).where(Trend.slug == slug))
    if trend is None:
        raise NotFound(_("No such trend"))
    return trend


def cycles_offering_counts() -> dict[int, int]:
    """How many cycles offer each trend, by trend id (trends no cycle offers are absent)."""
    rows = db.session.execute(
        select(cycle_trends.c.trend_id, func.count(cycle_trends.c.cycle_id)).group_by(cycle_trends.c.trend_id)
    )
    return {trend_id: count for trend_id, count in rows}


def nominations_carrying_count(trend: Trend) -> int:
    return db.session.scalar(select(func.count(NominationTrend.id)).where(NominationTrend.trend_id == trend.id)) or 0


def _check_fields(code: str, name: str, group: str, source: str = "") -> None:
    if not code or len(code) > MAX_CODE:
        raise DomainError(_("Enter a code of %(max_code)s characters or fewer", max_code=MAX_CODE), field="code")
    if not name:
        raise DomainError(_("Enter the trend's name"), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_("Name must be %(max_name)s characters or fewer", max_name=MAX_NAME), field="name")
    if group not in {g.value for g in TrendGroup}:
        raise DomainError(_("Select a group"), field="group")
    if len(source) > MAX_SOURCE:
        raise DomainError(_("Source must be %(max_source)s characters or fewer", max_source=MAX_SOURCE), field="source")


def add_trend(
    *,
    code: str,
    name: str,
    group: str,
    description: str = "",
    source: str = "",
    slug: str | None = None,
    by: User | None = None,
) -> Trend:
    """Add a trend; its code and slug must be new."""
    code = code.strip().upper()
    _check_fields(code, name.strip(), group, source.strip())
    if db.session.scalar(select(Trend.id).where(Trend.code == code)):
        raise Conflict(_("There is already a trend with the code %(code)s", code=code), field="code")
    slug = slugify(slug) if slug else unique_trend_slug(name)
    if db.session.scalar(select(Trend.id).where(Trend.slug == slug)):
        raise Conflict(_("There is already a trend with the web address %(slug)s", slug=slug), field="slug")
    position = (db.session.scalar(select(func.max(Trend.position))) or 0) + 1
    trend = Trend(
        code=code,
        name=name.strip(),
        group=TrendGroup(group),
        slug=slug,
        description=description.strip(),
        source=source.strip(),
        position=position,
    )
    db.session.add(trend)
    db.session.flush()
    audit.record("trend.added", actor=by, obj=trend, code=code)
    return trend


def edit_trend(trend: Trend, *, name: str, group: str, description: str, source: str, by: User | None = None) -> None:
    """Change a trend's words. Its code and slug stay, so links to it keep working."""
    _check_fields(trend.code, name.strip(), group, source.strip())
    trend.name, trend.group = name.strip(), TrendGroup(group)
    trend.description, trend.source = description.strip(), source.strip()
    audit.record("trend.edited", actor=by, obj=trend)


def retire_trend(trend: Trend, *, by: User | None = None) -> None:
    """Stop offering the trend to new cycles; nominations and impact cases keep it."""
    if trend.retired_at is None:
        trend.retired_at = utcnow()
        audit.record("trend.retired", actor=by, obj=trend)


def restore_trend(trend: Trend, *, by: User | None = None) -> None:
    """Offer the trend to new cycles again."""
    if trend.retired_at is not None:
        trend.retired_at = None
        audit.record("trend.restored", actor=by, obj=trend)


def export_trends() -> dict[str, Any]:
    """The whole taxonomy as JSON-ready data that import_trends reads back."""
    trends = db.session.scalars(select(Trend).order_by(Trend.position, Trend.id)).all()
    return {
        "format": EXPORT_FORMAT,
        "trends": [
            {
                "code": t.code,
                "group": t.group.value,
                "name": t.name,
                "slug": t.slug,
                "description": t.description,
                "source": t.source,
                "position": t.position,
                "retired": t.is_retired,
            }
            for t in trends
        ],
    }


IMPORT_TEXT_FIELDS = ("code", "name", "slug", "description", "source", "group")


def _check_export_format(data: Any) -> None:
    """The file is a trend export at all: {"format": EXPORT_FORMAT, "trends": [...]}."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or not isinstance(data.get("trends"), list):
        raise DomainError(
            _(
                'The file is not a trend export: expected {"format": "%(export_format)s", "trends": [...]}',
                export_format=EXPORT_FORMAT,
            )
        )


def _code_problems(code: str, seen_codes: set[str]) -> list[str]:
    """A trend's code is given, fits its column and is not already in the file (it is recorded as seen)."""
    problems = []
    if not code or len(code) > MAX_CODE:
        problems.append(f"code missing or longer than {MAX_CODE} characters")
    elif code in seen_codes:
        problems.append(f"code {code} appears twice")
    seen_codes.add(code)
    return problems


def _name_problems(name: str) -> list[str]:
    """A trend's name is given and fits its column."""
    if not name:
        return ["name missing"]
    if len(name) > MAX_NAME:
        return [f"name longer than {MAX_NAME} characters"]
    return []


def _value_problems(item: dict[str, Any]) -> list[str]:
    """A trend's group is one of TrendGroup, its source fits, its position is a whole number and
    its retired flag true or false."""
    groups = {g.value for g in TrendGroup}
    problems = []
    if item.get("group") not in groups:
        problems.append(f"group must be one of {', '.join(sorted(groups))}")
    if len((item.get("source") or "").strip()) > MAX_SOURCE:
        problems.append(f"source longer than {MAX_SOURCE} characters")
    position = item.get("position")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
        problems.append("position must be a whole number")
    if not isinstance(item.get("retired", False), bool):
        problems.append("retired must be true or false")
    return problems


def _slug_problems(slug: str, seen_slugs: set[str]) -> list[str]:
    """A trend's web address is not already in the file (it is recorded as seen)."""
    problems = [f"web address {slug} appears twice"] if slug in seen_slugs else []
    seen_slugs.add(slug)
    return problems


def _trend_problems(i: int, item: Any, seen_codes: set[str], seen_slugs: set[str]) -> list[str]:
    """What is wrong with the i-th trend of the file (counted from 1), each problem saying which trend."""
    if not isinstance(item, dict):
        return [f"trend {i}: not an object"]
    wrong = [k for k in IMPORT_TEXT_FIELDS if item.get(k) is not None and not isinstance(item[k], str)]
    if wrong:
        return [f"trend {i}: {', '.join(wrong)} must be text"]
    code = (item.get("code") or "").strip().upper()
    name = (item.get("name") or "").strip()
    slug = slugify(item.get("slug") or name, max_length=MAX_SLUG)
    problems = [f"trend {i}: {problem}" for problem in _code_problems(code, seen_codes)]
    problems += [
        f"trend {i} ({code}): {problem}"
        for problem in (*_name_problems(name), *_value_problems(item), *_slug_problems(slug, seen_slugs))
    ]
    return problems


def _validate_import(data: Any) -> list[dict[str, Any]]:
    """The trends of an export, once every one is found right; otherwise a DomainError naming every
    problem in the file, so a bad file imports nothing."""
    _check_export_format(data)
    seen_codes: set[str] = set()
    seen_slugs: set[str] = set()
    problems: list[str] = []
    for i, item in enumerate(data["trends"], start=1):
        problems += _trend_problems(i, item, seen_codes, seen_slugs)
    if problems:
        raise DomainError("The file has problems, nothing was imported: " + "; ".join(problems))
    return data["trends"]


def import_trends(data: Any, *, by: User | None = None) -> tuple[int, int]:
    """Add or update trends by code from an export; all or nothing. Return (added, updated).

    Trends missing from the file are left as they are. Every problem is found before anything
    is written, so a bad file changes nothing.
    """
    items = _validate_import(data)
    existing = trends_by_code()
    wanted = {
        str(item["code"]).strip().upper(): slugify(str(item.get("slug") or item["name"]).strip(), max_length=MAX_SLUG)
        for item in items
    }
    # A web address in the file must not belong to a trend the file leaves alone.
    kept = {t.slug: t.code for code, t in existing.items() if code not in wanted}
    clashes = [
        f"web address {slug} of {code} is already used by {kept[slug]}" for code, slug in wanted.items() if slug in kept
    ]
    if clashes:
        raise DomainError("The file has problems, nothing was imported: " + "; ".join(clashes))
    # Two trends may swap web addresses: move the changing ones aside first, so the unique
    # constraint never sees a duplicate half-way through.
    moving = [t for code, t in existing.items() if code in wanted and t.slug != wanted[code]]
    for aside in moving:
        aside.slug = f"~import-{aside.id}"
    if moving:
        db.session.flush()
    added = updated = 0
    for position, item in enumerate(items):
        code = str(item["code"]).strip().upper()
        trend = existing.get(code)
        if trend is None:
            trend = Trend(code=code)
            db.session.add(trend)
            added += 1
        else:
            updated += 1
        trend.group = TrendGroup(item["group"])
        trend.name = str(item["name"]).strip()
        trend.slug = wanted[code]
        trend.description = str(item.get("description") or "").strip()
        trend.source = str(item.get("source") or "").strip()
        trend.position = int(item["position"]) if item.get("position") is not None else position
        retired = bool(item.get("retired", False))
        if retired and trend.retired_at is None:
            trend.retired_at = utcnow()
        elif not retired:
            trend.retired_at = None
    db.session.flush()
    audit.record("trends.imported", actor=by, object_type="trends", added=added, updated=updated)
    return added, updated
