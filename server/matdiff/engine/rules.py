"""The simplifier's rewrite rules, as data: one identity each, with its source.

A :class:`Rule` rewrites one node (``apply`` returns the equal expression, or None where the
rule does not match).  Rules of the ``expand`` phase bring an expression to a normal form in
which equal parts meet and cancel (products distributed over sums, inverses of products
split, traces rotated to one cyclic order, vec/Kronecker folded back); rules of the ``fold``
phase shorten (a common factor out of a sum, 1 − σ(z) = σ(−z), X⁻ᵀ… kept whole) and are kept
only where the token cost drops.  ``example`` is a small document and an expression the rule
matches somewhere: the table-driven test checks every rule on it by numbers.

Cookbook = The Matrix Cookbook (Petersen & Pedersen, Nov 15 2012); tutorial = the Matrix
Calculus Tutorial (its identities 2, equations numbered as there); PRML = Bishop, Pattern
Recognition and Machine Learning (2006).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from matdiff.engine import expr as E
from matdiff.engine.cost import cost
from matdiff.engine.folds import (
    _elementwise,
    _flip,
    _kron_common,
    _merge_inverses,
    _norm,
    _one_minus_sigmoid,
    _sign_into_argument,
    _square_root,
    _transposed_whole,
)
from matdiff.engine.shape import Dim, Shape

Phase = Literal["expand", "fold"]


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    phase: Phase
    apply: Callable[[E.Expr], E.Expr | None]
    example: tuple[str, str]  # (declarations, an expression with a node the rule rewrites)


# ---------------------------------------------------------------------------- expand


def _distribute_product(e: E.Expr) -> E.Expr | None:
    """A(B + C)D = ABD + ACD; s(a + b) = sa + sb for a scalar sum s."""
    if not isinstance(e, E.Prod):
        return None
    fs = e.factors
    for k, f in enumerate(fs):
        if isinstance(f, E.Sum):
            return E.add(*(E.mul(E.num(e.coef), *fs[:k], t, *fs[k + 1 :]) for t in f.terms))
    return None


def _distribute_number(e: E.Expr) -> E.Expr | None:
    """c(A + B) = cA + cB for a number c."""
    if isinstance(e, E.Prod) and len(e.factors) == 1 and isinstance(e.factors[0], E.Sum):
        return E.add(*(E.scale(e.coef, t) for t in e.factors[0].terms))
    return None


def _distribute_hadamard(e: E.Expr) -> E.Expr | None:
    """A ∘ (B + C) = A ∘ B + A ∘ C."""
    if not isinstance(e, E.Hadamard):
        return None
    fs = e.factors
    for k, f in enumerate(fs):
        if isinstance(f, E.Sum):
            return E.add(*(E.hadamard(*fs[:k], t, *fs[k + 1 :]) for t in f.terms))
    return None


def _distribute_transpose(e: E.Expr) -> E.Expr | None:
    """(A + B)ᵀ = Aᵀ + Bᵀ."""
    if isinstance(e, E.Transpose) and isinstance(e.arg, E.Sum):
        return E.add(*(E.transpose(t) for t in e.arg.terms))
    return None


def _linear_unvec(e: E.Expr) -> E.Expr | None:
    """unvec, vec, sum and the diagonal are linear: unvec(a + b) = unvec(a) + unvec(b),
    unvec(s·v) = s·unvec(v)."""
    if not (isinstance(e, E.Unary) and e.op in ("unvec", "sumall", "vec", "diagpart")):
        return None
    builders: dict[str, Callable[[E.Expr], E.Expr]] = {
        "unvec": lambda v: E.unvec(v, e.shape), "sumall": E.sumall, "vec": E.vec,
        "diagpart": E.diagpart}  # fmt: skip
    build = builders[e.op]
    a = e.arg
    if isinstance(a, E.Sum):
        return E.add(*(build(t) for t in a.terms))
    if isinstance(a, E.Prod) and a.chain and (a.scalars or a.coef != 1):
        return E.mul(E.num(a.coef), *a.scalars, build(E.mul(*a.chain)))
    return None


def _power_of_sum(e: E.Expr) -> E.Expr | None:
    """(A + B)ᵏ = (A + B)(A + B)⋯ distributed (k ≤ 3, at most 27 products), so that the
    products of its terms meet: (I − J/n)² = I − J/n for J = ones(n, n) (J² = nJ)."""
    if not (isinstance(e, E.Unary) and e.op == "matpow" and isinstance(e.arg, E.Sum)):
        return None
    terms = e.arg.terms
    if e.k > 3 or len(terms) ** e.k > 27:
        return None
    return E.add(*(E.mul(*p) for p in itertools.product(terms, repeat=e.k)))


def _inverse_of_product(e: E.Expr) -> E.Expr | None:
    """(AB)⁻¹ = B⁻¹A⁻¹ for square factors (Cookbook eq. (1))."""
    if not (isinstance(e, E.Unary) and e.op == "inv" and isinstance(e.arg, E.Prod)):
        return None
    a = e.arg
    if len(a.chain) < 2 or not all(f.shape == a.shape for f in a.chain):
        return None
    scal = E.mul(E.num(a.coef), *a.scalars)
    return E.mul(E.power(scal, E.num(-1)), *(E.inv(f) for f in reversed(a.chain)))


def _hadamard_scalars(e: E.Expr) -> E.Expr | None:
    """(sA) ∘ B = s(A ∘ B) for a scalar s (and s1 ∘ B = sB)."""
    if not isinstance(e, E.Hadamard):
        return None
    for k, f in enumerate(e.factors):
        if isinstance(f, E.Prod) and f.scalars and f.chain:
            rest = (*e.factors[:k], E.mul(*f.chain), *e.factors[k + 1 :])
            return E.mul(E.num(f.coef), *f.scalars, E.hadamard(*rest))
    return None


def _power_of_hadamard(e: E.Expr) -> E.Expr | None:
    """(A ∘ B).^k = A.^k ∘ B.^k."""
    if isinstance(e, E.Elementwise) and e.fn == "pow" and isinstance(e.arg, E.Hadamard):
        p = e.param
        assert p is not None
        return E.hadamard(*(E.epow(f, p) for f in e.arg.factors))
    return None


def _sigmoid_of_negative(e: E.Expr) -> E.Expr | None:
    """σ(−z) = 1 − σ(z) (PRML eq. (4.60)), so that σ(z) and σ(−z) meet and cancel."""
    if isinstance(e, E.Elementwise) and e.fn == "sigmoid" and E.split_coef(e.arg)[0] < 0:
        return E.sub(E.ones(e.shape), E.elementwise("sigmoid", E.neg(e.arg)))
    return None


def _log_softmax(e: E.Expr) -> E.Expr | None:
    """log softmax(z) = z − logsumexp(z)·1 (PRML eq. (4.104) with its log); of a batch Z
    (by columns), Z − 1 logsumexp(Z) with logsumexp(Z) the row of its columns'."""
    if isinstance(e, E.Elementwise) and e.fn == "log" and isinstance(e.arg, E.Unary) \
            and e.arg.op == "softmax":  # fmt: skip
        z = e.arg.arg
        if not z.shape.is_vector:
            return E.sub(z, E.mul(E.ones(Shape(z.shape.rows, Dim())), E.logsumexp(z)))
        return E.sub(z, E.mul(E.logsumexp(z), E.ones(z.shape)))
    return None


