"""Values read from the whole of a big table, kept by each process while nothing has been committed anywhere.

A cycle's counts of nominations by status read every one of its nominations' index entries: 2 ms at 10,000,
35 ms at 100,000. The organiser's list shows them on every page. `KeptWhileUnchanged` keeps such a value with
the data version it was read under (awards/models/versions.py: one row that every writing transaction, in any
worker or server, changes as it commits) and gives it again while the version is the same; reading the version
is one statement. A transaction with changes of its own reads afresh (they are not in the version yet). A value is
read again once it is KEPT_SECONDS old whatever the version says, so a change made around the version (SQL typed by
hand, an older worker during a deploy) shows within a minute.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from awards.extensions import db
from awards.models.versions import version_in

KEPT_SECONDS = 60.0


class KeptWhileUnchanged:
    """At most `limit` values by key (least recently used dropped first), each with its version."""

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self._store: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()  # version, when read, value
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        version = version_in(db.session)
        if version is None:
            return compute()
        now = time.monotonic()
        with self._lock:
            kept = self._store.get(key)
            if kept is not None and kept[0] == version and now - kept[1] < KEPT_SECONDS:
                self._store.move_to_end(key)
                return kept[2]
        value = compute()
        with self._lock:
            self._store[key] = (version, now, value)
            self._store.move_to_end(key)
            while len(self._store) > self.limit:
                self._store.popitem(last=False)
        return value
