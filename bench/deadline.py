"""Deadline night (issue 19, item 1): nominees saving sections, uploading and submitting, judges scoring and readers
reading, all at once, against gunicorn (or nginx in front of two gunicorn servers), then a count of what was kept.

One command builds everything it needs and cleans up after itself (bench/support/served.py, as bench/load.py and
bench/votes.py do):

- a fresh database: a SQLite file in a temporary directory, or a PostgreSQL database whose name holds "bench"
  (default `awards_deadline_bench`, dropped and created again through the `postgres` maintenance database),
  migrated with `flask db upgrade`;
- seed data from the test factories: an open cycle with --nominees nominees, each with a complete draft of the
  default entry form; a cycle in judging with --judges judges, each assigned --per-judge entries; a published cycle
  with 24 public impact cases; an organiser with two-factor on;
- a signed-in session for each person, made by the app's own `security.begin_session` in the seeding process with
  the servers' SECRET_KEY: the same cookie the sign-in form would give, without 350 Argon2 hashes at production
  cost (0.28 s of CPU each on this machine: 100 s of CPU before the first save; bench/load.py measures signing in).
  Nothing else is changed from production: the request limits are on (counted in Redis when it answers), no limit
  is raised, since none of these requests is a limited one (signing in is, and is not done here);
- the minimal Flask endpoint (bench/support/minimal_app.py) under gunicorn with the same workers, loaded for
  --minimal-duration seconds by the same generator (16 connections, as fast as it answers): the ceiling beside
  which the figures are read;
- the app under gunicorn with --workers sync workers, configured as production (bench/support/served.py); with
  --servers 2, two such servers behind nginx (bench/support/nginx.py) with the same database, REDIS_URL and upload
  storage (S3-compatible object storage served by moto's S3 server on loopback, or with --storage folder one
  upload folder the servers share);
- a second process running the people with aiohttp on one event loop (each person's cookies kept apart):
  * nominees: on a schedule of --save-rate section saves a second in all (each nominee every nominees/rate
    seconds, staggered), open a section of their entry (for its CSRF token and `based_on`), post new text for it
    and open the task list the 302 leads to, as a browser would; on their first turn they also upload a PDF (the
    documents section, then the upload form's POST), on their second they open "check your answers" and submit,
    and they go on editing after that (edits after submission). A cycle that cannot start on time (the last one has
    not come back) starts at once and counts as late;
  * judges: every --judge-think seconds (exponential, mean) open one of their score sheets and save it as a draft
    (CSRF token, the sheet's version), then open the sheet again as the 302 asks;
  * readers: anonymous, every --reader-think seconds (mean) one of /impact-cases, an impact case or /trends.
  During --warmup seconds before the window each nominee saves a section once, each judge a sheet and each reader
  opens a page (kept and checked like the rest, not measured), so that every worker has compiled its templates.

With --servers 2, before the load, an impact case is edited and then unpublished through server A, each change read
straight from server B's port once B serves the case from its page cache; with --kill-after SECONDS, server B
(master and workers) is killed with SIGKILL that many seconds into the window.

It prints a table per kind of request (requests, statuses, p50/p95/p99, requests per second), the sustained section
saves a second with their p50/p95, the minimal endpoint's requests a second and p50 in the same run, the server's and
the generator's CPU, the load average, writes bench/results/deadline-<database>-<servers>s-<workers>w.json and
checks (exit 1 if one fails):

- no 5xx and no failed connection (with a server killed: only POSTs that were running on it at that moment may get
  nginx's 502, and no GET may fail: nginx passes those to the other server);
- nothing lost: each section holds the text of the last save that was answered with success (or of a later save
  whose answer was lost with the server); the audit log holds one "section saved" event per successful save, each
  entry's `version` is what its successful saves, uploads and submission add (1 each: a save is one UPDATE of the
  entry), every successful upload has its row and every row its file on storage, and there are no other files (but
  the in-doubt uploads' own), every successful submission is submitted; each review's version equals its sheet's
  successful saves;
- the publication was not served stale by the other server;
- SQLite: gunicorn's log holds no "database is locked".

    .venv/bin/python bench/deadline.py [--database sqlite|postgresql] [--duration 120 | --short] [--workers 4]
    .venv/bin/python bench/deadline.py --database postgresql --servers 2 --workers 2 --kill-after 60
    make two-servers-check    # the same with a smaller crowd for 30 s (docs/operations.md, "Two app servers")
"""

from __future__ import annotations

import argparse
import asyncio
import html
import io
import json
import logging
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from queue import Empty
from unittest import mock
from urllib.parse import urlsplit

from support import RESULTS, ROOT
from support.net import free_port, stop
from support.nginx import start_nginx, upstream_summary
from support.report import load_average, machine, write_json
from support.served import (
    ADMIN_URL,
    Browser,
    cpu_seconds,
    create_database,
    figures,
    migrate,
    print_table,
    redis_answers,
    server_environment,
    start_gunicorn,
    worker_pids,
)

DEADLINE_DB = "awards_deadline_bench"
REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CRITERION = re.compile(r'name="(score-\d+)"')
CASE_LINK = re.compile(r'href="/impact-cases/([a-z0-9-]+)"')
SECTIONS = ("challenge", "approach", "lessons")  # one long answer each in the default form
NOMINEE_KINDS = ("section page", "save section", "task list", "documents page", "upload", "check page", "submit")
KINDS = (*NOMINEE_KINDS, "confirmation", "score page", "save scores", "case list", "case", "trends")
POSTS = ("save section", "upload", "submit", "save scores")
WORDS = (
    "residents council service data digital team housing repairs online forms users tested weekly improved "
    "accessible plain language partners shared code open standards cost saved calls reduced support staff trained"
).split()


