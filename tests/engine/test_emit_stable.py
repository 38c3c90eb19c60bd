"""NumPy, PyTorch and JAX code that holds up (issue 10).

- At extreme inputs (logits ±1000) the emitted values and gradients of softmax
  cross-entropy, logsumexp, logistic regression (log σ, log(1 − σ)) and softplus are finite
  and equal to references computed element by element in rearranged, overflow-free forms
  (NumPy with overflow, invalid values and division by zero raised, not only warned).
- Every repeated sub-expression is computed once: an inverse used three times is one
  ``np.linalg.inv(``, and on generated expressions no inverse or determinant is written
  more often than there are distinct ones; the one-expression form stays one expression.
"""

from __future__ import annotations

import ast
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from matdiff.analysis import analyze
from matdiff.api import MatdiffError
from matdiff.engine import expr as E
from matdiff.engine.numpy_emit import to_jax, to_numpy, to_torch
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services import codegen
from matdiff.services.derivatives import derivation
from tests.engine.helpers import close, numpy_env
from tests.engine.test_properties import Example, _derive, _env, examples

DOC = """\
W : matrix(m, n); x : vector(n); y : vector(m); t : vector(m)
w : vector(n); X : matrix(m, n)
ce = -t'*log(softmax(W*x))
lse = logsumexp(W*x)
ce2 = sum(t)*logsumexp(W*x) - t'*W*x
logistic = -y'*log(sigmoid(X*w)) - (ones(m) - y)'*log(ones(m) - sigmoid(X*w))
sp = sum(softplus(W*x)) + sum(sigmoid(W*x))
"""
LOGITS = [1000.0, -1000.0, 0.0, 999.0, -999.5]


def _inputs() -> dict[str, Any]:
    """W = I so that W x (and X w) are the extreme logits themselves."""
    k = len(LOGITS)
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    t = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    return {"W": np.eye(k), "X": np.eye(k), "x": np.array(LOGITS), "w": np.array(LOGITS),
            "y": y, "t": t, "m": k, "n": k}  # fmt: skip


# references, element by element in forms that cannot overflow
def _lse(z: list[float]) -> float:
    top = max(z)
    return top + math.log(math.fsum(math.exp(v - top) for v in z))


def _softmax(z: list[float]) -> np.ndarray[Any, Any]:
    s = _lse(z)
    return np.array([math.exp(v - s) for v in z])


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


def _log_sigmoid(v: float) -> float:
    return -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))


def _softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def _references() -> dict[tuple[str, str | None], Any]:
    z, t, y = LOGITS, _inputs()["t"], _inputs()["y"]
    sig = np.array([_sigmoid(v) for v in z])
    return {
        ("ce", None): -math.fsum(ti * (zi - _lse(z)) for ti, zi in zip(t, z, strict=True)),
        ("lse", None): _lse(z),
        ("lse", "x"): _softmax(z),
        ("ce2", "x"): t.sum() * _softmax(z) - t,
        ("logistic", None): -math.fsum(
            yi * _log_sigmoid(v) + (1 - yi) * _log_sigmoid(-v) for yi, v in zip(y, z, strict=True)
        ),
        ("logistic", "w"): sig - y,
        ("sp", None): math.fsum(_softplus(v) + _sigmoid(v) for v in z),
        ("sp", "x"): sig + sig * (1 - sig),
    }


CASES = list(_references())


def _code(of: str, wrt: str | None, emit: Callable[[E.Expr], str]) -> str:
    if wrt is None:
        return emit(derivation(DOC, of, "x" if of != "logistic" else "w", "gradient").f)
    return emit(derivation(DOC, of, wrt, "gradient").result)


@pytest.mark.parametrize(("of", "wrt"), CASES, ids=[f"{o}-{w or 'value'}" for o, w in CASES])
def test_numpy_is_finite_and_right_at_extreme_logits(of: str, wrt: str | None) -> None:
    code = _code(of, wrt, to_numpy)
    with np.errstate(all="raise", under="ignore"):  # no overflow, invalid value, division by 0
        got = np.asarray(eval(code, {"np": np} | _inputs()), dtype=float)
    assert np.all(np.isfinite(got)), code
    np.testing.assert_allclose(got, _references()[of, wrt], rtol=1e-12, atol=1e-300,
                               err_msg=code)  # fmt: skip


def _torch() -> Any:
    if os.environ.get("CI"):
        import torch

        return torch
    return pytest.importorskip("torch")


def _jax() -> Any:
    if os.environ.get("CI"):
        import jax
    else:
        jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize(("of", "wrt"), CASES, ids=[f"{o}-{w or 'value'}" for o, w in CASES])
def test_torch_and_jax_are_finite_and_right_at_extreme_logits(
    backend: str, of: str, wrt: str | None
) -> None:
    values = _inputs()
    if backend == "torch":
        torch = _torch()
        torch.set_default_dtype(torch.float64)
        space = {"torch": torch} | {
            k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in values.items()
        }
        code = _code(of, wrt, to_torch)
    else:
        jax = _jax()
        space = {"jax": jax, "jnp": jax.numpy} | {
            k: jax.numpy.asarray(v) if isinstance(v, np.ndarray) else v for k, v in values.items()
        }
        code = _code(of, wrt, to_jax)
    got = np.asarray(eval(code, space), dtype=float)
    assert np.all(np.isfinite(got)), code
    np.testing.assert_allclose(got, _references()[of, wrt], rtol=1e-12, atol=1e-300,
                               err_msg=code)  # fmt: skip


