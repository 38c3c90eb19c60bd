"""Declared functions (LANGUAGE.md §9) and the tutorial's worked examples as written.

``tests/data/tutorial_examples.json`` holds every worked example of the tutorial (README
E.g. 1–6 and the PCA example of examples.md) as a document, with its answer in the
tutorial's form.  Each is checked by value: the answer equals what matdiff derives, and
both agree with finite differences — with concrete functions substituted for the declared
ones (tanh and softplus for σ; ½‖y − 1‖² and logsumexp for l), and against the derivative
matdiff takes of the document written with those concrete functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.features.actions import code_actions
from matdiff.features.completion import completion
from matdiff.features.hover import hover
from matdiff.features.snapshot import Snapshot
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.codegen import gradient_function
from matdiff.services.derivatives import derivation
from tests.conftest import DATA
from tests.features.helpers import URI, apply_edits, cursor

EXAMPLES = json.loads((DATA / "tutorial_examples.json").read_text(encoding="utf-8"))


def _sigmoid(x: Any) -> Any:
    return 0.5 * (1 + np.tanh(0.5 * x))


def _softmax(y: Any) -> Any:
    z = np.exp(y - y.max())
    return z / z.sum()


# A concrete function for a declared one: its text in a document (a template for the call's
# argument) and its value, gradient and Hessian (derivatives, for an element-wise one).
FAMILIES: dict[str, tuple[str, list[Callable[[Any], Any]]]] = {
    "tanh": ("tanh({})", [np.tanh, lambda x: 1 - np.tanh(x) ** 2,
                          lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)]),
    "softplus": ("softplus({})", [lambda x: np.logaddexp(0, x), _sigmoid,
                                  lambda x: _sigmoid(x) * (1 - _sigmoid(x))]),
    "half_square_distance": ("0.5*norm2({} - ones)^2", [
        lambda y: 0.5 * float(np.sum((y - 1) ** 2)), lambda y: y - 1,
        lambda y: np.eye(y.size)]),
    "logsumexp": ("logsumexp({})", [
        lambda y: float(np.log(np.sum(np.exp(y)))), _softmax,
        lambda y: np.diag(_softmax(y).ravel()) - _softmax(y) @ _softmax(y).T]),
}  # fmt: skip


def functions_env(choice: dict[str, str], elementwise: set[str]) -> dict[str, Any]:
    """The ``fn:`` entries of an evaluation environment for declared functions."""
    env: dict[str, Any] = {}
    for name, family in choice.items():
        fns = FAMILIES[family][1]
        prefixes = ("", "d_", "d_d_") if name in elementwise else ("", "grad_", "hess_")
        for prefix, fn in zip(prefixes, fns, strict=True):
            env[f"fn:{prefix}{name}"] = fn
    return env


def substitute_calls(text: str, name: str, template: str) -> str:
    """``text`` with every call ``name(arg)`` written as ``template`` of ``(arg)``."""
    out, i = "", 0
    pattern = re.compile(rf"(?<![\w]){re.escape(name)}\(")
    while (m := pattern.search(text, i)) is not None:
        depth, j = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        arg = substitute_calls(text[m.end() : j - 1], name, template)
        out += text[i : m.start()] + template.format(f"({arg})")
        i = j
    return out + text[i:]


def concrete_document(document: str, choice: dict[str, str]) -> str:
    """The document with the declared functions' declarations dropped and their calls
    written as the chosen concrete functions."""
    lines = [
        ln for ln in document.splitlines() if not re.match(r"\s*\S+ : (elementwise|function)", ln)
    ]
    text = "\n".join(lines) + "\n"
    for name, family in choice.items():
        text = substitute_calls(text, name, FAMILIES[family][0])
    return text


def choices(functions: dict[str, list[str]]) -> list[dict[str, str]]:
    """At least two concrete functions for each declared one (the k-th of each together)."""
    if not functions:
        return [{}]
    count = max(len(v) for v in functions.values())
    return [{name: fams[k % len(fams)] for name, fams in functions.items()} for k in range(count)]


def _declared_elementwise(document: str) -> set[str]:
    return {s.name for s in analyze(document).symbols.values() if "elementwise" in s.properties}


@pytest.mark.parametrize("case", EXAMPLES, ids=[c["id"] for c in EXAMPLES])
def test_tutorial_example(case: dict[str, Any]) -> None:
    document, of, wrt, kind = case["document"], case["of"], case["wrt"], case["kind"]
    model = analyze(document)
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    d = derivation(document, of, wrt, kind)
    # the tutorial's answer, as a definition of the same document: it re-parses and shape-checks
    answered = analyze(document + f"answer = {case['answer']}\n")
    assert not answered.diagnostics, [x.message for x in answered.diagnostics]
    held = frozenset({wrt}) if answered.symbols[wrt].kind == "definition" else frozenset()
    answer = Lowering(answered, held).definition("answer")  # by y: y held, as in the result
    assert answer.shape == d.result.shape
    # derivatives printed in the language re-parse to the same shape
    again = analyze(document + f"again = {d.emit('dsl')}\n")
    assert not again.diagnostics and again.symbols["again"].shape == d.result.shape
    functions = case.get("functions", {})
    assert all(len(v) >= 2 for v in functions.values())
    elementwise = _declared_elementwise(document)
    rng = np.random.default_rng(7)
    for choice in choices(functions):
        env = verify.environment([d.f, d.result, answer, d.x], rng)
        env.update(functions_env(choice, elementwise))
        got = evaluate(d.result, env)
        np.testing.assert_allclose(evaluate(answer, env), got, rtol=1e-9, atol=1e-12)
        assert verify.check(d.f, d.x, d.result, kind, env, rng), choice
        # the concrete document, differentiated by matdiff, gives the same numbers
        if functions:
            concrete = derivation(concrete_document(document, choice), of, wrt, kind)
            np.testing.assert_allclose(evaluate(concrete.result, env), got, rtol=1e-8, atol=1e-10)


E5 = next(c for c in EXAMPLES if c["id"] == "readme-eg5-W1")["document"]


def test_eg5_steps_follow_the_tutorial() -> None:
    """The tutorial's lines: eq. (2) (chain rule through l), eq. (12), eq. (19), eq. (12),
    s = tr(s), trace cycling (in the steps' own wording, tests/engine/test_steps.py)."""
    steps = derivation(E5, "f", "W1", "gradient").steps()
    rules = [re.search(r"\[(.*)\]$", s).group(1) for s in steps if s.endswith("]")]  # type: ignore[union-attr]
    assert [r.split(",")[0] for r in rules] == [
        "d l(y) = ∇l(y)ᵀ dy",
        "d(AXB) = A dX B",
        "d σ(X) = σ'(X) ∘ dX",
        "d(AXB) = A dX B",
        "a scalar equals its trace: s = tr(s)",
        "tr(ABC) = tr(CAB): trace cycling",
    ]
    assert "∇l(W2·σ(W1·x))ᵀ" in steps[1] and "σ'(W1·x)" in steps[3]
    assert steps[-1].startswith("∇_W1 f = (σ'(W1·x) ∘ (W2ᵀ·∇l(W2·σ(W1·x))))xᵀ")


def test_hessians_use_the_second_derivatives() -> None:
    d = derivation(E5, "f", "x", "hessian")
    text = d.emit("text")
    assert "∇²l(" in text and "σ''(" in text
    dsl = d.emit("dsl")
    assert "hess_l(" in dsl and "d_d_σ(" in dsl
    again = analyze(E5 + f"hess = {dsl}\n")
    assert not again.diagnostics and str(again.symbols["hess"].shape) == "n×n"
    rng = np.random.default_rng(3)
    for choice in choices({"σ": ["tanh", "softplus"], "l": ["half_square_distance", "logsumexp"]}):
        env = verify.environment([d.f, d.result, d.x], rng)
        env.update(functions_env(choice, {"σ"}))
        assert verify.check(d.f, d.x, d.result, "hessian", env, rng)


MATRIX_LOSS = "L : function(matrix(m, k))\nA : matrix(m, n); B : matrix(n, k)\nf = L(A*B)\n"


def test_a_function_of_a_matrix() -> None:
    d = derivation(MATRIX_LOSS, "f", "A", "gradient")
    assert d.emit("dsl") == "grad_L(A*B)*B'"
    assert d.emit("text") == "∇L(AB)Bᵀ"
    h = derivation(MATRIX_LOSS, "f", "A", "hessian")
    rng = np.random.default_rng(1)
    size = {"m": 3, "n": 4, "k": 2}
    for family, fns in [("sumsq", [lambda Y: 0.5 * float(np.sum(Y**2)), lambda Y: Y,
                                   lambda Y: np.eye(Y.size)]),
                        ("sumexp", [lambda Y: float(np.sum(np.exp(Y))), np.exp,
                                    lambda Y: np.diag(np.exp(Y).ravel(order="F"))])]:  # fmt: skip
        env: dict[str, Any] = dict(size)
        env |= {"A": rng.normal(size=(3, 4)), "B": rng.normal(size=(4, 2))}
        env |= {"fn:L": fns[0], "fn:grad_L": fns[1], "fn:hess_L": fns[2]}
        assert verify.check(d.f, d.x, d.result, "gradient", env, rng), family
        assert verify.check(h.f, h.x, h.result, "hessian", env, rng), family


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("σ : elementwise\nx : vector(n)\nf = σ(x, x)\n", "σ takes 1 argument, got 2"),
        ("l : function(vector(m))\nx : vector(n)\nf = l(x)\n",
         "l takes a m×1 argument (l : function(vector(m))); x (n×1) is not"),
        ("l : function(vector(m))\nx : vector(m)\nf = grad_l(x, x)\n",
         "grad_l takes 1 argument, got 2"),
        ("σ : elementwise\nx : vector(n)\nf = grad_σ(x)\n", "unknown function 'grad_σ'"),
        ("l : function(m)\n", "function takes the type of its argument"),
        ("σ : elementwise(n)\n", "elementwise takes no sizes"),
        ("σ : elementwise spd\n", "a function has no properties ('spd')"),
        ("x : vector(vector(n))\n", "a dimension is a positive integer or a name, not a type"),
        ("σ : elementwise\nx : vector(n)\nf = σ + x\n", "'σ' is a declared function; call it"),
        ("σ : elementwise\nd_σ : scalar\n", "'d_σ' is reserved by the declaration of σ"),
        ("l : function(scalar)\nx : scalar\ngrad_l = x\n", "'grad_l' is reserved by the"),
    ],
)  # fmt: skip
def test_declared_function_errors(text: str, message: str) -> None:
    got = [d.message for d in analyze(text).diagnostics]
    assert any(m.startswith(message) for m in got), got