def _inner_as_hadamard(e: E.Expr) -> E.Expr | None:
    """xᵀy = 1ᵀ(x ∘ y) (definition of ∘), where the Hadamard product then merges factors:
    (t ⊘ s)ᵀs = sum(t)."""
    if not (isinstance(e, E.Prod) and e.is_scalar and len(e.chain) == 2):
        return None
    a, b = e.chain
    if not (a.shape.is_row and b.shape.is_column):
        return None
    u, v = _leaves(E.transpose(a)), _leaves(b)
    if not (isinstance(u, E.Hadamard) or isinstance(v, E.Hadamard)):
        return None
    fs = (u.factors if isinstance(u, E.Hadamard) else (u,)) + (
        v.factors if isinstance(v, E.Hadamard) else (v,)
    )
    merged = E.hadamard(u, v)
    _, body = E.split_coef(merged)
    if isinstance(body, E.Hadamard) and len(body.factors) >= len(fs):
        return None  # nothing met: keep the inner product
    return E.mul(E.num(e.coef), *e.scalars, E.sumall(merged))


def _leaves(e: E.Expr) -> E.Expr:
    """e with transposes moved into Hadamard products and element-wise functions
    (f(A)ᵀ = f(Aᵀ)), so that (tᵀ ⊘ sᵀ)ᵀ meets s."""
    if isinstance(e, E.Transpose) and isinstance(e.arg, E.Hadamard | E.Elementwise):
        return _leaves(_flip(e.arg))
    if isinstance(e, E.Hadamard):
        return E.hadamard(*(_leaves(f) for f in e.factors))
    if isinstance(e, E.Elementwise) and isinstance(e.arg, E.Transpose):
        return _elementwise(e, _leaves(e.arg))
    return e


