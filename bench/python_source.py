"""Benchmark of annotated Python functions in the language server (run on demand, not a
test): `python bench/python_source.py [--functions 100] [--hovers 200] [--edits 40]`.

Opens a generated Python file of 100 annotated NumPy/PyTorch/JAX functions (about 2,000
lines: models with docstrings, comments and blank lines, as people write them), then reports
the time to the first diagnostics, the hover on function names (p50/p95), the one-line edit
inside a function → fresh diagnostics (p50/p95), and the server's peak memory (VmHWM).
Targets: edit p95 ≤ 100 ms, hover p95 ≤ 20 ms, memory ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp import Client, pct  # the stdio client of bench/lsp.py

URI = "file:///bench/models.py"
HEADER = '''\
"""Generated models (matdiff benchmark)."""

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special as sp
import torch
import torch.nn.functional as F
from jaxtyping import Array, Float

'''
FOOTER = """
# ----------------------------------------------------------------------
# Notes: the shapes above are checked by matdiff as they are typed; the
# gradient of each function is on the hover of its name, and the code
# actions on its def line insert a gradient function in its framework.
# ----------------------------------------------------------------------


def batches_{i}(data, size=32):
    '''Plain Python beside the models (not annotated: matdiff leaves it alone).'''
    for start in range(0, len(data), size):
        yield data[start : start + size]

"""
MODELS = [
    '''\
def least_squares_{i}(W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "n"],
                      b: Float[np.ndarray, "m"], lam: float) -> float:
    """Least squares with a penalty ({i})."""
    # the residual
    r = W @ x + b
    penalty = lam * np.sum(W**2)

    # the loss
    return r @ r + {k} * penalty
''',
    '''\
def logistic_{i}(w: Float[np.ndarray, "d"], X: Float[np.ndarray, "N d"],
                 y: Float[np.ndarray, "N"]) -> float:
    """Logistic regression ({i})."""
    z = X @ w
    p = sp.expit(z)
    # cross-entropy
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return loss + {k} * w @ w
''',
    '''\
def mlp_{i}(W1: Float[torch.Tensor, "h d"], b1: Float[torch.Tensor, "h"],
            W2: Float[torch.Tensor, "k h"], x: Float[torch.Tensor, "d"],
            y: Float[torch.Tensor, "k"]) -> torch.Tensor:
    """A two-layer network ({i})."""
    h = torch.tanh(W1 @ x + b1)
    out = W2 @ h
    # squared error
    return 0.5 * torch.sum((out - y) ** 2) + {k}
''',
    '''\
def gaussian_{i}(S: Float[Array, "n n"], x: Float[Array, "n"],
                 mu: Float[Array, "n"]) -> Array:
    """Gaussian negative log-likelihood ({i})."""
    d = x - mu
    quad = d @ jnp.linalg.solve(S, d)
    # normalised
    return 0.5 * jnp.linalg.slogdet(S)[1] + 0.5 * quad + {k}
''',
    '''\
def xent_{i}(W: Float[torch.Tensor, "k d"], x: Float[torch.Tensor, "d"],
             y: Float[torch.Tensor, "k"]) -> torch.Tensor:
    """Softmax cross-entropy ({i})."""
    logits = W @ x
    # log-probabilities
    return -torch.dot(y, F.log_softmax(logits, dim=-1)) + {k}
''',
]


def document(functions: int) -> tuple[str, list[int], list[int]]:
    """The file, the lines of the functions' names, and lines one may edit (a body line
    holding ``{k}``)."""
    text = HEADER
    names, edits = [], []
    for i in range(functions):
        body = MODELS[i % len(MODELS)].format(i=i, k=i % 7 + 1)
        start = text.count("\n")
        names.append(start)
        for j, line in enumerate(body.split("\n")):
            if f" {i % 7 + 1}" in line and "return" in line:
                edits.append(start + j)
        text += body + FOOTER.format(i=i)
    return text, names, edits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--hovers", type=int, default=200)
    parser.add_argument("--edits", type=int, default=40)
    args = parser.parse_args()
    text, names, editable = document(args.functions)
    lines = text.split("\n")
    c = Client()
    c.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}}})  # fmt: skip
    c.notify("initialized", {})

    t0 = time.perf_counter()
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "python", "version": 1, "text": text}})  # fmt: skip
    diags = c.wait_diagnostics(1)
    print(f"open {len(lines)} lines, {args.functions} functions → diagnostics: "
          f"{(time.perf_counter() - t0) * 1e3:.0f} ms "
          f"({len(diags['params']['diagnostics'])} diagnostics)")  # fmt: skip

    hovers: list[float] = []
    for k in range(args.hovers):
        line = names[k % len(names)]
        t = time.perf_counter()
        where = {"textDocument": {"uri": URI}, "position": {"line": line, "character": 6}}
        result = c.request("textDocument/hover", where)
        hovers.append(time.perf_counter() - t)
        assert result is not None and "∇_" in str(result), f"no gradient on line {line}"
    ms = [h * 1e3 for h in hovers]
    cold, warm = ms[: len(names)], ms[len(names) :] or ms
    print(f"hover ×{len(ms)} (function names): p50 {pct(ms, .5):.1f} ms, "
          f"p95 {pct(ms, .95):.1f} ms, max {max(ms):.1f} ms; first of each function "
          f"p95 {pct(cold, .95):.1f} ms, again p95 {pct(warm, .95):.1f} ms")  # fmt: skip

    edits: list[float] = []
    version = 1
    for k in range(args.edits):
        line = editable[(k * 7) % len(editable)]
        old = lines[line]
        new = old + " + 1" if k % 2 == 0 else old.replace("return ", "return 2 * ", 1)
        version += 1
        t = time.perf_counter()
        c.notify("textDocument/didChange", {
            "textDocument": {"uri": URI, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 0},
                                          "end": {"line": line, "character": len(old)}},
                                "text": new}]})  # fmt: skip
        c.wait_diagnostics(version)
        edits.append(time.perf_counter() - t)
        lines[line] = new
    ms = [e * 1e3 for e in edits]
    print(f"one-line edit → diagnostics ×{len(ms)}: p50 {pct(ms, .5):.0f} ms, "
          f"p95 {pct(ms, .95):.0f} ms")  # fmt: skip
    print(f"server peak memory (VmHWM): {c.peak_memory_mb():.0f} MB")
    c.request("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=10)


if __name__ == "__main__":
    main()