def test_editor_on_eg5() -> None:
    marked = E5.replace("f = l(", "|f = l(")
    snap, pos = cursor(marked)
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert "σ'(W1·x)" in got.contents.value and "∇l(W2·σ(W1·x))" in got.contents.value
    assert "✓ checked numerically" in got.contents.value  # with the stand-in functions
    snap, pos = cursor(E5.replace("f = l(", "f = |l("))
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert "function l of a vector m×1 → scalar" in got.contents.value
    snap, pos = cursor(E5 + "g = |")
    labels = {i.label for i in completion(snap, pos).items}
    assert {"σ", "l", "W1"} <= labels
    snap, pos = cursor(E5 + "τ : |")
    assert {"elementwise", "function"} <= {i.label for i in completion(snap, pos).items}
    # the inserted gradient re-parses and shape-checks
    snap = Snapshot.of(URI, E5)
    at = types.Position(line=3, character=0)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(start=at, end=at),
        context=types.CodeActionContext(diagnostics=[]),
    )
    (action,) = [a for a in code_actions(snap, params) if a.title == "Insert gradient of f by W1"]
    assert action.edit is not None and action.edit.changes is not None
    new = analyze(apply_edits(E5, action.edit.changes[URI]))
    assert not new.diagnostics and str(new.symbols["grad_f_W1"].shape) == "h×n"


