"""Figures the benchmarks print and write alike: the machine, the load average, a two-column
table and the JSON file in bench/results/."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def load_average() -> float | None:
    """The 1-minute load average (other work on the machine slows the wall-clock figures)."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def print_rows(rows: list[tuple[str, object]]) -> None:
    """Label and value per line, indented, the values aligned."""
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


def write_json(path: Path, figures: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path
