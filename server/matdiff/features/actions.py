"""Code actions: insert derivatives as definitions, the derivation as comments, gradient
functions (in Python files), and quick fixes for the diagnostics that carry a fix
(``Diagnostic.data``).

A definition in a Python block offers up to 27 of them, so they come in order and in kinds:
quick fixes first; then the common ones (``refactor.inline``: the gradient — or, for a
non-scalar, the derivative — of the definition by each variable, and in Python its NumPy
gradient function by each variable); then the rest under two ``source.*`` kinds, which VS
Code lists under "Source Action…" rather than in the light bulb: :data:`MORE_DERIVATIVES`
(numerator layout, Hessian, the derivation as comments) and :data:`MORE_FUNCTIONS` (NumPy by
all variables and value-and-gradient, PyTorch, JAX).  A request's ``context.only`` is
honoured, so every action is reachable by its kind.
"""

from __future__ import annotations

from lsprotocol import types

from matdiff.base import language
from matdiff.base.errors import MatdiffError
from matdiff.base.spans import Span
from matdiff.engine.printer import to_dsl
from matdiff.features import pyfunctions
from matdiff.features.snapshot import Snapshot
from matdiff.services import codegen
from matdiff.services.derivatives import EDITOR_SECONDS, cached_derivation
from matdiff.syntax import ast

COMMON = types.CodeActionKind.RefactorInline
MORE_DERIVATIVES = "source.matdiff.derivative"
MORE_FUNCTIONS = "source.matdiff.function"
KINDS: list[types.CodeActionKind | str] = [
    types.CodeActionKind.QuickFix,
    COMMON,
    MORE_DERIVATIVES,
    MORE_FUNCTIONS,
]


def _name(kind: types.CodeActionKind | str | None) -> str:
    return kind.value if isinstance(kind, types.CodeActionKind) else str(kind)


_ORDER = {_name(kind): k for k, kind in enumerate(KINDS)}


def code_actions(snap: Snapshot, params: types.CodeActionParams) -> list[types.CodeAction]:
    function = pyfunctions.function_of(snap)
    if function is not None:
        return pyfunctions.code_actions(snap, function, params)
    start = snap.offset(params.range.start)
    end = snap.offset(params.range.end)
    out: list[types.CodeAction] = []
    for diag in params.context.diagnostics:
        out.extend(quick_fixes(snap, diag))
    for statement in snap.model.statements_between(start, end):
        if isinstance(statement, ast.Definition):
            out.extend(derivative_actions(snap, statement))
            out.extend(function_actions(snap, statement))
    out.sort(key=lambda a: _ORDER.get(_name(a.kind), len(KINDS)))  # stable: kept in order
    only = params.context.only
    if only:
        wanted = [_name(k) for k in only]
        out = [a for a in out if any(_within(_name(a.kind), w) for w in wanted)]
    return out


def _within(kind: str, wanted: str) -> bool:
    """Whether ``kind`` is ``wanted`` or below it (``source.matdiff.function`` ⊂ ``source``)."""
    return kind == wanted or kind.startswith(wanted + ".")


def fresh_name(snap: Snapshot, base: str) -> str:
    name, k = base, 2
    while name in snap.model.symbols or name in language.RESERVED:
        name, k = f"{base}_{k}", k + 1
    return name


def _insert_after(snap: Snapshot, statement: ast.Statement, text: str) -> types.WorkspaceEdit:
    end = snap.line_end(snap.model.absolute(statement.span).end)
    position = snap.position(end)
    new_text = "\n" + snap.embed(text)
    edit = types.TextEdit(range=types.Range(start=position, end=position), new_text=new_text)
    return types.WorkspaceEdit(changes={snap.uri: [edit]})