def test_generated_function_takes_the_declared_functions() -> None:
    fn = gradient_function(analyze(E5), "f", ["W1"], "numpy")
    params = re.findall(r"(\w+): ", fn.source.split("\n", 1)[0])
    assert set(params) == {"W1", "W2", "x", "d_σ", "grad_l", "σ"}
    assert "from collections.abc import Callable" in fn.imports
    space: dict[str, Any] = {}
    exec("\n".join([*fn.imports, fn.source]), space)
    rng = np.random.default_rng(4)
    W1, W2, x = rng.normal(size=(3, 4)), rng.normal(size=(2, 3)), rng.normal(size=4)
    args = {"W1": W1, "W2": W2, "x": x, "σ": np.tanh, "d_σ": lambda z: 1 - np.tanh(z) ** 2,
            "grad_l": lambda y: y - 1}  # fmt: skip
    got = space[fn.name](*(args[p] for p in params))
    y_bar = W2 @ np.tanh(W1 @ x) - 1  # l = ½‖y − 1‖²
    want = np.outer((1 - np.tanh(W1 @ x) ** 2) * (W2.T @ y_bar), x)
    np.testing.assert_allclose(got, want, rtol=1e-12)


# ---------------------------------------------------------------- random documents

DECLS = (
    "σ : elementwise\nl : function(vector(m))\n"
    "W : matrix(m, n); V : matrix(m, m); x : vector(n); b : vector(m)\n"
)
leaves = st.sampled_from(["W*x", "b", "x'*x*b"])
vectors = st.recursive(
    leaves,
    lambda inner: st.one_of(
        inner.map(lambda v: f"σ({v})"),
        inner.map(lambda v: f"V*({v})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) + ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) .* ({p[1]})"),
    ),
    max_leaves=5,
)
scalars = st.one_of(
    vectors.map(lambda v: f"l({v})"),
    vectors.map(lambda v: f"sum(σ({v}))"),
    st.tuples(vectors, vectors).map(lambda p: f"l({p[0]})*({p[1]})'*b"),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scalars,
    st.sampled_from(["W", "V", "x", "b"]),
    st.sampled_from(["gradient", "hessian"]),
    st.sampled_from([("tanh", "logsumexp"), ("softplus", "half_square_distance")]),
    st.integers(0, 2**16),
)
def test_declared_then_concrete_is_concrete_then_derived(
    f: str, wrt: str, kind: str, families: tuple[str, str], seed: int
) -> None:
    document = DECLS + f"f = {f}\n"
    if kind == "hessian" and wrt in ("W", "V"):
        kind = "gradient"  # Hessians over vec of a matrix: large; the vectors show the rule
    choice = {"σ": families[0], "l": families[1]}
    d = derivation(document, "f", wrt, kind)  # type: ignore[arg-type]
    concrete = derivation(concrete_document(document, choice), "f", wrt, kind)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    env = verify.environment([d.f, d.result, concrete.result, d.x], rng)
    env.update(functions_env(choice, {"σ"}))
    np.testing.assert_allclose(
        evaluate(d.result, env), evaluate(concrete.result, env), rtol=1e-7, atol=1e-9
    )


