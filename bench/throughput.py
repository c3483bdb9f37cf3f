"""Throughput benchmark (issue 8, items 2 and 3): requests per second under gunicorn, as a ratio
to a minimal Flask endpoint served the same way in the same run.

One command. It makes sure the scale database exists (bench/scale_db.py: 10,000 nominations,
300 judges, 1,000 impact cases, built once and reused), then starts on 127.0.0.1, each on a
free port with the same settings (gunicorn, --workers sync workers):

- the ceiling: bench/support/minimal_app.py, one Flask route answering "ok" (see its docstring
  for why that is the most any Flask page can reach here);
- the awards app configured as in production (BASE_URL, SECRET_KEY; cookies allowed over plain
  HTTP because this is loopback), with its in-process page cache;
- the awards app again with the page cache off (PUBLIC_CACHE_ENTRIES=0), for comparison.

A second process then loads each URL after a short warm-up, with --concurrency requests in
flight: wrk when it is installed (`apt-get install wrk`; written in C, it takes little of the CPUs
the servers share), otherwise Python's asyncio (a new connection per request, as gunicorn's sync
workers close each one; it costs more CPU per request, so it lowers the ratios a little):
/impact-cases, an impact case page, /impact-cases revalidated with If-None-Match (a 304); five signed-in
pages, each person signed in first through the sign-in form (issue 19, item 2): the nominee's task list and
its first section page (of a draft the nominee starts through the start form in the open cycle, on this
run's copy of the database), the judge's list (/judging/) and the first score sheet on it that opens, and
the organiser's nominations list of the judging cycle; the two public pages without the page cache; then
the library, the judge's list and an uncached case page read in Welsh (the language switcher's cookie),
whose ratios should match their English twins'. The load generator sends the same cookies throughout
(it keeps no Set-Cookie), as a browser would for a minute. Each URL is measured
in --repeats pairs: --duration seconds of the
minimal endpoint, then as long of the URL, so that load from elsewhere on a shared machine weighs
on a page and on its ceiling alike; the ratio is the median over the rounds of the page's rps over
its paired ceiling's (the rps columns are totals over all rounds).

It prints a table (requests, errors, rps, p50/p90 ms, ceiling, ratio) and writes the
figures to bench/results/throughput.json. Targets: the public pages reach at least 60% of the
ceiling, each signed-in page at least 15%. It exits 1 if a response was not the expected status
or a connection failed; a missed target is reported, not an error (figures on a shared machine vary).

    .venv/bin/python bench/throughput.py [--duration 3] [--repeats 3] [--concurrency 8] [--workers 2]
                                         [--database-url postgresql+psycopg://…/awards_bench]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import scale_db
from support import ROOT
from support.net import free_port, request, stop, take_cookies
from support.report import write_json

VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "throughput.json"
TARGET_RATIO = 0.60  # issue 19, item 3: cached public pages at least 60% of the ceiling (an earlier issue: 40%)
WELSH = "awards_language=cy"  # the language switcher's cookie (awards/i18n.py)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/impact-cases/([a-z0-9-]+)"')
CATEGORY = re.compile(r'name="category"[^>]*value="([^"]+)"')
ENTRY_LINK = re.compile(r'href="/judging/nominations/([A-Z0-9-]+)"')
SIGNED_IN_TARGET = 0.15  # issue 19, item 2: each signed-in page at least 15% of the ceiling


# ---------------------------------------------------------------- servers


class Server:
    """A gunicorn on a free loopback port, stopped (and its log kept) on exit."""

    def __init__(
        self,
        name: str,
        app: str,
        *,
        chdir: Path,
        workers: int,
        env: dict | None = None,
        port: int | None = None,
        log_dir: Path,
    ):
        self.name, self.port = name, port or free_port()
        self.log = log_dir / f"{name}.log"
        command = [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(chdir),
            "--timeout",
            "120",
            "--log-level",
            "warning",
            app,
        ]
        self.process = subprocess.Popen(
            command, env={**os.environ, **(env or {})}, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str = "/", timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn exited\n{self.log.read_text()[-3000:]}")
            try:
                status, _, _ = request(self.port, "GET", path)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name}: not answering after {timeout:.0f} s\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        stop(self.process, 20)


def sign_in(port: int, email: str, password: str) -> dict:
    """The cookies of a session signed in through the real form."""
    cookies: dict[str, str] = {}
    status, headers, page = request(port, "GET", "/sign-in")
    take_cookies(headers, cookies)
    token = TOKEN.search(page)
    if status != 200 or not token:
        raise SystemExit(f"sign-in page: {status}")
    status, headers, _ = request(
        port,
        "POST",
        "/sign-in",
        cookies=cookies,
        form={"csrf_token": token.group(1), "email": email, "password": password},
    )
    take_cookies(headers, cookies)
    if status != 302:
        raise SystemExit(f"could not sign in as {email}: {status}")
    return cookies


def start_draft(port: int, cookies: dict) -> str:
    """A draft nomination in the open cycle, started through the start form as a nominee would: its
    reference (the scale data's nominations are all submitted, so none has a task list to work on)."""
    status, headers, page = request(port, "GET", "/nominations/start", cookies=cookies)
    take_cookies(headers, cookies)
    token, category = TOKEN.search(page), CATEGORY.search(page)
    if status != 200 or not token or not category:
        raise SystemExit(f"the start page answered {status} without a category to choose")
    status, headers, _ = request(
        port,
        "POST",
        "/nominations/start",
        cookies=cookies,
        form={"csrf_token": token.group(1), "category": category.group(1)},
    )
    take_cookies(headers, cookies)
    location = dict((k.lower(), v) for k, v in headers).get("location", "")
    if status != 302 or "/nominations/" not in location:
        raise SystemExit(f"could not start a nomination: {status} {location}")
    return location.rstrip("/").rsplit("/", 1)[-1]


def signed_in_paths(port: int, database_url: str) -> dict:
    """The signed-in pages people use the night before a deadline (issue 19, item 2), each with the cookies
    of a person signed in through the real form: {label: (path, cookies)}."""
    import sqlalchemy as sa

    from awards.devdata.scale import ORGANISER_EMAIL, SCALE_PASSWORD, scale_email

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        slug = connection.execute(sa.text("SELECT slug FROM cycles WHERE status = 'judging' ORDER BY id")).scalar()
    engine.dispose()
    nominee = sign_in(port, scale_email("nominee", 1), SCALE_PASSWORD)
    reference = start_draft(port, nominee)
    status, headers, tasks = request(port, "GET", f"/nominations/{reference}", cookies=nominee)
    take_cookies(headers, nominee)  # as a browser would: the message flashed on starting it is shown, and gone
    listed = tasks[tasks.find("govuk-task-list") :]
    section = re.search(rf'href="/nominations/{reference}/([a-z0-9_-]+)"', listed)
    if status != 200 or not section:
        raise SystemExit(f"the new nomination's task list answered {status} without a section")
    judge = sign_in(port, scale_email("judge", 1), SCALE_PASSWORD)
    _, headers, judges_list = request(port, "GET", "/judging/", cookies=judge)
    take_cookies(headers, judge)
    # The first entry on the list whose score sheet opens (not one still asking about a conflict of interest).
    scoring = next(
        (
            f"/judging/nominations/{entry}"
            for entry in dict.fromkeys(ENTRY_LINK.findall(judges_list))
            if request(port, "GET", f"/judging/nominations/{entry}", cookies=judge)[0] == 200
        ),
        None,
    )
    if scoring is None:
        raise SystemExit("no score sheet on the judge's list opens")
    organiser = sign_in(port, ORGANISER_EMAIL, SCALE_PASSWORD)
    take_cookies(request(port, "GET", f"/organiser/cycles/{slug}/nominations", cookies=organiser)[1], organiser)
    return {
        "nominee's task list": (f"/nominations/{reference}", nominee),
        "section page": (f"/nominations/{reference}/{section.group(1)}", nominee),
        "judge's list": ("/judging/", judge),
        "scoring page": (scoring, judge),
        "organiser's nominations": (f"/organiser/cycles/{slug}/nominations", organiser),
    }


def cookie_header(cookies: dict, *extra: str) -> dict:
    return {"Cookie": "; ".join([*(f"{k}={v}" for k, v in cookies.items()), *extra])}


# ---------------------------------------------------------------- the load generator (second process)


async def _load(port: int, path: str, headers: dict, duration: float, concurrency: int, expect: int) -> dict:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close", "Accept-Encoding: identity"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    counts = {"ok": 0, "unexpected": 0, "errors": 0, "bytes": 0}
    statuses: dict[int, int] = {}
    started = loop.time()
    deadline = started + duration

    async def client() -> None:
        while loop.time() < deadline:
            t0 = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(raw)
                data = await reader.read()  # until the server closes the connection
                writer.close()
            except OSError:
                counts["errors"] += 1
                continue
            latencies.append(time.perf_counter() - t0)
            status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
            statuses[status] = statuses.get(status, 0) + 1
            counts["ok" if status == expect else "unexpected"] += 1
            counts["bytes"] += len(data)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = loop.time() - started
    latencies.sort()
    done = len(latencies)
    return {
        "requests": done,
        **counts,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(elapsed, 2),
        "rps": round(done / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p90_ms": round(1000 * latencies[int(0.90 * (done - 1))], 1) if latencies else None,
        "mean_response_bytes": round(counts["bytes"] / done) if done else 0,
    }


def combine(runs: list[dict]) -> dict:
    """Several runs of one URL as one: totals, rps over the total time, the worst p50/p90."""
    seconds = sum(r["seconds"] for r in runs)
    requests = sum(r["requests"] for r in runs)
    statuses: dict[str, int] = {}
    for r in runs:
        for status, count in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "requests": requests,
        "ok": sum(r["ok"] for r in runs),
        "unexpected": sum(r["unexpected"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "statuses": statuses,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": max((r["p50_ms"] for r in runs if r["p50_ms"] is not None), default=None),
        "p90_ms": max((r["p90_ms"] for r in runs if r["p90_ms"] is not None), default=None),
        "mean_response_bytes": round(sum(r["bytes"] for r in runs) / requests) if requests else 0,
    }


def run_load(
    port: int,
    path: str,
    headers: dict,
    duration: float,
    concurrency: int,
    expect: int,
    warmup: float,
    generator: str = "python",
) -> dict:
    load = _wrk if generator == "wrk" else (lambda *a: asyncio.run(_load(*a)))
    if warmup:
        load(port, path, headers, warmup, concurrency, expect)
    return load(port, path, headers, duration, concurrency, expect)


_WRK_TIME = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}
_WRK_SIZE = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}


def _wrk(port: int, path: str, headers: dict, duration: float, concurrency: int, expect: int) -> dict:
    """The same load from wrk (C, one thread): it costs the shared CPUs far less than Python does.
    wrk only tells 2xx/3xx from other statuses, so each URL's status is checked once beforehand."""
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(concurrency),
        "--duration",
        f"{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout

    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def latency(percent: int) -> float | None:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return round(float(match.group(1)) * _WRK_TIME[match.group(2)], 1) if match else None

    requests = int(number(r"(\d+) requests in"))
    seconds = number(r"requests in ([\d.]+)s")
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    size = float(read.group(1)) * _WRK_SIZE[read.group(2)] if read else 0.0
    bad = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "requests": requests,
        "ok": requests - bad,
        "unexpected": bad,
        "errors": errors,
        "bytes": size,
        "statuses": {"2xx/3xx": requests - bad, "other": bad},
        "seconds": seconds,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": latency(50),
        "p90_ms": latency(90),
        "mean_response_bytes": round(size / requests) if requests else 0,
    }


