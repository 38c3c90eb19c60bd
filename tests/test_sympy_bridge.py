"""matdiff.sympy: derivatives of SymPy matrix expressions, checked by value.

Every derivative is checked against central finite differences of the *SymPy* expression
itself (random numeric matrices substituted into SymPy's objects), so the test does not
trust matdiff's engine.  The cases include every kind SymPy 1.14's own ``diff`` gets wrong
(log-det and det, Gaussian likelihoods, ridge, a scalar function of a quadratic form,
logistic regression, softmax cross-entropy, a tanh layer, element-wise powers).

A matrix-valued function by a matrix is SymPy's array ``[i, j, k, l] = ∂F[k, l]/∂X[i, j]``
(shape ``X.shape + F.shape``): the linear cases, which SymPy gets right, are compared with
SymPy's own answer entry by entry; all of them against 4-dimensional finite differences.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

sp = pytest.importorskip("sympy")
HadamardPower = sp.HadamardPower
DiagonalOf = sp.matrices.expressions.diagonal.DiagonalOf

from matdiff import MatdiffError  # noqa: E402
from matdiff import sympy as ms  # noqa: E402

n, m = sp.Symbol("n"), sp.Symbol("m")
SIZES = {n: 3, m: 2}
x, a, b, mu = (sp.MatrixSymbol(s, n, 1) for s in ("x", "a", "b", "mu"))
y, t = sp.MatrixSymbol("y", m, 1), sp.MatrixSymbol("t", m, 1)
A, B, X, S = (sp.MatrixSymbol(s, n, n) for s in ("A", "B", "X", "S"))
W, Z = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("Z", m, n)
r = sp.MatrixSymbol("r", 1, n)
lam = sp.Symbol("lam")
ones_m = sp.OneMatrix(1, m)


def sigmoid(z: Any) -> Any:
    return 1 / (1 + sp.exp(-z))


def quad(v: Any, M: Any) -> Any:
    return sp.Trace(v.T * M * v)


CASES: list[tuple[str, Callable[[], Any], Any]] = [
    ("x'Ax", lambda: x.T * A * x, x),
    ("a'x", lambda: a.T * x, x),
    ("tr(AXB)", lambda: sp.Trace(A * X * B), X),
    ("tr(X'AX)", lambda: sp.Trace(X.T * A * X), X),
    ("tr(X^3)", lambda: sp.Trace(X**3), X),
    ("tr(X'A)", lambda: sp.Trace(X.T * A), X),
    ("||Wx+b||^2 by W", lambda: (W * x - y).T * (W * x - y), W),
    ("||WA-Z||_F^2", lambda: sp.Trace((W * A - Z).T * (W * A - Z)), W),
    ("log det X", lambda: sp.log(sp.Determinant(X)), X),
    ("det X", lambda: sp.Determinant(X), X),
    ("tr(X^-1 A)", lambda: sp.Trace(X.I * A), X),
    ("a'X^-1 b", lambda: a.T * X.I * b, X),
    ("Gaussian by mu", lambda: -sp.log(sp.Determinant(S)) / 2 - quad(x - mu, S.I) / 2, mu),
    ("Gaussian by S", lambda: -sp.log(sp.Determinant(S)) / 2 - quad(x - mu, S.I) / 2, S),
    (
        "ridge by x",
        lambda: sp.Trace((W * x - y).T * (W * x - y)) + lam * quad(x, sp.Identity(n)),
        x,
    ),
    ("ridge by lam", lambda: sp.Trace((W * x - y).T * (W * x - y)) + lam * sp.Trace(x.T * x), lam),
    ("exp(x'x)", lambda: sp.exp(sp.Trace(x.T * x)), x),
    ("sqrt(x'x)", lambda: sp.sqrt(sp.Trace(x.T * x)), x),
    (
        "logistic regression",
        lambda: (
            -sp.Trace(y.T * (W * x).applyfunc(lambda z: sp.log(sigmoid(z))))
            - sp.Trace(
                (sp.OneMatrix(m, 1) - y).T * (W * x).applyfunc(lambda z: sp.log(1 - sigmoid(z)))
            )
        ),
        x,
    ),
    (
        "softmax cross-entropy by W",
        lambda: -sp.Trace(t.T * W * x) + sp.log(sp.Trace(ones_m * (W * x).applyfunc(sp.exp))),
        W,
    ),
    (
        "tanh layer by W",
        lambda: sp.Trace((W * x).applyfunc(sp.tanh).T * (W * x).applyfunc(sp.tanh)),
        W,
    ),
    ("Hadamard x∘Ax", lambda: sp.Trace(sp.OneMatrix(1, n) * sp.HadamardProduct(x, A * x)), x),
    ("Hadamard power", lambda: sp.Trace(sp.OneMatrix(1, n) * sp.HadamardPower(x, 3)), x),
    ("tr(diag(x) A)", lambda: sp.Trace(sp.DiagMatrix(x) * A), x),
    ("log det(X'X + I)", lambda: sp.log(sp.Determinant(X.T * X + sp.Identity(n))), X),
    ("sigmoid layer by x (vector by vector)", lambda: (W * x).applyfunc(sigmoid), x),
    ("Ax + x∘x (vector by vector)", lambda: A * x + sp.HadamardProduct(x, x), x),
    ("matrix by scalar", lambda: lam * A + lam**2 * X, lam),
    ("scalar by scalar", lambda: lam**3 * sp.Trace(A), lam),
]


def explicit(e: Any) -> Any:
    """``e`` at the test sizes, with OneMatrix/Identity/ZeroMatrix written out."""
    e = e.subs(SIZES)
    e = e.replace(sp.OneMatrix, lambda r, c: sp.ImmutableMatrix(sp.ones(r, c)))
    e = e.replace(sp.ZeroMatrix, lambda r, c: sp.ImmutableMatrix(sp.zeros(r, c)))
    return e.replace(sp.Identity, lambda r: sp.ImmutableMatrix(sp.eye(r)))


def value(e: Any, env: dict[Any, np.ndarray | float]) -> np.ndarray:
    subs = {}
    for sym, v in env.items():
        if isinstance(sym, sp.MatrixSymbol):
            concrete = sym.subs(SIZES)
            subs[concrete] = sp.ImmutableMatrix(np.asarray(v).reshape(concrete.shape))
        else:
            subs[sym] = sp.Float(float(v))
    out = e.replace(  # SymPy cannot take the shape of the diagonal of an explicit matrix
        DiagonalOf,
        lambda M: sp.HadamardProduct(M, sp.Identity(M.shape[0])) * sp.OneMatrix(M.shape[0], 1),
    )
    out = explicit(out).xreplace(subs).doit()
    out = out.replace(  # SymPy leaves element-wise powers of explicit matrices unevaluated
        HadamardPower, lambda base, k: sp.ImmutableMatrix(base.doit()).applyfunc(lambda z: z**k)
    )
    out = sp.N(out.doit())
    return np.array(out.tolist() if hasattr(out, "tolist") else out, dtype=float)


def sample(rng: np.random.Generator, e: Any, wrt: Any) -> dict[Any, Any]:
    env: dict[Any, Any] = {}
    for sym in {*e.atoms(sp.MatrixSymbol), wrt}:
        if isinstance(sym, sp.MatrixSymbol):
            r, c = (int(sp.sympify(d).subs(SIZES)) for d in sym.shape)
            v = rng.normal(size=(r, c))
            if sym in (X, S):  # well inside the invertible (and, for S, positive) matrices
                v = v @ v.T + 3 * np.eye(r) if sym is S else v + 4 * np.eye(r)
            env[sym] = v
    for sym in e.free_symbols | {wrt}:
        if isinstance(sym, sp.Symbol) and sym not in SIZES:
            env[sym] = float(rng.uniform(0.5, 1.5))
    return env


def directional(e: Any, env: dict[Any, Any], wrt: Any, v: Any, h: float = 1e-5) -> np.ndarray:
    plus, minus = dict(env), dict(env)
    plus[wrt] = env[wrt] + h * v
    minus[wrt] = env[wrt] - h * v
    return (value(e, plus) - value(e, minus)) / (2 * h)


@pytest.mark.parametrize(("name", "build", "wrt"), CASES, ids=[c[0] for c in CASES])
def test_derivative_by_value(name: str, build: Callable[[], Any], wrt: Any) -> None:
    e = build()
    d = ms.diff(e, wrt)
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    env = sample(rng, e, wrt)
    got = value(d, env)
    f_shape = np.shape(value(e, env))
    for _ in range(2):
        v = rng.normal(size=np.shape(env[wrt])) if not isinstance(wrt, sp.Symbol) else 1.0
        want = directional(e, env, wrt, v)
        if isinstance(wrt, sp.Symbol):  # by a scalar: shaped like the function
            predicted = got.reshape(np.shape(want)) * v
        elif np.size(want) == 1:  # a scalar by a vector or matrix: shaped like the variable
            assert got.shape == np.shape(env[wrt]), (got.shape, name)
            predicted = np.sum(got * v)
        else:  # a column vector by a column vector: n×m, the Jacobian transposed
            assert got.shape == (np.size(v), f_shape[0]), (got.shape, name)
            predicted = got.T @ v
        np.testing.assert_allclose(np.reshape(predicted, np.shape(want)), want, rtol=1e-5,
                                   atol=1e-6, err_msg=name)  # fmt: skip


def test_agrees_with_sympy_where_sympy_is_right() -> None:
    """SymPy's convention, read off the cases it gets right: the same SymPy objects back."""
    assert ms.diff(x.T * A * x, x) == (A + A.T) * x
    assert ms.diff(sp.Trace(A * X), X) == A.T
    assert (sp.Trace(A * X)).diff(X) == A.T
    assert ms.diff(W * x, x) == W.T == (W * x).diff(x)
    assert ms.diff(lam * W, lam) == W == (lam * W).diff(lam)


