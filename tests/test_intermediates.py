"""Differentiating by an intermediate (LANGUAGE.md §9): ``--wrt y`` where y is a definition,
``grad(f, y)`` in documents, and the editor's offers.

The oracle is independent of the mechanism: the same document with y's definition replaced
by a declaration of its shape (y a free variable), evaluated by NumPy and differentiated by
central finite differences in y.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lsprotocol import types

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.api import MatdiffError
from matdiff.engine.numpy_emit import to_numpy
from matdiff.features.actions import code_actions
from matdiff.features.hover import hover
from matdiff.features.snapshot import Snapshot
from matdiff.services.codegen import gradient_function
from matdiff.services.derivatives import derivation
from tests.features.helpers import URI, apply_edits, cursor, evaluate_definition, values

LSQ = "W : matrix(m, n); x : vector(n); t : vector(m)\ny = W*x\nf = norm2(y - t)^2\n"
NET = (
    "W1 : matrix(h, n); W2 : matrix(m, h); x : vector(n); t : vector(m)\n"
    "z = W1*x\na = tanh(z)\ny = W2*a\nf = logsumexp(y) - t'*y + norm2(a)^2\n"
)
MAT = "A : matrix(m, n); B : matrix(n, k)\nY = A*B\nf = tr(Y'*Y*B'*B) + logsumexp(vec(Y))\n"
SCALAR = "x : vector(n)\ns = x'*x\nf = sin(s) + s^2*norm2(x)^2\n"

CASES = [
    (LSQ, "y", "vector(m)"),
    (NET, "y", "vector(m)"),
    (NET, "a", "vector(h)"),
    (NET, "z", "vector(h)"),
    (MAT, "Y", "matrix(m, k)"),
    (SCALAR, "s", "scalar"),
]


def freed(doc: str, name: str, decl: str) -> str:
    """``doc`` with definition ``name`` replaced by a declaration: a free variable."""
    out, n = re.subn(rf"(?m)^{name} = .*$", f"{name} : {decl}", doc)
    assert n == 1
    return out


def finite_differences(doc: str, of: str, wrt: str, env: dict[str, Any]) -> np.ndarray:
    model = analyze(doc)
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    code = to_numpy(Lowering(model).definition(of))
    x0 = np.array(env[wrt], dtype=float)
    grad = np.zeros_like(x0)
    h = 1e-6
    for i in np.ndindex(x0.shape or (1,)):
        at = i if x0.shape else ()
        up, down = x0.copy(), x0.copy()
        up[at] += h
        down[at] -= h
        f_up = eval(code, {"np": np, **env, wrt: up if x0.shape else float(up)})
        f_down = eval(code, {"np": np, **env, wrt: down if x0.shape else float(down)})
        grad[at] = (f_up - f_down) / (2 * h)
    return grad


@pytest.mark.parametrize(("doc", "wrt", "decl"), CASES)
def test_gradient_by_an_intermediate_is_the_gradient_with_it_free(
    doc: str, wrt: str, decl: str
) -> None:
    d = derivation(doc, "f", wrt, "gradient")
    free = freed(doc, wrt, decl)
    for seed in (0, 1):
        env = values(free, seed)
        got = eval(to_numpy(d.result), {"np": np, **env})
        want = finite_differences(free, "f", wrt, env)
        np.testing.assert_allclose(np.reshape(got, want.shape), want, rtol=1e-5, atol=1e-7)
    assert d.verified()


def test_the_specification_example() -> None:
    assert derivation(LSQ, "f", "y", "gradient").emit("dsl") == "2*(y - t)"
    assert derivation(LSQ, "f", "y", "gradient").emit("text") == "2(y - t)"


@pytest.mark.parametrize("kind", ["numerator", "hessian"])
def test_other_layouts_by_an_intermediate(kind: str) -> None:
    d = derivation(NET, "f", "y", kind)  # type: ignore[arg-type]
    assert d.verified()
    if kind == "hessian":  # of logsumexp: diag(softmax(y)) − softmax(y)softmax(y)ᵀ, m×m
        assert str(d.result.shape) == "m×m"


def test_grad_by_an_intermediate_in_a_document_puts_its_value_back() -> None:
    doc = LSQ + "g = grad(f, y)\nh = sum(g .* g)\n"
    model = analyze(doc)
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    assert str(model.symbols["g"].shape) == "m×1"
    env = values(doc, 3)
    r = env["W"] @ env["x"] - env["t"]
    np.testing.assert_allclose(evaluate_definition(doc, "g", env), 2 * r, rtol=1e-12)
    assert np.isclose(evaluate_definition(doc, "h", env), 4 * r @ r)
    d = derivation(doc, "h", "W", "gradient")  # through g, by W: y is W*x again
    got = eval(to_numpy(d.result), {"np": np, **env})
    np.testing.assert_allclose(got, 8 * np.outer(r, env["x"]), rtol=1e-9)


def test_what_cannot_be_an_intermediate() -> None:
    with pytest.raises(MatdiffError, match="by itself"):
        derivation(LSQ, "f", "f", "gradient")
    model = analyze(LSQ + "g = grad(f, 2*y)\n")
    assert [d.message for d in model.diagnostics] == [
        "differentiate by a declared variable name, not an expression"
    ]


def test_hover_offers_the_intermediates() -> None:
    snap, pos = cursor(NET.replace("f = logsumexp", "|f = logsumexp"))
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    text = got.contents.value
    for name in ("W1", "W2", "x", "t", "a", "y"):
        assert f"**by {name}**" in text
    assert "**by z**" not in text  # z is not named by f (a is)


def test_code_action_inserts_the_gradient_by_an_intermediate() -> None:
    snap = Snapshot.of(URI, LSQ)
    at = types.Position(line=2, character=0)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(start=at, end=at),
        context=types.CodeActionContext(diagnostics=[]),
    )
    (action,) = [a for a in code_actions(snap, params) if a.title == "Insert gradient of f by y"]
    assert action.edit is not None and action.edit.changes is not None
    new = apply_edits(LSQ, action.edit.changes[URI])
    assert "grad_f_y = 2*(y - t)" in new
    env = values(LSQ, 4)
    got = evaluate_definition(new, "grad_f_y", env)  # y here is the definition W*x
    np.testing.assert_allclose(got, 2 * (env["W"] @ env["x"] - env["t"]), rtol=1e-12)


def test_generated_function_by_an_intermediate_takes_it_as_a_parameter() -> None:
    fn = gradient_function(analyze(NET), "f", ["a"], "numpy")
    assert fn.name == "grad_f_a"
    params = [p.split(":")[0] for p in fn.source.split("(", 1)[1].split(")", 1)[0].split(", ")]
    assert set(params) == {"W2", "a", "t"}
    space: dict[str, Any] = {}
    exec("\n".join([*fn.imports, fn.source]), space)
    free = freed(NET, "a", "vector(h)")
    env = values(free, 5)
    got = space[fn.name](*(env[p] for p in params))
    np.testing.assert_allclose(got, finite_differences(free, "f", "a", env), rtol=1e-5)


def test_cli_by_an_intermediate(tmp_path: Path) -> None:
    doc = tmp_path / "lsq.matdiff"
    doc.write_text(LSQ, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "matdiff", "grad", str(doc), "--of", "f", "--wrt", "y"],
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (0, "2(y - t)\n", "")
