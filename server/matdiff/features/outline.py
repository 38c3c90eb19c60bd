"""Inlay hints (the shape after each defined name) and document symbols (the outline)."""

from __future__ import annotations

from lsprotocol import types

from matdiff.analysis.model import Symbol
from matdiff.features.snapshot import Snapshot
from matdiff.syntax import ast


def inlay_hints(snap: Snapshot, range_: types.Range) -> list[types.InlayHint]:
    """``r: m×1 = A*x``: the shape of each definition, right after its name."""
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
        out.append(
            types.InlayHint(
                position=at,
                label=f": {sym.shape}",
                kind=types.InlayHintKind.Type,
                tooltip=sym.describe(),
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
    for statement in snap.model.document.statements:
        if isinstance(statement, ast.Declaration):
            names = list(statement.names)
        elif isinstance(statement, ast.Definition):
            names = [statement.name]
        else:
            names = list(statement.defines)
        for name in names:
            sym = snap.model.symbols.get(name.id)
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
    return out
