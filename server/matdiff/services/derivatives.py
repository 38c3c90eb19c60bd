"""Derivatives of a document's definitions: the bridge from text to the engine.

``derivation(source_or_model, of, wrt, kind)`` returns a :class:`Derivation` with the result
as IR, in every output form, the steps, and whether the numbers agree; the API, the CLI and
(later) the editor all read it.  Bad input raises :class:`~matdiff.base.errors.MatdiffError` with
the message and position the CLI and the editor show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from matdiff.analysis import DocumentModel, analyze
from matdiff.analysis.analyze import integer_literal
from matdiff.analysis.lower import Lowering
from matdiff.base import caches, language
from matdiff.base.caches import Table
from matdiff.base.errors import MatdiffError
from matdiff.engine import (
    derive,
    search,  # noqa: F401  (imported lazily by the engine; its memos are registered below)
)
from matdiff.engine import expr as E
from matdiff.engine.memo import MEMOS
from matdiff.engine.numpy_emit import to_jax, to_numpy, to_torch
from matdiff.engine.printer import to_dsl, to_latex, to_text, to_text_where
from matdiff.numeric.verify import verify
from matdiff.syntax import ast

Kind = Literal["gradient", "numerator", "hessian"]
Emit = Literal["text", "dsl", "numpy", "latex", "torch", "jax"]
EMITTERS: dict[str, Callable[[E.Expr], str]] = {
    "text": to_text,
    "dsl": to_dsl,
    "latex": to_latex,
    "numpy": to_numpy,
    "torch": to_torch,
    "jax": to_jax,
}
MAX_NODES = 20_000
SECONDS = 10.0  # the CLI and the API
EDITOR_SECONDS = 2.0  # a hover or a code action: abandoned with a message past this


# Caches keyed by structure: IR nodes are interned, so (f, x, kind) identifies a derivative
# whatever the definition is called and wherever it stands in the document.  They live in the
# active session's caches (``matdiff.base.caches``), each bounded.
_RESULTS: Table[tuple[E.Expr, E.Var, str], E.Expr] = Table("services.results", 4096)
_CHECKED: Table[tuple[E.Expr, E.Var, E.Expr, str], bool] = Table("services.checked", 4096)
_Lines = list[tuple[str | None, str, str]]  # a step's left side, its body, its rule
_STEPS: Table[tuple[E.Expr, E.Var, E.Expr | None, bool], _Lines] = Table("services.steps", 4096)
# One Lowering per model (the last few models), by the model's identity; the same for the
# lowering that keeps definitions as written (the steps' first line).
_LOWERINGS: Table[tuple[int, frozenset[str]], tuple[DocumentModel, Lowering]] = Table(
    "services.lowerings", 8
)
_WRITTEN: Table[int, tuple[DocumentModel, _AsWritten]] = Table("services.written", 4)
for _memo in MEMOS:  # the engine's own memo tables, counted and cleared with the caches
    caches.share(_memo.name, _memo.__len__, _memo.clear)
caches.share("engine.gradients", lambda: derive.gradient.cache_info().currsize,
             derive.gradient.cache_clear)  # fmt: skip
caches.share("engine.interned", E.interned, lambda: None)  # weak: nothing to clear


_SEEN_GENERATION = [E.generation()]


def _fresh_caches() -> None:
    """Drop every cache of nodes if the engine forgot its interned nodes."""
    if _SEEN_GENERATION[0] != E.generation():
        _SEEN_GENERATION[0] = E.generation()
        active = caches.active()
        tables: tuple[Table[Any, Any], ...] = (_RESULTS, _CHECKED, _STEPS, _LOWERINGS, _WRITTEN)
        for table in tables:
            active[table].clear()


def _lowering(model: DocumentModel, held: frozenset[str] = frozenset()) -> Lowering:
    """One Lowering per model and held intermediates (the last few), so each definition is
    lowered once."""
    _fresh_caches()
    lowerings = caches.active()[_LOWERINGS]
    got = lowerings.get((id(model), held))
    if got is not None and got[0] is model:
        return got[1]
    lowering = Lowering(model, held)
    lowerings.put((id(model), held), (model, lowering))
    return lowering


@dataclass(frozen=True)
class Derivation:
    of: str
    wrt: str
    kind: Kind
    f: E.Expr
    x: E.Var
    result: E.Expr
    model: DocumentModel | None = field(default=None, compare=False, repr=False)  # for steps

    @property
    def taken(self) -> _Names:
        """The document's names: a part named in text avoids them."""
        return _Names(self.model)

    @property
    def written(self) -> E.Expr | None:
        """The definition as written (‖r‖² kept): the first line of the steps."""
        return _as_written(self.model, self.of) if self.model is not None else None

    def emit(self, form: str) -> str:
        if form not in EMITTERS:
            forms = ", ".join(EMITTERS)
            raise MatdiffError(f"unknown output form '{form}' ({forms})")
        return EMITTERS[form](self.result)

    def steps(self, seconds: float = SECONDS) -> list[str]:
        """The derivation by differentials, one line per step, each naming its rule, then
        the result (the Hessian's steps go on to the second differential).  Raises
        EngineError past ``seconds``."""
        lines = self.derivation_lines(seconds)
        lines.append(self.conclusion())
        return lines

    def derivation_lines(self, seconds: float = SECONDS) -> list[str]:
        """The steps without the concluding line; no line repeats the one before."""
        hessian = self.kind == "hessian"
        written = self.written
        key = (self.f, self.x, written, hessian)
        steps = caches.active()[_STEPS]
        items = steps.get(key)
        if items is None:
            with E.Budget(seconds):
                make = derive.hessian_steps if hessian else derive.steps
                items = [
                    (s.lhs, to_text(s.expr) if s.expr is not None else (s.text or ""), s.rule)
                    for s in make(self.f, self.x, written=written)
                ]
            steps.put(key, items)
        rendered: list[tuple[str, str]] = []
        lead, previous = "", None
        for lhs, body, rule in items:
            if lhs is not None:
                lead = lhs.format(f=self.of, x=self.wrt)
                left, previous = lead, None
            else:
                left = " " * len(lead)
            if body == previous:
                continue
            previous = body
            rendered.append((f"{left} = {body}", rule))
        width = max(len(body) for body, _ in rendered)
        return [f"{body.ljust(width)}   [{rule}]" if rule else body for body, rule in rendered]

    def conclusion(self, with_result: bool = True) -> str:
        """What the steps conclude; ``with_result=False`` leaves the result to the next line
        (the CLI prints it there, once, in the requested form)."""
        text = to_text_where(self.result, self.taken) if with_result else ""
        f, x = self.of, self.wrt
        eq = " = " if with_result else ""
        end = "" if with_result else ":"
        if self.kind == "gradient":
            return f"∇_{x} {f}{eq}{text}   (gradient, shaped like {x}: {self.result.shape}){end}"
        if self.kind == "hessian":
            return f"∇²_{x} {f}{eq}{text}   (Hessian, {self.result.shape}){end}"
        if self.f.is_scalar and self.x.shape.is_vector:
            return f"∂{f}/∂{x}{eq}{text}   (numerator layout, eq. (2): d{f} = ∂{f}/∂{x} d{x}){end}"
        if self.f.is_scalar and not self.x.is_scalar:
            return (
                f"∂{f}/∂{x}{eq}{text}   (numerator layout, eq. (3): d{f} = tr(∂{f}/∂{x} d{x})){end}"
            )
        if self.x.is_scalar:
            return f"d{f}/d{x}{eq}{text}   (numerator layout){end}"
        return f"∂vec {f}/∂vec {x}{eq}{text}   (numerator layout, {self.result.shape}){end}"

    def verified(self) -> bool:
        """Does the result agree with finite differences?  (Computed once per structure.)"""
        key = (self.f, self.x, self.result, self.kind)
        checked = caches.active()[_CHECKED]
        got = checked.get(key)
        if got is None:
            try:
                got = verify(self.f, self.x, self.result, self.kind)
            except Exception:  # noqa: BLE001 — a failed check is "not checked", never a crash
                got = False
            checked.put(key, got)
        return got


