"""The awards app served by gunicorn for a load script (bench/load.py, bench/votes.py): a fresh database (a SQLite
file in a temporary directory, or a PostgreSQL database dropped and created again), migrated with `flask db
upgrade`, an environment configured as production is (on loopback), gunicorn started and waited for, a small
client keeping one person's cookies, and the figures per kind of request."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from support import ROOT
from support.net import request, take_cookies

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Browser:
    """One person's cookies over plain http.client (gunicorn's sync workers close each connection); `headers` go
    with every request (X-Forwarded-For, as a proxy in front would add)."""

    def __init__(self, port: int, timeout: float = 60, headers: dict | None = None):
        self.port = port
        self.timeout = timeout
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        status, headers, text = request(
            self.port, method, path, form=form, cookies=self.cookies, extra=self.headers, timeout=self.timeout
        )
        take_cookies(headers, self.cookies)
        return status, {k.lower(): v for k, v in headers}, text


def create_database(kind: str, workdir: Path, admin_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database: its URL and how to drop it (nothing to do for SQLite: the directory goes)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'{name}.db'}", lambda: None
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}", drop


def server_environment(database_url: str, port: int, workdir: Path, **settings: str) -> dict:
    """The environment of a production server on loopback (cookies over plain HTTP), e-mail written to files in
    `workdir`; `settings` adds or overrides variables."""
    env = dict(os.environ)
    env.update(
        {
            "AWARDS_ENVIRONMENT": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": os.urandom(32).hex(),
            "AWARDS_BASE_URL": f"http://127.0.0.1:{port}",
            # Loopback without TLS: let the browser send the session cookie back over plain HTTP.
            "AWARDS_SESSION_COOKIE_SECURE": "false",
            "AWARDS_REMEMBER_COOKIE_SECURE": "false",
            "AWARDS_MAIL_BACKEND": "file",
            "AWARDS_MAIL_FILE_DIR": str(workdir / "outbox"),
            "AWARDS_UPLOAD_FOLDER": str(workdir / "uploads"),
        }
    )
    env.update(settings)
    return env


def migrate(env: dict) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "awards", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stdout}{done.stderr}")


def start_gunicorn(
    env: dict,
    port: int,
    workers: int,
    log_path: Path,
    *,
    app: str = "wsgi:app",
    chdir: Path = ROOT,
    ready_path: str = "/healthz",
    ready_within: float = 60,
) -> subprocess.Popen:
    """gunicorn with `workers` sync workers on 127.0.0.1:port, once `ready_path` answers 200 (within `ready_within`
    seconds: starting the app takes seconds of CPU per worker, many more on a machine others keep busy)."""
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--graceful-timeout",
            "30",
            app,
        ],
        cwd=chdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early; see {log_path}")
        try:
            if Browser(port, timeout=5).request("GET", ready_path)[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer {ready_path} within {ready_within:g} s")


def cpu_seconds(master_pid: int) -> float:
    """The CPU time (user and system) gunicorn's master and its workers have used so far, from /proc."""
    pids = [master_pid, *worker_pids(master_pid)]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the master's children, from /proc."""
    pids: list[int] = []
    try:
        for task in Path(f"/proc/{master_pid}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
    except OSError:
        pass
    return pids


def redis_answers(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


# ---------------------------------------------------------------- figures


def timed(results: list, kind: str, browser, method: str, path: str, form=None):
    """One request through the cookie-keeping client, its (kind, seconds, status) added to `results` (status None
    for a failed connection); returns (status, headers, text)."""
    started = time.perf_counter()
    try:
        status, headers, text = browser.request(method, path, form)
    except OSError:
        results.append((kind, time.perf_counter() - started, None))
        return None, {}, ""
    results.append((kind, time.perf_counter() - started, status))
    return status, headers, text


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def figures(rows: list[tuple[str, float, int | None]], seconds: float) -> dict:
    """Requests, statuses, latency percentiles (ms) and requests per second over `seconds` of (kind, seconds taken,
    status or None for a failed connection) rows."""
    times = sorted(t * 1000 for _, t, _ in rows)
    statuses = [s for _, _, s in rows]
    return {
        "requests": len(rows),
        "ok": sum(1 for s in statuses if s is not None and s < 400),
        "4xx": sum(1 for s in statuses if s is not None and 400 <= s < 500),
        "5xx": sum(1 for s in statuses if s is not None and s >= 500),
        "errors": sum(1 for s in statuses if s is None),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
        "rps": round(len(rows) / seconds, 1) if seconds else 0.0,
    }


def print_table(table: dict, extra: tuple[tuple[str, str], ...] = ()) -> None:
    """A row per kind of request; `extra` adds columns (heading, key in the row)."""
    width = max(12, *(len(kind) for kind in table))
    header = (
        f"{'request':<{width}} {'requests':>9} {'ok':>8} {'4xx':>6} {'5xx':>6} {'errors':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'rps':>7}" + "".join(f" {h:>9}" for h, _ in extra)
    )
    print(header)
    print("-" * len(header))
    for kind, row in table.items():
        print(
            f"{kind:<{width}} {row['requests']:>9} {row['ok']:>8} {row['4xx']:>6} {row['5xx']:>6} {row['errors']:>7} "
            f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} {row['rps']:>7}"
            + "".join(f" {str(row.get(key, '')):>9}" for _, key in extra)
        )
