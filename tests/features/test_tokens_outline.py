"""Semantic tokens, inlay hints and document symbols."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from matdiff.base import caches
from matdiff.base.spans import Encoding
from matdiff.features.outline import document_symbols, inlay_hints
from matdiff.features.snapshot import Snapshot
from matdiff.features.tokens import (
    LEGEND,
    TOKEN_MODIFIERS,
    TOKEN_TYPES,
    classify,
    decode,
    edits,
    semantic_tokens,
    semantic_tokens_range,
)

from .helpers import ENCODINGS, URI, position, units

DOC = (
    "A : matrix(m, n)  # a matrix\n"
    "const x : vector(n)\n"
    "S : matrix(3, 3) symmetric\n"
    "r = A*x\n"
    "f = norm2(r)^2 + tr(S)\n"
    "g = (xᵀ ∘ xᵀ)*x + 1; h = rᵀ*r\n"
    "bad = (A *\n"
)

EXPECTED = [
    ("A", "parameter", {"declaration", "matrix"}),
    ("matrix", "type", {"defaultLibrary"}),
    ("m", "typeParameter", {"declaration"}),
    ("n", "typeParameter", {"declaration"}),
    ("const", "keyword", set()),
    ("x", "parameter", {"declaration", "readonly", "vector"}),
    ("vector", "type", {"defaultLibrary"}),
    ("n", "typeParameter", set()),
    ("S", "parameter", {"declaration", "matrix"}),
    ("matrix", "type", {"defaultLibrary"}),
    ("3", "number", set()),
    ("3", "number", set()),
    ("symmetric", "keyword", set()),
    ("r", "variable", {"definition", "vector"}),
    ("A", "parameter", {"matrix"}),
    ("x", "parameter", {"readonly", "vector"}),
    ("f", "variable", {"definition", "scalar"}),
    ("norm2", "function", {"defaultLibrary"}),
    ("r", "variable", {"vector"}),
    ("2", "number", set()),
    ("tr", "function", {"defaultLibrary"}),
    ("S", "parameter", {"matrix"}),
    ("g", "variable", {"definition", "scalar"}),
    ("x", "parameter", {"readonly", "vector"}),
    ("x", "parameter", {"readonly", "vector"}),
    ("x", "parameter", {"readonly", "vector"}),
    ("1", "number", set()),
    ("h", "variable", {"definition", "scalar"}),
    ("r", "variable", {"vector"}),
    ("r", "variable", {"vector"}),
]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_semantic_tokens(encoding: Encoding) -> None:
    snap = Snapshot.of(URI, DOC, encoding=encoding)
    data = semantic_tokens(snap).data
    assert decode(snap, data) == EXPECTED


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_semantic_token_columns_after_unicode(encoding: Encoding) -> None:
    """Raw data: the third ``x`` on ``g = (xᵀ ∘ xᵀ)*x`` starts after ``ᵀ ∘ ᵀ``."""
    snap = Snapshot.of(URI, DOC, encoding=encoding)
    data = list(semantic_tokens(snap).data)
    rows = [data[i : i + 5] for i in range(0, len(data), 5)]
    line = DOC.split("\n")[5]
    absolute: list[tuple[int, int, int]] = []
    ln = ch = 0
    for dl, dc, length, _, _ in rows:
        ln, ch = ln + dl, (ch + dc if dl == 0 else dc)
        if ln == 5:
            absolute.append((ch, length, 0))
    starts = [i for i, c in enumerate(line) if c in "gxhr1"]
    assert [a[0] for a in absolute] == [units(line[:i], encoding) for i in starts]


def test_legend() -> None:
    assert LEGEND.token_types == TOKEN_TYPES
    assert LEGEND.token_modifiers == TOKEN_MODIFIERS
    assert len(TOKEN_MODIFIERS) <= 32


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_inlay_hints(encoding: Encoding) -> None:
    snap = Snapshot.of(URI, DOC, encoding=encoding)
    whole = types.Range(start=position(DOC, 0, encoding), end=position(DOC, len(DOC), encoding))
    hints = inlay_hints(snap, whole)
    got = [(h.position, h.label) for h in hints]
    expected = [
        ("r", ": m×1"),
        ("f", ": scalar"),
        ("g", ": scalar"),
        ("h", ": scalar"),
    ]
    assert [label for _, label in got] == [label for _, label in expected]
    for (pos, _), (name, _) in zip(got, expected, strict=True):
        offset = DOC.index(f"{name} = ") + len(name)
        assert pos == position(DOC, offset, encoding)


def test_inlay_hints_in_range() -> None:
    snap = Snapshot.of(URI, DOC)
    only_line_4 = types.Range(
        start=position(DOC, DOC.index("f =")), end=position(DOC, DOC.index("g ="))
    )
    assert [h.label for h in inlay_hints(snap, only_line_4)] == [": scalar"]


def test_document_symbols() -> None:
    snap = Snapshot.of(URI, DOC)
    got = [(s.name, s.kind, s.detail) for s in document_symbols(snap)]
    assert got == [
        ("A", types.SymbolKind.Variable, "m×n"),
        ("x", types.SymbolKind.Constant, "const n×1"),
        ("S", types.SymbolKind.Variable, "3×3 symmetric"),
        ("r", types.SymbolKind.Function, "m×1"),
        ("f", types.SymbolKind.Function, "scalar"),
        ("g", types.SymbolKind.Function, "scalar"),
        ("h", types.SymbolKind.Function, "scalar"),
        ("bad", types.SymbolKind.Function, "unknown shape"),
    ]
    for sym in document_symbols(snap):
        r, s = sym.range, sym.selection_range
        assert (r.start.line, r.start.character) <= (s.start.line, s.start.character)
        assert (s.end.line, s.end.character) <= (r.end.line, r.end.character)


def test_redeclaration_is_one_symbol() -> None:
    snap = Snapshot.of(URI, "x : scalar\nx : vector(n)\n")
    assert [s.name for s in document_symbols(snap)] == ["x"]


def test_semantic_tokens_follow_an_edit_to_a_declaration() -> None:
    """A statement's tokens are kept between edits only while its names mean the same."""
    before = "x : vector(n); c : scalar\nA : matrix(n, n)\nf = x'*A*x + c\n"
    after = before.replace("x : vector(n)", "x : matrix(n, n)").replace(
        "c : scalar", "const c : scalar"
    )
    assert decode(Snapshot.of(URI, before), semantic_tokens(Snapshot.of(URI, before)).data)
    snap = Snapshot.of(URI, "# moved\n" + after)
    got = decode(snap, semantic_tokens(snap).data)
    assert ("x", "parameter", {"matrix"}) in got[-4:]
    assert ("c", "parameter", {"scalar", "readonly"}) in got[-4:]
    assert ("x", "parameter", {"vector"}) not in got


