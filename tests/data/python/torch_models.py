# ruff: noqa: F722, F821 — jaxtyping shapes are strings of dimension names
"""Models in PyTorch with jaxtyping shapes."""

import torch
import torch.nn.functional as F
from jaxtyping import Float


def least_squares(
    W: Float[torch.Tensor, "m n"], x: Float[torch.Tensor, "n"], b: Float[torch.Tensor, "m"]
) -> torch.Tensor:
    r = W @ x + b
    return torch.dot(r, r)


def ridge(
    w: Float[torch.Tensor, "d"],
    X: Float[torch.Tensor, "N d"],
    y: Float[torch.Tensor, "N"],
    lam: float,
) -> torch.Tensor:
    r = X @ w - y
    return (r**2).mean() + lam * torch.linalg.norm(w) ** 2


def logistic(
    w: Float[torch.Tensor, "d"], X: Float[torch.Tensor, "N d"], y: Float[torch.Tensor, "N"]
) -> torch.Tensor:
    p = torch.sigmoid(X @ w)
    return -torch.sum(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def softmax_xent(
    W: Float[torch.Tensor, "k d"], x: Float[torch.Tensor, "d"], y: Float[torch.Tensor, "k"]
) -> torch.Tensor:
    return -torch.dot(y, F.log_softmax(W @ x, dim=-1))


def gaussian_nll(
    S: Float[torch.Tensor, "n n"], x: Float[torch.Tensor, "n"], mu: Float[torch.Tensor, "n"]
) -> torch.Tensor:
    d = x - mu
    return 0.5 * torch.logdet(S) + 0.5 * d @ torch.linalg.inv(S) @ d


def mlp(
    W1: Float[torch.Tensor, "h d"],
    b1: Float[torch.Tensor, "h"],
    W2: Float[torch.Tensor, "k h"],
    x: Float[torch.Tensor, "d"],
    y: Float[torch.Tensor, "k"],
) -> torch.Tensor:
    h = torch.relu(W1 @ x + b1)
    h = torch.tanh(W2 @ h)
    return 0.5 * torch.sum((h - y) ** 2)


def factorisation(
    U: Float[torch.Tensor, "m r"],
    V: Float[torch.Tensor, "n r"],
    M: Float[torch.Tensor, "m n"],
    lam: float,
) -> torch.Tensor:
    E = U @ V.T - M
    return torch.sum(E**2) + lam * (torch.sum(U * U) + torch.sum(V * V))
