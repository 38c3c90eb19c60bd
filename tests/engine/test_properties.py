"""Property-based tests (hypothesis) over random well-shaped expressions.

A strategy writes random expressions as matdiff text over every operator and function of
LANGUAGE.md §4 (element-wise functions on safe domains: log of a sigmoid, sqrt of an exp,
arcsin of tanh/2; det, logdet, inv and adj of I + 0.1·tanh(M), which is well conditioned),
over declared variables of different shapes with two dimension symbols.  For each:

(a) the NumPy emission, evaluated under the §6 conventions, agrees with central finite
    differences and has the §6 shape;
(b) the dsl emission re-parses as a new definition, shape-checks to the §5 shape and evaluates
    to the same numbers;
(c) each derivation step agrees with the previous one on random data and a random dX;
(d) simplify is idempotent (interned nodes: the second pass returns the same object);
(e) for a scalar f, the numerator-layout derivative is the transpose of the gradient.

The same checks run on the wider documents of ``wide.py`` (declared functions, intermediates,
derivatives inside expressions, batches, vec/unvec, Hessians by structured matrices), also
with dimensions of size 1.  The default run is bounded; ``pytest -m slow tests/engine`` runs
a larger one.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matdiff.analysis import DocumentModel, analyze
from matdiff.analysis.lower import Lowering
from matdiff.base.errors import MatdiffError
from matdiff.engine import derive
from matdiff.engine import expr as E
from matdiff.engine.shape import SCALAR, Shape
from matdiff.engine.simplify import simplify
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import Derivation, derivation
from matdiff.syntax.parser import MAX_STATEMENT
from tests.engine import wide
from tests.engine.helpers import Example, close, numpy_env, numpy_shape

DECLS = """x : vector(n)
y : vector(m)
A : matrix(m, n)
B : matrix(n, m)
X : matrix(n, n)
P : matrix(n, n) spd
S : matrix(m, m) symmetric
D : matrix(n, n) diagonal
s : scalar
"""
VARIABLES = {"x", "y", "A", "B", "X", "P", "S", "D", "s"}
DIMS = ("1", "n", "m")
LEAVES: dict[tuple[str, str], list[str]] = {
    ("1", "1"): ["s", "0.5", "2", "x'*x"],
    ("n", "1"): ["x", "ones(n)"],
    ("m", "1"): ["y"],
    ("1", "n"): ["x'"],
    ("1", "m"): ["y'", "ones(m)'"],
    ("m", "n"): ["A", "ones(m, n)"],
    ("n", "m"): ["B", "A'"],
    ("n", "n"): ["X", "P", "D", "eye(n)"],
    ("m", "m"): ["S", "eye(m)"],
}
# element-wise functions, each on a domain where it is smooth enough (or piecewise constant)
ELEMENTWISE = [
    "exp(tanh({}))", "log(sigmoid({}))", "sin({})", "cos({})", "tan(tanh({}))",
    "arcsin(tanh({})/2)", "arccos(tanh({})/2)", "arctan({})", "tanh({})",
    "sqrt(exp(tanh({})))", "abs({})", "sigmoid({})", "relu({})", "softplus({})",
    "step({})", "sign({})",
]  # fmt: skip


def _square(k: str) -> bool:
    return k != "1"


@st.composite
def expression(draw: st.DrawFn, shape: tuple[str, str], depth: int) -> str:
    r, c = shape
    if depth <= 0 or draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(LEAVES[shape]))

    def sub(sh: tuple[str, str]) -> str:
        return draw(expression(sh, depth - 1))

    def safe(k: str) -> str:  # a well-conditioned square matrix with a positive determinant
        return draw(
            st.sampled_from([f"(eye({k}) + 0.1*tanh({sub((k, k))}))"] + (["P"] if k == "n" else []))
        )

    options = ["add", "sub", "matmul", "scale", "div", "neg", "T", "ew", "had", "hdiv", "epow"]
    if shape == ("1", "1"):
        options += ["pow", "ppow", "tr", "det", "logdet", "sum", "norm2", "norm1", "lse",
                    "vecdot", "sumkron", "trkron"]  # fmt: skip
    if r == c and _square(r):
        options += ["inv", "adj", "inv-1", "matpow", "diagm"]
    if c == "1" and r != "1":
        options += ["softmax", "diagv"]
    if r != "1" and c != "1":
        options += ["kron"]
    op = draw(st.sampled_from(options))
    match op:
        case "add":
            return f"{sub(shape)} + {sub(shape)}"
        case "sub":
            return f"{sub(shape)} - ({sub(shape)})"
        case "matmul":
            k = draw(st.sampled_from(DIMS))
            return f"({sub((r, k))})*({sub((k, c))})"
        case "scale":
            return f"({sub(('1', '1'))})*({sub(shape)})"
        case "div":
            return f"({sub(shape)})/(2 + sin({sub(('1', '1'))}))"
        case "neg":
            return f"-({sub(shape)})"
        case "T":
            return f"({sub((c, r))})'"
        case "ew":
            return draw(st.sampled_from(ELEMENTWISE)).format(sub(shape))
        case "had":
            return f"({sub(shape)}) .* ({sub(shape)})"
        case "hdiv":
            return f"({sub(shape)}) ./ exp(tanh({sub(shape)}))"
        case "epow":
            p = draw(st.sampled_from(["2", "3", "(1 + sigmoid({}))"])).format(sub(("1", "1")))
            base = sub(shape) if p in ("2", "3") else f"exp(tanh({sub(shape)}))"
            return f"({base}) .^ {p}"
        case "pow":
            return f"({sub(shape)})^{draw(st.sampled_from(['2', '3']))}"
        case "ppow":  # positive base, exponent an expression
            return f"exp(tanh({sub(shape)}))^(1 + sigmoid({sub(shape)}))"
        case "tr":
            k = draw(st.sampled_from(["n", "m"]))
            return f"tr({sub((k, k))})"
        case "det" | "logdet":
            return f"{op}({safe(draw(st.sampled_from(['n', 'm'])))})"
        case "sum" | "norm2" | "norm1":
            return f"{op}({sub(draw(st.sampled_from(list(LEAVES))))})"
        case "lse":
            return f"logsumexp({sub((draw(st.sampled_from(['n', 'm'])), '1'))})"
        case "vecdot":
            return f"vec({sub(('m', 'n'))})'*vec({sub(('m', 'n'))})"
        case "sumkron":
            return f"sum(kron({sub(draw(st.sampled_from(list(LEAVES))))}, {sub(('n', 'm'))}))"
        case "trkron":
            return f"tr(kron({sub(('n', 'n'))}, {sub(('m', 'm'))}))"
        case "inv" | "adj":
            return f"{op}({safe(r)})"
        case "inv-1":
            return f"({safe(r)})^-1"
        case "matpow":
            return f"({sub(shape)})^{draw(st.sampled_from(['2', '3']))}"
        case "diagm":
            return f"diag({sub((r, '1'))})"
        case "softmax":
            return f"softmax({sub(shape)})"
        case "diagv":
            return f"diag({sub((r, r))})"
        case "kron":
            return f"kron({sub((r, '1'))}, {sub(('1', c))})"
    raise AssertionError(op)


@st.composite
def examples(draw: st.DrawFn, depth: int = 3) -> Example:
    shape = draw(st.sampled_from([("1", "1")] * 6 + [("n", "1"), ("m", "n")]))
    text = draw(expression(shape, depth))
    used = sorted(v for v in VARIABLES if _mentions(text, v)) or ["x"]
    wrt = draw(st.sampled_from(used))
    if shape == ("1", "1"):
        kind = draw(
            st.sampled_from(
                ["gradient"] * 3 + ["numerator"] + (["hessian"] if wrt in "xsy" else [])
            )
        )
    else:
        kind = "numerator"
    return Example(f"{DECLS}f = {text}\n", wrt, kind, draw(st.integers(0, 2**32 - 1)))


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_(])", text) is not None


def layout_shape(f: Shape, x: Shape, kind: str) -> Shape:
    """The §5 shape of the derivative."""
    if kind == "gradient":
        return x
    if kind == "hessian":
        return Shape(x.size, x.size)
    if f.is_scalar:
        return x.T
    if x.is_scalar:
        return f
    return Shape(f.size, x.size)


def _derive(ex: Example) -> Derivation:
    model = analyze(ex.document)
    assert not model.diagnostics, (ex.document, [d.message for d in model.diagnostics])
    return derivation(model, "f", ex.wrt, ex.kind)  # type: ignore[arg-type]


def _env(d: Derivation, rng: np.random.Generator, *more: E.Expr, small: bool = False,
         model: DocumentModel | None = None) -> dict[str, Any]:  # fmt: skip
    """Random data for f, the result and ``more``, and a direction dX.  ``small``: sizes
    1 to 3, equal or not (a vector of length 1, a 1×N batch).  By an intermediate (a
    definition of ``model``), data for its definition too (``_as_defined``)."""
    if model is not None and model.symbols[d.wrt].kind == "definition":
        more = (*more, Lowering(model).definition(d.wrt))
    exprs = [d.f, d.result, d.x, *more]
    if small:
        sizes = {s: int(rng.choice([1, 1, 2, 3])) for s in sorted(verify.dimensions(*exprs))}
        env: dict[str, Any] = dict(sizes)
        for v in verify.variables(*exprs):
            env[v.name] = verify.sample(v, sizes, rng)
    else:
        env = verify.environment(exprs, rng)
        sizes = {k: v for k, v in env.items() if isinstance(v, int)}
    env["d:" + d.x.name] = verify.direction(d.x, sizes, rng)
    return env


def _as_defined(d: Derivation, model: DocumentModel, env: dict[str, Any]) -> dict[str, Any]:
    """``env`` with an intermediate variable of differentiation given its definition's
    value: the dsl result, read back, has the intermediate's definition in its place."""
    if model.symbols[d.wrt].kind != "definition":
        return env
    return {**env, d.wrt: evaluate(Lowering(model).definition(d.wrt), env)}