def test_sympy_own_diff_is_wrong_where_this_is_right() -> None:
    """What the bridge is for: SymPy 1.14 says d log det X / dX = 0."""
    e = sp.log(sp.Determinant(X))
    ours = ms.diff(e, X)
    assert ours == X.T.I
    rng = np.random.default_rng(1)
    env = sample(rng, e, X)
    np.testing.assert_allclose(value(ours, env), np.linalg.inv(env[X]).T, rtol=1e-9)


@pytest.mark.parametrize(("name", "build", "wrt"), CASES, ids=[c[0] for c in CASES])
def test_round_trip_from_sympy_to_sympy(name: str, build: Callable[[], Any], wrt: Any) -> None:
    e = build()
    text = ms.from_sympy(e)
    back = ms.to_sympy(text, "f")
    env = sample(np.random.default_rng(7), e, wrt)
    np.testing.assert_allclose(value(back, env), value(e, env), rtol=1e-9, err_msg=text)


DOCUMENTS = [
    "x : vector(n); A : matrix(n, n); f = x'*A*x",
    "W : matrix(m, n); x : vector(n); b : vector(m)\nr = W*x + b\nloss = norm2(r)^2",
    "X : matrix(n, n); f = logdet(X) + tr(inv(X)) - 2*det(X)",
    "W : matrix(m, n); x : vector(n); t : vector(m); ce = -t'*log(softmax(W*x))",
    "x : vector(n); lam : scalar; f = lam*sum(exp(x)) + logsumexp(x) + norm1(x) + sqrt(x'*x)",
    "x : vector(n); A : matrix(n, n); f = sum(sigmoid(A*x) .* relu(x) + softplus(x) ./ (I*x))",
    "A : matrix(n, n); x : vector(n); v = diag(A) + diag(diag(x)*A) + diag(x)*x - x.^2",
]


