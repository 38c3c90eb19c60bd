"""A real Neovim 0.11 on a Python file, configured with the README's init.lua (which
attaches matdiff to python buffers): the block's diagnostic lands on its host line and
column, and "Insert NumPy gradient function for loss by W" inserts a function that runs and
returns the known gradient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.editors.helpers import (
    HERE,
    editor_env,
    known_gradient,
    readme_block,
    run_editor,
    sample,
    with_server,
)
from tests.editors.test_neovim import README_CMD, lua_cmd, nvim  # noqa: F401 — the fixture

MODEL = '''"""A model ∂ ⊗."""
import os

# matdiff: W : matrix(m, n); x : vector(n); b : vector(m)
# matdiff: loss = norm2(W*x + b)^2
# matdiff: bad = W*W
SEP = os.sep
'''
TITLE = "Insert NumPy gradient function for loss by W"


def test_gradient_function_into_a_python_file(nvim: str, tmp_path: Path) -> None:  # noqa: F811
    init = with_server(readme_block("-- ~/.config/nvim/init.lua"), README_CMD, lua_cmd())
    env = editor_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "nvim"
    config.mkdir(parents=True, exist_ok=True)
    (config / "init.lua").write_text(init, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.py").write_text(MODEL, encoding="utf-8")
    lines = MODEL.split("\n")
    row = next(i for i, line in enumerate(lines) if "loss =" in line)
    col = len(lines[row][: lines[row].index("loss")].encode("utf-8"))
    args = [nvim, "--headless", "-u", str(config / "init.lua"), "-l",
            str(HERE / "neovim_python.lua"), "model.py", str(row + 1), str(col), TITLE]  # fmt: skip
    result = run_editor(args, env, work)

    assert result["filetype"] == "python"
    [diag] = result["diagnostics"]
    bad_row = next(i for i, line in enumerate(lines) if "bad =" in line)
    star = lines[bad_row].index("*")
    assert (diag["lnum"], diag["col"]) == (bad_row, len(lines[bad_row][:star].encode("utf-8")))
    assert diag["message"].startswith("cannot multiply W (m×n) by W (m×n)")

    buffer = "\n".join(result["buffer"]) + "\n"
    assert "import numpy as np" in buffer
    assert "def grad_loss_W(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:" in buffer
    space: dict[str, Any] = {}
    exec(compile(buffer, "model.py", "exec"), space)
    for seed in range(3):
        data = sample(seed)
        got = space["grad_loss_W"](data["W"], data["x"], data["b"])
        np.testing.assert_allclose(got, known_gradient(data), rtol=1e-10)
