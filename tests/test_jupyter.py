"""Notebooks: ``matdiff.derive``, the ``%%matdiff`` cell magic, and a real notebook run.

``tests/data/notebooks/demo.ipynb`` is executed by nbclient in a real IPython kernel
(ipykernel, started from this test's Python with a kernel spec written to a temporary
directory); its outputs are checked: display math (``text/latex``) equal to what
``matdiff.derive`` gives, whose NumPy line is checked against finite differences; the
steps as aligned LaTeX naming their identities; the error cell's line; no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matdiff
from matdiff import MatdiffError, derive
from matdiff.jupyter import cell_outputs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "data" / "notebooks" / "demo.ipynb"
LSQ = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2"
GAUSS = (
    "S : matrix(n, n) spd; x, mu : vector(n)\nnll = 0.5*logdet(S) + 0.5*(x - mu)'*inv(S)*(x - mu)"
)


def numeric_gradient(f: Any, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    G = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[i] = h
        G[i] = (f(X + E) - f(X - E)) / (2 * h)
    return G


def evaluate(code: str, env: dict[str, Any]) -> np.ndarray:
    return np.asarray(eval(code, {"np": np}, dict(env)))  # the emitted NumPy line


def lsq_env(rng: np.random.Generator) -> dict[str, Any]:
    m, n = 4, 3
    return {"W": rng.normal(size=(m, n)), "x": rng.normal(size=n), "b": rng.normal(size=m),
            "m": m, "n": n}  # fmt: skip


def test_derive_result_object() -> None:
    r = derive(LSQ, of="loss", wrt="W")
    assert (r.of, r.wrt, r.kind) == ("loss", "W", "gradient")
    assert r.text == matdiff.grad(LSQ, of="loss", wrt="W")
    assert r.dsl == matdiff.grad(LSQ, of="loss", wrt="W", emit="dsl")
    assert r.latex == matdiff.grad(LSQ, of="loss", wrt="W", emit="latex")
    # the same steps as --steps prints; --steps then heads the result and prints it once
    printed = matdiff.grad(LSQ, of="loss", wrt="W", steps=True).splitlines()
    assert list(r.steps[:-1]) == printed[:-2] and printed[-1] == r.text
    assert r.steps[-1].startswith("∇_W loss = ") and r.text in r.steps[-1]
    assert r.verified is True
    assert r._repr_latex_() == f"$$\n\\nabla_{{W}} \\mathrm{{loss}} = {r.latex}\n$$"
    md = r._repr_markdown_()
    assert r._repr_latex_() in md and "```python\n" in md and r.numpy in md
    env = lsq_env(np.random.default_rng(0))
    want = numeric_gradient(lambda W: np.sum((W @ env["x"] + env["b"]) ** 2), env["W"])
    np.testing.assert_allclose(evaluate(r.numpy, env), want, rtol=1e-6, atol=1e-8)
    # the aligned derivation: one step a line, each naming its identity
    lines = r.steps_latex.splitlines()
    assert lines[0] == "\\begin{aligned}" and lines[-1] == "\\end{aligned}"
    assert "product rule" in r.steps_latex and "trace cycling" in r.steps_latex
    body = lines[1:-1]  # one step a line: `lhs &= step && \text{identity}`, joined by \\
    assert len(body) >= 5 and all("&= " in line for line in body)
    assert all(line.endswith(" \\\\") for line in body[:-1]) and body[-1].endswith("}")
    assert body[0].startswith("\\mathrm{d}\\mathrm{loss} &= ")
    assert body[-1] == f"{r.equation.replace(' = ', ' &= ', 1)} && \\text{{gradient}}"
    assert str(r) == r.text


def test_derive_defaults_and_kinds() -> None:
    r = derive("x : vector(n); A : matrix(n, n); f = x'*A*x", wrt="x")
    assert r.text == "(A + Aᵀ)x"
    num = derive("x : vector(n); A : matrix(n, n); f = x'*A*x", wrt="x", kind="numerator")
    assert num.equation.startswith("\\frac{\\partial f}{\\partial x} = ")
    h = derive("x : vector(n); A : matrix(n, n); f = x'*A*x", wrt="x", kind="hessian")
    assert h.text == "A + Aᵀ" and h.equation.startswith("\\nabla^2_{x} f")
    assert derive("y : vector(n); f = sum(exp(y))").wrt == "y"  # its one variable
    with pytest.raises(MatdiffError, match=r"name the variable.*\(W, x, b\)"):
        derive(LSQ)
    with pytest.raises(MatdiffError, match="unknown kind"):
        derive(LSQ, wrt="W", kind="jacobian")
    with pytest.raises(MatdiffError, match="not a scalar"):
        derive("W : matrix(m, n); x : vector(n); y = W*x", wrt="x")


def test_cell_outputs_diagnostics_show_their_line() -> None:
    cell = "A : matrix(m, n); B : matrix(m, n)\nC = A*B\nf = tr(A'*A)\n"
    out = cell_outputs("", cell)
    errors = [o.data["text/plain"] for o in out if o.kind == "stderr"]
    assert errors == [
        "line 3: cannot multiply A (m×n) by B (m×n): inner dimensions n and m differ\n"
        "    C = A*B\n"
        "         ^\n"
    ]
    latex = [o.data["text/latex"] for o in out if "text/latex" in o.data]
    assert latex == [f"$$\n{derive(cell, 'f', 'A').equation}\n$$"]


def test_cell_outputs_options() -> None:
    both = cell_outputs("--layout both --wrt x", GAUSS)
    latex = [o.data["text/latex"] for o in both if "text/latex" in o.data]
    assert latex == [
        f"$$\n{derive(GAUSS, 'nll', 'x', kind).equation}\n$$" for kind in ("gradient", "numerator")
    ]
    numerator = cell_outputs("--layout=numerator --of nll --wrt mu,S", GAUSS)
    latex = [o.data["text/latex"] for o in numerator if "text/latex" in o.data]
    assert [x.split(" = ")[0] for x in latex] == [
        "$$\n\\frac{\\partial \\mathrm{nll}}{\\partial \\mathrm{mu}}",
        "$$\n\\frac{\\partial \\mathrm{nll}}{\\partial S}",
    ]
    bad = cell_outputs("--layout sideways", GAUSS)
    assert [o.kind for o in bad] == ["stderr"]
    assert "invalid choice: 'sideways'" in bad[0].data["text/plain"]
    missing = cell_outputs("--of nothing --wrt S", GAUSS)
    assert missing[0].data["text/plain"] == "--of nothing: no definition 'nothing' in the cell\n"
    assert cell_outputs("", "x : vector(n)")[0].data["text/plain"].startswith("%%matdiff: no")


def test_import_matdiff_does_not_import_ipython() -> None:
    code = "import sys, matdiff; assert 'IPython' not in sys.modules, 'IPython imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the notebook, run by nbclient in a real kernel -----------------------------------


def execute_notebook(tmp: Path) -> Any:
    """demo.ipynb executed by nbclient in a real ipykernel (this Python, this source tree)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    spec = tmp / "kernels" / "matdiff-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "matdiff test",
                "language": "python",
                "env": {"PYTHONPATH": str(ROOT / "server"), "IPYTHONDIR": str(tmp / "ipython")},
            }
        )
    )
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(tmp))
    mp.setenv("JUPYTER_RUNTIME_DIR", str(tmp / "runtime"))
    mp.setenv("JUPYTER_DATA_DIR", str(tmp / "data"))
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = nbclient.NotebookClient(
            nb, kernel_name="matdiff-test", timeout=120, resources={"metadata": {"path": tmp}}
        )
        client.execute()
    finally:
        mp.undo()
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return execute_notebook(tmp_path_factory.mktemp("jupyter"))


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def latex_outputs(cell: Any) -> list[str]:
    return [o["data"]["text/latex"] for o in cell.outputs if "text/latex" in o.get("data", {})]


