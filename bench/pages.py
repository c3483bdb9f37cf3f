"""Benchmark of the key pages at scale (issue 8, items 2–4).

Uses a database with 10,000 nominations, 300 judges and 1,000 impact cases by default (built once
by bench/scale_db.py with `seed-scale` and cached in bench/.data/, or the PostgreSQL database given
with --database-url). Each page is requested in-process through the Flask test client (no
network: one worker, one thread), signed in as the right person where it needs one, a few times
to warm up and then --requests times. It reports the median and 95th percentile of server time
(wall clock around the request) and of its CPU time, the number of SQL queries per request, and
the peak resident memory of the process, checks them against the targets, prints a table and
writes JSON to bench/results/pages-<database>.json.

The public pages are measured with the in-process page cache off (PUBLIC_CACHE_ENTRIES = 0), so
the figures are what building each page costs; see bench/throughput.py for the cached figures.

With --custom-form every cycle asks seed-scale's 30-question designed form (a repeating group, a
section for one category, a conditional question; issue 14) and the figures go to
bench/results/pages-<database>-custom-form.json.

With --rounds 2 the cycle being judged is seed-scale's two-round cycle (issue 15, item 8: round 1 over
all 10,000 entries, closed; the top 500 advanced into the final round 2, open, a panel of 60): the pages
are the same, the judge's list holding both rounds, plus the organiser's results of each round, progress
and assignment of round 2, advancing from round 1 (its first page and one category's first page), and the
first judge's round-2 score sheet; the figures go to bench/results/pages-<database>-rounds2-<round-1 mode>.json.

    .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --custom-form
    .venv/bin/python bench/pages.py --rounds 2 [--first-round scores]
    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import re
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import scale_db
import sqlalchemy as sa
from sqlalchemy import cast, event, func, select
from support import RESULTS
from support.report import load_average, machine, write_json

from awards.devdata.scale import CUSTOM_FORM_QUESTIONS
from awards.extensions import db

TARGET_MEDIAN_MS = 50
TARGET_P95_MS = 150
TARGET_RSS_MB = 250
WARM_UP = 3


@dataclass
class PageSpec:
    name: str
    path: str
    user_email: str | None = None  # None: an anonymous reader


def find_pages() -> list[PageSpec]:
    """The key pages, with real addresses taken from the scale data."""
    from awards.devdata import scale
    from awards.models import (
        Assignment,
        Cycle,
        CycleStatus,
        ImpactCase,
        ImpactCaseTrend,
        Judge,
        Nomination,
        Trend,
        User,
    )

    judging = db.session.scalar(select(Cycle).where(Cycle.status == CycleStatus.JUDGING).order_by(Cycle.id))
    cases = db.session.scalar(select(func.count(ImpactCase.id)))
    case_slug = db.session.scalar(select(ImpactCase.slug).order_by(ImpactCase.id).offset(cases // 2).limit(1))
    trend_id, _count = db.session.execute(
        select(ImpactCaseTrend.trend_id, func.count())
        .group_by(ImpactCaseTrend.trend_id)
        .order_by(func.count().desc(), ImpactCaseTrend.trend_id)
        .limit(1)
    ).one()
    trend_slug = db.session.scalar(select(Trend.slug).where(Trend.id == trend_id))
    newest_year = db.session.scalar(select(func.max(ImpactCase.year)))
    judge_email = scale.scale_email("judge", 1)
    nominee_email = scale.scale_email("nominee", 1)
    # The nominee's nomination asked the most questions (the custom form's category-only section).
    own = db.session.execute(
        select(Nomination.reference, func.length(cast(Nomination.answers, sa.Text)).label("size"))
        .join(User, User.id == Nomination.nominator_id)
        .where(User.email == nominee_email, Nomination.cycle_id == judging.id)
        .order_by(sa.desc("size"), Nomination.reference)
        .limit(1)
    ).one()
    reference = db.session.scalar(
        select(Nomination.reference)
        .join(Assignment, Assignment.nomination_id == Nomination.id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(Judge.email == judge_email)
        .order_by(Nomination.reference)
        .limit(1)
    )
    slug = judging.slug
    return [
        PageSpec("Home", "/"),
        PageSpec("Impact cases", "/impact-cases"),
        PageSpec("Impact cases, trend and year", f"/impact-cases?trend={trend_slug}&year={newest_year}"),
        PageSpec("Impact cases, text search", "/impact-cases?q=housing+council"),
        PageSpec("Impact case", f"/impact-cases/{case_slug}"),
        PageSpec("Trends", "/trends"),
        PageSpec("Trend", f"/trends/{trend_slug}"),
        PageSpec("API impact cases", "/api/v1/impact-cases"),
        PageSpec("Nominee's nominations", "/nominations", nominee_email),
        PageSpec("Nominee's nomination", f"/nominations/{own.reference}", nominee_email),
        PageSpec("Judge's list", "/judging/", judge_email),
        PageSpec("Judge's scoring page", f"/judging/nominations/{reference}", judge_email),
        PageSpec("Organiser's nominations", f"/organiser/cycles/{slug}/nominations", scale.ORGANISER_EMAIL),
        PageSpec(
            "Organiser's nominations, filtered",
            f"/organiser/cycles/{slug}/nominations?q=council&page=3",
            scale.ORGANISER_EMAIL,
        ),
        PageSpec(
            "Organiser's nomination",
            f"/organiser/cycles/{slug}/nominations/{own.reference}",
            scale.ORGANISER_EMAIL,
        ),
        PageSpec("Results", f"/organiser/cycles/{slug}/results", scale.ORGANISER_EMAIL),
        PageSpec("Trend insight", f"/organiser/cycles/{slug}/insight", scale.ORGANISER_EMAIL),
        *round_pages(judging, judge_email),
    ]


def round_pages(judging, judge_email: str) -> list[PageSpec]:
    """A two-round cycle's own pages (none for a cycle judged in one round): the organiser's results of
    each round, round 2's progress and assignment, advancing from round 1 into it (the page an organiser
    sees first, a summary per category at this size, and the first page of one category's entries), and
    the first judge's round-2 score sheet (an entry whose review is a draft, as one being scored)."""
    from awards.devdata import scale
    from awards.models import Assignment, Judge, Nomination, Review, ReviewStatus

    if len(judging.rounds) < 2:
        return []
    first, final = judging.rounds[0], judging.rounds[1]
    reference = db.session.scalar(
        select(Nomination.reference)
        .join(Assignment, Assignment.nomination_id == Nomination.id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Judge.email == judge_email, Assignment.round_id == final.id)
        .order_by((Review.status == ReviewStatus.DRAFT).desc(), Nomination.reference)
        .limit(1)
    )
    slug, organiser = judging.slug, scale.ORGANISER_EMAIL
    return [
        PageSpec(f"Results, round 1 ({first.mode.value})", f"/organiser/cycles/{slug}/results?round=1", organiser),
        PageSpec("Results, round 2", f"/organiser/cycles/{slug}/results?round=2", organiser),
        PageSpec("Progress, round 2", f"/organiser/cycles/{slug}/judging?round=2", organiser),
        PageSpec("Assignment, round 2", f"/organiser/cycles/{slug}/assignment?round=2", organiser),
        PageSpec("Advancing from round 1", f"/organiser/cycles/{slug}/rounds/1/advance", organiser),
        PageSpec(
            "Advancing, one category (page 1)",
            f"/organiser/cycles/{slug}/rounds/1/advance?category={judging.categories[0].slug}",
            organiser,
        ),
        PageSpec("Judge's round-2 score sheet", f"/judging/nominations/{reference}?round=2", judge_email),
    ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def sign_in(client, email: str) -> None:
    """Sign in through the real form (so the session is exactly what a browser gets)."""
    from awards.devdata.scale import SCALE_PASSWORD

    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"email": email, "password": SCALE_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {email} (status {response.status_code})")


def minimal_median_ms(requests: int = 300) -> float:
    """The median time of bench/support/minimal_app.py's one route through its test client, the same way the
    pages are requested: what any Flask request costs on this machine now, so runs on machines of different speed
    (this VM's CPU time varies with its neighbours) compare as ratios."""
    from support.minimal_app import app as minimal

    client = minimal.test_client()
    for _ in range(20):
        client.get("/")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(app, engine, pages: list[PageSpec], requests: int) -> list[dict]:
    counter = {"queries": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args, **_kwargs):
        counter["queries"] += 1

    clients = {}
    for spec in pages:
        if spec.user_email not in clients:
            client = app.test_client()
            if spec.user_email:
                sign_in(client, spec.user_email)
            clients[spec.user_email] = client

    figures = []
    for spec in pages:
        client = clients[spec.user_email]
        for _ in range(WARM_UP):
            response = client.get(spec.path)
            if response.status_code != 200:
                raise SystemExit(f"{spec.name} ({spec.path}) answered {response.status_code}, not 200")
        times, cpu, queries = [], [], []
        size = len(response.get_data())
        for _ in range(requests):
            counter["queries"] = 0
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(spec.path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            queries.append(counter["queries"])
            assert response.status_code == 200
        median, p95 = statistics.median(times), percentile(times, 0.95)
        figures.append(
            {
                "page": spec.name,
                "path": spec.path,
                "signed_in": bool(spec.user_email),
                "median_ms": round(median, 1),
                "p95_ms": round(p95, 1),
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "queries": max(queries),
                "queries_min": min(queries),
                "bytes": size,
                "target_met": median < TARGET_MEDIAN_MS and p95 < TARGET_P95_MS,
            }
        )
        print(
            f"  {spec.name:<36} {median:7.1f} {p95:7.1f} {statistics.median(cpu):7.1f} {max(queries):5d}"
            f"  {'ok' if figures[-1]['target_met'] else 'MISSED'}",
            flush=True,
        )
    event.remove(engine, "before_cursor_execute", count)
    return figures


def explain(app, engine, pages: list[PageSpec], slowest: int = 3) -> None:
    """Each page's slowest queries (after a warm-up request), with EXPLAIN (QUERY PLAN)."""
    captured: list = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        captured.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))

    clients = {}
    for spec in pages:
        client = clients.get(spec.user_email)
        if client is None:
            client = clients[spec.user_email] = app.test_client()
            if spec.user_email:
                sign_in(client, spec.user_email)
        client.get(spec.path)
        captured.clear()
        client.get(spec.path)
        found = sorted(captured, key=lambda item: -item[0])[:slowest]
        print(
            f"== {spec.name} ({spec.path}): {len(captured)} queries, "
            f"{sum(item[0] for item in captured) * 1000:.1f} ms in the database"
        )
        for seconds, statement, parameters in found:
            print(f"-- {seconds * 1000:.1f} ms: {' '.join(statement.split())[:400]}")
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            with engine.connect() as connection:
                for row in connection.exec_driver_sql(prefix + statement, parameters):
                    print("   ", row[-1] if engine.dialect.name == "sqlite" else row[0])
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)