def _diag_sum(e: E.Expr) -> E.Expr | None:
    """diag(u) + c·diag(v) = diag(u + c·v) (diag is linear): one diag, whose argument then
    expands and cancels."""
    if not isinstance(e, E.Sum):
        return None
    args: list[E.Expr] = []
    rest: list[E.Expr] = []
    for t in e.terms:
        c, body = E.split_coef(t)
        if isinstance(body, E.Unary) and body.op == "diag":
            args.append(E.scale(c, body.arg))
        else:
            rest.append(t)
    if len(args) < 2:
        return None
    return E.add(E.diag(E.add(*args)), *rest)


def _diag_times_vector(e: E.Expr) -> E.Expr | None:
    """diag(d)v = d ∘ v, vᵀdiag(d) = (v ∘ d)ᵀ."""
    if not isinstance(e, E.Prod):
        return None
    ch = e.chain
    for k in range(len(ch) - 1):
        a, b = ch[k], ch[k + 1]
        if isinstance(a, E.Unary) and a.op == "diag" and b.shape.is_column:
            merged = E.hadamard(a.arg, b)
        elif isinstance(b, E.Unary) and b.op == "diag" and a.shape.is_row:
            merged = E.transpose(E.hadamard(b.arg, E.transpose(a)))
        else:
            continue
        return E.mul(E.num(e.coef), *e.scalars, *ch[:k], merged, *ch[k + 2 :])
    return None


def _diag_of_outer(e: E.Expr) -> E.Expr | None:
    """diag(x yᵀ) = x ∘ y, and diag(P diag(x) Q) = (P ∘ Qᵀ)x (both entry by entry:
    Σⱼ Pᵢⱼxⱼ Qⱼᵢ)."""
    if isinstance(e, E.Unary) and e.op == "diagpart" and isinstance(e.arg, E.Prod):
        a = e.arg
        if len(a.chain) == 2 and a.chain[0].shape.is_column:
            x, yt = a.chain
            return E.mul(E.num(a.coef), *a.scalars, E.hadamard(x, E.transpose(yt)))
        for k in range(1, len(a.chain) - 1):
            d = a.chain[k]
            if isinstance(d, E.Unary) and d.op == "diag":
                p, q = E.mul(*a.chain[:k]), E.mul(*a.chain[k + 1 :])
                return E.mul(E.num(a.coef), *a.scalars, E.hadamard(p, E.transpose(q)), d.arg)
    return None


def _trace_cycle(e: E.Expr) -> E.Expr | None:
    """tr(ABC) = tr(BCA) = tr(CAB) (Cookbook eq. (16)), tr(A) = tr(Aᵀ) (eq. (13)): one
    rotation for all, so equal traces meet; products rebuilt, so X⁻¹ … X cancels."""
    if not (isinstance(e, E.Unary) and e.op == "tr" and isinstance(e.arg, E.Prod)):
        return None
    a = e.arg
    ch = a.chain
    if len(ch) < 2:
        return None
    flipped = tuple(E.transpose(f) for f in reversed(ch))
    best: E.Expr | None = None
    for c in (ch, flipped):
        for k in range(len(c)):
            rot = c[k:] + c[:k]
            if not all(rot[i].shape.cols == rot[i + 1].shape.rows for i in range(len(rot) - 1)):
                continue
            got = E.mul(E.num(a.coef), *a.scalars, E.trace(E.mul(*rot)))
            if best is None or (cost(got), got.sort_key()) < (cost(best), best.sort_key()):
                best = got
    return best


def _unvec_kron(e: E.Expr) -> E.Expr | None:
    """unvec((A ⊗ B) vec X) = B X Aᵀ (Cookbook §10.2.2, vec(AXB) = (Bᵀ ⊗ A) vec X, read
    backwards)."""
    if not (isinstance(e, E.Unary) and e.op == "unvec" and isinstance(e.arg, E.Prod)):
        return None
    a = e.arg
    if len(a.chain) != 2 or not isinstance(a.chain[0], E.Kron):
        return None
    k, v = a.chain
    assert isinstance(k, E.Kron)
    A, B = k.left, k.right
    if isinstance(v, E.Unary) and v.op == "vec":
        X = v.arg
    else:
        X = E.unvec(v, Shape(B.shape.cols, A.shape.cols))
    if Shape(B.shape.rows, A.shape.rows) != e.shape:
        return None
    return E.mul(E.num(a.coef), *a.scalars, B, X, E.transpose(A))


