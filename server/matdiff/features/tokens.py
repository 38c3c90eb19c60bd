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

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types

from matdiff.analysis.model import Symbol, find_declared
from matdiff.base import caches, language
from matdiff.base.caches import Table
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
        if find_declared(snap.model.symbols.get, name.id) is not None:  # d_σ, grad_l
            return "function", frozenset()
        return None
    mods: set[str] = set()
    if sym.kind == "function":  # σ : elementwise, l : function(vector(m))
        return "function", frozenset({"declaration"} if name.span == sym.span else ())
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
    model = snap.model
    return types.SemanticTokens(data=_encode(snap, model.document.statements, model.starts))


def semantic_tokens_range(snap: Snapshot, range_: types.Range) -> types.SemanticTokens:
    """The tokens of the statements that meet ``range_`` (what an editor shows first)."""
    model = snap.model
    found = model.statements_between(snap.offset(range_.start), snap.offset(range_.end))
    starts = [model.bases[s.span.frame] for s in found]
    return types.SemanticTokens(data=_encode(snap, found, starts))


def edits(before: Sequence[int], after: Sequence[int]) -> list[types.SemanticTokensEdit]:
    """One edit that turns token data ``before`` into ``after`` (none if they are equal):
    what lies between their longest common prefix and suffix, in whole tokens.  An edit to
    one line changes the tokens of that line and, at most, the delta of the next token."""
    n = min(len(before), len(after))
    head = 0
    step = 5 * 512
    while head + step <= n and before[head : head + step] == after[head : head + step]:
        head += step
    while head < n and before[head] == after[head]:
        head += 1
    head -= head % 5
    tail, b, a = 0, len(before), len(after)
    while (
        tail + step <= n - head
        and before[b - tail - step : b - tail] == after[a - tail - step : a - tail]
    ):
        tail += step
    while tail < n - head and before[b - 1 - tail] == after[a - 1 - tail]:
        tail += 1
    tail -= tail % 5
    if head == b == a:
        return []
    data = list(after[head : a - tail])
    return [types.SemanticTokensEdit(start=head, delete_count=b - head - tail, data=data)]


def _encode(
    snap: Snapshot, statements: Sequence[ast.Statement], starts: Sequence[int]
) -> list[int]:
    data: list[int] = []
    prev_line = prev_char = 0
    for statement, start in zip(statements, starts, strict=True):
        classified = _classified(snap, statement)
        if not classified.tokens:
            continue
        source = snap.text[start : start + statement.span.end]
        if snap.host is None and source.isascii() and "\n" not in source and "\r" not in source:
            # one line of ASCII: every unit a character, so only the first token moves
            line, col = snap.line_col(start)
            first, length, kind, bits = classified.tokens[0][0], *classified.first
            delta_line = line - prev_line
            delta_char = col + first - (prev_char if delta_line == 0 else 0)
            data.extend((delta_line, delta_char, length, kind, bits))
            data.extend(classified.rest)
            prev_line, prev_char = line, col + classified.tokens[-1][0]
            continue
        for token_start, token_end, kind, bits in classified.tokens:
            line, char = snap.line_col(start + token_start)
            end_line, end_char = snap.line_col(start + token_end)
            if line != end_line:
                continue
            delta_line = line - prev_line
            delta_char = char - (prev_char if delta_line == 0 else 0)
            data.extend((delta_line, delta_char, end_char - char, kind, bits))
            prev_line, prev_char = line, char
    return data


@dataclass(frozen=True, slots=True)
class _Classified:
    """A statement's tokens, as (start, end, type, modifier bits) in the statement, and the
    names whose symbols they depend on."""

    names: tuple[str, ...]
    symbols: tuple[Symbol | None, ...]
    tokens: list[tuple[int, int, int, int]]
    first: tuple[int, int, int]  # the first token's length, type, bits
    rest: list[int]  # the encoded tokens after the first, were the statement one ASCII line


# by frame; kept while the symbols of its names are the same objects (they are, until an
# edit changes what they say)
_CLASSIFIED: Table[int, _Classified] = Table("features.tokens", 20_000, per_statement=True)


def _classified(snap: Snapshot, statement: ast.Statement) -> _Classified:
    frame = statement.span.frame
    cached = caches.active()[_CLASSIFIED].get(frame)
    if cached is not None and tuple(map(snap.model.symbols.get, cached.names)) == cached.symbols:
        return cached
    tokens = [
        (span.start, span.end, _TYPE[kind], sum(_MOD[m] for m in mods))
        for span, kind, mods in classify(snap, statement)
    ]
    rest: list[int] = []
    for (before, _, _, _), (start, end, kind, bits) in itertools.pairwise(tokens):
        rest.extend((0, start - before, end - start, kind, bits))
    first = (tokens[0][1] - tokens[0][0], tokens[0][2], tokens[0][3]) if tokens else (0, 0, 0)
    names = tuple({n.id: None for n in names_in(statement)})
    symbols = tuple(map(snap.model.symbols.get, names))
    got = _Classified(names, symbols, tokens, first, rest)
    caches.active()[_CLASSIFIED].put(frame, got)
    return got


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
