"""Benchmark of the assignment engine (issue 4, item 10).

Builds a cycle with 10,000 submitted nominations, 300 accepted judges and 3 judges per nomination,
random trends (1–3 per nomination, one primary), random expertise (−2..+2 on every trend the cycle
offers) and 2% recorded conflicts of interest, with bulk inserts, in a temporary SQLite database
(or the one given with --database-url: it must be empty, and its tables are created and dropped).
Then it times:

- solve only: the min-cost flow, from the loaded inputs to the proposed assignment;
- end to end: read every input from the database, solve, write the 30,000 assignments, commit;
- a re-run: the same again with those assignments in place (nothing should change).

It prints the figures as a table and writes them as JSON to bench/results/assignment.json.

At 100,000 nominations and more (issue 19, item 5: 100,000 × 3,000 × 3) the target is the end-to-end
CPU time, under 30 s, and the peak resident memory of the process is reported too. Conflicts there are
better given per judge than as a share of the pairs (a judge's conflicts do not grow with the entries):
`--conflicts-per-judge 200` is the 2% of 10,000 the default scale records.

    .venv/bin/python bench/assignment.py --nominations 100000 --judges 3000 --conflicts-per-judge 200 \
        --output bench/results/assignment-n100000.json

    .venv/bin/python bench/assignment.py
    .venv/bin/python bench/assignment.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/assignment.py --round-two [--first-round scores] [--database-url URL]

With --round-two it times the assignment of round 2 of seed-scale's two-round cycle instead (issue 15,
item 8: under 1 s): 10,000 entries in round 1, the 500 finalists advanced into round 2, its panel of 60
of the 300 judges, 5 judges per finalist, on the cached scale database of bench/scale_db.py (or the
PostgreSQL one given). Inside a transaction that is rolled back at the end, so the database is left as
it was, it times: a fresh assignment (round 2's assignments and reviews deleted first: load, solve,
write 2,500 assignments), and a run over the seeded assignments (most with reviews, so they stay).
The figures go to bench/results/assignment-round-two-<database>.json.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select
from support import RESULTS
from support.report import load_average, machine, print_rows, write_json

from awards import create_app
from awards.domain.core.clock import utcnow
from awards.domain.judging.assignment import explanation, solver
from awards.domain.judging.assignment.problem import load_problem
from awards.domain.programme import cycles, taxonomy
from awards.extensions import db
from awards.models import (
    ConflictOfInterest,
    ConflictSource,
    Cycle,
    CycleStatus,
    Expertise,
    Judge,
    Nomination,
    NominationStatus,
    NominationTrend,
    User,
)

TARGET_SECONDS = 5.0
LARGE = 100_000  # from this many nominations on, the target is CPU time (issue 19, item 5)
LARGE_TARGET_CPU_SECONDS = 30.0
ROUND_TWO_TARGET_SECONDS = 1.0


def build(
    *,
    nominations: int,
    judges: int,
    per_nomination: int,
    conflict_rate: float,
    seed: int,
    conflicts_per_judge: int | None = None,
) -> dict:
    """Create the cycle and everything in it with bulk inserts; return what was made."""
    rng = random.Random(seed)
    now = utcnow()
    taxonomy.seed_trends()
    load_limit = max(20, -(-nominations * per_nomination // judges) * 6 // 5)  # 20% above an even share
    cycle = cycles.create_cycle(
        name="Assignment benchmark",
        year=2026,
        nominations_open_at=now - timedelta(days=60),
        nominations_close_at=now - timedelta(days=1),
        judges_per_nomination=per_nomination,
        judge_max_load=load_limit,
    )
    cycle.status = CycleStatus.CLOSED
    db.session.flush()
    trend_ids = [t.id for t in cycle.trends]
    category_ids = [c.id for c in cycle.categories]

    def users(prefix: str, count: int, organisation: str) -> list[int]:
        rows = [
            {
                "email": f"{prefix}{i}@{prefix}{i}.example.org",
                "name": f"{prefix.title()} {i}",
                "organisation": f"{organisation} {i}",
                "password_hash": "!",
                "email_verified_at": now,
                "session_token": f"{prefix}-{i}-{seed}",
                "active": True,
                "created_at": now,
            }
            for i in range(count)
        ]
        db.session.execute(insert(User), rows)
        return list(db.session.scalars(select(User.id).where(User.email.like(f"{prefix}%@%")).order_by(User.id)))

    judge_users = users("judge", judges, "Judging Partner")
    nominator_users = users("nominator", min(nominations, 2000), "Nominating Council")
    db.session.execute(
        insert(Judge),
        [
            {
                "cycle_id": cycle.id,
                "email": f"judge{i}@judge{i}.example.org",
                "user_id": user_id,
                "organisation": f"Judging Partner {i}",
                "all_categories": True,
                "invited_at": now,
                "accepted_at": now,
            }
            for i, user_id in enumerate(judge_users)
        ],
    )
    db.session.execute(
        insert(Expertise),
        [
            {"user_id": user_id, "trend_id": trend_id, "level": rng.randint(-2, 2)}
            for user_id in judge_users
            for trend_id in trend_ids
        ],
    )
    db.session.execute(
        insert(Nomination),
        [
            {
                "reference": f"BENCH-2026-{n + 1:05d}",
                "cycle_id": cycle.id,
                "category_id": rng.choice(category_ids),
                "nominator_id": nominator_users[n % len(nominator_users)],
                "status": NominationStatus.SUBMITTED,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
                "version": 1,
                "organisation_name": f"Nominated Body {n}",
                "contact_email": f"contact{n}@body{n}.example.gov.uk",
                "title": f"Project {n}",
            }
            for n in range(nominations)
        ],
    )
    nomination_ids = list(
        db.session.scalars(select(Nomination.id).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id))
    )
    links = []
    for nomination_id in nomination_ids:
        for position, trend_id in enumerate(rng.sample(trend_ids, rng.randint(1, 3))):
            links.append(
                {
                    "nomination_id": nomination_id,
                    "trend_id": trend_id,
                    "is_primary": position == 0,
                    "position": position,
                    "how_addressed": "",
                }
            )
    db.session.execute(insert(NominationTrend), links)
    judge_ids = list(db.session.scalars(select(Judge.id).where(Judge.cycle_id == cycle.id).order_by(Judge.id)))
    per_judge = conflicts_per_judge if conflicts_per_judge is not None else round(conflict_rate * len(nomination_ids))
    conflicts = [
        {
            "judge_id": judge_id,
            "nomination_id": nomination_id,
            "source": ConflictSource.ORGANISER,
            "reason": "Benchmark",
            "created_at": now,
        }
        for judge_id in judge_ids
        for nomination_id in rng.sample(nomination_ids, per_judge)
    ]
    db.session.execute(insert(ConflictOfInterest), conflicts)
    db.session.commit()
    return {
        "cycle_id": cycle.id,
        "nominations": len(nomination_ids),
        "judges": len(judge_ids),
        "per_nomination": per_nomination,
        "load_limit": load_limit,
        "trends": len(trend_ids),
        "conflicts": len(conflicts),
    }


def timed(label: str, timings: dict, function, *args, **kwargs):
    """Run the function; its wall time goes to timings[label], its CPU time to timings[label + "_cpu"]."""
    started, cpu = time.perf_counter(), time.process_time()
    value = function(*args, **kwargs)
    timings[label] = time.perf_counter() - started
    timings[label + "_cpu"] = time.process_time() - cpu
    return value


def reset_peak_memory() -> None:
    """Start the process's peak resident memory again from what it holds now (Linux: clear_refs 5), so
    that the peak read afterwards is that of what runs next, not of building the data: the garbage is
    collected and the C library asked to give freed memory back first."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_memory_mb() -> float:
    """The process's peak resident memory since it started or since reset_peak_memory (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def end_to_end(cycle_id: int) -> tuple[dict, explanation.AssignmentResult, dict]:
    """Load, solve, write and commit, in a fresh session; the time of each step and in all."""
    db.session.remove()
    timings: dict = {}
    started, cpu = time.perf_counter(), time.process_time()
    cycle = db.session.get(Cycle, cycle_id)
    problem = timed("load", timings, load_problem, cycle)
    result = timed("solve", timings, solver.solve, problem)

    def write():
        counts = solver.apply(result, by=None)
        db.session.commit()
        return counts

    counts = timed("write", timings, write)
    timings["total"] = time.perf_counter() - started
    timings["cpu"] = time.process_time() - cpu
    return timings, result, counts


def _round_two_run(round_id: int, *, fresh: bool) -> dict:
    """Load, solve and write round 2's assignment in a transaction rolled back afterwards; with `fresh`,
    its assignments (and their reviews) are deleted first, in the same transaction."""
    from sqlalchemy import delete

    from awards.models import Assignment, JudgingRound, Review, ReviewScore

    db.session.remove()
    if fresh:
        ids = select(Assignment.id).where(Assignment.round_id == round_id)
        reviews = select(Review.id).where(Review.assignment_id.in_(ids))
        db.session.execute(delete(ReviewScore).where(ReviewScore.review_id.in_(reviews)))
        db.session.execute(delete(Review).where(Review.assignment_id.in_(ids)))
        db.session.execute(delete(Assignment).where(Assignment.round_id == round_id))
        db.session.flush()
    timings: dict = {}
    started, cpu = time.perf_counter(), time.process_time()
    judging_round = db.session.get(JudgingRound, round_id)
    problem = timed("load", timings, load_problem, judging_round)
    result = timed("solve", timings, solver.solve, problem)
    counts = timed("write", timings, lambda: solver.apply(result, by=None))
    timings["total"] = time.perf_counter() - started
    timings["cpu"] = time.process_time() - cpu
    db.session.rollback()
    loads = [load.after for load in result.judge_loads if load.after]
    return {
        **timings,
        "entries": len(problem.nominations),
        "panel": len(problem.judges),
        "added": counts["added"],
        "kept": counts["kept"] + counts["fixed"],
        "short": result.counts["places_short"],
        "loads": (min(loads), max(loads)) if loads else (0, 0),
    }


def round_two(args: argparse.Namespace) -> int:
    """The assignment of round 2 of seed-scale's two-round cycle (see the module's docstring)."""
    import statistics

    import scale_db

    scale = argparse.Namespace(
        nominations=args.nominations,
        judges=args.judges,
        cases=scale_db.DEFAULT_SCALE["cases"],
        custom_form=False,
        rounds=2,
        finalists=args.finalists,
        first_round=args.first_round,
        database_url=args.database_url,
        rebuild=False,
    )
    url, _how = scale_db.ensure_apart(scale)
    load_before = load_average()
    app = scale_db.make_app(url)
    with app.app_context():
        dialect = db.engine.dialect.name
        cycle = db.session.scalar(select(Cycle).where(Cycle.status == CycleStatus.JUDGING).order_by(Cycle.id))
        round_id = cycle.rounds[1].id
        _round_two_run(round_id, fresh=True)  # warm-up
        fresh = [_round_two_run(round_id, fresh=True) for _ in range(args.runs)]
        again = [_round_two_run(round_id, fresh=False) for _ in range(args.runs)]
        db.session.remove()

    def median(runs: list[dict], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 3)

    figures = {
        "database": dialect,
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "scale": {"nominations": args.nominations, "judges": args.judges, "first_round": args.first_round},
        "runs": args.runs,
        "entries": fresh[0]["entries"],
        "panel": fresh[0]["panel"],
        "fresh": {k: median(fresh, k) for k in ("load", "solve", "write", "total", "cpu")},
        "fresh_slowest": round(max(r["total"] for r in fresh), 3),
        "fresh_added": fresh[0]["added"],
        "fresh_short": fresh[0]["short"],
        "fresh_judge_load": fresh[0]["loads"],
        "seeded": {k: median(again, k) for k in ("load", "solve", "write", "total", "cpu")},
        "seeded_kept": again[0]["kept"],
        "seeded_added": again[0]["added"],
        "target_seconds": ROUND_TWO_TARGET_SECONDS,
    }
    figures["target_met"] = figures["fresh"]["total"] < ROUND_TWO_TARGET_SECONDS and (
        figures["seeded"]["total"] < ROUND_TWO_TARGET_SECONDS
    )
    f, g = figures["fresh"], figures["seeded"]
    print(f"Assignment of round 2 on {dialect} (median of {args.runs} runs; load average {load_before} at the start)")
    print_rows(
        [
            ("Round 2", f"{figures['entries']} finalists × 5 judges, a panel of {figures['panel']}"),
            (
                "Fresh: load, solve, write",
                f"{f['total']:.3f} s, CPU {f['cpu']:.3f} s (load {f['load']:.3f}, solve {f['solve']:.3f}, "
                f"write {f['write']:.3f}; {figures['fresh_added']:,} written, {figures['fresh_short']} places "
                f"short, judge load {figures['fresh_judge_load'][0]}–{figures['fresh_judge_load'][1]}; "
                f"slowest {figures['fresh_slowest']:.3f} s)",
            ),
            (
                "Over the seeded assignments",
                f"{g['total']:.3f} s, CPU {g['cpu']:.3f} s (load {g['load']:.3f}, solve {g['solve']:.3f}, "
                f"write {g['write']:.3f}; {figures['seeded_kept']:,} kept, {figures['seeded_added']} added)",
            ),
            (
                "Target: under",
                f"{ROUND_TWO_TARGET_SECONDS:.0f} s: {'met' if figures['target_met'] else 'NOT met'}",
            ),
        ]
    )
    output = write_json(RESULTS / f"assignment-round-two-{dialect}.json", figures)
    print(f"Figures written to {output}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nominations", type=int, default=10_000)
    parser.add_argument("--judges", type=int, default=300)
    parser.add_argument("--per-nomination", type=int, default=3)
    parser.add_argument("--conflict-rate", type=float, default=0.02)
    parser.add_argument(
        "--conflicts-per-judge", type=int, help="Recorded conflicts per judge (instead of --conflict-rate)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="An empty database to use instead of a temporary SQLite file")
    parser.add_argument("--output", default=str(RESULTS / "assignment.json"), help="Where to write the JSON figures")
    parser.add_argument(
        "--round-two",
        action="store_true",
        help="Time round 2 of seed-scale's two-round cycle instead (the cached scale database)",
    )
    parser.add_argument("--finalists", type=int, default=500, help="With --round-two: entries in round 2")
    parser.add_argument("--first-round", choices=("pass_fail", "scores"), default="pass_fail")
    parser.add_argument("--runs", type=int, default=5, help="With --round-two: timed runs of each kind")
    args = parser.parse_args()
    if args.round_two:
        return round_two(args)
    # Other work on the machine slows the wall-clock figures; the CPU times are less affected.
    load_before = load_average()

    temporary = None
    url = args.database_url
    if not url:
        temporary = tempfile.TemporaryDirectory(prefix="awards-bench-")
        url = "sqlite:///" + os.path.join(temporary.name, "bench.db")
    app = create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            db.create_all()
            built_at = time.perf_counter()
            made = build(
                nominations=args.nominations,
                judges=args.judges,
                per_nomination=args.per_nomination,
                conflict_rate=args.conflict_rate,
                seed=args.seed,
                conflicts_per_judge=args.conflicts_per_judge,
            )
            build_seconds = time.perf_counter() - built_at

            # Solve only (inputs already loaded).
            cycle = db.session.get(Cycle, made["cycle_id"])
            problem = load_problem(cycle)
            started, cpu = time.perf_counter(), time.process_time()
            solved = solver.solve(problem)
            solve_only, solve_cpu = time.perf_counter() - started, time.process_time() - cpu
            pricing_rounds, arcs_solved = solved.pricing_rounds, solved.arcs
            del problem, solved, cycle

            reset_peak_memory()
            first, result, counts = end_to_end(made["cycle_id"])
            end_to_end_peak = peak_memory_mb()
            rerun, _, rerun_counts = end_to_end(made["cycle_id"])
            loads = [load.after for load in result.judge_loads]
            figures = {
                "database": db.engine.dialect.name,
                "machine": machine(),
                "data": made,
                "build_seconds": round(build_seconds, 3),
                "load_average_before": load_before,
                "solve_seconds": round(solve_only, 3),
                "solve_cpu_seconds": round(solve_cpu, 3),
                "end_to_end_seconds": round(first["total"], 3),
                "end_to_end_cpu_seconds": round(first["cpu"], 3),
                "end_to_end_steps": {k: round(v, 3) for k, v in first.items() if k not in ("total", "cpu")},
                "rerun_seconds": round(rerun["total"], 3),
                "rerun_steps": {k: round(v, 3) for k, v in rerun.items() if k not in ("total", "cpu")},
                "pricing_rounds": pricing_rounds,
                "arcs_solved": arcs_solved,
                "assignments_written": counts["added"],
                "rerun_changes": rerun_counts["added"] + rerun_counts["removed"],
                "places_short": result.counts["places_short"],
                "max_judge_load": max(loads),
                "min_judge_load": min(loads),
                "mean_affinity": round(result.totals["mean_affinity"], 4),
                "target_seconds": TARGET_SECONDS,
                "target_met": first["total"] < TARGET_SECONDS,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "end_to_end_peak_rss_mb": end_to_end_peak,
                "load_average_after": load_average(),
            }
            if made["nominations"] >= LARGE:
                figures["target_cpu_seconds"] = LARGE_TARGET_CPU_SECONDS
                figures["target_met"] = first["cpu"] < LARGE_TARGET_CPU_SECONDS
            db.session.remove()
            if args.database_url:
                db.drop_all()
    finally:
        if temporary is not None:
            temporary.cleanup()

    steps = figures["end_to_end_steps"]
    rows = [
        ("Database", figures["database"]),
        (
            "Nominations × judges × per nomination",
            f"{made['nominations']:,} × {made['judges']} × {made['per_nomination']}",
        ),
        (
            "Recorded conflicts",
            f"{made['conflicts']:,} ("
            + (
                f"{args.conflicts_per_judge} per judge"
                if args.conflicts_per_judge is not None
                else f"{args.conflict_rate:.0%} of pairs"
            )
            + ")",
        ),
        ("Load limit per judge", made["load_limit"]),
        (
            "Solve only",
            f"{figures['solve_seconds']:.2f} s, CPU {figures['solve_cpu_seconds']:.2f} s "
            f"({figures['pricing_rounds']} pricing rounds, {figures['arcs_solved']:,} arcs)",
        ),
        (
            "End to end",
            f"{figures['end_to_end_seconds']:.2f} s, CPU {figures['end_to_end_cpu_seconds']:.2f} s "
            f"(load {steps['load']:.2f}, solve {steps['solve']:.2f}, write {steps['write']:.2f}; CPU: load "
            f"{steps['load_cpu']:.2f}, solve {steps['solve_cpu']:.2f}, write {steps['write_cpu']:.2f})",
        ),
        ("Re-run, nothing to change", f"{figures['rerun_seconds']:.2f} s ({figures['rerun_changes']} changes)"),
        ("Assignments written", f"{figures['assignments_written']:,} ({figures['places_short']} places short)"),
        ("Judge load (min–max)", f"{figures['min_judge_load']}–{figures['max_judge_load']}"),
        ("Mean affinity", f"{figures['mean_affinity']:+.3f}"),
        ("Peak resident memory of this process", f"{figures['peak_rss_mb']:,.0f} MB (building the data included)"),
        ("Peak resident memory of the end-to-end run", f"{figures['end_to_end_peak_rss_mb']:,.0f} MB"),
        (
            "Target: end to end under",
            f"{LARGE_TARGET_CPU_SECONDS:.0f} s of CPU"
            if "target_cpu_seconds" in figures
            else f"{TARGET_SECONDS:.0f} s",
        ),
        ("Target", "met" if figures["target_met"] else "NOT met"),
    ]
    print(
        "Assignment benchmark"
        + (
            f" (load average {figures['load_average_before']} when it started)"
            if figures["load_average_before"] is not None
            else ""
        )
    )
    print_rows(rows)
    output = write_json(Path(args.output), figures)
    print(f"Figures written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
