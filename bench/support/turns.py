"""What the in-process turn benchmarks share (bench/nominee_turn.py, bench/judge_turn.py): the app as gunicorn makes
it, signing in through the real form, each request's CPU time by kind, the minimal endpoint measured between the
batches in the same process, the batches' medians in units of it, and the SQL of one turn."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from support import ROOT
from support.in_process import BASE, Client
from support.served import ADMIN_URL, create_database, migrate, server_environment

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_as_gunicorn(env: dict):
    """The app as wsgi.py makes it for gunicorn: production settings from the environment, then gc.freeze."""
    os.environ.update(env)
    from awards import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def sign_in(client: Client, email: str, password: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post(
        "/sign-in", {"email": email, "password": password, "csrf_token": TOKEN.search(page).group(1)}
    )
    if response.status_code != 302:
        raise SystemExit(f"could not sign in: {response.status_code}")


class TimedTurns:
    """Turns of requests, each request's CPU milliseconds kept by kind (`kinds`, in a turn's order)."""

    def __init__(self, kinds: tuple[str, ...]):
        self.kinds = kinds
        self.kind = ""
        self.cpu: dict[str, list[float]] = {kind: [] for kind in kinds}

    def timed(self, kind: str, request: Callable):
        self.kind = kind
        started = time.process_time()
        response = request()
        self.cpu[kind].append((time.process_time() - started) * 1000)
        return response

    def turn(self) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        for kind in self.kinds:
            self.cpu[kind].clear()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _minimal_ms(ceiling, requests: int = 1000) -> float:
    started = time.process_time()
    for _ in range(requests):
        ceiling.get("/")
    return (time.process_time() - started) * 1000 / requests


def minimal_client():
    """The minimal endpoint's test client, warmed."""
    sys.path.insert(0, str(ROOT / "bench" / "support"))
    from minimal_app import app as minimal

    ceiling = minimal.test_client()
    for _ in range(200):
        ceiling.get("/")
    return ceiling


def measure(turns: TimedTurns, *, batches: int, per_batch: int) -> None:
    """Batches of turns, the minimal endpoint before and after each; prints each kind's median CPU and units."""
    ceiling = minimal_client()
    found: dict[str, list[float]] = {kind: [] for kind in (*turns.kinds, "turn", "minimal")}
    for _ in range(batches):
        before = _minimal_ms(ceiling)
        turns.clear()
        for _ in range(per_batch):
            turns.turn()
        after = _minimal_ms(ceiling)
        for kind in turns.kinds:
            found[kind].append(statistics.median(turns.cpu[kind]))
        found["turn"].append(statistics.median(sum(parts) for parts in zip(*turns.cpu.values(), strict=True)))
        found["minimal"].append((before + after) / 2)
    minimal_ms = statistics.median(found["minimal"])
    print(f"minimal endpoint: {minimal_ms:.3f} ms CPU a request (median of {batches} batches)")
    print(f"{'request':<14} {'CPU ms':>7} {'units':>6}   (median of {batches} batches of {per_batch})")
    for kind in (*turns.kinds, "turn"):
        ms = statistics.median(found[kind])
        print(f"{kind:<14} {ms:>7.2f} {ms / minimal_ms:>6.0f}")
    print(f"load average {load_average()}")


def print_statements(app, turns: TimedTurns) -> None:
    """The statements one turn runs, each request's in turn (one line each, shortened)."""
    import sqlalchemy as sa

    from awards.extensions import db

    seen: dict[str, list[str]] = {kind: [] for kind in turns.kinds}

    def note(_conn, _cursor, statement, *_args) -> None:
        seen[turns.kind].append(" ".join(statement.split())[:160])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        turns.turn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    for kind in turns.kinds:
        print(f"{kind}: {len(seen[kind])} statements")
        for statement in seen[kind]:
            print(f"  {statement}")


def arguments(description: str, *, turns: int) -> argparse.ArgumentParser:
    """The options every turn benchmark takes (a script adds its own)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--turns", type=int, default=turns, help=f"turns per batch (default {turns})")
    parser.add_argument("--batches", type=int, default=5, help="batches (default 5)")
    parser.add_argument("--warmup", type=int, default=10, help="turns before measuring (default 10)")
    parser.add_argument("--statements", action="store_true", help="print the SQL of one turn, request by request")
    return parser


def run(
    args: argparse.Namespace,
    name: str,
    person: tuple[str, str],
    make_turns: Callable[[object, Client], TimedTurns],
    otherwise: Callable[[TimedTurns], bool] | None = None,
) -> int:
    """A fresh database `awards_<name>_bench` (SQLite in a temporary directory), migrated; the app as gunicorn makes
    it; `make_turns(app, client)` seeds and gives the turns, whose person (`email`, `password`) signs in first; the
    warm-up; then the SQL of one turn (--statements), else what `otherwise` does if it says so, else the batches."""
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory(prefix=f"awards-{name}-") as tmp:
        workdir = Path(tmp)
        url, drop = create_database(args.database, workdir, ADMIN_URL, f"awards_{name.replace('-', '_')}_bench")
        try:
            env = server_environment(url, 5000, workdir, AWARDS_BASE_URL=BASE)
            migrate(env)
            app = app_as_gunicorn(env)
            client = Client(app)
            turns = make_turns(app, client)
            sign_in(client, *person)
            for _ in range(args.warmup):
                turns.turn()
            import awards

            print(f"awards from {Path(awards.__file__).parent}; {args.database}; load average {load_average()}")
            if args.statements:
                print_statements(app, turns)
            elif otherwise is None or not otherwise(turns):
                measure(turns, batches=args.batches, per_batch=args.turns)
        finally:
            drop()
    return 0
