"""A flat sum or product is not deep: thousands of terms analyse, lower and derive without
recursing once per term, and the derivatives agree with finite differences."""

from __future__ import annotations

from matdiff.analysis import analyze
from matdiff.services.derivatives import derivation

N = 2000
DECLS = "x : vector(n)\nA : matrix(n, n)\n" + "".join(f"a{i} : scalar\n" for i in range(N))


def test_a_sum_of_2000_terms() -> None:
    text = DECLS + "f = " + " + ".join(f"a{i}*x" for i in range(N)) + "\n"
    model = analyze(text)
    assert model.diagnostics == ()
    assert str(model.symbols["f"].shape) == "n×1"
    d = derivation(model, "f", "x", "numerator")
    assert str(d.result.shape) == "n×n"
    assert all(f"a{i}" in d.result.free for i in (0, N // 2, N - 1))
    assert d.verified()


def test_a_difference_chain_keeps_its_signs() -> None:
    text = DECLS + "f = " + " - ".join(f"a{i}*x'*x" for i in range(200)) + "\n"
    d = derivation(text, "f", "x", "gradient")
    assert d.verified()


def test_a_product_of_2000_factors() -> None:
    text = DECLS + "f = " + "*".join(f"a{i}" for i in range(N)) + "*x'*A*x\n"
    model = analyze(text)
    assert model.diagnostics == ()
    assert str(model.symbols["f"].shape) == "scalar"
    d = derivation(model, "f", "x", "gradient")
    assert str(d.result.shape) == "n×1"
    assert d.verified()


def test_a_chain_of_2000_matrix_products_analyses() -> None:
    text = DECLS + "f = x'*" + "*".join(["A"] * N) + "*x\ng = " + "*".join(["A'"] * N) + "\n"
    model = analyze(text)
    assert model.diagnostics == ()
    assert str(model.symbols["f"].shape) == "scalar"
    assert str(model.symbols["g"].shape) == "n×n"


def test_a_mixed_chain_groups_as_written() -> None:
    """(a'x)/(b'x)^2*b: the scalar a'x is formed before the product goes on (a chain is
    lowered in a loop, but not regrouped)."""
    text = "x, a, b : vector(n)\nf = a'*x/(b'*x)^2*b + a - x/4 + a .* x ./ b\n"
    d = derivation(text, "f", "x", "numerator")
    assert d.verified()