def function_actions(snap: Snapshot, defn: ast.Definition) -> list[types.CodeAction]:
    """In a Python file: gradient functions (NumPy, PyTorch, JAX; by one variable, by all, and
    value-and-gradient) inserted right below the block, importing what they need once."""
    host = snap.host
    of = defn.name.id
    sym = snap.model.symbols.get(of)
    if host is None or not host.prefix or sym is None or sym.shape is None:
        return []
    if not sym.shape.is_scalar:
        return []
    variables = [v.name for v in snap.model.depends_on(of)]
    requests: list[tuple[str, list[str], bool, str]] = []
    for backend in ("numpy", "torch", "jax"):
        label = codegen.LABEL[backend]
        for v in [*variables, *(d.name for d in snap.model.intermediates(of))]:
            requests.append(
                (backend, [v], False, f"Insert {label} gradient function for {of} by {v}")
            )
        if len(variables) > 1:
            title = f"Insert {label} gradient function for {of} by all variables"
            requests.append((backend, variables, False, title))
        title = f"Insert {label} value-and-gradient function for {of}"
        requests.append((backend, variables, True, title))
    out = []
    for backend, wrt, value, title in requests:
        try:
            fn = codegen.gradient_function(snap.model, of, wrt, backend, value)
        except MatdiffError:
            continue
        common = backend == "numpy" and len(wrt) == 1 and not value
        out.append(types.CodeAction(title=title, kind=COMMON if common else MORE_FUNCTIONS,
                                    edit=_function_edit(snap, fn)))  # fmt: skip
    return out


def _function_edit(snap: Snapshot, fn: codegen.Function) -> types.WorkspaceEdit:
    host = snap.host
    assert host is not None
    indent = host.prefix[: len(host.prefix) - len(host.prefix.lstrip())]
    at = snap.after_block()
    body = "\n".join(f"{indent}{row}" if row else "" for row in fn.source.rstrip("\n").split("\n"))
    edits = [types.TextEdit(range=types.Range(start=at, end=at), new_text="\n\n" + body)]
    missing = codegen.missing_imports(host.text, fn.imports)
    if missing:
        line, text = codegen.import_insertion(host.text, missing)
        top = types.Position(line=line, character=0)
        edits.insert(0, types.TextEdit(range=types.Range(start=top, end=top), new_text=text))
    return types.WorkspaceEdit(changes={snap.uri: edits})


def derivative_actions(snap: Snapshot, defn: ast.Definition) -> list[types.CodeAction]:
    of = defn.name.id
    sym = snap.model.symbols.get(of)
    if sym is None or sym.shape is None or sym.statement != defn.span:
        return []
    out: list[types.CodeAction] = []
    for var in [*snap.model.depends_on(of), *snap.model.intermediates(of)]:
        requests = [
            (
                "numerator",
                f"d{of}_d{var.name}",
                f"Insert derivative of {of} by {var.name} (numerator layout)",
            )
        ]
        if sym.shape.is_scalar:
            requests.insert(
                0, ("gradient", f"grad_{of}_{var.name}", f"Insert gradient of {of} by {var.name}")
            )
            requests.append(
                ("hessian", f"hess_{of}_{var.name}", f"Insert Hessian of {of} by {var.name}")
            )
        for k, (what, base, title) in enumerate(requests):
            try:
                d = cached_derivation(snap.model, of, var.name, what)  # type: ignore[arg-type]
            except MatdiffError:
                continue
            line = f"{fresh_name(snap, base)} = {to_dsl(d.result)}"
            kind = COMMON if k == 0 else MORE_DERIVATIVES  # the gradient, or the derivative
            out.append(
                types.CodeAction(title=title, kind=kind, edit=_insert_after(snap, defn, line))
            )
        try:
            d = cached_derivation(
                snap.model, of, var.name, "gradient" if sym.shape.is_scalar else "numerator"
            )
            comments = "\n".join(f"# {line}" for line in d.steps(EDITOR_SECONDS))
            out.append(types.CodeAction(
                title=f"Insert derivation of {of} by {var.name} as comments",
                kind=MORE_DERIVATIVES,
                edit=_insert_after(snap, defn, comments)))  # fmt: skip
        except (MatdiffError, Exception):  # noqa: BLE001 — steps are optional
            pass
    return out