def test_notebook_has_no_errors_or_tracebacks(executed: Any) -> None:
    for cell in code_cells(executed):
        for o in cell.outputs:
            assert o.output_type != "error", o
            assert "Traceback" not in json.dumps(o), o


def test_notebook_gradient_and_steps(executed: Any) -> None:
    cell = code_cells(executed)[1]
    assert cell.source.startswith("%%matdiff --steps --of loss --wrt W")
    r = derive(LSQ, of="loss", wrt="W")
    latex = latex_outputs(cell)
    assert latex == [f"$$\n{r.steps_latex}\n$$", f"$$\n{r.equation}\n$$"]
    steps = latex[0]
    assert steps.count("\\\\\n") == steps.count("&= ") - 1  # one step a line
    assert "&& \\text{product rule, eqs. (10), (11)}" in steps
    markdown = [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o["data"]]
    assert len(markdown) == 1 and f"\n{r.numpy}\n" in markdown[0]
    assert "checked by finite differences" in markdown[0]
    env = lsq_env(np.random.default_rng(1))
    want = numeric_gradient(lambda W: np.sum((W @ env["x"] + env["b"]) ** 2), env["W"])
    np.testing.assert_allclose(evaluate(r.numpy, env), want, rtol=1e-6, atol=1e-8)


