"""A real Neovim 0.11 on a Python file of annotated NumPy functions, configured with the
README's init.lua: the shape error lands on the `@`, and the code action on a function's
`def` line inserts `loss_grad`, which runs and returns the known gradient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.editors.helpers import HERE, editor_env, readme_block, run_editor, with_server
from tests.editors.test_neovim import README_CMD, lua_cmd, nvim  # noqa: F401 — the fixture

pytest.importorskip("jaxtyping", reason="the buffer is run, with its jaxtyping annotations")

MODEL = '''"""Models ∂ ⊗."""

import numpy as np
from jaxtyping import Float


def loss(W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "n"],
         b: Float[np.ndarray, "m"]) -> float:
    r = W @ x + b
    return r @ r


def bad(A: Float[np.ndarray, "m n"], y: Float[np.ndarray, "m"]) -> float:
    return np.sum(A @ y)
'''
TITLE = "Insert NumPy gradient function loss_grad"


def test_gradient_function_of_a_numpy_function(nvim: str, tmp_path: Path) -> None:  # noqa: F811
    init = with_server(readme_block("-- ~/.config/nvim/init.lua"), README_CMD, lua_cmd())
    env = editor_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "nvim"
    config.mkdir(parents=True, exist_ok=True)
    (config / "init.lua").write_text(init, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.py").write_text(MODEL, encoding="utf-8")
    lines = MODEL.split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("def loss"))
    args = [nvim, "--headless", "-u", str(config / "init.lua"), "-l",
            str(HERE / "neovim_python.lua"), "model.py", str(row + 1), "5", TITLE]  # fmt: skip
    result = run_editor(args, env, work)

    [diag] = result["diagnostics"]
    bad_row = next(i for i, line in enumerate(lines) if "A @ y" in line)
    assert (diag["lnum"], diag["col"]) == (bad_row, lines[bad_row].index("@"))
    assert diag["message"].startswith("cannot multiply A (m, n) by y (m,)")

    buffer = "\n".join(result["buffer"]) + "\n"
    assert "def loss_grad(W: np.ndarray, x: np.ndarray, b: np.ndarray)" in buffer
    space: dict[str, Any] = {}
    exec(compile(buffer, "model.py", "exec"), space)
    rng = np.random.default_rng(0)
    W, x, b = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(3)
    gW, gx, gb = space["loss_grad"](W, x, b)
    r = W @ x + b
    np.testing.assert_allclose(gW, 2 * np.outer(r, x))
    np.testing.assert_allclose(gx, 2 * W.T @ r)
    np.testing.assert_allclose(gb, 2 * r)
