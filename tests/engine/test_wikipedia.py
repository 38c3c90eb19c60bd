"""Wikipedia's "Matrix calculus" identity tables, row by row, checked BY VALUE.

Source: the article's "Identities" section — the tables vector-by-vector, scalar-by-vector,
vector-by-scalar, matrix-by-scalar, scalar-by-scalar and scalar-by-matrix, each given in
numerator and denominator layout (matdiff's ``diff`` and ``grad``).  The tables name rows by
their expression, not by number: each comment names the table and the row.  Rows whose
entry is a rule for functions u(x), v(x), U(x) are instantiated with concrete ones (sin,
exp, softmax, …).  Rows the language cannot state (the cross product, matrix exponential
and matrix sine) are left out.  Identities already in ``test_identities.py`` or
``test_cookbook.py`` are not repeated unless in the other layout.
"""

from __future__ import annotations

import pytest

from tests.engine.helpers import Case, check_case, check_case_emissions

G, N, H = "gradient", "numerator", "hessian"
VV = "x : vector(n); A : matrix(m, n); a : vector(n); b : vector(m); c : scalar"
SV = "x, a : vector(n); A, B : matrix(m, n); b : vector(m); c : scalar"
VS = "s, c : scalar; a, b : vector(n); A : matrix(m, n)"
MS = "s, c : scalar; C, D : matrix(m, n); A : matrix(p, m); B : matrix(n, q)"
SM = "X, A, B, C : matrix(n, n); a, b : vector(n); c : scalar"
U = "(A + s*B + s^2*C)"  # a square U(s)
U1 = "(B + 2*s*C)"

CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- vector-by-vector ∂y/∂x
    # row "a is not a function of x": 0
    "vv-constant": Case(VV, "b", "x", N, "zeros(m, n)"),
    # row "a u": a ∂u/∂x, u = tanh(Ax)
    "vv-au": Case(VV, "c*tanh(A*x)", "x", N, "c*diag(ones(m) - tanh(A*x).^2)*A"),
    # row "v u" (v scalar): v ∂u/∂x + u ∂v/∂x, v = sin(aᵀx), u = Ax
    "vv-vu": Case(VV, "sin(a'*x)*(A*x)", "x", N, "sin(a'*x)*A + A*x*cos(a'*x)*a'"),
    # row "A u": A ∂u/∂x, u = exp(x)
    "vv-Au": Case(VV, "A*exp(x)", "x", N, "A*diag(exp(x))"),
    # row "u + v": ∂u/∂x + ∂v/∂x
    "vv-sum": Case("x : vector(n); A : matrix(n, n)", "A*x + exp(x)", "x", N, "A + diag(exp(x))"),
    # row "g(u)": ∂g(u)/∂u ∂u/∂x, g = softmax, u = Ax
    "vv-g-of-u": Case(
        VV,
        "softmax(A*x)",
        "x",
        N,
        "(diag(softmax(A*x)) - softmax(A*x)*softmax(A*x)')*A",
    ),
    # row "f(g(u))": ∂f(g)/∂g ∂g(u)/∂u ∂u/∂x, f = exp, g = tanh, u = Ax
    "vv-f-g-u": Case(
        VV, "exp(tanh(A*x))", "x", N, "diag(exp(tanh(A*x)) .* (ones(m) - tanh(A*x).^2))*A"
    ),
    # ---------------------------------------------------------------- scalar-by-vector ∂y/∂x
    # row "a is not a function of x": 0
    "sv-constant": Case(SV, "a'*a", "x", G, "zeros(n)"),
    # row "a u": a ∂u/∂x
    "sv-au": Case(SV, "c*(x'*x)", "x", G, "2*c*x"),
    # row "u + v"
    "sv-sum": Case(SV, "a'*x + x'*x", "x", G, "a + 2*x"),
    # row "u v": u ∂v/∂x + v ∂u/∂x
    "sv-uv": Case(SV, "(a'*x)*(x'*x)", "x", G, "(x'*x)*a + 2*(a'*x)*x"),
    # row "g(u)": ∂g(u)/∂u ∂u/∂x, both layouts
    "sv-g-of-u": Case(SV, "sin(a'*x)", "x", G, "cos(a'*x)*a"),
    "sv-g-of-u-num": Case(SV, "sin(a'*x)", "x", N, "cos(a'*x)*a'"),
    # row "f(g(u))"
    "sv-f-g-u": Case(SV, "exp(sin(a'*x))", "x", G, "exp(sin(a'*x))*cos(a'*x)*a"),
    # row "u · v": uᵀ ∂v/∂x + vᵀ ∂u/∂x, u = Ax, v = Bx
    "sv-dot": Case(SV, "(A*x)'*(B*x)", "x", G, "A'*B*x + B'*A*x"),
    # row "u · A v": uᵀA ∂v/∂x + vᵀAᵀ ∂u/∂x, u = sin(x), v = exp(Bx)
    "sv-u-A-v": Case(
        "x : vector(n); C : matrix(n, m); B : matrix(m, n)",
        "sin(x)'*C*exp(B*x)",
        "x",
        G,
        "cos(x) .* (C*exp(B*x)) + B'*(exp(B*x) .* (C'*sin(x)))",
    ),
    # row "bᵀAx": bᵀA (numerator), Aᵀb (denominator)
    "sv-bTAx": Case(SV, "b'*A*x", "x", G, "A'*b"),
    "sv-bTAx-num": Case(SV, "b'*A*x", "x", N, "b'*A"),
    # row "xᵀAx": xᵀ(A + Aᵀ) (numerator); A symmetric: 2xᵀA
    "sv-xTAx-num": Case("x : vector(n); A : matrix(n, n)", "x'*A*x", "x", N, "x'*(A + A')"),
    "sv-xTSx-num": Case("x : vector(n); A : matrix(n, n) symmetric", "x'*A*x", "x", N, "2*x'*A"),
    # row "a · u": aᵀ ∂u/∂x, u = tanh(Bx)
    "sv-a-dot-u": Case(
        "x : vector(n); a : vector(m); B : matrix(m, n)",
        "a'*tanh(B*x)",
        "x",
        G,
        "B'*(a .* (ones(m) - tanh(B*x).^2))",
    ),
    # row "aᵀxxᵀb": xᵀ(abᵀ + baᵀ) (numerator)
    "sv-aTxxTb-num": Case("x, a, b : vector(n)", "a'*x*x'*b", "x", N, "x'*(a*b' + b*a')"),
    # row "(Ax + b)ᵀC(Dx + e)": (Dx + e)ᵀCᵀA + (Ax + b)ᵀCD (numerator)
    "sv-bilinear-num": Case(
        "x : vector(n); A : matrix(m, n); b : vector(m); C : matrix(m, p); "
        "D : matrix(p, n); e : vector(p)",
        "(A*x + b)'*C*(D*x + e)",
        "x",
        N,
        "(D*x + e)'*C'*A + (A*x + b)'*C*D",
    ),
    # row "‖x − a‖": (x − a)ᵀ/‖x − a‖ (numerator)
    "sv-distance-num": Case(SV, "norm2(x - a)", "x", N, "(x - a)'/norm2(x - a)"),
    # row "∂²f/∂x∂xᵀ = H", the Hessian, for a few f
    "sv-hess-sin": Case(SV, "sin(a'*x)", "x", H, "-sin(a'*x)*a*a'"),
    "sv-hess-norm": Case("x : vector(n)", "norm2(x)", "x", H, "(eye(n) - x*x'/(x'*x))/norm2(x)"),
    "sv-hess-quartic": Case("x : vector(n)", "(x'*x)^2", "x", H, "4*(x'*x)*eye(n) + 8*x*x'"),
    "sv-hess-logistic": Case(
        "w : vector(n); X : matrix(m, n); y : vector(m)",
        "sum(softplus(X*w)) - y'*X*w",
        "w",
        H,
        "X'*diag(sigmoid(X*w) .* (ones(m) - sigmoid(X*w)))*X",
    ),
    "sv-hess-bilinear": Case(
        "x : vector(n); A, B : matrix(m, n)", "(A*x)'*(B*x)", "x", H, "A'*B + B'*A"
    ),
    # ---------------------------------------------------------------- vector-by-scalar ∂y/∂x
    # row "a is not a function of x": 0
    "vs-constant": Case(VS, "a", "s", N, "zeros(n)"),
    # row "a u": a ∂u/∂x, u = exp(s a)
    "vs-au": Case(VS, "c*exp(s*a)", "s", N, "c*(a .* exp(s*a))"),
    # row "A u": A ∂u/∂x
    "vs-Au": Case(VS, "A*exp(s*a)", "s", N, "A*(a .* exp(s*a))"),
    # row "uᵀ": (∂u/∂x)ᵀ
    "vs-uT": Case(VS, "exp(s*a)'", "s", N, "(a .* exp(s*a))'"),
    # row "u + v"
    "vs-sum": Case(VS, "exp(s*a) + s^2*b", "s", N, "a .* exp(s*a) + 2*s*b"),
    # row "g(u)": ∂g(u)/∂u ∂u/∂x, g = softmax, u = s a
    "vs-g-of-u": Case(
        VS, "softmax(s*a)", "s", N, "(diag(softmax(s*a)) - softmax(s*a)*softmax(s*a)')*a"
    ),
    # row "f(g(u))": f = tanh, g = A·, u = sin(s a)
    "vs-f-g-u": Case(
        VS,
        "tanh(A*sin(s*a))",
        "s",
        N,
        "diag(ones(m) - tanh(A*sin(s*a)).^2)*A*(a .* cos(s*a))",
    ),
    # ---------------------------------------------------------------- matrix-by-scalar ∂Y/∂x
    # row "a U": a ∂U/∂x, U = exp(sC) (element-wise)
    "ms-aU": Case(MS, "c*exp(s*C)", "s", N, "c*(C .* exp(s*C))"),
    # row "A U B": A ∂U/∂x B
    "ms-AUB": Case(MS, "A*exp(s*C)*B", "s", N, "A*(C .* exp(s*C))*B"),
    # row "U + V"
    "ms-sum": Case(MS, "exp(s*C) + s*D", "s", N, "C .* exp(s*C) + D"),
    # row "U V": U ∂V/∂x + ∂U/∂x V
    "ms-UV": Case(
        "s : scalar; C : matrix(m, n); D : matrix(n, p)",
        "exp(s*C)*cos(s*D)",
        "s",
        N,
        "(C .* exp(s*C))*cos(s*D) - exp(s*C)*(D .* sin(s*D))",
    ),
    # row "U ⊗ V": U ⊗ ∂V/∂x + ∂U/∂x ⊗ V
    "ms-kron": Case(
        "s : scalar; C : matrix(m, n); D : matrix(p, q)",
        "kron(exp(s*C), sin(s*D))",
        "s",
        N,
        "kron(exp(s*C), D .* cos(s*D)) + kron(C .* exp(s*C), sin(s*D))",
    ),
    # row "U ∘ V": U ∘ ∂V/∂x + ∂U/∂x ∘ V
    "ms-hadamard": Case(
        MS,
        "exp(s*C) .* sin(s*D)",
        "s",
        N,
        "exp(s*C) .* (D .* cos(s*D)) + C .* exp(s*C) .* sin(s*D)",
    ),
    # row "∂²U⁻¹/∂x∂y" with x = y: U⁻¹(2 U' U⁻¹ U' − U'')U⁻¹, U'' = 2C
    "ms-inverse-second": Case(
        "s : scalar; A, B, C : matrix(n, n)",
        f"diff(inv({U}), s)",
        "s",
        N,
        f"inv({U})*(2*{U1}*inv({U})*{U1} - 2*C)*inv({U})",
        {"s": "unit"},
    ),
    # ---------------------------------------------------------------- scalar-by-scalar
    # row "tr(U)": tr(∂U/∂x)
    "ss-trace": Case(
        MS.replace("C, D : matrix(m, n)", "C : matrix(n, n)"),
        "tr(exp(s*C))",
        "s",
        N,
        "tr(C .* exp(s*C))",
    ),
    # row "tr(g(U))": tr(g'(U) ∂U/∂x) with g(U) = U², U = A + sB
    "ss-tr-g": Case(
        "s : scalar; A, B : matrix(n, n)", "tr((A + s*B)^2)", "s", N, "2*tr((A + s*B)*B)"
    ),
    # ---------------------------------------------------------------- scalar-by-matrix ∂y/∂X
    # row "a is not a function of X": 0
    "sm-constant": Case(SM, "a'*b", "X", G, "zeros(n, n)"),
    # row "a u"
    "sm-au": Case(SM, "c*tr(X'*X)", "X", G, "2*c*X"),
    # row "u + v"
    "sm-sum": Case(SM, "tr(A*X) + tr(X'*X)", "X", G, "A' + 2*X"),
    # row "u v"
    "sm-uv": Case(SM, "tr(A*X)*tr(B*X)", "X", G, "tr(B*X)*A' + tr(A*X)*B'"),
    # row "g(u)": ∂g(u)/∂u ∂u/∂X
    "sm-g-of-u": Case(SM, "sin(tr(A*X))", "X", G, "cos(tr(A*X))*A'"),
    # row "f(g(u))"
    "sm-f-g-u": Case(SM, "log(1 + tr(X'*X))", "X", G, "2*X/(1 + tr(X'*X))"),
    # row "g(U)": ∂g(U)/∂X_ij = tr(∂g/∂U ∂U/∂X_ij), g = ln det, U = A + XᵀX
    "sm-g-of-U": Case(
        "X : matrix(m, n); A : matrix(n, n) spd",
        "logdet(A + X'*X)",
        "X",
        G,
        "2*X*inv(A + X'*X)",
    ),
    # row "(Xa)ᵀC(Xb)": CXbaᵀ + CᵀXabᵀ (denominator)
    "sm-XaCXb": Case(
        "X : matrix(m, n); a, b : vector(n); C : matrix(m, m)",
        "(X*a)'*C*(X*b)",
        "X",
        G,
        "C*X*b*a' + C'*X*a*b'",
    ),
    # row "(Xa)ᵀ(Xa)": 2Xaaᵀ
    "sm-XaXa": Case("X : matrix(m, n); a : vector(n)", "(X*a)'*(X*a)", "X", G, "2*X*a*a'"),
    # row "tr(AX)": A (numerator), Aᵀ (denominator)
    "sm-trAX": Case("X : matrix(m, n); A : matrix(n, m)", "tr(A*X)", "X", G, "A'"),
    "sm-trAX-num": Case("X : matrix(m, n); A : matrix(n, m)", "tr(A*X)", "X", N, "A"),
    # rows "tr(XA)", "tr(AXᵀ)", "tr(XᵀA)" in numerator layout: A, Aᵀ, Aᵀ
    "sm-trXA-num": Case("X : matrix(m, n); A : matrix(n, m)", "tr(X*A)", "X", N, "A"),
    "sm-trAXT-num": Case("X, A : matrix(m, n)", "tr(A*X')", "X", N, "A'"),
    "sm-trXTA-num": Case("X, A : matrix(m, n)", "tr(X'*A)", "X", N, "A'"),
    # row "tr(XᵀAX)": Xᵀ(A + Aᵀ) (numerator)
    "sm-trXTAX-num": Case(
        "X : matrix(m, n); A : matrix(m, m)", "tr(X'*A*X)", "X", N, "X'*(A + A')"
    ),
    # row "tr(X⁻¹A)": −X⁻¹AX⁻¹ (numerator)
    "sm-trXinvA-num": Case(SM, "tr(inv(X)*A)", "X", N, "-inv(X)*A*inv(X)"),
    # row "tr(AXBXᵀC)": BXᵀCA + BᵀXᵀAᵀCᵀ (numerator)
    "sm-trAXBXTC-num": Case(
        "X : matrix(m, n); A : matrix(p, m); B : matrix(n, n); C : matrix(m, p)",
        "tr(A*X*B*X'*C)",
        "X",
        N,
        "B*X'*C*A + B'*X'*A'*C'",
    ),
    # row "tr(Xⁿ)": nXⁿ⁻¹ (numerator), n = 3
    "sm-trX3-num": Case(SM, "tr(X^3)", "X", N, "3*X^2"),
    # row "tr(AXⁿ)": Σ_i X^i A X^(n−i−1) (numerator), n = 3
    "sm-trAX3-num": Case(SM, "tr(A*X^3)", "X", N, "A*X*X + X*A*X + X*X*A"),
    # row "|X|": |X|X⁻¹ (numerator)
    "sm-det-num": Case(SM, "det(X)", "X", N, "det(X)*inv(X)"),
    # row "ln|aX|": X⁻ᵀ (denominator)
    "sm-logdet-aX": Case(SM, "logdet(c*X)", "X", G, "inv(X)'", {"c": "positive"}),
    # row "|AXB|": |AXB|X⁻¹ (numerator)
    "sm-detAXB-num": Case(SM, "det(A*X*B)", "X", N, "det(A*X*B)*inv(X)"),
    # row "|Xⁿ|": n|Xⁿ|X⁻¹ (numerator), n = 3
    "sm-detXn-num": Case(SM, "det(X^3)", "X", N, "3*det(X^3)*inv(X)"),
    # differential form table, "d|X| = tr(adj(X) dX)": ∇|X| = adj(X)ᵀ
    "sm-det-adj": Case(SM, "det(X)", "X", G, "adj(X)'"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_wikipedia_by_value(name: str) -> None:
    check_case(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_wikipedia_emissions(name: str) -> None:
    check_case_emissions(CASES[name])
