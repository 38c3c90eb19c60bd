"""Reading the derivative off the differential (tutorial eqs. (1)–(6)).

For a scalar f, ``df`` is a sum of terms linear in dX.  :func:`adjoint` moves dX to the right
of a trace, term by term, the way the tutorial does by hand (a scalar is its own trace,
tr(A dX B) = tr(BA dX), tr(A dXᵀ) = tr(dX Aᵀ), ⟨A, B ∘ dX⟩ = ⟨A ∘ B, dX⟩): it returns the
gradient G with df = ⟨G, dX⟩ = tr(Gᵀ dX), so the numerator-layout derivative is Gᵀ.
For anything else :func:`jacobian` gives J with d vec F = J d vec X, using
vec(A dX B) = (Bᵀ ⊗ A) vec dX, vec(dXᵀ) = K vec dX and vec(A ∘ dX) = diag(vec A) vec dX.
"""

from __future__ import annotations

from fractions import Fraction

from matdiff.engine import expr as E
from matdiff.engine import ops
from matdiff.engine.expr import EngineError
from matdiff.engine.shape import Shape


def _dependent(factors: tuple[E.Expr, ...], d: str) -> int:
    hits = [k for k, f in enumerate(factors) if d in f.free]
    if len(hits) != 1:
        raise EngineError("the differential is not linear in the variable")
    return hits[0]


def inner(S: E.Expr, M: E.Expr) -> E.Expr:
    """⟨S, M⟩ = tr(Sᵀ M) for equal shapes, written the way a person would."""
    if S.is_scalar:
        return E.mul(S, M)
    if S.shape.is_column:
        return E.mul(E.transpose(S), M)
    if S.shape.is_row:
        return E.mul(M, E.transpose(S))
    return E.trace(E.mul(E.transpose(S), M))


def adjoint(e: E.Expr, S: E.Expr, x: E.Var) -> E.Expr:
    """G (shaped like x) with ⟨S, e⟩ = ⟨G, dx⟩, for e linear in dx."""
    d = "d:" + x.name
    if d not in e.free:
        return E.zeros(x.shape)
    if isinstance(e, E.Differential):
        return S
    if isinstance(e, E.Sum):
        return E.add(*(adjoint(t, S, x) for t in e.terms if d in t.free))
    if isinstance(e, E.Prod):
        k = _dependent(e.factors, d)
        f = e.factors[k]
        if f.is_scalar:
            rest = E.mul(E.num(e.coef), *e.factors[:k], *e.factors[k + 1 :])
            return adjoint(f, inner(S, rest), x)
        j = k - len(e.scalars)
        left = E.mul(*e.chain[:j]) if j else None
        right = E.mul(*e.chain[j + 1 :]) if j + 1 < len(e.chain) else None
        parts = [E.num(e.coef), *e.scalars]
        if left is not None:
            parts.append(E.transpose(left))
        parts.append(S)
        if right is not None:
            parts.append(E.transpose(right))
        return adjoint(f, E.mul(*parts), x)
    if isinstance(e, E.Transpose):
        return adjoint(e.arg, E.transpose(S), x)
    if isinstance(e, E.Hadamard):
        k = _dependent(e.factors, d)
        others = e.factors[:k] + e.factors[k + 1 :]
        return adjoint(e.factors[k], E.hadamard(S, *others), x)
    if isinstance(e, E.Unary) and (row := ops.UNARY[e.op]).adjoint is not None:  # linear
        return adjoint(e.arg, row.adjoint(e.arg, S), x)
    if isinstance(e, E.Kron):
        dep = e.left if d in e.left.free else e.right
        J = _kron_jacobian(e, dep is e.left)
        return adjoint(dep, E.unvec(E.mul(E.transpose(J), E.vec(S)), dep.shape), x)
    raise EngineError(f"cannot read the derivative off a differential of this form: {e!r}")