def _first_error(model: DocumentModel, name: str, wrt: str) -> MatdiffError:
    """The error that keeps definition ``name`` from being differentiated by ``wrt``: one in
    its own statement first, else one in a statement it reads (the definitions and
    declarations it names, through definitions) or in ``wrt``'s — never an unrelated line's."""
    sym = model.symbols[name]
    spans = [model.absolute(sym.statement), model.absolute(model.symbols[wrt].statement)]
    seen, stack = {name, wrt}, [sym]
    while stack:
        value = stack.pop().value
        for node in ast.walk(value) if value is not None else ():
            dep = model.symbols.get(node.id) if isinstance(node, ast.Name) else None
            if dep is not None and dep.name not in seen:
                seen.add(dep.name)
                spans.append(model.absolute(dep.statement))
                stack.append(dep)
    for span in [spans[0], *sorted(spans[1:])]:
        for d in model.diagnostics:
            if span.start <= d.span.start <= span.end:
                line, col = model.line_index.line_col(d.span.start)
                return MatdiffError(d.message, line + 1, col + 1)
    return MatdiffError(f"'{name}' cannot be differentiated: it has errors")


def _unknown(model: DocumentModel, name: str, kind: str) -> str:
    """The "did you mean" of a misspelt ``--of`` (kind "definition") or ``--wrt``."""
    names = [s.name for s in model.symbols.values() if s.kind == kind]
    hint = language.did_you_mean(name, names)
    return f"; did you mean '{hint}'?" if hint else ""


