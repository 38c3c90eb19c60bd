"""Shared helpers for the engine tests: derive from document text, evaluate by value."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.engine.pynames import python_name
from matdiff.numeric import declared as declared_values
from matdiff.numeric import verify
from matdiff.numeric.evaluate import Array, evaluate
from matdiff.services.derivatives import Derivation, derivation

Known = str | Callable[[Mapping[str, Any]], Array]


@dataclass
class Example:
    """A random document, the variable to differentiate by, the kind, and a seed."""

    document: str
    wrt: str
    kind: str
    seed: int


class Case(NamedTuple):
    """One row of an identity table: declarations, f, wrt, kind, the known derivative (in the
    matdiff language, or a NumPy function of the environment) and the sampling of variables
    that need a domain (positive data for log/sqrt, spd, …)."""

    decls: str
    f: str
    wrt: str
    kind: str
    known: Known
    sampling: dict[str, Any] | None = None

    @property
    def document(self) -> str:
        return f"{self.decls}\nf = {self.f}\n"


def check_case(c: Case) -> None:
    """A table row by value (``check_by_value``)."""
    with np.errstate(all="ignore"):
        check_by_value(c.document, "f", c.wrt, c.kind, c.known, c.sampling)


def check_case_emissions(c: Case) -> None:
    """A table row's dsl (re-parsed) and numpy (§6) forms give the result's numbers."""
    d = derivation(c.document, "f", c.wrt, c.kind)  # type: ignore[arg-type]
    with np.errstate(all="ignore"):
        check_emissions(d, c.document, c.sampling)


def lower_extra(document: str, name: str, formula: str) -> E.Expr:
    """``formula`` appended to ``document`` as definition ``name``, lowered to IR."""
    model = analyze(document + f"\n{name} = {formula}\n")
    assert not model.diagnostics, (formula, [d.message for d in model.diagnostics])
    return Lowering(model).definition(name)


def close(got: Array, want: Array, rtol: float = 1e-7) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    assert err <= rtol * scale, f"max error {err:.3g} (scale {scale:.3g})\n{got}\n!=\n{want}"


def check_by_value(document: str, of: str, wrt: str, kind: str, known: Known,
                   sampling: dict[str, verify.Sampling] | None = None,
                   draws: int = 2, seed: int = 0) -> Derivation:  # fmt: skip
    """The engine's derivative equals ``known`` on random data (distinct sizes per
    dimension symbol) and agrees with central finite differences."""
    d = derivation(document, of, wrt, kind)  # type: ignore[arg-type]
    expected = lower_extra(document, "known__", known) if isinstance(known, str) else None
    if expected is not None:
        assert d.result.shape == expected.shape, (d.result.shape, expected.shape)
    rng = np.random.default_rng(seed)
    # x too: f may not mention it
    exprs = [d.f, d.result, d.x] + ([expected] if expected is not None else [])
    for _ in range(draws):
        env = verify.environment(exprs, rng, sampling)
        got = evaluate(d.result, env)
        want = evaluate(expected, env) if expected is not None else known(env)  # type: ignore[operator]
        close(got, want)
        assert verify.check(d.f, d.x, d.result, kind, env, rng), "finite differences disagree"
    return d


def numpy_env(env: Mapping[str, Any], *exprs: E.Expr) -> dict[str, Any]:
    """The §6 conventions: vectors 1-D, scalars float, dimensions int.  Given the
    expressions, each variable by its declared shape (a vector of length 1 stays 1-D), and
    the declared functions they call as the numeric check's stand-ins."""
    shapes = {v.name: v.shape for v in verify.variables(*exprs)}
    out: dict[str, Any] = {"np": np}
    for k, v in env.items():
        if k.startswith("d:"):
            continue
        if isinstance(v, int):
            out[k] = v
            continue
        a = np.asarray(v, dtype=float)
        shape = shapes.get(k)
        scalar = shape.is_scalar if shape is not None else a.shape == (1, 1)
        vector = shape.is_vector if shape is not None else a.shape[1] == 1
        if scalar:
            out[k] = float(a[0, 0])
        elif vector:
            out[k] = a.reshape(-1).copy()
        else:
            out[k] = a
    out.update(stand_ins(env, *exprs))
    return out


def stand_ins(env: Mapping[str, Any], *exprs: E.Expr) -> dict[str, Callable[[Any], Any]]:
    """The declared functions the expressions call (σ, d_σ, l, grad_l, hess_l) as Python
    functions under the §6 conventions, computing what the evaluator computes."""
    out: dict[str, Callable[[Any], Any]] = {}
    for e in exprs:
        for n in E.walk(e):
            if isinstance(n, E.Elementwise) and declared.is_declared_fn(n.fn):
                out[python_name(n.fn)] = functools.partial(_elementwise, n.fn, env)
            elif isinstance(n, E.Unary) and declared.is_declared_op(n.op):
                name = python_name(declared.dsl_name(n.op))
                out[name] = functools.partial(_scalar_function, n.op, env)
    return out


def _elementwise(fn: str, env: Mapping[str, Any], v: Any) -> Any:
    a = np.asarray(v, dtype=float)
    return declared_values.elementwise_value(fn, a, env)


def _scalar_function(op: str, env: Mapping[str, Any], v: Any) -> Any:
    a = np.asarray(v, dtype=float)
    value = declared_values.scalar_function_value(op, a.reshape(-1, 1) if a.ndim < 2 else a, env)
    order = declared.split_op(op)[0]
    return float(value[0, 0]) if order == 0 else value.reshape(a.shape) if order == 1 else value


def numpy_shape(e: E.Expr, env: Mapping[str, Any]) -> tuple[int, ...]:
    """The §6 shape of a value of IR shape ``e.shape``: () scalar, (n,) vector, 2-D else."""
    sizes = {k: v for k, v in env.items() if isinstance(v, int)}
    r, c = e.shape.rows.value(sizes), e.shape.cols.value(sizes)
    if e.shape.is_scalar:
        return ()
    if e.shape.is_column:
        return (r,)
    if e.shape.is_row:
        return (c,)
    return (r, c)


def check_emissions(d: Derivation, document: str, sampling: dict[str, Any] | None = None,
                    seed: int = 1) -> None:  # fmt: skip
    """The dsl output re-parses, shape-checks to the result's shape and evaluates to the
    same numbers; the numpy output evaluates (§6 conventions) to the same numbers."""
    dsl = d.emit("dsl")
    model = analyze(document + f"\nours__ = {dsl}\n")
    messages = {x.message for x in model.diagnostics}
    rng = np.random.default_rng(seed)
    assert not messages, (dsl, messages)
    sym = model.symbols["ours__"]
    assert sym.shape == d.result.shape, (dsl, sym.shape, d.result.shape)
    ours = Lowering(model).definition("ours__")
    env = verify.environment([d.f, d.result, d.x, ours], rng, sampling)
    close(evaluate(ours, env), evaluate(d.result, env))
    want = evaluate(d.result, env)
    code = d.emit("numpy")
    value = eval(code, numpy_env(env, d.f, d.result, d.x))
    got = np.asarray(value, dtype=float)
    assert got.shape == numpy_shape(d.result, env), (code, got.shape)
    close(got.reshape(want.shape), want)
