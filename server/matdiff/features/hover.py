"""Hover: a name's kind and shape; a sub-expression's shape; a definition's derivatives by
each variable it depends on, in both layouts, with NumPy, the numeric check and the steps."""

from __future__ import annotations

import re

from lsprotocol import types

from matdiff.base.errors import MatdiffError
from matdiff.engine.numpy_emit import to_numpy
from matdiff.engine.printer import to_text
from matdiff.features import pyfunctions
from matdiff.features.nodes import innermost, name_at
from matdiff.features.snapshot import Snapshot
from matdiff.services.derivatives import EDITOR_SECONDS, Derivation, cached_derivation
from matdiff.syntax import ast


def hover(snap: Snapshot, position: types.Position) -> types.Hover | None:
    function = pyfunctions.function_of(snap)
    if function is not None and pyfunctions.on_name(snap, function, position):
        return pyfunctions.hover(snap, function, position)
    located = snap.statement_at(snap.offset(position))
    if located is None:
        return None
    statement, offset = located
    name = name_at(statement, offset)
    if isinstance(statement, ast.Definition) and name is statement.name:
        sym = snap.model.symbols.get(name.id)
        if sym is None or sym.statement != statement.span:
            return None  # a rejected definition (a reserved name, a redefinition)
        return _content(snap, definition_hover(snap, statement.name.id), name)
    if name is not None and name.id in snap.model.symbols:
        return _content(snap, [_symbol_line(snap, name.id)], name)
    if isinstance(statement, ast.Definition):
        node = innermost(statement.value, offset)
        if node is not None:
            shape = snap.model.shape(node.span)
            if shape is not None:
                what = "call" if isinstance(node, ast.Call) else "expression"
                src = " ".join(snap.model.source(node.span).split())
                return _content(
                    snap, [f"**{_clip(src)}** — {what} of shape {snap.shape_text(shape)}"], node
                )
    if name is not None:
        return None
    return None


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _symbol_line(snap: Snapshot, name: str) -> str:
    sym = snap.model.symbols[name]
    line = snap.line_number(snap.model.position(sym))
    where = (
        "first used"
        if sym.kind == "dimension"
        else ("declared" if sym.kind in ("variable", "function") else "defined")
    )
    return f"**{name}** — {snap.describe(sym)} ({where} on line {line})"


def definition_hover(snap: Snapshot, name: str) -> list[str]:
    """The hover text of a definition, as markdown blocks."""
    sym = snap.model.symbols[name]
    blocks = [_symbol_line(snap, name)]
    if sym.shape is None:
        return blocks
    variables = snap.model.depends_on(name)
    for k, var in enumerate(variables):
        blocks.extend(_by_variable(snap, name, var.name, with_steps=k == 0))
    for dep in snap.model.intermediates(name):  # by an intermediate, held as a variable:
        blocks.extend(_by_variable(snap, name, dep.name, False, intermediate=True))  # its lines
    if len(variables) > 1 and snap.settings.steps_on_hover:
        blocks.append(
            f"_Steps are shown for {variables[0].name}; for the others use the code action "
            f"“Insert derivation of {name} by … as comments”._"
        )
    return blocks


def _by_variable(
    snap: Snapshot, of: str, wrt: str, with_steps: bool = True, intermediate: bool = False
) -> list[str]:
    """The derivatives by one variable; the derivation steps too for the first one (they
    are long, and the slowest part of a hover).  By an ``intermediate`` (a definition held
    as a variable), only the derivatives' lines."""
    settings = snap.settings
    sym = snap.model.symbols[of]
    var = snap.model.symbols[wrt]
    assert sym.shape is not None and var.shape is not None
    kinds: list[str] = []
    if sym.shape.is_scalar and settings.layout in ("gradient", "both"):
        kinds.append("gradient")
    if settings.layout in ("numerator", "both") or not sym.shape.is_scalar:
        kinds.append("numerator")
    held = " — an intermediate, held as a variable" if intermediate else ""
    blocks = [f"**by {wrt}** {snap.aside(var.shape, held)}"]
    first: Derivation | None = None
    for kind in kinds:
        try:
            d = cached_derivation(snap.model, of, wrt, kind)  # type: ignore[arg-type]
        except MatdiffError as exc:
            blocks.append(f"- {kind}: {snap.places(exc.message)}")
            continue
        first = first or d
        label = {
            "gradient": f"gradient ∇_{wrt} {of}",
            "numerator": f"numerator layout ∂{of}/∂{wrt}",
        }[kind]
        blocks.append(f"- {label} {snap.aside(d.result.shape)}: `{to_text(d.result)}`")
    if first is None or intermediate:
        return blocks
    blocks.append(f"```python\n{to_numpy(first.result)}\n```")
    if settings.numeric_check:
        blocks.append(
            "✓ checked numerically" if first.verified() else "⚠ not confirmed numerically"
        )
    if settings.steps_on_hover and with_steps:
        try:
            steps = first.steps(EDITOR_SECONDS)
        except Exception:  # noqa: BLE001 — steps are a courtesy; the result stands
            steps = []
        if steps:
            blocks.append("```text\n" + "\n".join(steps) + "\n```")
    return blocks


def _content(snap: Snapshot, blocks: list[str], node: ast.Expr | ast.Name) -> types.Hover:
    value = "\n\n".join(blocks)
    kind = types.MarkupKind.Markdown
    if not snap.settings.markdown:
        kind = types.MarkupKind.PlainText
        value = re.sub(r"(?m)^```[a-z]*\n?", "", value).replace("**", "").replace("`", "")
        value = re.sub(r"(?m)^_(.*)_$", r"\1", value)  # an emphasised note
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=value), range=snap.range(node.span)
    )
