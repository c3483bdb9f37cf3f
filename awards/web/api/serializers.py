"""Published impact cases and trends as plain JSON-ready dicts.

Only what the public pages show: never an e-mail address, phone number, score, judge or the
nominee's contact details (impact cases do not hold them). The OpenAPI schemas in
`openapi.py` forbid any property they do not list, so a field added here without being
documented there fails the tests.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import current_app

from awards.domain.publishing import impact_cases, publication
from awards.domain.publishing.impact_cases import CaseFilters, Page, TrendEntry
from awards.domain.voting.tallies import CategoryResult
from awards.domain.voting.votes import VoteState
from awards.models import Cycle, ImpactCase, ImpactCaseTrend, PublicVote, Trend
from awards.urls import external_url
from awards.web.helpers import timestamp


def _optional(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def trend_ref(link: ImpactCaseTrend) -> dict[str, Any]:
    trend = link.trend
    return {
        "slug": trend.slug,
        "name": trend.name,
        "group": {"code": trend.group.value, "label": trend.group.label},
        "is_primary": bool(link.is_primary),
        "how_addressed": link.how_addressed or "",
        "url": external_url("public.trend", trend_slug=trend.slug),
    }


def answer(entry: dict[str, Any]) -> dict[str, Any]:
    """One of the case's answers to the questions its form marks public, typed by its kind (see
    openapi.py's Answer): text as a string, a number as a number, a date as YYYY-MM-DD, yes or no as a
    boolean, several choices as a list of strings, a group as its columns and rows."""
    data = {
        "key": str(entry.get("key")),
        "label": str(entry.get("label") or ""),
        "kind": str(entry.get("kind") or "text"),
        "value": entry.get("value"),
    }
    if entry.get("unit"):
        data["unit"] = str(entry["unit"])
    return data


def impact_case(case: ImpactCase) -> dict[str, Any]:
    cycle = case.cycle
    return {
        "slug": case.slug,
        "title": case.title,
        # The language its words are written in (a BCP 47 code: "en", "cy", "sv"), as typed by its nominee.
        "language": case.language or current_app.config["DEFAULT_LANGUAGE"],
        "url": external_url("public.impact_case", case_slug=case.slug),
        "api_url": external_url("api.impact_case", case_slug=case.slug),
        "summary": case.summary or "",
        "organisation": case.organisation or "",
        "partners": [
            {"name": str(p.get("name", "")), "is_supplier": bool(p.get("is_supplier"))}
            for p in case.partners or []
            if p.get("name")
        ],
        "region": _optional(case.region),
        "year": case.year,
        "cycle": {
            "name": cycle.name,
            "slug": cycle.slug,
            "shortlist_url": external_url("public.cycle_shortlist", published_cycle_slug=cycle.slug),
        },
        "category": case.category_name,
        "result": {"code": case.result.value, "label": case.result.label},
        "trends": [trend_ref(link) for link in case.trend_links],
        "answers": [answer(entry) for entry in publication.shown_answers(case.answers)],
        "citation": _optional(case.citation),
        "licence": {"name": case.licence, "url": impact_cases.licence_url(case.licence)},
        "published_at": timestamp(case.published_at),
        "updated_at": timestamp(case.updated_at),
    }


def case_list(page: Page, filters: CaseFilters) -> dict[str, Any]:
    def link(number: int) -> str:
        args: dict[str, Any] = dict(filters.args())
        if page.per_page != impact_cases.PER_PAGE:
            args["per_page"] = page.per_page
        if number != 1:
            args["page"] = number
        return external_url("api.impact_cases", **args)

    return {
        "data": [impact_case(c) for c in page.items],
        "meta": {"total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages},
        "links": {
            "self": link(page.page),
            "first": link(1),
            "last": link(page.pages),
            "next": link(page.page + 1) if page.has_next else None,
            "prev": link(min(page.page, page.pages + 1) - 1) if page.has_prev else None,
        },
    }


def trend(entry: TrendEntry) -> dict[str, Any]:
    t: Trend = entry.trend
    return {
        "slug": t.slug,
        "code": t.code,
        "name": t.name,
        "group": {"code": t.group.value, "label": t.group.label},
        "description": t.description or "",
        "source": _optional(t.source),
        "retired": t.is_retired,
        "case_count": entry.count,
        "cases_by_year": [{"year": year, "count": count} for year, count in sorted(entry.by_year.items())],
        "url": external_url("public.trend", trend_slug=t.slug),
        "cases_url": external_url("api.impact_cases", trend=t.slug),
    }


def peoples_choice(
    cycle: Cycle,
    states: list[tuple[PublicVote, VoteState]],
    results: dict[int, CategoryResult],
    case_slugs: dict[int, str],
    withdrawn: Collection[int] = (),
) -> dict[str, Any]:
    """A cycle's People's Choice votes: every vote with its instants, and counts only for closed ones. An entry
    withdrawn from a vote while it ran is not listed (nor ranked)."""

    def entry(option, counted=None) -> dict[str, Any]:
        slug = case_slugs.get(option.impact_case_id) if option.impact_case_id else None
        data: dict[str, Any] = {
            "title": option.title,
            "organisation": option.organisation or "",
            "impact_case_url": external_url("public.impact_case", case_slug=slug) if slug else None,
        }
        if counted is not None:
            data.update(votes=counted.count, share=round(counted.share, 4), rank=counted.rank)
        return data

    def vote(item: PublicVote, state: VoteState) -> dict[str, Any]:
        result = results.get(item.id)
        return {
            "category": item.category.name,
            "category_slug": item.category.slug,
            "state": state.value,
            "opens_at": timestamp(item.opens_at),
            "closes_at": timestamp(item.closes_at),
            "url": external_url(
                "public.peoples_choice_vote", vote_cycle_slug=cycle.slug, vote_category_slug=item.category.slug
            ),
            "total_votes": result.total if result is not None else None,
            "entries": [entry(c.option, c) for c in result.counts]
            if result is not None
            else [entry(option) for option in item.options if option.id not in withdrawn],
        }

    return {
        "data": {
            "cycle": {"name": cycle.name, "slug": cycle.slug, "year": cycle.year},
            "url": external_url("public.peoples_choice", vote_cycle_slug=cycle.slug),
            "votes": [vote(item, state) for item, state in states],
        }
    }
