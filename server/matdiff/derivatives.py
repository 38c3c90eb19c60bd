"""Derivatives of a document's definitions: the bridge from text to the engine.

``derivation(source_or_model, of, wrt, kind)`` returns a :class:`Derivation` with the result
as IR, in every output form, the steps, and whether the numbers agree; the API, the CLI and
(later) the editor all read it.  Bad input raises :class:`~matdiff.api.MatdiffError` with
the message and position the CLI and the editor show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from matdiff.analysis import DocumentModel, analyze
from matdiff.analysis.lower import Lowering
from matdiff.api import MatdiffError
from matdiff.base import language
from matdiff.engine import derive
from matdiff.engine import expr as E
from matdiff.engine.numpy_emit import to_jax, to_numpy, to_torch
from matdiff.engine.printer import to_dsl, to_latex, to_text
from matdiff.engine.verify import verify
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
# whatever the definition is called and wherever it stands in the document.
_RESULTS: dict[tuple[E.Expr, E.Var, str], E.Expr] = {}
_CHECKED: dict[tuple[E.Expr, E.Var, E.Expr, str], bool] = {}
_STEPS: dict[tuple[E.Expr, E.Var], list[tuple[str, str]]] = {}
_LIMIT = 4096


_LOWERINGS: list[tuple[DocumentModel, frozenset[str], Lowering]] = []


_SEEN_GENERATION = [E.generation()]


def _fresh_caches() -> None:
    """Drop every cache of nodes if the engine forgot its interned nodes."""
    if _SEEN_GENERATION[0] != E.generation():
        _SEEN_GENERATION[0] = E.generation()
        for cache in (_RESULTS, _CHECKED, _STEPS):
            cache.clear()
        _LOWERINGS.clear()


def _lowering(model: DocumentModel, held: frozenset[str] = frozenset()) -> Lowering:
    """One Lowering per model and held intermediates (the last few), so each definition is
    lowered once."""
    _fresh_caches()
    for m, h, lowering in _LOWERINGS:
        if m is model and h == held:
            return lowering
    lowering = Lowering(model, held)
    _LOWERINGS.insert(0, (model, held, lowering))
    del _LOWERINGS[8:]
    return lowering


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = value


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
        items = _STEPS.get(key)
        if items is None:
            with E.Budget(seconds):
                items = [
                    (to_text(s.expr) if s.expr is not None else (s.text or ""), s.rule)
                    for s in derive.steps(self.f, self.x)
                ]
            _remember(_STEPS, key, items)
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
        got = _CHECKED.get(key)
        if got is None:
            try:
                got = verify(self.f, self.x, self.result, self.kind)
            except Exception:  # noqa: BLE001 — a failed check is "not checked", never a crash
                got = False
            _remember(_CHECKED, key, got)
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
            result = _RESULTS.get((f, x, kind))
            if result is None:
                result = derive.derivative(f, x, kind)
                _remember(_RESULTS, (f, x, kind), result)
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
