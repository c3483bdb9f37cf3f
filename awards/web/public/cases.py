"""The public library: impact cases (list, page, Atom feed), trends, and a cycle's published
shortlist. No sign-in; only published data (see domain/publishing/impact_cases.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from awards.domain.core.dates import day_in_words
from awards.domain.core.errors import NotFound
from awards.domain.publishing import impact_cases as case_library
from awards.domain.voting.votes import VoteState
from awards.i18n import current_language, service_name
from awards.models import ImpactCase, ImpactCaseTrend
from awards.templating import localised, localised_case_answers, shown
from awards.urls import external_url
from awards.web.caching import public_cache
from awards.web.charts import BarChart, Series
from awards.web.helpers import timestamp
from awards.web.public import bp
from awards.web.public.voting import vote_rows

FEED_SIZE = 50
# A trend page shows this many cases with it as their main trend, and as many more addressing it
# alongside another; the library (linked from the page) pages through the rest.
TREND_PAGE_CASES = 20
DESCRIPTION_LENGTH = 160
ATOM = "http://www.w3.org/2005/Atom"


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """A meta description: whole words, at most `limit` characters."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def pagination_items(page: case_library.Page, url_for_page) -> dict:
    """govukPagination parameters: first, last, the current page and its neighbours, with ellipses."""
    if page.pages <= 1:
        return {}
    numbers = sorted({1, page.pages, page.page - 1, page.page, page.page + 1} & set(range(1, page.pages + 1)))
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": url_for_page(number), "current": number == page.page})
        previous = number
    for item in items:
        if "number" in item:
            item["visuallyHiddenText"] = _("Page %(number)s", number=item["number"])
    params = {"items": items, "landmarkLabel": _("Pages of impact cases")}
    if page.has_prev:
        params["previous"] = {
            "href": url_for_page(page.page - 1),
            "html": _('Previous<span class="govuk-visually-hidden"> page</span>'),
        }
    if page.has_next:
        params["next"] = {
            "href": url_for_page(page.page + 1),
            "html": _('Next<span class="govuk-visually-hidden"> page</span>'),
        }
    return params


def active_filters(filters: case_library.CaseFilters, facets: case_library.Facets) -> list[dict[str, str]]:
    """The applied filters in words, each with the address of the same list without it."""
    trend_names = {t.slug: localised(t, "name").text for t in facets.trends}
    described = [
        ("q", _("Containing “%(words)s”", words=filters.q)),
        ("trend", _("Trend: %(trend)s", trend=trend_names.get(filters.trend, filters.trend))),
        ("category", _("Category: %(category)s", category=filters.category)),
        ("year", _("Year: %(year)s", year=filters.year)),
        ("result", _("Result: %(result)s", result=filters.result.label if filters.result else "")),
    ]
    args = filters.args()
    return [
        {"text": text, "href": url_for("public.impact_cases", **{k: v for k, v in args.items() if k != key})}
        for key, text in described
        if key in args
    ]


