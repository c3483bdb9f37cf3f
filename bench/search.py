"""Benchmark of the impact-case search at 10,000 public cases (issue 19, item 6: under 20 ms median).

Uses a database built by bench/scale_db.py with `seed-scale` holding 10,000 impact cases (and a small
cycle being judged: its 500 nominations are not what this measures), cached in bench/.data/, or the
PostgreSQL database given with --database-url (created if missing; name it with "bench"). Each search
page is requested in-process through the Flask test client with the public page cache off, so every
request builds the page: the count of matches, the best 20 with their excerpts, the filters' choices
and the template. It reports the median and 95th percentile of the page's time and of find_cases alone
(the search's two statements and the page's trends), the number of matches, and the median of
bench/support/minimal_app.py's one route timed the same way in the same run, with the load average;
JSON goes to bench/results/search-<database>.json.

    .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench_search
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import time
from urllib.parse import urlencode

import scale_db
from pages import database_version, minimal_median_ms, percentile
from support import RESULTS, ROOT
from support.report import load_average, machine, write_json

from awards.extensions import db

TARGET_MEDIAN_MS = 20
WARM_UP = 5
# A reader's words: common ones (thousands of matches to rank), a rarer pair, three words, and a
# word in a form the texts do not use ("councils" finds "council").
QUERIES = ("council housing", "housing repairs", "digital confidence users", "councils", "shared code")


def time_ms(action, requests: int) -> list[float]:
    for _ in range(WARM_UP):
        action()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(app, requests: int) -> list[dict]:
    from awards.domain.publishing import impact_cases

    client = app.test_client()
    figures = []
    for words in ("", *QUERIES):
        path = "/impact-cases" + (f"?{urlencode({'q': words})}" if words else "")

        def page(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        filters = impact_cases.CaseFilters(q=words)

        def find(filters=filters):
            impact_cases.find_cases(filters)
            db.session.remove()

        page_times = time_ms(page, requests)
        with app.app_context():
            total = impact_cases.find_cases(filters).total
            db.session.remove()
            find_times = time_ms(find, requests)
        median = statistics.median(page_times)
        figures.append(
            {
                "words": words,
                "path": path,
                "matches": total,
                "median_ms": round(median, 2),
                "p95_ms": round(percentile(page_times, 0.95), 2),
                "find_cases_median_ms": round(statistics.median(find_times), 2),
                "find_cases_p95_ms": round(percentile(find_times, 0.95), 2),
                "target_met": median < TARGET_MEDIAN_MS,
            }
        )
        shown = f"q={words!r}" if words else "(no words: library order)"
        print(
            f"  {shown:<36} {total:7,d} {median:8.2f} {figures[-1]['p95_ms']:8.2f}"
            f" {figures[-1]['find_cases_median_ms']:8.2f}  {'ok' if figures[-1]['target_met'] else 'MISSED'}",
            flush=True,
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scale_db.add_scale_arguments(parser)
    parser.set_defaults(nominations=500, judges=20, cases=10_000)
    parser.add_argument("--requests", type=int, default=100, help="Timed requests per search")
    args = parser.parse_args()

    url, _how = scale_db.ensure_apart(args)
    load_before = load_average()
    app = scale_db.make_app(url)
    gc.collect()
    gc.freeze()  # as wsgi.py does in each worker
    logging.disable(logging.INFO)
    with app.app_context():
        from sqlalchemy import func, select

        from awards.domain.publishing.impact_cases import is_public
        from awards.models import ImpactCase

        dialect, version = db.engine.dialect.name, database_version()
        public = db.session.scalar(select(func.count(ImpactCase.id)).where(is_public()))
        db.session.remove()
    print(
        f"Impact-case search at {public:,} public cases on {version} ({args.requests} requests each, page cache "
        f"off; load average {load_before} at the start)"
    )
    print(f"  {'Search':<36} {'matches':>7} {'median':>8} {'p95':>8} {'find':>8}  (ms; find = find_cases alone)")
    minimal_ms = minimal_median_ms()
    figures = measure(app, args.requests)
    minimal_ms = min(minimal_ms, minimal_median_ms())  # before and after: the quieter of the two
    for figure in figures:
        figure["median_over_minimal"] = round(figure["median_ms"] / minimal_ms, 1)
    searches = [f for f in figures if f["words"]]
    missed = [f["words"] for f in searches if not f["target_met"]]
    print(
        f"  Minimal Flask endpoint (bench/support/minimal_app.py, same test client): {minimal_ms:.3f} ms median; "
        "each page's median in those units: "
        + ", ".join(f"{f['words'] or '(no words)'} {f['median_over_minimal']:g}" for f in figures)
    )
    print(
        f"  Target (median under {TARGET_MEDIAN_MS} ms): "
        + ("met by every search" if not missed else "missed by " + ", ".join(missed))
    )
    summary = {
        "database": dialect,
        "database_version": version,
        "machine": machine(),
        "public_cases": public,
        "requests_per_search": args.requests,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "target_median_ms": TARGET_MEDIAN_MS,
        "minimal_endpoint_median_ms": round(minimal_ms, 3),
        "searches": figures,
        "all_targets_met": not missed,
    }
    output = write_json(RESULTS / f"search-{dialect}.json", summary)
    print(f"Figures written to {output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
