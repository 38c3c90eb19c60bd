"""Semantic tokens (full document).

The legend uses standard LSP token types, so every theme colours them, and custom
modifiers for the shape:

=====================  ==================  =============================================
what                   token type          modifiers
=====================  ==================  =============================================
declared variable      ``parameter``       ``scalar``/``vector``/``matrix``; ``declaration``
                                           where declared; ``readonly`` if ``const``
defined name           ``variable``        ``scalar``/``vector``/``matrix``; ``definition``
                                           on the left of ``=``
dimension symbol       ``typeParameter``   ``declaration`` at its first use
built-in function, I   ``function``        ``defaultLibrary``
scalar/vector/matrix   ``type``            ``defaultLibrary``
property, ``const``    ``keyword``         (none)
number                 ``number``          (none)
=====================  ==================  =============================================

(A row vector counts as ``vector``.)  Positions and lengths go through the snapshot, in the
negotiated encoding.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lsprotocol import types

from matdiff.analysis.model import Symbol
from matdiff.base import language
from matdiff.base.lru import Lru
from matdiff.base.spans import Span
from matdiff.features.nodes import names_in
from matdiff.features.snapshot import Snapshot
from matdiff.syntax import ast

TOKEN_TYPES = ["parameter", "variable", "typeParameter", "function", "type", "keyword", "number"]
TOKEN_MODIFIERS = [
    "declaration",
    "definition",
    "readonly",
    "defaultLibrary",
    "scalar",
    "vector",
    "matrix",
]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_TYPE = {t: i for i, t in enumerate(TOKEN_TYPES)}
_MOD = {m: 1 << i for i, m in enumerate(TOKEN_MODIFIERS)}
_CONST = re.compile(r"\s*const\b")


def classify(snap: Snapshot, statement: ast.Statement) -> list[tuple[Span, str, frozenset[str]]]:
    """(span, token type, modifiers) for the names, keywords and numbers of ``statement``."""
    out: list[tuple[Span, str, frozenset[str]]] = []
    if isinstance(statement, ast.Declaration):
        if statement.const and (m := _CONST.match(snap.model.source(statement.span))):
            const = Span(m.end() - 5, m.end(), statement.span.frame).shift(statement.span.start)
            out.append((const, "keyword", frozenset()))
        out.append((statement.type.kind.span, "type", frozenset({"defaultLibrary"})))
        out.extend((p.span, "keyword", frozenset()) for p in statement.properties)
        out.extend(
            (d.span, "number", frozenset())
            for d in statement.type.dims or ()
            if isinstance(d, ast.Number)
        )
    elif isinstance(statement, ast.Definition):
        out.extend(
            (n.span, "number", frozenset())
            for n in ast.walk(statement.value)
            if isinstance(n, ast.Number)
        )
    skip = set()
    if isinstance(statement, ast.Declaration):
        skip = {id(statement.type.kind), *map(id, statement.properties)}
    for name in names_in(statement):
        if id(name) in skip:
            continue
        token = _name_token(snap, name)
        if token is not None:
            out.append((name.span, *token))
    return sorted(out, key=lambda t: t[0].start)


def _name_token(snap: Snapshot, name: ast.Name) -> tuple[str, frozenset[str]] | None:
    sym = snap.model.symbols.get(name.id)
    if sym is None:
        if name.id in language.FUNCTIONS or name.id == "I":
            return "function", frozenset({"defaultLibrary"})
        return None
    mods: set[str] = set()
    if sym.kind == "dimension":
        if name.span == sym.span:
            mods.add("declaration")
        return "typeParameter", frozenset(mods)
    if sym.shape is not None:
        kind = sym.shape.kind()
        mods.add("vector" if kind == "row vector" else kind)
    if sym.kind == "variable":
        if name.span == sym.span or _inside(name.span, sym.statement):
            mods.add("declaration")
        if sym.const:
            mods.add("readonly")
        return "parameter", frozenset(mods)
    if name.span == sym.span:
        mods.add("definition")
    return "variable", frozenset(mods)


def _inside(span: Span, statement: Span) -> bool:
    return span.frame == statement.frame and statement.start <= span.start < statement.end


def semantic_tokens(snap: Snapshot) -> types.SemanticTokens:
    data: list[int] = []
    prev_line = prev_char = 0
    model = snap.model
    for statement, start in zip(model.document.statements, model.starts, strict=True):
        place = _placer(snap, statement, start)
        for token_start, token_end, kind, bits in _tokens(snap, statement):
            (line, char), (end_line, end_char) = place(token_start), place(token_end)
            if line != end_line:
                continue
            delta_line = line - prev_line
            delta_char = char - (prev_char if delta_line == 0 else 0)
            data.extend([delta_line, delta_char, end_char - char, kind, bits])
            prev_line, prev_char = line, char
    return types.SemanticTokens(data=data)


_Tokens = list[tuple[int, int, int, int]]  # start, end (in the statement), type, modifier bits
# by frame: the names a statement's tokens depend on, their symbols, the tokens
_CLASSIFIED: Lru[int, tuple[tuple[str, ...], tuple[Symbol | None, ...], _Tokens]] = Lru(20_000)


def _tokens(snap: Snapshot, statement: ast.Statement) -> _Tokens:
    """``classify``, encoded; kept for a statement while the symbols of its names are the
    same objects (they are, until an edit changes what they say)."""
    frame = statement.span.frame
    cached = _CLASSIFIED.get(frame)
    if cached is not None:
        names, symbols, tokens = cached
        if tuple(map(snap.model.symbols.get, names)) == symbols:
            return tokens
    tokens = [
        (span.start, span.end, _TYPE[kind], sum(_MOD[m] for m in mods))
        for span, kind, mods in classify(snap, statement)
    ]
    names = tuple({n.id: None for n in names_in(statement)})
    _CLASSIFIED.put(frame, (names, tuple(map(snap.model.symbols.get, names)), tokens))
    return tokens


def _placer(
    snap: Snapshot, statement: ast.Statement, start: int
) -> Callable[[int], tuple[int, int]]:
    """Offsets in ``statement`` → client (line, column); one conversion for a statement on
    one line of ASCII (every unit is a character there)."""
    source = snap.text[start : start + statement.span.end]
    if snap.host is None and "\n" not in source and source.isascii():
        line, col = snap.line_col(start)
        return lambda offset: (line, col + offset)
    return lambda offset: snap.line_col(start + offset)


def decode(snap: Snapshot, data: list[int] | tuple[int, ...]) -> list[tuple[str, str, set[str]]]:
    """``data`` back to (text, token type, modifiers), for tests and debugging."""
    out: list[tuple[str, str, set[str]]] = []
    line = char = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, bits = data[i : i + 5]
        line, char = line + dl, (char + dc if dl == 0 else dc)
        start = snap.offset(types.Position(line=line, character=char))
        end = snap.offset(types.Position(line=line, character=char + length))
        mods = {m for m, bit in _MOD.items() if bits & bit}
        out.append((snap.text[start:end], TOKEN_TYPES[kind], mods))
    return out