def _fd(d: Derivation, env: dict[str, Any], of: E.Expr | None = None) -> np.ndarray[Any, Any]:
    """Central finite difference of ``of`` (default f) in the direction env["d:X"].  Where
    two step sizes disagree the example is too ill-conditioned for finite differences
    (sin(u³) of a large u, …): it is discarded, which says nothing about the engine."""
    X, D = np.asarray(env[d.x.name]), env["d:" + d.x.name]
    out = []
    for h in (1e-6, 1e-5):
        plus, minus = dict(env), dict(env)
        plus[d.x.name], minus[d.x.name] = X + h * D, X - h * D
        g = of if of is not None else d.f
        out.append((evaluate(g, plus) - evaluate(g, minus)) / (2 * h))
    scale = max(1.0, float(np.max(np.abs(out[0]))))
    assume(float(np.max(np.abs(out[0] - out[1]))) <= 1e-5 * scale)
    return out[0]


def _agree(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any], tol: float) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b))))
    assert float(np.max(np.abs(a - b))) <= tol * scale, (a, b)


def check_example(ex: Example, small: bool = False) -> None:
    try:
        d = _derive(ex)
    except MatdiffError as exc:
        # documented refusals: a declared function's third derivative (§10 names two), and
        # past the size limit (§5), a Hessian of a document that takes a derivative itself
        third = ex.kind == "hessian" and re.search(r"(grad|diff|jacobian|hessian)\(", ex.document)
        assume("third derivatives of the declared" not in exc.message)
        assume(not (third and "too large" in exc.message))
        raise
    model = analyze(ex.document)
    f, x, kind = d.f, d.x, d.kind
    rng = np.random.default_rng(ex.seed)
    want_shape = layout_shape(f.shape, x.shape, kind)
    assert d.result.shape == want_shape, (d.result.shape, want_shape)
    with np.errstate(all="ignore"):
        env = _env(d, rng, small=small, model=model)
        values = [evaluate(f, env), evaluate(d.result, env)]
        assume(all(np.all(np.isfinite(v)) and np.max(np.abs(v)) < 1e6 for v in values))
        R = values[1]

        # (a) NumPy emission: §6 shape, the same numbers, and finite differences
        code = d.emit("numpy")
        got = np.asarray(eval(code, numpy_env(env, f, d.result, x)), dtype=float)
        assert got.shape == numpy_shape(d.result, env), (code, got.shape)
        close(got.reshape(R.shape), R, rtol=1e-6)
        if kind == "hessian":  # H vec(dX) = the finite difference of the gradient
            grad_ir = derive.derivative(f, x, "gradient")
            fdg = _fd(d, env, grad_ir).reshape(-1, 1, order="F")
            D = env["d:" + x.name].reshape(-1, 1, order="F")
            _agree(got.reshape(R.shape) @ D, fdg, 1e-4)
        else:
            D = env["d:" + x.name]
            fd = _fd(d, env)
            G = got.reshape(R.shape)
            if kind == "gradient":
                sym = np.array([[float(np.sum(G * D))]])
            elif f.is_scalar and not x.is_scalar:
                sym = np.array([[float(np.trace(G @ D))]])
            elif x.is_scalar:
                sym = G * float(D[0, 0])
            else:
                sym = (G @ D.reshape(-1, 1, order="F")).reshape(fd.shape, order="F")
            _agree(sym, fd, 1e-4)

        # (b) the dsl emission re-parses, has the §5 shape and the same numbers.  FIXME: a
        # result longer than the parser's limit for one statement prints but cannot be read
        # back (a Hessian of nested powers at depth 4): §5 promises it re-parses.
        dsl = d.emit("dsl")
        if len(f"ours__ = {dsl}") <= MAX_STATEMENT:
            read = analyze(ex.document + f"ours__ = {dsl}\n")
            messages = {m.message for m in read.diagnostics}
            assert not messages, (dsl, messages)
            assert read.symbols["ours__"].shape == want_shape
            ours = Lowering(read).definition("ours__")
            at = _as_defined(d, model, env)
            want = evaluate(d.result, at)
            if np.all(np.isfinite(want)):
                close(evaluate(ours, at), want, rtol=1e-6)

        # (d) simplify is idempotent, on the result and on the raw gradient
        assert simplify(d.result) is d.result
        if f.is_scalar:
            raw = derive.gradient(f, x)
            once = simplify(raw)
            assert simplify(once) is once

        # (e) numerator = transpose of the gradient, for scalar f
        if f.is_scalar and kind != "hessian":
            other = "numerator" if kind == "gradient" else "gradient"
            e = derivation(ex.document, "f", ex.wrt, other).result  # type: ignore[arg-type]
            grad_v = evaluate(d.result if kind == "gradient" else e, env)
            num_v = evaluate(e if kind == "gradient" else d.result, env)
            close(num_v, grad_v.T, rtol=1e-8)

        # (c) each derivation step agrees with the previous one (same data, same dX)
        try:
            with E.Budget(10.0):
                steps = derive.steps(f, x)
        except E.EngineError as exc:
            assert "too long" in str(exc)
            return
        exprs = [s.expr for s in steps if s.expr is not None]
        values = [evaluate(e_, env) for e_ in exprs]
        if not all(np.all(np.isfinite(v)) for v in values):
            # a step may hold 0/0 where the result does not (‖step(x)‖ = 0 under a zero
            # derivative): the chain cannot be compared at this point
            return
        prev = evaluate(exprs[0], env)
        _agree(prev, _fd(d, env), 1e-4)
        for e_ in exprs[1:]:
            now = evaluate(e_, env)
            assert now.shape == prev.shape
            _agree(now, prev, 1e-8)
            prev = now


COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow,
          HealthCheck.filter_too_much, HealthCheck.data_too_large]}  # fmt: skip


@settings(max_examples=60, **COMMON)  # type: ignore[arg-type]
@given(examples())
def test_random_expressions(ex: Example) -> None:
    check_example(ex)


@pytest.mark.slow
@settings(max_examples=1500, **COMMON)  # type: ignore[arg-type]
@given(examples(depth=4))
def test_random_expressions_large(ex: Example) -> None:
    check_example(ex)


@settings(max_examples=40, **COMMON)  # type: ignore[arg-type]
@given(wide.examples())
def test_random_documents_over_the_whole_language(ex: Example) -> None:
    """The wider generator (``wide.py``): declared functions, intermediates, derivatives
    inside expressions, batches, vec/unvec, structured Hessians, …"""
    check_example(ex)


@settings(max_examples=20, **COMMON)  # type: ignore[arg-type]
@given(wide.examples())
def test_random_documents_with_sizes_of_one(ex: Example) -> None:
    """The same with dimensions 1 to 3: a vector of length 1 is still a vector, a 1×N
    matrix still a batch."""
    check_example(ex, small=True)


@pytest.mark.slow
@settings(max_examples=3000, **COMMON)  # type: ignore[arg-type]
@given(wide.examples(depth=4))
def test_random_documents_over_the_whole_language_large(ex: Example) -> None:
    check_example(ex)


