"""The public library of impact cases: what is published, found by trend, category, year,
result and words, a page at a time, counted per trend and year, and grouped into a cycle's
published shortlist.

Only public cases ever leave this module: published, not unpublished, and of a cycle whose
results are published (see `is_public`). A shortlisted
nomination whose nominee did not consent to publication has no impact case, so it can only
ever appear here as a number ("1 other shortlisted entry"), never by its title or organisation.
Every function runs a fixed number of queries, whatever the number of cases.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, case, event, exists, func, inspect, literal_column, null, select, union_all
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from awards.domain.core import paging
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError, NotFound
from awards.domain.core.kept import KeptWhileUnchanged
from awards.domain.publishing import search
from awards.extensions import db
from awards.models import (
    Category,
    ContentTranslation,
    Cycle,
    CycleStatus,
    FormQuestion,
    ImpactCase,
    ImpactCaseTrend,
    Nomination,
    NominationStatus,
    PublicVote,
    Result,
    Trend,
    TrendGroup,
    VoteOption,
)

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200
MAX_SEARCH_TERMS = 8
MIN_YEAR, MAX_YEAR = 2000, 2100

# The results an impact case can have, in the order they are shown.
PUBLIC_RESULTS = (Result.WINNER, Result.HIGHLY_COMMENDED, Result.SHORTLISTED)
SHORTLISTED_STATUSES = (NominationStatus.SHORTLISTED, NominationStatus.HIGHLY_COMMENDED, NominationStatus.WINNER)

LICENCE_URLS = {
    "cc by 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc by-sa 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc0 1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ogl v3.0": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "open government licence v3.0": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}


class Withdrawn(DomainError):
    """The impact case was published once and has been taken down (the page answers 410 Gone)."""


def is_public():
    """The SQL condition for a public impact case: ImpactCase.is_public, and its cycle's results
    are published (withdrawing the results takes the cycle's cases off the public site too)."""
    return and_(
        ImpactCase.published_at.is_not(None),
        ImpactCase.unpublished_at.is_(None),
        ImpactCase.cycle_id.in_(select(Cycle.id).where(Cycle.status == CycleStatus.PUBLISHED)),
    )


def _public_in_library_order():
    """is_public() for a statement that reads the cases in library order: the cycle's status by a
    correlated EXISTS, so that SQLite (without statistics) walks ix_impact_cases_library in order and
    stops after a page, rather than finding every public case by its cycle and sorting them all. The
    same cases (cycles.id is the key); PostgreSQL reads that index in order either way."""
    return and_(
        ImpactCase.published_at.is_not(None),
        ImpactCase.unpublished_at.is_(None),
        exists().where(Cycle.id == ImpactCase.cycle_id, Cycle.status == CycleStatus.PUBLISHED),
    )


def case_is_public(found: ImpactCase) -> bool:
    return found.is_public and found.cycle.status is CycleStatus.PUBLISHED


def result_rank():
    """Winners first, then highly commended, shortlisted and the rest (Result.rank), as SQL. The values
    are written into the statement, not bound: SQLite uses an index on an expression only for the very
    same expression, parameters never match (ix_impact_cases_library, migration f7c2a9d4e803)."""
    return case(
        *(
            (ImpactCase.result == literal_column(f"'{result.value}'"), literal_column(str(result.rank)))
            for result in (Result.WINNER, Result.HIGHLY_COMMENDED, Result.SHORTLISTED)
        ),
        else_=literal_column(str(Result.NOT_SHORTLISTED.rank)),
    )


def group_rank():
    return case(*((Trend.group == g, i) for i, g in enumerate(TrendGroup)), else_=len(TrendGroup))


# The trends in the order they are listed: by group, then as placed in it.
TREND_ORDER = (group_rank(), Trend.position, Trend.id)


# Newest cycle first, then winners, highly commended and shortlisted, then by title. The partial index
# ix_impact_cases_library (migration f7c2a9d4e803) holds these expressions for the public cases, so the
# library without words reads its page from the index instead of sorting every public case.
LIBRARY_KEYS = (ImpactCase.year, ImpactCase.cycle_id, result_rank(), func.lower(ImpactCase.title), ImpactCase.id)
_NEWEST_FIRST = 2  # the year and the cycle descending, the rest ascending


def library_order(keys) -> tuple:
    """The library's order over `keys`: LIBRARY_KEYS, or the same values as columns of a subquery."""
    return tuple(key.desc() if i < _NEWEST_FIRST else key for i, key in enumerate(keys))


LIBRARY_ORDER = library_order(LIBRARY_KEYS)


def licence_url(licence: str | None) -> str | None:
    """The web address of a known open licence ("CC BY 4.0" → creativecommons.org), else None."""
    return LICENCE_URLS.get(" ".join((licence or "").lower().split()))


# --- Filters ---------------------------------------------------------------------------------

# The query arguments the filters read (`parse_filters`), and the pages (`parse_page`).
FILTER_ARGS = ("q", "trend", "category", "year", "result")
PAGE_ARGS = ("page", "per_page")


@dataclass(frozen=True)
class CaseFilters:
    """What a reader narrowed the library to: a trend (slug), a category (name), a year, a result, words."""

    trend: str = ""
    category: str = ""
    year: int | None = None
    result: Result | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.trend or self.category or self.year or self.result or self.q)

    def args(self) -> dict[str, str | int]:
        """The filters as URL query arguments (only those set), so links keep them."""
        values: dict[str, str | int | None] = {
            "q": self.q,
            "trend": self.trend,
            "category": self.category,
            "year": self.year,
            "result": self.result.value if self.result else "",
        }
        return {k: v for k, v in values.items() if v}


