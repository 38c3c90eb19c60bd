"""matdiff next to the user's own Python language server: a real Neovim 0.11 with the
README's init.lua plus python-lsp-server (pylsp) on the same Python buffer. Both servers'
answers arrive and merge in the editor (one hover float holds matdiff's gradients and
pylsp's signature), pylsp still answers everywhere, and matdiff answers only inside its
annotated functions: no hover, completion or diagnostic of its own on ordinary Python."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.editors.helpers import (
    HERE,
    editor_env,
    known_gradient,
    python_lines,
    readme_block,
    run_editor,
    sample,
    section,
    with_server,
)
from tests.editors.test_neovim import README_CMD, lua_cmd, nvim  # noqa: F401 — the fixture

MODEL = '''"""Least squares next to ordinary Python ∂ ⊗."""

import numpy as np
from jaxtyping import Float


def greet(name):
    message = "hello " + name
    return message.upper()


def loss(W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "n"],
         b: Float[np.ndarray, "m"]) -> float:
    r = W @ x + b
    return r @ r


def bad(A: Float[np.ndarray, "m n"], y: Float[np.ndarray, "m"]) -> float:
    return np.sum(A @ y)


GREETING = greet("world")
'''
LINES = MODEL.split("\n")
PYLSP = f"""
vim.lsp.config("pylsp", {{
  cmd = {{ {json.dumps(sys.executable)}, "-m", "pylsp" }},
  filetypes = {{ "python" }},
  root_markers = {{ ".git" }},
}})
vim.lsp.enable("pylsp")
"""


def at(prefix: str, word: str, after: bool = False) -> dict[str, Any]:
    """The position of ``word`` on the line starting with ``prefix`` (0-based line; a byte
    column, and the lines used are ASCII, so every encoding agrees); ``after``: just past it."""
    row = next(i for i, line in enumerate(LINES) if line.startswith(prefix))
    col = LINES[row].index(word) + (len(word) if after else 1)
    assert LINES[row].isascii()
    return {"line": row, "col": col}


REQUESTS = {
    "loss": ("textDocument/hover", at("def loss", "loss")),
    "np": ("textDocument/hover", at("import numpy", "np")),
    "greet": ("textDocument/hover", at("def greet", "greet")),
    "message": ("textDocument/hover", at("    message =", "message")),
    "upper": ("textDocument/completion", at("    return message", "message.", after=True)),
}


@pytest.fixture(scope="module")
def pylsp() -> None:
    if importlib.util.find_spec("pylsp") is None:
        pytest.fail("pylsp not found: `pip install '.[test]'` installs python-lsp-server")


def text_of(answer: Any) -> str:
    return json.dumps(answer, ensure_ascii=False)


def test_matdiff_beside_pylsp(nvim: str, pylsp: None, tmp_path: Path) -> None:  # noqa: F811
    init = with_server(readme_block("-- ~/.config/nvim/init.lua"), README_CMD, lua_cmd())
    env = editor_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "nvim"
    config.mkdir(parents=True, exist_ok=True)
    (config / "init.lua").write_text(init + PYLSP, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.py").write_text(MODEL, encoding="utf-8")
    requests = [{"method": m, **pos} for m, pos in REQUESTS.values()]
    args = [nvim, "--headless", "-u", str(config / "init.lua"), "-l",
            str(HERE / "neovim_two_servers.lua"), "model.py", json.dumps(requests)]  # fmt: skip
    result = run_editor(args, env, work)
    answers = dict(zip(REQUESTS, result["responses"], strict=True))

    assert result["filetype"] == "python"
    assert result["clients"] == ["matdiff", "pylsp"]
    for name, answer in answers.items():
        assert set(answer) == {"matdiff", "pylsp"}, (name, answer)
        assert answer["matdiff"]["error"] is None and answer["pylsp"]["error"] is None

    # matdiff's one diagnostic is the shape error at the `@` of `bad`; nothing on `greet`.
    ours = [d for d in result["diagnostics"] if d["source"] == "matdiff"]
    bad_row = next(i for i, line in enumerate(LINES) if "A @ y" in line)
    assert [(d["lnum"], d["col"]) for d in ours] == [(bad_row, LINES[bad_row].index("@"))]
    assert ours[0]["message"].startswith("cannot multiply A (m, n) by y (m,)")

    # On `loss`, both answer: matdiff with the gradient (its NumPy line checked by value),
    # pylsp with the function's signature; Neovim's `K` float holds both.
    hover = answers["loss"]["matdiff"]["result"]["contents"]["value"]
    [numpy_line] = python_lines(section(hover, "∇_W loss", "∇_x loss"))
    for seed in range(3):
        data = sample(seed)
        got = eval(numpy_line, {"np": np, **data})
        np.testing.assert_allclose(got, known_gradient(data), rtol=1e-9)
    signature = 'W: Float[np.ndarray, "m n"]'  # pylsp's (jedi's) signature of `loss`
    assert signature in answers["loss"]["pylsp"]["result"]["contents"]["value"]
    assert signature not in hover
    float_text = "\n".join(result["float"])
    assert "∇_W loss" in float_text and numpy_line in float_text, float_text
    assert signature in float_text, float_text

    # Ordinary Python: pylsp answers, matdiff stays silent.
    assert "numpy" in text_of(answers["np"]["pylsp"]["result"]).lower()
    assert "greet(name)" in text_of(answers["greet"]["pylsp"]["result"])
    completion = answers["upper"]["pylsp"]["result"]
    items = completion["items"] if isinstance(completion, dict) else completion
    assert "upper" in {item["label"].split("(")[0] for item in items}
    for name in ["np", "greet", "message"]:
        assert answers[name]["matdiff"]["result"] is None, (name, answers[name]["matdiff"])
    ours_completion = answers["upper"]["matdiff"]["result"]
    assert ours_completion is None or not (
        ours_completion["items"] if isinstance(ours_completion, dict) else ours_completion
    ), ours_completion
