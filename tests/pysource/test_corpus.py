"""The annotated functions of tests/data/python: every gradient matdiff emits, in NumPy and in
the function's own framework, equals finite differences of the user's function run in that
framework (float64).  (Mistakes and refusals: test_reader.py.)"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from matdiff import pysource
from matdiff.services.derivatives import derivation

DATA = Path(__file__).resolve().parents[1] / "data" / "python"

if os.environ.get("CI"):  # .ci/run installs them: in CI their absence is a failure
    import jax
    import jaxtyping  # noqa: F401 — the corpus modules import it
    import torch
else:
    pytest.importorskip("jaxtyping", reason="the corpus annotates with jaxtyping")
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

FILES = ("numpy_models.py", "torch_models.py", "jax_models.py")
SHAPES = "numpy_shapes.py"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), DATA / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[Any]:
    out = []
    for file in (*FILES, SHAPES):
        for doc in pysource.documents_in((DATA / file).read_text()):
            for wrt in doc.arrays:
                out.append(pytest.param(file, doc.name, wrt, id=f"{file}:{doc.name}:{wrt}"))
    return out


def _sample(doc: pysource.FunctionDoc, seed: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Random values for the parameters (a square matrix is made symmetric positive definite,
    so that inverses and log-determinants exist), and distinct sizes for the dimensions."""
    rng = np.random.default_rng(seed)
    dims: dict[str, int] = {}
    for _, shape in doc.parameters:
        for d in shape or ():
            if not d.isdigit() and d not in dims:
                dims[d] = 2 + len(dims)
    values: dict[str, Any] = {}
    for name, shape in doc.parameters:
        assert shape is not None
        sizes = tuple(int(d) if d.isdigit() else dims[d] for d in shape)
        if len(sizes) == 2 and shape[0] == shape[1]:
            a = rng.standard_normal(sizes)
            values[name] = a @ a.T + sizes[0] * np.eye(sizes[0])
        elif not sizes:
            values[name] = float(rng.uniform(0.5, 1.5))
        elif name.lower().startswith("y"):
            values[name] = rng.uniform(0.1, 0.9, sizes)  # targets, probabilities
        else:
            values[name] = rng.standard_normal(sizes) * 0.7
    return values, dims


def _convert(value: Any, framework: str) -> Any:
    if isinstance(value, float):
        return value
    if framework == "torch":
        return torch.tensor(value, dtype=torch.float64)
    if framework == "jax":
        return jnp.asarray(value, dtype=jnp.float64)
    return value


def _run(fn: Any, values: dict[str, Any], framework: str) -> float:
    return float(fn(**{k: _convert(v, framework) for k, v in values.items()}))


def _finite_difference(fn: Any, values: dict[str, Any], wrt: str, framework: str) -> np.ndarray:
    x = np.asarray(values[wrt], dtype=float)
    grad = np.zeros_like(x)
    h = 1e-6
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        f_up = _run(fn, {**values, wrt: up if x.shape else float(up)}, framework)
        f_down = _run(fn, {**values, wrt: down if x.shape else float(down)}, framework)
        grad[i] = (f_up - f_down) / (2 * h)
    return grad


def _evaluate(code: str, values: dict[str, Any], dims: dict[str, int], framework: str) -> Any:
    scope: dict[str, Any] = {"np": np, "torch": torch, "jax": jax, "jnp": jnp, **dims}
    scope.update({k: _convert(v, framework) for k, v in values.items()})
    out = eval(code, scope)
    return np.asarray(out.detach() if framework == "torch" else out, dtype=float)


@pytest.mark.parametrize(("file", "function", "wrt"), _cases())
def test_gradient_equals_finite_differences(file: str, function: str, wrt: str) -> None:
    text = (DATA / file).read_text()
    doc = pysource.find(text, function)
    assert doc is not None and doc.derivable, doc and doc.notes
    assert not pysource.model(doc).diagnostics, pysource.model(doc).diagnostics
    values, dims = _sample(doc, seed=len(function) + len(wrt))
    fn = getattr(_module(file), function)
    expected = _finite_difference(fn, values, wrt, doc.framework)
    for emit in ("numpy", "code"):
        code = pysource.render(doc, wrt, "gradient", emit, steps=False)
        framework = doc.framework if emit == "code" else "numpy"
        got = _evaluate(code, values, dims, framework)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{emit}: {code}")  # fmt: skip


def test_every_corpus_function_is_read() -> None:
    """Each model is there in the three frameworks, and all of them are derivable."""
    names = {}
    for file in FILES:
        docs = pysource.documents_in((DATA / file).read_text())
        assert all(d.derivable for d in docs), [(d.name, d.notes) for d in docs]
        names[file] = {d.name for d in docs}
        assert {d.framework for d in docs} == {file.split("_")[0]}
    shapes = pysource.documents_in((DATA / SHAPES).read_text())
    assert len(shapes) == 11 and all(d.derivable for d in shapes), [d.notes for d in shapes]
    models = {"least_squares", "ridge", "logistic", "softmax_xent", "gaussian_nll", "mlp",
              "factorisation"}  # fmt: skip
    for file in FILES:
        assert models <= names[file]


def test_a_reassigned_name_reads_in_order() -> None:
    """``h = f(h)`` is a new definition; the derivative goes through both."""
    text = (DATA / "torch_models.py").read_text()
    doc = pysource.find(text, "mlp")
    assert doc is not None
    d = derivation(doc.text, doc.definition, "W1", "gradient")
    assert "relu" in d.emit("dsl") or "step" in d.emit("dsl")
