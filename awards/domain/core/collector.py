"""Pausing Python's cyclic garbage collector around work that allocates many objects."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pausing = threading.Lock()
_paused_by = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a big piece of work allocates: each of the collector's
    passes walks every object alive (in a worker, the app's too), so work that makes hundreds of thousands of
    objects spends much of its time there. A 10,000-entry cycle's rows read or its results built (about
    250,000 small tuples and lists, none in a cycle: about half the aggregation's time), or a judge's pack laid
    out by WeasyPrint (millions of objects that live for the whole render: about a tenth of its time; the
    cycles it leaves are freed by the collector's first pass once it is back on, which walks only what was
    made meanwhile). Reference counting still frees everything not in a cycle. Counted: pauses in several
    threads at once resume it only when the last one ends, and a collector already paused by someone else is
    left for them to resume (docs/performance.md)."""
    global _paused_by
    with _pausing:
        if _paused_by == 0 and not gc.isenabled():  # paused by someone else: theirs to resume
            paused = False
        else:
            paused, _paused_by = True, _paused_by + 1
            gc.disable()
    try:
        yield
    finally:
        if paused:
            with _pausing:
                _paused_by -= 1
                if _paused_by == 0:
                    gc.enable()