def parse_filters(args: Mapping[str, str], *, strict: bool = False) -> CaseFilters:
    """Filters from query arguments. A year or result that makes no sense is ignored, or with
    `strict` (the API) refused with a DomainError naming the argument."""

    def text(name: str, limit: int) -> str:
        return " ".join(str(args.get(name) or "").split())[:limit]

    year_raw = text("year", 10)
    year = None
    if year_raw:
        if year_raw.isdigit() and MIN_YEAR <= int(year_raw) <= MAX_YEAR:
            year = int(year_raw)
        elif strict:
            raise DomainError(
                _("year must be a year from %(min)s to %(max)s, such as 2025", min=MIN_YEAR, max=MAX_YEAR), field="year"
            )
    result_raw = text("result", 30)
    result = None
    if result_raw:
        if result_raw in {r.value for r in PUBLIC_RESULTS}:
            result = Result(result_raw)
        elif strict:
            raise DomainError(
                _("result must be one of %(values)s", values=", ".join(r.value for r in PUBLIC_RESULTS)), field="result"
            )
    return CaseFilters(
        trend=text("trend", 140),
        category=text("category", 200),
        year=year,
        result=result,
        q=text("q", MAX_QUERY_LENGTH),
    )


def parse_page(args: Mapping[str, str], *, strict: bool = False, per_page_arg: bool = False) -> tuple[int, int]:
    """The page number (from 1) and page size. Only the API lets the reader choose the size
    (`per_page_arg`), up to MAX_PER_PAGE."""

    def number(name: str, default: int, low: int, high: int) -> int:
        raw = str(args.get(name) or "").strip()
        if not raw:
            return default
        value = paging.whole_number(raw, low, high)
        if value is not None:
            return value
        if strict:
            message = (
                _("%(name)s must be from %(low)s to %(high)s", name=name, low=low, high=high)
                if high < 10**9
                else _("%(name)s must be a whole number from %(low)s", name=name, low=low)
            )
            raise DomainError(message, field=name)
        return default

    # Outside the API a page that is no number is the first; one past the end (however far) is a 404.
    page = number("page", 1, 1, paging.MAX_PAGE) if strict else paging.requested_page(args)
    per_page = number("per_page", PER_PAGE, 1, MAX_PER_PAGE) if per_page_arg else PER_PAGE
    return page, per_page


def search_terms(q: str) -> list[str]:
    """Distinct lower-cased words of the search, each of which a case must contain."""
    terms: list[str] = []
    for word in q.lower().split():
        if word not in terms:
            terms.append(word)
    return terms[:MAX_SEARCH_TERMS]


