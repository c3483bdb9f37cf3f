"""Cost as the work grows (issue 19, item 5): the key pages of bench/pages.py at several scales, each page's
median against the number of nominations, and the ratio of the largest scale's median to the one before it.

By default it runs bench/pages.py (one process per scale, each on its own cached scale database built by
bench/scale_db.py) at 1,000 nominations with 300 judges, 10,000 with 300 and 100,000 with 3,000 (every scale
with 1,000 impact cases), writes each run's JSON to bench/results/growth/pages-<database>-n<N>.json, prints
a table of the medians with the ratio of the last scale to the one before (target: at most 1.5), writes the
summary to bench/results/growth-<database>.json and draws the medians as an SVG line chart (log x; written
by hand, no plotting library) where --svg says.

    .venv/bin/python bench/growth.py [--requests 30] [--svg docs/performance-growth-sqlite.svg]
    .venv/bin/python bench/growth.py --plot-only --svg docs/performance-growth-sqlite.svg   # the JSON already there
    .venv/bin/python bench/growth.py --scales 100000:3000 --database-url \\
        postgresql+psycopg://postgres@127.0.0.1:5432/awards_bench_scale_n{n}

With --database-url, {n} in it is replaced by each scale's number of nominations (one PostgreSQL database per
scale, created and filled by bench/scale_db.py when missing or stale).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from html import escape
from pathlib import Path

from support import RESULTS, ROOT
from support.report import load_average, write_json

DEFAULT_SCALES = "1000:300,10000:300,100000:3000"
TARGET_RATIO = 1.5
# Colours that stay apart from each other (Okabe–Ito and a few more), then the same again dashed.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#8c564b", "#7f7f7f")


def scales(text: str) -> list[tuple[int, int]]:
    pairs = []
    for item in text.split(","):
        nominations, _, judges = item.partition(":")
        pairs.append((int(nominations), int(judges or 300)))
    return pairs


def run_pages(nominations: int, judges: int, requests: int, output: Path, database_url: str | None) -> None:
    command = [
        sys.executable,
        str(ROOT / "bench" / "pages.py"),
        "--nominations",
        str(nominations),
        "--judges",
        str(judges),
        "--requests",
        str(requests),
        "--output",
        str(output),
    ]
    if database_url:
        command += ["--database-url", database_url.replace("{n}", str(nominations))]
    print(f"$ {' '.join(command[1:])}  (load average {load_average()})", flush=True)
    subprocess.run(command, check=True)


def summarise(runs: list[dict]) -> dict:
    """Per page: its median (and CPU median) at each scale, and the ratio of the last to the one before."""
    names = [figure["page"] for figure in runs[-1]["pages"]]
    pages = []
    for name in names:
        medians, cpu = [], []
        for run in runs:
            found = next((f for f in run["pages"] if f["page"] == name), None)
            medians.append(found["median_ms"] if found else None)
            cpu.append(found["cpu_median_ms"] if found else None)
        ratio = cpu_ratio = None
        if len(runs) > 1 and medians[-2] and medians[-1] is not None:
            ratio = round(medians[-1] / medians[-2], 2)
        if len(runs) > 1 and cpu[-2] and cpu[-1] is not None:
            cpu_ratio = round(cpu[-1] / cpu[-2], 2)
        pages.append(
            {
                "page": name,
                "median_ms": medians,
                "cpu_median_ms": cpu,
                "ratio": ratio,
                "cpu_ratio": cpu_ratio,
                "target_met": ratio is None or ratio <= TARGET_RATIO,
            }
        )
    return {
        "database": runs[-1]["database"],
        "database_version": runs[-1].get("database_version"),
        "scales": [run["scale"] for run in runs],
        "load_average": [[run.get("load_average_before"), run.get("load_average_after")] for run in runs],
        "minimal_endpoint_median_ms": [run.get("minimal_endpoint_median_ms") for run in runs],
        "peak_rss_mb": [run.get("peak_rss_mb") for run in runs],
        "target_ratio": TARGET_RATIO,
        "pages": pages,
        "all_targets_met": all(p["target_met"] for p in pages),
    }


def _nice_ceiling(value: float) -> float:
    """1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def svg_chart(summary: dict, title: str, metric: str = "median_ms") -> str:
    """A line per page: its median (ms; `metric` "cpu_median_ms" for the CPU time's) against nominations (log
    scale), with a legend on the right."""
    width, height = 860, 460
    left, right, top, bottom = 64, 600, 40, 400  # the plot area; the legend right of it
    ns = [scale["nominations"] for scale in summary["scales"]]
    low, high = math.log10(min(ns)), math.log10(max(ns))
    highest = max((m for p in summary["pages"] for m in p[metric] if m is not None), default=1.0)
    top_value = _nice_ceiling(highest)
    axis = "median server time per request (ms)" if metric == "median_ms" else "median CPU time per request (ms)"

    def x(n: int) -> float:
        return left + (right - left) * ((math.log10(n) - low) / (high - low) if high > low else 0.5)

    def y(value: float) -> float:
        return bottom - (bottom - top) * value / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for k in range(6):  # horizontal grid and the y axis's labels
        value = top_value * k / 5
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{right}" y2="{y(value):.1f}" stroke="#dddddd"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for n in ns:  # vertical grid at each scale and the x axis's labels
        parts.append(
            f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{bottom}" stroke="#dddddd"/>'
            f'<text x="{x(n):.1f}" y="{bottom + 16}" text-anchor="middle">{n:,}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000000"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#000000"/>'
        f'<text x="{(left + right) / 2:.0f}" y="{bottom + 36}" text-anchor="middle">'
        "nominations (log scale)</text>"
        f'<text x="18" y="{(top + bottom) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 18 {(top + bottom) / 2:.0f})">{escape(axis)}</text>'
    )
    for i, page in enumerate(summary["pages"]):
        colour = COLOURS[i % len(COLOURS)]
        dash = ' stroke-dasharray="5 3"' if (i // len(COLOURS)) % 2 else ""
        points = [(x(n), y(m)) for n, m in zip(ns, page[metric], strict=True) if m is not None]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>')
        parts.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in points)
        ly = top + 4 + i * 19
        value = page["ratio"] if metric == "median_ms" else page["cpu_ratio"]
        ratio = f" ({value:g}×)" if value is not None else ""
        parts.append(
            f'<line x1="{right + 20}" y1="{ly}" x2="{right + 44}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{right + 50}" y="{ly + 4}">{escape(page["page"] + ratio)}</text>'
        )
    parts.append(
        f'<text x="{right + 20}" y="{top + 4 + len(summary["pages"]) * 19 + 6}" fill="#555555">'
        f"(×: {'median' if metric == 'median_ms' else 'CPU median'} at {ns[-1]:,} over "
        f"{ns[-2] if len(ns) > 1 else ns[-1]:,})</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=DEFAULT_SCALES, help="nominations:judges,… (default %(default)s)")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per page at each scale")
    parser.add_argument("--database-url", help="PostgreSQL URL; {n} is replaced by each scale's nominations")
    parser.add_argument("--plot-only", action="store_true", help="Use the JSON of earlier runs; run nothing")
    parser.add_argument("--svg", help="Where to write the chart (e.g. docs/performance-growth-sqlite.svg)")
    parser.add_argument(
        "--metric",
        choices=("median", "cpu"),
        default="median",
        help="What the chart draws: each page's median server time, or its median CPU time (steadier when busy)",
    )
    parser.add_argument("--database", default=None, help="With --plot-only: sqlite or postgresql (default: sqlite)")
    args = parser.parse_args()
    chosen = scales(args.scales)
    database = args.database or ("postgresql" if args.database_url else "sqlite")
    folder = RESULTS / "growth"
    outputs = [folder / f"pages-{database}-n{n}.json" for n, _ in chosen]
    if not args.plot_only:
        folder.mkdir(parents=True, exist_ok=True)
        for (nominations, judges), output in zip(chosen, outputs, strict=True):
            run_pages(nominations, judges, args.requests, output, args.database_url)
    runs = [json.loads(output.read_text()) for output in outputs]
    summary = summarise(runs)
    ns = [s["nominations"] for s in summary["scales"]]
    print(f"Key pages' medians (ms) on {summary['database_version']} at " + ", ".join(f"{n:,}" for n in ns))
    print(f"  {'Page':<36}" + "".join(f" {n:>9,}" for n in ns) + f" {'ratio':>6} {'cpu ratio':>9}")
    for page in summary["pages"]:
        cells = "".join(f" {m:>9.1f}" if m is not None else f" {'–':>9}" for m in page["median_ms"])
        ratio = f"{page['ratio']:.2f}" if page["ratio"] is not None else "–"
        cpu_ratio = f"{page['cpu_ratio']:.2f}" if page["cpu_ratio"] is not None else "–"
        print(f"  {page['page']:<36}{cells} {ratio:>6} {cpu_ratio:>9}  {'ok' if page['target_met'] else 'MISSED'}")
    print("  Load average (start, end) of each run: " + ", ".join(f"{a}–{b}" for a, b in summary["load_average"]))
    missed = [p["page"] for p in summary["pages"] if not p["target_met"]]
    print(
        f"  Target (median at {ns[-1]:,} at most {TARGET_RATIO}× the one at {ns[-2] if len(ns) > 1 else ns[-1]:,}): "
        + ("met by every page" if not missed else "missed by " + ", ".join(missed))
    )
    output = write_json(RESULTS / f"growth-{database}.json", summary)
    print(f"Summary written to {output}")
    if args.svg:
        svg = Path(args.svg)
        what = "median" if args.metric == "median" else "median CPU time"
        svg.write_text(
            svg_chart(
                summary,
                f"Key pages' {what} against nominations ({summary['database_version']})",
                "median_ms" if args.metric == "median" else "cpu_median_ms",
            )
        )
        print(f"Chart written to {svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
