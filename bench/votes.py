"""People's Choice under load (issue #18): gunicorn serving vote pages at a paced --rate requests per second.

One command builds everything it needs and cleans up after itself (bench/support/served.py):

- a fresh database (a SQLite file, or the PostgreSQL database `awards_votes`), migrated, seeded with the test
  factories: a published cycle whose shortlists in --categories categories are each put to a vote, open now;
- the minimal Flask endpoint (bench/support/minimal_app.py) under gunicorn with the same workers, loaded by the same
  generator: at the same paced rate (its latency is the base of the ratios) and unpaced (its ceiling in requests
  per second);
- the app under gunicorn with --workers sync workers on loopback, configured as production behind one proxy
  (TRUSTED_PROXY_COUNT=1: each simulated client sends its own address in X-Forwarded-For, so the per-address
  request limits count per client), request limits counted in Redis when it answers (else in each process);
- a second process of --threads threads. For --duration seconds the vote page requests (opening the page for its
  CSRF token, posting a vote) start on a schedule, --rate a second in all; each voter has an address of its own in
  a network of its own and an e-mail address at a domain of its own. After a vote the voter opens "Check your
  email"; a share (--confirm) reads the link from the e-mail in the outbox table (through the database, not SMTP),
  opens it and presses the button; a share of those (--change) vote again for another entry and confirm that too.
  A share of the voters (--abuse) are abusers: someone else's address again, Gmail variants of a few mailboxes they
  own (they confirm what gets through), disposable domains, and one client address hammering.

It prints the limits raised for the run, a table per kind of request (requests, statuses, p50/p95/p99 ms, rps and
p50 as a multiple of the minimal endpoint's p50), the achieved rate of the vote page, writes bench/results/
votes-<database>-<workers>w.json, and checks:

- no 5xx responses and no failed connections;
- the vote page (its GETs and POSTs) reached --rate requests per second;
- every ballot matches a confirmed attempt whose link was used (outcome confirmed, confirmed_at set, a token
  digest, the same vote, voter key and entry), no ballot comes from a refused attempt, the ballots equal the
  distinct confirmed voters (by voter key in the database, and by canonical address as the clients saw their
  confirmations), and every confirmation either cast a ballot or replaced one;
- SQLite: gunicorn's log holds no "database is locked".

It exits 1 if a check fails.

    .venv/bin/python bench/votes.py [--database sqlite|postgresql] [--duration 60] [--rate 100] [--workers 4]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import logging
import multiprocessing
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from queue import Empty

from support import RESULTS, ROOT
from support.net import free_port, stop
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
    timed,
)

VOTES_DB = "awards_votes"
REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RADIO = re.compile(r'<input[^>]*name="option"[^>]*>')
VALUE = re.compile(r'value="(\d+)"')
LINK = re.compile(r"/peoples-choice/confirm/(\S+)")
PACED = ("vote page", "vote", "abuse: vote page", "abuse: vote")  # the vote page's GETs and POSTs
KINDS = (*PACED, "sent page", "confirm page", "confirm")
ABUSE = ("someone else's address", "gmail variants", "disposable domain", "one client address")
# Limits the script's own synthetic clients would trip, raised for the run only (each a production setting):
RAISED = {
    # All clients together: 600 asks a minute is 10 a second, a tenth of the rate asked for.
    "AWARDS_RATELIMIT_VOTE_OVERALL": "100000 per minute",
    "AWARDS_RATELIMIT_VOTE_CONFIRM_OVERALL": "100000 per minute",
}


# ---------------------------------------------------------------- the simulated voters (second process)


class Pacer:
    """Start instants 1/rate apart from a common start, handed out in turn until the deadline; a request whose
    instant has passed (every thread was busy) starts at once and counts as late, and none starts after the
    deadline (so a server that cannot keep up shows as fewer requests in the window, not a longer window)."""

    def __init__(self, rate: float, duration: float):
        self.interval = 1 / rate
        self.duration = duration
        self.lock = threading.Lock()
        self.start = self.next = self.deadline = 0.0
        self.late: list[float] = []

    def begin(self) -> None:
        self.start = self.next = time.monotonic() + 0.5
        self.deadline = self.start + self.duration

    def slot(self) -> bool:
        with self.lock:
            at = self.next
            if at >= self.deadline or time.monotonic() >= self.deadline:
                return False
            self.next += self.interval
        wait = at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        elif wait < -0.001:
            self.late.append(-wait)
        return True

    @property
    def over(self) -> bool:
        with self.lock:
            return self.next >= self.deadline or time.monotonic() >= self.deadline


class Voters:
    """What the threads share: the schedule, the results, who voted, the outbox reader."""

    def __init__(self, port, votes, rate, duration, shares, database_url, seed):
        self.port, self.shares = port, shares
        self.votes = [(slug, path) for slug, path, _name in votes]
        self.names = {slug: name for slug, _path, name in votes}
        self.pacer = Pacer(rate, duration)
        self.results: list = []
        self.confirmed: list[tuple[str, str]] = []  # (category slug, canonical address) of each counted page seen
        self.addresses: list[str] = []  # legitimate addresses used (an abuser's "someone else's address")
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.outbox_waits = 0
        self.page_cache: collections.Counter = collections.Counter()  # the vote page GETs' X-Cache
        import sqlalchemy as sa

        self.sa = sa
        self.engine = sa.create_engine(database_url, pool_size=8, max_overflow=64)

    def link(self, address: str, category: str) -> str | None:
        """The token in the newest e-mail to `address` asking to confirm a vote in `category`, read from the outbox
        table (an abuser may have asked for a link to the same address in another category)."""
        query = self.sa.text(
            "SELECT body_text FROM outbox_messages WHERE kind = 'vote_confirm' AND to_address = :address "
            "AND subject = :subject ORDER BY id DESC LIMIT 1"
        )
        for _ in range(20):
            with self.engine.connect() as connection:
                body = connection.execute(
                    query, {"address": address, "subject": f"Confirm your vote in {category}"}
                ).scalar()
            if body:
                match = LINK.search(body)
                return match.group(1) if match else None
            self.outbox_waits += 1
            time.sleep(0.05)
        return None


def _ip(n: int) -> str:
    """A client address in a network (/24) of its own for each voter."""
    return f"10.{(n >> 8) & 255}.{n & 255}.{1 + (n >> 16)}"


def _vote(voters: Voters, browser: Browser, path: str, address: str, abuse: bool, rng) -> tuple[int | None, str]:
    """Open the vote page and post a vote for one of its entries: the POST's status and the page's option ids."""
    prefix = "abuse: " if abuse else ""
    if not voters.pacer.slot():
        return None, ""
    status, page_headers, page = timed(voters.results, f"{prefix}vote page", browser, "GET", path)
    voters.page_cache[page_headers.get("x-cache", "none")] += 1
    token = TOKEN.search(page or "")
    options = [VALUE.search(tag).group(1) for tag in RADIO.findall(page or "") if VALUE.search(tag)]
    if status != 200 or not token or not options or not voters.pacer.slot():
        return None, ""
    form = {"csrf_token": token.group(1), "option": rng.choice(options), "email": address}
    status, headers, _ = timed(voters.results, f"{prefix}vote", browser, "POST", path, form)
    if status == 302:
        timed(voters.results, "sent page", browser, "GET", headers.get("location", path + "/check-your-email"))
    return status, form["option"]


def _confirm(voters: Voters, browser: Browser, address: str, slug: str) -> None:
    from awards.domain.voting.rules import canonical_address

    token = voters.link(address, voters.names[slug])
    if token is None:
        return
    path = f"/peoples-choice/confirm/{token}"
    status, _, page = timed(voters.results, "confirm page", browser, "GET", path)
    found = TOKEN.search(page or "")
    if status != 200 or not found:
        return
    status, _, page = timed(voters.results, "confirm", browser, "POST", path, {"csrf_token": found.group(1)})
    if status == 200 and ("Your vote is counted" in page or "Your vote has changed" in page):
        with voters.lock:
            voters.confirmed.append((slug, canonical_address(address)))


def _voter(voters: Voters) -> bool:
    """One voter's visit; False once the schedule is over."""
    if voters.pacer.over:
        return False
    with voters.lock:
        n = next(voters.numbers)
        rng = random.Random(voters.rng.random())
    slug, path = voters.votes[n % len(voters.votes)]
    confirm_share, change_share, abuse_share = voters.shares
    if rng.random() < abuse_share:
        return _abuser(voters, n, slug, path, rng)
    browser = Browser(voters.port, headers={"X-Forwarded-For": _ip(n)})
    address = f"voter{n}@council{n}.gov.uk"
    status, _ = _vote(voters, browser, path, address, False, rng)
    if status != 302:
        return True
    with voters.lock:
        voters.addresses.append(address)
    if rng.random() < confirm_share:
        _confirm(voters, browser, address, slug)
        if rng.random() < change_share:  # the voter changes their mind: another link, confirmed too
            status, _ = _vote(voters, browser, path, address, False, rng)
            if status == 302:
                _confirm(voters, browser, address, slug)
    return True


