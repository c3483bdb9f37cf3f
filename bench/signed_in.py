"""Signed-in pages in one process (issue 19, item 2): CPU time a request of the five pages people use
the night before a deadline, beside the minimal endpoint measured the same way in the same run, and
where the time goes (--profile: cProfile of many requests of each page, the top functions).

The app is made as gunicorn makes it (wsgi.py: production settings, CSRF on, gc.freeze) on a copy of the
scale database (bench/scale_db.py), and each page is requested through Flask's test client by a person
signed in through the real form: the nominee's task list and a section page (of a draft started here, in
the open cycle, through the start form), the judge's list, a scoring page, and the organiser's
nominations list. No sockets: what is measured is the app's own work, which is what the throughput
ratio (bench/throughput.py) is made of.

    .venv/bin/python bench/signed_in.py [--requests 300] [--profile] [--only judge]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import logging
import os
import pstats
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import scale_db
from support import ROOT
from support.in_process import BASE, Client

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def production_app(url: str):
    """The app as wsgi.py makes it for gunicorn (production settings from the environment)."""
    os.environ.update(
        {
            "AWARDS_ENVIRONMENT": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "AWARDS_BASE_URL": BASE,
            "AWARDS_SESSION_COOKIE_SECURE": "false",
            "AWARDS_REMEMBER_COOKIE_SECURE": "false",
            # The scale data's organiser has no authenticator app; production asks organisers for one.
            "AWARDS_REQUIRE_ORGANISER_2FA": "false",
        }
    )
    sys.path.insert(0, str(ROOT))
    from awards import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {email}: {response.status_code}")


def start_draft(client) -> str:
    """A draft nomination in the open cycle, started through the start form: its reference."""
    page = client.get("/nominations/start").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    cycle = re.search(r'name="cycle" (?:type="hidden" )?value="([^"]+)"', page)
    category = re.search(r'name="category"[^>]*value="([^"]+)"', page)
    if category is None:  # the page asked for the cycle first
        cycle = re.search(r'name="cycle"[^>]*value="([^"]+)"', page)
        page = client.get(f"/nominations/start?cycle={cycle.group(1)}").get_data(as_text=True)
        token = TOKEN.search(page).group(1)
        category = re.search(r'name="category"[^>]*value="([^"]+)"', page)
    data = {"csrf_token": token, "category": category.group(1)}
    if cycle:
        data["cycle"] = cycle.group(1)
    response = client.post("/nominations/start", data=data)
    location = response.headers.get("Location", "")
    match = re.search(r"/nominations/([A-Z0-9-]+)$", location)
    if response.status_code != 302 or not match:
        raise SystemExit(f"could not start a nomination: {response.status_code} {location}")
    return match.group(1)


def signed_in_pages(app) -> list[tuple[str, object, str]]:
    """(label, signed-in test client, path) for the five pages, with real addresses from the scale data."""
    from sqlalchemy import select

    from awards.devdata.scale import ORGANISER_EMAIL, SCALE_PASSWORD, scale_email
    from awards.extensions import db
    from awards.models import Assignment, Cycle, CycleStatus, Judge, Nomination

    with app.app_context():
        judging = db.session.scalar(select(Cycle).where(Cycle.status == CycleStatus.JUDGING).order_by(Cycle.id))
        slug = judging.slug
        judge_email = scale_email("judge", 1)
        scored = db.session.scalar(
            select(Nomination.reference)
            .join(Assignment, Assignment.nomination_id == Nomination.id)
            .join(Judge, Judge.id == Assignment.judge_id)
            .where(Judge.email == judge_email, Assignment.no_conflict_declared_at.is_not(None))
            .order_by(Nomination.reference)
            .limit(1)
        )
        db.session.remove()
    nominee = Client(app)
    sign_in(nominee, scale_email("nominee", 1), SCALE_PASSWORD)
    reference = start_draft(nominee)
    tasks = nominee.get(f"/nominations/{reference}").get_data(as_text=True)
    listed = tasks[tasks.index("govuk-task-list") :]  # the task list's first section
    section = re.search(rf'href="/nominations/{reference}/([a-z0-9_-]+)"', listed).group(1)
    judge = Client(app)
    sign_in(judge, judge_email, SCALE_PASSWORD)
    organiser = Client(app)
    sign_in(organiser, ORGANISER_EMAIL, SCALE_PASSWORD)
    return [
        ("nominee's task list", nominee, f"/nominations/{reference}"),
        ("section page", nominee, f"/nominations/{reference}/{section}"),
        ("judge's list", judge, "/judging/"),
        ("scoring page", judge, f"/judging/nominations/{scored}"),
        ("organiser's nominations", organiser, f"/organiser/cycles/{slug}/nominations"),
    ]


def cpu_per_request(get, requests: int) -> float:
    """Median over 5 batches of the CPU milliseconds a request (time.process_time)."""
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(max(1, requests // 5)):
            get()
        batches.append((time.process_time() - started) * 1000 / max(1, requests // 5))
    return statistics.median(batches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scale_db.add_scale_arguments(parser)
    parser.add_argument("--requests", type=int, default=300, help="requests per page (default 300)")
    parser.add_argument("--profile", action="store_true", help="cProfile each page and print the top functions")
    parser.add_argument("--only", help="only the pages whose label contains this")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile (default 25)")
    args = parser.parse_args()
    url, _how = scale_db.ensure_apart(args)
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="awards-signed-in-") as tmp:
        if url.startswith("sqlite:///"):
            copy = Path(tmp) / "scale.db"
            shutil.copyfile(url.removeprefix("sqlite:///"), copy)
            url = f"sqlite:///{copy}"
        app = production_app(url)
        pages = [p for p in signed_in_pages(app) if not args.only or args.only.lower() in p[0].lower()]
        sys.path.insert(0, str(ROOT / "bench" / "support"))
        from minimal_app import app as minimal

        ceiling = minimal.test_client()
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        print(f"{'page':<26} {'status':>6} {'bytes':>7} {'CPU ms':>7} {'minimal ms':>10} {'ratio':>6}")
        for label, client, path in pages:
            response = client.get(path)
            for _ in range(20):
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{label}: {path} answered {response.status_code}")
            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.requests):
                    client.get(path)
                profiler.disable()
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(args.top)
                stats.sort_stats("tottime").print_stats(args.top)
                print(f"==== {label} ({path}), {args.requests} requests\n{out.getvalue()}")
                continue
            page_ms = cpu_per_request(lambda c=client, p=path: c.get(p), args.requests)
            minimal_ms = cpu_per_request(lambda: ceiling.get("/"), max(args.requests, 1000))
            print(
                f"{label:<26} {response.status_code:>6} {len(response.get_data()):>7} {page_ms:>7.2f} "
                f"{minimal_ms:>10.3f} {minimal_ms / page_ms:>6.1%}",
                flush=True,
            )
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