def _conditions(filters: CaseFilters, *, public=is_public) -> list:
    """The filters' conditions on the public cases (`public`: is_public, or its form for a statement in library
    order, _public_in_library_order)."""
    conditions = [public()]
    if filters.trend:
        conditions.append(
            exists().where(
                ImpactCaseTrend.case_id == ImpactCase.id,
                ImpactCaseTrend.trend_id == Trend.id,
                Trend.slug == filters.trend,
            )
        )
    if filters.category:
        conditions.append(func.lower(ImpactCase.category_name) == filters.category.lower())
    if filters.year:
        conditions.append(ImpactCase.year == filters.year)
    if filters.result:
        conditions.append(ImpactCase.result == filters.result)
    return conditions


def _search(filters: CaseFilters) -> search.Search | None:
    """The full-text search for the reader's words (None without any)."""
    terms = search_terms(filters.q)
    return search.search_for(db.engine.dialect.name, terms) if terms else None


# --- Finding cases ---------------------------------------------------------------------------


@dataclass
class Page:
    items: list[ImpactCase]
    total: int
    page: int
    per_page: int
    # With a search: each listed case's summary cut around the words found, those words marked (by case id).
    excerpts: dict[int, Markup] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def out_of_range(self) -> bool:
        return self.page > self.pages

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


# How many public cases the library's filters (without words) match: every one of them is counted (an index-only scan
# of 10,000 entries, 5 ms on PostgreSQL), the same for each of the list's pages and languages; kept per process while
# nothing is committed (domain/core/kept.py). A search's matches are counted with their ranking (_found_page).
_KEPT_TOTALS = KeptWhileUnchanged(limit=64)


def find_cases(filters: CaseFilters, *, page: int = 1, per_page: int = PER_PAGE, with_cycle: bool = False) -> Page:
    """One page of the public cases the filters match, with their trends (and cycles, for the
    API): two to four queries, whatever the page size. In library order, or with words to
    search for, the best matches first (ties in library order), each with an excerpt of its
    summary showing the words found."""
    conditions = _conditions(filters)
    found = _search(filters)
    options = [selectinload(ImpactCase.trend_links)]
    if with_cycle:
        options.append(selectinload(ImpactCase.cycle))
    if found is not None:
        # Words none of which can match anything (a lone "*" or "&") find nothing, without asking.
        return Page([], 0, page, per_page) if found.empty else _found_page(found, conditions, page, per_page, options)
    total = _KEPT_TOTALS.get(
        filters, lambda: db.session.scalar(select(func.count(ImpactCase.id)).where(*conditions)) or 0
    )
    result = Page([], total, page, per_page)
    if total and not result.out_of_range:
        in_order = _conditions(filters, public=_public_in_library_order)
        statement = select(ImpactCase).where(*in_order).order_by(*LIBRARY_ORDER)
        paged = statement.options(*options).limit(per_page).offset((page - 1) * per_page)
        result.items = list(db.session.scalars(paged))
    return result


def _found_page(found: search.Search, conditions: list, page: int, per_page: int, options: list) -> Page:
    """A page of a search: the matches are ranked and counted in one statement (each match is read
    once, not once to count and again to rank: at 10,000 cases a word in half of them took 12-15 ms to
    count alone); only a page past the last, which returns no rows, is counted apart."""
    rows = db.session.execute(_ranked_page(found, conditions, page, per_page).options(*options)).all()
    if rows:
        total = rows[0].total
    elif page > 1:
        total = db.session.scalar(select(func.count(ImpactCase.id)).where(*conditions, found.matches())) or 0
    else:
        total = 0
    result = Page([], total, page, per_page)
    for item, marked, _total in rows:
        result.items.append(item)
        shown = search.excerpt(marked)
        if shown is not None:
            result.excerpts[item.id] = shown
    return result