def _abuser(voters: Voters, n: int, slug: str, path: str, rng) -> bool:
    kind = ABUSE[n % len(ABUSE)]
    ip = "192.0.2.77" if kind == "one client address" else _ip(n)
    browser = Browser(voters.port, headers={"X-Forwarded-For": ip})
    if kind == "someone else's address":  # they cannot read that mailbox: the link is never used
        with voters.lock:
            address = rng.choice(voters.addresses) if voters.addresses else f"voter{n}@council{n}.gov.uk"
    elif kind == "gmail variants":  # a few mailboxes of their own, spelt otherwise: they confirm what gets through
        mailbox = n % 5
        slug, path = voters.votes[0]  # all in one vote, where each mailbox may have three links an hour
        address = rng.choice(
            (f"stuffer.{mailbox}@gmail.com", f"stuffer{mailbox}+v{n}@gmail.com", f"s.tuffer{mailbox}@googlemail.com")
        )
    elif kind == "disposable domain":
        address = f"throwaway{n}@{rng.choice(('mailinator.com', 'yopmail.com', 'guerrillamail.com'))}"
    else:
        address = f"hammer{n}@hammer{n}.org.uk"
    status, _ = _vote(voters, browser, path, address, True, rng)
    if status == 302 and kind in ("gmail variants", "one client address"):
        _confirm(voters, browser, address, slug)
    return True


