"""LaTeX that holds up (issue 10): every LaTeX output is rendered by KaTeX with
``throwOnError`` and ``strict: "error"`` (``tests/katex/render.mjs``), for every case of the
public corpora in every layout, for generated expressions and for awkward names; and the
name rules of LANGUAGE.md §9 (Greek commands, upright multi-letter names, W1 → W_1).

The KaTeX check needs ``node`` and ``tests/katex/node_modules`` (``cd tests/katex && npm
ci``, which ``.ci/run`` does); without them it is skipped, except under CI=true, where a
missing KaTeX is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from matdiff.api import MatdiffError
from matdiff.engine import expr as E
from matdiff.engine.printer import latex_name, to_latex, to_text
from matdiff.engine.shape import SCALAR, Dim, Shape
from matdiff.services.derivatives import derivation
from tests.engine.test_properties import Example, _derive, examples

KATEX = Path(__file__).resolve().parents[1] / "katex"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"  # the copy, with its source


def _katex_available() -> None:
    node = shutil.which("node")
    have = node is not None and (KATEX / "node_modules" / "katex").is_dir()
    if have:
        return
    why = "no node on PATH" if node is None else f"no {KATEX / 'node_modules'} (npm ci there)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"KaTeX check cannot run under CI: {why}")
    pytest.skip(why)


def katex_failures(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Render (id, latex) pairs with KaTeX; the failures, each with its error."""
    _katex_available()
    payload = "".join(json.dumps({"id": i, "latex": t}) + "\n" for i, t in items)
    out = subprocess.run(
        ["node", str(KATEX / "render.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    failures = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert out.returncode == (1 if failures else 0), out.stderr
    assert f"{len(items)} rendered" in out.stderr, out.stderr  # every item was read
    return failures


def _readability_document(case: dict[str, Any]) -> str:
    lines = []
    props = case.get("properties") or {}
    for name, dims in case["declarations"].items():
        kind = (
            "scalar"
            if not dims
            else f"vector({dims[0]})"
            if len(dims) == 1
            else f"matrix({dims[0]}, {dims[1]})"
        )
        extra = props.get(name, "")
        extra = " ".join(extra) if isinstance(extra, list) else extra
        lines.append(f"{name} : {kind} {extra}".rstrip())
    return "\n".join(lines) + f"\nf = {case['expression']}\n"


def corpus_cases() -> list[tuple[str, str, str, str]]:
    """(id, document, of, wrt) of every case of tutorial.json and readability.json."""
    out: list[tuple[str, str, str, str]] = []
    tutorial, readability = CORPUS / "tutorial.json", CORPUS / "readability.json"
    for c in json.loads(tutorial.read_text()):
        out.append((c["id"], c["document"], c["of"], c["wrt"]))
    for c in json.loads(readability.read_text()):
        out.append((c["id"], _readability_document(c), "f", c["wrt"]))
    return out


def test_every_corpus_latex_output_renders_in_katex() -> None:
    cases = corpus_cases()
    assert cases, f"no corpus at {CORPUS}"
    items: list[tuple[str, str]] = []
    for id_, document, of, wrt in cases:
        for kind in ("gradient", "numerator", "hessian"):
            try:
                d = derivation(document, of, wrt, kind)  # type: ignore[arg-type]
            except MatdiffError:
                continue  # e.g. no gradient of a matrix: that layout does not exist
            items.append((f"{id_}/{kind}", d.emit("latex")))
    assert len(items) >= 2 * len(cases)
    assert katex_failures(items) == []


def test_generated_latex_renders_in_katex() -> None:
    items: list[tuple[str, str]] = []

    @settings(max_examples=150, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(examples())
    def collect(ex: Example) -> None:
        try:
            d = _derive(ex)
        except MatdiffError:
            return
        items.append((ex.document.splitlines()[-1] + f" by {ex.wrt} ({ex.kind})", d.emit("latex")))

    collect()
    assert len(items) > 50
    assert katex_failures(items) == []


def _names_expression() -> E.Expr:
    """Every kind of name, under every superscript: Greek, upright, numbered, underscored."""
    n = Dim.of("n")
    sq = Shape(n, n)
    mats = [E.var(name, sq) for name in ("Σ", "W1", "W12", "lam", "x_1", "μ0", "Σx", "é", "ℓ")]
    lam, alpha = E.var("λ", SCALAR), E.var("alpha", SCALAR)
    terms: list[E.Expr] = []
    for M in mats:
        terms += [
            E.transpose(M),
            E.transpose(E.inv(M)),
            E.inv(E.mul(M, E.transpose(mats[0]))),
            E.transpose(E.matpow(M, 3)),
            E.epow(E.transpose(M), E.num(2)),
            E.transpose(E.epow(M, E.num(Fraction(-1, 2)))),
            E.mul(lam, alpha, E.differential(M)),
        ]
    return E.add(*terms)


def test_names_and_scripts_render_in_katex() -> None:
    latex = to_latex(_names_expression())
    assert "^{-1}^" not in latex and "}^\\top^" not in latex
    assert katex_failures([("names", latex)]) == []


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("x", "x"),
        ("λ", "\\lambda"),
        ("Σ", "\\Sigma"),
        ("alpha", "\\alpha"),
        ("lam", "\\mathrm{lam}"),
        ("W1", "W_1"),
        ("W12", "W_{12}"),
        ("x_1", "x_1"),
        ("μ0", "\\mu_0"),
        ("W_in", "\\mathrm{W\\_in}"),
    ],
)
def test_names_in_latex(name: str, latex: str) -> None:
    assert latex_name(name) == latex


def test_superscripts_on_scripted_bases_are_braced() -> None:
    n = Dim.of("n")
    X, W1 = E.var("X", Shape(n, n)), E.var("W1", Shape(n, n))
    assert to_latex(E.transpose(E.inv(X))) == "X^{-\\top}"
    assert to_text(E.transpose(E.inv(X))) == "X⁻ᵀ"
    assert to_latex(E.transpose(W1)) == "{W_1}^\\top"
    assert to_latex(E.epow(E.transpose(X), E.num(2))) == "{X^\\top}^{\\circ 2}"
    assert to_latex(E.transpose(E.matpow(X, 2))) == "\\left(X^{2}\\right)^\\top"
    assert to_text(E.transpose(E.matpow(X, 2))) == "(X²)ᵀ"


def test_the_katex_checker_catches_a_double_superscript() -> None:
    """The checker itself fails on what it must reject (so a pass means something)."""
    failures = katex_failures([("bad", "X^{-1}^\\top"), ("good", "X^{-\\top}")])
    assert [f["id"] for f in failures] == ["bad"]
    assert "Double superscript" in failures[0]["error"]