def _ranked_page(found: search.Search, conditions: list, page: int, per_page: int):
    """The cases of one page of a search, best match first, with their marked summaries and the number
    of matches (`total`): the page's ids and ranks are chosen first, so the summaries are marked for
    those cases only. The matches are ranked in a subquery and counted over it: SQLite does not let
    bm25() share a statement with a window function."""
    labelled = [key.label(f"key_{i}") for i, key in enumerate(LIBRARY_KEYS)]
    matched = found.join(select(found.rank().label("rank"), *labelled).where(*conditions)).subquery("matched")
    keys = [matched.c[key.name] for key in labelled]
    chosen = (
        select(keys[-1].label("id"), matched.c.rank, func.count().over().label("total"))
        .order_by(matched.c.rank, *library_order(keys))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("chosen")
    )
    statement = select(ImpactCase, found.marked_summary(), chosen.c.total).join(chosen, chosen.c.id == ImpactCase.id)
    return statement.order_by(chosen.c.rank, *LIBRARY_ORDER)


def newest_cases(limit: int = 50) -> list[ImpactCase]:
    """The most recently published public cases (for the feed), with their trends."""
    return list(
        db.session.scalars(
            select(ImpactCase)
            .where(is_public())
            .options(selectinload(ImpactCase.trend_links))
            .order_by(ImpactCase.published_at.desc(), ImpactCase.id.desc())
            .limit(limit)
        )
    )


def get_public_case(slug: str, *, with_cycle: bool = True) -> ImpactCase:
    """The public case with this slug; NotFound if there never was one, Withdrawn if it was taken down."""
    options = [selectinload(ImpactCase.trend_links)]
    if with_cycle:
        options.append(selectinload(ImpactCase.cycle))
    found = db.session.scalar(select(ImpactCase).where(ImpactCase.slug == slug).options(*options))
    if found is None or found.published_at is None:
        raise NotFound(_("No such impact case"))
    if not case_is_public(found):
        raise Withdrawn(_("This impact case has been removed"))
    return found


def related_cases(found: ImpactCase, limit: int = 6) -> list[ImpactCase]:
    """Other public cases whose primary trend is this case's primary trend."""
    primary = found.primary_trend
    if primary is None:
        return []
    return list(
        db.session.scalars(
            select(ImpactCase)
            .join(ImpactCaseTrend, ImpactCaseTrend.case_id == ImpactCase.id)
            .where(
                is_public(),
                ImpactCase.id != found.id,
                ImpactCaseTrend.trend_id == primary.id,
                ImpactCaseTrend.is_primary.is_(True),
            )
            .order_by(*LIBRARY_ORDER)
            .limit(limit)
        )
    )


# --- Filter choices --------------------------------------------------------------------------


@dataclass
class Facets:
    """The choices the filters offer: only values that public cases have."""

    trends: list[Trend]
    categories: list[str]
    years: list[int]

    def trends_by_group(self) -> list[tuple[TrendGroup, list[Trend]]]:
        return [
            (g, [t for t in self.trends if t.group is g]) for g in TrendGroup if any(t.group is g for t in self.trends)
        ]


_KEPT_FACETS = KeptWhileUnchanged(limit=1)


def facets() -> Facets:
    """The filter choices, kept by each process while nothing is committed anywhere (they read each
    trend's first public case and every public case's year and category: 6-12 ms on PostgreSQL at
    10,000 cases; domain/core/kept.py), and the trends they name read afresh (a small table)."""
    trend_ids, categories, years = _KEPT_FACETS.get("facets", _read_facets)
    trends = (
        list(db.session.scalars(select(Trend).where(Trend.id.in_(trend_ids)).order_by(*TREND_ORDER)))
        if trend_ids
        else []
    )
    return Facets(trends=trends, categories=list(categories), years=list(years))


def _read_facets() -> tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...]]:
    # Per trend, the first public case addressing it, by the index on impact_case_trends.trend_id: a
    # subquery with a limit, which neither database turns into a join over every case (at 10,000 cases
    # 0.3 ms on SQLite and 3 ms on PostgreSQL, where listing the trends of every public case took 17 and 12).
    addressed = (
        select(literal_column("1"))
        .select_from(ImpactCaseTrend)
        .join(ImpactCase, ImpactCaseTrend.case_id == ImpactCase.id)
        .where(ImpactCaseTrend.trend_id == Trend.id, is_public())
        .limit(1)
        .scalar_subquery()
    )
    trend_ids = tuple(db.session.scalars(select(Trend.id).where(addressed.is_not(None))))
    rows = db.session.execute(select(ImpactCase.year, ImpactCase.category_name).where(is_public()).distinct()).all()
    categories: dict[str, str] = {}
    for _year, name in rows:
        categories.setdefault(name.lower(), name)
    return (
        trend_ids,
        tuple(sorted(categories.values(), key=str.lower)),
        tuple(sorted({year for year, _name in rows}, reverse=True)),
    )