def generate_load(port, votes, rate, duration, warmup, threads, shares, database_url, queue):
    """Runs in the second process: `threads` threads taking voters in turn until the schedule ends; first, for
    `warmup` seconds at a tenth of the rate (at least 5 a second), the same visits unmeasured, so that every worker
    has compiled its templates and opened its connections before the window."""
    voters = Voters(port, votes, rate, duration, shares, database_url, seed=rate)

    def run(pacer: Pacer) -> None:
        def work():
            while _voter(voters):
                pass

        voters.pacer = pacer
        workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
        pacer.begin()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(pacer.duration + 300)

    if warmup:
        run(Pacer(max(5.0, rate / 10), warmup))
    warmup_requests = len(voters.results)
    voters.results = []
    run(Pacer(rate, duration))
    voters.engine.dispose()
    used = resource.getrusage(resource.RUSAGE_SELF)
    queue.put(
        {
            "warmup_requests": warmup_requests,
            "cpu_s": used.ru_utime + used.ru_stime,
            "results": voters.results,
            "confirmed": voters.confirmed,
            "elapsed": time.monotonic() - voters.pacer.start,
            "late": sorted(voters.pacer.late),
            "outbox_waits": voters.outbox_waits,
            "page_cache": dict(voters.page_cache),
        }
    )


