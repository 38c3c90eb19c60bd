"""The differential: one rule per node type, each beside its tutorial equation.

``RULES[key](e, d)`` returns the differential of ``e`` given ``d``, a function that returns
the differential of a child.  ``differential(e, X)`` applies the rules all the way down
(memoised: the IR is a DAG); the derivation steps apply them one level at a time with ``d``
returning unevaluated ``d(child)`` nodes.  Equation numbers are those of the Matrix Calculus
Tutorial (shared/reference), identities 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.engine.shape import Dim, Shape

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


def _inv_sqrt_one_minus_square(x: E.Expr) -> E.Expr:
    """(1 − x²)^(−1/2), entry by entry: arcsin' (and −arccos')."""
    return E.epow(E.sub(E.ones(x.shape), E.epow(x, E.num(2))), E.num(Fraction(-1, 2)))


# σ'(X) for each element-wise σ, as a function of X and σ(X)
_PRIME: dict[str, Callable[[E.Expr, E.Expr], E.Expr]] = {
    "exp": lambda x, y: y,
    "log": lambda x, y: E.epow(x, E.num(-1)),
    "sin": lambda x, y: E.elementwise("cos", x),
    "cos": lambda x, y: E.neg(E.elementwise("sin", x)),
    "tan": lambda x, y: E.add(E.ones(x.shape), E.epow(y, E.num(2))),
    "arcsin": lambda x, y: _inv_sqrt_one_minus_square(x),
    "arccos": lambda x, y: E.neg(_inv_sqrt_one_minus_square(x)),
    "arctan": lambda x, y: E.epow(E.add(E.ones(x.shape), E.epow(x, E.num(2))), E.num(-1)),
    "tanh": lambda x, y: E.sub(E.ones(x.shape), E.epow(y, E.num(2))),
    "sqrt": lambda x, y: E.scale(Fraction(1, 2), E.epow(y, E.num(-1))),
    "abs": lambda x, y: E.elementwise("sign", x),
    "sigmoid": lambda x, y: E.hadamard(y, E.sub(E.ones(x.shape), y)),
    "relu": lambda x, y: E.elementwise("step", x),
    "softplus": lambda x, y: E.elementwise("sigmoid", x),
    "step": lambda x, y: E.zeros(x.shape),
    "sign": lambda x, y: E.zeros(x.shape),
}  # fmt: skip


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
    prime = _PRIME.get(e.fn)
    if prime is None:  # a declared σ: σ' is the element-wise function d_σ (engine.declared)
        return E.hadamard(E.elementwise("d_" + e.fn, x), d(x))
    return E.hadamard(prime(x, e), d(x))


def _unary(e: E.Expr, d: D) -> E.Expr:  # one branch per function
    assert isinstance(e, E.Unary)
    x = e.arg
    dx = d(x)
    op = e.op
    if op in ("tr", "diag", "diagpart", "vec", "sumall", "unvec"):
        return E.rebuild(e, (dx,))  # linear: d f(X) = f(dX)
    if op == "inv":  # eq. (16)
        return E.neg(E.mul(e, dx, e))
    if op == "det":  # eq. (18)
        return E.mul(e, E.trace(E.mul(E.inv(x), dx)))
    if op == "logdet":
        return E.trace(E.mul(E.inv(x), dx))
    if op == "adj":  # adj X = |X| X⁻¹
        xi = E.inv(x)
        dxi = E.neg(E.mul(xi, dx, xi))
        return E.add(E.mul(E.det(x), E.trace(E.mul(xi, dx)), xi), E.mul(E.det(x), dxi))
    if op == "matpow":
        k = e.k
        E.check_size(k * (2 * x.size + dx.size + 3))  # the k terms, refused before building
        return E.add(*(E.mul(E.matpow(x, i), dx, E.matpow(x, k - 1 - i)) for i in range(k)))
    if op == "norm2":  # d‖X‖ = tr(Xᵀ dX)/‖X‖
        return E.mul(E.power(e, E.num(-1)), E.trace(E.mul(E.transpose(x), dx)))
    if op == "norm1":
        return E.sumall(E.hadamard(E.elementwise("sign", x), dx))
    if op in ("softmax", "logsumexp") and not x.shape.is_vector:  # a batch: by columns
        s = E.softmax(x)
        ones = E.ones(Shape(x.shape.rows, Dim()))
        column_sums = E.mul(E.transpose(ones), E.hadamard(s, dx))  # 1ᵀ(S ∘ dZ), 1×N
        if op == "logsumexp":
            return column_sums
        return E.sub(E.hadamard(s, dx), E.hadamard(s, E.mul(ones, column_sums)))
    if op == "softmax":  # ds = s ∘ dx − s (sᵀ dx)
        s = e
        col = x.shape.is_column
        inner = E.mul(E.transpose(s), dx) if col else E.mul(dx, E.transpose(s))
        return E.sub(E.hadamard(s, dx), E.mul(s, inner))
    if op == "logsumexp":
        sm = E.softmax(x)
        return E.mul(E.transpose(sm), dx) if x.shape.is_column else E.mul(dx, E.transpose(sm))
    raise AssertionError(op)


RULES: dict[str, Rule] = {
    "sum": Rule("d(X + Y) = dX + dY, eq. (9)", _sum),
    "prod": Rule("product rule, eqs. (8), (10)–(12)", _prod),
    "pow": Rule("d(sᵖ) = p sᵖ⁻¹ ds", _power),
    "T": Rule("d(Xᵀ) = (dX)ᵀ, eq. (15)", _transpose),
    "had": Rule("d(X ∘ Y) = dX ∘ Y + X ∘ dY, eq. (14)", _hadamard),
    "kron": Rule("d(X ⊗ Y) = dX ⊗ Y + X ⊗ dY, eq. (13)", _kron),
    "ew": Rule("d σ(X) = σ'(X) ∘ dX, eq. (19)", _elementwise),
    "un:tr": Rule("d tr(X) = tr(dX), eq. (17)", _unary),
    "un:inv": Rule("d(X⁻¹) = −X⁻¹ dX X⁻¹, eq. (16)", _unary),
    "un:det": Rule("d|X| = |X| tr(X⁻¹ dX), eq. (18)", _unary),
    "un:logdet": Rule("d ln|X| = tr(X⁻¹ dX), eqs. (1), (18)", _unary),
    "un:adj": Rule("d adj(X) = d(|X| X⁻¹), eqs. (10), (16), (18)", _unary),
    "un:matpow": Rule("d(Xᵏ) = Σ Xⁱ dX Xᵏ⁻¹⁻ⁱ, eq. (11)", _unary),
    "un:norm2": Rule("d‖X‖ = tr(Xᵀ dX)/‖X‖", _unary),
    "un:norm1": Rule("d‖X‖₁ = sum(sign(X) ∘ dX)", _unary),
    "un:softmax": Rule("d softmax(x) = s ∘ dx − s sᵀ dx", _unary),
    "un:logsumexp": Rule("d logsumexp(x) = softmax(x)ᵀ dx", _unary),
    "un:diag": Rule("diag is linear: d diag(x) = diag(dx)", _unary),
    "un:diagpart": Rule("diag is linear: d diag(X) = diag(dX)", _unary),
    "un:vec": Rule("vec is linear: d vec(X) = vec(dX)", _unary),
    "un:sumall": Rule("sum is linear: d sum(X) = sum(dX)", _unary),
    "un:unvec": Rule("unvec is linear", _unary),
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