# ---------------------------------------------------------------- the run


def awards_env(url: str, port: int, **extra: str) -> dict:
    return {
        "AWARDS_ENVIRONMENT": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "AWARDS_BASE_URL": f"http://127.0.0.1:{port}",
        "AWARDS_SESSION_COOKIE_SECURE": "false",
        "AWARDS_REMEMBER_COOKIE_SECURE": "false",
        # The scale data's organiser has no authenticator app; production asks organisers to set one up.
        "AWARDS_REQUIRE_ORGANISER_2FA": "false",
        **extra,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration",
        type=float,
        default=3.0,
        help="seconds of load per URL and round, and as long for the minimal endpoint (default 3)",
    )
    # (--repeats, not --rounds: scale_db's options have --rounds, the judging rounds of the scale data)
    parser.add_argument("--repeats", type=int, default=3, help="measured rounds per URL (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load first (default 1)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if installed (auto), or Python's asyncio",
    )
    scale_db.add_scale_arguments(parser)
    args = parser.parse_args()
    generator = args.generator if args.generator != "auto" else ("wrk" if shutil.which("wrk") else "python")

    url, how = scale_db.ensure(
        nominations=args.nominations,
        judges=args.judges,
        cases=args.cases,
        custom_form=args.custom_form,
        database_url=args.database_url,
        rebuild=args.rebuild,
    )
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="awards-throughput-") as tmp:
        log_dir = Path(tmp)
        if url.startswith("sqlite:///"):
            # A copy: signing in writes to it, and the cached file may be rebuilt meanwhile.
            copy = log_dir / "scale.db"
            shutil.copyfile(url.removeprefix("sqlite:///"), copy)
            url = f"sqlite:///{copy}"
        try:
            minimal = Server(
                "minimal", "minimal_app:app", chdir=ROOT / "bench" / "support", workers=args.workers, log_dir=log_dir
            )
            port = free_port()
            awards = Server(
                "awards",
                "wsgi:app",
                chdir=ROOT,
                workers=args.workers,
                port=port,
                env=awards_env(url, port),
                log_dir=log_dir,
            )
            port = free_port()
            uncached = Server(
                "awards-uncached",
                "wsgi:app",
                chdir=ROOT,
                workers=args.workers,
                port=port,
                env=awards_env(url, port, AWARDS_PUBLIC_CACHE_ENTRIES="0"),
                log_dir=log_dir,
            )
            servers = [minimal, awards, uncached]
            for server in servers:
                server.wait_ready("/" if server is minimal else "/healthz")

            status, headers, page = request(awards.port, "GET", "/impact-cases")
            slug = CASE_LINK.search(page)
            if status != 200 or not slug:
                raise SystemExit(f"/impact-cases answered {status} without a case link: is the scale data there?")
            case_path = f"/impact-cases/{slug.group(1)}"
            etag = dict((k.lower(), v) for k, v in headers).get("etag", "")
            signed_in = signed_in_paths(awards.port, url)
            judges_list, judge_cookies = signed_in["judge's list"]
            welsh_judge = cookie_header(judge_cookies, WELSH)

            plan = [
                ("/impact-cases", awards, "/impact-cases", {}, 200),
                ("impact case page", awards, case_path, {}, 200),
                ("/impact-cases revalidated (304)", awards, "/impact-cases", {"If-None-Match": etag}, 304),
                # Signed in (issue 19, item 2): each person's pages, kept per session (web/personal_cache.py)
                *(
                    (f"{label} (signed in)", awards, path, cookie_header(cookies), 200)
                    for label, (path, cookies) in signed_in.items()
                ),
                ("/impact-cases, page cache off", uncached, "/impact-cases", {}, 200),
                ("impact case page, page cache off", uncached, case_path, {}, 200),
                # The same pages read in Welsh (issue 17: targets unchanged with the language switched)
                ("/impact-cases in Welsh", awards, "/impact-cases", {"Cookie": WELSH}, 200),
                ("judge's list in Welsh (signed in)", awards, judges_list, welsh_judge, 200),
                ("impact case page in Welsh, page cache off", uncached, case_path, {"Cookie": WELSH}, 200),
            ]
            rows = []
            context = multiprocessing.get_context("spawn")
            with context.Pool(1) as pool:  # the load generator: one process, outside the servers
                for label, server, path, headers, expect in plan:
                    status = request(server.port, "GET", path, extra=headers)[0]
                    if status != expect:
                        raise SystemExit(
                            f"{label}: {path} answered {status}, not {expect}\n{server.log.read_text()[-4000:]}"
                        )
                    print(
                        f"  {label}: {args.repeats} × ({args.duration:g} s of the minimal endpoint, "
                        f"{args.duration:g} s of {path}) …",
                        flush=True,
                    )
                    pairs = []
                    for _ in range(args.repeats):
                        # Measured in pairs, each page right after its ceiling, so that load from
                        # elsewhere on a shared machine weighs on both alike.
                        ceiling = pool.apply(
                            run_load,
                            (minimal.port, "/", {}, args.duration, args.concurrency, 200, args.warmup, generator),
                        )
                        page = pool.apply(
                            run_load,
                            (
                                server.port,
                                path,
                                headers,
                                args.duration,
                                args.concurrency,
                                expect,
                                args.warmup,
                                generator,
                            ),
                        )
                        pairs.append((ceiling, page))
                    rows.append(
                        {
                            "label": label,
                            "server": server.name,
                            "path": path,
                            "expect": expect,
                            **combine([p for _, p in pairs]),
                            "ceiling": combine([c for c, _ in pairs]),
                            "rounds": [{"ceiling_rps": c["rps"], "rps": p["rps"]} for c, p in pairs],
                        }
                    )
            # Which path did the public pages take? (a hit means the page cache served them)
            x_cache = {
                path: dict((k.lower(), v) for k, v in request(awards.port, "GET", path)[1]).get("x-cache")
                for path in ("/impact-cases", case_path)
            }
        finally:
            for server in servers:
                server.stop()

    for row in rows:
        # The median of the rounds' ratios: one round disturbed by other work on the machine does not decide it.
        row["ratio"] = (
            round(statistics.median(r["rps"] / r["ceiling_rps"] for r in row["rounds"] if r["ceiling_rps"]), 3)
            if row["rounds"]
            else None
        )
    ceiling = statistics.mean(r["ceiling"]["rps"] for r in rows)
    public = [r for r in rows if r["label"] in ("/impact-cases", "impact case page")]
    target_met = all(r["ratio"] is not None and r["ratio"] >= TARGET_RATIO for r in public)
    personal = [r for r in rows if r["label"].endswith("(signed in)")]
    signed_in_met = all(r["ratio"] is not None and r["ratio"] >= SIGNED_IN_TARGET for r in personal)
    failures = [
        r
        for r in rows
        for figures in (r, r["ceiling"])
        if figures["unexpected"] or figures["errors"] or not figures["requests"]
    ]

    print()
    print(
        f"Throughput on {platform.node()} ({os.cpu_count()} CPUs), {args.workers} gunicorn sync workers, "
        f"{args.concurrency} in flight ({generator}), {args.repeats} × {args.duration:g} s per URL; database "
        f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'} at scale "
        f"{args.nominations:,}/{args.judges:,}/{args.cases:,}"
    )
    print(
        f"{'URL':<34} {'requests':>8} {'bad':>4} {'rps':>7} {'p50 ms':>7} {'p90 ms':>7} {'bytes':>6} "
        f"{'ceiling':>8} {'ratio':>6}"
    )
    for r in rows:
        print(
            f"{r['label']:<34} {r['requests']:>8} {r['unexpected'] + r['errors']:>4} {r['rps']:>7.1f} "
            f"{r['p50_ms'] or 0:>7.1f} {r['p90_ms'] or 0:>7.1f} {r['mean_response_bytes']:>6} "
            f"{r['ceiling']['rps']:>8.1f} {r['ratio']:>6.0%}"
        )
    print(
        f"ceiling: the minimal endpoint's rps in the same rounds, each right before the page (mean {ceiling:.1f} "
        f"rps); ratio: median over the rounds of page rps / ceiling rps. Page cache on the public pages: "
        f"{', '.join(f'{p} {v}' for p, v in x_cache.items())}."
    )
    print(f"Target: public pages at least {TARGET_RATIO:.0%} of the ceiling: {'met' if target_met else 'NOT met'}.")
    print(
        f"Target: each signed-in page at least {SIGNED_IN_TARGET:.0%} of the ceiling: "
        f"{'met' if signed_in_met else 'NOT met'}. Load average at the end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )

    write_json(
        RESULTS,
        {
            "benchmark": "throughput",
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "database": "postgresql" if url.startswith("postgresql") else "sqlite",
            "scale_data": how,
            "scale": {"nominations": args.nominations, "judges": args.judges, "cases": args.cases},
            "workers": args.workers,
            "concurrency": args.concurrency,
            "duration_seconds": args.duration,
            "rounds": args.repeats,
            "generator": generator,
            "ceiling_rps": round(ceiling, 1),
            "target_ratio": TARGET_RATIO,
            "target_met": target_met,
            "signed_in_target_ratio": SIGNED_IN_TARGET,
            "signed_in_target_met": signed_in_met,
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
            "page_cache": x_cache,
            "rows": rows,
        },
    )
    print(f"Wrote {RESULTS.relative_to(ROOT)}")
    if failures:
        for r in failures:
            print(f"FAILED: {r['label']}: statuses {r['statuses']}, {r['errors']} connection errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