def minimal_load(port, rate, duration, threads, queue):
    """The minimal endpoint under the same generator: paced at `rate` (rate > 0), or as fast as it answers."""
    results: list = []
    pacer = Pacer(rate or 1, duration)

    def work():
        browser = Browser(port)
        time.sleep(max(0.0, pacer.start - time.monotonic()))
        while time.monotonic() < pacer.deadline:
            if rate and not pacer.slot():
                return
            timed(results, "minimal", browser, "GET", "/")

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    pacer.begin()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(duration + 120)
    queue.put({"results": results, "seconds": duration})


def _in_second_process(target, args: tuple) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            outcome = queue.get(timeout=5)
            break
        except Empty:
            if not process.is_alive():
                raise RuntimeError(f"the load generator ({target.__name__}) stopped without results") from None
    process.join(30)
    return outcome


# ---------------------------------------------------------------- setting up and checking (first process)


def seed(database_url: str, categories: int, workdir: Path) -> list[tuple[str, str, str]]:
    """A published cycle whose first `categories` categories' shortlists are put to a vote, open for a day: each
    vote's category slug, page and category name."""
    from awards import create_app
    from awards.domain.core.clock import utcnow
    from awards.domain.voting import votes
    from awards.extensions import db
    from awards.models import VoteSource
    from tests.factories import make_published_cycle
    from tests.support.voting import ENTRANTS, shortlist_cases

    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_FILE_DIR": str(workdir / "outbox"),
            "UPLOAD_FOLDER": str(workdir / "uploads"),
        }
    )
    logging.disable(logging.INFO)
    found = []
    with app.app_context():
        now = utcnow()
        cycle = make_published_cycle()
        if len(cycle.categories) < categories:
            raise SystemExit(f"the factories' cycle has {len(cycle.categories)} categories, not {categories}")
        for i, category in enumerate(cycle.categories[:categories]):
            entrants = [
                (f"{title} ({i + 1})", organisation, f"c{i}.{domain}") for title, organisation, domain in ENTRANTS
            ]
            shortlist_cases(cycle, category, entrants)
            votes.open_vote(
                cycle,
                category,
                source=VoteSource.SHORTLIST,
                opens_at=now - timedelta(minutes=5),
                closes_at=now + timedelta(days=1),
                by=None,
            )
            found.append((category.slug, f"/cycles/{cycle.slug}/peoples-choice/{category.slug}", category.name))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    logging.disable(logging.NOTSET)
    return found


