"""The engine's own memo tables: bounded maps keyed by interned nodes, shared by the whole
process (their answers are pure functions of the nodes).

They sit on the engine's hot path, so a lookup is one C-level dict call: the oldest entry
goes first once a table is full (first in, first out, not least recently used — an entry
still in use is simply computed again).  The engine imports nothing else of matdiff, so it
keeps these itself; ``services`` registers them with the session's caches
(``matdiff.base.caches.share``) for counting and clearing.
"""

from __future__ import annotations

import collections
import contextlib
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``size`` entries; the oldest goes first."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.items: collections.OrderedDict[K, V] = collections.OrderedDict()
        self.get = self.items.get
        MEMOS.append(self)

    def put(self, key: K, value: V) -> V:
        self.items[key] = value
        if len(self.items) > self.size:
            with contextlib.suppress(KeyError):  # another thread evicted it meanwhile
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        self.items.clear()

    def __len__(self) -> int:
        return len(self.items)


MEMOS: list[Memo[Any, Any]] = []
