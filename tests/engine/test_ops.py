"""The operation table (``engine/ops.py``) is complete: every operation has its entry in the
language, the differential rules, every printer, every code emitter and the evaluator — and
each entry computes the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from matdiff.base import language
from matdiff.engine import expr as E
from matdiff.engine import ops
from matdiff.engine.differential import RULES, rule_for
from matdiff.engine.numpy_emit import BACKENDS, to_jax, to_numpy, to_torch
from matdiff.engine.printer import to_dsl, to_latex, to_text
from matdiff.engine.shape import Dim, Shape
from matdiff.numeric import evaluate as evaluate_module
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from tests.engine.helpers import close, lower_extra, numpy_env, numpy_shape

n = Dim.of("n")
X = E.var("X", Shape(n, n))
x = E.var("x", Shape(n, Dim()))
Y = E.var("Y", Shape(Dim.of("m"), n))
DOC = "X : matrix(n, n); x : vector(n); Y : matrix(m, n)"
# Entries in (0.1, 0.9): inside every element-wise domain (log, sqrt, arcsin); square ones
# diagonally dominant (logdet, inv)
SAMPLING: dict[str, verify.Sampling] = {"X": "unit", "x": "unit", "Y": "unit"}


def test_the_language_names_exactly_the_element_wise_rows() -> None:
    assert tuple(ops.ELEMENTWISE) == language.ELEMENTWISE


def test_every_matrix_function_of_the_language_has_a_row() -> None:
    spelled = {"sum": "sumall"}  # the language's name → the IR op
    unary = {f.name for f in language.FUNCTIONS.values() if len(f.params) == 1}
    unary -= set(language.ELEMENTWISE) | {"eye", "normF"}  # a constant; norm2 of a matrix
    assert {spelled.get(u, u) for u in unary} <= set(ops.UNARY)


@pytest.mark.parametrize("name", list(ops.ELEMENTWISE))
def test_an_element_wise_function_has_every_entry(name: str) -> None:
    e = E.elementwise(name, Y)
    assert isinstance(e, E.Elementwise) and e.fn == name
    assert rule_for(e) is RULES["ew"]
    for backend in BACKENDS.values():
        assert name in backend.fn, (backend.name, name)
    assert name in evaluate_module._FN
    assert to_text(e) == f"{name}(Y)"
    assert name in to_latex(e)
    check_numbers(e, to_dsl(e))


@pytest.mark.parametrize("name", list(ops.UNARY))
def test_a_matrix_function_has_every_entry(name: str) -> None:
    row = ops.UNARY[name]
    linear = row.differential is None
    assert linear == (row.adjoint is not None) == (row.jacobian is not None), name
    arg = x if name in ("diag", "softmax", "logsumexp") else X
    if name == "matpow":
        e = E.matpow(X, 3)
    elif name == "unvec":
        e = E.unvec(E.mul(E.kron(X, X), E.vec(X)), Shape(n, n))
    elif name == "vec":
        e = E.vec(E.mul(X, X))
    else:
        assert row.build is not None
        e = row.build(arg)
    assert isinstance(e, E.Unary) and e.op == name, (name, e)
    assert rule_for(e).name == row.rule
    for emit in (to_torch, to_jax):  # by value in test_backends.py where they are installed
        assert emit(e), name
    assert to_text(e) and to_latex(e), name
    check_numbers(e, to_dsl(e))


def check_numbers(e: E.Expr, dsl: str) -> None:
    """The dsl text re-parses to the same node; the evaluator and the NumPy code agree."""
    assert lower_extra(DOC, "f__", dsl) is e, dsl
    env = verify.environment([e], np.random.default_rng(3), SAMPLING)
    want = evaluate(e, env)
    code = to_numpy(e)
    got = np.asarray(eval(code, numpy_env(env)), dtype=float)
    assert got.shape == numpy_shape(e, env), code
    close(got.reshape(want.shape), want)