def test_document_symbols_follow_edits() -> None:
    """Outline entries are kept for a statement that neither moved nor changed meaning."""
    text = "x : vector(n)\nA : matrix(n, n)\nf = x'*A*x\ng = A*xᵀ'\n"
    edits = [
        text,
        "# a new line\n" + text,  # everything moves down
        text.replace("x : vector(n)", "x : matrix(n, n)"),  # f and g change shape
        text.replace("A : matrix", "Aᵀ2 = 1; A : matrix"),  # A moves right, past a ᵀ
        text + "k = tr(A*(A +\n eye(n)))\n",
        text + "k = tr(A*(A + \neye(n)))\n",  # the same statement, broken elsewhere
    ]
    by_edit = [(edited, encoding) for encoding in ENCODINGS for edited in edits]
    by_encoding = [(edited, encoding) for edited in edits for encoding in ENCODINGS]
    for edited, encoding in by_edit + by_encoding:
        got = document_symbols(Snapshot.of(URI, edited, encoding=encoding))
        with caches.using(caches.Caches()):
            want = document_symbols(Snapshot.of(URI, edited, encoding=encoding))
        assert got == want, (edited, encoding)


PIECES = [
    "x : vector(n)", "const c : scalar", "A : matrix(n, n) symmetric", "f = xᵀ*A*x + c",
    "g = x'*x; h = g*c", "k = tr(A*(A +\n  eye(n)))", "u = z + 1", "w = x ∘ x  # ∘", "p = (x +",
]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=8), st.sampled_from(ENCODINGS))
def test_semantic_tokens_are_classify_in_document_order(pieces: list[str], enc: Encoding) -> None:
    snap = Snapshot.of(URI, "\n".join(pieces), encoding=enc)
    want = []
    for statement in snap.model.document.statements:
        for span, kind, mods in classify(snap, statement):
            at = snap.model.absolute(span)
            if "\n" not in snap.text[at.start : at.end]:
                want.append((snap.text[at.start : at.end], kind, set(mods)))
    assert decode(snap, semantic_tokens(snap).data) == want


