"""A real Emacs (28, batch) with eglot 1.9 configured with the README's snippet: flymake shows
the dimension mismatch, eglot's hover is plain text (no markdown-mode) with a NumPy line that
evaluates to the known gradient, and eglot applies the gradient code action.

Emacs comes from apt (``emacs-nox elpa-eglot``), which ``.ci/run`` installs.  Outside CI a
machine without Emacs skips this test; in CI (``CI`` set) a missing Emacs fails it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.editors.helpers import (
    ACTION,
    BAD_COLUMN,
    DOCUMENT,
    HERE,
    MISMATCH,
    SERVER,
    check_hover_numpy,
    check_inserted_gradient,
    editor_env,
    find_program,
    readme_block,
    run_editor,
    with_server,
)

DRIVER = HERE / "emacs.el"
README_PROGRAM = '(matdiff-mode "matdiff" "lsp")'
INSTALL = "apt-get install -y emacs-nox elpa-eglot"


@pytest.fixture(scope="module")
def emacs() -> str:
    found = find_program("emacs")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"emacs not found in CI: .ci/run should have run `{INSTALL}`")
        pytest.skip(f"emacs not installed (`{INSTALL}`); CI runs this test")
    probe = subprocess.run(
        [found, "--batch", "--eval", "(progn (require 'eglot) (princ emacs-version))"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.fail(f"emacs has no eglot (`{INSTALL}`):\n{probe.stderr}")
    return found


def test_eglot_from_readme(emacs: str, tmp_path: Path) -> None:
    server = " ".join(json.dumps(a, ensure_ascii=False) for a in SERVER)
    init = with_server(
        readme_block(";; ~/.emacs.d/init.el"), README_PROGRAM, f"(matdiff-mode {server})"
    )
    env = editor_env(tmp_path)
    init_file = Path(env["HOME"]) / ".emacs.d" / "init.el"
    init_file.parent.mkdir(parents=True)
    init_file.write_text(init, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "least-squares.matdiff").write_text(DOCUMENT, encoding="utf-8")
    args = [emacs, "--batch", "-l", str(init_file), "-l", str(DRIVER), "least-squares.matdiff"]
    result = run_editor(args, env, work)

    assert result["mode"] == "matdiff-mode"
    assert result["server"] == "matdiff"
    assert result["command"] == SERVER

    # flymake's diagnostic, where it is: Emacs columns are characters (ᵀ is one).
    [diag] = result["diagnostics"]
    assert diag["type"] == "eglot-error"
    assert diag["text"] == f"matdiff [shape]: {MISMATCH}"
    assert (diag["line"], diag["column"]) == (3, BAD_COLUMN)

    # eglot 1.9 without markdown-mode asks for plain text: no markdown marks.
    hover = result["hover"]
    assert hover.startswith("loss — definition loss: scalar")
    assert "**" not in hover and "`" not in hover
    check_hover_numpy(hover, "by W (m×n)", "by x (n×1)")

    # eglot applied the code action; the gradient inserted is correct, and the server
    # re-checked the edited buffer.
    assert ACTION in result["actions"]
    check_inserted_gradient(result["buffer"])
    [after] = result["diagnostics_after"]
    assert after["text"] == diag["text"] and after["line"] == 4