def test_value_and_gradient_function_is_finite_at_extreme_logits() -> None:
    """codegen's function (local assignments) computes the loss stably too."""
    fn = codegen.gradient_function(analyze(DOC), "logistic", ["w"], "numpy", value=True)
    space: dict[str, Any] = {"np": np}
    exec(fn.source, space)
    inputs = _inputs()
    args = {k: inputs[k] for k in ("y", "w", "X", "m", "n") if f"{k}:" in fn.source}
    with np.errstate(all="raise", under="ignore"):
        value, grad = space[fn.name](**args)
    refs = _references()
    assert value == pytest.approx(refs["logistic", None], rel=1e-12)
    np.testing.assert_allclose(grad, refs["logistic", "w"], rtol=1e-12, atol=1e-300)


GAUSS = """\
x : vector(n); mu : vector(n); S : matrix(n, n) spd
f = -0.5*(x - mu)'*inv(S)*(x - mu) - 0.5*logdet(S)
"""
TRACE = "X : matrix(n, n); A : matrix(n, n)\nf = tr(inv(X)*A*inv(X)) + log(det(X))\n"


@pytest.mark.parametrize(("document", "wrt"), [(GAUSS, "S"), (TRACE, "X")])
def test_a_repeated_inverse_is_computed_once(document: str, wrt: str) -> None:
    d = derivation(document, "f", wrt, "gradient")
    repeated = sum(1 for n in E.walk(d.result) if isinstance(n, E.Unary) and n.op == "inv")
    assert repeated == 1  # the result has one inverse…
    assert d.emit("text").count("⁻") >= 2  # …more than once
    for form, call in (("numpy", "np.linalg.inv("), ("torch", "torch.linalg.inv("),
                       ("jax", "jnp.linalg.inv(")):  # fmt: skip
        code = d.emit(form)
        assert code.count(call) == 1, code
        ast.parse(code, mode="eval")  # still ONE expression (LANGUAGE.md §6)
    rng = np.random.default_rng(5)
    env = verify.environment([d.f, d.result], rng, {"S": "spd"})
    close(np.asarray(eval(d.emit("numpy"), numpy_env(env))), evaluate(d.result, env))
    fn = codegen.gradient_function(analyze(document), "f", [wrt], "numpy")
    assert fn.source.count("np.linalg.inv(") == 1, fn.source


def test_bound_names_avoid_the_documents_names() -> None:
    """A document that already uses ``X_inv`` and ``t1`` gets other names for the shared parts."""
    doc = "X, X_inv : matrix(n, n); t1 : scalar\nf = t1*tr(inv(X)*X_inv*inv(X)*X_inv)\n"
    d = derivation(doc, "f", "X", "gradient")
    code = d.emit("numpy")
    assert "X_inv :=" not in code and "t1 :=" not in code, code
    rng = np.random.default_rng(2)
    env = verify.environment([d.f, d.result], rng)
    close(np.asarray(eval(code, numpy_env(env))), evaluate(d.result, env))


def _count(e: E.Expr, ops: tuple[str, ...]) -> int:
    return sum(1 for n in E.walk(e) if isinstance(n, E.Unary) and n.op in ops)


@settings(max_examples=80, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(examples())
def test_generated_code_computes_each_inverse_and_determinant_once(ex: Example) -> None:
    try:
        d = _derive(ex)
    except MatdiffError:
        return
    code = d.emit("numpy")
    ast.parse(code, mode="eval")
    assert code.count("np.linalg.inv(") <= _count(d.result, ("inv", "adj")), code
    assert code.count("np.linalg.det(") <= _count(d.result, ("det", "adj")), code
    rng = np.random.default_rng(ex.seed)
    with np.errstate(all="ignore"):
        env = _env(d, rng)
        want = evaluate(d.result, env)
        if not np.all(np.isfinite(want)):
            return
        got = np.asarray(eval(code, numpy_env(env)), dtype=float)
    close(got.reshape(want.shape), want, rtol=1e-6)


def test_function_locals_avoid_every_name_of_the_document() -> None:
    """A local for a shared part never takes a name the document uses elsewhere (here the
    dimension p and the variable t1, which the gradient does not read)."""
    doc = (
        "W : matrix(m, n); x : vector(n); y : vector(m); t1 : scalar; Z : matrix(p, p)\n"
        "f = -y'*log(softmax(W*x)) + sum(sigmoid(W*x))\n"
    )
    fn = codegen.gradient_function(analyze(doc), "f", ["W"], "numpy")
    assert "p: int" not in fn.source and "t1: float" not in fn.source, fn.source
    assert "\n    p = " not in fn.source and "\n    t1 = " not in fn.source, fn.source
    space: dict[str, Any] = {"np": np}
    exec(fn.source, space)
    rng = np.random.default_rng(4)
    d = derivation(doc, "f", "W", "gradient")
    env = verify.environment([d.f, d.result], rng)
    flat = numpy_env(env)
    got = space[fn.name](**{k: flat[k] for k in ("W", "x", "y", "m") if f"{k}:" in fn.source})
    close(np.asarray(got), evaluate(d.result, env))
