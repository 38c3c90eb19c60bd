"""The differential: one rule per node type, each beside its tutorial equation; a function's
rule is its row in the operation table (``ops.py``).

``RULES[key](e, d)`` returns the differential of ``e`` given ``d``, a function that returns
the differential of a child.  ``differential(e, X)`` applies the rules all the way down
(memoised: the IR is a DAG); the derivation steps apply them one level at a time with ``d``
returning unevaluated ``d(child)`` nodes.  Equation numbers are those of the Matrix Calculus
Tutorial, identities 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matdiff.engine import declared, ops
from matdiff.engine import expr as E

D = Callable[[E.Expr], E.Expr]


@dataclass(frozen=True)
class Rule:
    name: str  # how a derivation step names it
    apply: Callable[[E.Expr, D], E.Expr]


def _sum(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Sum)
    return E.add(*(d(t) for t in e.terms))


def _prod(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Prod)
    fs = e.factors
    terms = []
    for k, f in enumerate(fs):
        df = d(f)
        if not E.is_zero(df):
            terms.append(E.mul(E.num(e.coef), *fs[:k], df, *fs[k + 1 :]))
    return E.add(*terms) if terms else E.zeros(e.shape)


def _power(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Power)
    s, p = e.base, e.exponent
    terms = [E.mul(p, E.power(s, E.add(p, E.num(-1))), d(s))]
    dp = d(p)
    if not E.is_zero(dp):
        terms.append(E.mul(e, E.elementwise("log", s), dp))
    return E.add(*terms)


def _transpose(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Transpose)
    return E.transpose(d(e.arg))


def _hadamard(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Hadamard)
    fs = e.factors
    return E.add(*(E.hadamard(*fs[:k], d(f), *fs[k + 1 :]) for k, f in enumerate(fs)))


def _kron(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Kron)
    return E.add(E.kron(d(e.left), e.right), E.kron(e.left, d(e.right)))


def _elementwise(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Elementwise)
    x = e.arg
    if e.fn == "pow":
        assert e.param is not None
        p = e.param
        out = E.hadamard(E.scale(1, E.mul(p, E.epow(x, E.add(p, E.num(-1))))), d(x))
        dp = d(p)
        if not E.is_zero(dp):
            out = E.add(out, E.mul(E.hadamard(e, E.elementwise("log", x)), dp))
        return out
    row = ops.ELEMENTWISE.get(e.fn)
    if row is None:  # a declared σ: σ' is the element-wise function d_σ (engine.declared)
        return E.hadamard(E.elementwise("d_" + e.fn, x), d(x))
    return E.hadamard(row.prime(x, e), d(x))


def _unary(e: E.Expr, d: D) -> E.Expr:  # the function's row in the operation table
    assert isinstance(e, E.Unary)
    rule = ops.UNARY[e.op].differential
    dx = d(e.arg)
    return E.rebuild(e, (dx,)) if rule is None else rule(e, dx)  # linear: d f(X) = f(dX)


RULES: dict[str, Rule] = {
    "sum": Rule("d(X + Y) = dX + dY, eq. (9)", _sum),
    "prod": Rule("product rule, eqs. (8), (10)–(12)", _prod),
    "pow": Rule("d(sᵖ) = p sᵖ⁻¹ ds", _power),
    "T": Rule("d(Xᵀ) = (dX)ᵀ, eq. (15)", _transpose),
    "had": Rule("d(X ∘ Y) = dX ∘ Y + X ∘ dY, eq. (14)", _hadamard),
    "kron": Rule("d(X ⊗ Y) = dX ⊗ Y + X ⊗ dY, eq. (13)", _kron),
    "ew": Rule("d σ(X) = σ'(X) ∘ dX, eq. (19)", _elementwise),
    **{f"un:{f.name}": Rule(f.rule, _unary) for f in ops.UNARY.values()},
}


def _declared(e: E.Expr, d: D) -> E.Expr:
    assert isinstance(e, E.Unary)
    return declared.differential(e, d)


_DECLARED_RULES = {  # declared functions (engine.declared)
    "vector": Rule("d l(y) = ∇l(y)ᵀ dy, eq. (2)", _declared),
    "matrix": Rule("d L(Y) = tr(∇L(Y)ᵀ dY), eq. (3)", _declared),
    "grad": Rule("d ∇l(y) = ∇²l(y) dy", _declared),
}


def rule_for(e: E.Expr) -> Rule:
    if isinstance(e, E.Unary) and declared.is_declared_op(e.op):  # l(y), ∇l(y)
        if declared.split_op(e.op)[0]:
            return _DECLARED_RULES["grad"]
        return _DECLARED_RULES["vector" if e.arg.shape.is_vector or e.arg.is_scalar else "matrix"]
    key = f"un:{e.op}" if isinstance(e, E.Unary) else e.kind
    return RULES[key]


def rule_name(e: E.Expr, x: E.Var) -> str:
    """The name of the rule that differentiates ``e``, refined where a special case reads
    better (a product with one varying factor is eq. (12))."""
    if isinstance(e, E.Prod):
        varying = [f for f in e.factors if f.depends(x.name)]
        if len(varying) == 1 and not varying[0].is_scalar:
            return "d(AXB) = A dX B, eq. (12)"
        if len(varying) == 1:
            return "d(aX) = a dX, eq. (8)"
        return "product rule, eqs. (10), (11)"
    if isinstance(e, E.Elementwise) and e.fn == "log" and e.is_scalar:
        return "d ln x = x⁻¹ dx, eq. (1)"
    return rule_for(e).name


def differential(e: E.Expr, x: E.Var) -> E.Expr:
    """The differential of ``e`` by variable ``x``: an expression linear in dx."""
    memo: dict[int, E.Expr] = {}

    def d(n: E.Expr) -> E.Expr:
        if not n.depends(x.name):
            return E.zeros(n.shape)
        if n is x:
            return E.differential(x)
        got = memo.get(id(n))
        if got is None:
            E.check_budget()
            got = rule_for(n).apply(n, d)
            memo[id(n)] = got
        return got

    return d(e)
