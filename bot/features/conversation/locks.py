"""Per-key locks inside one process (one turn per thread and user; one click per card at a time).

Across processes the database decides (proposal claims); these only keep one process's own
concurrent deliveries — a double click, two quick messages — in order.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = threading.Lock()
                self._locks[key] = lock
        with lock:  # the local reference keeps the lock alive while it is held or awaited
            yield