def apply(data: list[int], edits: list[types.SemanticTokensEdit]) -> list[int]:
    out = list(data)
    for e in sorted(edits, key=lambda e: -e.start):
        out[e.start : e.start + e.delete_count] = list(e.data or [])
    return out


tokens_data = st.lists(st.lists(st.integers(0, 3), min_size=5, max_size=5), max_size=40).map(
    lambda rows: [n for row in rows for n in row]
)


@given(tokens_data, tokens_data, tokens_data)
def test_token_edits_turn_before_into_after(head: list[int], a: list[int], b: list[int]) -> None:
    before, after = head + a, head + b
    got = edits(before, after)
    assert apply(before, got) == after
    assert all(e.start % 5 == 0 and e.delete_count % 5 == 0 for e in got)
    assert got == [] if before == after else len(got) == 1


def test_an_edit_to_one_line_is_a_small_token_edit() -> None:
    lines = [f"f{i} = x'*A*x + {i}" for i in range(3000)]
    text = "x : vector(n); A : matrix(n, n)\n" + "\n".join(lines) + "\n"
    before = list(semantic_tokens(Snapshot.of(URI, text)).data)
    after = list(semantic_tokens(Snapshot.of(URI, text.replace("f1500 = x'", "f1500 = 2*x'"))).data)
    (edit,) = edits(before, after)
    assert apply(before, [edit]) == after
    assert edit.delete_count <= 5 * 6 and len(edit.data or []) <= 5 * 6


def placed(snap: Snapshot, data: Sequence[int]) -> list[tuple[int, int, int, int, int]]:
    """Token data as (offset, line, column, length, type), positions made absolute."""
    out = []
    line = char = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, _ = data[i : i + 5]
        line, char = line + dl, (char + dc if dl == 0 else dc)
        offset = snap.offset(types.Position(line=line, character=char))
        out.append((offset, line, char, length, kind))
    return out


def test_semantic_tokens_of_a_range_are_those_of_its_statements() -> None:
    snap = Snapshot.of(URI, DOC)
    full = placed(snap, semantic_tokens(snap).data)
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=len(DOC.split("\n")), character=0))  # fmt: skip
    assert placed(snap, semantic_tokens_range(snap, whole).data) == full
    for line in range(len(DOC.split("\n"))):
        at = types.Range(start=types.Position(line=line, character=0),
                         end=types.Position(line=line, character=1))  # fmt: skip
        met = snap.model.statements_between(snap.offset(at.start), snap.offset(at.end))
        spans = [snap.model.absolute(s.span) for s in met]
        want = [t for t in full if any(s.start <= t[0] < s.end for s in spans)]
        assert placed(snap, semantic_tokens_range(snap, at).data) == want, line
