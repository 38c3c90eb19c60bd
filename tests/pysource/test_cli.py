"""``matdiff check|grad`` on Python files with annotated functions, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.test_cli import matdiff

DATA = Path(__file__).resolve().parents[1] / "data" / "python"

MODEL = """\
import torch
from jaxtyping import Float

# matdiff: A : matrix(p, p); z : vector(p)
# matdiff: q = z'*A*z


def loss(W: Float[torch.Tensor, "m n"], x: Float[torch.Tensor, "n"]) -> torch.Tensor:
    return torch.sum(torch.tanh(W @ x))


def looped(x: Float[torch.Tensor, "n"]) -> torch.Tensor:
    return x[0]


def vec(W: Float[torch.Tensor, "m n"], x: Float[torch.Tensor, "n"]) -> torch.Tensor:
    return W @ x
"""


def test_check_reports_errors_and_notes_information_does_not_fail(tmp_path: Path) -> None:
    run = matdiff("check", str(DATA / "buggy.py"))
    assert run.returncode == 1 and run.stderr == ""
    assert "buggy.py:11:11: error: cannot multiply W (m, n) by x (m,)" in run.stdout
    assert ": information: matdiff does not read a for loop" in run.stdout
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    run = matdiff("check", str(path))
    assert run.returncode == 0, run.stdout  # only information: nothing is wrong
    assert run.stdout == f"{path}:13:12: information: matdiff does not read indexing (x[0]); " \
        "no derivative is offered for 'looped'\n"  # fmt: skip


def test_grad_of_a_function_in_its_framework(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    run = matdiff("grad", str(path), "--of", "loss", "--wrt", "W", "--emit", "code")
    assert run.returncode == 0, run.stderr
    assert "torch." in run.stdout and "np." not in run.stdout
    numpy = matdiff("grad", str(path), "--of", "loss", "--wrt", "W", "--emit", "numpy").stdout
    rng = np.random.default_rng(3)
    W, x = rng.standard_normal((3, 2)), rng.standard_normal(2)
    got = eval(numpy, {"np": np, "W": W, "x": x, "m": 3, "n": 2})
    np.testing.assert_allclose(got, np.outer(1 - np.tanh(W @ x) ** 2, x))


def test_grad_refuses_what_it_cannot_read_and_unknown_parameters(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    run = matdiff("grad", str(path), "--of", "looped", "--wrt", "x")
    assert run.returncode == 2 and run.stdout == ""
    assert "'looped' cannot be differentiated: matdiff does not read indexing" in run.stderr
    run = matdiff("grad", str(path), "--of", "loss", "--wrt", "y")
    assert run.returncode == 2
    assert "'y' is not a parameter of 'loss' (its parameters: W, x)" in run.stderr
    run = matdiff("grad", str(path), "--of", "vec", "--wrt", "x")
    assert run.returncode == 2
    assert "'vec' returns an array of shape (m,), not a scalar; gradient needs" in run.stderr
    run = matdiff("diff", str(path), "--of", "vec", "--wrt", "x")
    assert (run.returncode, run.stdout) == (0, "W\n")
    doc = tmp_path / "f.matdiff"
    doc.write_text("x : vector(n)\nf = x'*x\n", encoding="utf-8")
    run = matdiff("grad", str(doc), "--of", "f", "--wrt", "x", "--emit", "code")
    assert run.returncode == 2 and "--emit code is for the functions of a Python file" in run.stderr
