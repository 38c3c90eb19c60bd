"""Check what the end-to-end test read out of VS Code, by value, with the matdiff package.

    python check.py HOVER_TEXT_FILE SAVED_DOCUMENT PANEL_TEXT_FILE

The hover's NumPy line for the gradient by W must evaluate to the known gradient, and the
document saved after "Insert gradient of loss by W" must hold a `grad_loss_W = …` line that,
re-analysed and evaluated by matdiff, is that gradient; so must the NumPy line of the
"Show derivative" panel.  The checks are the real-editor
tests' own (tests/editors/helpers.py), so VS Code is held to what Neovim and Emacs are.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

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


def main() -> int:
    if sys.argv[1:2] == ["--document"]:
        sys.stdout.write(DOCUMENT)
        return 0
    if sys.argv[1:2] == ["--mismatch"]:
        sys.stdout.write(MISMATCH)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
