"""A bounded cache of computed results, shared by the request threads.

Entries are kept least recently used first and dropped beyond ``max_entries``,
so no request pattern can grow the service's memory. Two requests for the same
key compute it once: the second waits for the first (other keys go on).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class ResultCache:
    """Least-recently-used results by key, at most ``max_entries`` of them."""

    def __init__(self, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries={max_entries!r} must be >= 1")
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def __len__(self) -> int:
        with self._guard:
            return len(self._values)

    def keys(self) -> list[Hashable]:
        """The keys held, least recently used first."""
        with self._guard:
            return list(self._values)

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        with self._guard:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return True, self._values[key]
        return False, None

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value of ``key``, from ``compute()`` when it is not held."""
        found, value = self._lookup(key)
        if found:
            return value
        with self._guard:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            found, value = self._lookup(key)
            if found:
                return value
            try:
                value = compute()
            except BaseException:
                with self._guard:
                    self._computing.pop(key, None)
                raise
            with self._guard:  # stored before the lock goes, so nobody computes it twice
                self.misses += 1
                self._values[key] = value
                self._values.move_to_end(key)
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
                self._computing.pop(key, None)
            return value
