"""A table of one-line identities from the Matrix Cookbook (Petersen & Pedersen, version of
November 15, 2012; equation numbers in the comments) and Wikipedia's "Matrix calculus"
identity tables, each checked BY VALUE: the engine's derivative and the known formula are
evaluated on random data with a different size per dimension symbol (so a transposed answer
cannot pass), and the derivative is checked against central finite differences.

Each row: declarations, f, wrt, kind, the known formula in the matdiff language (or a NumPy
function of the environment where the language has no word for it, e.g. the commutation
matrix), and the sampling of variables that need a domain (positive data for log/sqrt).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from matdiff.numeric.evaluate import Array, commutation_matrix
from tests.engine.helpers import Case, check_case, check_case_emissions

G, N, H = "gradient", "numerator", "hessian"

# declarations used by many rows
VX = "x, a : vector(n); b : vector(m)"
AXB = "A : matrix(m, n); X : matrix(n, p); B : matrix(p, q)"
SQ = "X, A, B : matrix(n, n)"


def _kron_x_b(env: Mapping[str, Any]) -> Array:
    """d vec(X ⊗ B) / d vec X, column by column from the definition (kron is linear in X)."""
    X, B = env["X"], env["B"]
    cols = []
    for k in range(X.size):
        E = np.zeros(X.size)
        E[k] = 1
        cols.append(np.kron(E.reshape(X.shape, order="F"), B).reshape(-1, order="F"))
    return np.array(cols).T


def _transpose_jac(env: Mapping[str, Any]) -> Array:
    m, n = env["X"].shape
    return commutation_matrix(m, n)


def _xtx_jac(env: Mapping[str, Any]) -> Array:
    # d(XᵀX) = dXᵀ X + Xᵀ dX  →  (Xᵀ ⊗ I_n) K_{mn} + (I_n ⊗ Xᵀ)
    X = env["X"]
    m, n = X.shape
    return np.kron(X.T, np.eye(n)) @ commutation_matrix(m, n) + np.kron(np.eye(n), X.T)


CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- scalar by vector
    # Cookbook (69) ∂xᵀa/∂x = ∂aᵀx/∂x = a
    "xTa": Case(VX, "x'*a", "x", G, "a"),
    "aTx": Case(VX, "a'*x", "x", G, "a"),
    # Wikipedia scalar-by-vector, row "xᵀx": 2x (tutorial: d(xᵀx)/dx = 2xᵀ)
    "xTx": Case(VX, "x'*x", "x", G, "2*x"),
    "xTx-num": Case(VX, "x'*x", "x", N, "2*x'"),
    # Cookbook (81) ∂xᵀBx/∂x = (B + Bᵀ)x
    "xTBx": Case("x : vector(n); B : matrix(n, n)", "x'*B*x", "x", G, "(B + B')*x"),
    # Wikipedia scalar-by-vector, row "xᵀAx", A symmetric: 2Ax
    "xTSx": Case("x : vector(n); S : matrix(n, n) symmetric", "x'*S*x", "x", G, "2*S*x"),
    # Cookbook (85) ∂(x−s)ᵀW(x−s)/∂x = 2W(x−s), W symmetric
    "quad-shift": Case(
        "x, s : vector(n); W : matrix(n, n) symmetric", "(x - s)'*W*(x - s)", "x", G, "2*W*(x - s)"
    ),
    # Cookbook (84) ∂(x−As)ᵀW(x−As)/∂s = −2AᵀW(x−As), W symmetric
    "quad-s": Case(
        "x : vector(m); s : vector(n); A : matrix(m, n); W : matrix(m, m) symmetric",
        "(x - A*s)'*W*(x - A*s)",
        "s",
        G,
        "-2*A'*W*(x - A*s)",
    ),
    # Wikipedia scalar-by-vector, product rule row: ∂(aᵀx)(xᵀb)/∂x = a(xᵀb) + b(aᵀx)
    "aTx-xTb": Case("x, a, b : vector(n)", "(a'*x)*(x'*b)", "x", G, "a*(x'*b) + b*(a'*x)"),
    # Cookbook (129) with a = 0: ∂‖x‖₂/∂x = x/‖x‖₂
    "norm2": Case(VX, "norm2(x)", "x", G, "x/norm2(x)"),
    # Cookbook (129) ∂‖x − a‖₂/∂x = (x − a)/‖x − a‖₂
    "norm2-shift": Case(VX, "norm2(x - a)", "x", G, "(x - a)/norm2(x - a)"),
    # Wikipedia (least squares) ∂‖Ax − b‖²/∂x = 2Aᵀ(Ax − b)
    "least-squares": Case(
        "x : vector(n); b : vector(m); A : matrix(m, n)",
        "norm2(A*x - b)^2",
        "x",
        G,
        "2*A'*(A*x - b)",
    ),
    # ∂‖x‖₁/∂x = sign(x)
    "norm1": Case(VX, "norm1(x)", "x", G, "sign(x)"),
    # Wikipedia scalar-by-vector, chain rule row ∂f(g(u))/∂x: ∂√(xᵀx)/∂x = x/√(xᵀx)
    "sqrt-xTx": Case(VX, "sqrt(x'*x)", "x", G, "x/sqrt(x'*x)"),
    # ∂ aᵀx / bᵀx (quotient rule, Wikipedia "u/v")
    "quotient": Case(
        "x, a, b : vector(n)", "(a'*x)/(b'*x)", "x", G, "a/(b'*x) - (a'*x)/(b'*x)^2*b"
    ),
    # ---------------------------------------------------------------- scalar by matrix
    # Cookbook (70) ∂aᵀXb/∂X = abᵀ
    "aTXb": Case("X : matrix(m, n); a : vector(m); b : vector(n)", "a'*X*b", "X", G, "a*b'"),
    # Cookbook (71) ∂aᵀXᵀb/∂X = baᵀ
    "aTXTb": Case("X : matrix(m, n); a : vector(n); b : vector(m)", "a'*X'*b", "X", G, "b*a'"),
    # Cookbook (72) ∂aᵀXa/∂X = aaᵀ
    "aTXa": Case("X : matrix(n, n); a : vector(n)", "a'*X*a", "X", G, "a*a'"),
    # Cookbook (77) ∂bᵀXᵀXc/∂X = X(bcᵀ + cbᵀ)
    "bTXTXc": Case("X : matrix(m, n); b, c : vector(n)", "b'*X'*X*c", "X", G, "X*(b*c' + c*b')"),
    # Cookbook (83) ∂(Xb + c)ᵀD(Xb + c)/∂X = (D + Dᵀ)(Xb + c)bᵀ
    "Xb+c": Case(
        "X : matrix(m, n); b : vector(n); c : vector(m); D : matrix(m, m)",
        "(X*b + c)'*D*(X*b + c)",
        "X",
        G,
        "(D + D')*(X*b + c)*b'",
    ),
    # Cookbook (88) ∂(x − As)ᵀW(x − As)/∂A = −2W(x − As)sᵀ, W symmetric
    "quad-A": Case(
        "x : vector(m); s : vector(n); A : matrix(m, n); W : matrix(m, m) symmetric",
        "(x - A*s)'*W*(x - A*s)",
        "A",
        G,
        "-2*W*(x - A*s)*s'",
    ),
    # tutorial: ∂‖Wx + b‖²/∂W = 2x(Wx + b)ᵀ (numerator); gradient 2(Wx + b)xᵀ
    "Wx+b": Case(
        "W : matrix(m, n); x : vector(n); b : vector(m)",
        "norm2(W*x + b)^2",
        "W",
        G,
        "2*(W*x + b)*x'",
    ),
    "Wx+b-num": Case(
        "W : matrix(m, n); x : vector(n); b : vector(m)",
        "norm2(W*x + b)^2",
        "W",
        N,
        "2*x*(W*x + b)'",
    ),
    # Cookbook (99) ∂tr(X)/∂X = I
    "trX": Case(SQ, "tr(X)", "X", G, "eye(n)"),
    # Cookbook (100) ∂tr(XA)/∂X = Aᵀ
    "trXA": Case("X : matrix(m, n); A : matrix(n, m)", "tr(X*A)", "X", G, "A'"),
    # Cookbook (101) ∂tr(AXB)/∂X = AᵀBᵀ; numerator layout (tutorial) BA
    "trAXB": Case(
        AXB.replace("B : matrix(p, q)", "B : matrix(p, m)"), "tr(A*X*B)", "X", G, "A'*B'"
    ),
    "trAXB-num": Case(
        AXB.replace("B : matrix(p, q)", "B : matrix(p, m)"), "tr(A*X*B)", "X", N, "B*A"
    ),
    # Cookbook (102) ∂tr(AXᵀB)/∂X = BA
    "trAXTB": Case(
        "A : matrix(m, p); X : matrix(n, p); B : matrix(n, m)", "tr(A*X'*B)", "X", G, "B*A"
    ),
    # Cookbook (103) ∂tr(XᵀA)/∂X = A
    "trXTA": Case("X, A : matrix(m, n)", "tr(X'*A)", "X", G, "A"),
    # Cookbook (104) ∂tr(AXᵀ)/∂X = A
    "trAXT": Case("X, A : matrix(m, n)", "tr(A*X')", "X", G, "A"),
    # Cookbook (105) ∂tr(A ⊗ X)/∂X = tr(A) I
    "trKron": Case("A : matrix(m, m); X : matrix(n, n)", "tr(kron(A, X))", "X", G, "tr(A)*eye(n)"),
    # Cookbook (106) ∂tr(X²)/∂X = 2Xᵀ
    "trX2": Case(SQ, "tr(X^2)", "X", G, "2*X'"),
    # Cookbook (107) ∂tr(X²B)/∂X = (XB + BX)ᵀ
    "trX2B": Case(SQ, "tr(X*X*B)", "X", G, "(X*B + B*X)'"),
    # Cookbook (108) ∂tr(XᵀBX)/∂X = BX + BᵀX
    "trXTBX": Case("X : matrix(m, n); B : matrix(m, m)", "tr(X'*B*X)", "X", G, "B*X + B'*X"),
    # Cookbook (109) ∂tr(BXXᵀ)/∂X = BX + BᵀX
    "trBXXT": Case("X : matrix(m, n); B : matrix(m, m)", "tr(B*X*X')", "X", G, "B*X + B'*X"),
    # Cookbook (111) ∂tr(XBXᵀ)/∂X = XBᵀ + XB
    "trXBXT": Case("X : matrix(m, n); B : matrix(n, n)", "tr(X*B*X')", "X", G, "X*B' + X*B"),
    # Cookbook (113) ∂tr(XᵀXB)/∂X = XBᵀ + XB
    "trXTXB": Case("X : matrix(m, n); B : matrix(n, n)", "tr(X'*X*B)", "X", G, "X*B' + X*B"),
    # Cookbook (114) ∂tr(AXBX)/∂X = AᵀXᵀBᵀ + BᵀXᵀAᵀ
    "trAXBX": Case(
        "X : matrix(m, n); A : matrix(n, m); B : matrix(n, m)",
        "tr(A*X*B*X)",
        "X",
        G,
        "A'*X'*B' + B'*X'*A'",
    ),
    # Cookbook (115) ∂tr(XᵀX)/∂X = 2X, and (132) ∂‖X‖²_F/∂X = 2X
    "trXTX": Case("X : matrix(m, n)", "tr(X'*X)", "X", G, "2*X"),
    "normF2": Case("X : matrix(m, n)", "norm2(X)^2", "X", G, "2*X"),
    "normF": Case("X : matrix(m, n)", "normF(X)", "X", G, "X/normF(X)"),
    # Cookbook (116) ∂tr(BᵀXᵀCXB)/∂X = CᵀXBBᵀ + CXBBᵀ
    "trBTXTCXB": Case(
        "X : matrix(m, n); B : matrix(n, p); C : matrix(m, m)",
        "tr(B'*X'*C*X*B)",
        "X",
        G,
        "C'*X*B*B' + C*X*B*B'",
    ),
    # Cookbook (118) ∂tr(AXBXᵀC)/∂X = AᵀCᵀXBᵀ + CAXB
    "trAXBXTC": Case(
        "X : matrix(m, n); A : matrix(p, m); B : matrix(n, n); C : matrix(m, p)",
        "tr(A*X*B*X'*C)",
        "X",
        G,
        "A'*C'*X*B' + C*A*X*B",
    ),
    # Cookbook (121) ∂tr(Xᵏ)/∂X = k(Xᵏ⁻¹)ᵀ, k = 3
    "trX3": Case(SQ, "tr(X^3)", "X", G, "3*(X*X)'"),
    # Cookbook (124), (63) ∂tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ
    "trAXinvB": Case(
        "X : matrix(n, n); A : matrix(m, n); B : matrix(n, m)",
        "tr(A*inv(X)*B)",
        "X",
        G,
        "-(inv(X)*B*A*inv(X))'",
    ),
    # Cookbook (124) with B = I: ∂tr(X⁻¹A)/∂X = −X⁻ᵀAᵀX⁻ᵀ
    "trXinvA": Case(SQ, "tr(inv(X)*A)", "X", G, "-inv(X)'*A'*inv(X)'"),
    # Cookbook (61) ∂aᵀX⁻¹b/∂X = −X⁻ᵀabᵀX⁻ᵀ
    "aTXinvb": Case(
        "X : matrix(n, n); a, b : vector(n)", "a'*inv(X)*b", "X", G, "-inv(X)'*a*b'*inv(X)'"
    ),
    # Cookbook (49) ∂det(X)/∂X = det(X) X⁻ᵀ
    "det": Case(SQ, "det(X)", "X", G, "det(X)*inv(X)'"),
    # Cookbook (51) ∂det(AXB)/∂X = det(AXB) X⁻ᵀ
    "detAXB": Case(SQ, "det(A*X*B)", "X", G, "det(A*X*B)*inv(X)'", {"A": "square", "B": "square"}),
    # Cookbook (58) ∂det(Xᵏ)/∂X = k det(Xᵏ) X⁻ᵀ, k = 2
    "detX2": Case(SQ, "det(X^2)", "X", G, "2*det(X^2)*inv(X)'"),
    # Cookbook (57) ∂ln|det X|/∂X = X⁻ᵀ; tutorial numerator layout X⁻¹
    "logdet": Case(SQ, "logdet(X)", "X", G, "inv(X)'"),
    "logdet-num": Case(SQ, "logdet(X)", "X", N, "inv(X)"),
    # Cookbook (55) ∂ln det(XᵀX)/∂X = 2(X⁺)ᵀ = 2X(XᵀX)⁻¹, regularised so that it holds
    # for wide X too (sizes are random): ∂ln det(XᵀX + I)/∂X = 2X(XᵀX + I)⁻¹
    "logdetXTX": Case(
        "X : matrix(m, n)", "logdet(X'*X + eye(n))", "X", G, "2*X*inv(X'*X + eye(n))"
    ),
    # ∂ tr(adj X)/∂X via adj X = det(X) X⁻¹ (Cookbook (41), (59)):
    # d tr(|X|X⁻¹) = |X| tr(X⁻¹) tr(X⁻¹dX) − |X| tr(X⁻² dX)
    "tr-adj": Case(SQ, "tr(adj(X))", "X", G, "det(X)*tr(inv(X))*inv(X)' - det(X)*(inv(X)*inv(X))'"),
    # ∂ sum(X)/∂X = 1 (all-ones), ∂ 1ᵀX1 (Cookbook (70) with a = b = 1)
    "sum": Case("X : matrix(m, n)", "sum(X)", "X", G, "ones(m, n)"),
    # Cookbook (57)+(61): Gaussian log-likelihood by the mean
    "gauss-mu": Case(
        "x, mu : vector(n); S : matrix(n, n) spd",
        "-0.5*logdet(S) - 0.5*(x - mu)'*inv(S)*(x - mu)",
        "mu",
        G,
        "inv(S)*(x - mu)",
    ),
    # ---------------------------------------------------------------- symmetric, spd, diagonal
    # gradient on symmetric matrices: sym(G) = (G + Gᵀ)/2 of the unstructured gradient
    "sym-xTSx": Case("x : vector(n); S : matrix(n, n) symmetric", "x'*S*x", "S", G, "x*x'"),
    "sym-aTSb": Case(
        "a, b : vector(n); S : matrix(n, n) symmetric", "a'*S*b", "S", G, "(a*b' + b*a')/2"
    ),
    "sym-trAS": Case(
        "A, S : matrix(n, n) symmetric".replace("A, S", "S") + "; A : matrix(n, n)",
        "tr(A*S)",
        "S",
        G,
        "(A + A')/2",
    ),
    "spd-logdet": Case("P : matrix(n, n) spd", "logdet(P)", "P", G, "inv(P)"),
    "spd-trP2": Case("P : matrix(n, n) spd", "tr(P*P)", "P", G, "2*P"),
    # Gaussian log-likelihood by the covariance (Cookbook (57), (61)), already symmetric
    "gauss-S": Case(
        "x, mu : vector(n); S : matrix(n, n) spd",
        "-0.5*logdet(S) - 0.5*(x - mu)'*inv(S)*(x - mu)",
        "S",
        G,
        "-0.5*inv(S) + 0.5*inv(S)*(x - mu)*(x - mu)'*inv(S)",
    ),
    # diagonal variables keep the diagonal part
    "diag-aTDb": Case(
        "a, b : vector(n); D : matrix(n, n) diagonal", "a'*D*b", "D", G, "diag(a .* b)"
    ),
    "diag-trAD": Case(
        "A : matrix(n, n); D : matrix(n, n) diagonal", "tr(A*D)", "D", G, "diag(diag(A))"
    ),
    # ---------------------------------------------------------------- element-wise functions
    # Wikipedia scalar-by-vector "∂aᵀf(x)/∂x = f'(x) ∘ a" (Cookbook §2.8 element-wise)
    "ew-exp": Case(VX, "a'*exp(x)", "x", G, "a .* exp(x)"),
    "ew-log": Case(VX, "a'*log(x)", "x", G, "a ./ x", {"x": "positive"}),
    "ew-sin": Case(VX, "sum(sin(x))", "x", G, "cos(x)"),
    "ew-cos": Case(VX, "sum(cos(x))", "x", G, "-sin(x)"),
    "ew-tan": Case(VX, "a'*tan(x/4)", "x", G, "a .* (ones(n) + tan(x/4).^2)/4"),
    "ew-tanh": Case(VX, "a'*tanh(x)", "x", G, "a .* (ones(n) - tanh(x).^2)"),
    "ew-sqrt": Case(VX, "a'*sqrt(x)", "x", G, "0.5*a ./ sqrt(x)", {"x": "positive"}),
    "ew-arcsin": Case(VX, "a'*arcsin(x/4)", "x", G, "a ./ sqrt(ones(n) - (x/4).^2)/4"),
    "ew-arccos": Case(VX, "a'*arccos(x/4)", "x", G, "-a ./ sqrt(ones(n) - (x/4).^2)/4"),
    "ew-arctan": Case(VX, "a'*arctan(x)", "x", G, "a ./ (ones(n) + x.^2)"),
    "ew-abs": Case(VX, "a'*abs(x)", "x", G, "a .* sign(x)"),
    "ew-sigmoid": Case(VX, "a'*sigmoid(x)", "x", G, "a .* sigmoid(x) .* (ones(n) - sigmoid(x))"),
    "ew-relu": Case(VX, "a'*relu(x)", "x", G, "a .* step(x)"),
    "ew-softplus": Case(VX, "a'*softplus(x)", "x", G, "a .* sigmoid(x)"),
    "ew-pow": Case(VX, "sum(x .^ 3)", "x", G, "3*x.^2"),
    "ew-div": Case(VX, "sum(a ./ x)", "x", G, "-a ./ x.^2", {"x": "positive"}),
    "ew-had": Case("X, A : matrix(m, n)", "sum(A .* X .* X)", "X", G, "2*A .* X"),
    # logistic regression: ∂ Σ softplus(−y ∘ Xw)/∂w = −Xᵀ(y ∘ σ(−y ∘ Xw))
    "logistic": Case(
        "w : vector(n); X : matrix(m, n); y : vector(m)",
        "sum(softplus(-y .* (X*w)))",
        "w",
        G,
        "-X'*(y .* sigmoid(-y .* (X*w)))",
    ),
    # ∂ logsumexp(x)/∂x = softmax(x)
    "lse": Case(VX, "logsumexp(x)", "x", G, "softmax(x)"),
    "lse-W": Case("W : matrix(m, n); x : vector(n)", "logsumexp(W*x)", "W", G, "softmax(W*x)*x'"),
    # cross-entropy of a softmax: ∂(−yᵀ log softmax(x))/∂x = sum(y) softmax(x) − y
    "xent": Case("x, y : vector(n)", "-y'*log(softmax(x))", "x", G, "sum(y)*softmax(x) - y"),
    # two-layer network, tutorial §3 (eq. (19)): ∂ aᵀσ(Wx)/∂W = (a ∘ σ'(Wx)) xᵀ
    "layer": Case(
        "W : matrix(m, n); x : vector(n); a : vector(m)",
        "a'*tanh(W*x)",
        "W",
        G,
        "(a .* (ones(m) - tanh(W*x).^2))*x'",
    ),
    # ---------------------------------------------------------------- scalar by scalar
    "s-pow": Case("s : scalar", "s^3", "s", G, "3*s^2"),
    "s-exp": Case("s : scalar", "exp(s^2)", "s", N, "2*s*exp(s^2)"),
    # ---------------------------------------------------------------- vector by vector (Jacobians)
    # Wikipedia vector-by-vector: ∂Ax/∂x = A
    "jac-Ax": Case("x : vector(n); A : matrix(m, n)", "A*x", "x", N, "A"),
    # ∂(xᵀA)ᵀ… the row xᵀA stacked: vec(xᵀA) = Aᵀx, Jacobian Aᵀ
    "jac-xTA": Case("x : vector(n); A : matrix(n, m)", "x'*A", "x", N, "A'"),
    # Wikipedia: ∂x/∂x = I
    "jac-x": Case("x : vector(n)", "x", "x", N, "eye(n)"),
    # Wikipedia: ∂(a ∘ x)/∂x = diag(a)
    "jac-had": Case(VX, "a .* x", "x", N, "diag(a)"),
    # product rule: ∂(Ax ∘ x)/∂x = diag(x)A + diag(Ax)
    "jac-Axx": Case(
        "x : vector(n); A : matrix(n, n)", "(A*x) .* x", "x", N, "diag(x)*A + diag(A*x)"
    ),
    # Wikipedia: ∂(v u)/∂x = v ∂u/∂x + u ∂v/∂x with v = aᵀx, u = x
    "jac-scaled": Case(VX, "(a'*x)*x", "x", N, "(a'*x)*eye(n) + x*a'"),
    # element-wise function: ∂f(x)/∂x = diag(f'(x))
    "jac-exp": Case("x : vector(n)", "exp(x)", "x", N, "diag(exp(x))"),
    # softmax: ∂s/∂x = diag(s) − s sᵀ
    "jac-softmax": Case(
        "x : vector(n)", "softmax(x)", "x", N, "diag(softmax(x)) - softmax(x)*softmax(x)'"
    ),
    # ∂(x/‖x‖)/∂x = (I − x xᵀ/‖x‖²)/‖x‖
    "jac-normalize": Case("x : vector(n)", "x/norm2(x)", "x", N, "(eye(n) - x*x'/(x'*x))/norm2(x)"),
    # ---------------------------------------------------------------- Hessians
    # Wikipedia/Cookbook: ∂²xᵀAx/∂x∂xᵀ = A + Aᵀ; 2A for symmetric A
    "hess-xTAx": Case("x : vector(n); A : matrix(n, n)", "x'*A*x", "x", H, "A + A'"),
    "hess-xTSx": Case("x : vector(n); S : matrix(n, n) symmetric", "x'*S*x", "x", H, "2*S"),
    "hess-ls": Case(
        "x : vector(n); b : vector(m); A : matrix(m, n)", "norm2(A*x - b)^2", "x", H, "2*A'*A"
    ),
    "hess-aTxxTb": Case("x, a, b : vector(n)", "(a'*x)*(x'*b)", "x", H, "a*b' + b*a'"),
    "hess-lse": Case(
        "x : vector(n)", "logsumexp(x)", "x", H, "diag(softmax(x)) - softmax(x)*softmax(x)'"
    ),
    # over vec X: ∂² tr(XᵀAX) = I_n ⊗ (A + Aᵀ); ∂² ‖X‖²_F = 2 I
    "hess-trXTAX": Case(
        "X : matrix(m, n); A : matrix(m, m)", "tr(X'*A*X)", "X", H, "kron(eye(n), A + A')"
    ),
    "hess-normF2": Case("X : matrix(m, n)", "normF(X)^2", "X", H, "2*kron(eye(n), eye(m))"),
    # ---------------------------------------------------------------- matrix by scalar
    "mat-sA": Case("s : scalar; A : matrix(m, n)", "s*A", "s", N, "A"),
    "mat-s2A": Case(
        "s : scalar; A : matrix(m, n)", "s^2*A + s*B".replace(" + s*B", ""), "s", N, "2*s*A"
    ),
    # Cookbook (59) ∂Y⁻¹/∂x = −Y⁻¹ (∂Y/∂x) Y⁻¹ with Y = I + sA
    "mat-inv": Case(
        "s : scalar; A : matrix(n, n)",
        "inv(eye(n) + s*A)",
        "s",
        N,
        "-inv(eye(n) + s*A)*A*inv(eye(n) + s*A)",
        {"s": "positive"},
    ),
    "vec-by-s": Case("s : scalar; a, b : vector(n)", "s*a + s^2*b", "s", N, "a + 2*s*b"),
    # Cookbook (46) ∂det(Y)/∂x = det(Y) tr(Y⁻¹ ∂Y/∂x), Y = I + sA
    "det-by-s": Case(
        "s : scalar; A : matrix(n, n)",
        "det(eye(n) + s*A)",
        "s",
        G,
        "det(eye(n) + s*A)*tr(inv(eye(n) + s*A)*A)",
        {"s": "positive"},
    ),
    # ---------------------------------------------------------------- vec Jacobians
    # tutorial / Cookbook (520): d vec(AXB) = (Bᵀ ⊗ A) d vec X
    "vec-AXB": Case(AXB, "A*X*B", "X", N, "kron(B', A)"),
    "vec-AX": Case("A : matrix(m, n); X : matrix(n, p)", "A*X", "X", N, "kron(eye(p), A)"),
    "vec-XA": Case("A : matrix(n, p); X : matrix(m, n)", "X*A", "X", N, "kron(A', eye(m))"),
    # vec(Xᵀ) = K_{mn} vec X
    "vec-XT": Case("X : matrix(m, n)", "X'", "X", N, _transpose_jac),
    # Cookbook (60) ∂(X⁻¹)_kl/∂X_ij = −(X⁻¹)_ki(X⁻¹)_jl: d vec(X⁻¹) = −(X⁻ᵀ ⊗ X⁻¹) d vec X
    "vec-inv": Case("X : matrix(n, n)", "inv(X)", "X", N, "-kron(inv(X)', inv(X))"),
    # vec(X ∘ A) = diag(vec A) vec X
    "vec-had": Case("X, A : matrix(m, n)", "X .* A", "X", N, "diag(vec(A))"),
    "vec-kron": Case("X : matrix(m, n); B : matrix(p, q)", "kron(X, B)", "X", N, _kron_x_b),
    "vec-X2": Case("X : matrix(n, n)", "X*X", "X", N, "kron(eye(n), X) + kron(X', eye(n))"),
    "vec-XTX": Case("X : matrix(m, n)", "X'*X", "X", N, _xtx_jac),
    "vec-vec": Case("X : matrix(m, n)", "vec(X)", "X", N, "kron(eye(n), eye(m))"),
    "vec-exp": Case("X : matrix(m, n)", "exp(X)", "X", N, "diag(vec(exp(X)))"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_identity_by_value(name: str) -> None:
    check_case(CASES[name])


def test_table_is_large() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", list(CASES))
def test_identity_emissions(name: str) -> None:
    """The same results as dsl (re-parsed) and numpy (§6) give the same numbers."""
    check_case_emissions(CASES[name])
