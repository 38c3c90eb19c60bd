"""Steps a reader can follow (issue 10), checked on their structure:

- no line repeats the one before, no ``tr(tr(``, every rewrite names its identity in
  brackets, the scalar-trace rule is worded "a scalar equals its trace: s = tr(s)" (never the
  user's x);
- the first line is the definition as written (``dloss = d(‖Wx + b‖²)``), then the
  identity that expands it;
- ``hessian --steps`` goes on to the second differential (d²f = dxᵀ H dx);
- a Jacobian reads ``d vec F = J d vec X``;
- with ``--steps`` the CLI prints the result once;
- text may name a repeated part (``… where r = …``) with a name the document does not use,
  and the named form means the same (checked by value).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import matdiff
from matdiff.api import MatdiffError
from matdiff.engine import derive
from matdiff.engine import expr as E
from matdiff.engine.printer import name_repeated, to_text, to_text_where
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.derivatives import derivation
from tests.engine.helpers import close
from tests.engine.test_properties import Example, _derive, examples

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "corpus" / "tutorial.json"  # the copy, with its source
LSQ = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\n"
GAUSS = """\
x : vector(n); mu : vector(n); S : matrix(n, n) spd
f = -0.5*(x - mu)'*inv(S)*(x - mu) - 0.5*logdet(S)
"""
DOCS = [
    (LSQ, "loss", "W", "gradient"),
    (LSQ, "loss", "x", "hessian"),
    (LSQ, "loss", "W", "hessian"),
    ("X : matrix(n, n); A : matrix(n, n)\nf = tr(inv(X)*A*X)\n", "f", "X", "gradient"),
    ("X : matrix(n, n)\nf = tr(X*X)\n", "f", "X", "gradient"),
    ("X, A : matrix(n, n)\nf = det(X)*tr(A*X)\n", "f", "X", "gradient"),
    ("x : vector(n); A : matrix(n, n)\nf = tr(A)*x'*x + det(A)*x'*A*x\n", "f", "x", "gradient"),
    ("X : matrix(n, n)\nf = log(det(X))\n", "f", "X", "hessian"),
    ("x : vector(n); s : scalar\nf = s^3*x'*x\n", "f", "s", "hessian"),
    (GAUSS, "f", "S", "gradient"),
    ("A : matrix(p, n); X : matrix(n, m); B : matrix(m, q)\nf = A*X*B\n", "f", "X", "numerator"),
    ("X : matrix(n, n)\nf = X'*X\n", "f", "X", "numerator"),
]


def _tutorial() -> list[tuple[str, str, str, str]]:
    out = []
    for c in json.loads(CORPUS.read_text()):
        for answer, kind in (("gradient", "gradient"), ("numerator", "numerator"),
                             ("vec_jacobian", "numerator"), ("hessian", "hessian")):  # fmt: skip
            if answer in c:
                out.append((c["document"], c["of"], c["wrt"], kind))
    return out


BODY = re.compile(r"^(?P<lead>\S.*? = |\s+= )(?P<body>.*?)(?:\s{3}\[(?P<rule>.*)\])?$")


def check_structure(lines: list[str]) -> None:
    """The rules every derivation shown to a reader keeps."""
    text = "\n".join(lines)
    assert "tr(tr(" not in text, text
    assert "x = tr(x)" not in text, text
    previous = None
    for line in lines[:-1]:  # the last line is the conclusion
        m = BODY.match(line)
        assert m is not None, (line, text)
        body = m["body"].strip()
        starts = not m["lead"].startswith(" ")
        assert starts or body != previous, f"repeated line {line!r}\n{text}"
        if not starts or (m["rule"] is not None):
            assert m["rule"], f"a rewrite without its identity: {line!r}\n{text}"
        if m["rule"] and "tr(s)" in m["rule"]:
            assert m["rule"] == derive.SCALAR_TRACE
        previous = body


@pytest.mark.parametrize(("document", "of", "wrt", "kind"), DOCS + _tutorial())
def test_steps_read_cleanly(document: str, of: str, wrt: str, kind: str) -> None:
    d = derivation(document, of, wrt, kind)  # type: ignore[arg-type]
    lines = d.steps()
    check_structure(lines)
    assert lines[0].startswith(f"d{of} = d(")


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(examples())
def test_generated_steps_read_cleanly(ex: Example) -> None:
    try:
        d = _derive(ex)
        lines = d.steps()
    except (MatdiffError, E.EngineError):
        return
    check_structure(lines)


def test_the_first_line_is_the_definition_as_written() -> None:
    lines = derivation(LSQ, "loss", "W", "gradient").steps()
    assert lines[0] == "dloss = d(‖Wx + b‖²)"
    assert lines[1].split("   [")[0].strip() == "= d((Wx + b)ᵀ(Wx + b))"
    assert lines[1].endswith("[‖x‖² = xᵀx]")
    # without a norm there is nothing to rewrite: the first line is the definition itself
    lines = derivation(GAUSS, "f", "S", "gradient").steps()
    assert lines[0].startswith("df = d(") and "   [" not in lines[0]
    assert "[d(X + Y) = dX + dY, eq. (9)]" in lines[1]


def test_the_scalar_trace_rule_and_trace_cycling_are_named() -> None:
    lines = derivation(LSQ, "loss", "W", "gradient").steps()
    assert any(line.endswith("[a scalar equals its trace: s = tr(s)]") for line in lines)
    assert any("tr(2x(Wx + b)ᵀdW)" in line and "trace cycling" in line for line in lines)
    # cycling with a symmetric matrix says so
    gauss = derivation(GAUSS, "f", "S", "gradient").steps()
    assert any("trace cycling" in line and "Sᵀ = S" in line for line in gauss), gauss


def test_sigma_built_from_exp_is_named() -> None:
    """A step in which 1/(1 + eᵘ) or eᵘσ(−u) is built as σ names the identity (the
    constructors do it silently); softplus' = σ needs no such note."""
    doc = "X : matrix(N, n); w : vector(n)\n"
    out = matdiff.grad(doc + "f = sum(log(ones(N) + exp(X*w)))\n", of="f", wrt="w", steps=True)
    assert derive.SIGMOID_FROM_EXP in out, out
    out = matdiff.grad(doc + "f = sum(softplus(X*w))\n", of="f", wrt="w", steps=True)
    assert derive.SIGMOID_FROM_EXP not in out, out