def derivation(
    source: str | DocumentModel, of: str, wrt: str, kind: Kind, seconds: float = SECONDS
) -> Derivation:
    """The ``kind`` derivative of definition ``of`` by variable ``wrt``; MatdiffError for bad
    requests, for errors in the definition, and past ``seconds``."""
    model = analyze(source) if isinstance(source, str) else source
    sym = model.symbols.get(of)
    if sym is None or sym.kind != "definition":
        if sym is not None and sym.kind == "variable":
            raise MatdiffError(f"'{of}' is a variable; --of names a definition (name = expression)")
        raise MatdiffError(f"'{of}' is not defined{_unknown(model, of, 'definition')}")
    var = model.symbols.get(wrt)
    if var is None or var.kind not in ("variable", "definition"):
        raise MatdiffError(f"'{wrt}' is not a declared variable{_unknown(model, wrt, 'variable')}")
    held = frozenset({wrt}) if var.kind == "definition" else frozenset()
    if wrt == of:
        raise MatdiffError(f"'{of}' by itself: --wrt names a variable or a definition '{of}' uses")
    if var.const:
        raise MatdiffError(f"'{wrt}' is declared const and cannot be a variable of differentiation")
    if sym.shape is None or var.shape is None:
        raise _first_error(model, of, wrt)
    if kind in ("gradient", "hessian") and not sym.shape.is_scalar:
        other = "diff" if kind == "gradient" else "diff of its gradient"
        raise MatdiffError(
            f"'{of}' is not a scalar ({sym.shape}); {kind} needs a scalar function — use {other}"
        )
    try:
        with E.Budget(seconds):
            lowering = _lowering(model, held)
            f = lowering.definition(of)
            x = lowering.held_variable(wrt) if held else lowering.variable(var)
            results = caches.active()[_RESULTS]
            result = results.get((f, x, kind))
            if result is None:
                result = derive.derivative(f, x, kind)
                results.put((f, x, kind), result)
    except E.EngineError as exc:
        raise MatdiffError(f"cannot differentiate '{of}' by '{wrt}': {exc}") from None
    except RecursionError:
        raise MatdiffError(f"'{of}' is nested too deeply to differentiate") from None
    if result.size > MAX_NODES:
        raise MatdiffError(
            f"the derivative is too large to show: '{of}' by '{wrt}' has {result.size:,} nodes"
        )
    return Derivation(of, wrt, kind, f, x, result, model)


@dataclass(frozen=True)
class _Names:
    """The names a document uses (its symbols and dimensions), without copying them."""

    model: DocumentModel | None

    def __contains__(self, name: object) -> bool:
        m = self.model
        return m is not None and (name in m.symbols or name in m.dimensions)


class _AsWritten(Lowering):
    """Lowers a definition keeping ‖r‖² as written (the IR proper has rᵀr)."""

    def binary(self, node: ast.Binary) -> E.Expr:
        if (
            node.op == "^"
            and isinstance(node.left, ast.Call)
            and node.left.func.id in ("norm2", "normF")
            and integer_literal(node.right) == 2
        ):
            return E.power(E.norm2(self.expr(node.left.args[0])), E.num(2))
        return super().binary(node)


def _as_written(model: DocumentModel, of: str) -> E.Expr | None:
    """The definition ``of`` as written (one lowering per model, for the last few models)."""
    _fresh_caches()
    written = caches.active()[_WRITTEN]
    got = written.get(id(model))
    if got is not None and got[0] is model:
        lowering = got[1]
    else:
        lowering = _AsWritten(model)
        written.put(id(model), (model, lowering))
    try:
        return lowering.definition(of)
    except E.EngineError:
        return None


def cached_derivation(model: DocumentModel, of: str, wrt: str, kind: Kind) -> Derivation:
    """``derivation`` for the editor: the shorter time budget.  (Results, numeric checks and
    steps are cached by structure either way.)"""
    return derivation(model, of, wrt, kind, EDITOR_SECONDS)


def render(source: str, of: str, wrt: str, kind: Kind, emit: str, steps: bool) -> str:
    d = derivation(source, of, wrt, kind)
    out = d.emit(emit)
    if steps:  # the steps, what they conclude, and the result once, in the requested form
        try:
            lines = d.derivation_lines()
        except E.EngineError as exc:
            lines = [f"(no steps: {exc})"]
        return "\n".join([*lines, d.conclusion(with_result=False), out])
    return out


def grad(source: str, of: str, wrt: str, emit: str = "text", steps: bool = False) -> str:
    """The gradient of scalar ``of`` by ``wrt`` (shaped like ``wrt``), as ``emit``."""
    return render(source, of, wrt, "gradient", emit, steps)


def diff(source: str, of: str, wrt: str, emit: str = "text", steps: bool = False) -> str:
    """The derivative in numerator layout (d vec F / d vec X for matrices)."""
    return render(source, of, wrt, "numerator", emit, steps)


def hessian(source: str, of: str, wrt: str, emit: str = "text", steps: bool = False) -> str:
    """The Hessian of scalar ``of`` by ``wrt`` (n×n for a vector, over vec X for a matrix)."""
    return render(source, of, wrt, "hessian", emit, steps)
