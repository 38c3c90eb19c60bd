"""The editor features on annotated functions, as functions of a snapshot: the hover speaks
the function's framework, a refused function says why, and the inserted functions of PyTorch
and JAX run and agree with the NumPy one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lsprotocol import types

from matdiff.features import actions, hover
from matdiff.features.snapshot import Snapshot
from tests.features.helpers import apply_edits, position

if os.environ.get("CI"):
    import jax
    import torch
else:
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

DATA = Path(__file__).resolve().parents[1] / "data" / "python"


def _snap(text: str, name: str) -> tuple[Snapshot, types.Position]:
    at = position(text, text.index(f"def {name}(") + 4)
    snap = next(s for s in Snapshot.of_host("file:///m.py", text, "python") if s.contains(at))
    return snap, at


@pytest.mark.parametrize(("file", "library"), [("torch_models.py", "torch."),
                                               ("jax_models.py", "jnp.")])  # fmt: skip
def test_hover_code_is_in_the_functions_framework(file: str, library: str) -> None:
    text = (DATA / file).read_text()
    snap, at = _snap(text, "mlp")
    h = hover.hover(snap, at)
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    value = h.contents.value
    assert "∇_W1 mlp" in value and "∇_b1 mlp" in value
    codes = [c.split("\n```")[0] for c in value.split("```python\n")[1:]]
    assert codes and all(" np." not in f" {c}".replace("(np.", " np.") for c in codes)
    assert all(library in c or "jax.nn." in c for c in codes)
    assert h.range.start == position(text, text.index("def mlp(") + 4)


def test_a_refused_function_says_why_and_offers_no_action() -> None:
    text = (DATA / "buggy.py").read_text()
    snap, at = _snap(text, "loop")
    h = hover.hover(snap, at)
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    assert "No derivative: matdiff does not read a for loop" in h.contents.value
    params = _params(at)
    assert actions.code_actions(snap, params) == []


def _params(at: types.Position) -> types.CodeActionParams:
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri="file:///m.py"),
        range=types.Range(start=at, end=at),
        context=types.CodeActionContext(diagnostics=[]),
    )


def _inserted(file: str, name: str, title_part: str) -> dict[str, Any]:
    text = (DATA / file).read_text()
    snap, at = _snap(text, name)
    params = _params(at)
    action = next(a for a in actions.code_actions(snap, params) if title_part in a.title)
    assert action.edit is not None and action.edit.changes is not None
    new = apply_edits(text, action.edit.changes["file:///m.py"])
    scope: dict[str, Any] = {}
    exec(compile(new, file, "exec"), scope)
    return scope


def test_inserted_torch_and_jax_functions_agree_with_numpy() -> None:
    pytest.importorskip("jaxtyping")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 3))
    S = a @ a.T + 4 * np.eye(4)
    x, mu = rng.standard_normal(4), rng.standard_normal(4)
    results = []
    for file, convert in [("numpy_models.py", np.asarray),
                          ("torch_models.py", lambda v: torch.tensor(v, dtype=torch.float64)),
                          ("jax_models.py", jax.numpy.asarray)]:  # fmt: skip
        scope = _inserted(file, "gaussian_nll", "value-and-gradient")
        value, *grads = scope["gaussian_nll_value_and_grad"](convert(S), convert(x), convert(mu))
        results.append([np.asarray(value, dtype=float), *(np.asarray(g) for g in grads)])
    d = x - mu
    Si = np.linalg.inv(S)
    expected = [0.5 * np.linalg.slogdet(S)[1] + 0.5 * d @ Si @ d,
                0.5 * Si - 0.5 * np.outer(Si @ d, Si @ d), Si @ d, -Si @ d]  # fmt: skip
    for got in results:
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-8)
