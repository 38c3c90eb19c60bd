# ruff: noqa: F722, F821 — jaxtyping shapes are strings of dimension names
"""Functions with mistakes: each `# expect:` comment gives the column and message
start of the diagnostic matdiff reports (or `refused` for what it cannot read)."""

import numpy as np
from jaxtyping import Float
from scipy import special


def wrong_product(W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "m"]) -> float:
    r = W @ x  # expect: 11 error: cannot multiply W (m, n) by x (m,): inner dimensions n and m
    return r @ r


def wrong_sum(x: Float[np.ndarray, "n"], y: Float[np.ndarray, "m"]) -> float:
    return np.sum(x + y)  # expect: 21 error: cannot add x (n,) and y (m,): shapes differ


def wrong_hadamard(A: Float[np.ndarray, "m n"], B: Float[np.ndarray, "n m"]) -> float:
    return np.sum(A * B)  # expect: 21 error: cannot element-wise multiply A (m, n) and B (n, m)


def not_square(A: Float[np.ndarray, "m n"]) -> float:
    return np.trace(A)  # expect: 12 error: cannot take the trace of A (m, n)


def loop(x: Float[np.ndarray, "n"]) -> float:
    s = 0.0
    for _ in range(3):  # expect: 5 information: matdiff does not read a for loop
        s = s + np.sum(x)
    return s


def indexing(x: Float[np.ndarray, "n"]) -> float:
    return x[0] * x @ x  # expect: 12 information: matdiff does not read indexing


def other_call(x: Float[np.ndarray, "n"]) -> float:
    return helper(x)  # expect: 12 information: matdiff does not read the call to 'helper'


def unannotated(
    x: Float[np.ndarray, "n"],
    A,  # expect: 5 information: matdiff does not read the parameter 'A' without a shape annotation
) -> float:
    return x @ A @ x


def branch(x: Float[np.ndarray, "n"], c: float) -> float:
    if c > 0:  # expect: 5 information: matdiff does not read an if statement
        return x @ x
    return c


def helper(x: Float[np.ndarray, "n"]) -> float:
    return np.sum(x)


def column_matrix(
    c: Float[np.ndarray, "m 1"],  # expect: 26 information: matdiff does not read a 2-D array
) -> float:
    return np.sum(c)


def axis_of_softmax(X: Float[np.ndarray, "m n"]) -> float:
    p = special.softmax(X, axis=0)  # expect: 9 information: matdiff does not read softmax over
    return np.sum(p)


def broadcast_mismatch(X: Float[np.ndarray, "m n"], v: Float[np.ndarray, "m"]) -> float:
    return np.sum(X * v)  # expect: 21 error: cannot element-wise multiply X (m, n) and v (m,)


def matmul_scalar(x: Float[np.ndarray, "n"], a: float) -> float:
    return np.sum(a @ x)  # expect: 21 error: cannot multiply a () by x (n,) with '@'
