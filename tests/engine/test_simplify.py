"""The simplifier (issue 10): every rewrite rule checked by numbers on its own example (one
table-driven test over ``engine/rules.RULES``), every factoring the search builds equal to
the sum it came from, and properties over random expressions (hypothesis): simplification
keeps the value, is idempotent, never lengthens by the token cost, and the cost computed on
the IR is the token count of the printed ``dsl`` form."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matdiff.engine import derive, search
from matdiff.engine import expr as E
from matdiff.engine.cost import cost, tokens
from matdiff.engine.printer import to_dsl
from matdiff.engine.rules import RULES, Rule
from matdiff.engine.simplify import simplify
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from tests.engine.helpers import close, lower_extra
from tests.engine.test_properties import DECLS, expression


def _env(exprs: list[E.Expr], seed: int, sizes: dict[str, int] | None = None) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    if sizes is None:
        return verify.environment(exprs, rng)
    env: dict[str, Any] = dict(sizes)
    for v in verify.variables(*exprs):
        env[v.name] = verify.sample(v, sizes, rng)
    return env


def _same_value(
    a: E.Expr, b: E.Expr, seeds: range = range(3), sizes: dict[str, int] | None = None
) -> None:
    assert a.shape == b.shape, (a, b)
    for seed in seeds:
        env = _env([a, b], seed, sizes)
        with np.errstate(all="ignore"):
            want = evaluate(a, env)
        if not np.all(np.isfinite(want)):
            continue
        close(evaluate(b, env), want, rtol=1e-7)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_rule_is_an_identity(rule: Rule) -> None:
    decls, formula = rule.example
    e = lower_extra(decls, "example__", formula)
    hits = 0
    for node in E.walk(e):
        got = rule.apply(node)
        if got is None or got is node:
            continue
        hits += 1
        _same_value(node, got)
    assert hits, f"{rule.name}: the example {formula!r} has no node the rule rewrites"
    assert rule.source and rule.phase in ("expand", "fold")


SUMS = [
    "a*b'*X + b*a'*X - A*X*a*b'*X - A*X*b*a'*X",
    "det(X)*A*X + det(X)*A'*X + 2*X",
    "x.*y - x.*sigmoid(z) + 2*x",
    "(x'*x)^-2*a - (x'*x)^-1*b + a",
    "A*x*x' + x*x' + B*x*x'",
    "sigmoid(z) - sigmoid(z).^2 + 2*x.^3.*y - x.^2",  # a power shares its base: σ ∘ (1 − σ)
    "softmax(A*z).*y - (softmax(A*z)'*y)*softmax(A*z)",  # a scaled factor is a Hadamard factor
]


@pytest.mark.parametrize("text", SUMS)
def test_every_factoring_keeps_the_value(text: str) -> None:
    decls = "X, A, B : matrix(n, n); x, y, z, a, b : vector(n)\n"
    s = lower_extra(decls, "s__", text)
    assert isinstance(s, E.Sum)
    folder = search._Folder(stop=float("inf"))
    candidates = folder.factorings(s)
    assert candidates
    for c in candidates:
        _same_value(s, c)
    assert cost(folder.search(s)) < cost(s)


SHAPES = [("1", "1"), ("n", "1"), ("m", "n"), ("n", "n")]
COMMON: Any = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


@st.composite
def lowered(draw: st.DrawFn) -> E.Expr:
    text = draw(expression(draw(st.sampled_from(SHAPES)), 3))
    return lower_extra(DECLS, "e__", text)


def _check(e: E.Expr) -> None:
    out = simplify(e)
    assert cost(out) <= cost(e), (e, out)  # never lengthens
    assert simplify(out) is out  # idempotent
    assert cost(out) == tokens(to_dsl(out))
    assert cost(e) == tokens(to_dsl(e))
    _same_value(e, out)


@settings(max_examples=60, **COMMON)
@given(lowered())
def test_simplify_keeps_the_value_is_idempotent_and_never_lengthens(e: E.Expr) -> None:
    _check(e)


@settings(max_examples=40, **COMMON)
@given(lowered(), st.sampled_from(["x", "A", "X", "P", "s"]))
def test_on_raw_gradients(f: E.Expr, wrt: str) -> None:
    assume(f.is_scalar)
    xs = [v for v in verify.variables(f) if v.name == wrt]
    assume(xs)
    try:
        with E.Budget(5.0):
            raw = derive.gradient(f, xs[0])
    except E.EngineError:
        assume(False)
        return
    _check(raw)


ISSUE_DECLS = (
    "X, A, B : matrix(n, n); M : matrix(m, n); T : matrix(n, m)\n"
    "x, y, d, v, z, t : vector(n); s : vector(m)\n"
)
SM = "softmax(A*z)"
# the forms issue 10 asks for, each from an expression written the long way
REACHES = {
    "X*inv(X)": "eye(n)",
    "inv(X)'*X'": "eye(n)",
    "T*inv(T'*T)*T'*(eye(n) - T*inv(T'*T)*T')": "zeros(n, n)",
    "X^2*X^2": "X^4",
    "tr(inv(X)*A*X)": "tr(A)",
    "M'.^2 + (M.^2)'": "2*(M.^2)'",
    "sigmoid(z).*(ones(n) - y) - (ones(n) - sigmoid(z)).*y": "sigmoid(z) - y",
    "ones(n) - sigmoid(z)": "sigmoid(-z)",
    "sigmoid(-z) + sigmoid(z)": "ones(n)",
    "sigmoid(-z).*sigmoid(z) + sigmoid(z).^2": "sigmoid(z)",
    "sigmoid(z) - sigmoid(z).^2": "sigmoid(-z).*sigmoid(z)",
    f"{SM}.*y - ({SM}'*y)*{SM}": f"{SM}.*(y - ({SM}'*y)*ones(n))",
    "-(A*(x - y)).*z": "(A*(y - x)).*z",  # a leading minus taken by a difference
    "-(x - y)*(x - y)'": "-(x - y)*(x - y)'",  # but not by one of a repeated pair
    "exp(-X*(x - y))": "exp(X*(y - x))",
    "exp(-t)./(ones(n) + exp(-t))": "sigmoid(-t)",
    "z - log(softmax(z))": "logsumexp(z)*ones(n)",
    "ones(n)'*softmax(z)": "1",
    "diag(d)*v": "d.*v",
    "diag(x*x')": "x.^2",
    "ones(n)'*ones(n)": "n",
    "unvec(kron(A, B)*vec(X), n, n)": "B*X*A'",
    "det(X'*A*X)*A*X + det(X'*A*X)*A'*X": "det(X'*A*X)*(A + A')*X",
    "(x - y)'*A": "(x - y)'*A",
    "0.5*(2*A*B - 2*A*X)": "A*(B - X)",
}


@pytest.mark.parametrize("text", list(REACHES))
def test_reaches_the_forms_of_the_issue(text: str) -> None:
    e = lower_extra(ISSUE_DECLS, "e__", text)
    out = simplify(e)
    assert to_dsl(out) == REACHES[text]
    _same_value(e, out, sizes={"n": 5, "m": 3})  # T (n×m) of full column rank


@pytest.mark.parametrize("limit", ["_SECONDS", "_SLACK"])
def test_past_its_limits_the_search_returns_the_best_form_so_far(
    limit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No time left (or no room for the normal form): no error, an equal form no longer
    than the input (here the greedy factoring's, which needs no normal form)."""
    E.clear_cache()
    monkeypatch.setattr(search, limit, 0 if limit == "_SLACK" else -1.0)
    monkeypatch.setattr(search, "_GROWTH", 0)
    e = lower_extra(ISSUE_DECLS, "e__", "A*x*x' + A*y*x' + x*x'*B")
    out = simplify(e)
    assert cost(out) <= cost(e)
    assert to_dsl(out) == "A*(x + y)*x' + x*x'*B"
    _same_value(e, out)
    E.clear_cache()


