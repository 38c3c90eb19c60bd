"""Identities the smart constructors apply as nodes are built (a normal form every node has,
so no rule of the simplifier sees the long side), each checked BY VALUE: the expression as
written, computed by NumPy, equals the node built, at random data and sizes; and the node
prints in the short form.

Sources: σ(u) = eᵘ/(1 + eᵘ) = 1/(1 + e⁻ᵘ) (Bishop, PRML (2006) eq. (4.59); so
1/(1 + eᵘ) = σ(−u) and eᵘσ(−u) = σ(u)) and softmax(z) = exp(z)/sum(exp(z)) (eq. (4.104)),
``engine/logistic.py``; products of ones (the entries of ones(m, k)·ones(k, n) are inner
products of ones: k; 1ᵀx = sum(x); 11ᵀdiag(x) = 1xᵀ), and entry-wise powers of 0/1
matrices, ``engine/chains.py``, ``algebra.epow``, ``functions.matpow``; diag(diag(D)) = D
for a diagonal D (products, sums, inverses and powers of diagonal matrices are diagonal),
``functions.diag``; mixed products of Kronecker products (Cookbook §10.2.1),
``chains._mixed_products``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matdiff.engine import expr as E
from matdiff.engine.printer import to_dsl
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from tests.engine.helpers import close, lower_extra, numpy_env

DECLS = (
    "z, y : vector(n); s : scalar; x : vector(k); v : vector(N); A : matrix(k, k)\n"
    "D : matrix(k, k) diagonal\n"
)
NAMES = ("z", "y", "s", "x", "v", "A", "D")
EXP = "np.exp(z)"

# written form → (NumPy of the written form, the form it is built as)
CASES: dict[str, tuple[str, str]] = {
    # σ(u) = eᵘ/(1 + eᵘ) = 1/(1 + e⁻ᵘ), PRML (4.59)
    "exp(z)./(ones(n) + exp(z))": (f"{EXP}/(1 + {EXP})", "sigmoid(z)"),
    "ones(n)./(ones(n) + exp(-z))": ("1/(1 + np.exp(-z))", "sigmoid(z)"),
    "ones(n)./(ones(n) + exp(z))": (f"1/(1 + {EXP})", "sigmoid(-z)"),
    "exp(z).^2./(ones(n) + exp(z)).^2": (f"{EXP}**2/(1 + {EXP})**2", "sigmoid(z).^2"),
    "exp(z).^3./(ones(n) + exp(z))": (f"{EXP}**3/(1 + {EXP})", "exp(z).^2.*sigmoid(z)"),
    "exp(-z)./(ones(n) + exp(-z)).^2": (
        "np.exp(-z)/(1 + np.exp(-z))**2", "sigmoid(-z).*sigmoid(z)"),
    "(ones(n) + exp(z)).*sigmoid(-z)": (f"(1 + {EXP})/(1 + {EXP})", "ones(n)"),
    "exp(-z).*sigmoid(z).*y": ("np.exp(-z)/(1 + np.exp(-z))*y", "sigmoid(-z).*y"),
    "(ones(n) + exp(z)).^-0.5": (f"(1 + {EXP})**-0.5", "sigmoid(-z).^0.5"),
    "exp(s)/(1 + exp(s))": ("np.exp(s)/(1 + np.exp(s))", "sigmoid(s)"),
    "y/(1 + exp(-s))^2": ("y/(1 + np.exp(-s))**2", "sigmoid(s)^2*y"),
    # softmax(z) = exp(z)/sum(exp(z)), PRML (4.104)
    "exp(z)/sum(exp(z))": (f"{EXP}/np.sum({EXP})", "softmax(z)"),
    "2*exp(z)/sum(exp(z))^2": (f"2*{EXP}/np.sum({EXP})**2", "2*softmax(z)/sum(exp(z))"),
    # products of ones: ones(m, k)·ones(k, n) = k·ones(m, n), Jᵖ = kᵖ⁻¹J, 1ᵀx = sum(x)
    "ones(k, k)*ones(k, N)": ("np.ones((k, k)) @ np.ones((k, N))", "k*ones(k, N)"),
    "A*ones(k, k)*ones(k, N)": ("A @ np.ones((k, k)) @ np.ones((k, N))", "k*A*ones(k, N)"),
    "ones(k, k)^3": ("np.linalg.matrix_power(np.ones((k, k)), 3)", "k^2*ones(k, k)"),
    "ones(N, k)*x": ("np.ones((N, k)) @ x", "sum(x)*ones(N)"),
    "v'*ones(N, k)": ("v @ np.ones((N, k))", "sum(v)*ones(1, k)"),
    "x'*ones(k, k)*x": ("x @ np.ones((k, k)) @ x", "sum(x)^2"),
    "ones(k, N)*ones(N, k)*x": ("np.ones((k, N)) @ np.ones((N, k)) @ x", "sum(x)*N*ones(k)"),
    "ones(N, k)*diag(x)": ("np.ones((N, k)) @ np.diag(x)", "ones(N)*x'"),
    "diag(x)*ones(k, N)*v": ("np.diag(x) @ np.ones((k, N)) @ v", "sum(v)*x"),
    "ones(k)'*diag(x)*A": ("np.ones(k) @ np.diag(x) @ A", "x'*A"),
    "A*diag(x)*ones(k)": ("A @ np.diag(x) @ np.ones(k)", "A*x"),
    # (a ⊗ B)M = (a ⊗ B)(1 ⊗ M) = a ⊗ BM for a column a (Cookbook §10.2.1, mixed products)
    "kron(x, A)*D": ("np.kron(x.reshape(-1, 1), A) @ D", "kron(x, A*D)"),
    "D*kron(v', A)": ("D @ np.kron(v.reshape(1, -1), A)", "kron(v', D*A)"),
    # the diagonal part of a diagonal matrix is itself
    "diag(diag(inv(D)))": ("np.diag(np.diag(np.linalg.inv(D)))", "inv(D)"),
    "diag(diag(A.*D + 2*D^3))": ("np.diag(np.diag(A * D + 2 * D @ D @ D))", "A.*D + 2*D^3"),
    "diag(diag(A*D))": ("np.diag(np.diag(A @ D))", "diag(diag(A*D))"),
    # entry-wise powers of 0/1 matrices
    "eye(k).*eye(k)": ("np.eye(k) * np.eye(k)", "eye(k)"),
    "ones(k, N).^-2": ("np.ones((k, N)) ** -2", "ones(k, N)"),
}  # fmt: skip


@pytest.mark.parametrize("written", list(CASES))
def test_built_in_the_short_form_and_equal_by_value(written: str) -> None:
    formula, short = CASES[written]
    built = lower_extra(DECLS, "e__", written)
    assert to_dsl(built) == short
    for node in E.walk(built):  # canonical: a product's chain holds matrices, not products
        if isinstance(node, E.Prod):
            assert not any(f.is_scalar or isinstance(f, E.Prod) for f in node.chain), node
    xs = [lower_extra(DECLS, "v__", name) for name in NAMES]
    rng = np.random.default_rng(4)
    for sizes in ({"n": 4, "k": 3, "N": 5}, {"n": 2, "k": 5, "N": 3}):
        env: dict[str, Any] = dict(sizes)
        for x in xs:
            assert isinstance(x, E.Var)
            env[x.name] = verify.sample(x, sizes, rng)
        got = np.asarray(evaluate(built, env), dtype=float)
        want = np.asarray(eval(formula, numpy_env(env)), dtype=float)
        assert want.size == got.size, (want.shape, got.shape)  # vectors are 1-D in NumPy
        close(got.ravel(), want.ravel())
