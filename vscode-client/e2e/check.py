"""Check what the end-to-end test read out of VS Code, by value, with the matdiff package.

    python check.py HOVER_TEXT_FILE SAVED_DOCUMENT PANEL_TEXT_FILE PYTHON_HOVER_TEXT_FILE

The hover's NumPy line for the gradient by W must evaluate to the known gradient, and the
document saved after "Insert gradient of loss by W" must hold a `grad_loss_W = …` line that,
re-analysed and evaluated by matdiff, is that gradient; so must the NumPy line of the
"Show derivative" panel.  The hover on the annotated NumPy function `loss` of
least_squares.py must show, by each of W, x and b, a NumPy line that evaluates to the central
differences of that function itself, run in NumPy.  The checks are the real-editor
tests' own (tests/editors/helpers.py), so VS Code is held to what Neovim and Emacs are.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from tests.editors.helpers import (  # noqa: E402
    DOCUMENT,
    MISMATCH,
    check_hover_numpy,
    check_inserted_gradient,
    known_gradient,
    python_lines,
    sample,
    section,
)

FUNCTIONS = Path(__file__).resolve().parent / "least_squares.py"
# The shape error of least_squares.py's `bad`, as the squiggle's hover must say it.
FUNCTION_MISMATCH = "cannot multiply A (m, n) by y (m,): inner dimensions n and m differ"


def central_differences(f: Any, env: dict[str, Any], wrt: str, h: float = 1e-6) -> Any:
    """∂f/∂env[wrt] entry by entry, by central differences of ``f(**env)``."""
    out = np.zeros_like(env[wrt])
    for i in np.ndindex(*env[wrt].shape):
        step = np.zeros_like(env[wrt])
        step[i] = h
        plus = f(**{**env, wrt: env[wrt] + step})
        minus = f(**{**env, wrt: env[wrt] - step})
        out[i] = (plus - minus) / (2 * h)
    return out


def check_function_hover(hover: str) -> list[str]:
    """Each gradient of the hover on `loss`, by W, x and b, is one NumPy line equal to the
    central differences of least_squares.py's own `loss`, run in NumPy."""
    space: dict[str, Any] = {}
    exec(compile(FUNCTIONS.read_text(encoding="utf-8"), str(FUNCTIONS), "exec"), space)
    loss = space["loss"]
    assert "read by matdiff (NumPy)" in hover, hover
    found = []
    for wrt, after in [("W", "∇_x loss"), ("x", "∇_b loss"), ("b", "\0")]:  # "\0": to the end
        part = section(hover, f"∇_{wrt} loss", after)
        lines = python_lines(part)
        assert len(lines) == 1, f"expected one NumPy line under ∇_{wrt} loss, got {lines}\n{part}"
        for seed in range(3):
            env = sample(seed)
            got = eval(lines[0], {"np": np, **env})
            want = central_differences(loss, env, wrt)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        found.append(lines[0])
    return found


def main() -> int:
    if sys.argv[1:2] == ["--document"]:
        sys.stdout.write(DOCUMENT)
        return 0
    if sys.argv[1:2] == ["--mismatch"]:
        sys.stdout.write(MISMATCH)
        return 0
    if sys.argv[1:2] == ["--function-mismatch"]:
        sys.stdout.write(FUNCTION_MISMATCH)
        return 0
    hover = Path(sys.argv[1]).read_text(encoding="utf-8")
    saved = Path(sys.argv[2]).read_text(encoding="utf-8")
    line = check_hover_numpy(hover, "by W", "by x")
    print(f"hover NumPy line evaluates to the known gradient: {line}")
    check_inserted_gradient(saved)
    inserted = saved.split("\n")[2]
    print(f"inserted line evaluates to the known gradient: {inserted}")
    panel = Path(sys.argv[3]).read_text(encoding="utf-8")
    [numpy_line] = python_lines(section(panel, "NumPy\n", "LaTeX\n").split("\n", 1)[1])
    for seed in range(3):
        env = sample(seed)
        got = eval(numpy_line, {"np": np, **env})
        np.testing.assert_allclose(got, known_gradient(env), rtol=1e-9)
    print(f"panel NumPy line evaluates to the known gradient: {numpy_line}")
    function_hover = Path(sys.argv[4]).read_text(encoding="utf-8")
    for got in check_function_hover(function_hover):
        print(f"NumPy function's hover line equals its finite differences: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