def test_notebook_both_layouts(executed: Any) -> None:
    cell = code_cells(executed)[2]
    assert cell.source.startswith("%%matdiff --layout both --wrt x\n")
    want = [f"$$\n{derive(GAUSS, 'nll', 'x', k).equation}\n$$" for k in ("gradient", "numerator")]
    assert latex_outputs(cell) == want
    # the gradient by x, by value: S⁻¹(x − μ)
    rng = np.random.default_rng(2)
    n = 3
    M = rng.normal(size=(n, n))
    env = {"S": M @ M.T + n * np.eye(n), "x": rng.normal(size=n), "mu": rng.normal(size=n), "n": n}

    def nll(x: np.ndarray) -> float:
        S, mu = env["S"], env["mu"]
        return float(0.5 * np.linalg.slogdet(S)[1] + 0.5 * (x - mu) @ np.linalg.solve(S, x - mu))

    got = evaluate(derive(GAUSS, "nll", "x").numpy, env)
    np.testing.assert_allclose(got, numeric_gradient(nll, env["x"]), rtol=1e-6, atol=1e-8)


def test_notebook_error_cell_shows_its_line(executed: Any) -> None:
    cell = code_cells(executed)[3]
    streams = [o for o in cell.outputs if o.output_type == "stream"]
    assert [s.name for s in streams] == ["stderr"]
    assert streams[0].text.startswith(
        "line 3: cannot multiply A (m×n) by B (m×n): inner dimensions n and m differ\n    C = A*B\n"
    )
    cell_text = "A : matrix(m, n); B : matrix(m, n)\nC = A*B\nf = tr(A'*A)"
    assert latex_outputs(cell) == [f"$$\n{derive(cell_text, 'f', 'A').equation}\n$$"]


def test_notebook_derive_repr(executed: Any) -> None:
    cell, printed = code_cells(executed)[4], code_cells(executed)[5]
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    r = derive("x : vector(n); A : matrix(n, n); f = x'*A*x", wrt="x")
    assert result["data"]["text/latex"] == r._repr_latex_()
    assert result["data"]["text/markdown"] == r._repr_markdown_()
    assert printed.outputs[0].text == f"{r.numpy}\nTrue\n"


def test_magic_never_shows_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("IPython")
    from matdiff import jupyter

    def broken(line: str, cell: str) -> list[Any]:
        raise RecursionError("deep")

    monkeypatch.setattr(jupyter, "cell_outputs", broken)
    jupyter.matdiff_magic("", "x : vector(n)\nf = x'*x")
    err = capsys.readouterr().err
    assert err == "%%matdiff: internal error (RecursionError: deep)\n"


def test_steps_are_computed_when_asked() -> None:
    r = derive(LSQ, of="loss", wrt="x")
    assert "steps" not in r.__dict__
    assert r.steps[-1] == r.conclusion and r.steps_latex.startswith("\\begin{aligned}")
    assert "steps" in r.__dict__


def test_step_left_sides_in_latex() -> None:
    from matdiff.services.latex import _lhs_words

    assert _lhs_words("d\\mathrm{loss}") == "\\mathrm{d}\\mathrm{loss}"
    assert _lhs_words("d vec X") == "\\mathrm{d} \\operatorname{vec} X"
    assert _lhs_words("d²f") == "\\mathrm{d}^{2}f"
    assert _lhs_words("∇_{x} f") == "\\nabla _{x} f"
    assert _lhs_words("d(∇_{x} f)") == "\\mathrm{d}(\\nabla _{x} f)"
