"""Checking derivatives against numbers: random data and central finite differences.

Sizes are drawn per dimension symbol, all different, so a transposed answer cannot pass.
Square matrices are drawn well conditioned with a positive determinant (inverses, logs of
determinants), spd/symmetric/diagonal ones as declared; other data from N(0, 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from matdiff.engine import expr as E
from matdiff.numeric.evaluate import Array, evaluate

Sampling = Literal[
    "general", "positive", "spd", "symmetric", "diagonal", "square", "unit", "stochastic"
]


def sizes_for(symbols: Iterable[str], rng: np.random.Generator) -> dict[str, int]:
    names = sorted(set(symbols))
    pool = rng.permutation(np.arange(2, 2 + max(len(names), 1) + 3))
    return {n: int(pool[i]) for i, n in enumerate(names)}


def sample(
    x: E.Var, sizes: dict[str, int], rng: np.random.Generator, how: Sampling | None = None
) -> Array:
    r, c = x.shape.rows.value(sizes), x.shape.cols.value(sizes)
    props = x.props
    if how is None:
        if "stochastic" in props:
            how = "stochastic"
        elif "spd" in props:
            how = "spd"
        elif "diagonal" in props:
            how = "diagonal"
        elif "symmetric" in props:
            how = "symmetric"
        elif r == c and r > 1:
            how = "square"
        else:
            how = "general"
    b = rng.standard_normal((r, c))
    if how == "positive":
        b = rng.uniform(0.5, 1.5, (r, c))
    elif how == "spd":
        b = b @ b.T / r + np.eye(r)
    elif how == "symmetric":
        b = (b + b.T) / 2 + 2 * np.eye(r)
    elif how == "diagonal":
        b = np.diag(rng.uniform(0.5, 1.5, r))
    elif how == "square":
        b = np.eye(r) + 0.3 * b / np.sqrt(r)
    elif how == "stochastic":  # non-negative columns summing to one
        b = rng.uniform(0.1, 1.0, (r, c))
        b = b / b.sum(axis=0, keepdims=True)
    elif how == "unit":  # entries in (0.1, 0.9): inside every element-wise domain; square
        b = rng.uniform(0.1, 0.9, (r, c))  # ones diagonally dominant (well conditioned)
        if r == c and r > 1:
            b = b + r * np.eye(r)
    return np.asarray(b, dtype=float)


def direction(x: E.Var, sizes: dict[str, int], rng: np.random.Generator) -> Array:
    """A random perturbation that keeps x's structure (symmetric, diagonal)."""
    r, c = x.shape.rows.value(sizes), x.shape.cols.value(sizes)
    d = rng.standard_normal((r, c))
    if "diagonal" in x.props:
        return np.diag(np.diag(d))
    if x.props & {"symmetric", "spd"}:
        return (d + d.T) / 2
    return d


def variables(*exprs: E.Expr) -> list[E.Var]:
    seen: dict[str, E.Var] = {}
    for e in exprs:
        for n in E.walk(e):
            if isinstance(n, E.Var) and "dim" not in n.props:
                seen[n.name] = n
    return list(seen.values())


def dimensions(*exprs: E.Expr) -> set[str]:
    out: set[str] = set()
    for e in exprs:
        for n in E.walk(e):
            out.update(n.shape.rows.syms + n.shape.cols.syms)
            if isinstance(n, E.Var) and "dim" in n.props:
                out.add(n.name)
    return out


def environment(
    exprs: list[E.Expr], rng: np.random.Generator, sampling: dict[str, Sampling] | None = None
) -> dict[str, Any]:
    sizes = sizes_for(dimensions(*exprs), rng)
    env: dict[str, Any] = dict(sizes)
    for v in variables(*exprs):
        env[v.name] = sample(v, sizes, rng, (sampling or {}).get(v.name))
    return env


def _with(env: dict[str, Any], x: E.Var, value: Array) -> dict[str, Any]:
    out = dict(env)
    out[x.name] = value
    return out


def _close(a: Array, b: Array, tol: float) -> bool:
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.all(np.isfinite(a))) and float(np.max(np.abs(a - b))) <= tol * scale


def check(
    f: E.Expr,
    x: E.Var,
    result: E.Expr,
    kind: str,
    env: dict[str, Any],
    rng: np.random.Generator,
    h: float = 1e-6,
    tol: float = 1e-4,
) -> bool:
    """Does ``result`` (the ``kind`` derivative of f by x) agree with finite differences?"""
    sizes = {k: v for k, v in env.items() if isinstance(v, int)}
    X = np.asarray(env[x.name], dtype=float)
    R = evaluate(result, env)
    if kind == "hessian":
        e1, e2 = direction(x, sizes, rng), direction(x, sizes, rng)
        h2 = 1e-4

        def fv(d: Array) -> float:
            return float(evaluate(f, _with(env, x, X + d))[0, 0])

        num = fv(h2 * (e1 + e2)) - fv(h2 * (e1 - e2)) - fv(h2 * (e2 - e1)) + fv(-h2 * (e1 + e2))
        num /= 4 * h2 * h2
        sym = float(e2.reshape(-1, order="F") @ R @ e1.reshape(-1, order="F"))
        return abs(num - sym) <= 1e-3 * max(1.0, abs(num))
    d = direction(x, sizes, rng)
    F1 = evaluate(f, _with(env, x, X + h * d))
    F0 = evaluate(f, _with(env, x, X - h * d))
    numeric = (F1 - F0) / (2 * h)
    if kind == "gradient":
        symbolic = np.array([[float(np.sum(R * d))]])
    elif f.is_scalar and not x.is_scalar:  # numerator layout: df = tr(G dX)
        symbolic = np.array([[float(np.trace(R @ d))]])
    elif x.is_scalar:
        symbolic = R * float(d[0, 0])
    else:
        symbolic = (R @ d.reshape(-1, 1, order="F")).reshape(numeric.shape, order="F")
    return _close(symbolic, numeric, tol)


def verify(f: E.Expr, x: E.Var, result: E.Expr, kind: str, trials: int = 3, seed: int = 0) -> bool:
    """``check`` on a few random draws; the editor's "checked numerically" mark.  Data are
    drawn as declared (N(0, 1) by default); where that leaves the domain of a function (log,
    sqrt, arcsin, fractional powers) the draws are retried with entries in (0.1, 0.9)."""
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        for _ in range(trials):
            for unit in (False, True):
                env = environment([f, result, x], rng)  # x too: f may not mention it
                if unit:
                    sizes = {k: v for k, v in env.items() if isinstance(v, int)}
                    for v in variables(f, result, x):
                        if not v.props & {"spd", "symmetric", "diagonal"}:
                            env[v.name] = sample(v, sizes, rng, "unit")
                if _finite(f, result, env):
                    break
            if not check(f, x, result, kind, env, rng):
                return False
    return True


def _finite(f: E.Expr, result: E.Expr, env: dict[str, Any]) -> bool:
    try:
        return bool(
            np.all(np.isfinite(evaluate(f, env))) and np.all(np.isfinite(evaluate(result, env)))
        )
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):
        return False
