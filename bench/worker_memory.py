"""Memory per worker at scale (issue 19, item 5: under 300 MB at 100,000 nominations).

Serves the scale database of bench/scale_db.py (for SQLite a copy of the cached file: signing in writes to it)
with gunicorn as production runs it (`wsgi:app`, sync workers, the production settings on loopback, the
results ranking kept per process as in production), signs in as the organiser, the first judge and the first
nominee through the real form, requests every key page of bench/pages.py --passes times through each worker
(gunicorn's sync workers take connections in turn, so every worker sees every page), and then reads each
worker's resident memory (VmRSS) and its peak (VmHWM) from /proc. Prints them and writes JSON to
bench/results/worker-memory-<database>[-n<N>].json.

    .venv/bin/python bench/worker_memory.py --nominations 100000 --judges 3000
    .venv/bin/python bench/worker_memory.py --nominations 100000 --judges 3000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench_scale
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import scale_db
from support import RESULTS
from support.net import free_port, request, stop, take_cookies
from support.report import load_average, machine, write_json
from support.served import server_environment, start_gunicorn, worker_pids

TARGET_MB = 300
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(port: int, email: str, password: str) -> dict:
    """The cookies of a session signed in through the real form."""
    cookies: dict[str, str] = {}
    status, headers, page = request(port, "GET", "/sign-in")
    take_cookies(headers, cookies)
    token = TOKEN.search(page)
    if status != 200 or not token:
        raise SystemExit(f"sign-in page answered {status}")
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    status, headers, _ = request(port, "POST", "/sign-in", cookies=cookies, form=form)
    take_cookies(headers, cookies)
    if status != 302:
        raise SystemExit(f"could not sign in as {email}: {status}")
    return cookies


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the peak resident) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scale_db.add_scale_arguments(parser)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--passes", type=int, default=3, help="Times each page is requested per worker")
    args = parser.parse_args()

    import pages  # bench/pages.py: the key pages, found in the scale data

    from awards.devdata.scale import SCALE_PASSWORD
    from awards.extensions import db

    url, _how = scale_db.ensure_apart(args)
    logging.disable(logging.INFO)
    app = scale_db.make_app(url)
    with app.app_context():
        dialect = db.engine.dialect.name
        found = pages.find_pages()
        db.session.remove()
        db.engine.dispose()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="awards-memory-") as tmp:
        workdir = Path(tmp)
        if url.startswith("sqlite:///"):
            copy = workdir / "scale.db"
            shutil.copyfile(url.removeprefix("sqlite:///"), copy)
            url = f"sqlite:///{copy}"
        port = free_port()
        # The organiser's pages without the second factor (production asks for it; not a memory matter).
        env = server_environment(
            url, port, workdir, AWARDS_RATELIMIT_ENABLED="false", AWARDS_REQUIRE_ORGANISER_2FA="false"
        )
        server = start_gunicorn(env, port, args.workers, workdir / "gunicorn.log", ready_within=180)
        try:
            workers = sorted(worker_pids(server.pid))
            at_start = {pid: memory_mb(pid) for pid in workers}
            cookies = {
                email: sign_in(port, email, SCALE_PASSWORD)
                for email in sorted({p.user_email for p in found if p.user_email})
            }
            started = time.perf_counter()
            requests = 0
            for spec in found:
                for _ in range(args.passes * args.workers):
                    status, headers, _ = request(
                        port, "GET", spec.path, cookies=cookies.get(spec.user_email), timeout=300
                    )
                    requests += 1
                    if status != 200:
                        where = dict((k.lower(), v) for k, v in headers).get("location", "")
                        raise SystemExit(f"{spec.name} ({spec.path}) answered {status} {where}, not 200")
            seconds = time.perf_counter() - started
            after = {pid: memory_mb(pid) for pid in workers}
        finally:
            stop(server, 30)
    peak = max(m["VmHWM"] for m in after.values())
    figures = {
        "database": dialect,
        "machine": machine(),
        "scale": {"nominations": args.nominations, "judges": args.judges, "impact_cases": args.cases},
        "workers": args.workers,
        "pages": [spec.name for spec in found],
        "requests": requests,
        "seconds": round(seconds, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "rss_mb_at_start": [at_start[pid]["VmRSS"] for pid in workers],
        "rss_mb_after": [after[pid]["VmRSS"] for pid in workers],
        "peak_rss_mb": [after[pid]["VmHWM"] for pid in workers],
        "target_mb": TARGET_MB,
        "target_met": peak < TARGET_MB,
    }
    print(
        f"gunicorn ({args.workers} sync workers) on {dialect} at {args.nominations:,} nominations, {args.judges:,} "
        f"judges: {len(found)} key pages × {args.passes * args.workers} = {requests} requests in {seconds:.0f} s "
        f"(load average {load_before} at the start)"
    )
    for pid in workers:
        print(
            f"  worker {pid}: {at_start[pid]['VmRSS']:.0f} MB resident after start-up, {after[pid]['VmRSS']:.0f} MB "
            f"after the pages (peak {after[pid]['VmHWM']:.0f} MB)"
        )
    print(f"  Target: every worker under {TARGET_MB} MB: {'met' if figures['target_met'] else 'NOT met'}")
    suffix = f"-n{args.nominations}" if args.nominations != scale_db.DEFAULT_SCALE["nominations"] else ""
    output = write_json(RESULTS / f"worker-memory-{dialect}{suffix}.json", figures)
    print(f"Figures written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
