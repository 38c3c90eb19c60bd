"""The session's caches (``base/caches.py``): bounded, counted, cleared, and invisible in the
answers — a fresh ``Caches`` gives what a warm one gives."""

from __future__ import annotations

import gc
import weakref

import pytest
from lsprotocol import types

from matdiff.base import caches
from matdiff.base.caches import Caches, Table
from matdiff.engine import cost, nodes, search
from matdiff.engine import expr as E
from matdiff.engine.shape import Dim, Shape
from matdiff.features.diagnostics import diagnostics
from matdiff.features.hover import hover
from matdiff.features.outline import document_symbols
from matdiff.features.snapshot import Snapshot
from matdiff.features.tokens import semantic_tokens
from matdiff.services.derivatives import derivation

URI = "file:///doc.matdiff"
DOC = """W : matrix(m, n); x : vector(n); b : vector(m); t : vector(m)
S : matrix(n, n) spd; W1 : matrix(h, n); W2 : matrix(m, h)
loss = norm2(W*x + b)^2
f = 0.5*norm2(W2*tanh(W1*x) - t)^2 + logdet(S)
g = x'*S*x
h = y + 1
"""
ASKS = [("loss", "W"), ("loss", "x"), ("f", "W1"), ("f", "S"), ("g", "x"), ("g", "S")]


def answers() -> list[object]:
    """Everything the caches serve: derivatives in every form, checks, steps, features."""
    out: list[object] = []
    for of, wrt in ASKS:
        for kind in ("gradient", "numerator"):
            d = derivation(DOC, of, wrt, kind)  # type: ignore[arg-type]
            out += [d.emit("text"), d.emit("numpy"), d.verified(), d.steps()]
    snap = Snapshot.of(URI, DOC)
    out += [diagnostics(snap), semantic_tokens(snap).data, document_symbols(snap)]
    for line in range(2, 5):
        got = hover(snap, types.Position(line=line, character=1))
        out.append(got.contents if got else None)
    return out


def test_a_fresh_caches_answers_like_a_warm_one(fresh_caches: Caches) -> None:
    cold = answers()
    warm = answers()  # served from the caches filled by the first round
    assert fresh_caches.entries()["services.results"] > 0
    assert fresh_caches.entries()["syntax.statements"] > 0
    with caches.using(Caches()) as other:
        fresh = answers()
        assert other.entries()["services.results"] == fresh_caches.entries()["services.results"]
    assert cold == warm == fresh


def test_clear_forgets_every_table(fresh_caches: Caches) -> None:
    answers()
    assert sum(fresh_caches.entries().values()) > 0
    fresh_caches.clear()
    left = {k: n for k, n in fresh_caches.entries().items() if n and k != "engine.interned"}
    assert left == {}
    assert answers() == answers()


def test_tables_are_bounded(fresh_caches: Caches) -> None:
    table: Table[int, str] = Table("test.small", 3)
    for i in range(10):
        fresh_caches[table].put(i, str(i))
    fresh_caches[table].get(7)  # used recently: kept
    fresh_caches[table].put(10, "10")
    assert fresh_caches.entries()["test.small"] == 3
    assert [fresh_caches[table].get(i) for i in (7, 8, 9, 10)] == ["7", None, "9", "10"]


def test_the_intern_table_holds_nodes_weakly() -> None:
    """A node lives while it is used (then it is the only one of its structure) or while it
    is among the last ``RECENT`` built; then it goes, and the table with it."""
    n = Dim.of("n")
    before = E.interned()
    X = E.var("X_weak", Shape(n, n))
    built = E.mul(X, E.transpose(X), E.inv(X))
    assert E.mul(X, E.transpose(X), E.inv(X)) is built  # while alive: one node per structure
    gone = weakref.ref(built)
    del built
    for i in range(3 * nodes.RECENT):  # nodes built and dropped at once
        E.num(i + 10**6)
    gc.collect()
    assert gone() is None
    assert E.interned() <= before + nodes.RECENT  # not the 60,000 built


def test_per_statement_tables_fit_the_open_documents(fresh_caches: Caches) -> None:
    statements: Table[int, int] = Table("test.statements", 20_000, per_statement=True)
    results: Table[int, int] = Table("test.results", 5_000)
    for i in range(8_000):
        fresh_caches[statements].put(i, i)
        fresh_caches[results].put(i, i)
    fresh_caches.fit(1_000)  # one document of 1,000 statements open
    bound = 2 * 1_000 + caches.SLACK
    assert fresh_caches.entries()["test.statements"] == bound
    assert fresh_caches.entries()["test.results"] == 5_000
    assert fresh_caches[statements].get(7_999) == 7_999  # the most recent stay
    assert fresh_caches[statements].get(8_000 - bound - 1) is None
    fresh_caches.fit(100_000)  # a larger document: up to the declared size again
    for i in range(30_000):
        fresh_caches[statements].put(i, i)
    assert fresh_caches.entries()["test.statements"] == 20_000


def test_the_search_memos_are_bounded_and_counted(
    fresh_caches: Caches, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simplifier's cost, style and result memos keep their keys' trees alive: many
    distinct expressions leave at most the declared number of entries, counted and cleared
    with the session's caches (a long editing session brings new expressions every edit)."""
    memos = (cost._MEMO, search._STYLE, search._MEMO)
    for memo in memos:
        assert memo.size <= 20_000
        monkeypatch.setattr(memo, "size", 50)  # the same mechanism, reached sooner
        memo.clear()
    n = Dim.of("n")
    x = E.var("x_memo", Shape(n, n))
    for i in range(200):
        search.simplify(E.add(E.mul(E.num(i + 2), x), E.transpose(x)))
    entries = fresh_caches.entries()
    assert [entries[m.name] for m in memos] == [50, 50, 50]  # full: the oldest went first
    assert search._MEMO.get(E.add(E.mul(E.num(2), x), E.transpose(x))) is None
    fresh_caches.clear()
    assert [len(m) for m in memos] == [0, 0, 0]
