"""In a Python file, the shapes matdiff writes of Python values are NumPy's ``.shape`` tuples
(docs/python.md, "Shapes"), and true: each is checked against the array it describes, run in
NumPy — a local's value for its inlay hint and its hover, the code of a gradient or a
derivative for the shape written beside it.  A matdiff block of the same file keeps the
language's ``n×1``."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from lsprotocol import types

from matdiff import pysource
from matdiff.engine.shape import Dim, Shape
from matdiff.features import hover, outline, pyfunctions
from matdiff.features.snapshot import Settings, Snapshot
from tests.conftest import framework

pytest.importorskip("jaxtyping", reason="the corpus annotates with jaxtyping")

DATA = Path(__file__).resolve().parents[1] / "data" / "python"
FILES = ("numpy_models.py", "numpy_shapes.py")
QUIET = Settings(steps_on_hover=False, numeric_check=False)
EVERYWHERE = types.Range(start=types.Position(line=0, character=0),
                         end=types.Position(line=10_000, character=0))  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "text"),
    [
        (Shape.of(1, 1), "()"),
        (Shape.of("n", 1), "(n,)"),
        (Shape.of(1, "n"), "(n,)"),  # a row is a 1-D array too (language.md §6)
        (Shape.of("m", "n"), "(m, n)"),
        (Shape(Dim.of("m"), Dim.of("m") * Dim.of("n")), "(m, m*n)"),
        (Shape(Dim.of(2) * Dim.of("n"), Dim.of(3)), "(2*n, 3)"),
    ],
)
def test_numpy_tuples(shape: Shape, text: str) -> None:
    assert pysource.words(pysource.numpy_shape(shape)) == text
    assert pysource.described(shape) == (
        "scalar" if text == "()" else f"{'vector' if text.endswith(',)') else 'matrix'} {text}"
    )


def _module(file: str) -> ModuleType:
    framework("scipy")  # the functions call scipy.special: a skip with the reason without it
    spec = importlib.util.spec_from_file_location(file.removesuffix(".py"), DATA / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sample(doc: pysource.FunctionDoc, seed: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Values for the parameters (shapes are the point: square matrices are positive
    definite and entries positive, so that every function runs), distinct sizes."""
    rng = np.random.default_rng(seed)
    dims: dict[str, int] = {}
    values: dict[str, Any] = {}
    for name, shape in doc.parameters:
        assert shape is not None
        for d in shape:
            if not d.isdigit():
                dims.setdefault(d, 2 + len(dims))
        sizes = tuple(int(d) if d.isdigit() else dims[d] for d in shape)
        value = rng.uniform(0.1, 0.9, sizes)
        if len(sizes) == 2 and sizes[0] == sizes[1]:
            value = value @ value.T + sizes[0] * np.eye(sizes[0])
        values[name] = float(value) if not sizes else value
    return values, dims


def _size(text: str, dims: dict[str, int]) -> tuple[int, ...]:
    """A written shape, ``(m, m*n)``, in numbers: it is a Python tuple of the sizes."""
    value = eval(text, {}, dict(dims))
    assert isinstance(value, tuple), text
    return value


def _hover(snap: Snapshot, text: str, offset: int) -> str:
    line = text.count("\n", 0, offset)
    at = types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))
    h = hover.hover(snap, at)
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    return h.contents.value


# "**∇_W loss** (m, n): `…`" then its code; "- gradient ∇_W s (m, n): `…`" (the first of a
# "by" block has the code)
_NAME_HOVER = re.compile(r"\*\*∇_(\w+) \w+\*\* (\([^)]*\)): `[^`]*`\n\n```python\n(.*?)\n```")
_BY = re.compile(r"\*\*by (\w+)\*\* (\([^)]*\))\n\n- [^(]*(\([^)]*\)): `[^`]*`"
                 r"(?:\n\n- [^\n]*)?\n\n```python\n(.*?)\n```")  # fmt: skip