def stored_figures(database_url: str) -> dict:
    """What the database holds about the votes, and the counts the checks compare."""
    import sqlalchemy as sa

    queries = {
        "ballots": "SELECT COUNT(*) FROM ballots",
        "attempts": "SELECT COUNT(*) FROM vote_attempts",
        "refused": "SELECT COUNT(*) FROM vote_attempts WHERE outcome = 'refused'",
        "confirmed_attempts": "SELECT COUNT(*) FROM vote_attempts WHERE outcome = 'confirmed'",
        "distinct_confirmed_voters": "SELECT COUNT(*) FROM (SELECT DISTINCT vote_id, voter_key FROM vote_attempts "
        "WHERE outcome = 'confirmed') AS voters",
        "replacements": "SELECT COALESCE(SUM(replaced_count), 0) FROM ballots",
        # A ballot whose attempt is missing, unconfirmed, without a used token, or for another voter, vote or entry.
        "ballots_not_matching_their_attempt": "SELECT COUNT(*) FROM ballots b LEFT JOIN vote_attempts a "
        "ON a.id = b.attempt_id WHERE a.id IS NULL OR a.outcome <> 'confirmed' OR a.confirmed_at IS NULL "
        "OR a.token_digest IS NULL OR a.voter_key <> b.voter_key OR a.vote_id <> b.vote_id "
        "OR a.option_id <> b.option_id",
        # A ballot of a voter with no confirmed attempt in its vote (only refused or waiting ones).
        "ballots_without_a_confirmed_attempt": "SELECT COUNT(*) FROM ballots b WHERE NOT EXISTS (SELECT 1 FROM "
        "vote_attempts a WHERE a.vote_id = b.vote_id AND a.voter_key = b.voter_key AND a.outcome = 'confirmed')",
        "ballots_of_refused_attempts": "SELECT COUNT(*) FROM ballots b JOIN vote_attempts a ON a.id = b.attempt_id "
        "WHERE a.outcome = 'refused'",
        "outbox_links": "SELECT COUNT(*) FROM outbox_messages WHERE kind = 'vote_confirm'",
    }
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        found = {name: int(connection.execute(sa.text(sql)).scalar() or 0) for name, sql in queries.items()}
        found["ballots_by_category"] = {
            slug: int(n)
            for slug, n in connection.execute(
                sa.text(
                    "SELECT c.slug, COUNT(b.id) FROM ballots b JOIN public_votes v ON v.id = b.vote_id "
                    "JOIN categories c ON c.id = v.category_id GROUP BY c.slug"
                )
            )
        }
        found["refusals"] = {
            rule: int(n)
            for rule, n in connection.execute(
                sa.text("SELECT refusal, COUNT(*) FROM vote_attempts WHERE refusal IS NOT NULL GROUP BY refusal")
            )
        }
    engine.dispose()
    return found


def summarise(results: list, seconds: float, minimal_p50: float) -> dict:
    table = {}
    for kind in (*KINDS, "all"):
        rows = [r for r in results if kind == "all" or r[0] == kind]
        if not rows:
            continue
        table[kind] = figures(rows, seconds)
        table[kind]["p50_x_minimal"] = round(table[kind]["p50_ms"] / minimal_p50, 1) if minimal_p50 else None
    return table