# --- Trends ----------------------------------------------------------------------------------


@dataclass
class TrendEntry:
    trend: Trend
    count: int
    by_year: dict[int, int] = field(default_factory=dict)


@dataclass
class TrendIndex:
    groups: list[tuple[TrendGroup, list[TrendEntry]]]
    years: list[int]

    @property
    def entries(self) -> list[TrendEntry]:
        return [entry for _group, entries in self.groups for entry in entries]

    @property
    def total_cases(self) -> int:
        return sum(e.count for e in self.entries)


def case_counts_by_trend_and_year() -> dict[tuple[int, int], int]:
    """Public impact cases per (trend id, year): a case counts once for each trend it addresses."""
    rows = db.session.execute(
        select(ImpactCaseTrend.trend_id, ImpactCase.year, func.count(ImpactCase.id))
        .join(ImpactCase, ImpactCaseTrend.case_id == ImpactCase.id)
        .where(is_public())
        .group_by(ImpactCaseTrend.trend_id, ImpactCase.year)
    )
    return {(trend_id, year): count for trend_id, year, count in rows}


def trend_index() -> TrendIndex:
    """Every current trend, and every retired one that public cases address, by group, with
    the number of public cases per year. Two queries."""
    counts = case_counts_by_trend_and_year()
    by_trend: dict[int, dict[int, int]] = defaultdict(dict)
    for (trend_id, year), count in counts.items():
        by_trend[trend_id][year] = count
    trends = db.session.scalars(select(Trend).order_by(*TREND_ORDER))
    groups: dict[TrendGroup, list[TrendEntry]] = {g: [] for g in TrendGroup}
    for trend in trends:
        years = by_trend.get(trend.id, {})
        if trend.is_retired and not years:
            continue
        groups[trend.group].append(TrendEntry(trend, sum(years.values()), dict(years)))
    return TrendIndex(
        groups=[(g, entries) for g, entries in groups.items() if entries],
        years=sorted({year for _trend_id, year in counts}),
    )


def get_trend(slug: str) -> Trend:
    trend = db.session.scalar(select(Trend).where(Trend.slug == slug))
    if trend is None:
        raise NotFound(_("No such trend"))
    return trend


def trend_cases(
    trend: Trend, limit: int
) -> tuple[list[tuple[ImpactCase, ImpactCaseTrend]], list[tuple[ImpactCase, ImpactCaseTrend]], int]:
    """A trend page's share of its public cases: up to `limit` with it as their main trend and up
    to `limit` addressing it alongside another, in library order, and how many there are in all.
    Four queries, however many cases address the trend (the library pages through the rest)."""

    def linked(primary: bool):
        rows = db.session.execute(
            select(ImpactCase, ImpactCaseTrend)
            .join(ImpactCaseTrend, ImpactCaseTrend.case_id == ImpactCase.id)
            .where(ImpactCaseTrend.trend_id == trend.id, ImpactCaseTrend.is_primary.is_(primary), is_public())
            .options(selectinload(ImpactCase.trend_links))
            .order_by(*LIBRARY_ORDER)
            .limit(limit)
        ).all()
        return [(row[0], row[1]) for row in rows]

    total = (
        db.session.scalar(
            select(func.count(ImpactCaseTrend.id))
            .join(ImpactCase, ImpactCaseTrend.case_id == ImpactCase.id)
            .where(ImpactCaseTrend.trend_id == trend.id, is_public())
        )
        or 0
    )
    return (linked(True), linked(False), total) if total else ([], [], 0)


# --- A cycle's shortlist ---------------------------------------------------------------------


@dataclass
class ShortlistGroup:
    """One category of a published shortlist: its public cases (winner first) and how many
    other shortlisted entries are not published."""

    name: str
    cases: list[ImpactCase] = field(default_factory=list)
    # Shortlisted entries whose entrants did not agree to publication (they have no impact case).
    not_published: int = 0
    # Shortlisted entries whose impact case the organisers have taken down.
    removed: int = 0

    @property
    def others(self) -> int:
        return self.not_published + self.removed

    @property
    def empty(self) -> bool:
        return not self.cases and not self.others


