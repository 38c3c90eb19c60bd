"""Completion and signature help.

Completion reads what precedes the cursor on its statement, so it works while the statement
is still unfinished (and so does not parse):

- after ``name :`` in a declaration: the types; after the type, the properties; inside
  ``vector(`` / ``matrix(``: the dimension symbols;
- on the right of ``name =``: the names defined before this statement (detail: the shape),
  the built-in functions (detail: the signature) and ``I``; inside ``eye(`` / ``ones(`` /
  ``zeros(``: the dimension symbols;
- at the start of a statement: ``const``.

Signature help finds the innermost unclosed call before the cursor and counts its
top-level commas for the active parameter.
"""

from __future__ import annotations

import re

from lsprotocol import types

from matdiff.analysis.model import Symbol
from matdiff.base import language, names
from matdiff.features.snapshot import Snapshot

TRIGGER_CHARACTERS = [":", "(", ","]
SIGNATURE_TRIGGERS = ["(", ","]
SIGNATURE_RETRIGGERS = [","]

_N = names.PATTERN
_DECLARATION = re.compile(rf"^\s*(?:const\s+)?{_N}(?:\s*,\s*{_N})*\s*:(?P<rest>.*)$", re.S)
_DEFINITION = re.compile(rf"^\s*{_N}\s*=(?!=)", re.S)
_CALL_OPEN = re.compile(rf"({_N})\s*$")
_PARTIAL = re.compile(rf"\s*(?:{_N})?")  # blank, or a name being typed


def _prefix(snap: Snapshot, offset: int) -> tuple[int, str]:
    """Where the current statement starts, and its text up to ``offset`` without comments."""
    located = snap.statement_at(offset)
    line_start = snap.model.line_index.line_start(snap.model.line_index.line_col(offset)[0])
    start = line_start
    if located is not None and offset - located[1] <= line_start:
        start = offset - located[1] + located[0].span.start
    text = snap.text[start:offset]
    text = re.sub(r"#[^\r\n]*", "", text)
    return start, text.rsplit(";", 1)[-1]


def open_call(prefix: str) -> tuple[str, int] | None:
    """The function of the innermost unclosed ``name(`` in ``prefix`` and the index of the
    argument being written (top-level commas before the cursor)."""
    depth = 0
    commas = 0
    for i in range(len(prefix) - 1, -1, -1):
        ch = prefix[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                m = _CALL_OPEN.search(prefix[:i])
                return (m.group(1), commas) if m else None
            depth -= 1
        elif ch == "," and depth == 0:
            commas += 1
    return None


def _shape_detail(sym: Symbol) -> str:
    if sym.kind == "dimension":
        return "dimension"
    if sym.kind == "function":
        return sym.describe()
    shape = "unknown shape" if sym.shape is None else str(sym.shape)
    props = "".join(f" {p}" for p in sorted(sym.properties))
    return f"{'const ' if sym.const else ''}{shape}{props}"


def _symbol_item(sym: Symbol) -> types.CompletionItem:
    kind = {
        "variable": types.CompletionItemKind.Constant
        if sym.const
        else types.CompletionItemKind.Variable,
        "definition": types.CompletionItemKind.Field,
        "dimension": types.CompletionItemKind.TypeParameter,
        "function": types.CompletionItemKind.Function,
    }[sym.kind]
    return types.CompletionItem(
        label=sym.name, kind=kind, detail=_shape_detail(sym), sort_text=f"0{sym.name}"
    )


def _function_items() -> list[types.CompletionItem]:
    out = [
        types.CompletionItem(
            label=f.name,
            kind=types.CompletionItemKind.Function,
            detail=f.signature,
            documentation=f.doc,
            sort_text=f"1{f.name}",
        )
        for f in language.FUNCTIONS.values()
    ]
    out.append(
        types.CompletionItem(
            label="I",
            kind=types.CompletionItemKind.Constant,
            detail="identity matrix",
            documentation="the identity; its size is inferred from context",
            sort_text="1I",
        )
    )
    return out


def _keywords(words: tuple[str, ...], kind: types.CompletionItemKind) -> list[types.CompletionItem]:
    return [types.CompletionItem(label=w, kind=kind, sort_text=f"2{w}") for w in words]


def _dimensions(snap: Snapshot) -> list[types.CompletionItem]:
    return [_symbol_item(s) for s in snap.model.symbols.values() if s.kind == "dimension"]


def completion(snap: Snapshot, position: types.Position) -> types.CompletionList:
    if snap.python_function:
        return types.CompletionList(is_incomplete=False, items=[])
    offset = snap.offset(position)
    start, prefix = _prefix(snap, offset)
    items: list[types.CompletionItem] = []
    call = open_call(prefix)
    if (m := _DECLARATION.match(prefix)) is not None:
        rest = m.group("rest")
        if call is not None and call[0] in ("vector", "matrix"):
            items = _dimensions(snap)
        elif not rest.strip() or _PARTIAL.fullmatch(rest):
            items = _keywords(
                (*language.TYPES, *language.FUNCTION_TYPES), types.CompletionItemKind.Class
            )
        else:
            items = _keywords(language.PROPERTIES, types.CompletionItemKind.Keyword)
    elif _DEFINITION.match(prefix):
        if call is not None and call[0] in language.SIZED:
            items = _dimensions(snap)
        else:
            items = [
                _symbol_item(s)
                for s in snap.model.symbols.values()
                if s.kind != "dimension" and snap.model.absolute(s.statement).end <= start
            ]
            items.extend(_function_items())
    elif _PARTIAL.fullmatch(prefix):
        items = _keywords(("const",), types.CompletionItemKind.Keyword)
    return types.CompletionList(is_incomplete=False, items=items)


def signature_help(snap: Snapshot, position: types.Position) -> types.SignatureHelp | None:
    if snap.python_function:
        return None
    call = open_call(_prefix(snap, snap.offset(position))[1])
    if call is None or call[0] not in language.FUNCTIONS:
        return None
    func = language.FUNCTIONS[call[0]]
    label = func.signature
    params: list[types.ParameterInformation] = []
    at = len(func.name) + 1
    for p in func.params:  # labels are ASCII: offsets are the same in every encoding
        params.append(types.ParameterInformation(label=(at, at + len(p))))
        at += len(p) + 2
    active = min(call[1], max(len(func.params) - 1, 0))
    signature = types.SignatureInformation(
        label=label, documentation=func.doc, parameters=params, active_parameter=active
    )
    return types.SignatureHelp(signatures=[signature], active_signature=0, active_parameter=active)
