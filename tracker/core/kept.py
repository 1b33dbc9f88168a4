"""Values computed from the database and kept by the process while the data is unchanged.

A store's keys start with the database and the current tokens of the scopes it reads
(core/revisions.py): by default DATA, which every committed change to evaluation data renews; the
working-day calendar keys on CALENDAR alone. Callers that track finer tokens of their own (the
per-target reports) pass no scopes and put those in the key instead. Tokens are read before the value
is computed, so a value can only be filed under a token older than its data (computed once more on
the next view), never the other way round; while the session's own transaction has changed a scope,
values reading it are computed afresh and not kept. Values are shared between threads: callers must
not change them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from ..extensions import db
from .revisions import DATA, EVERY, current_tokens, pending_scopes

T = TypeVar("T")
_every_store: list[Kept] = []


class Kept(Generic[T]):
    """At most `max_entries` values, the least recently used dropped first."""

    def __init__(self, max_entries: int, *, scopes: tuple[str, ...] = (DATA,)) -> None:
        self.max_entries = max_entries
        self.scopes = scopes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, T] = OrderedDict()
        _every_store.append(self)

    def full_key(self, key: tuple[Hashable, ...]) -> tuple | None:
        """None while the session's transaction has changed one of the store's scopes."""
        tokens = current_tokens((scope, EVERY) for scope in self.scopes)
        if pending_scopes().intersection(self.scopes):
            return None
        return (str(db.engine.url), *tokens.values(), *key)

    def get(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        full_key = self.full_key(key)
        if full_key is None:
            return compute()
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


def reset_all() -> None:
    """Drop every kept value of the process, the working-day calendar included (tests that reset the
    database call this)."""
    for store in _every_store:
        store.clear()
