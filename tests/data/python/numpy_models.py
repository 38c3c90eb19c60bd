# ruff: noqa: F722, F821 — jaxtyping shapes are strings of dimension names
"""Models in NumPy with jaxtyping shapes: matdiff reads each function as a document."""

import numpy as np
import scipy.special as sp
from jaxtyping import Float


def least_squares(
    W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "n"], b: Float[np.ndarray, "m"]
) -> float:
    r = W @ x + b
    return r @ r


def ridge(
    w: Float[np.ndarray, "d"], X: Float[np.ndarray, "N d"], y: Float[np.ndarray, "N"], lam: float
) -> float:
    """Ridge regression: squared error plus an L2 penalty."""
    r = X @ w - y
    return 0.5 * np.sum(r**2) / len(y) + lam * np.linalg.norm(w) ** 2


def logistic(
    w: Float[np.ndarray, "d"], X: Float[np.ndarray, "N d"], y: Float[np.ndarray, "N"]
) -> float:
    p = sp.expit(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def softmax_xent(
    W: Float[np.ndarray, "k d"], x: Float[np.ndarray, "d"], y: Float[np.ndarray, "k"]
) -> float:
    z = W @ x
    return -y @ (z - sp.logsumexp(z))


def gaussian_nll(
    S: Float[np.ndarray, "n n"], x: Float[np.ndarray, "n"], mu: Float[np.ndarray, "n"]
) -> float:
    d = x - mu
    return 0.5 * np.linalg.slogdet(S)[1] + 0.5 * d @ np.linalg.solve(S, d)


def mlp(
    W1: Float[np.ndarray, "h d"],
    b1: Float[np.ndarray, "h"],
    W2: Float[np.ndarray, "k h"],
    x: Float[np.ndarray, "d"],
    y: Float[np.ndarray, "k"],
) -> float:
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h
    return 0.5 * np.sum((out - y) ** 2)


def batch_mlp(
    W: Float[np.ndarray, "d h"],
    b: Float[np.ndarray, "h"],
    X: Float[np.ndarray, "N d"],
    Y: Float[np.ndarray, "N h"],
) -> float:
    H = np.maximum(X @ W + b, 0)
    return np.mean((H - Y) ** 2)


def factorisation(
    U: Float[np.ndarray, "m r"],
    V: Float[np.ndarray, "n r"],
    M: Float[np.ndarray, "m n"],
    lam: float,
) -> float:
    E = U @ V.T - M
    return np.sum(E * E) + lam * (np.sum(U**2) + np.sum(V**2))
