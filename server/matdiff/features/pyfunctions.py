"""Hover and code actions on annotated Python functions (LANGUAGE.md §10): the hover on the
function's name shows its gradient by each array parameter, as math and as code in the
function's own framework; the code actions insert ``def <name>_grad(…)`` and
``def <name>_value_and_grad(…)`` in that framework, with its imports."""

from __future__ import annotations

import re

from lsprotocol import types

from matdiff.base.errors import MatdiffError
from matdiff.engine.printer import to_text
from matdiff.features.snapshot import Snapshot
from matdiff.pysource import FunctionDoc
from matdiff.services import codegen
from matdiff.services.derivatives import EMITTERS, cached_derivation


def function_of(snap: Snapshot) -> FunctionDoc | None:
    """The annotated function a snapshot reads, or None (a .matdiff file, a block)."""
    block = snap.host.block if snap.host is not None else None
    doc = getattr(block, "function", None)
    return doc if isinstance(doc, FunctionDoc) else None


def _host_offset(snap: Snapshot, position: types.Position) -> int:
    assert snap.host is not None
    return snap.host.index.offset(position.line, position.character, snap.encoding)


def _host_range(snap: Snapshot, start: int, end: int) -> types.Range:
    assert snap.host is not None
    a = snap.host.index.line_col(start, snap.encoding)
    b = snap.host.index.line_col(end, snap.encoding)
    return types.Range(start=types.Position(line=a[0], character=a[1]),
                       end=types.Position(line=b[0], character=b[1]))  # fmt: skip


def on_name(snap: Snapshot, doc: FunctionDoc, position: types.Position) -> bool:
    return doc.name_start <= _host_offset(snap, position) <= doc.name_end


def hover_blocks(snap: Snapshot, doc: FunctionDoc) -> list[str]:
    """The hover on the function's name, as markdown blocks."""
    label = codegen.LABEL[doc.framework]
    params = ", ".join(doc.arrays)
    blocks = [f"**{doc.name}**({params}) — read by matdiff ({label})"]
    if not doc.derivable:
        blocks.append(f"No derivative: {doc.refusal()}")
        return blocks
    model = snap.model
    sym = model.symbols.get(doc.definition)
    if sym is None or sym.shape is None:
        return blocks
    if not sym.shape.is_scalar:
        blocks.append(f"returns {snap.shape_text(sym.shape)}: the gradient needs a scalar value")
        return blocks
    emit = EMITTERS[doc.framework]
    for p in doc.arrays:
        try:
            d = cached_derivation(model, doc.definition, p, "gradient")
        except MatdiffError as exc:
            blocks.append(f"**by {p}**: {exc.message}")
            continue
        shape = snap.shape_text(d.result.shape)  # a gradient is shaped like its variable
        blocks.append(f"**∇_{p} {doc.name}** {shape}: `{to_text(d.result)}`")
        blocks.append(f"```python\n{emit(d.result)}\n```")
    return blocks


def hover(snap: Snapshot, doc: FunctionDoc, position: types.Position) -> types.Hover | None:
    if not on_name(snap, doc, position):
        return None
    value = "\n\n".join(hover_blocks(snap, doc))
    kind = types.MarkupKind.Markdown
    if not snap.settings.markdown:
        kind = types.MarkupKind.PlainText
        value = re.sub(r"(?m)^```[a-z]*\n?", "", value).replace("**", "").replace("`", "")
    return types.Hover(contents=types.MarkupContent(kind=kind, value=value),
                       range=_host_range(snap, doc.name_start, doc.name_end))  # fmt: skip


def gradient_function(snap: Snapshot, doc: FunctionDoc, value: bool) -> codegen.Function:
    """``def <name>_grad(…)`` (or ``_value_and_grad``) in the function's framework: the
    dimensions it needs are read from the parameters' shapes."""
    fn = codegen.gradient_function(snap.model, doc.definition, doc.arrays, doc.framework, value)
    name = f"{doc.name}_value_and_grad" if value else f"{doc.name}_grad"
    head, _, rest = fn.source.partition("\n")
    head = head.replace(f"def {fn.name}(", f"def {name}(", 1)
    shapes = {p: s for p, s in doc.parameters if s}
    sizes = []
    for dim in re.findall(r"(\w+): int", head):
        where = next(((p, k) for p, s in shapes.items() for k, d in enumerate(s) if d == dim),
                     None)  # fmt: skip
        if where is not None:
            head = head.replace(f", {dim}: int", "").replace(f"{dim}: int, ", "")
            sizes.append(f"    {dim} = {where[0]}.shape[{where[1]}]")
    what = "Value and gradient" if value else "Gradient"
    rest = re.sub(r'^    """[^\n]*', f'    """{what} of {doc.name}({", ".join(doc.arrays)}).',
                  rest, count=1)  # fmt: skip
    if sizes:
        end = rest.index('"""', rest.index('"""') + 3) + 4
        rest = rest[:end] + "\n".join(sizes) + "\n" + rest[end:]
    return codegen.Function(name, f"{head}\n{rest}", fn.imports)


def code_actions(snap: Snapshot, doc: FunctionDoc,
                 params: types.CodeActionParams) -> list[types.CodeAction]:  # fmt: skip
    """On the function's ``def`` line: insert its gradient function, and its value and
    gradient, below it."""
    assert snap.host is not None
    at = _host_offset(snap, params.range.start)
    line = snap.host.index.line_col(at)[0]
    if line != snap.host.index.line_col(doc.name_start)[0] or not doc.derivable:
        return []
    sym = snap.model.symbols.get(doc.definition)
    if sym is None or sym.shape is None or not sym.shape.is_scalar:
        return []
    label = codegen.LABEL[doc.framework]
    out: list[types.CodeAction] = []
    for value in (False, True):
        try:
            fn = gradient_function(snap, doc, value)
        except MatdiffError:
            return out
        what = "value-and-gradient" if value else "gradient"
        out.append(types.CodeAction(title=f"Insert {label} {what} function {fn.name}",
                                    kind=types.CodeActionKind.RefactorInline,
                                    edit=_insert(snap, doc, fn)))  # fmt: skip
    return out


def _insert(snap: Snapshot, doc: FunctionDoc, fn: codegen.Function) -> types.WorkspaceEdit:
    assert snap.host is not None
    end = _host_range(snap, doc.end, doc.end).end
    edits = [types.TextEdit(range=types.Range(start=end, end=end),
                            new_text="\n\n\n" + fn.source.rstrip("\n"))]  # fmt: skip
    missing = codegen.missing_imports(snap.host.text, fn.imports)
    if missing:
        line, text = codegen.import_insertion(snap.host.text, missing)
        top = types.Position(line=line, character=0)
        edits.insert(0, types.TextEdit(range=types.Range(start=top, end=top), new_text=text))
    return types.WorkspaceEdit(changes={snap.uri: edits})
