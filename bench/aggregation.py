"""Benchmark of the results aggregation (issue 8, items 2–3): a cycle with 10,000 nominations and
30,000 submitted reviews (every criterion scored), from the database to ranked leaderboards.

Uses the cached scale database of bench/scale_db.py (or --database-url). Each run starts from a
fresh session and bypasses the results cache, so it is the full cost an organiser pays after the
scores change: load the reviews and scores (as arrays, shortlists.load_review_arrays), compute every
review score, judge normalisation and nomination result (scoring.aggregate_arrays), and rank each
category. "Scores" counts the answered ones (not applicable and unanswered left out). Prints a table and writes JSON to
bench/results/aggregation-<database>.json.

    .venv/bin/python bench/aggregation.py
    .venv/bin/python bench/aggregation.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench
    .venv/bin/python bench/aggregation.py --rounds 2 [--first-round scores]
    .venv/bin/python bench/aggregation.py --nominations 100000 --judges 3000

At 100,000 nominations and more (issue 19, item 5: 300,000 reviews, 1.8 million scores) the target is the
full aggregation's CPU time, under 10 s.

With --rounds 2 (seed-scale's two-round cycle: round 1 over all 10,000 entries, 500 finalists in round 2)
it times the results of each round, uncached, as the results page builds them (issue 15, item 8: under
1 s each): a scored round's ranking (compute_ranking), a pass/fail or ranking round's order
(round_results.compute_round_order, with the cyclic garbage collector paused as requests build it); the
figures go to bench/results/aggregation-<database>-rounds2-<round-1 mode>.json. A pass/fail or ranking
round is also timed as a request finds it once it is kept by the process (round_results.round_order with
RESULTS_CACHE_ENTRIES on: the freshness stamp's query and the look-up).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time

import numpy as np
import scale_db
from flask import current_app
from sqlalchemy import func, select
from support import RESULTS, ROOT
from support.report import load_average, machine, print_rows, write_json

from awards.domain.judging import rounds
from awards.domain.results import round_results
from awards.domain.results import shortlists as rules
from awards.domain.results.scoring import CriterionSpec, aggregate_arrays
from awards.extensions import db
from awards.models import Cycle, CycleStatus, JudgingRound, Nomination, RoundMode

TARGET_SECONDS = 1.0
LARGE = 100_000  # from this many nominations on, the target is CPU time (issue 19, item 5)
LARGE_TARGET_CPU_SECONDS = 10.0


def timed(function, *args, **kwargs):
    started, cpu = time.perf_counter(), time.process_time()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started, time.process_time() - cpu


def one_run(cycle_id: int) -> dict:
    db.session.remove()
    cycle = db.session.get(Cycle, cycle_id)
    judging_round = rounds.final_round(cycle)  # the scale cycle judges in one round
    criteria = rules.round_criteria(judging_round)
    specs = [CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in criteria]
    with rules.collector_paused():  # as compute_ranking runs them
        reviews, load_s, _ = timed(rules.load_review_arrays, judging_round, criteria)
        _, aggregate_s, _ = timed(
            aggregate_arrays,
            reviews,
            specs,
            method=judging_round.aggregation_method,
            range_threshold=judging_round.disagreement_range,
            sd_threshold=judging_round.disagreement_sd,
        )
    db.session.remove()
    cycle = db.session.get(Cycle, cycle_id)
    ranking, full_s, full_cpu = timed(rules.compute_ranking, cycle)
    return {
        "reviews": len(reviews.review_ids),
        "scores": int((~np.isnan(reviews.values)).sum()),
        "load": load_s,
        "aggregate": aggregate_s,
        "full": full_s,
        "full_cpu": full_cpu,
        "ranked": sum(len(rows) for rows in ranking.order.values()),
    }


def round_run(round_id: int, kept: bool = False) -> dict:
    """One round's results from a fresh session: a scored round's ranking, else its order, computed
    (uncached) or, with `kept`, as a request finds it once the process keeps it."""
    db.session.remove()
    judging_round = db.session.get(JudgingRound, round_id)
    cycle = judging_round.cycle
    if judging_round.mode is RoundMode.SCORES:
        ranking, seconds, cpu = timed(rules.compute_ranking, cycle, judging_round)
        return {"seconds": seconds, "cpu": cpu, "ranked": sum(len(rows) for rows in ranking.order.values())}
    if kept:
        current_app.config["RESULTS_CACHE_ENTRIES"] = max(4, current_app.config.get("RESULTS_CACHE_ENTRIES") or 0)
        order, seconds, cpu = timed(round_results.round_order, judging_round)  # the warm-up run keeps it
    else:
        order, seconds, cpu = timed(round_results.compute_round_order, judging_round)
    return {"seconds": seconds, "cpu": cpu, "ranked": sum(len(ids) for ids in order.order.values())}


def each_round(cycle_id: int, runs: int) -> list[dict]:
    """Median figures of each round's results (a two-round cycle)."""
    cycle = db.session.get(Cycle, cycle_id)
    found = [(r.id, r.number, r.mode, r.label) for r in cycle.rounds]
    figures = []
    for round_id, number, mode, label in found:
        variants = [False, True] if mode is not RoundMode.SCORES else [False]
        for kept in variants:
            round_run(round_id, kept)  # warm-up
            done = [round_run(round_id, kept) for _ in range(runs)]
            seconds = statistics.median(r["seconds"] for r in done)
            figures.append(
                {
                    "round": number,
                    "label": label,
                    "mode": mode.value,
                    "kept": kept,
                    "entries": done[0]["ranked"],
                    "seconds": round(seconds, 3),
                    "cpu_seconds": round(statistics.median(r["cpu"] for r in done), 3),
                    "seconds_max": round(max(r["seconds"] for r in done), 3),
                    "target_met": seconds < TARGET_SECONDS,
                }
            )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scale_db.add_scale_arguments(parser)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url, _how = scale_db.ensure_apart(args)
    load_before = load_average()
    app = scale_db.make_app(url)
    logging.disable(logging.INFO)
    with app.app_context():
        dialect = db.engine.dialect.name
        cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.status == CycleStatus.JUDGING).order_by(Cycle.id))
        nominations = db.session.scalar(select(func.count(Nomination.id)).where(Nomination.cycle_id == cycle_id))
        several = len(db.session.get(Cycle, cycle_id).rounds) > 1
        if several:
            per_round = each_round(cycle_id, args.runs)
            db.session.remove()
            return report_rounds(args, dialect, load_before, nominations, per_round)
        one_run(cycle_id)  # warm-up
        runs = [one_run(cycle_id) for _ in range(args.runs)]
        db.session.remove()
    median = {k: statistics.median(r[k] for r in runs) for k in ("load", "aggregate", "full", "full_cpu")}
    figures = {
        "database": dialect,
        "load_average_before": load_before,
        "machine": machine(),
        "nominations": nominations,
        "reviews": runs[0]["reviews"],
        "scores": runs[0]["scores"],
        "ranked": runs[0]["ranked"],
        "runs": args.runs,
        "load_reviews_seconds": round(median["load"], 3),
        "aggregate_seconds": round(median["aggregate"], 3),
        "full_seconds": round(median["full"], 3),
        "full_cpu_seconds": round(median["full_cpu"], 3),
        "full_seconds_max": round(max(r["full"] for r in runs), 3),
        "target_seconds": TARGET_SECONDS,
        "target_met": median["full"] < TARGET_SECONDS,
        "load_average_after": load_average(),
    }
    large = nominations >= LARGE
    if large:
        figures["target_cpu_seconds"] = LARGE_TARGET_CPU_SECONDS
        figures["target_met"] = median["full_cpu"] < LARGE_TARGET_CPU_SECONDS
    print(f"Results aggregation on {dialect} (median of {args.runs} runs; load average {load_before} at the start)")
    rows = [
        (
            "Nominations / submitted reviews / scores",
            f"{nominations:,} / {figures['reviews']:,} / {figures['scores']:,}",
        ),
        ("Load reviews and scores", f"{figures['load_reviews_seconds']:.3f} s"),
        ("Aggregate (scores, normalisation, results)", f"{figures['aggregate_seconds']:.3f} s"),
        (
            "Full: database to ranked leaderboards",
            f"{figures['full_seconds']:.3f} s (CPU "
            f"{figures['full_cpu_seconds']:.3f} s, slowest run "
            f"{figures['full_seconds_max']:.3f} s)",
        ),
        (
            "Target: full under",
            (f"{LARGE_TARGET_CPU_SECONDS:.0f} s of CPU" if large else f"{TARGET_SECONDS:.0f} s")
            + f": {'met' if figures['target_met'] else 'NOT met'}",
        ),
    ]
    print_rows(rows)
    suffix = f"-n{nominations}" if nominations != scale_db.DEFAULT_SCALE["nominations"] else ""
    output = write_json(RESULTS / f"aggregation-{dialect}{suffix}.json", figures)
    print(f"Figures written to {output.relative_to(ROOT)}")
    return 0


def report_rounds(args, dialect: str, load_before, nominations: int, per_round: list[dict]) -> int:
    chosen = scale_db.variant(args)
    figures = {
        "database": dialect,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "machine": machine(),
        "nominations": nominations,
        "rounds": chosen,
        "runs": args.runs,
        "per_round": per_round,
        "target_seconds": TARGET_SECONDS,
        "target_met": all(f["target_met"] for f in per_round),
    }
    print(f"Results of each round on {dialect} (median of {args.runs} runs; load average {load_before} at the start)")
    rows = [
        (
            f"{f['label']} ({f['mode']}, {f['entries']:,} entries"
            + (", kept by the process" if f["kept"] else "")
            + ")",
            f"{f['seconds']:.3f} s (CPU {f['cpu_seconds']:.3f} s, slowest {f['seconds_max']:.3f} s): "
            + ("met" if f["target_met"] else "NOT met"),
        )
        for f in per_round
    ]
    print_rows(rows)
    suffix = f"-rounds2-{chosen['first_round'].replace('_', '')}"
    output = write_json(RESULTS / f"aggregation-{dialect}{suffix}.json", figures)
    print(f"Figures written to {output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