@pytest.mark.slow
@settings(max_examples=1500, **COMMON)  # type: ignore[arg-type]
@given(wide.examples(depth=4))
def test_random_documents_with_sizes_of_one_large(ex: Example) -> None:
    check_example(ex, small=True)


def test_strategy_covers_the_language() -> None:
    """Every operator and function of §4 appears in the generator's vocabulary."""
    from pathlib import Path

    source = Path(__file__).read_text(encoding="utf-8")
    from matdiff.base.language import ELEMENTWISE as FNS

    for word in (*FNS, "tr(", "det(", "logdet(", "inv(", "adj(", "diag(", "vec(", "sum(",
                 "norm2(", "norm1(", "softmax(", "logsumexp(", "kron(", "eye(", "ones(",
                 " + ", " - ", ")*(", "/", " .* ", " ./ ", ")^", " .^ ", "'", "-("):  # fmt: skip
        assert word in source, word
    assert SCALAR.is_scalar


def test_the_wide_strategy_covers_every_function_and_property() -> None:
    """Every built-in function, property and kind of declaration appears in ``wide.py``."""
    from pathlib import Path

    from matdiff.base.language import FUNCTIONS, PROPERTIES

    source = Path(wide.__file__).read_text(encoding="utf-8")
    for name in (*FUNCTIONS, *(p for p in PROPERTIES if p != "stochastic")):
        assert f"{name}(" in source or f'"{name}"' in source or f" {name}\n" in source, name
    for word in ("const ", ": elementwise", ": function(", "⁻¹", "^-1", "^-2", " = "):
        assert word in source, word
