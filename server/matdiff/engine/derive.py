"""Derivatives of IR expressions: gradient, numerator layout, Jacobian, Hessian, and steps.

``derivative(f, x, kind)`` is the whole pipeline: the differential (rules), then the
canonical form (``canonical``), then :func:`~matdiff.engine.simplify.simplify`.
``steps(f, x)`` replays the same derivation one rule at a time for people to read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from matdiff.engine import expr as E
from matdiff.engine.canonical import adjoint, jacobian, project, project_hessian
from matdiff.engine.differential import differential, rule_for, rule_name
from matdiff.engine.expr import EngineError
from matdiff.engine.printer import to_text
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
        return simplify(project_hessian(_numerator(g, x), x))
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

SCALAR_TRACE = "a scalar equals its trace: s = tr(s)"


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = rhs``, and why.  ``lhs`` starts a new equation
    (``d{f}``, ``d vec {f}``, ``∇_{x} {f}``, ``d²{f}``: ``{f}``/``{x}`` stand for the names);
    a line without one continues the equation above."""

    expr: E.Expr | None
    rule: str
    text: str | None = None  # for lines that are not an IR expression (tr(G dX) forms)
    lhs: str | None = None


def steps(f: E.Expr, x: E.Var, limit: int = 60, written: E.Expr | None = None) -> list[Step]:
    """The derivation of ``df`` by differentials, one rule application per line, ending in
    the canonical form (tr(G dX) for scalar f, d vec F = J d vec X otherwise).  ``written``
    is the definition as the user wrote it (‖r‖² kept): the first line, when it differs."""
    out: list[Step] = []
    if written is not None and written is not f:
        out.append(Step(E.derivative_of(written, x), "", lhs="d{f}"))
        out.append(Step(E.derivative_of(f, x), _lowering_rule(written)))
    else:
        out.append(Step(E.derivative_of(f, x), "", lhs="d{f}"))
    current = out[-1].expr
    assert current is not None
    more, current = _expand(current, x, limit)
    return out + more + _canonical_steps(current, f, x)


def _lowering_rule(written: E.Expr) -> str:
    """The identities that turn the definition as written into what is differentiated."""
    names = []
    for n in E.walk(written):
        if isinstance(n, E.Power) and isinstance(n.base, E.Unary) and n.base.op == "norm2":
            names.append("‖x‖² = xᵀx" if n.base.arg.shape.is_vector else "‖X‖² = tr(XᵀX)")
    return ", ".join(dict.fromkeys(names)) or "the definition, in canonical form"


def _expand(current: E.Expr, x: E.Var, limit: int) -> tuple[list[Step], E.Expr]:
    """Expand every d(·) one rule at a time: the lines, and the fully expanded differential."""
    out: list[Step] = []
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
        before = _sigmoids(current)
        current = E.substitute(expand(current), done)
        if _sigmoids(current) - before - _softplus_primes(done):  # built from exp (logistic.py)
            names.append(SIGMOID_FROM_EXP)
        out.append(Step(current, "; ".join(names)))
    return out, current


SIGMOID_FROM_EXP = "σ(u) = eᵘ/(1 + eᵘ) = 1/(1 + e⁻ᵘ), PRML eq. (4.59)"


def _sigmoids(e: E.Expr) -> set[E.Expr]:
    return {n for n in E.walk(e) if isinstance(n, E.Elementwise) and n.fn == "sigmoid"}


def _softplus_primes(done: dict[E.Expr, E.Expr]) -> set[E.Expr]:
    """σ(u) for each softplus(u) differentiated (softplus' = σ: not built from exp)."""
    return {
        E.elementwise("sigmoid", d.arg.arg)
        for d in done
        if isinstance(d, E.Derivative) and isinstance(d.arg, E.Elementwise)
        and d.arg.fn == "softplus"
    }  # fmt: skip


