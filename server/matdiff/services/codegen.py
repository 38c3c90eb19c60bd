"""Gradient functions as code: a complete NumPy, PyTorch or JAX function for the gradient of
a definition by one or more variables (or its value and gradient together), with type hints
and a docstring stating the formula, the shapes and the layout.

Shared sub-expressions are computed once, as local assignments; vectors are 1-D arrays,
scalars floats, dimension symbols ints (LANGUAGE.md §6).
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass

from matdiff.analysis import DocumentModel
from matdiff.base import language
from matdiff.base.errors import MatdiffError
from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.engine.numpy_emit import statements
from matdiff.engine.printer import to_text
from matdiff.engine.pynames import python_name
from matdiff.engine.shape import Shape
from matdiff.services.derivatives import Derivation, derivation

_CALLABLE = "Callable[..., Any]"  # a declared function's parameter
_BUILT_IN = frozenset((*language.ELEMENTWISE, "pow"))
IMPORTS = {
    "numpy": ("import numpy as np",),
    "torch": ("import torch",),
    "jax": ("import jax", "import jax.numpy as jnp"),
}
_ARRAY = {"numpy": "np.ndarray", "torch": "torch.Tensor", "jax": "jax.Array"}
LABEL = {"numpy": "NumPy", "torch": "PyTorch", "jax": "JAX"}


@dataclass(frozen=True)
class Function:
    name: str
    source: str  # the def, unindented, ending in a newline
    imports: tuple[str, ...]


def _hint(shape: Shape, backend: str) -> str:
    return "float" if shape.is_scalar else _ARRAY[backend]


def _shape_note(shape: Shape) -> str:
    if shape.is_scalar:
        return "scalar"
    if shape.is_column:
        return f"({shape.rows},)"
    return f"({shape.rows}, {shape.cols})"


def gradient_function(model: DocumentModel, of: str, wrt: list[str], backend: str = "numpy",
                      value: bool = False) -> Function:  # fmt: skip
    """``def grad_<of>_<wrt>(…)``: the gradient(s) of scalar ``of`` by ``wrt`` (several: a
    tuple, in that order); with ``value``, ``(of, gradient…)``."""
    if backend not in IMPORTS:
        raise MatdiffError(f"unknown backend '{backend}' (numpy, torch or jax)")
    ds: list[Derivation] = [derivation(model, of, w, "gradient") for w in wrt]
    f = ds[0].f
    outputs: list[E.Expr] = ([f] if value else []) + [d.result for d in ds]
    lines, codes = statements(outputs, backend, [*model.symbols, *model.dimensions])
    params = _parameters(model, outputs, "\n".join([*lines, *codes]), backend)
    suffix = "_".join(map(python_name, wrt)) if len(wrt) == 1 else ""
    of_py = python_name(of)
    name = (f"{of_py}_and_grad" if value else f"grad_{of_py}") + (f"_{suffix}" if suffix else "")
    returns = [_hint(o.shape, backend) for o in outputs]
    ret = returns[0] if len(returns) == 1 else f"tuple[{', '.join(returns)}]"
    signature = ", ".join(f"{_py(p)}: {hint}" for p, hint in params)
    doc = _docstring(model, of, ds, value, params)
    body = [*(f"    {line}" for line in lines), f"    return {', '.join(codes)}"]
    source = f"def {name}({signature}) -> {ret}:\n{doc}\n" + "\n".join(body) + "\n"
    for p, _ in params:
        if p != _py(p):
            source = re.sub(rf"\b{re.escape(p)}\b", _py(p), source)
    imports = IMPORTS[backend]
    if any(hint == _CALLABLE for _, hint in params):
        imports = (*imports, "from collections.abc import Callable", "from typing import Any")
    return Function(name, source, imports)


def _py(name: str) -> str:
    name = python_name(name)
    return f"{name}_" if keyword.iskeyword(name) else name


def _parameters(
    model: DocumentModel, exprs: list[E.Expr], code: str, backend: str
) -> list[tuple[str, str]]:
    """The variables the code reads (declaration order), then the dimension symbols it uses."""
    used: set[str] = set()
    for e in exprs:
        for n in E.walk(e):
            if isinstance(n, E.Var) and "dim" not in n.props:
                used.add(n.name)
    out: list[tuple[str, str]] = []
    for sym in [*model.variables, *model.definitions]:  # definitions: held intermediates
        if sym.name in used and sym.shape is not None:
            out.append((sym.name, _hint(sym.shape, backend)))
    for dim in model.dimensions:
        if re.search(rf"\b{re.escape(dim)}\b", code):
            out.append((dim, "int"))
    functions = {  # declared functions: the caller supplies them (d_σ, grad_l, hess_l)
        n.fn if isinstance(n, E.Elementwise) else declared.dsl_name(n.op)
        for e in exprs
        for n in E.walk(e)
        if (isinstance(n, E.Elementwise) and n.fn not in _BUILT_IN)
        or (isinstance(n, E.Unary) and declared.is_declared_op(n.op))
    }
    out.extend((name, _CALLABLE) for name in sorted(functions))
    return out


def _docstring(model: DocumentModel, of: str, ds: list[Derivation], value: bool,
               params: list[tuple[str, str]]) -> str:  # fmt: skip
    sym = model.symbols[of]
    source = " ".join(model.source(sym.statement).split())
    what = "Value and gradient" if value else "Gradient"
    lines = [f"{what} of {source}", ""]
    for d in ds:
        lines.append(f"∇_{d.wrt} {of} = {to_text(d.result)}")
    shapes = ", ".join(
        f"{p} {_shape_note(model.symbols[p].shape)}"  # type: ignore[arg-type]
        for p, hint in params if hint not in ("int", _CALLABLE)
    )  # fmt: skip
    lines += ["", f"Shapes: {shapes}.",
              "Gradient layout: each gradient has the shape of its variable.",
              "Generated by matdiff from the derivation by differentials."]  # fmt: skip
    body = "\n".join(f"    {line}" if line else "" for line in lines).lstrip()
    return f'    """{body}\n    """'


def missing_imports(host_text: str, imports: tuple[str, ...]) -> list[str]:
    """The import lines the host file does not have yet."""
    have = {line.strip() for line in host_text.splitlines()}
    return [line for line in imports if line not in have]


def _module(line: str) -> str | None:
    m = re.match(r"\s*(?:import|from)\s+([A-Za-z_][\w.]*)", line)
    return m.group(1) if m and not line.startswith((" ", "\t")) else None


def import_insertion(host_text: str, imports: list[str]) -> tuple[int, str]:
    """Where and what to insert so that ``imports`` (third-party, sorted) join the file's
    leading import block the way isort orders it: in the third-party section at their
    sorted place, or as a new section after the standard-library one."""
    lines = host_text.split("\n")
    i = 0
    if lines and lines[0].lstrip().startswith(('"""', "'''")):
        quote = lines[0].lstrip()[:3]
        if lines[0].count(quote) < 2:
            i = 1
            while i < len(lines) and quote not in lines[i]:
                i += 1
        i += 1
    block: list[int] = []
    j = i
    while j < len(lines):
        line = lines[j]
        if line.startswith("from __future__") or not line.strip() or line.startswith("#"):
            j += 1
            continue
        if _module(line) is None:
            break
        block.append(j)
        j += 1
    text = "".join(f"{line}\n" for line in imports)
    if not block:
        return (j if j < len(lines) else len(lines)), text + "\n"
    stdlib = set(sys.stdlib_module_names)
    third = [k for k in block if (_module(lines[k]) or "").split(".")[0] not in stdlib]
    first = imports[0].split()[1].lower()
    for k in third:
        if lines[k].startswith("import ") and (_module(lines[k]) or "").lower() > first:
            return k, text
        if lines[k].startswith("from "):
            return k, text
    if third:
        return third[-1] + 1, text
    return block[-1] + 1, "\n" + text
