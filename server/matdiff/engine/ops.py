"""The operation table: one row per function of the language.

An element-wise function σ is a :class:`Pointwise` row: its derivative σ'(X) (from X and
σ(X)), the identity as a person writes it, and whether σ is positive everywhere.  Its
constructor is the generic ``expr.elementwise``, its shape the argument's, its differential
d σ(X) = σ'(X) ∘ dX (tutorial eq. (19)).

A matrix function is a :class:`MatrixFunction` row: its smart constructor, the name of its
differential rule (the tutorial or Cookbook equation a derivation step cites) and either the
rule itself or, for a linear function, how its adjoint and its Jacobian read off (d f(X) =
f(dX)).

Everything else about an operation is keyed by the same name, outside the engine core:
``base.language`` (its signature; the parser and the shape checker read it), the printers
(``printer.py``: text, dsl, latex), the code emitters (``numpy_emit.BACKENDS``: NumPy,
PyTorch, JAX) and the evaluator (``numeric.evaluate``).  ``tests/engine/test_ops.py`` holds
every table to every row.  A new element-wise function is a row here, its entries there, and
a one-line identity in ``tests/engine/test_identities.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from matdiff.engine import expr as E
from matdiff.engine.shape import Dim, Shape

# ------------------------------------------------------------------ element-wise functions


@dataclass(frozen=True, slots=True)
class Pointwise:
    """An element-wise function σ: σ'(X) from X and σ(X)."""

    name: str
    prime: Callable[[E.Expr, E.Expr], E.Expr]
    identity: str  # σ' as a person writes it
    positive: bool = False  # σ(x) > 0 for every x


def _inv_sqrt_one_minus_square(x: E.Expr) -> E.Expr:
    """(1 − x²)^(−1/2), entry by entry: arcsin' (and −arccos')."""
    return E.epow(E.sub(E.ones(x.shape), E.epow(x, E.num(2))), E.num(Fraction(-1, 2)))


ELEMENTWISE: dict[str, Pointwise] = {p.name: p for p in (
    Pointwise("exp", lambda x, y: y, "exp' = exp", positive=True),
    Pointwise("log", lambda x, y: E.epow(x, E.num(-1)), "log' x = 1/x, eq. (1)"),
    Pointwise("sin", lambda x, y: E.elementwise("cos", x), "sin' = cos"),
    Pointwise("cos", lambda x, y: E.neg(E.elementwise("sin", x)), "cos' = −sin"),
    Pointwise("tan", lambda x, y: E.add(E.ones(x.shape), E.epow(y, E.num(2))), "tan' = 1 + tan²"),
    Pointwise("arcsin", lambda x, y: _inv_sqrt_one_minus_square(x), "arcsin' x = 1/√(1 − x²)"),
    Pointwise("arccos", lambda x, y: E.neg(_inv_sqrt_one_minus_square(x)),
              "arccos' x = −1/√(1 − x²)"),
    Pointwise("arctan", lambda x, y: E.epow(E.add(E.ones(x.shape), E.epow(x, E.num(2))),
                                            E.num(-1)), "arctan' x = 1/(1 + x²)"),
    Pointwise("tanh", lambda x, y: E.sub(E.ones(x.shape), E.epow(y, E.num(2))),
              "tanh' = 1 − tanh²"),
    Pointwise("sqrt", lambda x, y: E.scale(Fraction(1, 2), E.epow(y, E.num(-1))),
              "sqrt' x = 1/(2√x)"),
    Pointwise("abs", lambda x, y: E.elementwise("sign", x), "abs' = sign"),
    Pointwise("sigmoid", lambda x, y: E.hadamard(y, E.sub(E.ones(x.shape), y)),
              "σ' = σ(1 − σ)", positive=True),
    Pointwise("relu", lambda x, y: E.elementwise("step", x), "relu' = step"),
    Pointwise("softplus", lambda x, y: E.elementwise("sigmoid", x), "softplus' = σ",
              positive=True),
    Pointwise("step", lambda x, y: E.zeros(x.shape), "step' = 0 (almost everywhere)"),
    Pointwise("sign", lambda x, y: E.zeros(x.shape), "sign' = 0 (almost everywhere)"),
)}  # fmt: skip


# ------------------------------------------------------------------ matrix functions

# d f(X) from f(X) (``e``, a Unary node) and dX
Rule = Callable[[E.Unary, E.Expr], E.Expr]


@dataclass(frozen=True, slots=True)
class MatrixFunction:
    """A one-argument matrix function (an ``expr.Unary`` op).

    ``differential`` is None for a linear function (d f(X) = f(dX)); then ``adjoint(X, S)``
    gives what S becomes below f (tr(Sᵀ f(dX)) = tr(adjoint(X, S)ᵀ dX)), and ``jacobian(X)``
    the matrix J with vec f(dX) = J vec dX (None: the identity).
    """

    name: str
    rule: str  # how a derivation step names its differential: the tutorial equation
    build: Callable[[E.Expr], E.Expr] | None  # the smart constructor (None: it takes more)
    differential: Rule | None = None
    adjoint: Callable[[E.Expr, E.Expr], E.Expr] | None = None
    jacobian: Callable[[E.Expr], E.Expr | None] | None = None


def _adj(e: E.Unary, dx: E.Expr) -> E.Expr:  # adj X = |X| X⁻¹
    x = e.arg
    xi = E.inv(x)
    dxi = E.neg(E.mul(xi, dx, xi))
    return E.add(E.mul(E.det(x), E.trace(E.mul(xi, dx)), xi), E.mul(E.det(x), dxi))