def _functions(file: str) -> list[tuple[Snapshot, pysource.FunctionDoc]]:
    text = (DATA / file).read_text()
    out = []
    for snap in Snapshot.of_host("file:///m.py", text, "python", encoding="utf-32",
                                 settings=QUIET):  # fmt: skip
        doc = pyfunctions.function_of(snap)
        if doc is not None and doc.derivable:
            out.append((snap, doc))
    return out


@pytest.mark.parametrize("file", FILES)
def test_hover_on_a_function_name_gives_each_gradients_shape(file: str) -> None:
    text = (DATA / file).read_text()
    checked = 0
    for snap, doc in _functions(file):
        values, dims = _sample(doc, seed=3)
        shown = _NAME_HOVER.findall(_hover(snap, text, doc.name_start))
        assert [p for p, _, _ in shown] == doc.arrays
        for wrt, shape, code in shown:
            got = eval(code, {"np": np, **dims, **values})
            assert np.shape(got) == _size(shape, dims) == np.shape(values[wrt]), (doc.name, wrt)
            checked += 1
    assert checked >= 10


def _run_locals(
    file: str, doc: pysource.FunctionDoc, values: dict[str, Any]
) -> dict[tuple[int, str], Any]:
    """Each local of the function, run in NumPy: by the line of its assignment and name."""
    text = (DATA / file).read_text()
    fn = next(f for f in ast.parse(text).body
              if isinstance(f, ast.FunctionDef) and f.name == doc.name)  # fmt: skip
    env: dict[str, Any] = {**vars(_module(file)), **values}
    out: dict[tuple[int, str], Any] = {}
    for stmt in fn.body:
        if isinstance(stmt, ast.Return):
            break
        exec(compile(ast.Module([stmt], []), file, "exec"), env)
        if isinstance(stmt, ast.Assign | ast.AugAssign):
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            for name in ast.walk(target):  # x = …, and m, n = X.shape
                if isinstance(name, ast.Name):
                    out[name.lineno - 1, name.id] = env[name.id]
    return out


@pytest.mark.parametrize("file", FILES)
def test_locals_hints_and_hovers_are_their_numpy_shapes(file: str) -> None:
    text = (DATA / file).read_text()
    lines = text.split("\n")
    hinted = derived = 0
    for snap, doc in _functions(file):
        values, dims = _sample(doc, seed=5)
        run = _run_locals(file, doc, values)
        hints = outline.inlay_hints(snap, EVERYWHERE)
        for h in hints:
            assert isinstance(h.label, str) and h.label.startswith(": ")
            shape = h.label[2:]
            name = re.search(r"(\w+)$", lines[h.position.line][: h.position.character])
            assert name is not None
            value = run[h.position.line, name.group(1)]
            assert np.shape(value) == _size(shape, dims), (doc.name, h)
            offset = text.index(lines[h.position.line]) + name.start()
            shown = _hover(snap, text, offset)
            kind = ("scalar", "vector", "matrix")[np.ndim(value)]
            described = kind if kind == "scalar" else f"{kind} {shape}"
            assert f": {described} (defined on line" in shown, shown
            for wrt, by, first, code in _BY.findall(shown):
                assert _size(by, dims) == np.shape(values[wrt]), shown
                got = eval(code, {"np": np, **dims, **values})
                assert np.shape(got) == _size(first, dims), (doc.name, wrt, shown)
                derived += 1
            hinted += 1
    assert hinted >= 8 and derived >= hinted


def test_a_matdiff_block_of_a_python_file_keeps_the_languages_notation() -> None:
    text = (DATA / "numpy_models.py").read_text() + (
        "\n# matdiff: v : vector(n); A : matrix(m, n)\n# matdiff: y = A*v\n"
    )
    block = next(s for s in Snapshot.of_host("file:///m.py", text, "python", settings=QUIET)
                 if not s.python_function)  # fmt: skip
    [hint] = outline.inlay_hints(block, EVERYWHERE)
    assert hint.label == ": m×1"
    shown = _hover(block, text, text.index("y = A*v"))
    assert "definition y: vector m×1" in shown and "**by A** (m×n)" in shown