def answer_words(entry: dict[str, Any]) -> str:
    """An impact case's answer that is not text, in words: a number with thousands separated (and its
    unit), a date as 27 March 2025, yes or no."""
    value, kind = entry.get("value"), entry.get("kind")
    if isinstance(value, bool):
        if kind == "declaration":
            return _("Confirmed") if value else _("Not confirmed")
        return _("Yes") if value else _("No")
    if kind == "number" and isinstance(value, int | float):
        unit = str(entry.get("unit") or "").strip()
        return format_decimal(value) + (f" {unit}" if unit else "")
    if kind == "date" and isinstance(value, str):
        try:
            return day_in_words(date.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


def case_card_key(case: ImpactCase, how: ImpactCaseTrend | None) -> tuple:
    """Everything an impact case's card shows (templates/public/cases/_macros.html, `case_card`), which keeps the
    card per process under it (templating.kept_fragment, with the page's language and where the app is mounted): a
    changed case, trend, trend link or "how it addresses" line is another key, so no card outlives what it shows.
    Rendering a card took 150-300 µs here; this, a few µs."""
    links = tuple((link.trend.slug, link.trend.name, link.is_primary) for link in case.trend_links)
    shown_how = (how.trend.name, how.how_addressed) if how is not None and how.how_addressed else None
    return (
        case.slug,
        case.title,
        case.result,
        case.organisation,
        case.category_name,
        case.year,
        case.summary,
        links,
        shown_how,
    )


bp.add_app_template_global(case_card_key, "case_card_key")
bp.add_app_template_filter(case_library.licence_url, "licence_url")
bp.add_app_template_filter(answer_words, "case_answer_words")


# --- Impact cases --------------------------------------------------------------------------


@bp.route("/impact-cases")
@public_cache(query_args=(*case_library.FILTER_ARGS, "page"))
def impact_cases():
    filters = case_library.parse_filters(request.args)
    page_number, per_page = case_library.parse_page(request.args)
    found = case_library.find_cases(filters, page=page_number, per_page=per_page)
    if found.total and found.out_of_range:
        abort(404)

    def page_url(number: int) -> str:
        return url_for("public.impact_cases", **filters.args(), **({"page": number} if number > 1 else {}))

    if found.pages > 1 and filters.active:
        title = _("Impact cases matching your filters (page %(page)s of %(pages)s)", page=found.page, pages=found.pages)
    elif found.pages > 1:
        title = _("Impact cases (page %(page)s of %(pages)s)", page=found.page, pages=found.pages)
    elif filters.active:
        title = _("Impact cases matching your filters")
    else:
        title = _("Impact cases")
    facets = case_library.facets()
    return render_template(
        "public/cases/list.html",
        found=found,
        filters=filters,
        facets=facets,
        active=active_filters(filters, facets),
        pagination=pagination_items(found, page_url),
        results=case_library.PUBLIC_RESULTS,
        canonical=None
        if filters.active
        else external_url("public.impact_cases", **({"page": found.page} if found.page > 1 else {})),
        title=title,
    )


def case_json_ld(case: ImpactCase) -> dict:
    """schema.org metadata for search engines: an Article about the case's trends."""
    url = external_url("public.impact_case", case_slug=case.slug)
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "name": case.title,
        "headline": case.title[:110],
        "description": case.summary,
        "datePublished": timestamp(case.published_at),
        "dateModified": timestamp(case.updated_at),
        "inLanguage": "en-GB",
        "license": case_library.licence_url(case.licence) or case.licence,
        "about": [
            {"@type": "Thing", "name": link.trend.name, "url": external_url("public.trend", trend_slug=link.trend.slug)}
            for link in case.trend_links
        ],
        "keywords": [case.category_name, *(link.trend.name for link in case.trend_links)],
        "author": {"@type": "Organization", "name": case.organisation or service_name()},
        "publisher": {
            "@type": "Organization",
            "name": service_name(),
            "url": external_url("public.home"),
        },
        "isPartOf": {
            "@type": "CreativeWorkSeries",
            "name": case.cycle.name,
            "url": external_url("public.cycle_shortlist", published_cycle_slug=case.cycle.slug),
        },
    }
    if case.region:
        data["spatialCoverage"] = {"@type": "Place", "name": case.region}
    return data


@bp.route("/impact-cases/<case_slug>")
@public_cache
def impact_case(case_slug: str):
    try:
        case = case_library.get_public_case(case_slug)
    except case_library.Withdrawn:
        abort(410)
    except NotFound:
        abort(404)
    return render_template(
        "public/cases/show.html",
        case=case,
        answers=localised_case_answers(case),
        related=case_library.related_cases(case),
        json_ld=case_json_ld(case),
        canonical=external_url("public.impact_case", case_slug=case.slug),
        meta_description=shorten(
            case.summary
            or _(
                "%(title)s: %(result)s, %(category)s %(year)s.",
                title=case.title,
                result=case.result.label,
                category=case.category_name,
                year=case.year,
            )
        ),
        title=_("%(title)s – impact case", title=case.title),
    )


def atom_feed(cases: list[ImpactCase]) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of the cases: ids are the cases' permanent web addresses."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attributes.items() if v is not None})
        if text is not None:
            element.text = text
        return element

    service = service_name()
    library_url = external_url("public.impact_cases")
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", {"en": "en-GB"}.get(current_language(), current_language()))
    sub(feed, "id", library_url)
    sub(feed, "title", _("%(service)s: impact cases", service=service))
    sub(feed, "subtitle", _("Newly published, trend-linked impact cases from the awards."))
    newest = max((c.updated_at for c in cases), default=None)
    sub(feed, "updated", timestamp(newest) or "2000-01-01T00:00:00Z")
    sub(feed, "link", rel="self", type="application/atom+xml", href=external_url("public.impact_cases_feed"))
    sub(feed, "link", rel="alternate", type="text/html", href=library_url)
    author = sub(feed, "author")
    sub(author, "name", service)
    sub(feed, "generator", service)
    for case in cases:
        url = external_url("public.impact_case", case_slug=case.slug)
        entry = sub(feed, "entry")
        sub(entry, "id", url)
        sub(entry, "title", case.title)
        sub(entry, "updated", timestamp(case.updated_at))
        sub(entry, "published", timestamp(case.published_at))
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        entry_author = sub(entry, "author")
        sub(entry_author, "name", case.organisation or service)
        sub(
            entry,
            "summary",
            _(
                "%(result)s, %(category)s %(year)s. %(summary)s",
                result=case.result.label,
                category=case.category_name,
                year=case.year,
                summary=case.summary,
            ).strip(),
            type="text",
        )
        for link in case.trend_links:
            sub(entry, "category", term=link.trend.slug, label=link.trend.name, scheme=external_url("public.trends"))
        sub(entry, "rights", case.licence)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.route("/impact-cases.atom")