def get_published_cycle(slug: str) -> Cycle:
    """A cycle whose results are published; any other is NotFound, so nothing leaks early."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug))
    if cycle is None or cycle.status is not CycleStatus.PUBLISHED:
        raise NotFound(_("No such published shortlist"))
    return cycle


def cycle_shortlist(cycle: Cycle) -> list[ShortlistGroup]:
    """The published shortlist by category: public cases by result, and a count of the
    shortlisted nominations without a public case (no consent, or taken down), never named."""
    cases = list(
        db.session.scalars(
            select(ImpactCase)
            .where(ImpactCase.cycle_id == cycle.id, is_public())
            .options(selectinload(ImpactCase.trend_links))
            .order_by(result_rank(), func.lower(ImpactCase.title), ImpactCase.id)
        )
    )
    any_case = exists().where(ImpactCase.nomination_id == Nomination.id)
    public_case = exists().where(ImpactCase.nomination_id == Nomination.id, is_public())
    hidden: dict[tuple[int, bool], int] = {}
    for has_case, condition in ((False, ~any_case), (True, and_(any_case, ~public_case))):
        for category_id, count in db.session.execute(
            select(Nomination.category_id, func.count(Nomination.id))
            .where(Nomination.cycle_id == cycle.id, Nomination.status.in_(SHORTLISTED_STATUSES), condition)
            .group_by(Nomination.category_id)
        ):
            hidden[(category_id, has_case)] = count
    groups: dict[object, ShortlistGroup] = {
        c.id: ShortlistGroup(c.name, not_published=hidden.get((c.id, False), 0), removed=hidden.get((c.id, True), 0))
        for c in cycle.categories
    }
    for item in cases:
        key = item.category_id if item.category_id in groups else f"name:{item.category_name.lower()}"
        groups.setdefault(key, ShortlistGroup(item.category_name)).cases.append(item)
    return list(groups.values())


# --- Freshness -------------------------------------------------------------------------------


def fingerprint() -> str:
    """A short digest that changes whenever anything the public pages show changes: impact
    cases (published, edited, taken down, added or removed), cycles and their categories, and
    trends.

    The public page cache reads it on every anonymous request, so it is one cheap statement:
    the number of cases (an index count), every cycle's `(id, updated_at)` (tens of rows) and
    the few dozen trends as they are. Every pair counts, not only the newest time, so a change
    is seen whatever its cycle's time says: a commit that lands after a later one, another
    server's clock running behind, a cycle stamped in the future. A change to a case, a
    category or a shortlisted nomination moves its cycle's `updated_at` on (see
    `install_freshness`).
    """
    engine = db.engine
    sql = _fingerprint_sql(engine.dialect)
    # A short checkout and the driver's cursor: no ORM session or result bookkeeping, and the
    # driver's own values, so the same data gives the same text in every process.
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
        except engine.dialect.loaded_dbapi.Error as error:  # as SQLAlchemy would raise it (503 page)
            raise DBAPIError.instance(sql, None, error, engine.dialect.loaded_dbapi.Error) from error
        finally:
            cursor.close()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _fingerprint_sql(dialect) -> str:
    """The statement as SQL text, compiled once per dialect (it has no parameters)."""
    return str(_fingerprint_query().compile(dialect=dialect))


def _fingerprint_query():
    """One row for the number of cases, one per cycle and one per trend, in a fixed order:
    (kind, id, slug, name, group, description, source, position, time)."""

    def kind(number: int):
        return literal_column(str(number)).label("kind")

    blanks = [null().label(name) for name in ("slug", "name", "grp", "description", "source", "position")]
    cases = select(
        kind(0),
        select(func.count()).select_from(ImpactCase).scalar_subquery().label("id"),
        *blanks,
        null().label("stamp"),
    )
    cycles = select(kind(1), Cycle.id, *blanks, Cycle.updated_at)
    trends = select(
        kind(2),
        Trend.id,
        Trend.slug,
        Trend.name,
        Trend.group,
        Trend.description,
        Trend.source,
        Trend.position,
        Trend.retired_at,
    )
    # The trends' translations (a few dozen rows; a cycle's own move its `updated_at` on): how many, the newest,
    # and how often they were changed.
    trend_texts = ContentTranslation.cycle_id.is_(None)
    translated = select(
        kind(3),
        select(func.count()).where(trend_texts).scalar_subquery().label("id"),
        *blanks[:-1],
        select(func.coalesce(func.sum(ContentTranslation.revision), literal_column("0"))
            + func.coalesce(func.max(ContentTranslation.id), literal_column("0")))
        .where(trend_texts)
        .scalar_subquery()
        .label("position"),
        null().label("stamp"),
    )  # fmt: skip
    return union_all(trends, cycles, cases, translated).order_by(literal_column("kind"), literal_column("id"))


def _cycle_of(obj) -> int | None:
    """The id of the cycle whose public pages show this object (None for a cycle not yet stored)."""
    cycle_id = obj.cycle_id
    if cycle_id is None:
        cycle = obj.cycle
        cycle_id = cycle.id if cycle is not None else None
    return cycle_id


def _shortlisted_nomination_changed(nomination: Nomination, added_or_removed: bool) -> bool | None:
    """A nomination counts on a published shortlist (as one of the "other shortlisted entries")
    by its status and category: was it added or removed, or did one of those change, while it
    was or became shortlisted? None when that depends on its stored status, which an expired
    nomination's history does not hold (the caller reads those in one query)."""
    state = inspect(nomination)
    status = state.attrs.status.history
    if not (added_or_removed or status.has_changes() or state.attrs.category_id.history.has_changes()):
        return False
    statuses = set(status.sum()) or {nomination.status}
    if statuses & set(SHORTLISTED_STATUSES):
        return True
    return None if status.added and not status.deleted and not added_or_removed else False


