"""The server's converter writes positions and ranges by hand: the JSON must be pygls's."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.protocol import default_converter

from matdiff.features import diagnostics, hover, outline
from matdiff.features.snapshot import Snapshot
from matdiff.lsp.protocol import converter

DOC = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\nr = W*x + y\n"

ours, theirs = converter(), default_converter()  # type: ignore[no-untyped-call]
uint = st.integers(0, 2**31 - 1)
positions = st.builds(types.Position, line=uint, character=uint)
ranges = st.builds(types.Range, start=positions, end=positions)


def same(value: Any, as_type: Any = None) -> None:
    kwargs = {} if as_type is None else {"unstructure_as": as_type}
    assert ours.unstructure(value, **kwargs) == theirs.unstructure(value, **kwargs)


@given(ranges)
def test_positions_and_ranges(value: types.Range) -> None:
    same(value)
    same(value.start)
    same(types.Location(uri="file:///a", range=value))


def test_feature_answers_as_responses() -> None:
    snap = Snapshot.of("file:///a.matdiff", DOC)
    symbols = outline.document_symbols(snap)
    view = types.Range(start=types.Position(line=0, character=0),
                       end=types.Position(line=9, character=0))  # fmt: skip
    hints = outline.inlay_hints(snap, view)
    shown = hover.hover(snap, types.Position(line=1, character=1))
    found = diagnostics.diagnostics(snap)
    assert symbols and hints and shown and found
    same(types.DocumentSymbolResponse(id=1, result=symbols))
    same(types.InlayHintResponse(id=2, result=hints))
    same(types.HoverResponse(id=3, result=shown))
    same(types.PublishDiagnosticsNotification(
        params=types.PublishDiagnosticsParams(uri=snap.uri, diagnostics=found)))  # fmt: skip