@public_cache
def impact_cases_feed():
    body = atom_feed(case_library.newest_cases(FEED_SIZE))
    return current_app.response_class(
        body, mimetype="application/atom+xml", content_type="application/atom+xml; charset=utf-8"
    )


# --- Trends ----------------------------------------------------------------------------------


def trend_chart(index: case_library.TrendIndex) -> BarChart | None:
    """Public impact cases per trend, stacked by year; None when there are none yet."""
    entries = sorted((e for e in index.entries if e.count), key=lambda e: -e.count)  # stable: group order within
    if not entries:
        return None
    years = index.years
    top = max(entries, key=lambda e: e.count)
    if len(years) > 1:
        title = _("Published impact cases per trend and year")
        description = _(
            "Horizontal bar chart of the number of published impact cases addressing each trend, %(first)s to "
            "%(last)s, split by year. %(trend)s has the most, with %(count)s. A case counts once for each trend it "
            "addresses. The table gives the same numbers.",
            first=years[0],
            last=years[-1],
            trend=localised(top.trend, "name").text,
            count=format_decimal(top.count),
        )
    else:
        title = _("Published impact cases per trend, %(year)s", year=years[0])
        description = _(
            "Horizontal bar chart of the number of published impact cases addressing each trend, %(year)s. "
            "%(trend)s has the most, with %(count)s. A case counts once for each trend it addresses. The table "
            "gives the same numbers.",
            year=years[0],
            trend=localised(top.trend, "name").text,
            count=format_decimal(top.count),
        )
    return BarChart(
        title=title,
        description=description,
        labels=[localised(e.trend, "name").text for e in entries],
        series=[Series(str(year), [e.by_year.get(year, 0) for e in entries]) for year in years],
        links=[url_for("public.trend", trend_slug=e.trend.slug) for e in entries],
        label_heading=_("Trend"),
        total_heading=_("All years"),
        ident="trend-chart",
        width=480,
        label_chars=20,
    )


@bp.route("/trends")
@public_cache
def trends():
    index = case_library.trend_index()
    return render_template(
        "public/trends/list.html",
        index=index,
        chart=trend_chart(index),
        canonical=external_url("public.trends"),
        title=_("Trends"),
    )


@bp.route("/trends/<trend_slug>")
@public_cache
def trend(trend_slug: str):
    try:
        found = case_library.get_trend(trend_slug)
    except NotFound:
        abort(404)
    primary, secondary, total = case_library.trend_cases(found, TREND_PAGE_CASES)
    return render_template(
        "public/trends/show.html",
        trend=found,
        primary=primary,
        secondary=secondary,
        total=total,
        shown=len(primary) + len(secondary),
        canonical=external_url("public.trend", trend_slug=found.slug),
        meta_description=shorten(
            localised(found, "description").text
            or _("Impact cases addressing %(trend)s.", trend=localised(found, "name").text)
        ),
        title=_("%(trend)s – trend", trend=localised(found, "name").text),
    )


# --- A cycle's published shortlist ----------------------------------------------------------


@bp.route("/cycles/<published_cycle_slug>/shortlist")
@public_cache
def cycle_shortlist(published_cycle_slug: str):
    try:
        cycle = case_library.get_published_cycle(published_cycle_slug)
    except NotFound:
        abort(404)
    groups = case_library.cycle_shortlist(cycle)
    return render_template(
        "public/shortlist.html",
        cycle=cycle,
        groups=groups,
        peoples_choice={row.vote.category.name: row for row in vote_rows(cycle)},
        VoteState=VoteState,
        canonical=external_url("public.cycle_shortlist", published_cycle_slug=cycle.slug),
        meta_description=shorten(
            _(
                "The shortlist and winners of %(cycle)s, by category, with their published impact cases.",
                cycle=shown(cycle),
            )
        ),
        title=_("%(cycle)s: shortlist and winners", cycle=shown(cycle)),
    )
