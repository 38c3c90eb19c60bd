"""Shared by the real-editor tests: the document they open, the README snippets they run,
running an editor with every wait bounded, and checking what it showed by value."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matdiff.analysis import analyze
from matdiff.analysis.lower import Lowering
from matdiff.numeric.evaluate import evaluate

HERE = Path(__file__).resolve().parent
README = HERE.parent.parent / "README.md"

# Line 3 has a dimension mismatch at its second `*`, after a `ᵀ` (1 character, 3 UTF-8 bytes).
DOCUMENT = "W : matrix(m, n); x : vector(n); b : vector(m)\nloss = norm2(W*x + b)^2\nbad = bᵀ*W*b\n"
MISMATCH = "cannot multiply bᵀ*W (1×n) by b (m×1): inner dimensions n and m differ"
BAD_LINE = "bad = bᵀ*W*b"
BAD_COLUMN = BAD_LINE.index("*", BAD_LINE.index("W"))  # characters: the second `*`
ACTION = "Insert gradient of loss by W"
SERVER = [sys.executable, "-m", "matdiff", "lsp"]
TIMEOUT = 60.0  # seconds for a whole editor run; each wait inside is bounded at 8 s


def readme_block(first_line: str) -> str:
    """The fenced code block of README.md whose first line is ``first_line``."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    found = [b for b in blocks if b.splitlines()[0].strip() == first_line]
    assert len(found) == 1, f"README.md has {len(found)} code blocks starting {first_line!r}"
    return str(found[0])


def with_server(snippet: str, written: str, ours: str) -> str:
    """The README snippet with its server command ``written`` (``matdiff lsp``) spelled as
    ``ours`` (this Python running ``-m matdiff lsp``, the same program)."""
    assert snippet.count(written) >= 1, f"{written!r} is not in the README snippet"
    return snippet.replace(written, ours)


def find_program(name: str) -> str | None:
    """``name`` on PATH, or beside this Python (a venv's bin/ need not be on PATH)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which(name, path=path)


def editor_env(tmp: Path) -> dict[str, str]:
    """The environment with HOME and every XDG directory in ``tmp``: nothing of the user's
    is read, nothing is written outside ``tmp``."""
    env = dict(os.environ)
    env.pop("NVIM", None)  # as if not started from a Neovim terminal
    env["HOME"] = str(tmp / "home")
    for var, sub in [("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")]:  # fmt: skip
        env[var] = str(tmp / sub)
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    (tmp / "home").mkdir(parents=True, exist_ok=True)
    return env


def run_editor(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Run an editor script that prints one JSON object; fail loudly, never hang."""
    try:
        proc = subprocess.run(
            args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{args[0]} did not finish in {TIMEOUT} s; stderr:\n{exc.stderr}")
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, f"expected one JSON line on stdout, got:\n{proc.stdout}"
    result: dict[str, Any] = json.loads(lines[0])
    return result


# ---- checking by value -------------------------------------------------------------------

SIZES = {"m": 3, "n": 4}


def sample(seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    m, n = SIZES["m"], SIZES["n"]
    return {"W": rng.normal(size=(m, n)), "x": rng.normal(size=n), "b": rng.normal(size=m)}


def known_gradient(env: dict[str, Any]) -> Any:
    """∇_W ‖Wx + b‖² = 2(Wx + b)xᵀ, confirmed here by central differences."""
    W, x, b = env["W"], env["x"], env["b"]
    grad = 2 * np.outer(W @ x + b, x)

    def loss(W_: Any) -> float:
        r = W_ @ x + b
        return float(r @ r)

    h = 1e-6
    fd = np.zeros_like(W)
    for i in np.ndindex(*W.shape):
        E = np.zeros_like(W)
        E[i] = h
        fd[i] = (loss(W + E) - loss(W - E)) / (2 * h)
    np.testing.assert_allclose(fd, grad, rtol=1e-5, atol=1e-6)
    return grad


def section(hover: str, header: str, next_header: str) -> str:
    """The part of a hover text from ``header`` up to ``next_header``."""
    start = hover.index(header)
    end = hover.find(next_header, start)
    return hover[start : end if end >= 0 else len(hover)]


def python_lines(text: str) -> list[str]:
    """The lines of ``text`` that are Python expressions (the copyable NumPy line; the
    Unicode math, the steps and markdown marks are not)."""
    out = []
    for line in text.splitlines():
        try:
            compile(line.strip(), "<hover>", "eval")
        except SyntaxError:
            continue
        if line.strip():
            out.append(line.strip())
    return out


def check_hover_numpy(hover: str, header: str, next_header: str) -> str:
    """The hover's NumPy line for the gradient by W evaluates to the known gradient."""
    part = section(hover, header, next_header)
    lines = python_lines(part)
    assert len(lines) == 1, f"expected one NumPy line under {header!r}, got {lines}\n{part}"
    for seed in range(3):
        env = sample(seed)
        got = eval(lines[0], {"np": np, **env})
        np.testing.assert_allclose(got, known_gradient(env), rtol=1e-9)
    assert "✓ checked numerically" in part
    return lines[0]


def check_inserted_gradient(buffer: str) -> None:
    """The buffer after the code action: the gradient line sits right below ``loss``, has
    no diagnostic, and — re-analysed and evaluated by the engine — is the known gradient."""
    lines = buffer.rstrip("\n").split("\n")
    assert lines[0] == DOCUMENT.split("\n")[0]
    assert lines[1] == "loss = norm2(W*x + b)^2"
    assert lines[2].startswith("grad_loss_W = "), lines
    assert lines[3] == BAD_LINE
    assert len(lines) == 4, lines
    model = analyze(buffer)
    inserted = {model.line_index.line_col(d.span.start)[0] for d in model.diagnostics}
    assert 2 not in inserted, [d.message for d in model.diagnostics]
    assert [d.message for d in model.diagnostics] == [MISMATCH]
    expr = Lowering(model).definition("grad_loss_W")
    for seed in range(3):
        env = sample(seed)
        values = {**SIZES, "W": env["W"], "x": env["x"][:, None], "b": env["b"][:, None]}
        got = np.asarray(evaluate(expr, values))
        np.testing.assert_allclose(got, known_gradient(env), rtol=1e-9)
