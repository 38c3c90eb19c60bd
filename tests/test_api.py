"""The Python API and the derivative commands of the CLI (LANGUAGE.md §7–8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matdiff

LSQ = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\n"


def test_grad_numpy_is_one_expression_with_1d_vectors() -> None:
    code = matdiff.grad(LSQ, of="loss", wrt="W", emit="numpy")
    rng = np.random.default_rng(0)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    got = eval(code, {"np": np, "W": W, "x": x, "b": b, "m": 3, "n": 2})
    np.testing.assert_allclose(got, 2 * np.outer(W @ x + b, x))


def test_numerator_gradient_by_vector_is_1d() -> None:
    code = matdiff.diff(LSQ, of="loss", wrt="x", emit="numpy")
    rng = np.random.default_rng(1)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    got = eval(code, {"np": np, "W": W, "x": x, "b": b, "m": 3, "n": 2})
    assert got.shape == (2,)
    np.testing.assert_allclose(got, 2 * (W @ x + b) @ W)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: matdiff.grad(LSQ, of="nope", wrt="W"), "'nope' is not defined"),
        (lambda: matdiff.grad(LSQ, of="loss", wrt="Q"), "'Q' is not a declared variable"),
        (lambda: matdiff.grad(LSQ, of="W", wrt="x"), "'W' is a variable"),
        (lambda: matdiff.grad(LSQ + "r = W*x\n", of="r", wrt="x"), "not a scalar"),
        (lambda: matdiff.grad(LSQ, of="loss", wrt="W", emit="fortran"), "unknown output form"),
    ],
)
def test_bad_requests_raise_matdiff_error(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(matdiff.MatdiffError, match=message):
        call()


def test_errors_in_the_definition_carry_their_position() -> None:
    with pytest.raises(matdiff.MatdiffError) as info:
        matdiff.grad("x : vector(n)\nf = x*x\n", of="f", wrt="x")
    assert (info.value.line, info.value.column) == (2, 6)
    assert "cannot multiply" in info.value.message


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matdiff", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_cli_grad_with_steps(tmp_path: Path) -> None:
    doc = tmp_path / "lsq.matdiff"
    doc.write_text(LSQ)
    out = _run("grad", str(doc), "--of", "loss", "--wrt", "W", "--steps", "--emit", "dsl")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("dloss = d(")
    assert any("eq. (12)" in line for line in lines)
    assert any("s = tr(s)" in line for line in lines)  # issue 10: not the user's x
    assert lines[-1] == "2*(W*x + b)*x'"


@pytest.mark.parametrize(
    "args",
    [
        ("grad", "{doc}", "--of", "loss"),  # missing --wrt
        ("grad", "{doc}", "--of", "loss", "--wrt", "zz"),
        ("hessian", "{missing}", "--of", "loss", "--wrt", "x"),
        ("diff", "{doc}", "--of", "loss", "--wrt", "x", "--emit", "cobol"),
    ],
)
def test_cli_derivative_errors_are_one_line_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    doc = tmp_path / "lsq.matdiff"
    doc.write_text(LSQ)
    argv = [a.format(doc=doc, missing=tmp_path / "missing.matdiff") for a in args]
    out = _run(*argv)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stdout == ""
    assert [line for line in out.stderr.splitlines() if line.startswith("matdiff: error")]


def test_a_derivation_past_its_time_budget_stops_with_a_message() -> None:
    from matdiff.services.derivatives import derivation

    doc = "X : matrix(n, n)\nf = tr(X^40)*logdet(X)\n"
    with pytest.raises(matdiff.MatdiffError, match="took too long"):
        derivation(doc, "f", "X", "hessian", seconds=0.0)


def test_derivations_survive_the_engine_forgetting_its_nodes() -> None:
    from matdiff.analysis import analyze
    from matdiff.engine import expr as E
    from matdiff.services.derivatives import derivation

    model = analyze(LSQ)
    first = derivation(model, "loss", "W", "gradient").emit("dsl")
    E.clear_cache()  # nodes cached with the model's lowering are stale now
    assert derivation(model, "loss", "W", "gradient").emit("dsl") == first


@pytest.mark.parametrize(
    ("document", "wrt"),
    [
        ("x : vector(n)\nf = sum(log(x)) + sum(sqrt(x)) + sum(arcsin(x))\n", "x"),
        ("S : matrix(n, n); c : scalar\nf = sum(S.^c) + c^c\n", "c"),
        ("A, B : matrix(m, n)\nf = sum(A + B - A)\n", "A"),  # f does not mention A at all
    ],
)
def test_the_numeric_check_confirms_results_on_restricted_domains(document: str, wrt: str) -> None:
    from matdiff.services.derivatives import derivation

    assert derivation(document, "f", wrt, "gradient").verified()


def test_the_numeric_check_rejects_a_wrong_result() -> None:
    from matdiff.analysis import analyze
    from matdiff.analysis.lower import Lowering
    from matdiff.numeric import verify

    model = analyze("x : vector(n); A : matrix(n, n)\nf = x'*A*x\nwrong = A*x\n")
    lowering = Lowering(model)
    f, wrong = lowering.definition("f"), lowering.definition("wrong")
    assert not verify.verify(f, lowering.variable(model.symbols["x"]), wrong, "gradient")