def _pdf(size: int = 40_000) -> bytes:
    """A small PDF (the upload is checked by its content, not its name)."""
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    filler = b"".join(b"%% evidence of impact, line %d\n" % i for i in range(size // 30))
    return body + filler + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def _text(rng: random.Random, who: int, section: str, k: int) -> str:
    """About 80 words (the default form allows 100 in its shortest long answer), unique to the save."""
    words = " ".join(rng.choice(WORDS) for _ in range(72))
    return f"Save {k} of {section} by nominee {who}. {words.capitalize()}."


# ---------------------------------------------------------------- the people (second process, one event loop)


class Person:
    """One person's cookies over a shared aiohttp session (its cookie jar is not used: each person keeps their own)."""

    def __init__(self, run: Run, cookies: dict[str, str] | None = None):
        self.run = run
        self.cookies = dict(cookies or {})

    async def request(self, kind: str, method: str, path: str, data=None) -> tuple[int | None, dict, str]:
        """One request; (kind, seconds, status or None, start) is added to the run's results."""
        import aiohttp

        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        started_wall, started = time.time(), time.perf_counter()
        try:
            async with self.run.http.request(
                method, self.run.base + path, data=data, headers=headers, allow_redirects=False
            ) as response:
                text = await response.text(errors="replace")
                status = response.status
                for cookie in response.headers.getall("Set-Cookie", []):
                    name, _, rest = cookie.partition("=")
                    value = rest.split(";", 1)[0]
                    if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                        self.cookies[name.strip()] = value
                    else:
                        self.cookies.pop(name.strip(), None)
                found = {k.lower(): v for k, v in response.headers.items()}
        except (TimeoutError, aiohttp.ClientError, OSError):
            self.run.results.append((kind, time.perf_counter() - started, None, started_wall))
            return None, {}, ""
        self.run.results.append((kind, time.perf_counter() - started, status, started_wall))
        return status, found, text


class Run:
    """What the people share: the HTTP session, the window, the results and what each nominee and judge did."""

    def __init__(self, http, base: str, start: float, duration: float, nominees: int):
        self.http, self.base, self.nominees = http, base, nominees
        self.start, self.deadline = start, start + duration
        self.results: list[tuple[str, float, int | None, float]] = []
        self.late: list[float] = []
        # Per nominee (by reference): every POST and how it was answered: accepted, refused or in doubt.
        self.saves: dict[str, list[tuple[str, str, str]]] = {}  # (section, outcome, text)
        self.uploads: dict[str, list[str]] = {}
        self.submits: dict[str, list[str]] = {}
        self.sheets: dict[str, list[str]] = {}  # per "judge email|reference": outcomes of saves
        self.odd: list[str] = []


def _outcome(run: Run, kind: str, status: int | None, headers: dict, accepted: bool) -> str:
    if accepted:
        return "accepted"
    if len(run.odd) < 20:  # what the first few POSTs that were not accepted got, for the report
        run.odd.append(f"{kind}: {status} {headers.get('location', '')}")
    return "in doubt" if status is None or status >= 500 else "refused"


def _path(location: str) -> str:
    """The path (and query) of a redirect's Location, without its fragment."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _sleep_until(at: float) -> None:
    wait = at - time.time()
    if wait > 0:
        await asyncio.sleep(wait)


async def _save_section(person: Person, run: Run, reference: str, section: str, text: str) -> str:
    path = f"/nominations/{reference}/{section}"
    status, _, page = await person.request("section page", "GET", path)
    form = form_fields(page, path)  # every field of the section, as a browser posts them
    if status != 200 or "csrf_token" not in form or "based_on" not in form or time.time() >= run.deadline:
        return "refused"
    form[section] = text
    status, headers, _ = await person.request("save section", "POST", path, form)
    accepted = status == 302 and headers.get("location", "").split("#")[0].endswith(f"/nominations/{reference}")
    outcome = _outcome(run, "save section", status, headers, accepted)
    run.saves.setdefault(reference, []).append((section, outcome, text))
    if accepted:
        await person.request("task list", "GET", _path(headers["location"]))
    return outcome


async def _upload(person: Person, run: Run, reference: str, pdf: bytes) -> None:
    import aiohttp

    path = f"/nominations/{reference}/documents"
    status, _, page = await person.request("documents page", "GET", path)
    token = TOKEN.search(page)
    if status != 200 or not token:
        return
    form = aiohttp.FormData()
    form.add_field("csrf_token", token.group(1))
    form.add_field("question", "documents")
    form.add_field("file", io.BytesIO(pdf), filename="evidence.pdf", content_type="application/pdf")
    status, headers, _ = await person.request("upload", "POST", path + "/upload", form)
    accepted = status == 302 and headers.get("location", "").endswith(path)
    run.uploads.setdefault(reference, []).append(_outcome(run, "upload", status, headers, accepted))
    if accepted:
        await person.request("documents page", "GET", path)


async def _submit(person: Person, run: Run, reference: str) -> None:
    status, headers, page = await person.request("check page", "GET", f"/nominations/{reference}/check")
    token = TOKEN.search(page.partition('action="/sign-out"')[2].partition("</form>")[2])  # not the sign-out form's
    if status != 200 or not token or f'action="/nominations/{reference}/submit"' not in page:
        run.odd.append(f"check page: {status} {headers.get('location', '')} without the submit button")
        return
    path = f"/nominations/{reference}/submit"
    status, headers, _ = await person.request("submit", "POST", path, {"csrf_token": token.group(1)})
    accepted = status == 302 and headers.get("location", "").endswith("/confirmation")
    run.submits.setdefault(reference, []).append(_outcome(run, "submit", status, headers, accepted))
    if accepted:
        await person.request("confirmation", "GET", _path(headers["location"]))


async def nominee(run: Run, number: int, reference: str, cookie: dict, interval: float, warmup: float, pdf: bytes):
    person = Person(run, cookie)
    rng = random.Random(number)
    await _sleep_until(run.start - warmup + rng.random() * warmup * 0.9)
    k = 0
    # The warm-up: each worker has its templates compiled and its connections open before the window.
    await _save_section(person, run, reference, SECTIONS[0], _text(rng, number, SECTIONS[0], k))
    at = run.start + (number * interval / max(1, run.nominees)) % interval
    uploaded = submitted = False
    while at < run.deadline:
        await _sleep_until(at)
        lateness = time.time() - at
        if lateness > 0.01:
            run.late.append(lateness)
        if time.time() >= run.deadline:
            break
        # The upload on their first turn in the window and the submission on their second (a complete entry with a
        # document), so that every kind of POST is made even when the machine is slow; a section save on every turn.
        if not uploaded:
            uploaded = True
            await _upload(person, run, reference, pdf)
        elif not submitted:
            submitted = True
            await _submit(person, run, reference)
        k += 1
        section = SECTIONS[k % len(SECTIONS)]
        await _save_section(person, run, reference, section, _text(rng, number, section, k))
        at = max(at + interval, time.time())


def draft_sheet(page: str, comment: str, score: Callable[[], int]) -> dict[str, str] | None:
    """What a judge posts to save a score sheet as a draft: its CSRF token and version, an overall comment and the
    first three criteria scored (None if the page has no sheet to save)."""
    token, version = TOKEN.search(page), VERSION.search(page)
    if not token or not version:
        return None
    form = {"csrf_token": token.group(1), "version": version.group(1), "action": "draft", "overall_comment": comment}
    for name in sorted(set(CRITERION.findall(page)))[:3]:
        form[name] = str(score())
    return form


async def _score(person: Person, run: Run, email: str, reference: str, rng: random.Random) -> None:
    path = f"/judging/nominations/{reference}"
    status, _, page = await person.request("score page", "GET", path)
    form = draft_sheet(page, f"Draft by {email} at {time.time():.3f}", lambda: rng.randint(1, 9))
    if status != 200 or form is None or time.time() >= run.deadline:
        return
    status, headers, _ = await person.request("save scores", "POST", path, form)
    accepted = status == 302 and headers.get("location", "").endswith(path)
    run.sheets.setdefault(f"{email}|{reference}", []).append(_outcome(run, "save scores", status, headers, accepted))
    if accepted:
        await person.request("score page", "GET", path)


async def judge(run: Run, number: int, email: str, references: list[str], cookie: dict, think: float, warmup: float):
    """One sheet saved during the warm-up, then one every `think` seconds (mean) until the window ends."""
    person = Person(run, cookie)
    rng = random.Random(email)
    await _sleep_until(run.start - warmup + rng.random() * warmup * 0.9)
    await _score(person, run, email, references[0], rng)
    await _sleep_until(run.start + rng.random() * think)
    while time.time() < run.deadline:
        await _score(person, run, email, rng.choice(references), rng)
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0)


async def reader(run: Run, number: int, slugs: list[str], think: float, warmup: float):
    person = Person(run)
    rng = random.Random(-number - 1)
    await _sleep_until(run.start - warmup + rng.random() * warmup * 0.9)
    await person.request("case list", "GET", "/impact-cases")
    await _sleep_until(run.start + rng.random() * think)
    while time.time() < run.deadline:
        choice = rng.random()
        if choice < 0.4:
            await person.request("case list", "GET", "/impact-cases")
        elif choice < 0.8:
            await person.request("case", "GET", f"/impact-cases/{rng.choice(slugs)}")
        else:
            await person.request("trends", "GET", "/trends")
        await asyncio.sleep(rng.expovariate(1 / think) if think else 0)


async def _people(plan: dict, queue) -> dict:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, force_close=True)  # gunicorn's sync workers close each connection
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=True
    ) as http:
        start = time.time() + plan["warmup"] + 1
        run = Run(http, f"http://127.0.0.1:{plan['port']}", start, plan["duration"], len(plan["nominees"]))
        queue.put({"window": start})
        interval = len(plan["nominees"]) / plan["save_rate"]
        pdf = _pdf()
        tasks = [
            nominee(run, i, reference, cookie, interval, plan["warmup"], pdf)
            for i, (reference, cookie) in enumerate(plan["nominees"])
        ]
        tasks += [
            judge(run, i, email, references, cookie, plan["judge_think"], plan["warmup"])
            for i, (email, references, cookie) in enumerate(plan["judges"])
        ]
        tasks += [reader(run, i, plan["slugs"], plan["reader_think"], plan["warmup"]) for i in range(plan["readers"])]
        await asyncio.gather(*tasks)
        ended = time.time()
    return {
        "start": run.start,
        "deadline": run.deadline,
        "ended": ended,
        "results": run.results,
        "late": sorted(run.late),
        "saves": run.saves,
        "uploads": run.uploads,
        "submits": run.submits,
        "sheets": run.sheets,
        "odd": run.odd,
    }


def generate_load(plan: dict, queue) -> None:
    """Runs in the second process."""
    import resource

    outcome = asyncio.run(_people(plan, queue))
    used = resource.getrusage(resource.RUSAGE_SELF)
    outcome["cpu_s"] = used.ru_utime + used.ru_stime
    queue.put(outcome)


async def _minimal(port: int, seconds: float, connections: int) -> list:
    """The minimal endpoint as fast as it answers, through the same client."""
    import aiohttp

    results: list = []
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        deadline = time.monotonic() + seconds

        async def client():
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    async with http.get(f"http://127.0.0.1:{port}/") as response:
                        await response.read()
                        results.append(("minimal", time.perf_counter() - started, response.status))
                except (aiohttp.ClientError, OSError):
                    results.append(("minimal", time.perf_counter() - started, None))

        await asyncio.gather(*(client() for _ in range(connections)))
    return results


def minimal_load(port: int, seconds: float, connections: int, queue) -> None:
    queue.put({"results": asyncio.run(_minimal(port, seconds, connections)), "seconds": seconds})


# ---------------------------------------------------------------- setting up (first process)


def seed(database_url: str, args, workdir: Path, secret: str) -> dict:
    """The people, their entries and sheets, the public cases, and a signed-in session cookie for each person."""
    import pyotp
    from flask import session

    from awards import create_app
    from awards.domain.core.clock import utcnow
    from awards.domain.people import two_factor
    from awards.extensions import db
    from awards.models import User
    from awards.security import begin_session
    from tests.factories import (
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
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_FILE_DIR": str(workdir / "outbox"),
            "UPLOAD_FOLDER": str(workdir / "seed-uploads"),
        }
    )
    logging.disable(logging.INFO)  # the factories' audit lines are not the benchmark's output
    found: dict = {"nominees": [], "judges": [], "slugs": []}
    ids: dict[str, int] = {}
    with app.app_context():
        now = utcnow()
        open_cycle = make_cycle(name="Deadline night awards", year=2027, close_at=now + timedelta(hours=6))
        # One transaction for the nominees instead of two commits each (the factories commit every object): a
        # fraction of the time on PostgreSQL, where each commit waits for the disk.
        with mock.patch.object(db.session, "commit", db.session.flush):
            for i in range(args.nominees):
                user = make_user(email=f"nominee{i}@deadline{i}.gov.uk")
                entry = make_nomination(open_cycle, nominator=user, status="draft")
                found["nominees"].append(entry.reference)
                ids[f"nominee{i}"] = user.id
        db.session.commit()
        judging = make_cycle(
            name="Judging awards", year=2026, status="judging", open_at=now - timedelta(days=60), close_at=now
        )
        nominator = make_user(email="nominator@riverside.gov.uk")
        entries = [make_nomination(judging, nominator=nominator) for _ in range(max(args.per_judge, 20))]
        with mock.patch.object(db.session, "commit", db.session.flush):  # the same for the judges
            for i in range(args.judges):
                person = make_judge(judging, email=f"judge{i}@judges.example.org")
                mine = [entries[(i + k) % len(entries)] for k in range(args.per_judge)]
                for entry in mine:
                    make_assignment(person, entry, no_conflict_declared=True)
                found["judges"].append((person.email, [e.reference for e in mine]))
                ids[f"judge{i}"] = person.user_id
        db.session.commit()
        published = make_published_cycle(year=2025)
        cases = [make_published_case(published) for _ in range(24)]
        found["slugs"] = [case.slug for case in cases]
        found["case"] = (cases[0].id, cases[0].slug)
        found["published_cycle"] = published.slug
        organiser = make_user(email="organiser@deadline.example.org", roles=("organiser",))
        secret_2fa = two_factor.new_secret()
        two_factor.enable(organiser, secret=secret_2fa, code=pyotp.TOTP(secret_2fa).now())
        db.session.commit()
        ids["organiser"] = organiser.id
        db.session.remove()

    def cookie_of(user_id: int) -> dict:
        with app.app_context(), app.test_request_context("/"):
            begin_session(db.session.get(User, user_id))
            response = app.response_class()
            app.session_interface.save_session(app, session, response)
            name, _, rest = response.headers["Set-Cookie"].partition("=")
            db.session.remove()
            return {name: rest.split(";", 1)[0]}

    found["nominees"] = [(ref, cookie_of(ids[f"nominee{i}"])) for i, ref in enumerate(found["nominees"])]
    found["judges"] = [(email, refs, cookie_of(ids[f"judge{i}"])) for i, (email, refs) in enumerate(found["judges"])]
    found["organiser"] = cookie_of(ids["organiser"])
    with app.app_context():
        db.engine.dispose()
    logging.disable(logging.NOTSET)
    return found


# ---------------------------------------------------------------- storage


def storage_choice(asked: str) -> str:
    """ "s3" once the app has S3-compatible storage (awards/config.py's STORAGE_URL) and moto is installed."""
    if asked != "auto":
        return asked
    from awards import config

    try:
        import moto  # noqa: F401
    except ImportError:
        return "folder"
    return "s3" if hasattr(config.Defaults, "STORAGE_URL") else "folder"


def start_object_storage(workdir: Path) -> tuple[subprocess.Popen, dict]:
    """moto's S3 server (a real HTTP server speaking S3, as the tests use) on loopback in a process of its own, with
    one bucket: the process and the settings every app server gets (throwaway credentials, none of the machine's)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=open(workdir / "moto.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    settings = {
        "AWARDS_STORAGE_URL": "s3://awards-deadline-bench/uploads/",
        "AWARDS_STORAGE_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWARDS_STORAGE_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",  # noqa: S105 (moto's throwaway server accepts any key)
        "AWS_CONFIG_FILE": "/nonexistent/awards-bench-aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/awards-bench-aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    deadline = time.monotonic() + 30
    while True:
        try:
            _s3(settings).create_bucket(Bucket="awards-deadline-bench")
            return process, settings
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"moto's S3 server did not start; see {workdir / 'moto.log'}") from None
            time.sleep(0.3)


def _s3(settings: dict):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings["AWARDS_STORAGE_ENDPOINT_URL"],
        region_name=settings["AWARDS_STORAGE_REGION"],
        aws_access_key_id=settings["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}),
    )


def stored_files(kind: str, settings: dict, folder: Path) -> set[str]:
    """The names of the files on storage (not the half-written ones)."""
    if kind == "folder":
        return (
            {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
            if folder.exists()
            else set()
        )
    bucket, _, prefix = settings["AWARDS_STORAGE_URL"].removeprefix("s3://").partition("/")
    names: set[str] = set()
    for page in _s3(settings).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        names.update(item["Key"].rsplit("/", 1)[-1] for item in page.get("Contents", []))
    return names


# ---------------------------------------------------------------- a publication read back through the other server


class _FormReader(HTMLParser):
    """The fields a browser would post from the form whose action is `action`: inputs (checked boxes only),
    text areas and the chosen option of each select."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, {}
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("action") == self.action
        elif not self.inside or not found.get("name"):
            return
        elif tag == "input" and (found.get("type") not in ("checkbox", "radio") or "checked" in found):
            self.fields[found["name"]] = found.get("value") or ""
        elif tag == "textarea":
            self.textarea = found["name"]
            self.fields[self.textarea] = ""
        elif tag == "select":
            self.select = found["name"]
        if tag == "option" and self.select and "selected" in found:
            self.fields[self.select] = found.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def form_fields(page: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(page)
    return reader.fields


def publication_read_back(port_a: int, port_b: int, organiser: dict, case: tuple[int, str], cycle: str) -> dict:
    """An impact case edited, then unpublished, through server A, each change read straight from server B, which had
    the case in its page cache: B must show each change on its next request."""
    case_id, slug = case
    reader, staff = Browser(port_b), Browser(port_a)
    staff.cookies.update(organiser)
    found: dict = {}
    hits = 0
    for _ in range(8):  # each of B's workers keeps its own copy: read until most have it
        status, headers, _ = reader.request("GET", f"/impact-cases/{slug}")
        hits += status == 200 and headers.get("x-cache") == "hit"
        reader.request("GET", "/impact-cases")
    found["B served the case page from its page cache before"] = hits > 0

    path = f"/organiser/impact-cases/{case_id}"
    status, _, page = staff.request("GET", path)
    fields = form_fields(page, path)
    title = f"Edited through server A {uuid.uuid4().hex[:8]}"
    status, _, _ = staff.request("POST", path, {**fields, "title": title})
    found["an edit of the case through A was saved (302)"] = status == 302
    pages = [reader.request("GET", f"/impact-cases/{slug}") for _ in range(4)]
    found["B's case page shows the edit at once"] = all(s == 200 and title in html.unescape(t) for s, _, t in pages)
    pages = [reader.request("GET", "/impact-cases") for _ in range(4)]
    found["B's library shows the edit at once"] = all(s == 200 and title in html.unescape(t) for s, _, t in pages)

    status, _, page = staff.request("GET", f"/organiser/cycles/{cycle}/impact-cases")
    token = TOKEN.search(page)
    status, _, _ = staff.request(
        "POST",
        f"/organiser/impact-cases/{case_id}/publication",
        {"csrf_token": token.group(1) if token else "", "action": "unpublish"},
    )
    found["unpublishing the case through A answered 302"] = status == 302
    pages = [reader.request("GET", f"/impact-cases/{slug}") for _ in range(4)]
    found["B's case page is gone (410) at once"] = all(s == 410 for s, _, _ in pages)
    pages = [reader.request("GET", "/impact-cases") for _ in range(4)]
    found["B's library leaves the case out at once"] = all(
        s == 200 and slug not in CASE_LINK.findall(t) for s, _, t in pages
    )
    return found


def kill_server(process: subprocess.Popen) -> None:
    """SIGKILL to gunicorn's master and every worker at once: a machine lost, not a graceful stop."""
    for pid in [*worker_pids(process.pid), process.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


# ---------------------------------------------------------------- checking what was kept


def stored_state(database_url: str, references: list[str]) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    state: dict = {"entries": {}, "reviews": {}}
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT id, reference, version, status, answers FROM nominations WHERE reference IN :refs"
            ).bindparams(sa.bindparam("refs", expanding=True)),
            {"refs": references},
        ).all()
        ids = {row.id: row.reference for row in rows}
        for row in rows:
            answers = row.answers if isinstance(row.answers, dict) else json.loads(row.answers or "{}")
            state["entries"][row.reference] = {
                "version": row.version,
                "status": str(row.status).lower(),
                "answers": {s: answers.get(s) for s in SECTIONS},
                "saved_events": 0,
                "files": [],
            }
        for object_id, count in connection.execute(
            sa.text(
                "SELECT object_id, COUNT(*) FROM audit_events WHERE object_type = 'nominations' AND action IN "
                "('nomination.section_saved', 'nomination.edited_after_submission') GROUP BY object_id"
            )
        ):
            if int(object_id) in ids:
                state["entries"][ids[int(object_id)]]["saved_events"] = int(count)
        for nomination_id, stored_name in connection.execute(
            sa.text("SELECT nomination_id, stored_name FROM attachments")
        ):
            if nomination_id in ids:
                state["entries"][ids[nomination_id]]["files"].append(stored_name)
        for email, reference, version in connection.execute(
            sa.text(
                "SELECT u.email, n.reference, r.version FROM reviews r JOIN assignments a ON a.id = r.assignment_id "
                "JOIN judges j ON j.id = a.judge_id JOIN users u ON u.id = j.user_id "
                "JOIN nominations n ON n.id = a.nomination_id"
            )
        ):
            state["reviews"][f"{email}|{reference}"] = int(version)
    engine.dispose()
    return state


def lost_and_kept(outcome: dict, state: dict, files: set[str]) -> dict:
    """What the people were told against what was kept: the counts and every mismatch."""
    problems: list[str] = []
    counts = {"accepted saves": 0, "in-doubt saves": 0, "accepted uploads": 0, "accepted submissions": 0}
    for reference, entry in state["entries"].items():
        saves = outcome["saves"].get(reference, [])
        uploads = outcome["uploads"].get(reference, [])
        submits = outcome["submits"].get(reference, [])
        accepted = sum(1 for _, o, _ in saves if o == "accepted")
        doubtful = sum(1 for _, o, _ in saves if o == "in doubt")
        counts["accepted saves"] += accepted
        counts["in-doubt saves"] += doubtful
        for section in SECTIONS:
            mine = [(o, text) for s, o, text in saves if s == section]
            if not mine:
                continue
            last = max((i for i, (o, _) in enumerate(mine) if o == "accepted"), default=-1)
            allowed = {mine[last][1]} if last >= 0 else set()
            allowed |= {text for o, text in mine[last + 1 :] if o == "in doubt"}  # their answer was lost
            held = entry["answers"][section]
            seeded = last < 0 and not str(held).startswith("Save ")  # nothing accepted: the seeded text may stay
            if held not in allowed and not seeded:
                problems.append(f"{reference} {section}: holds {str(held)[:30]!r}, not the last accepted save")
        if not accepted <= entry["saved_events"] <= accepted + doubtful:
            problems.append(f"{reference}: {entry['saved_events']} saved events for {accepted} accepted saves")
        up_ok = sum(1 for o in uploads if o == "accepted")
        up_doubt = sum(1 for o in uploads if o == "in doubt")
        sub_ok = sum(1 for o in submits if o == "accepted")
        sub_doubt = sum(1 for o in submits if o == "in doubt")
        counts["accepted uploads"] += up_ok
        counts["accepted submissions"] += sub_ok
        if not up_ok <= len(entry["files"]) <= up_ok + up_doubt:
            problems.append(f"{reference}: {len(entry['files'])} attachment rows for {up_ok} accepted uploads")
        if sub_ok and entry["status"] != "submitted":
            problems.append(f"{reference}: submission accepted, status {entry['status']}")
        if not sub_ok and not sub_doubt and entry["status"] == "submitted":
            problems.append(f"{reference}: submitted without an accepted submission")
        low = 1 + accepted + up_ok + sub_ok
        high = low + doubtful + up_doubt + sub_doubt
        if not low <= entry["version"] <= high:
            problems.append(
                f"{reference}: version {entry['version']}, expected {low}" + (f"–{high}" if high > low else "")
            )
    rows = {name for entry in state["entries"].values() for name in entry["files"]}
    missing = rows - files
    extra = files - rows
    doubtful_uploads = sum(o == "in doubt" for outcomes in outcome["uploads"].values() for o in outcomes)
    if missing:
        problems.append(f"{len(missing)} attachment rows without their file on storage")
    if len(extra) > doubtful_uploads:
        problems.append(f"{len(extra)} files on storage without a row (in-doubt uploads: {doubtful_uploads})")
    sheet_saves = 0
    for key, outcomes in outcome["sheets"].items():
        ok = outcomes.count("accepted")
        sheet_saves += ok
        version = state["reviews"].get(key, 0)
        if not ok <= version <= ok + outcomes.count("in doubt"):
            problems.append(f"{key}: review version {version} for {ok} accepted saves")
    counts.update(
        {
            "attachment rows": len(rows),
            "files on storage": len(files),
            "files without a row": len(extra),
            "rows without a file": len(missing),
            "accepted score sheet saves": sheet_saves,
            "reviews' versions": sum(state["reviews"].values()),
        }
    )
    return {"counts": counts, "problems": problems}


# ---------------------------------------------------------------- main


def _in_second_process(target, args: tuple, on_window=None) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            message = queue.get(timeout=5)
        except Empty:
            if not process.is_alive():
                raise RuntimeError(f"the load generator ({target.__name__}) stopped without results") from None
            continue
        if "window" in message:
            if on_window:
                on_window(message["window"])
            continue
        break
    process.join(30)
    return message


def main(argv: list[str] | None = None) -> int:  # noqa: C901 (one script's steps, in order)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-name", default=DEADLINE_DB, help=f"PostgreSQL: must hold 'bench' ({DEADLINE_DB})")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load (default 120)")
    parser.add_argument(
        "--short", action="store_true", help="CI: 20 s of load, 6 s of warm-up, 3 s of the minimal endpoint"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers per server (default 4)")
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1, help="2: two gunicorns behind nginx")
    parser.add_argument("--kill-after", type=float, help="--servers 2: SIGKILL the second server this far in")
    parser.add_argument("--nominees", type=int, default=300)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--per-judge", type=int, default=10, help="entries assigned to each judge (default 10)")
    parser.add_argument("--save-rate", type=float, default=100, help="section saves a second asked (default 100)")
    parser.add_argument("--judge-think", type=float, default=5, help="mean seconds between a judge's saves (5)")
    parser.add_argument("--reader-think", type=float, default=2, help="mean seconds between a reader's pages (2)")
    parser.add_argument("--warmup", type=float, default=8, help="seconds in which each person opens a page (8)")
    parser.add_argument("--minimal-duration", type=float, default=8, help="seconds of the minimal endpoint (8)")
    parser.add_argument("--storage", choices=("auto", "folder", "s3"), default="auto")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL maintenance database")
    args = parser.parse_args(argv)
    if args.short:
        args.duration, args.warmup, args.minimal_duration = min(args.duration, 20), 6, 3
    if args.database == "postgresql" and "bench" not in args.database_name:
        parser.error("a PostgreSQL bench database's name must hold 'bench' (it is dropped and created again)")
    if args.servers == 2 and args.database == "sqlite":
        parser.error("two servers share a PostgreSQL database (SQLite is for one server only)")
    if args.kill_after is not None and (args.servers != 2 or not 0 < args.kill_after < args.duration):
        parser.error("--kill-after needs --servers 2 and a time inside the window")

    workdir = Path(tempfile.mkdtemp(prefix="awards-deadline-"))
    processes: dict[str, subprocess.Popen | None] = {}
    nginx_dir: Path | None = None
    keep = False
    drop = lambda: None  # noqa: E731
    load_before = load_average()
    try:
        database_url, drop = create_database(args.database, workdir, args.admin_url, args.database_name)
        storage = storage_choice(args.storage)
        settings: dict[str, str] = {"AWARDS_RATELIMIT_ENABLED": "true"}
        if args.servers == 2:
            settings["AWARDS_TRUSTED_PROXY_COUNT"] = "1"
        shared_limits = redis_answers(args.redis_url)
        if args.servers == 2 and not shared_limits:
            raise SystemExit(f"two servers share their request limits in Redis: none answers at {args.redis_url}")
        if shared_limits:
            settings.update({"REDIS_URL": args.redis_url, "AWARDS_RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}"})
        if storage == "s3":
            processes["moto"], storage_settings = start_object_storage(workdir)
            settings.update(storage_settings)
        ports = [free_port() for _ in range(args.servers)]
        front = free_port() if args.servers == 2 else ports[0]
        env = server_environment(database_url, front, workdir, **settings)
        secret = env["SECRET_KEY"]
        print(
            f"database: {args.database}; storage: {storage}; migrating and seeding {args.nominees} nominees, "
            f"{args.judges} judges, 24 public cases …",
            flush=True,
        )
        migrate(env)
        started = time.monotonic()
        people = seed(database_url, args, workdir, secret)
        print(f"seeded in {time.monotonic() - started:.1f} s")

        minimal_port = free_port()
        processes["minimal"] = start_gunicorn(
            dict(os.environ),
            minimal_port,
            args.workers * args.servers,
            workdir / "minimal.log",
            app="minimal_app:app",
            chdir=ROOT / "bench" / "support",
            ready_path="/",
            ready_within=240,
        )
        minimal_outcome = _in_second_process(minimal_load, (minimal_port, args.minimal_duration, 16))
        stop(processes.pop("minimal"), 30)
        minimal = figures(minimal_outcome["results"], minimal_outcome["seconds"])
        print(f"minimal endpoint: {minimal['rps']} requests/s, p50 {minimal['p50_ms']} ms")

        servers = []
        for i, port in enumerate(ports):
            log_path = workdir / f"gunicorn-{'AB'[i]}.log"
            servers.append(start_gunicorn(env, port, args.workers, log_path, ready_within=240))
            processes[f"server {'AB'[i]}"] = servers[-1]
        if args.servers == 2:
            nginx_dir = Path(tempfile.mkdtemp(prefix="awards-nginx-"))
            processes["nginx"] = start_nginx(nginx_dir, front, ports)
        print(
            f"{args.servers} server(s) of {args.workers} gunicorn workers"
            + (f" behind nginx on 127.0.0.1:{front}" if args.servers == 2 else f" on 127.0.0.1:{front}")
            + f"; {args.duration:g} s of load after {args.warmup:g} s of warm-up …",
            flush=True,
        )

        read_back: dict = {}
        killed: dict = {}

        window_cpu: dict = {}

        if args.servers == 2:
            # Before the load, so that its timing holds on a busy machine; B's workers are read until it serves the
            # case from its page cache, and every read of B after each change must already show it.
            read_back.update(
                publication_read_back(
                    ports[0], ports[1], people["organiser"], people["case"], people["published_cycle"]
                )
            )

        def kill_b(start: float) -> None:
            killed["at"] = time.time()
            killed["cpu_s"] = cpu_seconds(servers[1].pid)
            kill_server(servers[1])
            killed["done"] = time.time()
            print(f"killed server B (SIGKILL, master and workers) {killed['at'] - start:.1f} s in", flush=True)

        timers: list[threading.Timer] = []

        def during_window(start: float) -> None:
            if args.kill_after is not None:
                timers.append(threading.Timer(start + args.kill_after - time.time(), kill_b, (start,)))
                timers[-1].start()
            time.sleep(max(0.0, start - time.time()))
            window_cpu["start"] = sum(cpu_seconds(s.pid) for s in servers)  # the workers' start-up is not a request's

        plan = {
            "port": front,
            "nominees": people["nominees"],
            "judges": people["judges"],
            "slugs": people["slugs"],
            "readers": args.readers,
            "duration": args.duration,
            "warmup": args.warmup,
            "save_rate": args.save_rate,
            "judge_think": args.judge_think,
            "reader_think": args.reader_think,
        }
        outcome = _in_second_process(generate_load, (plan,), on_window=during_window)
        for timer in timers:
            timer.join()
        server_cpu = (
            sum(cpu_seconds(s.pid) for s in servers if s.poll() is None)
            + killed.get("cpu_s", 0.0)
            - window_cpu["start"]
        )
        load_after = load_average()
        for name in ("nginx", "server A", "server B"):
            if processes.get(name) is not None:
                stop(processes.pop(name), 30)  # type: ignore[arg-type]
        logs = "".join(p.read_text(errors="replace") for p in workdir.glob("gunicorn-*.log"))

        start, deadline = outcome["start"], outcome["deadline"]
        window = [(k, s, st) for k, s, st, at in outcome["results"] if start <= at < deadline]
        table = {}
        for kind in (*KINDS, "all"):
            rows = [r for r in window if kind == "all" or r[0] == kind]
            if rows:
                table[kind] = figures(rows, args.duration)
                table[kind]["p50_x_minimal"] = round(table[kind]["p50_ms"] / minimal["p50_ms"], 1)
        print()
        print_table(table, (("× minimal", "p50_x_minimal"),))
        saves = table.get("save section", figures([], args.duration))
        accepted_saves = sum(1 for kind, _, status in window if kind == "save section" and status == 302)
        saves_per_s = accepted_saves / args.duration
        late = outcome["late"]
        print(
            f"\nsection saves: {accepted_saves} accepted in {args.duration:g} s = {saves_per_s:.1f}/s (asked "
            f"{args.save_rate:g}/s), p50 {saves['p50_ms']} ms, p95 {saves['p95_ms']} ms; the minimal endpoint "
            f"{minimal['rps']} requests/s, p50 {minimal['p50_ms']} ms (saves/s = {saves_per_s / minimal['rps']:.1%} "
            f"of its requests/s); save cycles started late: {len(late)}"
            + (f" (p50 {late[len(late) // 2] * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms)" if late else "")
        )
        served = len([r for r in outcome["results"] if r[3] + r[1] >= start])  # answered in the window or after
        print(
            f"CPU: the app server(s) {server_cpu:.1f} s for the {served} requests answered from the window's start = "
            f"{server_cpu / max(served, 1) * 1000:.1f} ms a request; the generator {outcome['cpu_s']:.1f} s; "
            f"machine: {os.cpu_count()} CPUs, load average {load_before} before, {load_after} after"
        )
        if args.servers == 2:
            print("nginx, requests per server:", upstream_summary(nginx_dir))

        state = stored_state(database_url, [ref for ref, _ in people["nominees"]])
        files = stored_files(storage, settings, workdir / "uploads")
        kept = lost_and_kept(outcome, state, files)
        print("kept:", ", ".join(f"{k} {v}" for k, v in kept["counts"].items()))
        for odd in outcome["odd"]:
            print("  a POST not accepted:", odd)
        for problem in kept["problems"][:20]:
            print("  lost or wrong:", problem)

        failed_5xx = [(k, s, st, at) for k, s, st, at in outcome["results"] if st is not None and st >= 500]
        errors = [r for r in outcome["results"] if r[2] is None]
        if killed:
            # Only POSTs running when the server died may fail (nginx sends no POST twice); GETs are passed on.
            # (The instants around the kill are this process's; on a busy machine it may run late, hence the margin.)
            in_flight = [
                r
                for r in failed_5xx
                if r[0] in POSTS and r[3] <= killed["done"] + 1 and r[3] + r[1] >= killed["at"] - 1
            ]
            print(
                f"5xx: {len(failed_5xx)}, of which POSTs running on the killed server: {len(in_flight)} "
                f"({', '.join(sorted({r[0] for r in in_flight})) or 'none'})"
            )
            unexpected_5xx = len(failed_5xx) - len(in_flight)
            for kind, seconds, status, at in failed_5xx:
                print(
                    f"  {status} {kind}: sent {at - killed['at']:+.2f} s from the kill, answered after {seconds:.2f} s"
                )
        else:
            unexpected_5xx = len(failed_5xx)
        locked = logs.count("database is locked")
        checks = {
            "no 5xx" + (" but POSTs in flight on the killed server" if killed else ""): unexpected_5xx == 0,
            "no failed connections": not errors,
            "nothing accepted was lost (sections, events, versions, uploads, files, submissions, sheets)": not kept[
                "problems"
            ],
            "some section saves and uploads were accepted": kept["counts"]["accepted saves"] > 0
            and kept["counts"]["accepted uploads"] > 0,
            # A nominee submits on their second turn in the window, which a very busy machine may not give them.
            "some submissions were accepted, if any was made": kept["counts"]["accepted submissions"] > 0
            or not any(outcome["submits"].values()),
        }
        for name, passed in read_back.items():
            checks[f"publication: {name}"] = passed
        if args.kill_after is not None:
            checks["server B was killed inside the window, with load after it"] = bool(killed) and (
                killed["at"] < deadline - 2
            )
        if args.database == "sqlite":
            checks["no 'database is locked'"] = locked == 0
        for name, passed in checks.items():
            print(f"check: {name}: {'ok' if passed else 'FAILED'}")
        target = saves_per_s >= 100 and saves["p95_ms"] < 300
        print(f"target (100 saves/s, p95 < 300 ms; PostgreSQL, 4 workers): {'met' if target else 'not met'} here")

        out = write_json(
            RESULTS / f"deadline-{args.database}-{args.servers}s-{args.workers}w.json",
            {
                "database": args.database,
                "servers": args.servers,
                "workers_per_server": args.workers,
                "storage": storage,
                "people": {"nominees": args.nominees, "judges": args.judges, "readers": args.readers},
                "duration_s": args.duration,
                "save_rate_asked": args.save_rate,
                "section_saves_per_s": round(saves_per_s, 1),
                "section_save_p50_ms": saves["p50_ms"],
                "section_save_p95_ms": saves["p95_ms"],
                "late_save_cycles": len(late),
                "requests": table,
                "minimal": minimal,
                "saves_over_minimal_rps": round(saves_per_s / minimal["rps"], 4) if minimal["rps"] else None,
                "server_cpu_s": round(server_cpu, 1),
                "generator_cpu_s": round(outcome["cpu_s"], 1),
                "kept": kept,
                "killed_after_s": round(killed["at"] - start, 1) if killed else None,
                "limits_counted_in": "redis" if shared_limits else "each worker",
                "checks": checks,
                "target_met": target,
                "load_average": {"before": load_before, "after": load_after},
                **machine(),
            },
        )
        print(f"written to {out.relative_to(ROOT)}")
        if not all(checks.values()):
            keep = True
            print(f"the servers' logs are kept in {workdir}" + (f", nginx's in {nginx_dir}" if nginx_dir else ""))
            return 1
        return 0
    except BaseException:
        keep = any(workdir.glob("gunicorn-*.log"))
        if keep:
            print(f"the servers' logs are kept in {workdir}", file=sys.stderr)
        raise
    finally:
        for process in processes.values():
            if process is not None:
                stop(process, 30)
        drop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
            if nginx_dir:
                shutil.rmtree(nginx_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
