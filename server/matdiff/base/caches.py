"""Every cache of a session in one place: bounded tables, counted and cleared together.

A module declares what it remembers as a :class:`Table` (a name and a bound) and reads it
from the active :class:`Caches`: ``caches.active()[STATEMENTS].get(key)``.  The language
server owns one ``Caches`` per session and activates it; the CLI and the API use the default
one; each test runs with a fresh one (``tests/conftest.py``).  Every table is a least
recently used map (:class:`~matdiff.base.lru.Lru`), so memory plateaus in a long session.

Memo tables that are pure functions of interned nodes (the engine's own, which cannot import
this module) are shared by the whole process; a layer above registers them with
:func:`share` so that :meth:`Caches.entries` counts them and :meth:`Caches.clear` clears
them too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from matdiff.base.lru import Lru

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Table(Generic[K, V]):
    """What one module remembers: a name (``layer.what``) and at most ``size`` entries.

    A table of one entry per statement (``per_statement``) is bounded further by the
    documents open (:meth:`Caches.fit`): an edit leaves the old statement behind, so a
    bound far above the live statements is memory spent on text no longer anywhere.
    """

    name: str
    size: int
    per_statement: bool = False


# A per-statement table keeps the live statements, as many again (an undo, a document
# reopened) and this many more.
SLACK = 2_000


@dataclass(frozen=True, slots=True)
class Shared:
    """A process-wide memo: how to count its entries and how to clear it."""

    count: Callable[[], int]
    clear: Callable[[], None]


_SHARED: dict[str, Shared] = {}


def share(name: str, count: Callable[[], int], clear: Callable[[], None]) -> None:
    """Register a process-wide memo (the engine's) for counting and clearing."""
    _SHARED[name] = Shared(count, clear)


class Caches:
    """The bounded tables of one session (documents, analyses, derivatives, features)."""

    def __init__(self) -> None:
        self._tables: dict[str, Lru[Any, Any]] = {}
        self._declared: dict[str, Table[Any, Any]] = {}
        self._lock = threading.Lock()
        self._live: int | None = None

    def __getitem__(self, table: Table[K, V]) -> Lru[K, V]:
        got = self._tables.get(table.name)
        if got is None:
            with self._lock:
                got = self._tables.get(table.name)
                if got is None:
                    got = self._tables[table.name] = Lru(self._bound(table))
                    self._declared[table.name] = table
        return got

    def _bound(self, table: Table[Any, Any]) -> int:
        if not table.per_statement or self._live is None:
            return table.size
        return min(table.size, 2 * self._live + SLACK)

    def fit(self, live_statements: int) -> None:
        """Bound the per-statement tables by the statements of the open documents."""
        self._live = live_statements
        for name, lru in list(self._tables.items()):
            bound = self._bound(self._declared[name])
            if bound != lru.size:
                lru.resize(bound)

    def entries(self) -> dict[str, int]:
        """Entries per table, the session's and the process-wide memos'."""
        out = {name: len(lru) for name, lru in sorted(self._tables.items())}
        out.update({name: shared.count() for name, shared in sorted(_SHARED.items())})
        return out

    def clear(self) -> None:
        """Forget everything remembered: the session's tables and the shared memos."""
        for lru in list(self._tables.values()):
            lru.clear()
        for shared in _SHARED.values():
            shared.clear()


_ACTIVE = [Caches()]


def active() -> Caches:
    """The caches in use: the server session's, else the process default."""
    return _ACTIVE[0]


def activate(caches: Caches) -> Caches:
    """Make ``caches`` the active ones (for every thread); returns the ones before."""
    before, _ACTIVE[0] = _ACTIVE[0], caches
    return before


@contextmanager
def using(caches: Caches) -> Iterator[Caches]:
    """Run a block with ``caches`` active (a test with fresh caches)."""
    before = activate(caches)
    try:
        yield caches
    finally:
        activate(before)