def test_checking_a_document_does_not_load_the_simplifier() -> None:
    """``matdiff check`` never pays for the search: it is imported on first use."""
    import subprocess
    import sys

    code = (
        "import sys, matdiff, matdiff.cli\n"
        "doc = 'x : vector(n)\\nf = x\\'*x\\n'\n"
        "assert not matdiff.check(doc)\n"
        "print(sorted(m for m in sys.modules if m.startswith('matdiff.engine.')))\n"
        "matdiff.grad(doc, of='f', wrt='x')\n"
        "print(sorted(m for m in sys.modules if m.startswith('matdiff.engine.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    checked, derived = out.stdout.splitlines()
    for lazy in ("matdiff.engine.search", "matdiff.engine.rules", "matdiff.engine.cost"):
        assert lazy not in checked, checked
        assert lazy in derived, derived  # the same names are loaded once it derives


def test_the_search_leaves_the_derivation_half_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no time left to the derivation, the search takes none: the greedy form."""
    E.clear_cache()
    with E.Budget(60.0):
        left = E.time_left()
        assert left is not None and 0 < left <= 60
    assert E.time_left() is None
    monkeypatch.setattr(E, "time_left", lambda: 0.0)
    e = lower_extra(ISSUE_DECLS, "e__", "A*x*x' + A*y*x' + x*x'*B")
    out = simplify(e)
    assert to_dsl(out) == "A*(x + y)*x' + x*x'*B"
    E.clear_cache()