# What a cycle's public pages show (trends are in the fingerprint as they are). A People's Choice vote's
# instants are read per fingerprint by the page cache (awards/web/caching.py), so adding, moving, closing or
# withdrawing one must move its cycle on too.
# A question of a published cycle names its cases' answers in other languages (publication.localised_answers: by its
# key, its short name and the translation of its label, which goes with it without the ORM when it is removed).
_SHOWN = (Cycle, Category, ImpactCase, ImpactCaseTrend, Nomination, PublicVote, ContentTranslation, FormQuestion)


@dataclass
class _ShownChanges:
    """What a flush is about to change of the public pages, sorted by how its cycle is found."""

    cycle_ids: set[int] = field(default_factory=set)  # cycles one of whose shown objects changed
    cycles: list[Cycle] = field(default_factory=list)  # cycles whose own row changed
    unsure: dict[int, int] = field(default_factory=dict)  # nomination id → cycle id, if stored as shortlisted
    # nomination id → cycle id, if it is an entry of a People's Choice vote: its status, eligibility or consent to
    # publication changed, which decides whether it is still offered (domain/voting/votes.py, `withdrawn_options`)
    # and so the count of entries on the cached list of votes.
    in_a_vote: dict[int, int] = field(default_factory=dict)
    # cycles one of whose entry form's questions was added, changed or removed: moved on only once published
    questions_of: set[int] = field(default_factory=set)


def _touch_changed_cycles(session: Session, _flush_context: object, _instances: object) -> None:
    """Before a flush that adds, changes or removes what a public page shows (an impact case or
    one of its trend links, a category, a shortlisted nomination's status or category, a translation,
    a question of a published cycle's form, the cycle itself), move the cycle's `updated_at` on: to
    now, or a microsecond past its stored time when the clock is frozen or behind it (another
    server's clock). The fingerprint then changes."""
    new, dirty, deleted = session.new, session.dirty, session.deleted  # each call builds a set
    with session.no_autoflush:
        changes = _ShownChanges()
        for obj in (*new, *dirty, *deleted):
            if isinstance(obj, _SHOWN) and (obj not in dirty or session.is_modified(obj)):
                _note_shown_change(changes, obj, dirty=obj in dirty)
        cycles = _cycles_to_touch(session, changes, deleted)
        if cycles:
            _move_updated_at_on(session, cycles)


