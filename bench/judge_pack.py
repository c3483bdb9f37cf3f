"""Judge pack benchmark (issue #18): one judge's PDF of 40 entries, generated through the app.

Builds (once, then reuses: bench/.data/judge-pack-<entries>.sqlite, or the PostgreSQL database given with
--database-url, emptied and rebuilt) a cycle in judging with one judge assigned --entries entries, each
with long answers (about 1,800 words an entry across the default form's six long questions, a measured
outcome, two trends), the conflict question answered so every entry is in the pack. Then it signs in as
the judge and downloads /judging/cycles/<slug>/rounds/1/pack.pdf through the Flask test client, once to
warm up and --runs times, and prints the seconds (median, max), the PDF's pages and size, and the median
in units of the minimal Flask endpoint timed in the same run (bench/pages.py's minimal_median_ms), with
the load average. Target: under 10 s for 40 entries. Writes bench/results/judge-pack-<database>.json and
exits 1 if the target is missed.

    .venv/bin/python bench/judge_pack.py [--entries 40] [--runs 5]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench_pack]   # emptied and rebuilt
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time

import scale_db
from support import RESULTS, ROOT
from support.report import load_average, machine, print_rows, write_json

TARGET_SECONDS = 10.0
BASE_URL = "http://127.0.0.1:5000"
JUDGE_EMAIL = "pack.judge@judges.example.org"
WORDS = (
    "residents council service digital team data housing repairs tenants visits appointments online "
    "support officers contact centre calls waiting time measured baseline results evidence partners "
    "design research users accessibility assisted digital pilot rollout savings outcomes feedback"
).split()


def prose(seed: int, words: int) -> str:
    """Deterministic paragraphs of plausible words (about `words` of them), sentences of 12–20 words."""
    out, paragraph, sentence, i = [], [], [], seed
    for n in range(words):
        i = (i * 1103515245 + 12345) % 2**31
        sentence.append(WORDS[i % len(WORDS)])
        if len(sentence) >= 12 + i % 9:
            paragraph.append(" ".join(sentence).capitalize() + ".")
            sentence = []
        if len(paragraph) == 5 or n == words - 1:
            if sentence:
                paragraph.append(" ".join(sentence).capitalize() + ".")
                sentence = []
            out.append(" ".join(paragraph))
            paragraph = []
    return "\n\n".join(out)


def build(url: str, entries: int) -> None:
    from datetime import timedelta

    from flask_migrate import upgrade

    from awards.domain.core.clock import utcnow
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user

    app = scale_db.make_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = utcnow()
        cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
        judge = make_judge(cycle, make_user(name="Pat Pack", email=JUDGE_EMAIL, roles=("judge",)))
        for n in range(entries):
            nomination = make_nomination(
                cycle,
                title=f"Digital service {n + 1}: repairs booked online",
                summary=prose(n * 7 + 1, 120),
                challenge=prose(n * 7 + 2, 300),
                approach=prose(n * 7 + 3, 450),
                outcomes_narrative=prose(n * 7 + 4, 400),
                unintended_consequences=prose(n * 7 + 5, 250),
                lessons=prose(n * 7 + 6, 280),
            )
            make_assignment(judge, nomination, no_conflict_declared=True)


def database_url(args) -> str:
    if args.database_url:
        import sqlalchemy as sa

        if "bench" not in sa.engine.make_url(args.database_url).database:
            raise SystemExit(
                "--database-url must name a database for benchmarks (its name holds 'bench'): it is emptied"
            )
        engine = sa.create_engine(args.database_url)
        with engine.begin() as connection:  # a database of its own for this benchmark: emptied and rebuilt
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        build(args.database_url, args.entries)
        return args.database_url
    path = ROOT / "bench" / ".data" / f"judge-pack-{args.entries}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build(url, args.entries)
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    import sqlalchemy as sa
    from pages import minimal_median_ms
    from pypdf import PdfReader

    from awards.extensions import db
    from awards.models import Cycle, User
    from awards.security import session_identifier

    url = database_url(args)
    app = scale_db.make_app(url, BASE_URL=BASE_URL, RATELIMIT_ENABLED=False)
    logging.getLogger("awards").setLevel(logging.WARNING)  # not a line per download's audit record
    with app.app_context():
        judge = db.session.scalar(sa.select(User).where(User.email == JUDGE_EMAIL))
        cycle = db.session.scalar(sa.select(Cycle).order_by(Cycle.id))
        token, path = judge.session_token, f"/judging/cycles/{cycle.slug}/rounds/1/pack.pdf"
        db.session.remove()
    client = app.test_client()
    with client.session_transaction(base_url=BASE_URL) as session:
        session["_user_id"], session["_fresh"] = session_identifier(token, int(time.time())), True

    def download() -> tuple[float, float, bytes]:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, base_url=BASE_URL)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        return seconds, cpu, response.get_data()

    minimal_ms = minimal_median_ms()
    download()  # warm: templates, fonts, statements
    times, cpu_times, data = [], [], b""
    for _ in range(args.runs):
        seconds, cpu, data = download()
        times.append(seconds)
        cpu_times.append(cpu)
    minimal_ms = min(minimal_ms, minimal_median_ms())
    reader = PdfReader(io.BytesIO(data))
    median = statistics.median(times)
    figures = {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "entries": args.entries,
        "runs": args.runs,
        "median_seconds": round(median, 2),
        "max_seconds": round(max(times), 2),
        "median_cpu_seconds": round(statistics.median(cpu_times), 2),
        "pages": len(reader.pages),
        "bytes": len(data),
        "minimal_endpoint_median_ms": round(minimal_ms, 3),
        "median_over_minimal": round(median * 1000 / minimal_ms),
        "target_seconds": TARGET_SECONDS,
        "met": max(times) < TARGET_SECONDS,
        "load_average": load_average(),
        "machine": machine(),
    }
    print(f"Judge pack of {args.entries} entries, {args.runs} runs ({figures['database']}):")
    print_rows(
        [
            ("median", f"{median:.2f} s"),
            ("max", f"{max(times):.2f} s"),
            ("median CPU", f"{statistics.median(cpu_times):.2f} s"),
            ("pages", figures["pages"]),
            ("size", f"{len(data) / 2**20:.2f} MB"),
            ("minimal endpoint", f"{minimal_ms:.3f} ms median"),
            ("median in those units", f"{figures['median_over_minimal']:,}"),
            ("load average", figures["load_average"]),
            ("target", f"under {TARGET_SECONDS:g} s: {'met' if figures['met'] else 'MISSED'}"),
        ]
    )
    write_json(RESULTS / f"judge-pack-{figures['database']}.json", figures)
    return 0 if figures["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