def hessian_steps(f: E.Expr, x: E.Var, written: E.Expr | None = None) -> list[Step]:
    """The first differential (read off as the gradient), then the second: d(∇f) expanded
    rule by rule, and d²f = dxᵀ H dx (over vec X for a matrix) with H the Hessian."""
    out = steps(f, x, written=written)
    G = simplify(gradient(f, x, structured=False))
    out.append(Step(G, _READ_OFF[_form(x)], lhs="∇_{x} {f}"))
    first = E.derivative_of(G, x)
    out.append(Step(first, "", lhs="d(∇_{x} {f})"))
    more, dG = _expand(first, x, 60)
    out += more
    H = derivative(f, x, "hessian")
    h = to_text(H)
    h = h if re.fullmatch(r"[^\W\d]\w*[ᵀ⁻¹]*", h) else f"({h})"
    if x.is_scalar:
        body, why = f"{h} d{x.name}²", "d²f = d(df) with dx fixed = (d∇f) dx"
    elif x.shape.is_vector:
        body, why = f"d{x.name}ᵀ{h}d{x.name}", "d²f = d(df) with dx fixed = dxᵀ d(∇f)"
    else:
        out += _jacobian_steps(dG, x, "d vec(∇_{x} {f})")
        body = f"d vec({x.name})ᵀ{h}d vec {x.name}"
        why = "d²f = d(df) with dX fixed = d vec(X)ᵀ d vec(∇f)"
        if "diagonal" in x.props:
            why += f"; {x.name} is diagonal: H = ΠJΠ, Π = diag(vec I) keeps the diagonal"
        elif x.props & {"symmetric", "spd"}:
            why += f"; {x.name} is symmetric: H = ΠJΠ, Π = (I + K)/2 the symmetric part"
    out.append(Step(None, why, body, lhs="d²{f}"))
    return out


def _form(x: E.Var) -> str:
    return "scalar" if x.is_scalar else "vector" if x.shape.is_vector else "matrix"


_READ_OFF = {
    "scalar": "df = f′ dx, eq. (1)",
    "vector": "df = Gᵀ dx ⇒ ∇f = G, eq. (2)",
    "matrix": "df = tr(Gᵀ dX) ⇒ ∇f = G, eq. (3)",
}


def _sym_names(e: E.Expr) -> list[str]:
    return sorted(
        {
            n.name
            for n in E.walk(e)
            if isinstance(n, E.Var)
            and not n.is_scalar
            and n.props & {"symmetric", "spd", "diagonal"}
        }
    )


def _flat_terms(e: E.Expr) -> tuple[E.Expr, ...]:
    """The terms of ``e`` with scaled sums distributed: −(a + b) gives −a, −b."""
    out: list[E.Expr] = []
    for t in e.terms if isinstance(e, E.Sum) else (e,):
        c, rest = E.split_coef(t)
        if isinstance(rest, E.Sum):
            out += [E.scale(c, u) for u in _flat_terms(rest)]
        else:
            out.append(t)
    return tuple(out)


def _is_trace(t: E.Expr) -> bool:
    """A term already in trace form: tr(M), or scalars free of dX times tr(M)."""
    _, rest = E.split_coef(t)
    if isinstance(rest, E.Unary) and rest.op == "tr":
        return True
    if isinstance(rest, E.Prod) and not rest.chain:
        varying = [f for f in rest.scalars if any(v.startswith("d:") for v in f.free)]
        return len(varying) == 1 and isinstance(varying[0], E.Unary) and varying[0].op == "tr"
    return False


def _signed_sum(pieces: list[tuple[bool, str]]) -> str:
    """``a + b - c`` from (negative, text of the magnitude) pairs."""
    out = ""
    for i, (negative, text) in enumerate(pieces):
        if i == 0:
            out = f"-{text}" if negative else text
        else:
            out += f" - {text}" if negative else f" + {text}"
    return out


def _term_text(t: E.Expr, wrap: bool, x: E.Var) -> tuple[bool, str]:
    """A term of df as (negative, text of its magnitude), inside tr(·) if ``wrap``; scalar
    factors free of dX stay in front (|X|·tr(X⁻¹dX), never tr(tr(A)·…))."""
    c, rest = E.split_coef(t)
    body = E.scale(-c, rest) if c < 0 else t
    if wrap:
        front, inner = _split_free(body, x)
        return c < 0, f"{front}tr({to_text(inner)})"
    text = to_text(body)
    return c < 0, f"({text})" if isinstance(body, E.Sum) else text


def _split_free(p: E.Expr, x: E.Var) -> tuple[str, E.Expr]:
    """``p`` as (the text of its scalar factors free of dX followed by ·, the rest)."""
    d = "d:" + x.name
    if not isinstance(p, E.Prod):
        return "", p
    free = [f for f in p.scalars if d not in f.free]
    if not free or len(free) == len(p.factors):
        return "", p
    rest = E.mul(E.num(p.coef), *(f for f in p.factors if f not in free))
    front = to_text(E.mul(*free))
    return (f"({front})·" if " " in front else f"{front}·"), rest


