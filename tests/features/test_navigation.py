"""Go to definition, references, rename."""

from __future__ import annotations

import re

import pytest

from matdiff.analysis import analyze
from matdiff.base.spans import Encoding
from matdiff.features.navigation import (
    Refused,
    definition,
    prepare_rename,
    references,
    rename,
)

from .helpers import ENCODINGS, apply_edits, cursor, position

DOC = "A : matrix(m, n)\nx : vector(n)\nr = (A × x)ᵀ ∘ (A*x)ᵀ\nf = r*rᵀ + tr(A'*A)\nbad = (r *\n"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_definition_after_unicode(encoding: Encoding) -> None:
    marked = DOC.replace("(A*x)ᵀ", "(A*|x)ᵀ")
    snap, pos = cursor(marked, encoding)
    loc = definition(snap, pos)
    assert loc is not None
    assert loc.range.start == position(DOC, DOC.index("x :"), encoding)


@pytest.mark.parametrize(
    ("marked", "target"),
    [
        (DOC.replace("f = r*", "f = |r*"), "r ="),
        (DOC.replace("vector(n)", "vector(|n)"), "n)\nx"),  # a dimension: its first use
        (DOC.replace("bad = (r", "bad = (|r"), "r ="),  # from a broken statement
    ],
)
def test_definition(marked: str, target: str) -> None:
    snap, pos = cursor(marked)
    loc = definition(snap, pos)
    assert loc is not None
    assert loc.range.start == position(DOC, DOC.index(target))


@pytest.mark.parametrize("marked", [DOC.replace("tr(", "t|r("), DOC.replace("= (A ×", "= |(A ×")])
def test_no_definition(marked: str) -> None:
    snap, pos = cursor(marked)
    assert definition(snap, pos) is None


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_references(encoding: Encoding) -> None:
    snap, pos = cursor(DOC.replace("f = r*", "f = |r*"), encoding)
    found = references(snap, pos, include_declaration=True)
    assert found is not None
    starts = [loc.range.start for loc in found]
    expected = [m.start() for m in re.finditer(r"(?<![A-Za-z0-9_])r(?![A-Za-z0-9_])", DOC)]
    assert starts == [position(DOC, i, encoding) for i in expected]
    without = references(snap, pos, include_declaration=False)
    assert without is not None and len(without) == len(found) - 1


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_rename_everywhere(encoding: Encoding) -> None:
    snap, pos = cursor(DOC.replace("(A*x)ᵀ", "(|A*x)ᵀ"), encoding)
    prep = prepare_rename(snap, pos)
    assert prep is not None and prep.placeholder == "A"
    edit = rename(snap, pos, "W")
    assert edit is not None and edit.changes is not None
    new = apply_edits(DOC, edit.changes[snap.uri], encoding)
    assert new == DOC.replace("A", "W")
    before, after = analyze(DOC), analyze(new)
    assert [d.message for d in after.diagnostics] == [d.message for d in before.diagnostics]


def test_rename_dimension() -> None:
    snap, pos = cursor(DOC.replace("matrix(m, n)", "matrix(m, |n)"))
    edit = rename(snap, pos, "k")
    assert edit is not None and edit.changes is not None
    assert apply_edits(DOC, edit.changes[snap.uri]) == DOC.replace("(n)", "(k)").replace(
        ", n)", ", k)"
    )


@pytest.mark.parametrize(
    ("new_name", "reason"),
    [("tr", "reserved"), ("matrix", "reserved"), ("I", "reserved"), ("x", "already taken"),
     ("m", "already taken"), ("2x", "not a name"), ("a b", "not a name"), ("", "not a name")],
)  # fmt: skip
def test_rename_refused(new_name: str, reason: str) -> None:
    snap, pos = cursor(DOC.replace("f = r*", "f = |r*"))
    with pytest.raises(Refused, match=reason):
        rename(snap, pos, new_name)


@pytest.mark.parametrize(
    ("marked", "reason"),
    [(DOC.replace("tr(", "t|r("), "built into the language"),
     (DOC.replace("vector(n)", "vec|tor(n)"), "built into the language"),
     ("y = |zz + 1\n", "not declared or defined")],
)  # fmt: skip
def test_prepare_rename_refused(marked: str, reason: str) -> None:
    snap, pos = cursor(marked)
    with pytest.raises(Refused, match=reason):
        prepare_rename(snap, pos)


def test_prepare_rename_nothing_here() -> None:
    snap, pos = cursor(DOC.replace("= (A ×", "= |(A ×"))
    assert prepare_rename(snap, pos) is None
    assert rename(snap, pos, "q") is None


def test_rename_to_itself_is_allowed() -> None:
    snap, pos = cursor(DOC.replace("f = r*", "f = |r*"))
    assert rename(snap, pos, "r") is not None