def test_a_function_of_a_scalar() -> None:
    doc = "g : function(scalar)\nx : vector(n)\nf = g(x'*x)\n"
    assert not analyze(doc).diagnostics
    d = derivation(doc, "f", "x", "gradient")
    assert d.emit("dsl").replace(" ", "") == "2*grad_g(x'*x)*x"
    rng = np.random.default_rng(9)
    for fns in ([np.sin, np.cos, lambda s: -np.sin(s)], [np.exp, np.exp, np.exp]):
        env = verify.environment([d.f, d.result, d.x], rng)
        env |= {"fn:g": fns[0], "fn:grad_g": fns[1], "fn:hess_g": fns[2]}
        assert verify.check(d.f, d.x, d.result, "gradient", env, rng)
        h = derivation(doc, "f", "x", "hessian")
        assert verify.check(h.f, h.x, h.result, "hessian", env, rng)


# ---------------------------------------------------------------- LaTeX, NumPy, token counts

NAMED = (
    "t1 : elementwise\nl : function(vector(m))\nW₁ : matrix(m, n); x : vector(n)\n"
    "f = sum(t1(W₁*x)) * sum(t1(W₁*x) .* (W₁*x)) + l(W₁*x)\n"
)


def test_declared_functions_in_latex() -> None:
    """σ'(z) as \\sigma', ∇l as \\nabla l, ∇²l as \\nabla^2 l, W₁ as W_1; KaTeX typesets them."""
    from matdiff.engine.printer import latex_name
    from tests.engine.test_latex import katex_failures

    gradient = derivation(E5, "f", "W1", "gradient").emit("latex")
    assert "\\sigma'\\left(W_1 x\\right)" in gradient
    assert "\\nabla l\\left(W_2 \\sigma\\left(W_1 x\\right)\\right)" in gradient
    hessian = derivation(E5, "f", "x", "hessian").emit("latex")
    assert "\\nabla^2 l\\left(" in hessian and "\\sigma''\\left(" in hessian
    named = derivation(NAMED, "f", "W₁", "gradient").emit("latex")
    assert "{t_1}'\\left(W_1 x\\right)" in named and "₁" not in named
    assert latex_name("W₁") == latex_name("W1") == "W_1"
    items = [("eg5-W1", gradient), ("eg5-x-hessian", hessian), ("named", named)]
    assert katex_failures(items) == []


