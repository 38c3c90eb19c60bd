"""Formatting: canonical spacing, never losing a comment or a broken statement's text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matdiff.analysis import analyze
from matdiff.features.formatting import formatting, safe_format
from matdiff.features.snapshot import Snapshot

from .helpers import URI, apply_edits

DATA = Path(__file__).resolve().parent.parent / "data"
FILES = sorted(DATA.glob("**/*.matdiff"))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("A:matrix( m,n )\nr=A *x  +b\n", "A : matrix(m, n)\nr = A*x + b\n"),
        ("f = x'*x # note\n", "f = x'*x  # note\n"),
        ("# head\n\n\nx : scalar;y=x+ 1\n", "# head\n\n\nx : scalar; y = x + 1\n"),
        ("r = (A *\n# keep me\nf = 1\n", "r = (A *\n# keep me\nf = 1\n"),
        ("f = tr(A  # inside\n  + B)\n", "f = tr(A  # inside\n  + B)\n"),
    ],
)
def test_formats(before: str, after: str) -> None:
    snap = Snapshot.of(URI, before)
    edits = formatting(snap)
    got = apply_edits(before, edits) if edits else before
    assert got == after
    assert formatting(Snapshot.of(URI, got)) == []  # idempotent


def test_already_formatted_gives_no_edit() -> None:
    assert formatting(Snapshot.of(URI, "x : scalar\nf = x^2\n")) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_formatting_keeps_text(path: Path) -> None:
    """On every test document: comments and broken statements survive; meaning is kept."""
    text = path.read_text(encoding="utf-8")
    new = safe_format(text)
    if new is None:
        return
    comments = [c.rstrip() for c in re.findall(r"#[^\n]*", text)]
    assert [c.rstrip() for c in re.findall(r"#[^\n]*", new)] == comments
    assert analyze(new).document == analyze(text).document
    assert safe_format(new) is None


def test_unicode_positions_of_whole_document_edit() -> None:
    text = "x : vector(n)\nf = xᵀ ∘ xᵀ *x\n"
    for encoding in ("utf-8", "utf-16", "utf-32"):
        snap = Snapshot.of(URI, text, encoding=encoding)  # type: ignore[arg-type]
        (edit,) = formatting(snap)
        assert edit.range.start.line == 0 and edit.range.start.character == 0
        assert (edit.range.end.line, edit.range.end.character) == (2, 0)