def test_hessian_steps_show_the_second_differential() -> None:
    lines = derivation(LSQ, "loss", "x", "hessian").steps()
    text = "\n".join(lines)
    assert any(line.startswith("∇_x loss = 2Wᵀ(Wx + b)") for line in lines), text
    assert any(line.startswith("d(∇_x loss) = d(2Wᵀ(Wx + b))") for line in lines), text
    d2 = [line for line in lines if line.startswith("d²loss = ")]
    assert len(d2) == 1 and d2[0].startswith("d²loss = dxᵀ(2WᵀW)dx"), text
    assert lines[-1].startswith("∇²_x loss = 2WᵀW")
    by_matrix = derivation(LSQ, "loss", "W", "hessian").steps()
    assert any(line.startswith("d vec(∇_W loss) = ") for line in by_matrix), by_matrix
    assert any(line.startswith("d²loss = d vec(W)ᵀ") for line in by_matrix), by_matrix
    # by a structured matrix the Hessian is projected, and the last step says so
    spd = "S : matrix(n, n) spd; A : matrix(n, n)\nf = tr(A*S*S)\n"
    lines = derivation(spd, "f", "S", "hessian").steps()
    assert any("S is symmetric: H = ΠJΠ, Π = (I + K)/2" in line for line in lines), lines


def test_a_jacobian_step_reads_d_vec_f_equals_j_d_vec_x() -> None:
    doc = "A : matrix(p, n); X : matrix(n, m); B : matrix(m, q)\nF = A*X*B\n"
    lines = derivation(doc, "F", "X", "numerator").steps()
    assert any(line.startswith("d vec F = (Bᵀ ⊗ A) d vec X   [vec(A dX B)") for line in lines)
    lines = derivation("X : matrix(n, n)\nF = X'\n", "F", "X", "numerator").steps()
    assert any(line.startswith("d vec F = ") and "K vec dX" in line for line in lines), lines


def test_the_cli_prints_the_result_once(tmp_path: Path) -> None:
    doc = tmp_path / "lsq.matdiff"
    doc.write_text(LSQ)
    for emit, result in (("text", "2(Wx + b)xᵀ"), ("dsl", "2*(W*x + b)*x'")):
        out = subprocess.run(
            [sys.executable, "-m", "matdiff", "grad", str(doc), "--of", "loss", "--wrt", "W",
             "--steps", "--emit", emit],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        lines = out.stdout.splitlines()
        assert lines[-1] == result
        assert sum(result in line for line in lines) == 1, out.stdout
        assert lines[-2] == "∇_W loss   (gradient, shaped like W: m×n):"
    assert matdiff.grad(LSQ, "loss", "W", steps=True).count("2(Wx + b)xᵀ") == 1


TWO_LAYER = """\
W1 : matrix(h, n); W2 : matrix(m, h); x : vector(n); t : vector(m); r : vector(h)
f = 0.5*norm2(W2*tanh(W1*x) - t)^2
"""


def test_text_names_a_repeated_part_with_a_fresh_name() -> None:
    d = derivation(TWO_LAYER, "f", "W1", "gradient")
    conclusion = d.steps()[-1]
    # r is the document's: the part tanh(W1·x), used twice, is called u
    assert ", where u = tanh(W1·x)" in conclusion, conclusion
    assert conclusion.count("tanh(") == 1
    assert "where" not in to_text(d.result)


def _restored(short: E.Expr, named: list[tuple[str, E.Expr]]) -> E.Expr:
    for name, part in reversed(named):
        stand_in = next(n for n in E.walk(short) if isinstance(n, E.Var) and n.name == name)
        short = E.substitute(short, {stand_in: part})
    return short


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(examples())
def test_named_parts_mean_the_same(ex: Example) -> None:
    try:
        d = _derive(ex)
    except MatdiffError:
        return
    short, named = name_repeated(d.result, {"r", "u"})
    names = [n for n, _ in named]
    assert not {"r", "u"} & set(names)
    assert len(set(names)) == len(names)
    for name, _ in named:
        assert all(not (isinstance(n, E.Var) and n.name == name) for n in E.walk(d.result))
    if not named:
        assert to_text_where(d.result) == to_text(d.result)
        return
    assert ", where " in to_text_where(d.result, {"r", "u"})
    back = _restored(short, named)
    rng = np.random.default_rng(ex.seed)
    env: dict[str, Any] = verify.environment([d.f, d.result], rng)
    with np.errstate(all="ignore"):
        want, got = evaluate(d.result, env), evaluate(back, env)
    if np.all(np.isfinite(want)):
        close(got, want, rtol=1e-9)