def main(argv: list[str] | None = None) -> int:  # noqa: C901 (one script's steps, in order)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--rate", type=float, default=100, help="vote page requests a second (default 100)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--threads", type=int, default=48, help="simulated voters at once (default 48)")
    parser.add_argument("--categories", type=int, default=3, help="categories with an open vote (default 3)")
    parser.add_argument("--confirm", type=float, default=0.7, help="share of voters who confirm (default 0.7)")
    parser.add_argument("--change", type=float, default=0.2, help="share of those who vote again (default 0.2)")
    parser.add_argument("--abuse", type=float, default=0.15, help="share of abusers (default 0.15)")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured seconds before the window (default 5)")
    parser.add_argument("--minimal-duration", type=float, default=10, help="seconds of the minimal endpoint (10)")
    parser.add_argument("--redis-url", default=REDIS_URL, help="request limits counted here when it answers")
    parser.add_argument(
        "--admin-url", default=ADMIN_URL, help=f"PostgreSQL maintenance database used to create and drop {VOTES_DB}"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="awards-votes-"))
    port, minimal_port = free_port(), free_port()
    server = minimal = None
    keep = False
    drop = lambda: None  # noqa: E731
    load_before = load_average()
    try:
        database_url, drop = create_database(args.database, workdir, args.admin_url, VOTES_DB)
        settings = {"AWARDS_TRUSTED_PROXY_COUNT": "1", "AWARDS_RATELIMIT_ENABLED": "true", **RAISED}
        shared_limits = redis_answers(args.redis_url)
        if shared_limits:
            settings.update({"REDIS_URL": args.redis_url, "AWARDS_RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}"})
        env = server_environment(database_url, port, workdir, **settings)
        print(f"database: {args.database}; migrating and opening {args.categories} votes …", flush=True)
        migrate(env)
        votes = seed(database_url, args.categories, workdir)
        print("raised for this run only (the script's clients would trip them; everything else as in production):")
        for name, value in RAISED.items():
            print(f"  {name}={value!r}")
        print(
            "  request limits per client address as configured, counted "
            + ("in Redis (shared by the workers)" if shared_limits else "in each worker (no Redis answering)")
        )

        minimal = start_gunicorn(
            dict(os.environ),
            minimal_port,
            args.workers,
            workdir / "minimal.log",
            app="minimal_app:app",
            chdir=ROOT / "bench" / "support",
            ready_path="/",
        )
        print(
            f"minimal endpoint: {args.workers} workers; {args.minimal_duration:g} s paced, then as fast …", flush=True
        )
        paced = _in_second_process(minimal_load, (minimal_port, args.rate, args.minimal_duration, args.threads))
        ceiling = _in_second_process(minimal_load, (minimal_port, 0, args.minimal_duration / 2, args.threads))
        stop(minimal, 30)
        minimal = None
        minimal_paced = figures(paced["results"], paced["seconds"])
        minimal_ceiling = figures(ceiling["results"], ceiling["seconds"])

        log_path = workdir / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log_path)
        booted = cpu_seconds(server.pid)  # the workers' start (imports, the app) is not a request's
        print(
            f"gunicorn: {args.workers} workers on 127.0.0.1:{port}; vote page at {args.rate:g} requests/s for "
            f"{args.duration:g} s from {args.threads} threads in a second process …",
            flush=True,
        )
        shares = (args.confirm, args.change, args.abuse)
        outcome = _in_second_process(
            generate_load, (port, votes, args.rate, args.duration, args.warmup, args.threads, shares, database_url)
        )
        server_cpu = cpu_seconds(server.pid) - booted
        stop(server, 30)
        server_log = log_path.read_text(errors="replace")
        server = None
        served = outcome["warmup_requests"] + len(outcome["results"])
        load_after = load_average()

        table = summarise(outcome["results"], args.duration, minimal_paced["p50_ms"])
        vote_page = [r for r in outcome["results"] if r[0] in PACED]
        vote_page_rps = len(vote_page) / args.duration
        late = outcome["late"]
        base = minimal_paced
        print(
            f"\nminimal endpoint, same workers and generator: paced at {args.rate:g}/s p50 {base['p50_ms']} ms, "
            f"p95 {base['p95_ms']} ms, p99 {base['p99_ms']} ms; unpaced {minimal_ceiling['rps']} rps"
        )
        print_table(table, (("× minimal", "p50_x_minimal"),))
        print(
            f"\nvote page (GET and POST): {len(vote_page)} requests in {args.duration:g} s = "
            f"{vote_page_rps:.1f} requests/s (asked for {args.rate:g}; {vote_page_rps / minimal_ceiling['rps']:.1%} "
            f"of the minimal endpoint's unpaced rate); all requests {table['all']['rps']} requests/s"
        )
        print(
            f"started late (every thread busy): {len(late)} of {len(vote_page)}"
            + (f", by up to {late[-1] * 1000:.0f} ms (p50 {late[len(late) // 2] * 1000:.0f} ms)" if late else "")
        )
        per_request = server_cpu / served * 1000 if served else 0.0
        print(
            f"CPU: the server {server_cpu:.1f} s for {served} requests (warm-up included) = {per_request:.1f} ms a "
            f"request; the generator {outcome['cpu_s']:.1f} s. At that cost the vote page at {args.rate:g}/s with its "
            f"follow-ups ({len(outcome['results']) / max(len(vote_page), 1):.2f} requests per vote page request here) "
            f"needs {args.rate * len(outcome['results']) / max(len(vote_page), 1) * per_request / 1000:.1f} cores "
            f"for the server alone; this machine has {os.cpu_count()}"
        )
        stored = stored_figures(database_url)
        seen = outcome["confirmed"]
        seen_voters = {(slug, address) for slug, address in seen}
        seen_by_category = {slug: sum(1 for s, _ in seen_voters if s == slug) for slug, _path, _name in votes}
        locked = server_log.count("database is locked")
        print(
            f"attempts {stored['attempts']} (refused {stored['refused']}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(stored["refusals"].items()))
            + f"); links e-mailed {stored['outbox_links']}; confirmations seen by the clients {len(seen)}, "
            f"confirmed attempts {stored['confirmed_attempts']}; ballots {stored['ballots']} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(stored['ballots_by_category'].items()))}), "
            f"replaced {stored['replacements']} times"
        )
        kept = outcome["page_cache"]
        print(
            f"vote page GETs served from the kept page: {kept.get('hit', 0)} of {sum(kept.values())} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(kept.items()))})"
        )
        if args.database == "sqlite":
            print(f'"database is locked" in gunicorn\'s log: {locked}')
        print(
            f"machine: {os.cpu_count()} CPUs; load average {load_before} before, {load_after} after "
            f"(the generator, both servers and the database share the machine)"
        )
        checks = {
            "no 5xx": table["all"]["5xx"] == 0,
            "no failed connections": table["all"]["errors"] == 0,
            f"vote page at {args.rate:g} requests/s or more": vote_page_rps >= args.rate,
            "every ballot matches its confirmed attempt (token used, same voter, vote and entry)": stored[
                "ballots_not_matching_their_attempt"
            ]
            == 0,
            "no ballot for a refused attempt, none without a confirmed attempt": stored["ballots_of_refused_attempts"]
            == stored["ballots_without_a_confirmed_attempt"]
            == 0,
            "ballots = distinct confirmed voters (voter keys)": stored["ballots"]
            == stored["distinct_confirmed_voters"],
            "ballots = distinct confirmed canonical addresses the clients saw, per vote": stored["ballots_by_category"]
            == {k: v for k, v in seen_by_category.items() if v},
            "confirmations seen = confirmed attempts = ballots + replacements": len(seen)
            == stored["confirmed_attempts"]
            == stored["ballots"] + stored["replacements"],
            "some ballots were cast": stored["ballots"] > 0,
        }
        if args.database == "sqlite":
            checks["no 'database is locked'"] = locked == 0
        for name, passed in checks.items():
            print(f"check: {name}: {'ok' if passed else 'FAILED'}")
        if not checks["ballots = distinct confirmed canonical addresses the clients saw, per vote"]:
            print(f"  ballots by vote {stored['ballots_by_category']}; confirmed addresses seen {seen_by_category}")
        if vote_page_rps < args.rate:
            print(
                "  (the vote page fell short: requests started late because every thread was waiting on a slow "
                "answer; see p95/p99 and the load average)"
            )

        out = write_json(
            RESULTS / f"votes-{args.database}-{args.workers}w.json",
            {
                "database": args.database,
                "workers": args.workers,
                "threads": args.threads,
                "rate_asked": args.rate,
                "duration_s": args.duration,
                "shares": {"confirm": args.confirm, "change": args.change, "abuse": args.abuse},
                "raised": RAISED,
                "limits_counted_in": "redis" if shared_limits else "each worker",
                "vote_page_rps": round(vote_page_rps, 1),
                "late_starts": len(late),
                "server_cpu_s": round(server_cpu, 1),
                "server_cpu_ms_per_request": round(per_request, 2),
                "generator_cpu_s": round(outcome["cpu_s"], 1),
                "requests": table,
                "minimal_paced": minimal_paced,
                "minimal_ceiling": minimal_ceiling,
                "stored": stored,
                "confirmations_seen": len(seen),
                "checks": checks,
                "load_average": {"before": load_before, "after": load_after},
                **machine(),
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
        for process in (server, minimal):
            if process is not None:
                stop(process, 30)
        drop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
