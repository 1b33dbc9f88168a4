"""Values computed from the database and kept by the process while the data is unchanged.

The key of every value starts with the database and its data revision (core/data_revision.py),
which every committed change to evaluation data — the working-day calendar included — replaces.
The revision is read before the value is computed, so a value can only be filed under a revision
older than its data (computed once more on the next view), never the other way round. Values are
shared between threads: callers must not change them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from ..extensions import db
from .data_revision import current_data_revision

T = TypeVar("T")
_every_store: list[Kept] = []


class Kept(Generic[T]):
    """At most `max_entries` values, the least recently used dropped first."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, T] = OrderedDict()
        _every_store.append(self)

    def get(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        full_key = (str(db.engine.url), current_data_revision(), *key)
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                return self._entries[full_key]
        value = compute()
        with self._lock:
            self._entries[full_key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_kept_values() -> None:
    """Drop every kept value of the process (tests that reset the database call this)."""
    for store in _every_store:
        store.clear()
