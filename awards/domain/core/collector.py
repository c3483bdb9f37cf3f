"""Pausing Python's cyclic garbage collector around work that allocates many acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a big cycle's rows are read or its results built. A
    10,000-entry cycle makes about 250,000 small tuples and lists, none of which form reference cycles, yet
    their allocation triggers collections that walk every live object (in a worker that keeps rankings, tens
    of megabytes of them): about half the time of the whole aggregation (docs/performance.md). Reference
    counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