def profile(app, pages: list[PageSpec], lines: int = 25) -> None:
    """Each page's second request under cProfile: the functions with the most time of their own and
    with the most time under them."""
    import cProfile
    import pstats

    clients: dict = {}
    for spec in pages:
        client = clients.get(spec.user_email)
        if client is None:
            client = clients[spec.user_email] = app.test_client()
            if spec.user_email:
                sign_in(client, spec.user_email)
        client.get(spec.path)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(spec.path)
        profiler.disable()
        print(f"== {spec.name} ({spec.path})")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(lines)
        stats.sort_stats("cumulative").print_stats(lines)


def database_version() -> str:
    if db.engine.dialect.name == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return "PostgreSQL " + db.session.scalar(sa.text("SHOW server_version")).split()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scale_db.add_scale_arguments(parser)
    parser.add_argument("--requests", type=int, default=50, help="Timed requests per page")
    parser.add_argument("--only", help="Only the pages whose name contains this text")
    parser.add_argument(
        "--output",
        help="Where to write the JSON figures (default: bench/results/pages-<database>[-<variant>].json, with "
        "-n<nominations> before .json when the scale is not the default one)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Instead of timing, profile one request of each page (after a warm-up) and print where its time goes",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="Instead of timing, print each page's slowest queries with their query plans",
    )
    args = parser.parse_args()

    url, _how = scale_db.ensure_apart(args)  # apart: building it does not count towards this process's peak memory
    load_before = load_average()
    app = scale_db.make_app(url)
    # As wsgi.py does in each production worker: what start-up built is moved out of the collector's reach.
    gc.collect()
    gc.freeze()
    logging.disable(logging.INFO)  # the audit log of the benchmark's sign-ins is not wanted here
    with app.app_context():
        dialect = db.engine.dialect.name
        engine = db.engine
        version = database_version()
        pages = [p for p in find_pages() if not args.only or args.only.lower() in p.name.lower()]
        db.session.remove()
    if args.explain:
        explain(app, engine, pages)
        return 0
    if args.profile:
        profile(app, pages)
        return 0
    # Every request runs outside any app context, so it gets its own, with its own session, as in production.
    rss_before = rss_mb()
    form = f"the {CUSTOM_FORM_QUESTIONS}-question custom form" if args.custom_form else "the default form"
    chosen = scale_db.variant(args)
    if chosen["rounds"] == 2:
        form += f", two rounds (round 1 {chosen['first_round']}, {chosen['finalists']} finalists in round 2)"
    print(
        f"Key pages at {args.nominations:,} nominations, {args.judges} judges, {args.cases:,} impact cases, "
        f"{form}, on {version} ({args.requests} requests each; load average {load_before} at the start)"
    )
    print(f"  {'Page':<36} {'median':>7} {'p95':>7} {'cpu':>7} {'SQL':>5}  (ms; SQL = queries per request)")
    minimal_ms = minimal_median_ms()
    figures = measure(app, engine, pages, args.requests)
    minimal_ms = min(minimal_ms, minimal_median_ms())  # before and after the pages: the quieter of the two
    for figure in figures:
        figure["median_over_minimal"] = round(figure["median_ms"] / minimal_ms, 1)
    peak = rss_mb()
    missed = [f["page"] for f in figures if not f["target_met"]]
    summary = {
        "database": dialect,
        "database_version": version,
        "machine": machine(),
        "scale": {"nominations": args.nominations, "judges": args.judges, "impact_cases": args.cases},
        "form": f"custom, {CUSTOM_FORM_QUESTIONS} questions" if args.custom_form else "default",
        "rounds": chosen,
        "requests_per_page": args.requests,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "targets": {"median_ms": TARGET_MEDIAN_MS, "p95_ms": TARGET_P95_MS, "peak_rss_mb": TARGET_RSS_MB},
        "minimal_endpoint_median_ms": round(minimal_ms, 3),
        "pages": figures,
        "rss_mb_before_requests": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
        "all_targets_met": not missed and peak < TARGET_RSS_MB,
    }
    print(
        f"  Minimal Flask endpoint (bench/support/minimal_app.py, same test client): {minimal_ms:.3f} ms median; "
        "each page's median in those units: " + ", ".join(f"{f['page']} {f['median_over_minimal']:g}" for f in figures)
    )
    print(
        f"  Peak resident memory of this worker: {peak:.0f} MB (target under {TARGET_RSS_MB} MB: "
        f"{'met' if peak < TARGET_RSS_MB else 'NOT met'})"
    )
    print(
        "  Targets (median under 50 ms, p95 under 150 ms): "
        + ("met by every page" if not missed else "missed by " + ", ".join(missed))
    )
    suffix = "-custom-form" if args.custom_form else ""
    if chosen["rounds"] == 2:
        suffix += f"-rounds2-{chosen['first_round'].replace('_', '')}"
    if args.nominations != scale_db.DEFAULT_SCALE["nominations"]:
        suffix += f"-n{args.nominations}"
    output = write_json(Path(args.output) if args.output else RESULTS / f"pages-{dialect}{suffix}.json", summary)
    print(f"Figures written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