@pytest.mark.parametrize("source", DOCUMENTS)
def test_round_trip_to_sympy_from_sympy(source: str) -> None:
    e = ms.to_sympy(source)
    text = ms.from_sympy(e)
    again = ms.to_sympy(text)
    env = sample(np.random.default_rng(3), e, next(iter(e.free_symbols)))
    for sym in list(env):  # keep away from the kinks of relu and abs
        if isinstance(sym, sp.MatrixSymbol):
            env[sym] = np.where(np.abs(env[sym]) < 0.1, 0.5, env[sym])
    np.testing.assert_allclose(value(again, env), value(e, env), rtol=1e-9, err_msg=text)


def test_to_sympy_structure() -> None:
    src = "W : matrix(m, n); x : vector(n); b : vector(m)\nr = W*x + b\nloss = r'*r\n"
    assert ms.to_sympy(src, "loss") == (W * x + sp.MatrixSymbol("b", m, 1)).T * (
        W * x + sp.MatrixSymbol("b", m, 1)
    )
    assert ms.to_sympy(src, "W") == W
    assert ms.from_sympy(x.T * A * x) == "A : matrix(n, n)\nx : vector(n)\nf = x'*A*x\n"
    assert ms.from_sympy(lam * X / 2, name="g") == "lam : scalar\nX : matrix(n, n)\ng = lam*X/2\n"


