"""Inlay hints (the shape after each defined name) and document symbols (the outline)."""

from __future__ import annotations

from lsprotocol import types

from matdiff.analysis.model import Symbol
from matdiff.base import caches
from matdiff.base.caches import Table
from matdiff.features.snapshot import Snapshot
from matdiff.syntax import ast


def inlay_hints(snap: Snapshot, range_: types.Range) -> list[types.InlayHint]:
    """``r: m×1 = A*x``: the shape of each definition, right after its name (``r: (m,)`` in
    a Python function, as :meth:`Snapshot.shape_text` writes it)."""
    start = (range_.start.line, range_.start.character)
    end = (range_.end.line, range_.end.character)
    out: list[types.InlayHint] = []
    statements = snap.model.document.statements
    if snap.host is None:  # (a host position may lie outside the block: no offset)
        statements = tuple(
            snap.model.statements_between(snap.offset(range_.start), snap.offset(range_.end))
        )
    for statement in statements:
        if not isinstance(statement, ast.Definition):
            continue
        name = statement.name
        at = snap.range(name.span).end  # compared as positions: right in a host file too
        if not (start <= (at.line, at.character) <= end):
            continue
        sym = snap.model.symbols.get(name.id)
        if sym is None or sym.span != name.span or sym.shape is None:
            continue
        if snap.python_function and statement is snap.model.document.statements[-1]:
            continue  # a Python function's value: its name is in the def, no hint there
        out.append(
            types.InlayHint(
                position=at,
                label=f": {snap.shape_text(sym.shape)}",
                kind=types.InlayHintKind.Type,
                tooltip=snap.describe(sym),
                padding_left=False,
                padding_right=True,
            )
        )
    return out


def _detail(sym: Symbol) -> str:
    shape = "unknown shape" if sym.shape is None else str(sym.shape)
    props = "".join(f" {p}" for p in sorted(sym.properties))
    return f"{'const ' if sym.const else ''}{shape}{props}"


def document_symbols(snap: Snapshot) -> list[types.DocumentSymbol]:
    """Every declared and defined name, in document order, with its shape as detail."""
    out: list[types.DocumentSymbol] = []
    if snap.python_function:
        return out  # Python's own outline has the function and its names
    model = snap.model
    for statement, start in zip(model.document.statements, model.starts, strict=True):
        out.extend(_statement_symbols(snap, statement, start))
    return out


# by frame: where the statement starts and ends (encoding, lines, columns: a statement's
# text blanks its inner newlines, so the same text may break its lines elsewhere), the
# symbols of its names, and its outline entries; a statement that did not move or change
# keeps them
_Key = tuple[str, tuple[int, int], tuple[int, int], tuple[Symbol | None, ...]]
_OUTLINE: Table[int, tuple[_Key, list[types.DocumentSymbol]]] = Table(
    "features.outline", 20_000, per_statement=True
)


def _statement_symbols(
    snap: Snapshot, statement: ast.Statement, start: int
) -> list[types.DocumentSymbol]:
    if isinstance(statement, ast.Declaration):
        names = list(statement.names)
    elif isinstance(statement, ast.Definition):
        names = [statement.name]
    else:
        names = list(statement.defines)
    symbols = tuple(snap.model.symbols.get(name.id) for name in names)
    key: _Key | None = None
    if snap.host is None:  # (in a host file, the block's place in it matters too)
        end = snap.line_col(start + statement.span.end)
        key = (snap.encoding, snap.line_col(start), end, symbols)
        cached = caches.active()[_OUTLINE].get(statement.span.frame)
        if cached is not None and cached[0] == key:
            return cached[1]
    out: list[types.DocumentSymbol] = []
    for name, sym in zip(names, symbols, strict=True):
        if sym is None or sym.span != name.span:
            continue  # a redeclaration: reported, not a symbol of its own
        if sym.kind == "variable":
            kind = types.SymbolKind.Constant if sym.const else types.SymbolKind.Variable
        else:
            kind = types.SymbolKind.Function
        out.append(
            types.DocumentSymbol(
                name=name.id,
                detail=_detail(sym),
                kind=kind,
                range=snap.range(statement.span),
                selection_range=snap.range(name.span),
            )
        )
    if key is not None:
        caches.active()[_OUTLINE].put(statement.span.frame, (key, out))
    return out
