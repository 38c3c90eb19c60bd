"""Batches (LANGUAGE.md §9): softmax(Z) of an m×N matrix is the softmax of each column;
logsumexp(Z) is the 1×N row of the columns' logsumexp.  Checked against NumPy written
column by column, through shapes, derivatives (finite differences and closed forms),
every emitter, and the generated Python functions."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.engine.numpy_emit import to_jax, to_numpy, to_torch
from matdiff.numeric.evaluate import evaluate
from matdiff.services.codegen import gradient_function
from matdiff.services.derivatives import derivation
from tests.conftest import framework

DOC = (
    "W : matrix(k, d); X : matrix(d, N); T : matrix(k, N)\n"
    "Z = W*X\nS = softmax(Z)\nR = logsumexp(Z)\n"
    "loss = -sum(T .* log(softmax(W*X)))\n"
    "total = sum(logsumexp(W*X))\n"
)
SIZES = {"k": 3, "d": 4, "N": 5}


def columns_softmax(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    for j in range(z.shape[1]):
        e = np.exp(z[:, j] - z[:, j].max())
        out[:, j] = e / e.sum()
    return out


def columns_logsumexp(z: np.ndarray) -> np.ndarray:
    return np.array([[np.log(np.sum(np.exp(z[:, j]))) for j in range(z.shape[1])]])


def env(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = dict(SIZES)
    out["W"] = rng.normal(size=(3, 4))
    out["X"] = rng.normal(size=(4, 5))
    out["T"] = rng.uniform(0, 1, size=(3, 5))
    return out


def test_shapes() -> None:
    model = analyze(DOC + "v : vector(k)\nr = logsumexp(v)\nrow = logsumexp(Z) * ones(N)\n")
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    shapes = {n: str(model.symbols[n].shape) for n in ("S", "R", "r", "row", "loss")}
    assert shapes == {"S": "k×N", "R": "1×N", "r": "scalar", "row": "scalar", "loss": "scalar"}


@pytest.mark.parametrize("seed", [0, 1])
def test_values_against_numpy_column_by_column(seed: int) -> None:
    model = analyze(DOC)
    lowering = Lowering(model)
    e = env(seed)
    z = e["W"] @ e["X"]
    for name, want in [("S", columns_softmax(z)), ("R", columns_logsumexp(z))]:
        expr = lowering.definition(name)
        np.testing.assert_allclose(evaluate(expr, e), want, rtol=1e-12)
        got = eval(to_numpy(expr), {"np": np, **e})
        np.testing.assert_allclose(np.reshape(got, want.shape), want, rtol=1e-12)


@pytest.mark.parametrize("k", [1, 2])
def test_a_batch_with_one_row_is_still_a_batch(k: int) -> None:
    """The evaluator reads a batch from the document's shapes, as the emitters do: with
    k = 1 at run time, softmax(Z) of the k×N batch is all ones, not a softmax of the row
    (it used to decide by the numbers' shape)."""
    lowering = Lowering(analyze(DOC))
    e = env(0) | {"k": k, "W": env(0)["W"][:k]}
    z = e["W"] @ e["X"]
    for name, want in [("S", columns_softmax(z)), ("R", columns_logsumexp(z))]:
        expr = lowering.definition(name)
        np.testing.assert_allclose(evaluate(expr, e), want, rtol=1e-12)
        got = eval(to_numpy(expr), {"np": np, **e})
        np.testing.assert_allclose(np.reshape(got, want.shape), want, rtol=1e-12)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_values_in_torch_and_jax(backend: str) -> None:
    module = framework(backend)
    model = analyze(DOC)
    e = env(2)
    z = e["W"] @ e["X"]
    for name, want in [("S", columns_softmax(z)), ("R", columns_logsumexp(z))]:
        expr = Lowering(model).definition(name)
        if backend == "torch":
            code, space = to_torch(expr), {"torch": module}
            values = {k: module.tensor(v) if isinstance(v, np.ndarray) else v for k, v in e.items()}
        else:
            code, space = to_jax(expr), {"jax": module, "jnp": module.numpy}
            values = {k: module.numpy.asarray(v) if isinstance(v, np.ndarray) else v
                      for k, v in e.items()}  # fmt: skip
        got = np.asarray(eval(code, {**space, **values}), dtype=float)
        np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_cross_entropy_gradient(seed: int) -> None:
    """(softmax(WX)·diag(1ᵀT) − T)Xᵀ, in whatever form matdiff writes it."""
    d = derivation(DOC, "loss", "W", "gradient")
    assert d.verified()
    e = env(seed)
    s = columns_softmax(e["W"] @ e["X"])
    want = (s @ np.diag(e["T"].sum(axis=0)) - e["T"]) @ e["X"].T
    np.testing.assert_allclose(evaluate(d.result, e), want, rtol=1e-10)
    np.testing.assert_allclose(eval(d.emit("numpy"), {"np": np, **e}), want, rtol=1e-10)
    again = analyze(DOC + f"g = {d.emit('dsl')}\n")  # the dsl re-parses, to the same numbers
    assert not again.diagnostics
    np.testing.assert_allclose(evaluate(Lowering(again).definition("g"), e), want, rtol=1e-10)


def test_batch_logsumexp_gradient_and_jacobian() -> None:
    e = env(5)
    s = columns_softmax(e["W"] @ e["X"])
    d = derivation(DOC, "total", "W", "gradient")
    assert d.verified()
    np.testing.assert_allclose(evaluate(d.result, e), s @ e["X"].T, rtol=1e-10)
    for of in ("S", "R"):
        assert derivation(DOC, of, "W", "numerator").verified()
        assert derivation(DOC, of, "X", "numerator").verified()


def test_hessian_through_a_batch() -> None:
    doc = "x : vector(d); W : matrix(k, d); B : matrix(d, N)\n"
    doc += "f = sum(logsumexp(W*(x*ones(1, N) + B)))\n"
    assert derivation(doc, "f", "x", "hessian").verified()


def test_generated_function_for_the_batch_cross_entropy() -> None:
    fn = gradient_function(analyze(DOC), "loss", ["W"], "numpy")
    assert "axis=0" in fn.source
    space: dict[str, Any] = {}
    exec("\n".join([*fn.imports, fn.source]), space)
    e = env(6)
    params = re.findall(r"(\w+): ", fn.source.split("\n", 1)[0])
    got = space[fn.name](*(e[p] for p in params))
    s = columns_softmax(e["W"] @ e["X"])
    want = (s @ np.diag(e["T"].sum(axis=0)) - e["T"]) @ e["X"].T
    np.testing.assert_allclose(got, want, rtol=1e-10)


STOCHASTIC = DOC.replace("T : matrix(k, N)", "T : matrix(k, N) stochastic")


def test_stochastic_targets_give_the_textbook_gradient() -> None:
    """One-hot (or probability) targets: T's columns sum to one, so the batch cross-entropy's
    gradient is (softmax(WX) − T)Xᵀ."""
    model = analyze(STOCHASTIC)
    assert not model.diagnostics
    assert model.symbols["T"].properties == frozenset({"stochastic"})
    d = derivation(STOCHASTIC, "loss", "W", "gradient")
    assert d.emit("dsl").replace(" ", "") == "(softmax(W*X)-T)*X'"
    assert d.verified()  # T drawn with columns summing to one
    rng = np.random.default_rng(8)
    e = env(8)
    e["T"] = np.eye(3)[:, rng.integers(0, 3, size=5)]  # one-hot columns
    want = (columns_softmax(e["W"] @ e["X"]) - e["T"]) @ e["X"].T
    np.testing.assert_allclose(evaluate(d.result, e), want, rtol=1e-10)
    np.testing.assert_allclose(
        evaluate(derivation(DOC, "loss", "W", "gradient").result, e), want, rtol=1e-10
    )  # the general form agrees on such a T


def test_ones_products() -> None:
    from matdiff.engine import expr as E
    from matdiff.engine.shape import Dim, Shape

    k, n = Dim.of("k"), Dim.of("N")
    T = E.var("T", Shape(k, n), {"stochastic"})
    U = E.var("U", Shape(k, n))
    row, col = E.ones(Shape(Dim(), k)), E.ones(Shape(k, Dim()))
    assert E.mul(row, T) is E.ones(Shape(Dim(), n))
    assert E.mul(E.transpose(T), col) is E.ones(Shape(n, Dim()))
    assert E.mul(col, E.ones(Shape(Dim(), n))) is E.ones(Shape(k, n))
    assert E.mul(E.ones(Shape(k, k)), T) is E.ones(Shape(k, n))
    assert isinstance(E.mul(row, U), E.Prod)  # only for stochastic matrices


def test_stochastic_needs_a_vector_or_a_matrix() -> None:
    got = [d.message for d in analyze("c : scalar stochastic\n").diagnostics]
    assert got == ["'stochastic' needs a vector or a matrix, not a scalar"]


def test_a_batch_softmax_sums_to_its_number_of_columns() -> None:
    """sum(softmax(Z)) is N for a k×N batch (each column sums to one), 1 for a vector."""
    doc = DOC + "v : vector(k)\ns = sum(softmax(W*X))\nt = sum(softmax(v))\n"
    lower = Lowering(analyze(doc))
    e = env(3)
    assert evaluate(lower.definition("s"), e)[0, 0] == pytest.approx(5.0)
    assert str(lower.definition("s")) == "<N>"
    assert str(lower.definition("t")) == "<1>"


def test_log_softmax_of_a_batch() -> None:
    """log softmax(Z) of a batch is Z − 1 logsumexp(Z) (the simplifier's rule, by columns),
    and NumPy computes it without overflow at logits of ±1000."""
    from matdiff.engine.rules import RULES

    rule = next(r for r in RULES if r.name == "log of softmax")
    lower = Lowering(analyze(DOC + "H = log(softmax(W*X))\n"))
    h = lower.definition("H")
    out = rule.apply(h)
    assert out is not None and out.shape == h.shape
    e = env(4)
    want = np.log(columns_softmax(e["W"] @ e["X"]))
    np.testing.assert_allclose(evaluate(out, e), want, rtol=1e-12)
    e["X"] = e["X"] * 1000
    with np.errstate(all="raise", under="ignore"):
        got = eval(to_numpy(h), {"np": np, **e})
    z = e["W"] @ e["X"]
    top = z.max(axis=0)
    stable = top + np.log(np.sum(np.exp(z - top), axis=0))  # each column's logsumexp
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, z - stable, rtol=1e-12)
