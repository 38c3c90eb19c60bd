"""The differential identities of the Matrix Calculus Tutorial (whose worked examples are
``tests/data/corpus/tutorial.json``), §1.1 — "Identities 2", eqs. (7)–(19), "Identities 3 –
chain rules", (20)–(23), and the total differential (25) — each as a derivative checked
BY VALUE.  The worked examples are checked in ``tests/test_corpus.py``; the identities the
Cookbook shares are in ``test_cookbook.py``.

Chain rules through any function use declared functions (σ : elementwise,
l : function(…)), whose derivatives the known formula names as the language does
(``d_σ``, ``grad_l``); the numeric check gives them stand-ins (tanh, Σ softplus).
"""

from __future__ import annotations

import pytest

from tests.engine.helpers import Case, check_case, check_case_emissions

G, N = "gradient", "numerator"
THREE = "s : scalar; A, B : matrix(m, n); C, D : matrix(n, p); E, F : matrix(p, q)"

CASES: dict[str, Case] = {
    # (7) dA = 0: a constant by s
    "t07-constant": Case("s : scalar; A : matrix(m, n)", "A", "s", N, "zeros(m, n)"),
    # (11) d(X₁X₂X₃) = (dX₁)X₂X₃ + X₁(dX₂)X₃ + X₁X₂(dX₃)
    "t11-three-factors": Case(
        THREE,
        "(A + s*B)*(C + s*D)*(E + s*F)",
        "s",
        N,
        "B*(C + s*D)*(E + s*F) + (A + s*B)*D*(E + s*F) + (A + s*B)*(C + s*D)*F",
    ),
    # (12) d(AXB + C) = A(dX)B: d vec = (Bᵀ ⊗ A) d vec X
    "t12-AXB-plus-C": Case(
        "A : matrix(m, n); X : matrix(n, p); B : matrix(p, q); C : matrix(m, q)",
        "A*X*B + C",
        "X",
        N,
        "kron(B', A)",
    ),
    # (18) d|X| = tr(adj(X) dX): numerator layout adj(X)
    "t18-det-adj": Case("X : matrix(n, n)", "det(X)", "X", N, "adj(X)"),
    # (19) d σ(X) = σ'(X) ∘ dX, σ declared
    "t19-elementwise": Case(
        "σ : elementwise; X, A : matrix(m, n)", "sum(A .* σ(X))", "X", G, "A .* d_σ(X)"
    ),
    # (20) dz = (dz/dy)(dy/dx) dx, z = l(y), y = Wx
    "t20-vector-chain": Case(
        "l : function(vector(m)); W : matrix(m, n); x : vector(n)",
        "l(W*x)",
        "x",
        G,
        "W'*grad_l(W*x)",
    ),
    # (21) dz = tr((dz/dy)(dy/dX) dX), z = g(y), y = tr(AX) a scalar
    "t21-scalar-chain": Case(
        "g : function(scalar); A : matrix(n, m); X : matrix(m, n)",
        "g(tr(A*X))",
        "X",
        G,
        "grad_g(tr(A*X))*A'",
    ),
    # (22) dz = tr((dz/dY)(dY/dx) dx), z = L(Y), Y = sA + B
    "t22-matrix-chain": Case(
        "L : function(matrix(m, n)); s : scalar; A, B : matrix(m, n)",
        "L(s*A + B)",
        "s",
        N,
        "tr(grad_L(s*A + B)'*A)",
    ),
    # (23) dz = (dz/dy)(dy/dx) dx for vectors: z = σ(Wσ(Vx))
    "t23-jacobian-chain": Case(
        "σ : elementwise; V : matrix(h, n); W : matrix(m, h); x : vector(n)",
        "σ(W*σ(V*x))",
        "x",
        N,
        "diag(d_σ(W*σ(V*x)))*W*diag(d_σ(V*x))*V",
    ),
    # (25) df(x, y, Z) = (∂f/∂x)dx + (∂f/∂y)dy + tr((∂f/∂Z)dZ): f = s·yᵀZy, each partial
    "t25-by-scalar": Case(
        "s : scalar; y : vector(n); Z : matrix(n, n)", "s*y'*Z*y", "s", N, "y'*Z*y"
    ),
    "t25-by-vector": Case(
        "s : scalar; y : vector(n); Z : matrix(n, n)", "s*y'*Z*y", "y", N, "s*y'*(Z + Z')"
    ),
    "t25-by-matrix": Case(
        "s : scalar; y : vector(n); Z : matrix(n, n)", "s*y'*Z*y", "Z", N, "s*y*y'"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_tutorial_identity_by_value(name: str) -> None:
    check_case(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_tutorial_identity_emissions(name: str) -> None:
    check_case_emissions(CASES[name])