def test_numpy_names_and_bindings_with_declared_functions() -> None:
    """A declared function called t1 keeps its name: the shared parts bound with := are named
    apart from it; W₁ is written W1; the one expression gives the derivative's numbers."""
    d = derivation(NAMED, "f", "W₁", "gradient")
    code = d.emit("numpy")
    assert "t1 :=" not in code and "t1(" in code and "W1 @ x" in code
    assert "(t1(" not in code.replace("np.sum(t1(", "")  # a call is one operand: no (f(x))
    rng = np.random.default_rng(7)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    fns = {"t1": np.tanh, "d_t1": lambda z: 1 - np.tanh(z) ** 2, "grad_l": lambda y: y - 1}
    got = eval(code, {"np": np, "W1": W, "x": x, **fns})
    env = {"W₁": W, "x": x[:, None], "m": 3, "n": 4} | {f"fn:{k}": v for k, v in fns.items()}
    np.testing.assert_allclose(got, evaluate(d.result, env), rtol=1e-12)


def test_token_counts_read_unicode_names() -> None:
    """The simplifier's cost of an IR node is the token count of its dsl text, names of any
    script (σ, W₁) and declared calls (d_σ, grad_l) included."""
    from matdiff.engine.cost import cost, tokens
    from matdiff.engine.printer import to_dsl

    for wrt, kind in (("W1", "gradient"), ("x", "hessian")):
        d = derivation(E5.replace("W1", "W₁"), "f", wrt.replace("W1", "W₁"), kind)  # type: ignore[arg-type]
        assert tokens(to_dsl(d.result)) == cost(d.result) > 10
    assert tokens("d_σ(W₁*x)") == 4
