"""Values computed from the database and kept by the process while the data is unchanged.

A store's keys start with the database; by default also with its data revision
(core/data_revision.py), which every committed change to evaluation data — the working-day
calendar included — replaces. Callers that track finer revisions of their own (the per-target
report revisions) put those in the key instead. Revisions are read before the value is computed,
so a value can only be filed under a revision older than its data (computed once more on the next
view), never the other way round. Values are shared between threads: callers must not change them.
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

    def __init__(self, max_entries: int, *, by_data_revision: bool = True) -> None:
        self.max_entries = max_entries
        self.by_data_revision = by_data_revision
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, T] = OrderedDict()
        _every_store.append(self)

    def full_key(self, key: tuple[Hashable, ...]) -> tuple:
        revision = (current_data_revision(),) if self.by_data_revision else ()
        return (str(db.engine.url), *revision, *key)

    def get(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        full_key = self.full_key(key)
        value = self.lookup(full_key)
        if value is None:
            value = compute()
            self.keep(full_key, value)
        return value

    def lookup(self, full_key: tuple) -> T | None:
        with self._lock:
            if full_key not in self._entries:
                return None
            self._entries.move_to_end(full_key)
            return self._entries[full_key]

    def keep(self, full_key: tuple, value: T) -> None:
        with self._lock:
            self._entries[full_key] = value
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_kept_values() -> None:
    """Drop every kept value of the process (tests that reset the database call this)."""
    for store in _every_store:
        store.clear()