def test_names_sympy_spells_otherwise() -> None:
    """Names that are not identifiers of the language, or are reserved, are renamed."""
    sigma = sp.MatrixSymbol("Σ", n, n)
    tr = sp.MatrixSymbol("tr", n, 1)
    e = sp.Trace(tr.T * sigma * tr)
    text = ms.from_sympy(e)
    assert "Sigma : matrix(n, n)" in text and "tr_2 : vector(n)" in text, text
    d = ms.diff(e, tr)
    assert d == (sigma + sigma.T) * tr


def test_errors() -> None:
    with pytest.raises(MatdiffError, match="cannot write d vec/d vec = kron"):
        ms.diff(sp.KroneckerProduct(X, A), X)  # the Jacobian of a Kronecker product
    with pytest.raises(MatdiffError, match="1:21: cannot multiply"):
        ms.to_sympy("x : vector(n); f = x*x")
    with pytest.raises(MatdiffError, match="cannot read"):
        ms.from_sympy(sp.Trace(X) * sp.Integral(lam, lam))


# Matrix-valued functions by matrices: SymPy's 4-dimensional arrays --------------------------

LINEAR: list[tuple[str, Callable[[], Any], Any]] = [
    ("AXB", lambda: A * X * B, X),
    ("X'", lambda: X.T, X),
    ("X", lambda: X, X),
    ("W' (non-square)", lambda: W.T, W),
    ("Z'WA", lambda: Z.T * W * A, W),
    ("AW' + W'B'", lambda: A * W.T + (W.T * sp.Identity(m)), W),
    ("W∘Z", lambda: sp.HadamardProduct(W, Z), W),
    ("lam*W - 2*WA", lambda: lam * W - 2 * W * A, W),
    ("Wx by W (a vector by a matrix)", lambda: W * x, W),
    ("x'W' by W (a row by a matrix)", lambda: x.T * W.T, W),
    ("x'A by x (a row by a vector)", lambda: x.T * A, x),
    ("Ar' by a row r", lambda: A * r.T, r),
]

NONLINEAR: list[tuple[str, Callable[[], Any], Any]] = [
    ("X^-1", lambda: X.I, X),
    ("X'X", lambda: X.T * X, X),
    ("X∘X", lambda: sp.HadamardProduct(X, X), X),
    ("X^2", lambda: X**2, X),
    ("X^3", lambda: X**3, X),
    ("W'W (non-square)", lambda: W.T * W, W),
    ("WAW'", lambda: W * A * W.T, W),
    ("X^-1 A X", lambda: X.I * A * X, X),
    ("tr(X) X", lambda: sp.Trace(X) * X, X),
    ("det(X) X^-1", lambda: sp.Determinant(X) * X.I, X),
    ("exp.(WA)", lambda: (W * A).applyfunc(sp.exp), W),
    ("X∘X∘X", lambda: sp.HadamardPower(X, 3), X),
    ("xx' by x (a matrix by a vector)", lambda: x * x.T, x),
    ("tanh.(Wx)x' by x", lambda: (W * x).applyfunc(sp.tanh) * x.T, x),
    ("r'r by a row r", lambda: r.T * r, r),
    ("sum(X) X", lambda: sp.Trace(sp.OneMatrix(1, n) * X * sp.OneMatrix(n, 1)) * X, X),
]


def array_value(e: Any, env: dict[Any, Any]) -> np.ndarray:
    """The entries of a SymPy array (or matrix) expression at numeric values."""
    subs = {}
    for sym, v in env.items():
        if isinstance(sym, sp.MatrixSymbol):
            concrete = sym.subs(SIZES)
            subs[concrete] = sp.ImmutableMatrix(np.asarray(v).reshape(concrete.shape))
        else:
            subs[sym] = sp.Float(float(v))
    out = sp.Array(explicit(e).xreplace(subs).as_explicit())
    return np.array(out.applyfunc(lambda z: sp.N(z.doit())).tolist(), dtype=float)


