"""Derivatives of IR expressions: gradient, numerator layout, Jacobian, Hessian, and steps.

``derivative(f, x, kind)`` is the whole pipeline: the differential (rules), then the
canonical form (``canonical``), then :func:`~matdiff.engine.simplify.simplify`.
``steps(f, x)`` replays the same derivation one rule at a time for people to read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from matdiff.engine import expr as E
from matdiff.engine.canonical import adjoint, jacobian, project
from matdiff.engine.differential import differential, rule_for, rule_name
from matdiff.engine.expr import EngineError
from matdiff.engine.simplify import simplify

Kind = Literal["gradient", "numerator", "hessian"]


def derivative(f: E.Expr, x: E.Var, kind: Kind) -> E.Expr:
    """The derivative of ``f`` by ``x``: ``gradient`` (scalar f, shaped like x),
    ``numerator`` (the tutorial's layout; d vec F/d vec X for matrices), ``hessian``."""
    if kind == "gradient":
        return simplify(gradient(f, x))
    if kind == "hessian":
        if not f.is_scalar:
            raise EngineError("the Hessian needs a scalar function")
        g = gradient(f, x, structured=False)
        return simplify(_numerator(g, x))
    return simplify(_numerator(f, x))


@functools.lru_cache(maxsize=256)
def gradient(f: E.Expr, x: E.Var, structured: bool = True) -> E.Expr:
    """The gradient of scalar ``f`` (unsimplified).  Remembered: a hover asks for it in both
    layouts, and the steps end in it (nodes are interned, so equal requests hash alike)."""
    if not f.is_scalar:
        raise EngineError(f"the gradient needs a scalar function, not {f.shape}")
    df = differential(f, x)
    G = adjoint(df, E.ONE_SCALAR, x)
    return project(G, x) if structured else G


def _numerator(f: E.Expr, x: E.Var) -> E.Expr:
    if f.is_scalar:  # the transpose of the gradient, term by term
        G = gradient(f, x)
        return E.add(*(E.transpose(t) for t in G.terms)) if isinstance(G, E.Sum) else E.transpose(G)
    df = differential(f, x)
    if x.is_scalar:  # dY = Y' dx: the derivative is df with dx = 1
        return E.substitute(df, {E.differential(x): E.ONE_SCALAR})
    return jacobian(df, x)


# ---------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = rhs`` (lhs only on the first), and why."""

    expr: E.Expr | None
    rule: str
    text: str | None = None  # for lines that are not an IR expression (tr(G dX) forms)


def steps(f: E.Expr, x: E.Var, limit: int = 60) -> list[Step]:
    """The derivation of ``df`` by differentials, one rule application per line, ending in
    the canonical form (tr(G dX) for scalar f, d vec F = J d vec X otherwise)."""
    out: list[Step] = [Step(E.derivative_of(f, x), "")]
    current = out[0].expr
    assert current is not None
    while any(isinstance(n, E.Derivative) for n in E.walk(current)):
        if len(out) > limit:
            raise EngineError("the derivation is too long to show step by step")
        names: list[str] = []
        done: dict[E.Expr, E.Expr] = {}

        def expand(
            n: E.Expr, names: list[str] = names, done: dict[E.Expr, E.Expr] = done
        ) -> E.Expr:
            if isinstance(n, E.Derivative):
                if n not in done:
                    name = rule_name(n.arg, x)
                    if name not in names:
                        names.append(name)
                    done[n] = rule_for(n.arg).apply(n.arg, lambda c: E.derivative_of(c, x))
                return done[n]
            return E.rebuild(n, tuple(expand(c) for c in n.children)) if n.children else n

        # a d(·) that this step expanded is expanded wherever the step's rules produced it too
        current = E.substitute(expand(current), done)
        out.append(Step(current, "; ".join(names)))
    return out + _canonical_steps(current, f, x)


def _canonical_steps(df: E.Expr, f: E.Expr, x: E.Var) -> list[Step]:
    from matdiff.engine.printer import to_text

    dX = "d" + x.name
    if not f.is_scalar or x.is_scalar:
        if x.is_scalar:
            return []
        J = simplify(jacobian(df, x))
        return [Step(None, "vec(A dX B) = (Bᵀ ⊗ A) vec dX, eq. (12)",
                     f"d vec({x.name}) ↦ {to_text(J)} · d vec {x.name}")]  # fmt: skip
    out: list[Step] = []
    terms = df.terms if isinstance(df, E.Sum) else (df,)
    if x.shape.is_scalar:
        return out
    if not (isinstance(df, E.Unary) and df.op == "tr"):
        out.append(Step(None, "x = tr(x) for a scalar x", f"tr({to_text(df)})"))
    parts = [simplify(E.transpose(adjoint(t, E.ONE_SCALAR, x))) for t in terms]
    shown = " + ".join(f"tr({_dx_form(p)}{dX})" for p in parts)
    out.append(Step(None, "tr(ABC) = tr(CAB), tr(Aᵀ) = tr(A): trace cycling", shown))
    G = simplify(E.transpose(gradient(f, x, structured=False)))
    if len(parts) > 1:
        out.append(Step(None, "collect terms", f"tr({_dx_form(G)}{dX})"))
    if x.props & {"symmetric", "spd", "diagonal"}:
        Gs = simplify(E.transpose(gradient(f, x)))
        what = "diagonal part" if "diagonal" in x.props else "sym(G) = (G + Gᵀ)/2"
        out.append(Step(None, f"{x.name} is {'diagonal' if 'diagonal' in x.props else 'symmetric'}:"
                        f" keep the {what}", f"tr({_dx_form(Gs)}{dX})"))  # fmt: skip
    return out


def _dx_form(g: E.Expr) -> str:
    """G as the left factor of ``G dX``: nothing for 1, parentheses around a sum."""
    from matdiff.engine.printer import to_text

    if g is E.ONE_SCALAR:
        return ""
    text = to_text(g)
    return f"({text})" if isinstance(g, E.Sum) or text.startswith("-") else text
