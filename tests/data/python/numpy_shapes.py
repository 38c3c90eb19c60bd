# ruff: noqa: F722, F821 — jaxtyping shapes are strings of dimension names
"""One function per rule of the table and of NumPy's broadcasting (each checked against
finite differences of itself, like the models)."""

import numpy as np
from jaxtyping import Float
from scipy import special


def column_sums(X: Float[np.ndarray, "m n"], v: Float[np.ndarray, "n"]) -> float:
    return np.sum(X, axis=0) @ v + X.sum(axis=1) @ X.sum(-1)


def column_means(X: Float[np.ndarray, "m n"], v: Float[np.ndarray, "n"]) -> float:
    m, n = X.shape
    return np.mean(X, axis=0) @ v + np.mean(X) * m / n


def row_broadcast(X: Float[np.ndarray, "m n"], v: Float[np.ndarray, "n"], c: float) -> float:
    A = X * v - v / 2.0 + c
    return np.sum(A**2) + np.sum(X / (1.5 + v**2))


def scalars(x: Float[np.ndarray, "n"], a: float, b: Float[np.ndarray, ""]) -> float:
    y = a * x + b - 1
    return np.sum(np.exp(-(y**2))) + 2 / (1 + a**2) + np.sum(1 / (2 + x**2))


def products(
    x: Float[np.ndarray, "n"], y: Float[np.ndarray, "m"], A: Float[np.ndarray, "m n"]
) -> float:
    P = np.outer(y, x)
    return np.trace(A.T @ P) + y @ A @ x + np.dot(x, np.transpose(A) @ y)


def kron_diag(
    A: Float[np.ndarray, "m m"], B: Float[np.ndarray, "n n"], v: Float[np.ndarray, "m"]
) -> float:
    K = np.kron(A, B)
    return np.trace(K) + np.sum(np.diag(A) * v) + np.sum(np.diag(v) @ A)


def constants(S: Float[np.ndarray, "n n"], x: Float[np.ndarray, "n"]) -> float:
    n = S.shape[0]
    M = S + 2.0 * np.eye(n) + np.ones((n, n)) / n
    return np.linalg.det(M) + np.sum(np.linalg.inv(M) @ x) + np.ones(len(x)) @ x


def norms(x: Float[np.ndarray, "n"], X: Float[np.ndarray, "m n"]) -> float:
    return np.linalg.norm(x) + np.linalg.norm(x, ord=1) + np.linalg.norm(X, "fro")


def softmaxes(z: Float[np.ndarray, "k"], y: Float[np.ndarray, "k"]) -> float:
    p = special.softmax(z)
    return y @ np.log(p) + y @ special.log_softmax(z) + special.logsumexp(z)


def elementwise(x: Float[np.ndarray, "n"]) -> float:
    s = np.sin(x) * np.cos(x) + np.abs(x) + np.sqrt(1 + x**2) + np.square(x) + abs(x)
    s += np.arctan(x)
    return np.sum(s) + np.sum(np.maximum(0, x) + np.maximum(x, 0.0))


def gaussian_constants(x: Float[np.ndarray, "n"], s: float) -> float:
    n = len(x)
    return 0.5 * n * np.log(2 * np.pi * s**2) + np.dot(x, x) / (2 * s**2) + np.dot(2.0, s)