def _kron_jacobian(e: E.Kron, left_varies: bool) -> E.Expr:
    """d vec(A ⊗ B) by d vec(A) (or by d vec(B)): (I_n ⊗ K_{q,m} ⊗ I_p)(…)."""
    A, B = e.left, e.right
    m, n = A.shape.rows, A.shape.cols
    p, q = B.shape.rows, B.shape.cols
    P = E.kron(E.kron(E.identity(n), E.commutation(q, m)), E.identity(p))
    if left_varies:
        return E.mul(P, E.kron(E.identity(m * n), E.vec(B)))
    return E.mul(P, E.kron(E.vec(A), E.identity(p * q)))


def jacobian(e: E.Expr, x: E.Var) -> E.Expr:
    """J with vec(e) = J vec(dx), for e linear in dx: (size of e) × (size of x)."""
    d = "d:" + x.name
    size = x.shape.size
    if d not in e.free:
        return E.zeros(Shape(e.shape.size, size))
    if isinstance(e, E.Differential):
        return E.identity(size)
    if isinstance(e, E.Sum):
        return E.add(*(jacobian(t, x) for t in e.terms if d in t.free))
    if isinstance(e, E.Prod):
        k = _dependent(e.factors, d)
        f = e.factors[k]
        if f.is_scalar:
            rest = E.mul(E.num(e.coef), *e.factors[:k], *e.factors[k + 1 :])
            return E.mul(E.vec(rest), jacobian(f, x))
        j = k - len(e.scalars)
        left = E.mul(*e.chain[:j]) if j else E.identity(f.shape.rows)
        right = E.mul(*e.chain[j + 1 :]) if j + 1 < len(e.chain) else E.identity(f.shape.cols)
        return E.mul(E.num(e.coef), *e.scalars, E.kron(E.transpose(right), left), jacobian(f, x))
    if isinstance(e, E.Transpose):
        a = e.arg
        return E.mul(E.commutation(a.shape.rows, a.shape.cols), jacobian(a, x))
    if isinstance(e, E.Hadamard):
        k = _dependent(e.factors, d)
        others = E.hadamard(*(e.factors[:k] + e.factors[k + 1 :])) if len(e.factors) > 2 \
            else e.factors[1 - k]  # fmt: skip
        return E.mul(E.diag(E.vec(others)), jacobian(e.factors[k], x))
    if isinstance(e, E.Kron):
        dep_left = d in e.left.free
        dep = e.left if dep_left else e.right
        return E.mul(_kron_jacobian(e, dep_left), jacobian(dep, x))
    if isinstance(e, E.Unary) and (row := ops.UNARY[e.op]).jacobian is not None:  # linear
        J = row.jacobian(e.arg)
        return jacobian(e.arg, x) if J is None else E.mul(J, jacobian(e.arg, x))
    raise EngineError(f"cannot read the Jacobian off a differential of this form: {e!r}")


def project(G: E.Expr, x: E.Var) -> E.Expr:
    """The gradient on a structured variable: sym(G) = (G + Gᵀ)/2 for symmetric X (not the
    Cookbook's G + Gᵀ − diag G), the diagonal part for a diagonal X."""
    if x.shape.is_scalar:
        return G
    if "diagonal" in x.props:
        return E.diag(E.diagpart(G))
    if x.props & {"symmetric", "spd"}:
        return E.scale(Fraction(1, 2), E.add(G, E.transpose(G)))
    return G


def project_hessian(H: E.Expr, x: E.Var) -> E.Expr:
    """The Hessian on a structured variable: Π H Π, with Π the projection of vec X onto the
    structure — (I + K)/2 for symmetric X, diag(vec I) for a diagonal X.  Like sym(G), it is
    the same second differential d vec(X)ᵀ H d vec X on structured dX; it is symmetric, and
    H vec dX = d vec ∇f, the change of the structured gradient (``project``)."""
    if x.shape.is_scalar:
        return H
    n = x.shape.rows
    if "diagonal" in x.props:
        P = E.diag(E.vec(E.identity(n)))
        return E.mul(P, H, P)
    if x.props & {"symmetric", "spd"}:  # built factored: H is written once, not four times
        P = E.add(E.identity(n * n), E.commutation(n, n))
        return E.scale(Fraction(1, 4), E.mul(P, H, P))
    return H
