"""The one mapping table: which NumPy, SciPy, PyTorch and JAX operations matdiff reads, and
what each means in matdiff (LANGUAGE.md §10).

Each entry is a *meaning* (how the reader translates it, ``reader.MEANINGS``) with the fully
qualified names that have it, and a line for the documentation (``docs/python.md`` holds the
list this table generates; a test keeps the two equal).  Names are resolved from the file's
own imports (``import numpy as np``, ``import jax.numpy as jnp``, ``import torch.nn.functional
as F``, ``from scipy.special import expit``, …), so ``np.sum`` and ``jnp.sum`` are
``numpy.sum`` and ``jax.numpy.sum`` here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_NP = ("numpy", "jax.numpy")  # the NumPy API, as NumPy and jax.numpy spell it
_ALL = (*_NP, "torch")


def _names(prefixes: tuple[str, ...], *names: str) -> tuple[str, ...]:
    return tuple(f"{p}.{n}" for p in prefixes for n in names)


@dataclass(frozen=True)
class Entry:
    meaning: str  # a key of reader.MEANINGS
    names: tuple[str, ...]  # fully qualified Python names
    doc: str  # what it becomes in matdiff, for docs/python.md


ELEMENTWISE = ("exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sign")

TABLE: tuple[Entry, ...] = (
    *(
        Entry(f"elementwise:{f}", _names(_ALL, f), f"`{f}(x)`, element-wise")
        for f in ELEMENTWISE
    ),
    Entry("elementwise:arcsin", (*_names(_NP, "arcsin"), "torch.asin"), "`arcsin(x)`"),
    Entry("elementwise:arccos", (*_names(_NP, "arccos"), "torch.acos"), "`arccos(x)`"),
    Entry("elementwise:arctan", (*_names(_NP, "arctan"), "torch.atan"), "`arctan(x)`"),
    Entry("square", _names(_ALL, "square"), "`x .^ 2`"),
    Entry("sum", _names(_ALL, "sum"),
          "`sum(X)`; with `axis`/`dim` 0 of a matrix `X' * ones(m)`, 1 or -1 `X * ones(n)`"),
    Entry("mean", _names(_ALL, "mean"), "the sum (as for `sum`) divided by the count"),
    Entry("trace", _names(_ALL, "trace"), "`tr(X)`"),
    Entry("inv", (*_names(_NP, "linalg.inv"), "torch.inverse", "torch.linalg.inv"), "`inv(X)`"),
    Entry("det", (*_names(_ALL, "linalg.det"), "torch.det"), "`det(X)`"),
    Entry("logdet", ("torch.logdet",), "`logdet(X)`"),
    Entry("slogdet", (*_names(_ALL, "linalg.slogdet"), "torch.slogdet"),
          "`slogdet(X)[1]` (or `.logabsdet`) is `logdet(X)`; the sign is not read"),
    Entry("solve", _names(_ALL, "linalg.solve"), "`solve(A, B)` is `inv(A) * B`"),
    Entry("matmul", (*_names(_ALL, "matmul", "dot"), "torch.mm", "torch.mv"),
          "as the operator `@`"),
    Entry("transpose", (*_names(_NP, "transpose"), "torch.t"), "`X'`"),
    Entry("outer", _names(_ALL, "outer"), "`a * b'`"),
    Entry("kron", _names(_ALL, "kron"), "`kron(A, B)`"),
    Entry("diag", _names(_ALL, "diag"),
          "`diag(x)` (vector → diagonal matrix, square matrix → its diagonal)"),
    Entry("eye", _names(_ALL, "eye"), "`eye(n)` (n a literal, `X.shape[k]` or `len(x)`)"),
    Entry("ones", _names(_ALL, "ones"), "`ones(n)`, `ones(m, n)`"),
    Entry("zeros", _names(_ALL, "zeros"), "`zeros(n)`, `zeros(m, n)`"),
    Entry("norm", (*_names(_ALL, "linalg.norm"), "torch.norm"),
          "`norm2(x)` (vector: Euclidean; matrix: Frobenius); `ord=1` of a vector `norm1(x)`"),
    Entry("maximum", _names(_ALL, "maximum"), "`maximum(x, 0)` (or `(0, x)`) is `relu(x)`"),
    Entry("relu", ("torch.relu", "torch.nn.functional.relu", "jax.nn.relu"), "`relu(x)`"),
    Entry("sigmoid", ("scipy.special.expit", "jax.scipy.special.expit", "torch.sigmoid",
                      "torch.special.expit", "torch.nn.functional.sigmoid", "jax.nn.sigmoid"),
          "`sigmoid(x)`"),
    Entry("softplus", ("torch.nn.functional.softplus", "jax.nn.softplus"), "`softplus(x)`"),
    Entry("softmax", ("scipy.special.softmax", "torch.softmax", "torch.nn.functional.softmax",
                      "jax.nn.softmax"), "`softmax(x)` of a vector (axis 0 or -1)"),
    Entry("logsumexp", ("scipy.special.logsumexp", "jax.scipy.special.logsumexp",
                        "torch.logsumexp", "jax.nn.logsumexp"),
          "`logsumexp(x)` of a vector (axis 0 or -1)"),
    Entry("log_softmax", ("scipy.special.log_softmax", "torch.log_softmax",
                          "torch.nn.functional.log_softmax", "jax.nn.log_softmax"),
          "`x - logsumexp(x) * ones(n)` of a vector"),
    Entry("add", _names(_ALL, "add"), "as the operator `+`"),
    Entry("subtract", (*_names(_ALL, "subtract"), "torch.sub"), "as the operator `-`"),
    Entry("multiply", (*_names(_ALL, "multiply"), "torch.mul"), "as the operator `*`"),
    Entry("divide", (*_names(_ALL, "divide"), "torch.div"), "as the operator `/`"),
    Entry("power", (*_names(_ALL, "power"), "torch.pow"), "as the operator `**`"),
)  # fmt: skip

# Constants: the number each stands for.
CONSTANTS: dict[str, float] = {
    **{f"{p}.pi": math.pi for p in (*_ALL, "math")},
    **{f"{p}.e": math.e for p in (*_ALL, "math")},
}

# Methods of arrays (``x.sum()``, ``X.T``): method name → meaning.
METHODS: dict[str, str] = {
    **{f: f"elementwise:{f}" for f in ELEMENTWISE},
    "sum": "sum",
    "mean": "mean",
    "trace": "trace",
    "dot": "matmul",
    "sigmoid": "sigmoid",
    "relu": "relu",
    "t": "transpose",
    "transpose": "transpose",
}

# Operators: the Python operator → meaning (the same rules as the functions above).
OPERATORS: dict[str, str] = {
    "@": "matmul",
    "+": "add",
    "-": "subtract",
    "*": "multiply",
    "/": "divide",
    "**": "power",
}

BY_NAME: dict[str, str] = {name: e.meaning for e in TABLE for name in e.names}

# The array types of jaxtyping annotations, and the framework each one means.
ARRAY_TYPES: dict[str, str] = {
    "numpy.ndarray": "numpy",
    "torch.Tensor": "torch",
    "jax.Array": "jax",
    "jax.numpy.ndarray": "jax",
    "jaxtyping.Array": "jax",
}
# jaxtyping's dtype wrappers that say "real numbers".
DTYPES = frozenset(("Float", "Float16", "Float32", "Float64", "Shaped", "Num", "Real", "Inexact"))


def markdown() -> str:
    """The table as documentation (``docs/python.md`` includes exactly this)."""
    lines = ["| Python | matdiff |", "|---|---|"]
    for e in TABLE:
        names = ", ".join(f"`{n}`" for n in e.names)
        lines.append(f"| {names} | {e.doc} |")
    lines += ["", "Constants: " + ", ".join(f"`{c}`" for c in CONSTANTS) + ".",
              "", "Methods: " + ", ".join(f"`x.{m}()`" for m in METHODS) + ", and `X.T`.",
              "", "Operators: " + ", ".join(f"`{o}`" for o in OPERATORS) + "."]  # fmt: skip
    return "\n".join(lines) + "\n"
