"""The engine's own memo tables: bounded maps keyed by interned nodes, least recently used
first out, shared by the whole process (their answers are pure functions of the nodes).

The engine imports nothing else of matdiff, so it keeps these itself; ``services`` registers
them with the session's caches (``matdiff.base.caches.share``) for counting and clearing.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``size`` entries; the least recently used goes first."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.items: collections.OrderedDict[K, V] = collections.OrderedDict()
        self.lock = threading.Lock()
        MEMOS.append(self)

    def get(self, key: K) -> V | None:
        with self.lock:
            got = self.items.get(key)
            if got is not None:
                self.items.move_to_end(key)
            return got

    def put(self, key: K, value: V) -> V:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def __len__(self) -> int:
        return len(self.items)


MEMOS: list[Memo[Any, Any]] = []