def _kron_in_chain(e: E.Expr) -> E.Expr | None:
    """(A ⊗ B) vec C = vec(BCAᵀ) and vec(C)ᵀ(A ⊗ B) = vec(BᵀCA)ᵀ (Cookbook §10.2.2,
    vec(AXB) = (Bᵀ ⊗ A) vec X, read backwards) inside a product."""
    if not isinstance(e, E.Prod):
        return None
    ch = e.chain
    for k in range(len(ch) - 1):
        a, b = ch[k], ch[k + 1]
        merged: E.Expr | None = None
        if isinstance(a, E.Kron) and isinstance(b, E.Unary) and b.op == "vec":
            A, B, C = a.left, a.right, b.arg
            if C.shape == Shape(B.shape.cols, A.shape.cols):
                merged = E.vec(E.mul(B, C, E.transpose(A)))
        elif isinstance(b, E.Kron) and isinstance(a, E.Transpose) and isinstance(a.arg, E.Unary) \
                and a.arg.op == "vec":  # fmt: skip
            A, B, C = b.left, b.right, a.arg.arg
            if C.shape == Shape(B.shape.rows, A.shape.rows):
                merged = E.transpose(E.vec(E.mul(E.transpose(B), C, A)))
        if merged is not None:
            return E.mul(E.num(e.coef), *e.scalars, *ch[:k], merged, *ch[k + 2 :])
    return None


def _transpose_into_elementwise(e: E.Expr) -> E.Expr | None:
    """f(A)ᵀ = f(Aᵀ) for an element-wise f: transposes to the leaves, so like terms meet."""
    if isinstance(e, E.Transpose) and isinstance(e.arg, E.Elementwise):
        return _elementwise(e.arg, E.transpose(e.arg.arg))
    return None


_SQ = "X, A, B : matrix(n, n); x, y, d, v : vector(n); z : vector(n); W : matrix(m, n)\n"

