"""CSV export benchmark (issue 8, item 2): the organiser's nominations CSV, streamed.

For 1,000 and for 10,000 nominations (two scale databases from bench/scale_db.py, built once and
reused; a SQLite one is copied first, because an export writes its audit record), a fresh process
signs in as the scale data's organiser and downloads /organiser/cycles/<cycle>/nominations.csv
through the app (the Flask test client, unbuffered, so the body is read as it is streamed), twice:

- measured (after one warm-up download): under tracemalloc, for the peak of Python memory above
  what the process held before the request, and the growth of the process's resident set (peak
  RSS during the export minus RSS before it);
- timed: time to first and to last byte, bytes and rows (the rows are then checked: one per
  nomination, plus the header).

Targets: 10,000 nominations in under 5 s, and memory flat: the peak for 10,000 is less than
4 MB above the peak for 1,000. It prints a table, writes bench/results/export.json, and exits 1
if the file is wrong or a target is missed.

    .venv/bin/python bench/export.py [--sizes 1000 10000] [--database-url postgresql+psycopg://…/awards_bench]

With --custom-form the cycles ask seed-scale's 30-question designed form (a CSV column per question)
and the figures go to bench/results/export-custom-form.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import multiprocessing
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import scale_db
from support import ROOT
from support.report import write_json

RESULTS = ROOT / "bench" / "results" / "export.json"
TARGET_SECONDS = 5.0
TARGET_GROWTH_MB = 4.0
BASE_URL = "http://127.0.0.1:5000"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def export_once(url: str) -> dict:
    """Run in a fresh process: sign in as the organiser and download the CSV twice."""
    import sqlalchemy as sa

    from awards.devdata.scale import ORGANISER_EMAIL
    from awards.extensions import db
    from awards.models import Cycle, CycleStatus, Nomination, User
    from awards.security import session_identifier

    app = scale_db.make_app(url, BASE_URL=BASE_URL)
    logging.getLogger("awards").setLevel(logging.WARNING)  # not a line per export's audit record
    with app.app_context():
        organiser = db.session.scalar(sa.select(User).where(User.email == ORGANISER_EMAIL))
        cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING).order_by(Cycle.id))
        expected = db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(Nomination.cycle_id == cycle.id))
        token, path = organiser.session_token, f"/organiser/cycles/{cycle.slug}/nominations.csv"
        db.session.remove()
    client = app.test_client()
    with client.session_transaction(base_url=BASE_URL) as session:
        # a session carries its sign-in time (one without is refused as expired)
        session["_user_id"], session["_fresh"] = session_identifier(token, int(time.time())), True

    def download(keep: bool):
        chunks, size, first = [], 0, None
        started = time.perf_counter()
        response = client.get(path, base_url=BASE_URL, buffered=False)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        for chunk in response.response:
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
            if keep:
                chunks.append(chunk)
        response.close()
        return time.perf_counter() - started, first, size, chunks

    download(False)  # warm: templates, statements and the database's cache, as in a running server
    # Memory first, before anything in this process has held a whole file (ru_maxrss is the peak
    # over the process's life, so the growth it shows is the export's own).
    rss_before = _rss_bytes()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    download(False)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    seconds, first_byte, size, chunks = download(True)
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return {
        "nominations": expected,
        "rows": len(rows) - 1,
        "header_ok": rows[0][0] == "Reference",
        "seconds": round(seconds, 3),
        "first_byte_seconds": round(first_byte or 0.0, 3),
        "bytes": size,
        "python_peak_mb": round(peak / 2**20, 2),
        "rss_growth_mb": round(max(0, rss_peak - rss_before) / 2**20, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 10_000],
        help="numbers of nominations to export (default 1000 10000)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL; one database per size is made on it, "
        "named awards_bench_<size> (default: cached SQLite files)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the scale data again")
    parser.add_argument(
        "--custom-form", action="store_true", help="the cycles ask seed-scale's 30-question designed form"
    )
    args = parser.parse_args()

    results = []
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="awards-export-") as tmp:
        for size in args.sizes:
            scale = {"nominations": size, "judges": max(3, min(300, size * 3 // 100)), "cases": min(1_000, size // 10)}
            database_url = None
            if args.database_url:
                import sqlalchemy as sa

                database_url = (
                    sa.make_url(args.database_url)
                    .set(database=f"awards_bench_{size}{'_custom' if args.custom_form else ''}")
                    .render_as_string(hide_password=False)
                )
            url, how = scale_db.ensure(
                **scale, custom_form=args.custom_form, database_url=database_url, rebuild=args.rebuild
            )
            if url.startswith("sqlite:///"):
                copy = Path(tmp) / f"export-{size}.db"
                shutil.copyfile(url.removeprefix("sqlite:///"), copy)
                url = f"sqlite:///{copy}"
            print(f"  exporting {size:,} nominations …", flush=True)
            with context.Pool(1) as pool:
                figures = pool.apply(export_once, (url,))
            results.append({"size": size, "scale": scale, "scale_data": how, **figures})

    print()
    print(
        f"Nominations CSV export on {platform.node()} ({os.cpu_count()} CPUs), "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(
        f"{'nominations':>11} {'rows':>7} {'MB':>6} {'first byte s':>12} {'last byte s':>11} "
        f"{'Python peak MB':>14} {'RSS growth MB':>13}"
    )
    for r in results:
        print(
            f"{r['nominations']:>11,} {r['rows']:>7,} {r['bytes'] / 2**20:>6.1f} {r['first_byte_seconds']:>12.3f} "
            f"{r['seconds']:>11.3f} {r['python_peak_mb']:>14.2f} {r['rss_growth_mb']:>13.2f}"
        )
    problems = [
        f"{r['size']:,}: {r['rows']} rows for {r['nominations']} nominations"
        for r in results
        if r["rows"] != r["nominations"] or not r["header_ok"]
    ]
    largest, smallest = max(results, key=lambda r: r["nominations"]), min(results, key=lambda r: r["nominations"])
    if largest["seconds"] >= TARGET_SECONDS:
        problems.append(
            f"{largest['nominations']:,} nominations took {largest['seconds']:.2f} s "
            f"(target under {TARGET_SECONDS:g} s)"
        )
    growth = largest["python_peak_mb"] - smallest["python_peak_mb"]
    if len(results) > 1 and growth >= TARGET_GROWTH_MB:
        problems.append(
            f"peak memory grew by {growth:.2f} MB from {smallest['nominations']:,} to "
            f"{largest['nominations']:,} nominations (target under {TARGET_GROWTH_MB:g} MB)"
        )
    print(
        f"Targets: under {TARGET_SECONDS:g} s for {largest['nominations']:,}; peak growth under "
        f"{TARGET_GROWTH_MB:g} MB ({growth:+.2f} MB): {'met' if not problems else 'NOT met'}."
    )

    write_json(
        RESULTS.with_name("export-custom-form.json") if args.custom_form else RESULTS,
        {
            "benchmark": "export",
            "form": "custom, 30 questions" if args.custom_form else "default",
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "database": "postgresql" if args.database_url else "sqlite",
            "target_seconds": TARGET_SECONDS,
            "target_growth_mb": TARGET_GROWTH_MB,
            "peak_growth_mb": round(growth, 2),
            "problems": problems,
            "results": results,
        },
    )
    written = RESULTS.with_name("export-custom-form.json") if args.custom_form else RESULTS
    print(f"Wrote {written.relative_to(ROOT)}")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