def _matpow(e: E.Unary, dx: E.Expr) -> E.Expr:
    x, k = e.arg, e.k
    E.check_size(k * (2 * x.size + dx.size + 3))  # the k terms, refused before building
    return E.add(*(E.mul(E.matpow(x, i), dx, E.matpow(x, k - 1 - i)) for i in range(k)))


def _batch(e: E.Unary, dx: E.Expr) -> E.Expr:
    """softmax and logsumexp of an m×N batch: by columns."""
    x = e.arg
    s = E.softmax(x)
    ones = E.ones(Shape(x.shape.rows, Dim()))
    column_sums = E.mul(E.transpose(ones), E.hadamard(s, dx))  # 1ᵀ(S ∘ dZ), 1×N
    if e.op == "logsumexp":
        return column_sums
    return E.sub(E.hadamard(s, dx), E.hadamard(s, E.mul(ones, column_sums)))


def _softmax(e: E.Unary, dx: E.Expr) -> E.Expr:  # ds = s ∘ dx − s (sᵀ dx)
    if not e.arg.shape.is_vector:  # a batch: by columns
        return _batch(e, dx)
    s = e
    inner = E.mul(E.transpose(s), dx) if e.arg.shape.is_column else E.mul(dx, E.transpose(s))
    return E.sub(E.hadamard(s, dx), E.mul(s, inner))


def _logsumexp(e: E.Unary, dx: E.Expr) -> E.Expr:
    if not e.arg.shape.is_vector:  # a batch: by columns
        return _batch(e, dx)
    sm = E.softmax(e.arg)
    return E.mul(E.transpose(sm), dx) if e.arg.shape.is_column else E.mul(dx, E.transpose(sm))


_ONE = Dim()


def _column(n: Dim) -> Shape:
    return Shape(n, _ONE)


def _diag_jacobian(a: E.Expr) -> E.Expr:
    n = a.shape.rows
    spread = E.kron(E.ones(_column(n)), E.identity(n))
    return E.mul(E.diag(E.vec(E.identity(n))), spread)


def _diagpart_jacobian(a: E.Expr) -> E.Expr:
    n = a.shape.rows
    gather = E.kron(E.ones(Shape(_ONE, n)), E.identity(n))
    return E.mul(gather, E.diag(E.vec(E.identity(n))))


UNARY: dict[str, MatrixFunction] = {f.name: f for f in (
    # linear: d f(X) = f(dX); the adjoint and the Jacobian read the derivative off
    MatrixFunction("tr", "d tr(X) = tr(dX), eq. (17)", E.trace,
                   adjoint=lambda a, S: E.mul(S, E.identity(a.shape.rows)),
                   jacobian=lambda a: E.transpose(E.vec(E.identity(a.shape.rows)))),
    MatrixFunction("diag", "diag is linear: d diag(x) = diag(dx)", E.diag,
                   adjoint=lambda a, S: E.diagpart(S), jacobian=_diag_jacobian),
    MatrixFunction("diagpart", "diag is linear: d diag(X) = diag(dX)", E.diagpart,
                   adjoint=lambda a, S: E.diag(S), jacobian=_diagpart_jacobian),
    MatrixFunction("vec", "vec is linear: d vec(X) = vec(dX)", E.vec,
                   adjoint=lambda a, S: E.unvec(S, a.shape), jacobian=lambda a: None),
    MatrixFunction("sumall", "sum is linear: d sum(X) = sum(dX)", E.sumall,
                   adjoint=lambda a, S: E.mul(S, E.ones(a.shape)),
                   jacobian=lambda a: E.transpose(E.ones(_column(a.shape.size)))),
    MatrixFunction("unvec", "unvec is linear", None,
                   adjoint=lambda a, S: E.vec(S), jacobian=lambda a: None),
    # the tutorial's identities 2
    MatrixFunction("inv", "d(X⁻¹) = −X⁻¹ dX X⁻¹, eq. (16)", E.inv,
                   lambda e, dx: E.neg(E.mul(e, dx, e))),
    MatrixFunction("det", "d|X| = |X| tr(X⁻¹ dX), eq. (18)", E.det,
                   lambda e, dx: E.mul(e, E.trace(E.mul(E.inv(e.arg), dx)))),
    MatrixFunction("logdet", "d ln|X| = tr(X⁻¹ dX), eqs. (1), (18)", E.logdet,
                   lambda e, dx: E.trace(E.mul(E.inv(e.arg), dx))),
    MatrixFunction("adj", "d adj(X) = d(|X| X⁻¹), eqs. (10), (16), (18)", E.adj, _adj),
    MatrixFunction("matpow", "d(Xᵏ) = Σ Xⁱ dX Xᵏ⁻¹⁻ⁱ, eq. (11)", None, _matpow),
    MatrixFunction("norm2", "d‖X‖ = tr(Xᵀ dX)/‖X‖", E.norm2,  # d‖X‖ = tr(Xᵀ dX)/‖X‖
                   lambda e, dx: E.mul(E.power(e, E.num(-1)),
                                       E.trace(E.mul(E.transpose(e.arg), dx)))),
    MatrixFunction("norm1", "d‖X‖₁ = sum(sign(X) ∘ dX)", E.norm1,
                   lambda e, dx: E.sumall(E.hadamard(E.elementwise("sign", e.arg), dx))),
    MatrixFunction("softmax", "d softmax(x) = s ∘ dx − s sᵀ dx", E.softmax, _softmax),
    MatrixFunction("logsumexp", "d logsumexp(x) = softmax(x)ᵀ dx", E.logsumexp, _logsumexp),
)}  # fmt: skip