def _note_shown_change(changes: _ShownChanges, obj: object, *, dirty: bool) -> None:
    """Note the cycle whose public pages show `obj` (added, changed or removed): a cycle itself
    when its row changed, the case of a trend link, a nomination only when it counts on a
    published shortlist (or may: see `_shortlisted_nomination_changed`)."""
    if isinstance(obj, Cycle):
        if dirty:
            changes.cycles.append(obj)
        return
    if isinstance(obj, ContentTranslation):  # a trend's (no cycle) is in the fingerprint itself
        if obj.cycle_id is not None:
            changes.cycle_ids.add(obj.cycle_id)
        return
    if isinstance(obj, FormQuestion):
        if obj.cycle_id is not None:
            changes.questions_of.add(obj.cycle_id)
        return
    if isinstance(obj, ImpactCaseTrend):
        obj = obj.case
        if obj is None:
            return
    elif isinstance(obj, Nomination):
        changed = _shortlisted_nomination_changed(obj, not dirty)
        if changed is None and obj.cycle_id is not None:
            changes.unsure[obj.id] = obj.cycle_id
        if not changed and dirty and obj.cycle_id is not None and _vote_standing_changed(obj):
            changes.in_a_vote[obj.id] = obj.cycle_id
        if not changed:
            return
    cycle_id = _cycle_of(obj)
    if cycle_id is not None:
        changes.cycle_ids.add(cycle_id)


def _vote_standing_changed(nomination: Nomination) -> bool:
    attrs = inspect(nomination).attrs
    return any(attrs[name].history.has_changes() for name in ("status", "eligibility", "consents_to_publish"))


def _cycles_to_touch(session: Session, changes: _ShownChanges, deleted: Collection[object]) -> dict[int, Cycle]:
    """The cycles to move on, by id: those noted, those of the unsure nominations whose stored status
    is shortlisted (one query), those of the changed nominations that are entries of a vote (one
    query), and those whose results are published of the changed questions, less any cycle the flush deletes."""
    cycle_ids = set(changes.cycle_ids)
    if changes.unsure:
        cycle_ids.update(
            changes.unsure[nomination_id]
            for nomination_id in session.scalars(
                select(Nomination.id).where(
                    Nomination.id.in_(changes.unsure), Nomination.status.in_(SHORTLISTED_STATUSES)
                )
            )
        )
    if changes.in_a_vote:
        cycle_ids.update(
            changes.in_a_vote[nomination_id]
            for nomination_id in session.scalars(
                select(VoteOption.nomination_id).where(VoteOption.nomination_id.in_(changes.in_a_vote)).distinct()
            )
        )
    cycles = {c.id: c for c in changes.cycles}
    for cycle_id in cycle_ids - cycles.keys():
        cycle = session.get(Cycle, cycle_id)
        if cycle is not None and cycle not in deleted:
            cycles[cycle_id] = cycle
    for cycle_id in changes.questions_of - cycles.keys():
        cycle = session.get(Cycle, cycle_id)  # a form being built: its cycle is loaded already
        if cycle is not None and cycle not in deleted and cycle.status is CycleStatus.PUBLISHED:
            cycles[cycle_id] = cycle
    return cycles


def _move_updated_at_on(session: Session, cycles: dict[int, Cycle]) -> None:
    """Give each cycle a new `updated_at`: the one it was given in this flush, else now, but always
    past its stored time. The stored times are this transaction's, so an earlier flush's bump
    counts: an expired cycle given a new time has no old value in its history."""
    stored = dict(session.execute(select(Cycle.id, Cycle.updated_at).where(Cycle.id.in_(cycles))).all())
    now = utcnow()
    for cycle_id, cycle in cycles.items():
        added = inspect(cycle).attrs.updated_at.history.added
        wanted = added[0] if added and added[0] is not None else now
        old = stored.get(cycle_id)
        cycle.updated_at = wanted if old is None or wanted > old else old + timedelta(microseconds=1)


def install_freshness() -> None:
    """Keep `fingerprint` true to every change made through the ORM (installed once)."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "before_flush", _touch_changed_cycles):
        event.listen(session_class, "before_flush", _touch_changed_cycles)
