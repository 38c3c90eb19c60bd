"""Derivatives by structured matrices (Matrix Cookbook §2.8, version of November 15, 2012;
equation numbers in the comments), checked BY VALUE.

matdiff's gradient by a symmetric matrix is sym(G) = (G + Gᵀ)/2 of the unstructured gradient
G, by a diagonal one the diagonal part of G (docs/language.md §2): the matrix ∇ with
df = ⟨∇, dX⟩ for every admissible dX, itself admissible.  The Cookbook's §2.8.2 instead
differentiates by the n(n+1)/2 free entries, (138) df/dA = G + Gᵀ − (G ∘ I), which is
2∇ − (∇ ∘ I) for ∇ = sym(G).  ``test_cookbook_free_entry_form`` holds (139)–(141) in
their printed form against finite differences by the free entries, and to 2∇ − (∇ ∘ I).

The Hessian by a structured matrix is Π H Π over vec X (Π the projection onto the
structure): symmetric, and H vec(dX) is the change of the gradient ∇ (not of G).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from matdiff.engine import derive
from matdiff.numeric import verify
from matdiff.numeric.evaluate import Array, evaluate
from matdiff.services.derivatives import derivation
from tests.engine.helpers import Case, check_case, check_case_emissions, close

G, N, H = "gradient", "numerator", "hessian"
SYM = "X : matrix(n, n) symmetric; A : matrix(n, n)"
SPD = "X : matrix(n, n) spd; A : matrix(n, n)"
DIAG = "X : matrix(n, n) diagonal; A : matrix(n, n)"
# Π for symmetric n×n matrices over vec X, and for diagonal ones
PSYM = "(eye(n*n) + commutation(n, n))/2"
PDIAG = "diag(vec(eye(n)))"


def _between(p: str, h: str) -> str:
    return f"{p}*({h})*{p}"


CASES: dict[str, Case] = {
    # (139) Tr(AX), X symmetric: ∇ = sym(A) (the Cookbook's A + Aᵀ − (A ∘ I) = 2∇ − ∇ ∘ I)
    "c139-trAX-sym": Case(SYM, "tr(A*X)", "X", G, "(A + A')/2"),
    # (140) det(X), X symmetric: ∇ = det(X)X⁻¹ (Cookbook: det(X)(2X⁻¹ − (X⁻¹ ∘ I)))
    "c140-det-sym": Case("X : matrix(n, n) symmetric", "det(X)", "X", G, "det(X)*inv(X)"),
    # (141) ln det(X), X symmetric: ∇ = X⁻¹ (Cookbook: 2X⁻¹ − (X⁻¹ ∘ I))
    "c141-logdet-spd": Case("X : matrix(n, n) spd", "logdet(X)", "X", G, "inv(X)"),
    # (142) X diagonal: ∂Tr(AX)/∂X = A ∘ I
    "c142-trAX-diag": Case(DIAG, "tr(A*X)", "X", G, "A .* eye(n)"),
    "c142-numerator": Case(DIAG, "tr(A*X)", "X", N, "A .* eye(n)"),
    # (138) with a general f: sym of (108) ∂Tr(XᵀBX)/∂X = BX + BᵀX, X symmetric
    "c138-trXAX-sym": Case(SYM, "tr(X*A*X)", "X", G, "((A + A')*X + X*(A + A'))/2"),
    # diagonal: ∂aᵀX⁻¹b/∂X = −(X⁻ᵀabᵀX⁻ᵀ) ∘ I  ((61) restricted to the diagonal)
    "diag-aTXinvb": Case(
        "X : matrix(n, n) diagonal; a, b : vector(n)",
        "a'*inv(X)*b",
        "X",
        G,
        "-(inv(X)*a*b'*inv(X)) .* eye(n)",
    ),
    # ---------------------------------------------------------------- Hessians: Π H Π
    # ln det X (d²f = −tr(X⁻¹dX X⁻¹dX)): unstructured −(X⁻ᵀ ⊗ X⁻¹)K; X spd
    "hess-logdet-spd": Case(
        SPD.replace("; A : matrix(n, n)", ""),
        "logdet(X)",
        "X",
        H,
        _between(PSYM, "-kron(inv(X), inv(X))*commutation(n, n)"),
    ),
    # Tr(AXBX) (Cookbook (114)): unstructured K(Bᵀ ⊗ A) + (B ⊗ Aᵀ)K
    "hess-trAXBX-sym": Case(
        "X : matrix(n, n) symmetric; A, B : matrix(n, n)",
        "tr(A*X*B*X)",
        "X",
        H,
        _between(PSYM, "commutation(n, n)*kron(B', A) + kron(B, A')*commutation(n, n)"),
    ),
    "hess-trAXBX-diag": Case(
        "X : matrix(n, n) diagonal; A, B : matrix(n, n)",
        "tr(A*X*B*X)",
        "X",
        H,
        _between(PDIAG, "commutation(n, n)*kron(B', A) + kron(B, A')*commutation(n, n)"),
    ),
    # Tr(AX²), d²f = 2tr(A dX dX): unstructured K(I ⊗ A) + (I ⊗ Aᵀ)K
    "hess-trAXX-sym": Case(
        SYM,
        "tr(A*X*X)",
        "X",
        H,
        _between(PSYM, "commutation(n, n)*kron(eye(n), A) + kron(eye(n), A')*commutation(n, n)"),
    ),
    # aᵀX⁻¹a, X spd: d²f = 2aᵀX⁻¹dX X⁻¹dX X⁻¹a
    "hess-aTXinva-spd": Case(
        "X : matrix(n, n) spd; a : vector(n)",
        "a'*inv(X)*a",
        "X",
        H,
        _between(
            PSYM,
            "commutation(n, n)*kron(inv(X)*a*a'*inv(X), inv(X))"
            " + kron(inv(X), inv(X)*a*a'*inv(X))*commutation(n, n)",
        ),
    ),
    "hess-aTXinva-diag": Case(
        "X : matrix(n, n) diagonal; a : vector(n)",
        "a'*inv(X)*a",
        "X",
        H,
        _between(
            PDIAG,
            "commutation(n, n)*kron(inv(X)*a*a'*inv(X), inv(X))"
            " + kron(inv(X), inv(X)*a*a'*inv(X))*commutation(n, n)",
        ),
    ),
    # (aᵀXb)², X symmetric: H = 2 vec(abᵀ)vec(abᵀ)ᵀ, projected
    "hess-aTXb2-sym": Case(
        "X : matrix(n, n) symmetric; a, b : vector(n)",
        "(a'*X*b)^2",
        "X",
        H,
        _between(PSYM, "2*vec(a*b')*vec(a*b')'"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_structured_by_value(name: str) -> None:
    check_case(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_structured_emissions(name: str) -> None:
    check_case_emissions(CASES[name])


def _free_entry_derivative(f: Callable[[Array], float], X: Array, h: float = 1e-6) -> Array:
    """df/dX_ij by the free entries of a symmetric X: X_ij and X_ji move together."""
    n = X.shape[0]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            E = np.zeros((n, n))
            E[i, j] = E[j, i] = h
            out[i, j] = out[j, i] = (f(X + E) - f(X - E)) / (2 * h)
    return out


Inv = np.linalg.inv
COOKBOOK_SYMMETRIC: dict[str, tuple[str, str, Callable[[Mapping[str, Any]], Array]]] = {
    # (139) ∂Tr(AX)/∂X = A + Aᵀ − (A ∘ I)
    "139": (SYM, "tr(A*X)", lambda e: e["A"] + e["A"].T - e["A"] * np.eye(len(e["A"]))),
    # (140) ∂det(X)/∂X = det(X)(2X⁻¹ − (X⁻¹ ∘ I))
    "140": (
        "X : matrix(n, n) symmetric",
        "det(X)",
        lambda e: np.linalg.det(e["X"]) * (2 * Inv(e["X"]) - Inv(e["X"]) * np.eye(len(e["X"]))),
    ),
    # (141) ∂ln det(X)/∂X = 2X⁻¹ − (X⁻¹ ∘ I)
    "141": (
        "X : matrix(n, n) spd",
        "logdet(X)",
        lambda e: 2 * Inv(e["X"]) - Inv(e["X"]) * np.eye(len(e["X"])),
    ),
}


@pytest.mark.parametrize("eq", list(COOKBOOK_SYMMETRIC))
def test_cookbook_free_entry_form(eq: str) -> None:
    """(139)–(141) as printed are the derivatives by the free entries of a symmetric X, and
    equal 2∇ − (∇ ∘ I) for matdiff's gradient ∇."""
    decls, f, cookbook = COOKBOOK_SYMMETRIC[eq]
    d = derivation(f"{decls}\nf = {f}\n", "f", "X", "gradient")
    rng = np.random.default_rng(3)
    env = verify.environment([d.f, d.result], rng)

    def value(X: Array) -> float:
        return float(evaluate(d.f, {**env, "X": X})[0, 0])

    want = cookbook(env)
    close(_free_entry_derivative(value, env["X"]), want, rtol=1e-5)
    ours = evaluate(d.result, env)
    close(2 * ours - ours * np.eye(len(ours)), want)


