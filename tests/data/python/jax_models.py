# ruff: noqa: F722, F821 — jaxtyping shapes are strings of dimension names
"""Models in JAX with jaxtyping shapes."""

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp
from jaxtyping import Array, Float


def least_squares(W: Float[Array, "m n"], x: Float[Array, "n"], b: Float[Array, "m"]) -> Array:
    r = W @ x + b
    return r @ r


def ridge(
    w: Float[jax.Array, "d"], X: Float[jax.Array, "N d"], y: Float[jax.Array, "N"], lam: float
) -> Array:
    r = X @ w - y
    return jnp.mean(r**2) + lam * jnp.sum(jnp.square(w))


def logistic(w: Float[Array, "d"], X: Float[Array, "N d"], y: Float[Array, "N"]) -> Array:
    z = X @ w
    return jnp.sum(jax.nn.softplus(z) - y * z)


def softmax_xent(W: Float[Array, "k d"], x: Float[Array, "d"], y: Float[Array, "k"]) -> Array:
    z = W @ x
    return logsumexp(z) - y @ z


def gaussian_nll(S: Float[Array, "n n"], x: Float[Array, "n"], mu: Float[Array, "n"]) -> Array:
    d = x - mu
    return 0.5 * jnp.linalg.slogdet(S)[1] + 0.5 * d @ jnp.linalg.solve(S, d)


def mlp(
    W1: Float[Array, "h d"],
    b1: Float[Array, "h"],
    W2: Float[Array, "k h"],
    X: Float[Array, "N d"],
    Y: Float[Array, "N k"],
) -> Array:
    H = jax.nn.sigmoid(X @ W1.T + b1)
    out = H @ W2.T
    return 0.5 * jnp.sum((out - Y) ** 2) / X.shape[0]


def factorisation(
    U: Float[Array, "m r"], V: Float[Array, "n r"], M: Float[Array, "m n"], lam: float
) -> Array:
    E = U @ V.T - M
    return jnp.sum(E * E) + lam * (jnp.linalg.norm(U) ** 2 + jnp.linalg.norm(V) ** 2)