def _tr_dx(p: E.Expr, x: E.Var) -> str:
    """``tr(P dX)``, with P's scalar factors in front."""
    front, rest = _split_free(p, x)
    return f"{front}tr({_dx_form(rest)}d{x.name})"


def _jacobian_steps(df: E.Expr, x: E.Var, lhs: str) -> list[Step]:
    J = simplify(jacobian(df, x))
    d = "d:" + x.name
    rules = []
    nodes = E.walk(df)
    if any(isinstance(n, E.Prod) and len(n.chain) > 1 and d in n.free for n in nodes):
        rules.append("vec(A dX B) = (Bᵀ ⊗ A) vec dX, eq. (12)")
    if any(isinstance(n, E.Transpose) and d in n.free for n in nodes):
        rules.append("vec(dXᵀ) = K vec dX")
    if any(isinstance(n, E.Hadamard) and d in n.free for n in nodes):
        rules.append("vec(A ∘ dX) = diag(vec A) vec dX")
    if not rules:
        rules.append("d vec F = J d vec X: read off")
    j = to_text(J)
    j = f"({j})" if isinstance(J, E.Sum | E.Kron) or j.startswith("-") else j
    return [Step(None, "; ".join(rules), f"{j} d vec {x.name}", lhs=lhs)]


def _canonical_steps(df: E.Expr, f: E.Expr, x: E.Var) -> list[Step]:
    if x.is_scalar:
        return []
    if not f.is_scalar:
        return _jacobian_steps(df, x, "d vec {f}")
    dX = "d" + x.name
    out: list[Step] = []
    terms = _flat_terms(df)
    if x.shape.is_vector:  # the tutorial's E.g. 1: xᵀy = yᵀx, then df = Gᵀdx (eq. (2))
        G = simplify(E.transpose(gradient(f, x, structured=False)))
        rule = "xᵀy = yᵀx" + ("; collect terms" if len(terms) > 1 else "")
        return [Step(None, rule, f"{_dx_form(G)}{dX}")]
    if not all(_is_trace(t) for t in terms):
        shown = _signed_sum([_term_text(t, not _is_trace(t), x) for t in terms])
        out.append(Step(None, SCALAR_TRACE, shown))
    parts = [simplify(E.transpose(adjoint(t, E.ONE_SCALAR, x))) for t in terms]
    pieces = []
    for p in parts:
        c, rest = E.split_coef(p)
        neg = c < 0
        pieces.append((neg, _tr_dx(E.scale(-c, rest) if neg else p, x)))
    rule = "tr(ABC) = tr(CAB): trace cycling"
    if any(
        isinstance(n, E.Transpose) and "d:" + x.name in n.free for t in terms for n in E.walk(t)
    ):
        rule += "; tr(Aᵀ) = tr(A)"
    sym = _sym_names(df)
    if sym:
        rule += "; " + ", ".join(f"{s}ᵀ = {s}" for s in sym) + " (symmetric)"
    out.append(Step(None, rule, _signed_sum(pieces)))
    G = simplify(E.transpose(gradient(f, x, structured=False)))
    if len(parts) > 1:
        out.append(Step(None, "tr(A) + tr(B) = tr(A + B): collect terms",
                        f"tr({_dx_form(G)}{dX})"))  # fmt: skip
    if x.props & {"symmetric", "spd", "diagonal"}:
        Gs = simplify(E.transpose(gradient(f, x)))
        what = "diagonal part" if "diagonal" in x.props else "symmetric part sym(G) = (G + Gᵀ)/2"
        out.append(Step(None, f"{x.name} is {'diagonal' if 'diagonal' in x.props else 'symmetric'}:"
                        f" keep the {what}", f"tr({_dx_form(Gs)}{dX})"))  # fmt: skip
    return out


def _dx_form(g: E.Expr) -> str:
    """G as the left factor of ``G dX``: nothing for 1, parentheses around a sum."""
    if g is E.ONE_SCALAR:
        return ""
    text = to_text(g)
    return f"({text})" if isinstance(g, E.Sum) or text.startswith("-") else text