def _replace(snap: Snapshot, span: Span, text: str, title: str,
             diag: types.Diagnostic) -> types.CodeAction:  # fmt: skip
    edit = types.TextEdit(range=snap.range(span), new_text=text)
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                            is_preferred=True,
                            edit=types.WorkspaceEdit(changes={snap.uri: [edit]}))  # fmt: skip


def quick_fixes(snap: Snapshot, diag: types.Diagnostic) -> list[types.CodeAction]:
    data = diag.data if isinstance(diag.data, dict) else {}
    start, end = snap.offset(diag.range.start), snap.offset(diag.range.end)
    if end < start:
        raise ValueError(f"the diagnostic's range runs backwards: {diag.range}")
    span = Span(start, end)
    text = snap.text[start:end]
    out: list[types.CodeAction] = []
    suggestion = data.get("suggestion")
    if suggestion and diag.code in ("unknown-function", "undefined"):
        out.append(_replace(snap, span, suggestion, f"Change '{text}' to '{suggestion}'", diag))
    fix = data.get("fix")
    if fix == "elementwise-power" and text == "^":
        out.append(_replace(snap, span, ".^", "Use '.^' (element-wise power)", diag))
    if fix in ("transpose-left", "transpose-right"):
        out.extend(_transpose_fix(snap, span, fix, diag))
    if diag.code == "undefined" and data.get("name"):
        out.extend(_declare_fix(snap, data["name"], span, diag))
    return out


def _transpose_fix(
    snap: Snapshot, op_span: Span, fix: str, diag: types.Diagnostic
) -> list[types.CodeAction]:
    located = snap.statement_at(op_span.start)
    statement = located[0] if located else None
    if not isinstance(statement, ast.Definition):
        return []
    for node in ast.walk(statement.value):
        if isinstance(node, ast.Binary) and snap.model.absolute(node.op_span) == op_span:
            operand = node.left if fix == "transpose-left" else node.right
            src = snap.model.source(operand.span)
            simple = isinstance(operand, ast.Name | ast.Call | ast.Transpose | ast.Number)
            new = f"{src}'" if simple else f"({src})'"
            return [_replace(snap, operand.span, new, f"Transpose '{src}'", diag)]
    return []


def _declare_fix(
    snap: Snapshot, name: str, span: Span, diag: types.Diagnostic
) -> list[types.CodeAction]:
    """Declare an undeclared name, with the first shape that makes its statement check."""
    from matdiff.analysis import analyze

    located = snap.statement_at(span.start)
    if located is None:
        return []
    model, statement = snap.model, located[0]
    here = model.absolute(statement.span).start
    decls = [s for s in model.document.statements if isinstance(s, ast.Declaration)]
    defs = [s for s in model.document.statements
            if isinstance(s, ast.Definition) and model.absolute(s.span).start < here]  # fmt: skip
    earlier: list[ast.Statement] = [*decls, *defs]
    prefix = "\n".join(model.source(s.span) for s in earlier)
    body = model.source(statement.span)
    dims = list(snap.model.dimensions) or ["n"]
    candidates = ["scalar", *(f"vector({d})" for d in dims),
                  *(f"matrix({a}, {b})" for a in dims for b in dims)]  # fmt: skip
    for candidate in candidates:
        trial = f"{prefix}\n{name} : {candidate}\n{body}\n"
        if not analyze(trial).diagnostics:
            first = snap.model.document.statements[0]
            pos = snap.line_start_position(model.absolute(first.span).start)
            line = f"{name} : {candidate}"
            edit = types.TextEdit(
                range=types.Range(start=pos, end=pos), new_text=snap.embed(line) + "\n"
            )
            if decls:
                end = snap.position(snap.line_end(model.absolute(decls[-1].span).end))
                edit = types.TextEdit(
                    range=types.Range(start=end, end=end), new_text="\n" + snap.embed(line)
                )
            action = types.CodeAction(
                title=f"Declare {name} : {candidate}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                edit=types.WorkspaceEdit(changes={snap.uri: [edit]}),
            )
            return [action]
    return []
