"""CPU time a request of the cached public pages costs, in one process, beside the minimal Flask app (issue 19,
item 3): what bench/throughput.py's ratios come from, measured in a way a shared machine disturbs far less
(time.process_time over many requests, the ceiling and the pages interleaved in the same rounds).

One process builds the awards app as production does (BASE_URL, SECRET_KEY; the scale data of
bench/scale_db.py, a copy of the SQLite file or the PostgreSQL database given) and bench/support/minimal_app.py,
and calls each WSGI app directly (no server, no sockets) for the same number of requests per round:

- the minimal app's "/" (the ceiling);
- /impact-cases and an impact case page read anonymously: the fast path (awards/web/fast_path.py) answers them;
- /impact-cases revalidated (If-None-Match: its ETag): a 304 from the fast path;
- /impact-cases in Welsh (the language switcher's cookie);
- /impact-cases with an anonymous session cookie: the same page from the page cache, but through Flask (the
  normal path's hit, as every hit was before the fast path);
- the public pages' version alone (`FingerprintReader.fingerprint`), and the fingerprint as
  `impact_cases.fingerprint` reads it (a pool checkout per call).

It prints ms of CPU per request (median over --repeats rounds of --requests requests), each page's ratio to the
minimal app's, the 1-minute load average before and after, and writes bench/results/cache_cpu.json.

    .venv/bin/python bench/cache_cpu.py [--requests 2000] [--repeats 7] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import os
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
from support.report import load_average, machine, write_json

sys.path.insert(0, str(ROOT / "bench" / "support"))

RESULTS = ROOT / "bench" / "results" / "cache_cpu.json"
BASE_URL = "http://127.0.0.1:8000"


def environ(path: str, headers: dict | None = None) -> dict:
    from werkzeug.test import EnvironBuilder

    return EnvironBuilder(path=path, base_url=BASE_URL, headers=headers or {}).get_environ()


def call(app, env: dict) -> tuple[str, dict, bytes]:
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = app(env, start_response)
    data = b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return answer["status"], answer["headers"], data


def per_request_ms(work, count: int) -> float:
    """CPU ms per call of `work(i)` over `count` calls."""
    started = time.process_time()
    for i in range(count):
        work(i)
    return (time.process_time() - started) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per page and round (default 2000)")
    parser.add_argument("--repeats", type=int, default=7, help="rounds; the median is reported (default 7)")
    scale_db.add_scale_arguments(parser)
    args = parser.parse_args()
    url, _how = scale_db.ensure(
        nominations=args.nominations,
        judges=args.judges,
        cases=args.cases,
        custom_form=args.custom_form,
        database_url=args.database_url,
        rebuild=args.rebuild,
    )
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="awards-cache-cpu-") as tmp:
        if url.startswith("sqlite:///"):
            copy = Path(tmp) / "scale.db"
            shutil.copyfile(url.removeprefix("sqlite:///"), copy)
            url = f"sqlite:///{copy}"
        os.environ.update(
            {
                "AWARDS_ENVIRONMENT": "production",
                "DATABASE_URL": url,
                "SECRET_KEY": secrets.token_hex(32),
                "AWARDS_BASE_URL": BASE_URL,
                "AWARDS_SESSION_COOKIE_SECURE": "false",
                "AWARDS_REMEMBER_COOKIE_SECURE": "false",
            }
        )
        rows = measure(args)
    load_after = load_average()

    minimal = rows["minimal app"]
    print(
        f"\nCPU per request, one process, {args.repeats} rounds × {args.requests:,} requests (median), "
        f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; load average {load_before} → {load_after}"
    )
    print(f"{'request':<50} {'ms CPU':>8} {'minimal / this':>15}")
    for label, ms in rows.items():
        print(f"{label:<50} {ms:>8.4f} {minimal / ms:>15.0%}")
    write_json(
        RESULTS,
        {
            "benchmark": "cache_cpu",
            **machine(),
            "database": "postgresql" if url.startswith("postgresql") else "sqlite",
            "requests": args.requests,
            "repeats": args.repeats,
            "load_average": {"before": load_before, "after": load_after},
            "ms_cpu_per_request": {label: round(ms, 4) for label, ms in rows.items()},
        },
    )
    print(f"Wrote {RESULTS.relative_to(ROOT)}")
    return 0


def measure(args) -> dict[str, float]:
    import minimal_app

    from awards import create_app
    from awards.domain.publishing import impact_cases
    from awards.web.caching import READER_KEY

    app = create_app()
    status, headers, page = call(app, environ("/impact-cases"))
    found = re.search(rb'href="/impact-cases/([a-z0-9-]+)"', page)
    if not status.startswith("200") or not found:
        raise SystemExit(f"/impact-cases answered {status} without a case link: is the scale data there?")
    case = f"/impact-cases/{found.group(1).decode()}"
    etag = headers["ETag"]
    requests = {
        "minimal app": (minimal_app.app, "/", {}, "200"),
        "/impact-cases (fast path)": (app, "/impact-cases", {}, "200"),
        "impact case page (fast path)": (app, case, {}, "200"),
        "/impact-cases revalidated, 304 (fast path)": (app, "/impact-cases", {"If-None-Match": etag}, "304"),
        "/impact-cases in Welsh (fast path)": (app, "/impact-cases", {"Cookie": "awards_language=cy"}, "200"),
        # An anonymous session cookie (not a valid one): the page cache's hit, through Flask.
        "/impact-cases, page cache hit through Flask": (app, "/impact-cases", {"Cookie": "awards_session=x"}, "200"),
    }
    for label, (wsgi, path, extra, expect) in requests.items():
        for _ in range(20):  # built, then kept by the fast path
            status, headers, _body = call(wsgi, environ(path, extra))
        if not status.startswith(expect) or (wsgi is app and headers.get("X-Cache") not in ("hit", "revalidated")):
            raise SystemExit(f"{label}: {status}, X-Cache {headers.get('X-Cache')}")
    reader = app.extensions[READER_KEY]
    version_reads = {
        "public pages' version alone (FingerprintReader)": lambda _i: reader.fingerprint(),
        "impact_cases.fingerprint (pool checkout)": lambda _i: impact_cases.fingerprint(),
    }
    figures: dict[str, list[float]] = {label: [] for label in [*requests, *version_reads]}
    for _round in range(args.repeats):
        # The requests outside any app context: inside one, Flask would reuse it (and its `g`) for every request.
        for label, (wsgi, path, extra, _expect) in requests.items():
            envs = [environ(path, extra) for _ in range(args.requests)]
            figures[label].append(per_request_ms(lambda i, w=wsgi, e=envs: call(w, e[i]), args.requests))
        with app.app_context():
            for label, read in version_reads.items():
                figures[label].append(per_request_ms(read, args.requests))
    return {label: statistics.median(values) for label, values in figures.items()}


if __name__ == "__main__":
    sys.exit(main())
