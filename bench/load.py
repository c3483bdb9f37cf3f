"""Load benchmark (issue 7, item 9): gunicorn under judges saving score sheets and public readers.

One command builds everything it needs and cleans up after itself:

- a fresh database: a SQLite file (WAL, busy timeout: the app's own settings) in a temporary
  directory, or the PostgreSQL database `awards_load` (dropped and created again through
  postgresql+psycopg://postgres@127.0.0.1:5432/postgres, or --admin-url), migrated with
  `flask db upgrade`;
- seed data made with the test factories: a cycle in judging with --judges judges, each
  assigned --per-judge nominations (no conflict declared, so the score sheet opens at once), and
  a published cycle with 24 public impact cases;
- gunicorn with --workers sync workers on 127.0.0.1, configured as production is (BASE_URL,
  SECRET_KEY; cookies allowed over plain HTTP because this is loopback);
- a second process that runs the simulated people, one thread each: judges sign in (Argon2 at
  production cost, so this phase is measured on its own), then, for --duration seconds, judges
  repeatedly open one of their score sheets and save it as a draft (with the page's CSRF token and
  the sheet's version) while readers open /impact-cases, a case and /trends.

It prints a table (requests, ok, 4xx, 5xx, errors, p50/p95/p99 in ms, requests per second, per
kind of request, for the measured window and for everything), writes the figures to
bench/results/load-<database>.json, and checks:

- no 5xx responses and no failed connections;
- rows in the database equal successful saves: every successful save (a 302 back to the sheet)
  either inserts the review with version 1 or bumps its version by exactly 1, so the sum of
  Review.version over all reviews must equal the number of successful saves;
- SQLite: gunicorn's log holds no "database is locked".

It exits 1 if a check fails.

    .venv/bin/python bench/load.py [--database sqlite|postgresql] [--duration 60] [--judges 50]
                                   [--readers 50] [--workers 4]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from queue import Empty

from support import RESULTS, ROOT
from support.net import free_port, stop
from support.report import write_json
from support.served import (
    ADMIN_URL,
    Browser,
    create_database,
    figures,
    migrate,
    print_table,
    server_environment,
    start_gunicorn,
    timed,
)

LOAD_DB = "awards_load"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CASE_LINK = re.compile(r'href="/impact-cases/([a-z0-9-]+)"')
KINDS = ("sign in", "score page", "save scores", "case list", "case", "trends")


# ---------------------------------------------------------------- the simulated people (second process)


class Start:
    """Everyone starts the measured window together, once every judge has signed in (a sign-in is
    Argon2 at production cost: a burst of 50 would otherwise be most of what the first seconds measure)."""

    def __init__(self, people: int, duration: float):
        self.duration = duration
        self.began = self.deadline = 0.0
        self.barrier = threading.Barrier(people, action=self._begin, timeout=600)

    def _begin(self):
        self.began = time.monotonic()
        self.deadline = self.began + self.duration

    def wait(self) -> float:
        self.barrier.wait()
        return self.deadline


def _sign_in(browser, results, email, password) -> bool:
    status, _, page = timed(results, "sign in", browser, "GET", "/sign-in")
    token = TOKEN.search(page or "")
    if not token:
        return False
    status, _, _ = timed(
        results,
        "sign in",
        browser,
        "POST",
        "/sign-in",
        {"csrf_token": token.group(1), "email": email, "password": password},
    )
    return status == 302


def judge_loop(port, email, references, password, start, think, results, saves):
    browser = Browser(port)
    signed_in = _sign_in(browser, results, email, password)
    deadline = start.wait()
    if not signed_in:
        return
    rng = random.Random(email)
    criteria = None
    while time.monotonic() < deadline:
        reference = rng.choice(references)
        path = f"/judging/nominations/{reference}"
        status, _, page = timed(results, "score page", browser, "GET", path)
        token, version = TOKEN.search(page or ""), VERSION.search(page or "")
        if status != 200 or not token or not version:
            continue
        if criteria is None:
            criteria = sorted(set(re.findall(r'name="(score-\d+)"', page)))
        form = {
            "csrf_token": token.group(1),
            "version": version.group(1),
            "action": "draft",
            "overall_comment": f"Saved at {time.time():.3f}",
        }
        for name in criteria[:3]:
            form[name] = str(rng.randint(1, 9))
        status, headers, _ = timed(results, "save scores", browser, "POST", path, form)
        if status == 302 and headers.get("location", "").endswith(path):
            saves.append(reference)
        if think:
            time.sleep(think)


def reader_loop(port, start, think, results, seed):
    browser = Browser(port)
    deadline = start.wait()
    rng = random.Random(seed)
    slugs: list[str] = []
    while time.monotonic() < deadline:
        status, _, page = timed(results, "case list", browser, "GET", "/impact-cases")
        if status == 200 and not slugs:
            slugs = CASE_LINK.findall(page)
        if slugs:
            timed(results, "case", browser, "GET", f"/impact-cases/{rng.choice(slugs)}")
        timed(results, "trends", browser, "GET", "/trends")
        if think:
            time.sleep(think)


def generate_load(port, judges, readers, duration, think, queue):
    """Runs in the second process: one thread per simulated person, bounded in time."""
    start = Start(len(judges) + readers, duration)
    results: list = []
    saves: list = []
    threads = [
        threading.Thread(
            target=judge_loop, args=(port, email, refs, password, start, think, results, saves), daemon=True
        )
        for email, refs, password in judges
    ]
    threads += [
        threading.Thread(target=reader_loop, args=(port, start, think, results, i), daemon=True) for i in range(readers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 720)
    queue.put(
        {
            "results": results,
            "saves": len(saves),
            "sign_in_s": start.began - started,
            "elapsed": time.monotonic() - start.began,
        }
    )


# ---------------------------------------------------------------- setting up (first process)


def seed(database_url: str, judges: int, per_judge: int, workdir: Path) -> list[tuple[str, list[str], str]]:
    """Judges with assigned nominations (conflict question answered) and public impact cases."""
    from awards import create_app
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from tests.factories import (
        DEFAULT_PASSWORD,
        make_assignment,
        make_cycle,
        make_judge,
        make_nomination,
        make_published_case,
        make_published_cycle,
        make_user,
    )

    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_FILE_DIR": str(workdir / "outbox"),
            "UPLOAD_FOLDER": str(workdir / "uploads"),
        }
    )
    people = []
    logging.disable(logging.INFO)  # the factories' audit lines are not the benchmark's output
    with app.app_context():
        now = utcnow()
        cycle = make_cycle(
            name="Load test awards",
            year=2026,
            status="judging",
            open_at=now - timedelta(days=60),
            close_at=now - timedelta(days=1),
        )
        nominator = make_user(email="nominator@riverside.gov.uk")
        nominations = [make_nomination(cycle, nominator=nominator) for _ in range(max(judges, per_judge))]
        for i in range(judges):
            judge = make_judge(cycle, email=f"load-judge{i}@judges.example.org")
            mine = [nominations[(i + k) % len(nominations)] for k in range(per_judge)]
            for nomination in mine:
                make_assignment(judge, nomination, no_conflict_declared=True)
            people.append((judge.email, [n.reference for n in mine], DEFAULT_PASSWORD))
        published = make_published_cycle(year=2025)
        for _ in range(24):
            make_published_case(published)
        db.session.remove()
        db.engine.dispose()
    logging.disable(logging.NOTSET)
    return people


def stored_versions(database_url: str) -> tuple[int, int, str | None]:
    """The sum of review versions, the number of reviews, and (SQLite) the journal mode the app left."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        total, count = connection.execute(sa.text("SELECT COALESCE(SUM(version), 0), COUNT(*) FROM reviews")).one()
    engine.dispose()
    journal = None
    if database_url.startswith("sqlite:///"):
        # Plain sqlite3, not SQLAlchemy: the app's connect hook would set WAL itself and prove nothing.
        import sqlite3

        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as plain:
            journal = plain.execute("PRAGMA journal_mode").fetchone()[0]
    return int(total), int(count), journal


