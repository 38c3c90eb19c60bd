"""Helpers for feature tests: cursors marked with ``|`` in the text, positions computed
independently of the code under test, and NumPy evaluation of emitted code."""

from __future__ import annotations

from typing import Any

import numpy as np
from lsprotocol import types

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.base.spans import Encoding
from matdiff.engine.numpy_emit import to_numpy
from matdiff.features.snapshot import Settings, Snapshot

URI = "file:///doc.matdiff"
ENCODINGS: list[Encoding] = ["utf-8", "utf-16", "utf-32"]


def units(text: str, encoding: Encoding) -> int:
    """Length of ``text`` in ``encoding`` code units (computed here, not by LineIndex)."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def position(text: str, offset: int, encoding: Encoding = "utf-16") -> types.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=units(text[start:offset], encoding))


def cursor(
    marked: str, encoding: Encoding = "utf-16", settings: Settings | None = None
) -> tuple[Snapshot, types.Position]:
    """``marked`` has one ``|``: the snapshot of the text without it, and the position."""
    offset = marked.index("|")
    text = marked[:offset] + marked[offset + 1 :]
    snap = Snapshot.of(URI, text, encoding=encoding, settings=settings)
    return snap, position(text, offset, encoding)


def apply_edits(text: str, edits: list[types.TextEdit], encoding: Encoding = "utf-16") -> str:
    """Apply LSP edits (positions in ``encoding``), last first."""

    def offset(p: types.Position) -> int:
        lines = text.split("\n")
        base = sum(len(line) + 1 for line in lines[: p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        for i in range(len(line) + 1):
            if units(line[:i], encoding) >= p.character:
                return base + i
        return base + len(line)

    spans = sorted((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits)
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def sizes(text: str) -> dict[str, int]:
    """Distinct sizes for the dimension symbols of a document."""
    model = analyze(text)
    return {d: 3 + i for i, d in enumerate(sorted(model.dimensions))}


def values(text: str, seed: int = 0) -> dict[str, Any]:
    """Random NumPy values for the declared variables (and ints for the dimensions)."""
    model = analyze(text)
    rng = np.random.default_rng(seed)
    dims = sizes(text)
    env: dict[str, Any] = dict(dims)
    for var in model.variables:
        assert var.shape is not None
        r, c = var.shape.rows.value(dims), var.shape.cols.value(dims)
        if var.shape.is_scalar:
            env[var.name] = float(rng.normal())
        elif var.shape.is_column:
            env[var.name] = rng.normal(size=r)
        else:
            env[var.name] = rng.normal(size=(r, c))
    return env


def evaluate(code: str, env: dict[str, Any]) -> Any:
    return eval(code, {"np": np, **env})


def evaluate_definition(text: str, name: str, env: dict[str, Any]) -> Any:
    """Re-analyse ``text`` (it must be clean) and evaluate definition ``name``."""
    model = analyze(text)
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    return evaluate(to_numpy(Lowering(model).definition(name)), env)
