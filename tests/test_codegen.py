"""Gradient functions as code (NumPy, PyTorch, JAX): imported and run on random data, they
agree with the engine, with finite differences and with each other; the code actions insert
them into Python files as code that ``ruff check`` accepts and that runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lsprotocol import types

from matdiff.analysis import analyze
from matdiff.features import actions
from matdiff.features.snapshot import Snapshot
from matdiff.numeric import verify
from matdiff.numeric.evaluate import evaluate
from matdiff.services.codegen import gradient_function
from matdiff.services.derivatives import derivation
from tests.conftest import TUTORIAL, framework
from tests.features.helpers import apply_edits

LSQ = "W : matrix(m, n); x : vector(n); b : vector(m); c : scalar\n" \
      "loss = norm2(W*x + b)^2 + c*x'*x + logdet(eye(n) + W'*W)\n"  # fmt: skip


def _documents() -> list[Any]:
    out = [pytest.param(LSQ, "loss", None, id="lsq")]
    for case in json.loads(TUTORIAL.read_text(encoding="utf-8")):
        if "gradient" in case:
            out.append(pytest.param(case["document"], case["of"], case.get("sampling"),
                                    id=case["id"]))  # fmt: skip
    return out


def _to(backend: str, value: Any) -> Any:
    if not isinstance(value, np.ndarray) or backend == "numpy":
        return value
    if backend == "torch":
        return framework("torch").tensor(value)
    return framework("jax").numpy.asarray(value)


def _flat(value: Any) -> Any:
    return (
        float(value[0, 0])
        if value.shape == (1, 1)
        else (value[:, 0] if value.shape[1] == 1 else value)
    )


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize(("document", "of", "sampling"), _documents())
def test_functions_agree_with_the_engine_and_each_other(
    document: str, of: str, sampling: Any, backend: str
) -> None:
    if backend != "numpy":
        framework(backend)
    model = analyze(document)
    variables = [v.name for v in model.depends_on(of)]
    rng = np.random.default_rng(5)
    ds = [derivation(model, of, v, "gradient") for v in variables]
    env = verify.environment([ds[0].f, *(d.result for d in ds)], rng, sampling)
    want_value = float(evaluate(ds[0].f, env)[0, 0])
    want = [evaluate(d.result, env) for d in ds]
    for d in ds:
        assert verify.check(d.f, d.x, d.result, "gradient", env, rng)
    fn = gradient_function(model, of, variables, backend, value=True)
    space: dict[str, Any] = {}
    exec("\n".join([*fn.imports, fn.source]), space)  # the generated module
    args = [_to(backend, _flat(env[p])) if not isinstance(env[p], int) else env[p]
            for p in fn.source.split("(", 1)[1].split(")", 1)[0].split(", ")
            for p in [p.split(":")[0]]]  # fmt: skip
    value, *grads = space[fn.name](*args)
    assert float(value) == pytest.approx(want_value, rel=1e-8, abs=1e-10), backend
    for got, w in zip(grads, want, strict=True):
        np.testing.assert_allclose(np.asarray(got, dtype=float).reshape(w.shape), w,
                                   rtol=1e-7, atol=1e-9, err_msg=backend)  # fmt: skip


PY = '''"""A model."""
from __future__ import annotations

import os  # ∂ ⊗ — multi-byte text before the block

# matdiff: W : matrix(m, n); x : vector(n); b : vector(m)
# matdiff: loss = norm2(W*x + b)^2
def unrelated():
    return os.sep
'''


@pytest.mark.parametrize("title", [
    "Insert NumPy gradient function for loss by W",
    "Insert PyTorch gradient function for loss by all variables",
    "Insert JAX value-and-gradient function for loss",
])  # fmt: skip
def test_inserted_functions_pass_ruff_and_run(title: str, tmp_path: Path) -> None:
    (snap,) = Snapshot.of_host("file:///m.py", PY, "python")
    at = types.Position(line=6, character=12)
    params = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=snap.uri),
                                    range=types.Range(start=at, end=at),
                                    context=types.CodeActionContext(diagnostics=[]))  # fmt: skip
    (action,) = [a for a in actions.code_actions(snap, params) if a.title == title]
    assert action.edit is not None and action.edit.changes is not None
    new = apply_edits(PY, list(action.edit.changes[snap.uri]))
    # the same action on the new file imports nothing more: imports once per file
    (snap2,) = Snapshot.of_host("file:///m.py", new, "python")
    line = next(i for i, row in enumerate(new.split("\n")) if "loss =" in row)
    at2 = types.Position(line=line, character=12)
    params2 = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=snap.uri),
                                     range=types.Range(start=at2, end=at2),
                                     context=types.CodeActionContext(diagnostics=[]))  # fmt: skip
    (again,) = [a for a in actions.code_actions(snap2, params2) if a.title == title]
    assert again.edit is not None and again.edit.changes is not None
    assert len(again.edit.changes[snap.uri]) == 1
    path = tmp_path / "model.py"
    path.write_text(new, encoding="utf-8")
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           str(path)], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout + new
    for name, library in (("torch", "PyTorch"), ("jax", "JAX")):
        if library in title:
            framework(name)  # the inserted code imports it
    space: dict[str, Any] = {}
    exec(compile(new, str(path), "exec"), space)
    name = next(line.split("def ")[1].split("(")[0] for line in new.splitlines()
                if line.startswith("def ") and "unrelated" not in line)  # fmt: skip
    assert callable(space[name])
