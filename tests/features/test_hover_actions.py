"""Hover, code actions and the derivative command, checked by value."""

from __future__ import annotations

import re

import numpy as np
import pytest
from lsprotocol import types

from matdiff.base.spans import Encoding
from matdiff.features.actions import code_actions
from matdiff.features.commands import derivative
from matdiff.features.diagnostics import diagnostics
from matdiff.features.hover import hover
from matdiff.features.snapshot import Settings, Snapshot

from .helpers import (
    ENCODINGS,
    URI,
    apply_edits,
    cursor,
    evaluate,
    evaluate_definition,
    position,
    values,
)

DOC = "A : matrix(m, n)\nx : vector(n)\nb : vector(m)\nf = norm2(A*x - b)^2\n"


def gradients(env: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    r = env["A"] @ env["x"] - env["b"]
    return {"A": 2 * np.outer(r, env["x"]), "x": 2 * env["A"].T @ r, "b": -2 * r}


def test_hover_numpy_lines_evaluate_to_the_gradient() -> None:
    snap, pos = cursor(DOC.replace("f =", "|f ="))
    got = hover(snap, pos)
    assert got is not None
    assert isinstance(got.contents, types.MarkupContent)
    text = got.contents.value
    code = re.findall(r"```python\n(.*?)\n```", text, re.S)
    assert len(code) == 3  # one per variable, in declaration order A, x, b
    env = values(DOC)
    expected = gradients(env)
    for var, line in zip("Axb", code, strict=True):
        np.testing.assert_allclose(evaluate(line, env), expected[var], rtol=1e-9)
    assert text.count("✓ checked numerically") == 3


def test_hover_plain_text() -> None:
    settings = Settings(markdown=False)
    snap, pos = cursor(DOC.replace("f =", "|f ="), settings=settings)
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert got.contents.kind == types.MarkupKind.PlainText
    value = got.contents.value
    assert "```" not in value and "**" not in value and "`" not in value
    assert not re.search(r"(?m)^(python|text)$", value)
    lines = value.splitlines()
    code = [line for line in lines if "np." in line or "@" in line]
    assert code, value


@pytest.mark.parametrize(
    ("layout", "has_gradient", "has_numerator"),
    [("gradient", True, False), ("numerator", False, True), ("both", True, True)],
)
def test_hover_layouts(layout: str, has_gradient: bool, has_numerator: bool) -> None:
    settings = Settings(layout=layout, steps_on_hover=False, numeric_check=False)
    snap, pos = cursor(DOC.replace("f =", "|f ="), settings=settings)
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    value = got.contents.value
    assert ("gradient ∇_x f" in value) == has_gradient
    assert ("numerator layout ∂f/∂x" in value) == has_numerator
    assert "checked numerically" not in value
    assert "product rule" not in value


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    ("marked", "expect", "node"),
    [
        ("x : vector(n)\nA : matrix(n, n)\ng = (xᵀ ∘ xᵀ)*|x", "x: vector n×1", "x"),
        ("x : vector(n)\nA : matrix(n, n)\ng = kron(xᵀ, xᵀ) + (A × x)ᵀ ⊗ |xᵀ", "n×1", "x"),
        ("x : vector(n)\nA : matrix(n, n)\ng = (xᵀ ∘ xᵀ) |* x", "shape scalar", "(xᵀ ∘ xᵀ) * x"),
        (
            "x : vector(n)\nA : matrix(n, n)\ng = xᵀ ∘ xᵀ + |tr(A)*xᵀ",
            "call of shape scalar",
            "tr(A)",
        ),
    ],
)
def test_hover_after_unicode(marked: str, expect: str, node: str, encoding: Encoding) -> None:
    snap, pos = cursor(marked, encoding)
    got = hover(snap, pos)
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    assert expect in got.contents.value
    text = marked.replace("|", "")
    start = text.rindex(node, 0, marked.index("|") + len(node))
    assert got.range == types.Range(
        start=position(text, start, encoding), end=position(text, start + len(node), encoding)
    )


def _actions(text: str, line: int) -> list[types.CodeAction]:
    snap = Snapshot.of(URI, text)
    p = types.Position(line=line, character=0)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(start=p, end=p),
        context=types.CodeActionContext(diagnostics=diagnostics(snap)),
    )
    return code_actions(snap, params)


@pytest.mark.parametrize("var", ["A", "x", "b"])
def test_insert_gradient_is_a_correct_definition(var: str) -> None:
    (action,) = [a for a in _actions(DOC, 3) if a.title == f"Insert gradient of f by {var}"]
    assert action.edit is not None and action.edit.changes is not None
    new = apply_edits(DOC, action.edit.changes[URI])
    env = values(DOC)
    got = evaluate_definition(new, f"grad_f_{var}", env)
    np.testing.assert_allclose(got, gradients(env)[var], rtol=1e-9)


def test_insert_gradient_name_is_fresh() -> None:
    text = DOC + "grad_f_x = x\n"
    (action,) = [a for a in _actions(text, 3) if a.title == "Insert gradient of f by x"]
    assert action.edit is not None and action.edit.changes is not None
    assert action.edit.changes[URI][0].new_text.startswith("\ngrad_f_x_2 = ")


def test_quick_fix_elementwise_power() -> None:
    text = "x : vector(n)\ny = x^2\n"
    fixes = [a for a in _actions(text, 1) if a.kind == types.CodeActionKind.QuickFix]
    assert fixes, "expected a quick fix for x^2 on a vector"
    assert fixes[0].edit is not None and fixes[0].edit.changes is not None
    assert apply_edits(text, fixes[0].edit.changes[URI]) == "x : vector(n)\ny = x.^2\n"


def test_derivative_command_by_value() -> None:
    snap = Snapshot.of(URI, DOC)
    got = derivative(snap, {"name": "f", "wrt": "x", "layout": "gradient", "emit": "numpy"})
    env = values(DOC)
    np.testing.assert_allclose(evaluate(got["text"], env), gradients(env)["x"], rtol=1e-9)
    assert got["shape"] == "n×1"
    numerator = derivative(snap, {"name": "f", "wrt": "x", "layout": "numerator", "emit": "numpy"})
    np.testing.assert_allclose(evaluate(numerator["text"], env), gradients(env)["x"], rtol=1e-9)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"name": "zz", "wrt": "x"}, "not defined"),
        ({"name": "f", "wrt": "q"}, "not a declared variable"),
        ({"name": "f", "wrt": "x", "layout": "sideways"}, "unknown layout"),
        ({"name": "f", "wrt": "x", "emit": "fortran"}, "unknown output form"),
    ],
)
def test_derivative_command_errors(args: dict[str, str], error: str) -> None:
    assert error in derivative(Snapshot.of(URI, DOC), args)["error"]
