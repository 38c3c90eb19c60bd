"""Engine benchmark: time per derivative over ≥25 expressions, beside SymPy's matrix `diff`.

Run on demand (not a test): `python bench/engine.py [--repeat N]`.  For each expression it
derives the gradient with matdiff (lowering + differential + canonical form + simplify, from
an empty node cache), checks it against finite differences, then asks SymPy (if installed)
for the same gradient with MatrixSymbols of concrete sizes and checks SymPy's answer by value
against matdiff's verified one.  Prints a table and the summary figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from matdiff.analysis import analyze
from matdiff.engine import expr as E
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import derivation

SIZES = {"n": 3, "m": 4, "h": 5, "k": 2, "p": 3, "q": 2}
DECLS = """
x, a, b2, mu : vector(n); b : vector(m); y, t : vector(m); c : vector(h)
A : matrix(n, n); B : matrix(n, n); S : matrix(n, n) spd; X : matrix(n, n)
W : matrix(m, n); D : matrix(m, n); Z : matrix(m, n); C : matrix(n, n) symmetric
W1 : matrix(h, n); W2 : matrix(h, h); W3 : matrix(h, h); W4 : matrix(h, h); W5 : matrix(m, h)
lam : scalar
""" + "".join(f"P{i} : matrix(n, n)\n" for i in range(1, 51))

prod40 = "*".join([f"P{i}" for i in range(1, 21)] + ["X"] + [f"P{i}" for i in range(21, 40)])
sum50 = " + ".join(f"tr(P{i}*X)" for i in range(1, 51))
five = "W5*tanh(W4*tanh(W3*tanh(W2*tanh(W1*x))))"

# name, expression, wrt, SymPy builder (None: SymPy's matrix expressions cannot state it)
Case = tuple[str, str, str, Callable[[Any, Any], Any] | None]
CASES: list[Case] = [
    ("x'x", "x'*x", "x", lambda s, g: g.x.T * g.x),
    ("a'x", "a'*x", "x", lambda s, g: g.a.T * g.x),
    ("x'Ax", "x'*A*x", "x", lambda s, g: g.x.T * g.A * g.x),
    ("x'Sx (spd)", "x'*S*x", "x", lambda s, g: g.x.T * g.S * g.x),
    ("a'Xb", "a'*X*b2", "X", lambda s, g: g.a.T * g.X * g.b2),
    ("tr(AXB)", "tr(A*X*B)", "X", lambda s, g: s.Trace(g.A * g.X * g.B)),
    ("tr(X'AX)", "tr(X'*A*X)", "X", lambda s, g: s.Trace(g.X.T * g.A * g.X)),
    ("tr(XX)", "tr(X*X)", "X", lambda s, g: s.Trace(g.X * g.X)),
    ("tr(X^3)", "tr(X^3)", "X", lambda s, g: s.Trace(g.X**3)),
    ("‖Wx+b‖² by W", "norm2(W*x + b)^2", "W", lambda s, g: (g.W * g.x + g.b).T * (g.W * g.x + g.b)),
    ("‖Wx+b‖² by x", "norm2(W*x + b)^2", "x", lambda s, g: (g.W * g.x + g.b).T * (g.W * g.x + g.b)),
    (
        "‖WD'-Z‖F² …",
        "normF(W*A - Z*B)^2",
        "W",
        lambda s, g: s.Trace((g.W * g.A - g.Z * g.B).T * (g.W * g.A - g.Z * g.B)),
    ),
    ("ln|X|", "log(det(X))", "X", lambda s, g: s.log(s.Determinant(g.X))),
    ("logdet(S)", "logdet(S)", "S", lambda s, g: s.log(s.Determinant(g.S))),
    ("det(X)", "det(X)", "X", lambda s, g: s.Determinant(g.X)),
    ("tr(X⁻¹A)", "tr(inv(X)*A)", "X", lambda s, g: s.Trace(g.X.I * g.A)),
    ("a'X⁻¹b", "a'*inv(X)*b2", "X", lambda s, g: g.a.T * g.X.I * g.b2),
    (
        "Gauss loglik by mu",
        "-0.5*logdet(S) - 0.5*(x - mu)'*inv(S)*(x - mu)",
        "mu",
        lambda s, g: -(g.x - g.mu).T * g.S.I * (g.x - g.mu) / 2,
    ),
    (
        "Gauss loglik by S",
        "-0.5*logdet(S) - 0.5*(x - mu)'*inv(S)*(x - mu)",
        "S",
        lambda s, g: (
            -s.log(s.Determinant(g.S)) / 2 - ((g.x - g.mu).T * g.S.I * (g.x - g.mu))[0, 0] / 2
        ),
    ),
    (
        "Gauss, scatter C",
        "-0.5*logdet(S) - 0.5*tr(inv(S)*C)",
        "S",
        lambda s, g: -s.log(s.Determinant(g.S)) / 2 - s.Trace(g.S.I * g.C) / 2,
    ),
    (
        "ridge",
        "norm2(W*x - y)^2 + lam*x'*x",
        "x",
        lambda s, g: (g.W * g.x - g.y).T * (g.W * g.x - g.y) + g.lam * g.x.T * g.x,
    ),
    (
        "logistic regression",
        "-(y'*log(sigmoid(W*x)) + (ones(m) - y)'*log(ones(m) - sigmoid(W*x)))",
        "x",
        None,
    ),
    ("softplus loss", "sum(softplus(-(y .* (W*x))))", "x", None),
    ("2-layer tanh by W1", "0.5*norm2(W5*tanh(W1*x) - t)^2", "W1", None),
    ("2-layer softmax CE by W5", "-t'*log(softmax(W5*sigmoid(W1*x)))", "W5", None),
    ("5-layer tanh by W1", f"0.5*norm2({five} - t)^2", "W1", None),
    (
        "tr of 40-matrix product",
        f"tr({prod40})",
        "X",
        lambda s, g: s.Trace(
            s.MatMul(
                *[getattr(g, f"P{i}") for i in range(1, 21)],
                g.X,
                *[getattr(g, f"P{i}") for i in range(21, 40)],
            )
        ),
    ),
    (
        "sum of 50 terms",
        sum50,
        "X",
        lambda s, g: s.Add(*[s.Trace(getattr(g, f"P{i}") * g.X) for i in range(1, 51)]),
    ),
]


def document() -> str:
    lines = [DECLS]
    for i, (_, expr, _, _) in enumerate(CASES):
        lines.append(f"f{i} = {expr}")
    return "\n".join(lines) + "\n"


def matdiff_time(model: Any, i: int, wrt: str, repeat: int) -> tuple[float, Any]:
    times = []
    d = None
    for _ in range(repeat):
        E.clear_cache()
        start = time.perf_counter()
        d = derivation(model, f"f{i}", wrt, "gradient")
        times.append(time.perf_counter() - start)
    return statistics.median(times), d


class _NS:
    pass


def sympy_check(
    build: Callable[[Any, Any], Any], wrt: str, d: Any, env: dict[str, Any], repeat: int
) -> tuple[float | None, str]:
    try:
        import sympy as s
    except ImportError:
        return None, "sympy not installed"
    g = _NS()
    decls = {v.name: v for v in verify.variables(d.f, d.result)}
    decls[wrt] = d.x
    for name, v in decls.items():
        r, c = v.shape.rows.value(SIZES), v.shape.cols.value(SIZES)
        setattr(g, name, s.Symbol(name) if r == c == 1 else s.MatrixSymbol(name, r, c))
    times = []
    try:
        expr = build(s, g)
        for _ in range(repeat):
            start = time.perf_counter()
            res = s.diff(expr, getattr(g, wrt))
            times.append(time.perf_counter() - start)
        subs = {
            getattr(g, n): (
                s.ImmutableMatrix(env[n])
                if np.size(env[n]) > 1
                else float(np.asarray(env[n]).reshape(-1)[0])
            )
            for n in decls
        }
        value = np.array(s.N(res.subs(subs).doit()), dtype=float)
    except Exception as exc:  # noqa: BLE001 — SymPy's failures are part of the comparison
        return (statistics.median(times) if times else None), f"error: {type(exc).__name__}"
    want = evaluate(d.result, env)
    for got in (value, value.T):
        if got.size == want.size and np.allclose(
            got.reshape(want.shape), want, rtol=1e-6, atol=1e-9
        ):
            return statistics.median(times), "right"
    if not np.any(value):
        return statistics.median(times), "wrong (0)"
    return statistics.median(times), "wrong"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    model = analyze(document())
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    rng = np.random.default_rng(0)
    ours: list[float] = []
    theirs: list[float] = []
    ok = sympy_right = 0
    print(f"{'expression':28} {'matdiff ms':>10} {'checked':>8} {'sympy ms':>9}  sympy")
    for i, (name, _, wrt, build) in enumerate(CASES):
        t, d = matdiff_time(model, i, wrt, args.repeat)
        env = dict(SIZES)
        for v in verify.variables(d.f, d.result):
            env[v.name] = verify.sample(v, SIZES, rng)
        checked = verify.check(d.f, d.x, d.result, "gradient", env, rng)
        ok += checked
        ours.append(t * 1e3)
        st, verdict = (
            (None, "cannot state it")
            if build is None
            else sympy_check(build, wrt, d, env, args.repeat)
        )
        sympy_right += verdict == "right"
        if st is not None:
            theirs.append(st * 1e3)
        sts = f"{st * 1e3:9.2f}" if st is not None else f"{'—':>9}"
        print(f"{name:28} {t * 1e3:10.2f} {'yes' if checked else 'NO':>8} {sts}  {verdict}")
    print()
    print(
        f"matdiff: {ok}/{len(CASES)} right (finite differences), median "
        f"{statistics.median(ours):.2f} ms, max {max(ours):.2f} ms"
    )
    if theirs:
        print(
            f"sympy:   {sympy_right}/{len(CASES)} right, median {statistics.median(theirs):.2f} ms"
            f" (over the {len(theirs)} it could state)"
        )


if __name__ == "__main__":
    main()
