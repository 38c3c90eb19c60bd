"""The Matrix Cookbook's derivatives, §2.1–2.8, row by row, checked BY VALUE.

Source: K. B. Petersen, M. S. Pedersen, *The Matrix Cookbook*, version of November 15, 2012;
the number in each comment is the equation number there.  Each row's known answer is the
Cookbook's formula written in the matdiff language (or NumPy where the language has no word
for it); ``check_case`` evaluates it and the engine's derivative on random data with a
different size per dimension symbol, and holds the engine to central finite differences.
Rows that need a full-rank non-square matrix (X⁺, (XᵀCX)⁻¹) use fixed sizes (5×3).

The older rows of ``test_identities.py`` are not repeated here; the structured-matrix rows
(§2.8) and the Hessians by structured matrices are in ``test_structured.py``.
"""

from __future__ import annotations

import pytest

from tests.engine.helpers import Case, check_case, check_case_emissions

G, N, H = "gradient", "numerator", "hessian"
SQ = "X, A, B : matrix(n, n)"
# a square matrix function of a scalar s: U = A + sB + s²C (well conditioned near s = 0)
US = "s : scalar; A, B, C : matrix(n, n)"
U = "(A + s*B + s^2*C)"
U1 = "(B + 2*s*C)"  # dU/ds
SMALL = {"s": "unit"}  # s in (0.1, 0.9): U stays near A (sampled near I)
W = "x, s : vector(n); W : matrix(n, n) symmetric"

CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- §2 basic differentials
    # (34) ∂(αX) = α∂X, with X = A + sB: d(αX)/ds = αB
    "c34-scale": Case("s, a : scalar; A, B : matrix(m, n)", "a*(A + s*B)", "s", N, "a*B"),
    # (36) ∂Tr(X) = Tr(∂X)
    "c36-trace": Case(US, f"tr({U})", "s", N, f"tr({U1})", SMALL),
    # (37) ∂(XY) = (∂X)Y + X(∂Y)
    "c37-product": Case(
        "s : scalar; A, B : matrix(m, n); C, D : matrix(n, p)",
        "(A + s*B)*(C + s*D)",
        "s",
        N,
        "B*(C + s*D) + (A + s*B)*D",
    ),
    # (38) ∂(X ∘ Y) = (∂X) ∘ Y + X ∘ (∂Y)
    "c38-hadamard": Case(
        "s : scalar; A, B, C, D : matrix(m, n)",
        "(A + s*B) .* (C + s*D)",
        "s",
        N,
        "B .* (C + s*D) + (A + s*B) .* D",
    ),
    # (39) ∂(X ⊗ Y) = (∂X) ⊗ Y + X ⊗ (∂Y)
    "c39-kron": Case(
        "s : scalar; A, B : matrix(m, n); C, D : matrix(p, q)",
        "kron(A + s*B, C + s*D)",
        "s",
        N,
        "kron(B, C + s*D) + kron(A + s*B, D)",
    ),
    # (40) ∂(X⁻¹) = −X⁻¹(∂X)X⁻¹
    "c40-inverse": Case(US, f"inv({U})", "s", N, f"-inv({U})*{U1}*inv({U})", SMALL),
    # (41) ∂det(X) = Tr(adj(X)∂X)
    "c41-det-adj": Case(US, f"det({U})", "s", N, f"tr(adj({U})*{U1})", SMALL),
    # (43) ∂ln det(X) = Tr(X⁻¹∂X)
    "c43-logdet": Case(US, f"logdet({U})", "s", N, f"tr(inv({U})*{U1})", SMALL),
    # (44) ∂Xᵀ = (∂X)ᵀ
    "c44-transpose": Case(US, f"{U}'", "s", N, f"{U1}'", SMALL),
    # ---------------------------------------------------------------- §2.1 determinants
    # (48) ∂²det(Y)/∂x² = det(Y)[Tr(Y⁻¹Y'') + Tr(Y⁻¹Y')² − Tr(Y⁻¹Y'Y⁻¹Y')], Y'' = 2C
    "c48-det-second": Case(
        US,
        f"det({U})",
        "s",
        H,
        f"det({U})*(tr(inv({U})*2*C) + tr(inv({U})*{U1})^2 - tr(inv({U})*{U1}*inv({U})*{U1}))",
        SMALL,
    ),
    # (51) ∂det(AXB)/∂X = det(AXB)(X⁻¹)ᵀ, A and B square
    "c51-detAXB-inv": Case(SQ, "det(A*X*B)", "X", G, "det(A*X*B)*inv(X')"),
    # (52) X square: ∂det(XᵀAX)/∂X = 2det(XᵀAX)X⁻ᵀ
    "c52-detXTAX": Case(SQ, "det(X'*A*X)", "X", G, "2*det(X'*A*X)*inv(X)'"),
    # (53) X not square, A symmetric: ∂det(XᵀAX)/∂X = 2det(XᵀAX)AX(XᵀAX)⁻¹
    "c53-detXTAX-sym": Case(
        "X : matrix(5, 3); A : matrix(5, 5) spd",
        "det(X'*A*X)",
        "X",
        G,
        "2*det(X'*A*X)*A*X*inv(X'*A*X)",
    ),
    # (54) X not square, A not symmetric: det(XᵀAX)(AX(XᵀAX)⁻¹ + AᵀX(XᵀAᵀX)⁻¹)
    "c54-detXTAX-gen": Case(
        "X : matrix(5, 3); A : matrix(5, 5)",
        "det(X'*A*X)",
        "X",
        G,
        "det(X'*A*X)*(A*X*inv(X'*A*X) + A'*X*inv(X'*A'*X))",
    ),
    # (55) ∂ln det(XᵀX)/∂X = 2(X⁺)ᵀ, X⁺ = (XᵀX)⁻¹Xᵀ for a tall X of full rank
    "c55-logdetXTX": Case("X : matrix(5, 3)", "logdet(X'*X)", "X", G, "2*(inv(X'*X)*X')'"),
    # (58) ∂det(Xᵏ)/∂X = k det(Xᵏ)X⁻ᵀ, k = 3
    "c58-detX3": Case(SQ, "det(X^3)", "X", G, "3*det(X^3)*inv(X)'"),
    # ---------------------------------------------------------------- §2.2 inverses
    # (62) ∂det(X⁻¹)/∂X = −det(X⁻¹)(X⁻¹)ᵀ
    "c62-det-inv": Case(SQ, "det(inv(X))", "X", G, "-det(inv(X))*inv(X)'"),
    # (63) ∂Tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ, non-square A, B
    "c63-trAXinvB": Case(
        "X : matrix(n, n); A : matrix(m, n); B : matrix(n, m)",
        "tr(A*X⁻¹*B)",
        "X",
        G,
        "-(inv(X)*B*A*inv(X))'",
    ),
    # (64) ∂Tr((X + A)⁻¹)/∂X = −((X + A)⁻¹(X + A)⁻¹)ᵀ
    "c64-tr-inv-sum": Case(SQ, "tr(inv(X + A))", "X", G, "-(inv(X + A)*inv(X + A))'"),
    # (65) W = A⁻¹: ∂J/∂A = −A⁻ᵀ(∂J/∂W)A⁻ᵀ; J = ‖Wb‖², ∂J/∂W = 2Wbbᵀ
    "c65-J-of-inverse": Case(
        "A : matrix(n, n); b : vector(n)",
        "norm2(inv(A)*b)^2",
        "A",
        G,
        "-inv(A)'*(2*inv(A)*b*b')*inv(A)'",
    ),
    # ---------------------------------------------------------------- §2.4.1 first order
    # (72) ∂aᵀXᵀa/∂X = aaᵀ
    "c72-aTXTa": Case("X : matrix(n, n); a : vector(n)", "a'*X'*a", "X", G, "a*a'"),
    # (75) ∂(XᵀA)_ij/∂X_mn = δ_in A_mj: d vec(XᵀA) = (Aᵀ ⊗ I) K vec dX
    "c75-vec-XTA": Case(
        "X : matrix(m, n); A : matrix(m, p)",
        "X'*A",
        "X",
        N,
        "kron(A', eye(n))*commutation(m, n)",
    ),
    # ---------------------------------------------------------------- §2.4.2 second order
    # (76) ∂/∂X_ij Σ_klmn X_kl X_mn = 2 Σ_kl X_kl
    "c76-sum-squared": Case("X : matrix(m, n)", "sum(X)^2", "X", G, "2*sum(X)*ones(m, n)"),
    # (78) ∂(Bx + b)ᵀC(Dx + d)/∂x = BᵀC(Dx + d) + DᵀCᵀ(Bx + b)
    "c78-bilinear": Case(
        "x : vector(n); B : matrix(m, n); b : vector(m); C : matrix(m, p); "
        "D : matrix(p, n); d : vector(p)",
        "(B*x + b)'*C*(D*x + d)",
        "x",
        G,
        "B'*C*(D*x + d) + D'*C'*(B*x + b)",
    ),
    # (80) ∂(XᵀBX)/∂X_ij = XᵀBJ^ij + J^jiBX: d vec(XᵀBX) = ((BX)ᵀ ⊗ I)K + (I ⊗ XᵀB)
    "c80-vec-XTBX": Case(
        "X : matrix(m, n); B : matrix(m, m)",
        "X'*B*X",
        "X",
        N,
        "kron((B*X)', eye(n))*commutation(m, n) + kron(eye(n), X'*B)",
    ),
    # (82) ∂bᵀXᵀDXc/∂X = DᵀXbcᵀ + DXcbᵀ
    "c82-bTXTDXc": Case(
        "X : matrix(m, n); b, c : vector(n); D : matrix(m, m)",
        "b'*X'*D*X*c",
        "X",
        G,
        "D'*X*b*c' + D*X*c*b'",
    ),
    # (86) W symmetric: ∂(x − s)ᵀW(x − s)/∂s = −2W(x − s)
    "c86-quad-by-s": Case(W, "(x - s)'*W*(x - s)", "s", G, "-2*W*(x - s)"),
    # (87) W symmetric: ∂(x − As)ᵀW(x − As)/∂x = 2W(x − As)
    "c87-quad-by-x": Case(
        "x : vector(m); s : vector(n); A : matrix(m, n); W : matrix(m, m) symmetric",
        "(x - A*s)'*W*(x - A*s)",
        "x",
        G,
        "2*W*(x - A*s)",
    ),
    # ---------------------------------------------------------------- §2.4.3 higher order
    # (89) ∂(Xⁿ)_kl/∂X_ij = Σ_r (X^r J^ij X^(n−1−r))_kl: d vec X³ = Σ_r (X^(2−r))ᵀ ⊗ X^r
    "c89-vec-X3": Case(
        "X : matrix(n, n)",
        "X^3",
        "X",
        N,
        "kron((X*X)', eye(n)) + kron(X', X) + kron(eye(n), X*X)",
    ),
    # (90) ∂aᵀXⁿb/∂X = Σ_r (X^r)ᵀabᵀ(X^(n−1−r))ᵀ, n = 3
    "c90-aTX3b": Case(
        "X : matrix(n, n); a, b : vector(n)",
        "a'*X^3*b",
        "X",
        G,
        "a*b'*(X*X)' + X'*a*b'*X' + (X*X)'*a*b'",
    ),
    # (91) ∂aᵀ(Xⁿ)ᵀXⁿb/∂X, n = 2, in the form derived by differentials,
    # Σ_r (X^r)ᵀXⁿ(baᵀ + abᵀ)(X^(n−1−r))ᵀ.  (91)'s first sum as we read it,
    # Σ_r X^(n−1−r)abᵀ(Xⁿ)ᵀX^r, is the transpose of this one's first half and disagrees
    # with finite differences.
    "c91-aTXnTXnb": Case(
        "X : matrix(n, n); a, b : vector(n)",
        "a'*(X^2)'*X^2*b",
        "X",
        G,
        "X*X*(b*a' + a*b')*X' + X'*X*X*(b*a' + a*b')",
    ),
    # (92) ∂sᵀAr/∂x = (∂s/∂x)ᵀAr + (∂r/∂x)ᵀAᵀs, with s = exp(x), r = sin(Bx)
    "c92-sTAr": Case(
        "x : vector(n); A : matrix(n, m); B : matrix(m, n)",
        "exp(x)'*A*sin(B*x)",
        "x",
        G,
        "diag(exp(x))*A*sin(B*x) + B'*diag(cos(B*x))*A'*exp(x)",
    ),
    # (93) ∂/∂x (xᵀAᵀAx)/(xᵀBᵀBx) = 2AᵀAx/(xᵀBᵀBx) − 2xᵀAᵀAx BᵀBx/(xᵀBᵀBx)²
    "c93-rayleigh": Case(
        "x : vector(n); A, B : matrix(m, n)",
        "(x'*A'*A*x)/(x'*B'*B*x)",
        "x",
        G,
        "2*A'*A*x/(x'*B'*B*x) - 2*(x'*A'*A*x)*B'*B*x/(x'*B'*B*x)^2",
    ),
    # (95) f = xᵀAx + bᵀx: ∇f = (A + Aᵀ)x + b;  (96) ∂²f/∂x∂xᵀ = A + Aᵀ
    "c95-grad": Case(
        "x, b : vector(n); A : matrix(n, n)", "x'*A*x + b'*x", "x", G, "(A + A')*x + b"
    ),
    "c96-hessian": Case("x, b : vector(n); A : matrix(n, n)", "x'*A*x + b'*x", "x", H, "A + A'"),
    # ---------------------------------------------------------------- §2.5 traces
    # (97) ∂Tr(F(X))/∂X = f(X)ᵀ, F(X) = X³ + 2X², f = 3X² + 4X
    "c97-trF": Case(SQ, "tr(X^3 + 2*X^2)", "X", G, "(3*X^2 + 4*X)'"),
    # (110) ∂Tr(XXᵀB)/∂X = BX + BᵀX
    "c110-trXXTB": Case("X : matrix(m, n); B : matrix(m, m)", "tr(X*X'*B)", "X", G, "B*X + B'*X"),
    # (112) ∂Tr(BXᵀX)/∂X = XBᵀ + XB
    "c112-trBXTX": Case("X : matrix(m, n); B : matrix(n, n)", "tr(B*X'*X)", "X", G, "X*B' + X*B"),
    # (115) ∂Tr(XXᵀ)/∂X = 2X
    "c115-trXXT": Case("X : matrix(m, n)", "tr(X*X')", "X", G, "2*X"),
    # (117) ∂Tr(XᵀBXC)/∂X = BXC + BᵀXCᵀ
    "c117-trXTBXC": Case(
        "X : matrix(m, n); B : matrix(m, m); C : matrix(n, n)",
        "tr(X'*B*X*C)",
        "X",
        G,
        "B*X*C + B'*X*C'",
    ),
    # (119) ∂Tr[(AXB + C)(AXB + C)ᵀ]/∂X = 2Aᵀ(AXB + C)Bᵀ
    "c119-trAXBC2": Case(
        "X : matrix(n, p); A : matrix(m, n); B : matrix(p, q); C : matrix(m, q)",
        "tr((A*X*B + C)*(A*X*B + C)')",
        "X",
        G,
        "2*A'*(A*X*B + C)*B'",
    ),
    # (120) ∂Tr(X ⊗ X)/∂X = ∂Tr(X)Tr(X)/∂X = 2Tr(X)I
    "c120-trXkronX": Case("X : matrix(n, n)", "tr(kron(X, X))", "X", G, "2*tr(X)*eye(n)"),
    "c120-trX-trX": Case("X : matrix(n, n)", "tr(X)*tr(X)", "X", G, "2*tr(X)*eye(n)"),
    # (121) ∂Tr(Xᵏ)/∂X = k(Xᵏ⁻¹)ᵀ, k = 4
    "c121-trX4": Case("X : matrix(n, n)", "tr(X^4)", "X", G, "4*(X^3)'"),
    # (122) ∂Tr(AXᵏ)/∂X = Σ_r (X^r A X^(k−r−1))ᵀ, k = 3
    "c122-trAX3": Case(SQ, "tr(A*X^3)", "X", G, "(A*X*X)' + (X*A*X)' + (X*X*A)'"),
    # (123) ∂Tr[BᵀXᵀCXXᵀCXB]/∂X
    "c123-quartic": Case(
        "X : matrix(m, n); B : matrix(n, p); C : matrix(m, m)",
        "tr(B'*X'*C*X*X'*C*X*B)",
        "X",
        G,
        "C*X*X'*C*X*B*B' + C'*X*B*B'*X'*C'*X + C*X*B*B'*X'*C*X + C'*X*X'*C'*X*B*B'",
    ),
    # (124) ∂Tr(AX⁻¹B)/∂X = −X⁻ᵀAᵀBᵀX⁻ᵀ (the second form)
    "c124-second-form": Case(
        "X : matrix(n, n); A : matrix(m, n); B : matrix(n, m)",
        "tr(A*inv(X)*B)",
        "X",
        G,
        "-inv(X)'*A'*B'*inv(X)'",
    ),
    # (125) B, C symmetric: ∂Tr[(XᵀCX)⁻¹A]/∂X = −CX(XᵀCX)⁻¹(A + Aᵀ)(XᵀCX)⁻¹
    "c125-trXTCXinvA": Case(
        "X : matrix(5, 3); C : matrix(5, 5) spd; A : matrix(3, 3)",
        "tr(inv(X'*C*X)*A)",
        "X",
        G,
        "-C*X*inv(X'*C*X)*(A + A')*inv(X'*C*X)",
    ),
    # (126) ∂Tr[(XᵀCX)⁻¹(XᵀBX)]/∂X = −2CX(XᵀCX)⁻¹XᵀBX(XᵀCX)⁻¹ + 2BX(XᵀCX)⁻¹
    "c126-ratio": Case(
        "X : matrix(5, 3); C : matrix(5, 5) spd; B : matrix(5, 5) symmetric",
        "tr(inv(X'*C*X)*(X'*B*X))",
        "X",
        G,
        "-2*C*X*inv(X'*C*X)*X'*B*X*inv(X'*C*X) + 2*B*X*inv(X'*C*X)",
    ),
    # (127) ∂Tr[(A + XᵀCX)⁻¹(XᵀBX)]/∂X, A, B, C symmetric
    "c127-ratio-shift": Case(
        "X : matrix(m, n); A : matrix(n, n) spd; C : matrix(m, m) spd; B : matrix(m, m) symmetric",
        "tr(inv(A + X'*C*X)*(X'*B*X))",
        "X",
        G,
        "-2*C*X*inv(A + X'*C*X)*X'*B*X*inv(A + X'*C*X) + 2*B*X*inv(A + X'*C*X)",
    ),
    # ---------------------------------------------------------------- §2.6, §2.7 norms
    # (129) ∂‖x − a‖₂/∂x = (x − a)/‖x − a‖₂  (test_identities "norm2-shift")
    # (130) ∂/∂x (x − a)/‖x − a‖₂ = I/‖x − a‖₂ − (x − a)(x − a)ᵀ/‖x − a‖₂³
    "c130-unit-jacobian": Case(
        "x, a : vector(n)",
        "(x - a)/norm2(x - a)",
        "x",
        N,
        "eye(n)/norm2(x - a) - (x - a)*(x - a)'/norm2(x - a)^3",
    ),
    # (131) ∂‖x‖₂²/∂x = ∂‖xᵀx‖₂/∂x = 2x
    "c131-norm2-squared": Case("x : vector(n)", "norm2(x)^2", "x", G, "2*x"),
    "c131-norm-of-xTx": Case("x : vector(n)", "norm2(x'*x)", "x", G, "2*x"),
    # (132) ∂‖X‖²_F/∂X = 2X (test_identities "normF2"); as Tr(XXᵀ) with normF
    "c132-normF-squared": Case("X : matrix(m, n)", "normF(X)^2", "X", G, "2*X"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cookbook_by_value(name: str) -> None:
    check_case(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_cookbook_emissions(name: str) -> None:
    check_case_emissions(CASES[name])