# ---------------------------------------------------------------- figures


def summarise(results: list, elapsed: float, sign_in_s: float) -> dict:
    """Per kind of request; "window" is every request of the measured window (all but signing in),
    "all" every request. Requests per second are over the time each was made in."""
    table = {}
    for kind in (*KINDS, "window", "all"):
        rows = [r for r in results if kind == "all" or r[0] == kind or (kind == "window" and r[0] != "sign in")]
        seconds = {"sign in": sign_in_s, "all": sign_in_s + elapsed}.get(kind, elapsed)
        table[kind] = figures(rows, seconds)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--per-judge", type=int, default=4, help="nominations assigned to each judge (default 4)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each simulated person pauses between rounds (default 0: as fast as answered)",
    )
    parser.add_argument(
        "--admin-url",
        default=ADMIN_URL,
        help=f"PostgreSQL maintenance database used to create and drop {LOAD_DB}",
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="awards-load-"))
    port = free_port()
    server = None
    keep = False  # the temporary directory (database, gunicorn's log) is kept only when something failed
    drop = lambda: None  # noqa: E731
    try:
        database_url, drop = create_database(args.database, workdir, args.admin_url, LOAD_DB)
        # Every judge signs in from the one loopback address, which the per-address limit would stop.
        env = server_environment(database_url, port, workdir, AWARDS_RATELIMIT_ENABLED="false")
        print(
            f"database: {args.database}; migrating and seeding {args.judges} judges × {args.per_judge} sheets …",
            flush=True,
        )
        migrate(env)
        people = seed(database_url, args.judges, args.per_judge, workdir)
        log_path = workdir / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log_path)
        print(
            f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; {args.judges} judges and {args.readers} "
            f"readers for {args.duration:g} s from a second process …",
            flush=True,
        )

        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        generator = context.Process(
            target=generate_load, args=(port, people, args.readers, args.duration, args.think, queue)
        )
        generator.start()
        outcome = None
        while outcome is None:
            try:
                outcome = queue.get(timeout=5)
            except Empty:
                if not generator.is_alive():
                    raise RuntimeError("the load generator stopped without results") from None
        generator.join(30)
        stop(server, 30)
        server_log = log_path.read_text(errors="replace")
        server = None

        table = summarise(outcome["results"], outcome["elapsed"], outcome["sign_in_s"])
        print(f"judges signed in over {outcome['sign_in_s']:.1f} s; then everyone for {outcome['elapsed']:.1f} s")
        print_table(table)
        saved, reviews, journal = stored_versions(database_url)
        ok_saves = outcome["saves"]
        locked = server_log.count("database is locked")
        print(f"\nsuccessful saves (302 back to the sheet): {ok_saves}")
        print(f"rows: sum of Review.version over {reviews} reviews: {saved}")
        if args.database == "sqlite":
            print(f"SQLite journal mode: {journal}")
            print(f'"database is locked" in gunicorn\'s log: {locked}')
        checks = {
            "no 5xx": table["all"]["5xx"] == 0,
            "no failed connections": table["all"]["errors"] == 0,
            "rows equal successful saves": saved == ok_saves,
            "some saves were made": ok_saves > 0,
        }
        if args.database == "sqlite":
            checks["no 'database is locked'"] = locked == 0
            checks["SQLite in WAL mode"] = journal == "wal"
        for name, passed in checks.items():
            print(f"check: {name}: {'ok' if passed else 'FAILED'}")

        out = write_json(
            RESULTS / f"load-{args.database}.json",
            {
                "database": args.database,
                "workers": args.workers,
                "judges": args.judges,
                "readers": args.readers,
                "per_judge": args.per_judge,
                "think_s": args.think,
                "duration_s": round(outcome["elapsed"], 1),
                "sign_in_s": round(outcome["sign_in_s"], 1),
                "requests": table,
                "successful_saves": ok_saves,
                "sum_review_versions": saved,
                "reviews": reviews,
                "database_is_locked": locked if args.database == "sqlite" else None,
                "sqlite_journal_mode": journal,
                "checks": checks,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
        )
        print(f"written to {out.relative_to(ROOT)}")
        if not all(checks.values()):
            keep = True
            print(f"gunicorn's log is kept at {log_path}")
            return 1
        return 0
    except BaseException:
        keep = (workdir / "gunicorn.log").exists()
        if keep:
            print(f"gunicorn's log is kept at {workdir / 'gunicorn.log'}", file=sys.stderr)
        raise
    finally:
        if server is not None:
            stop(server, 30)
        drop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
