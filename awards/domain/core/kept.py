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

from awards.domain.core.transaction_memo import kept_in_transaction
from awards.extensions import db
from awards.models.versions import version_in

KEPT_SECONDS = 60.0
_DATA_VERSION = "awards.kept.data_version"  # kept_in_transaction's key for the version this module reads


class KeptPerProcess:
    """At most `limit` values by key, the least recently used dropped first, each with the moment it was kept; `get`
    gives none older than its `max_age` seconds. Thread-safe. What this module, a cycle's kept form
    (domain/programme/entry_forms.py) and the page's kept fragments (awards/templating.py) keep in."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._store: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()  # when kept, value
        self._lock = threading.Lock()

    def get(self, key: Hashable, max_age: float | None = None) -> Any:
        """The value kept under `key` (and it becomes the most recently used), or MISSING."""
        with self._lock:
            kept = self._store.get(key)
            if kept is None or (max_age is not None and time.monotonic() - kept[0] >= max_age):
                return MISSING
            self._store.move_to_end(key)
            return kept[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._store[key] = (time.monotonic(), value)
            self._store.move_to_end(key)
            while len(self._store) > self.limit:
                self._store.popitem(last=False)


MISSING = object()  # what KeptPerProcess.get gives for a key it does not hold (a kept value may be None)


class KeptWhileUnchanged:
    """At most `limit` values by key (least recently used dropped first), each with its version."""

    def __init__(self, limit: int = 64) -> None:
        self._kept = KeptPerProcess(limit)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        # Read once a transaction (a library page asks for its count and its filter choices).
        version = kept_in_transaction(_DATA_VERSION, lambda: version_in(db.session))
        if version is None:
            return compute()
        kept = self._kept.get(key, max_age=KEPT_SECONDS)
        if kept is not MISSING and kept[0] == version:
            return kept[1]
        value = compute()
        self._kept.put(key, (version, value))
        return value
