"""The shape of ``f`` for one expression per line: every operator and function of
LANGUAGE.md §4 and the derivative shapes of §5's table.

Every case is checked against the same declarations (``DECLS``); shapes print as the
checker prints them (``m×n``, ``scalar``, ``m·n×1`` for ``vec`` of an m×n matrix).
"""

from __future__ import annotations

import pytest

from matdiff.analysis import analyze
from matdiff.base.language import ELEMENTWISE

DECLS = """\
A, C : matrix(m, n)
B : matrix(n, p)
S : matrix(n, n) symmetric
x : vector(n)
y : vector(m)
c : scalar
"""

SHAPES = [
    # language extensions: commutation matrix, unvec, products of sizes
    ("commutation(m, n)", "m·n×m·n"),
    ("commutation(m, n)*vec(A)", "m·n×1"),
    ("unvec(vec(A), m, n)", "m×n"),
    ("eye(m*n)", "m·n×m·n"),
    ("ones(m*n, 2)", "m·n×2"),
    # sums, products, element-wise
    ("A + C", "m×n"),
    ("A - C", "m×n"),
    ("A*B", "m×p"),
    ("A @ B", "m×p"),
    ("A*B*B'", "m×n"),
    ("c*A", "m×n"),
    ("A*c", "m×n"),
    ("2*x", "n×1"),
    ("x'*S*x", "scalar"),
    ("x'*x*A", "m×n"),  # a 1×1 product scales anything
    ("A*(x'*x)", "m×n"),
    ("A .* C", "m×n"),
    ("A ./ C", "m×n"),
    ("A ∘ C", "m×n"),
    ("A ⊙ C", "m×n"),
    ("c·A", "m×n"),
    ("A × B", "m×p"),
    ("A/c", "m×n"),
    ("A/2", "m×n"),
    ("x/(x'*x)", "n×1"),
    # Kronecker products
    ("kron(A, B)", "m·n×n·p"),
    ("A ⊗ B", "m·n×n·p"),
    ("kron(x, y)", "m·n×1"),
    ("kron(x', x)", "n×n"),
    # transposes
    ("A'", "n×m"),
    ("A.T", "n×m"),
    ("Aᵀ", "n×m"),
    ("x'", "1×n"),
    ("A''", "m×n"),
    ("(A*B)'", "p×m"),
    # powers
    ("c^2", "scalar"),
    ("c^c", "scalar"),
    ("c^-0.5", "scalar"),
    ("(x'*x)^2", "scalar"),
    ("S^3", "n×n"),
    ("S^-1", "n×n"),
    ("S⁻¹", "n×n"),
    ("S^+2", "n×n"),
    ("A.^2", "m×n"),
    ("A.^c", "m×n"),
    ("x.^-1", "n×1"),
    # negation
    ("-A", "m×n"),
    ("+A", "m×n"),
    ("-c^2", "scalar"),
    ("-x.^2", "n×1"),
    # element-wise functions
    *((f"{f}(A)", "m×n") for f in ELEMENTWISE),
    ("exp(c)", "scalar"),
    ("sigmoid(x)", "n×1"),
    # square matrices
    ("tr(S)", "scalar"),
    ("tr(A*A')", "scalar"),
    ("det(S)", "scalar"),
    ("logdet(S)", "scalar"),
    ("inv(S)", "n×n"),
    ("inv(A'*A)", "n×n"),
    ("adj(S)", "n×n"),
    # diag, vec, sum, norms
    ("diag(x)", "n×n"),
    ("diag(x')", "n×n"),
    ("diag(S)", "n×1"),
    ("vec(A)", "m·n×1"),
    ("vec(x)", "n×1"),
    ("vec(kron(A, B))", "m·n·n·p×1"),
    ("sum(A)", "scalar"),
    ("norm2(x)", "scalar"),
    ("norm2(A)", "scalar"),
    ("normF(A)", "scalar"),
    ("norm1(x)", "scalar"),
    ("softmax(x)", "n×1"),
    ("logsumexp(x)", "scalar"),
    # identity, ones, zeros: explicit sizes and sizes from context
    ("eye(n)", "n×n"),
    ("eye(3)", "3×3"),
    ("ones(n)", "n×1"),
    ("ones(m, n)", "m×n"),
    ("zeros(m, n)", "m×n"),
    ("zeros(2, n)", "2×n"),
    ("S + I", "n×n"),
    ("S - eye", "n×n"),
    ("I*x", "n×1"),
    ("A*I", "m×n"),
    ("I*A", "m×n"),
    ("x'*I*x", "scalar"),
    ("A + ones", "m×n"),
    ("A + zeros", "m×n"),
    ("A*ones", "m×1"),  # a vector of ones unless the context says otherwise
    ("ones'*x", "scalar"),
    ("ones(n)'*x", "scalar"),
    ("x + zeros", "n×1"),
    ("ones*ones' + S", "n×n"),
    ("kron(eye(2), A) + kron(eye(2), C)", "2·m×2·n"),
    # derivatives (§5): gradient has the shape of the variable, diff is numerator layout
    ("grad(x'*S*x, x)", "n×1"),
    ("grad(tr(A'*A), A)", "m×n"),
    ("grad(c^2, c)", "scalar"),
    ("diff(c^2, c)", "scalar"),
    ("diff(x'*x, x)", "1×n"),
    ("diff(c*y, c)", "m×1"),
    ("diff(A*x, x)", "m×n"),
    ("jacobian(A*x, x)", "m×n"),
    ("diff(tr(A'*A), A)", "n×m"),
    ("diff(c*A, c)", "m×n"),
    ("diff(A*x, A)", "m×m·n"),
    ("diff(A*B, B)", "m·p×n·p"),
    ("hessian(x'*S*x, x)", "n×n"),
    ("hessian(c^3, c)", "scalar"),
    ("hessian(tr(A'*A), A)", "m·n×m·n"),
    # derivative forms are expressions
    ("grad(x'*S*x, x)'*x", "scalar"),
    ("x'*hessian(x'*S*x, x)*x", "scalar"),
]


def shape_of_f(expr: str) -> str:
    model = analyze(DECLS + f"f = {expr}\n")
    assert model.diagnostics == (), [d.message for d in model.diagnostics]
    shape = model.symbols["f"].shape
    assert shape is not None
    return str(shape)


@pytest.mark.parametrize(("expr", "expected"), SHAPES, ids=[e for e, _ in SHAPES])
def test_shape(expr: str, expected: str) -> None:
    assert shape_of_f(expr) == expected


def test_definitions_carry_shapes() -> None:
    model = analyze(DECLS + "r = A*x - y\nloss = r'*r\nf = grad(loss, A) + 2*A\n")
    assert model.diagnostics == ()
    shapes = {n: str(model.symbols[n].shape) for n in ("r", "loss", "f")}
    assert shapes == {"r": "m×1", "loss": "scalar", "f": "m×n"}


def test_every_subexpression_has_a_shape() -> None:
    text = DECLS + "f = x'*(S + I)*x\n"
    model = analyze(text)
    start = text.index("f = ") + 4
    f = model.document.statements[-1]
    shown = {
        model.source(s): str(shape)
        for s, shape in model.shapes_by_frame[f.span.frame].items()
        if model.absolute(s).start >= start
    }
    assert shown["I"] == "n×n"
    assert shown["S + I"] == "n×n"
    assert shown["x'"] == "1×n"
    assert shown["x'*(S + I)*x"] == "scalar"