STRUCTURED_HESSIANS = [
    ("X : matrix(n, n) symmetric; A, B : matrix(n, n)", "tr(A*X*B*X) + tr(A*X)^2"),
    ("X : matrix(n, n) spd; A : matrix(n, n)", "tr(A*inv(X)) + logdet(X)^2"),
    ("X : matrix(n, n) diagonal; A : matrix(n, n); a : vector(n)", "a'*inv(X)*A*X*a"),
    ("X : matrix(n, n) diagonal; A : matrix(n, n)", "sum(exp(A*X))"),
    ("X : matrix(n, n) symmetric; a : vector(n)", "softplus(a'*X*X*a) + det(X)"),
]


@pytest.mark.parametrize("decls, f", STRUCTURED_HESSIANS)
def test_structured_hessian_is_the_jacobian_of_the_gradient(decls: str, f: str) -> None:
    """H is symmetric, H vec dX is the change of the (structured) gradient along an
    admissible dX, and dXᵀ H dX the second difference of f."""
    d = derivation(f"{decls}\nf = {f}\n", "f", "X", "hessian")
    grad = derive.derivative(d.f, d.x, "gradient")
    rng = np.random.default_rng(5)
    env = verify.environment([d.f, d.result, grad], rng)
    sizes = {k: v for k, v in env.items() if isinstance(v, int)}
    Hv = evaluate(d.result, env)
    close(Hv, Hv.T, rtol=1e-10)
    X, dX = env["X"], verify.direction(d.x, sizes, rng)
    h = 1e-6
    moved = [evaluate(grad, {**env, "X": X + s * h * dX}) for s in (1, -1)]
    change = ((moved[0] - moved[1]) / (2 * h)).reshape(-1, 1, order="F")
    close(Hv @ dX.reshape(-1, 1, order="F"), change, rtol=1e-5)
    assert verify.check(d.f, d.x, d.result, "hessian", env, rng)