def differences(e: Any, env: dict[Any, Any], wrt: Any) -> np.ndarray:
    """[i, j, k, l] = ∂F[k, l]/∂X[i, j] by central differences of SymPy's own values."""
    shape = np.shape(env[wrt])
    out = np.zeros(shape + np.shape(value(e, env)))
    for idx in np.ndindex(shape):
        unit = np.zeros(shape)
        unit[idx] = 1.0
        out[idx] = directional(e, env, wrt, unit)
    return out


def sympy_shape(e: Any) -> tuple[int, ...]:
    return tuple(int(sp.sympify(d).subs(SIZES)) for d in e.shape)


@pytest.mark.parametrize(("name", "build", "wrt"), LINEAR, ids=[c[0] for c in LINEAR])
def test_linear_matrix_by_matrix_is_sympys_answer(
    name: str, build: Callable[[], Any], wrt: Any
) -> None:
    e = build()
    ours, theirs = ms.diff(e, wrt), e.diff(wrt)
    assert sympy_shape(ours) == sympy_shape(theirs), name
    env = sample(np.random.default_rng(abs(hash(name)) % 2**32), e, wrt)
    got = array_value(ours, env)
    np.testing.assert_allclose(got, array_value(theirs, env), rtol=1e-12, atol=1e-12)
    want = differences(e, env, wrt)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-6, atol=1e-7, err_msg=name)


def test_matrix_by_matrix_in_sympys_own_form() -> None:
    """The same SymPy objects as SymPy's own diff where it is right: the index order is
    SymPy's, [i, j, k, l] = ∂F[k, l]/∂X[i, j], and the types are its array expressions."""
    for e, wrt in ((A * X * B, X), (X.T, X), (X, X), (W * x, W), (X.I, X), (x.T * A, x)):
        assert ms.diff(e, wrt) == e.diff(wrt), e
    d = ms.diff(A * X * B, X)  # ∂(AXB)[k, l]/∂X[i, j] = A[k, i]·B[j, l]
    assert isinstance(d, sp.tensor.array.expressions.PermuteDims)
    env = sample(np.random.default_rng(5), A * X * B, X)
    want = np.einsum("ki,jl->ijkl", env[A], env[B])
    np.testing.assert_allclose(array_value(d, env), want, rtol=1e-12)


@pytest.mark.parametrize(("name", "build", "wrt"), NONLINEAR, ids=[c[0] for c in NONLINEAR])
def test_nonlinear_matrix_by_matrix_by_value(name: str, build: Callable[[], Any], wrt: Any) -> None:
    e = build()
    d = ms.diff(e, wrt)
    assert sympy_shape(d) == sympy_shape(wrt) + sympy_shape(e), name
    env = sample(np.random.default_rng(abs(hash(name)) % 2**32), e, wrt)
    want = differences(e, env, wrt)
    np.testing.assert_allclose(array_value(d, env), want, rtol=1e-5, atol=1e-6, err_msg=name)


def test_matrix_not_depending_on_the_variable() -> None:
    """SymPy 1.14 leaves d(A²)/dX unevaluated; here it is the zero array of its shape."""
    d = ms.diff(A * A, X)
    assert isinstance(d, sp.tensor.array.expressions.ZeroArray) and d.shape == (n, n, n, n)
    assert isinstance((A * A).diff(X), sp.Derivative)


def test_sympy_own_array_derivative_is_wrong_where_this_is_right() -> None:
    """SymPy 1.14 drops the det(X)·X⁻ᵀ ⊗ X⁻¹ term of d(det(X) X⁻¹)/dX."""
    e = sp.Determinant(X) * X.I
    env = sample(np.random.default_rng(2), e, X)
    want = differences(e, env, X)
    np.testing.assert_allclose(array_value(ms.diff(e, X), env), want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(array_value(e.diff(X), env), want, rtol=1e-3, atol=1e-3)


def test_import_matdiff_does_not_import_sympy() -> None:
    code = (
        "import sys, matdiff; assert 'sympy' not in sys.modules; "
        "matdiff.sympy.diff; assert 'sympy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
