"""Numbers for IR expressions (NumPy), and the finite-difference verifier.

Inside, every value is a 2-D array (a vector is n×1).  ``env`` maps variable names to values,
``"d:X"`` to a direction for dX, and dimension symbols to ints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.numeric import declared as declared_values

Array = NDArray[np.float64]


def _sigmoid(x: Array) -> Array:
    return np.asarray(0.5 * (1 + np.tanh(0.5 * x)))


_FN: dict[str, Callable[[Array], Array]] = {
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "tanh": np.tanh,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "step": lambda x: (x > 0).astype(float),
    "sign": np.sign,
}


def commutation_matrix(m: int, n: int) -> Array:
    """K with K vec(A) = vec(Aᵀ) for A m×n (column-major vec)."""
    return np.eye(m * n)[np.arange(m * n).reshape(n, m).T.reshape(-1)]


def _softmax(x: Array, batch: bool) -> Array:
    """Of a vector; of a matrix, of each column (a batch)."""
    axis = 0 if batch else None
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return np.asarray(z / z.sum(axis=axis, keepdims=True))


def evaluate(e: E.Expr, env: Mapping[str, Any]) -> Array:
    """The value of ``e`` as a 2-D array."""
    sizes = {k: v for k, v in env.items() if isinstance(v, int)}
    memo: dict[int, Array] = {}

    def dim(d: Any) -> int:
        return int(d.value(sizes))

    def go(n: E.Expr) -> Array:
        got = memo.get(id(n))
        if got is None:
            got = np.asarray(_eval(n), dtype=float)
            if got.ndim != 2:
                got = got.reshape(dim(n.shape.rows), dim(n.shape.cols))
            memo[id(n)] = got
        return got

    def _eval(n: E.Expr) -> Any:
        if isinstance(n, E.Var):
            value = env[n.name]
            return np.array([[float(value)]]) if np.ndim(value) == 0 else np.asarray(value)
        if isinstance(n, E.Differential):
            return np.asarray(env["d:" + n.var.name])
        if isinstance(n, E.Num):
            return np.array([[float(n.value)]])
        if isinstance(n, E.Const):
            r, c = dim(n.shape.rows), dim(n.shape.cols)
            if n.name == "eye":
                return np.eye(r)
            if n.name == "ones":
                return np.ones((r, c))
            if n.name == "zeros":
                return np.zeros((r, c))
            m, k = E.commutation_dims(n)
            return commutation_matrix(dim(m), dim(k))
        if isinstance(n, E.Sum):
            return sum((go(t) for t in n.terms[1:]), go(n.terms[0]))
        if isinstance(n, E.Prod):
            out: Any = float(n.coef)
            for s in n.scalars:
                out = out * go(s)[0, 0]
            if not n.chain:
                return np.array([[out]])
            acc = go(n.chain[0])
            for f in n.chain[1:]:
                acc = acc @ go(f)
            return out * acc
        if isinstance(n, E.Power):
            return go(n.base) ** go(n.exponent)[0, 0]
        if isinstance(n, E.Transpose):
            return go(n.arg).T
        if isinstance(n, E.Hadamard):
            acc = go(n.factors[0])
            for f in n.factors[1:]:
                acc = acc * go(f)
            return acc
        if isinstance(n, E.Kron):
            return np.kron(go(n.left), go(n.right))
        if isinstance(n, E.Elementwise):
            if n.fn == "pow":
                assert n.param is not None
                return go(n.arg) ** go(n.param)[0, 0]
            fn = _FN.get(n.fn)
            if fn is None:  # a declared function: the caller's, or a stand-in
                return declared_values.elementwise_value(n.fn, go(n.arg), env)
            return fn(go(n.arg))
        if isinstance(n, E.Unary):
            return _unary(n, go(n.arg))
        if isinstance(n, E.Derivative):
            from matdiff.engine.differential import differential

            return go(differential(n.arg, n.var))
        raise AssertionError(type(n))

    def _unary(n: E.Unary, a: Array) -> Any:
        if declared.is_declared_op(n.op):
            return declared_values.scalar_function_value(n.op, a, env)
        match n.op:
            case "tr":
                return np.trace(a)
            case "det":
                return np.linalg.det(a)
            case "logdet":
                return np.log(np.linalg.det(a))
            case "inv":
                return np.linalg.inv(a)
            case "adj":
                return np.linalg.det(a) * np.linalg.inv(a)
            case "matpow":
                return np.linalg.matrix_power(a, n.k)
            case "diag":
                return np.diag(a.reshape(-1))
            case "diagpart":
                return np.diag(a).reshape(-1, 1)
            case "vec":
                return a.reshape(-1, 1, order="F")
            case "unvec":
                return a.reshape(dim(n.shape.rows), dim(n.shape.cols), order="F")
            case "sumall":
                return a.sum()
            case "norm2":
                return np.sqrt((a * a).sum())
            case "norm1":
                return np.abs(a).sum()
            case "softmax":
                return _softmax(a, not n.arg.shape.is_vector)
            case "logsumexp":
                # a matrix: the row of its columns' — by its shape in the document, not by
                # the numbers' (an m×N batch with m = 1 at run time is still a batch)
                axis = None if n.arg.shape.is_vector else 0
                mx = a.max(axis=axis, keepdims=True)
                return mx + np.log(np.exp(a - mx).sum(axis=axis, keepdims=True))
        raise AssertionError(n.op)

    return go(e)