RULES: tuple[Rule, ...] = (
    Rule("distribute a product", "A(B + C)D = ABD + ACD (distributivity)", "expand",
         _distribute_product, (_SQ, "A*(X + B)*x")),
    Rule("distribute a number", "c(A + B) = cA + cB (distributivity)", "expand",
         _distribute_number, (_SQ, "0.5*(2*A - 2*X)")),
    Rule("distribute a Hadamard product",
         "A ∘ (B + C) = A ∘ B + A ∘ C (Horn & Johnson, Topics in Matrix Analysis §5.1)",
         "expand", _distribute_hadamard, (_SQ, "x .* (ones(n) - y)")),
    Rule("transpose of a sum", "(A + B)ᵀ = Aᵀ + Bᵀ (Cookbook eq. (4))", "expand",
         _distribute_transpose, (_SQ, "(A*X + B)'")),
    Rule("transpose into an element-wise function", "f(A)ᵀ = f(Aᵀ) for an element-wise f",
         "expand", _transpose_into_elementwise, (_SQ, "(W.^2)' + W'.^2")),
    Rule("vec, unvec, sum and diag are linear",
         "vec(A + B) = vec(A) + vec(B), unvec(sv) = s·unvec(v), sum(sA) = s·sum(A), "
         "diag(A + sB) = diag(A) + s·diag(B)",
         "expand", _linear_unvec, (_SQ, "sum((x'*y)*A + X)*diag(2*(x.*d - y)*v' + X)")),
    Rule("scalars out of a Hadamard product", "(sA) ∘ B = s(A ∘ B) for a scalar s",
         "expand", _hadamard_scalars, (_SQ, "((x'*y)*ones(n)) .* z")),
    Rule("power of a Hadamard product", "(A ∘ B).^k = A.^k ∘ B.^k", "expand",
         _power_of_hadamard, (_SQ, "(x.*exp(y)).^3 ./ x")),
    Rule("power of a sum", "(A + B)² = A² + AB + BA + B² (distributivity)", "expand",
         _power_of_sum, (_SQ, "(eye(n) - ones(n, n)/3)^2 + (A + X)^3")),
    Rule("inverse of a product", "(AB)⁻¹ = B⁻¹A⁻¹ (Cookbook eq. (1))", "expand",
         _inverse_of_product, (_SQ, "inv(X'*A*X)")),
    Rule("sigmoid of a negative", "σ(−z) = 1 − σ(z) (PRML eq. (4.60))", "expand",
         _sigmoid_of_negative, (_SQ, "sigmoid(-z) + sigmoid(z)")),
    Rule("log of softmax", "log softmax(z) = z − logsumexp(z)·1 (PRML eq. (4.104), its log)",
         "expand", _log_softmax, (_SQ, "log(softmax(z))")),
    Rule("inner product as a Hadamard sum", "xᵀy = 1ᵀ(x ∘ y) (definition of ∘)", "expand",
         _inner_as_hadamard, (_SQ, "(y./exp(z))'*exp(z) + (y'./exp(A*z)')*exp(A*z)")),
    Rule("diag is linear", "diag(u) + diag(v) = diag(u + v)", "expand", _diag_sum,
         (_SQ, "diag(x.*y) - 2*diag(x) + A")),
    Rule("diag times a vector", "diag(d)v = d ∘ v (definition of diag)", "expand",
         _diag_times_vector, (_SQ, "A*diag(d)*v")),
    Rule("diagonal of an outer product",
         "diag(xyᵀ) = x ∘ y, diag(P diag(x) Q) = (P ∘ Qᵀ)x (definition of diag)", "expand",
         _diag_of_outer, (_SQ, "diag(x*y') + diag(A*diag(v)*X*B)")),
    Rule("trace cycling", "tr(ABC) = tr(CAB) (Cookbook eq. (16)), tr(Aᵀ) = tr(A) (eq. (13))",
         "expand", _trace_cycle, (_SQ, "tr(inv(X)*A*X)")),
    Rule("vec/Kronecker folded back",
         "unvec((A ⊗ B) vec X) = BXAᵀ (Cookbook §10.2.2: vec(AXB) = (Bᵀ ⊗ A) vec X)", "expand",
         _unvec_kron, (_SQ, "unvec(kron(A, B)*vec(X), n, n)")),
    Rule("distribute a number, where shorter", "c(A + B) = cA + cB (distributivity)", "fold",
         _distribute_number, (_SQ, "0.5*(2*A - 2*X)")),
    Rule("Kronecker times vec", "(A ⊗ B) vec C = vec(BCAᵀ) (Cookbook §10.2.2, read backwards)",
         "expand", _kron_in_chain, (_SQ, "vec(X)'*kron(A, B)*kron(A, X)*vec(B)")),
    Rule("one minus sigmoid", "1 − σ(z) = σ(−z) (PRML eq. (4.60))", "fold",
         _one_minus_sigmoid, (_SQ, "ones(n) - sigmoid(z) + y")),
    Rule("square root", "s^(1/2) = √s, √s² = s for s ≥ 0 (definition of the principal root)",
         "fold", _square_root, (_SQ, "x*(x'*x)^(-1/2) + exp(y).^0.5 + exp(y).^(-1/2).*z"
                                     " + (x'*x)^0.5*z + sqrt(exp(y)).^2 + sqrt(x'*x)^-2*y")),
    Rule("norm from an inner product", "√(xᵀx) = ‖x‖, √tr(XᵀX) = ‖X‖_F (Cookbook §10.4)",
         "fold", _norm, (_SQ, "sqrt(x'*x)*y + (x'*x)^(-3/2)*y + sqrt(tr(W'*W))*x")),
    Rule("sign into a difference", "−(P(a − b)Q) = P(b − a)Q (distributivity)", "fold",
         _sign_into_argument, (_SQ, "exp(-(A*(x - y)).*z) + diag(-X*(v - d))*y")),
    Rule("Kronecker factor in common", "A ⊗ B + A ⊗ C = A ⊗ (B + C) (Cookbook §10.2.1)",
         "fold", _kron_common, (_SQ, "kron(A, X) + 2*kron(A, B) + kron(B, X)")),
    Rule("inverses merged", "B⁻¹A⁻¹ = (AB)⁻¹ (Cookbook eq. (1))", "fold",
         _merge_inverses, (_SQ, "inv(X)*inv(A)*B")),
    Rule("transpose kept whole",
         "Aᵀ + Bᵀ = (A + B)ᵀ, BᵀAᵀ = (AB)ᵀ (Cookbook eqs. (4), (5)), f(Aᵀ) = f(A)ᵀ", "fold",
         _transposed_whole, (_SQ, "A' + X'*B'")),
)  # fmt: skip

EXPAND = tuple(r for r in RULES if r.phase == "expand")
FOLD = tuple(r for r in RULES if r.phase == "fold")
