"""Every feature reads a document whose lines end in ``\\r\\n`` or a lone ``\\r`` (both LSP line
breaks) as it reads the same lines ending in ``\\n``: same positions everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types

from matdiff.features import (
    completion,
    diagnostics,
    formatting,
    hover,
    navigation,
    outline,
    tokens,
)
from matdiff.features.snapshot import Snapshot

LINES = [
    "# a comment, then a page break",
    "\f",
    "A : matrix(n, n)  # c",
    "x : vector(n)",
    "f = (x'*A",
    "  *x)",
    "g = f + q",
    "",
]
VIEW = types.Range(start=types.Position(line=0, character=0),
                   end=types.Position(line=99, character=0))  # fmt: skip


def features(snap: Snapshot) -> dict[str, Any]:
    at = types.Position
    return {
        "diagnostics": [(d.range, d.message) for d in diagnostics.diagnostics(snap)],
        "references": navigation.references(snap, at(line=3, character=0), True),
        "definition": navigation.definition(snap, at(line=6, character=4)),
        "tokens": tokens.semantic_tokens(snap).data,
        "symbols": outline.document_symbols(snap),
        "hints": outline.inlay_hints(snap, VIEW),
        "hover": hover.hover(snap, at(line=4, character=0)),
        "completion": completion.completion(snap, at(line=6, character=4)),
    }


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_a_document_reads_the_same_with_each_line_break(newline: str) -> None:
    want = features(Snapshot.of("file:///a.matdiff", "\n".join(LINES)))
    got = features(Snapshot.of("file:///a.matdiff", newline.join(LINES)))
    assert want["diagnostics"] and want["references"] and want["hover"]  # not vacuous
    assert [r.range.start.line for r in want["references"]] == [3, 4, 5]
    for name in want:
        assert got[name] == want[name], name


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_formatting_keeps_the_documents_line_breaks(newline: str) -> None:
    (edit,) = formatting.formatting(Snapshot.of("file:///a.matdiff", newline.join(LINES)))
    (want,) = formatting.formatting(Snapshot.of("file:///a.matdiff", "\n".join(LINES)))
    assert edit.new_text == want.new_text.replace("\n", newline)
    assert edit.range.end == types.Position(line=len(LINES) - 1, character=0)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
@pytest.mark.parametrize("kind", ["python", "markdown"])
def test_embedded_blocks_with_each_line_break(newline: str, kind: str) -> None:
    block = ["A : matrix(n, n)", "x : vector(n)", "f = x'*A*q"]
    if kind == "python":
        host = ["import os", "\f", *(f"# matdiff: {line}" for line in block), "SEP = os.sep", ""]
    else:
        host = ["# Title", "", "```matdiff", *block, "```", ""]

    def found(text: str) -> list[tuple[types.Range, str]]:
        snaps = Snapshot.of_host("file:///host", text, kind)  # type: ignore[arg-type]
        return [(d.range, d.message) for s in snaps for d in diagnostics.diagnostics(s)]

    want = found("\n".join(host))
    assert len(want) == 1 and want[0][0].start.line == host.index(
        next(line for line in host if line.endswith("f = x'*A*q"))
    )
    assert found(newline.join(host)) == want
