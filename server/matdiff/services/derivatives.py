"""Derivatives of a document's definitions: the bridge from text to the engine.

``derivation(source_or_model, of, wrt, kind)`` returns a :class:`Derivation` with the result
as IR, in every output form, the steps, and whether the numbers agree; the API, the CLI and
(later) the editor all read it.  Bad input raises :class:`~matdiff.base.errors.MatdiffError` with
the message and position the CLI and the editor show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from matdiff.analysis import DocumentModel, analyze
from matdiff.analysis.lower import Lowering
from matdiff.base import caches
from matdiff.base.caches import Table
from matdiff.base.errors import MatdiffError
from matdiff.engine import derive
from matdiff.engine import expr as E
from matdiff.engine.memo import MEMOS
from matdiff.engine.numpy_emit import to_jax, to_numpy, to_torch
from matdiff.engine.printer import to_dsl, to_latex, to_text
from matdiff.numeric.verify import verify

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
_STEPS: Table[tuple[E.Expr, E.Var], list[tuple[str, str]]] = Table("services.steps", 4096)
# One Lowering per model (the last few models), by the model's identity.
_LOWERINGS: Table[int, tuple[DocumentModel, Lowering]] = Table("services.lowerings", 4)
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
        tables: tuple[Table[Any, Any], ...] = (_RESULTS, _CHECKED, _STEPS, _LOWERINGS)
        for table in tables:
            active[table].clear()


def _lowering(model: DocumentModel) -> Lowering:
    """One Lowering per model (the last few models), so each definition is lowered once."""
    _fresh_caches()
    lowerings = caches.active()[_LOWERINGS]
    got = lowerings.get(id(model))
    if got is not None and got[0] is model:
        return got[1]
    lowering = Lowering(model)
    lowerings.put(id(model), (model, lowering))
    return lowering


@dataclass(frozen=True)
class Derivation:
    of: str
    wrt: str
    kind: Kind
    f: E.Expr
    x: E.Var
    result: E.Expr

    def emit(self, form: str) -> str:
        if form not in EMITTERS:
            forms = ", ".join(EMITTERS)
            raise MatdiffError(f"unknown output form '{form}' ({forms})")
        return EMITTERS[form](self.result)

    def steps(self, seconds: float = SECONDS) -> list[str]:
        """The derivation by differentials, one line per step, each naming its rule.
        Raises EngineError past ``seconds``."""
        key = (self.f, self.x)
        steps = caches.active()[_STEPS]
        items = steps.get(key)
        if items is None:
            with E.Budget(seconds):
                items = [
                    (to_text(s.expr) if s.expr is not None else (s.text or ""), s.rule)
                    for s in derive.steps(self.f, self.x)
                ]
            steps.put(key, items)
        rendered = []
        for i, (body, rule) in enumerate(items):
            lead = f"d{self.of}" if i == 0 else " " * (len(self.of) + 1)
            rendered.append((f"{lead} = {body}", rule))
        width = max(len(body) for body, _ in rendered)
        lines = [f"{body.ljust(width)}   [{rule}]" if rule else body for body, rule in rendered]
        lines.append(self.conclusion())
        return lines

    def conclusion(self) -> str:
        text = to_text(self.result)
        f, x = self.of, self.wrt
        if self.kind == "gradient":
            return f"∇_{x} {f} = {text}   (gradient, shaped like {x}: {self.result.shape})"
        if self.kind == "hessian":
            return f"∇²_{x} {f} = {text}   (Hessian, {self.result.shape})"
        if self.f.is_scalar and not self.x.is_scalar:
            return f"∂{f}/∂{x} = {text}   (numerator layout, eq. (3): d{f} = tr(∂{f}/∂{x} d{x}))"
        if self.x.is_scalar:
            return f"d{f}/d{x} = {text}   (numerator layout)"
        return f"∂vec {f}/∂vec {x} = {text}   (numerator layout, {self.result.shape})"

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


def _first_error(model: DocumentModel, name: str) -> MatdiffError:
    sym = model.symbols[name]
    spans = [model.absolute(sym.statement)]
    for dep in model.definitions:
        if model.position(dep) < model.position(sym):
            spans.append(model.absolute(dep.statement))
    for d in model.diagnostics:
        if any(s.start <= d.span.start <= s.end for s in spans):
            line, col = model.line_index.line_col(d.span.start)
            return MatdiffError(d.message, line + 1, col + 1)
    return MatdiffError(f"'{name}' cannot be differentiated: it has errors")


def derivation(
    source: str | DocumentModel, of: str, wrt: str, kind: Kind, seconds: float = SECONDS
) -> Derivation:
    """The ``kind`` derivative of definition ``of`` by variable ``wrt``; MatdiffError for bad
    requests, for errors in the definition, and past ``seconds``."""
    model = analyze(source) if isinstance(source, str) else source
    sym = model.symbols.get(of)
    if sym is None or sym.kind != "definition":
        what = "a variable" if sym is not None and sym.kind == "variable" else "not defined"
        raise MatdiffError(f"'{of}' is {what}; --of names a definition (name = expression)")
    var = model.symbols.get(wrt)
    if var is None or var.kind != "variable":
        raise MatdiffError(f"'{wrt}' is not a declared variable")
    if var.const:
        raise MatdiffError(f"'{wrt}' is declared const and cannot be a variable of differentiation")
    if sym.shape is None or var.shape is None:
        raise _first_error(model, of)
    if kind in ("gradient", "hessian") and not sym.shape.is_scalar:
        other = "diff" if kind == "gradient" else "diff of its gradient"
        raise MatdiffError(
            f"'{of}' is not a scalar ({sym.shape}); {kind} needs a scalar function — use {other}"
        )
    try:
        with E.Budget(seconds):
            lowering = _lowering(model)
            f = lowering.definition(of)
            x = lowering.variable(var)
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
            f"the derivative of '{of}' by '{wrt}' is too large to be useful ({result.size} nodes)"
        )
    return Derivation(of, wrt, kind, f, x, result)


def cached_derivation(model: DocumentModel, of: str, wrt: str, kind: Kind) -> Derivation:
    """``derivation`` for the editor: the shorter time budget.  (Results, numeric checks and
    steps are cached by structure either way.)"""
    return derivation(model, of, wrt, kind, EDITOR_SECONDS)


def render(source: str, of: str, wrt: str, kind: Kind, emit: str, steps: bool) -> str:
    d = derivation(source, of, wrt, kind)
    out = d.emit(emit)
    if steps:
        try:
            lines = d.steps()
        except E.EngineError as exc:
            lines = [f"(no steps: {exc})"]
        return "\n".join([*lines, out])
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
