"""Unicode names (LANGUAGE.md §9): Greek letters, subscripts and a letter outside the BMP
(𝑥, two UTF-16 units and four UTF-8 bytes), through hover, rename, completion and go to
definition, in every position encoding (VS Code: UTF-16, Neovim: UTF-8 or UTF-16)."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pytest
from lsprotocol import types

from matdiff.analysis import analyze
from matdiff.base.spans import Encoding
from matdiff.engine.pynames import python_name
from matdiff.features.completion import completion
from matdiff.features.hover import hover
from matdiff.features.navigation import Refused, definition, prepare_rename, rename
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.codegen import gradient_function
from matdiff.services.derivatives import derivation

from .helpers import ENCODINGS, URI, apply_edits, cursor, evaluate_definition, position

DOC = (
    "λ : scalar\n"
    "μ, 𝑥 : vector(n)  # 𝑥 is U+1D465\n"
    "Σ : matrix(n, n) spd\n"
    "W₁ : matrix(n, n)\n"
    "r = W₁*𝑥 - μ\n"
    "f = λ*rᵀ*Σ*r + norm2(𝑥)^2\n"
)


def test_the_document_is_clean() -> None:
    model = analyze(DOC)
    assert not model.diagnostics, [d.message for d in model.diagnostics]
    assert [v.name for v in model.variables] == ["λ", "μ", "𝑥", "Σ", "W₁"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_hover_on_a_greek_name(encoding: Encoding) -> None:
    marked = DOC.replace("f = λ*rᵀ*Σ", "f = λ*rᵀ*|Σ")
    snap, pos = cursor(marked, encoding)
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert "Σ" in got.contents.value and "n×n" in got.contents.value
    at = DOC.index("Σ*r")
    assert got.range == types.Range(
        start=position(DOC, at, encoding), end=position(DOC, at + 1, encoding)
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_hover_on_a_definition_of_greek_names_derives(encoding: Encoding) -> None:
    snap, pos = cursor(DOC.replace("f = λ", "|f = λ"), encoding)
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert "∇_Σ f" in got.contents.value or "by Σ" in got.contents.value


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_definition_of_a_name_outside_the_bmp(encoding: Encoding) -> None:
    snap, pos = cursor(DOC.replace("norm2(𝑥)", "norm2(|𝑥)"), encoding)
    loc = definition(snap, pos)
    assert loc is not None
    at = DOC.index("𝑥 :")
    assert loc.range == types.Range(
        start=position(DOC, at, encoding), end=position(DOC, at + 1, encoding)
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("old", "new"), [("μ", "ν"), ("𝑥", "ξ₂"), ("W₁", "Ω")])
def test_rename_greek_names(encoding: Encoding, old: str, new: str) -> None:
    at = DOC.rindex(old)  # its last use
    snap, pos = cursor(DOC[:at] + "|" + DOC[at:], encoding)
    placeholder = prepare_rename(snap, pos)
    assert placeholder is not None and placeholder.placeholder == old
    edit = rename(snap, pos, new)
    assert edit is not None and edit.changes is not None
    got = apply_edits(DOC, edit.changes[URI], encoding)
    expected = (
        DOC.replace(f"# {old} is", "# keep").replace(old, new).replace("# keep", f"# {old} is")
    )
    assert got == expected
    assert not analyze(got).diagnostics


@pytest.mark.parametrize("new", ["x²", "2λ", "λ μ", "ᵀ"])
def test_rename_refuses_what_is_not_a_name(new: str) -> None:
    snap, pos = cursor(DOC.replace("r = W₁", "r = |W₁"))
    with pytest.raises(Refused):
        rename(snap, pos, new)


def test_rename_to_a_decomposed_name_is_the_composed_name() -> None:
    snap, pos = cursor(DOC.replace("r = W₁", "r = |W₁"))
    edit = rename(snap, pos, "e\u0301")
    assert edit is not None and edit.changes is not None
    got = apply_edits(DOC, edit.changes[URI])
    assert "é" in [v.name for v in analyze(got).variables]
    with pytest.raises(Refused):  # taken: λ, whichever way it is typed
        rename(snap, pos, "λ")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_completion_offers_greek_names(encoding: Encoding) -> None:
    snap, pos = cursor(DOC + "g = tr(Σ) + λ*|", encoding)
    labels = {item.label for item in completion(snap, pos).items}
    assert {"λ", "μ", "𝑥", "Σ", "W₁", "r", "f"} <= labels
    snap, pos = cursor(DOC + "θ : |", encoding)  # a declaration of a Greek name
    assert {"scalar", "vector", "matrix"} <= {i.label for i in completion(snap, pos).items}
    snap, pos = cursor(DOC + "θ : matrix(n, n) |", encoding)
    assert "spd" in {i.label for i in completion(snap, pos).items}


def test_a_statement_starting_with_a_greek_name_is_not_a_continuation() -> None:
    text = "λ : scalar\nx : vector(n)\nf = norm2(x\nθ = λ*x\n"
    model = analyze(text)
    assert [d.message for d in model.diagnostics if d.code == "syntax"] == [
        "unclosed '(' opened at 3:10"
    ]
    assert "θ" in model.symbols


def test_greek_definitions_evaluate() -> None:
    env = {"λ": 0.5, "n": 3, "μ": np.arange(3.0), "𝑥": np.ones(3), "Σ": np.eye(3)}
    env["W₁"] = np.arange(9.0).reshape(3, 3)
    r = env["W₁"] @ env["𝑥"] - env["μ"]
    # the code writes W₁ as W1 (₁ is no identifier character); Python reads 𝑥 as x (NFKC)
    py = {unicodedata.normalize("NFKC", python_name(k)): v for k, v in env.items()}
    assert set(py) == {"λ", "n", "μ", "x", "Σ", "W1"}
    got = evaluate_definition(DOC, "f", py)
    assert np.isclose(got, 0.5 * r @ r + 3.0)


def test_generated_functions_of_greek_names_run() -> None:
    model = analyze(DOC)
    wrt = ["λ", "W₁", "Σ"]
    fn = gradient_function(model, "f", wrt, "numpy")
    assert fn.name == "grad_f" and "W1: np.ndarray" in fn.source
    space: dict[str, Any] = {}
    exec("\n".join([*fn.imports, fn.source]), space)
    rng = np.random.default_rng(2)
    ds = [derivation(model, "f", w, "gradient") for w in wrt]
    env = verify.environment([ds[0].f, *(d.result for d in ds)], rng, None)
    params = fn.source.split("(", 1)[1].split(")", 1)[0].split(", ")
    by_py = {python_name(k): k for k in env}
    args = []
    for p in (p.split(":")[0] for p in params):
        value = env[by_py[p]]
        args.append(value if isinstance(value, int) else _flat(value))
    got = space[fn.name](*args)
    for g, d in zip(got, ds, strict=True):
        want = evaluate(d.result, env)
        np.testing.assert_allclose(np.asarray(g, dtype=float).reshape(want.shape), want, rtol=1e-8)


def _flat(value: Any) -> Any:
    if value.shape == (1, 1):
        return float(value[0, 0])
    return value[:, 0] if value.shape[1] == 1 else value
