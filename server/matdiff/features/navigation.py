"""Go to definition, references and rename.

Occurrences of a name are the names of the syntax tree; a statement that does not parse is
searched as text (whole identifiers outside comments), so a rename never leaves a stale name
in a statement that is being edited.
"""

from __future__ import annotations

import re

from lsprotocol import types

from matdiff.analysis.model import Symbol
from matdiff.base import language, names
from matdiff.base.spans import Span
from matdiff.features.nodes import name_at, names_in
from matdiff.features.snapshot import Snapshot
from matdiff.syntax import ast

IDENTIFIER = names.NAME


class Refused(Exception):  # noqa: N818 — reads as "raise Refused(why)"
    """A request that cannot be done, with the reason to show the user."""


def symbol_at(snap: Snapshot, position: types.Position) -> tuple[ast.Name, Symbol | None] | None:
    if snap.python_function:
        return None
    located = snap.statement_at(snap.offset(position))
    if located is None:
        return None
    statement, offset = located
    name = name_at(statement, offset)
    if name is None and isinstance(statement, ast.Declaration):
        words = (statement.type.kind, *statement.properties)
        name = next((n for n in words if _touches(n.span, offset)), None)
    if name is None and isinstance(statement, ast.Broken):
        name = next((n for n in _broken_names(snap, statement) if _touches(n.span, offset)), None)
    if name is None:
        return None
    return name, snap.model.symbols.get(name.id)


def _touches(span: Span, offset: int) -> bool:
    return span.start <= offset <= span.end


def _broken_names(snap: Snapshot, statement: ast.Broken) -> list[ast.Name]:
    text = snap.model.source(statement.span)
    code = re.sub(r"#[^\r\n]*", lambda m: " " * len(m.group()), text)
    frame = statement.span.frame
    return [
        ast.Name(
            Span(m.start(), m.end(), frame).shift(statement.span.start), names.normal(m.group())
        )
        for m in IDENTIFIER.finditer(code)
        if not (m.start() > 0 and code[m.start() - 1].isdigit())
    ]


def occurrences(snap: Snapshot, name: str) -> list[Span]:
    """Every span where ``name`` is written, in document order."""
    out: list[Span] = []
    for statement in snap.model.document.statements:
        if isinstance(statement, ast.Broken):
            out.extend(n.span for n in _broken_names(snap, statement) if n.id == name)
        else:
            out.extend(n.span for n in names_in(statement) if n.id == name)
    return out


def definition(snap: Snapshot, position: types.Position) -> types.Location | None:
    found = symbol_at(snap, position)
    if found is None or found[1] is None:
        return None
    return snap.location(found[1].span)


def references(
    snap: Snapshot, position: types.Position, include_declaration: bool
) -> list[types.Location] | None:
    found = symbol_at(snap, position)
    if found is None or found[1] is None:
        return None
    sym = found[1]
    return [
        snap.location(span)
        for span in occurrences(snap, sym.name)
        if include_declaration or span != sym.span
    ]


def prepare_rename(
    snap: Snapshot, position: types.Position
) -> types.PrepareRenamePlaceholder | None:
    found = symbol_at(snap, position)
    if found is None:
        return None
    name, sym = found
    if sym is None:
        if name.id in language.RESERVED:
            raise Refused(f"'{name.id}' is built into the language and cannot be renamed")
        raise Refused(f"'{name.id}' is not declared or defined in this document")
    return types.PrepareRenamePlaceholder(range=snap.range(name.span), placeholder=name.id)


def check_new_name(snap: Snapshot, old: str, new: str) -> None:
    """Raise :class:`Refused` unless ``new`` can replace ``old`` everywhere."""
    if not IDENTIFIER.fullmatch(new):
        raise Refused(f"'{new}' is not a name (letters, digits and _, not starting with a digit)")
    new = names.normal(new)
    if new in language.RESERVED:
        raise Refused(f"'{new}' is reserved by the language and cannot name a variable")
    if new != old and new in snap.model.symbols:
        other = snap.model.symbols[new]
        raise Refused(f"'{new}' is already taken: {other.describe()}")


def rename(snap: Snapshot, position: types.Position, new_name: str) -> types.WorkspaceEdit | None:
    found = symbol_at(snap, position)
    if found is None:
        return None
    sym = found[1]
    if sym is None:
        prepare_rename(snap, position)  # raises with the reason
        return None
    check_new_name(snap, sym.name, new_name)
    edits = [
        types.TextEdit(range=snap.range(span), new_text=new_name)
        for span in occurrences(snap, sym.name)
    ]
    return types.WorkspaceEdit(changes={snap.uri: edits})
