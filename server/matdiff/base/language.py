"""The names the language reserves: keywords, types, properties and built-in functions.

This table is the single source for the parser's checks, the shape checker, and editor
features (completion, signature help).  The engine has its own rule per function.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

TYPES = ("scalar", "vector", "matrix")
# the types of declared functions (§9): not reserved, a document may name a value so
FUNCTION_TYPES = ("elementwise", "function")
PROPERTIES = ("symmetric", "spd", "diagonal", "invertible", "stochastic")  # stochastic:
# non-negative columns summing to one (one-hot targets, probabilities), any m×n shape
KEYWORDS = ("const", *TYPES, *PROPERTIES)

ELEMENTWISE = (
    "exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "tanh", "sqrt",
    "abs", "sigmoid", "relu", "softplus", "step", "sign",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Function:
    """A built-in function: its name, parameter names, and a one-line description."""

    name: str
    params: tuple[str, ...]
    doc: str
    min_args: int = -1  # -1: exactly len(params)

    @property
    def arity(self) -> tuple[int, int]:
        low = len(self.params) if self.min_args < 0 else self.min_args
        return low, len(self.params)

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"


_FUNCTIONS = [
    *(Function(f, ("X",), f"element-wise {f}") for f in ELEMENTWISE),
    Function("tr", ("X",), "trace of a square matrix"),
    Function("det", ("X",), "determinant of a square matrix"),
    Function("logdet", ("X",), "log of the determinant of a square matrix"),
    Function("inv", ("X",), "inverse of a square matrix"),
    Function("adj", ("X",), "adjugate of a square matrix, det(X)·X⁻¹"),
    Function("diag", ("x",), "vector → diagonal matrix; square matrix → its diagonal"),
    Function("vec", ("X",), "the columns of X stacked into one vector"),
    Function("sum", ("X",), "sum of all entries"),
    Function("norm2", ("x",), "Euclidean norm of a vector, Frobenius norm of a matrix"),
    Function("normF", ("X",), "Frobenius norm"),
    Function("norm1", ("x",), "sum of absolute values of the entries"),
    Function("softmax", ("x",), "exp(x)/sum(exp(x)) of a vector"),
    Function("logsumexp", ("x",), "log(sum(exp(x)))"),
    Function("kron", ("A", "B"), "Kronecker product A ⊗ B"),
    Function("eye", ("n",), "identity matrix of size n (inferred when omitted)", 0),
    Function("ones", ("m", "n"), "matrix or vector of ones (size inferred when omitted)", 0),
    Function("zeros", ("m", "n"), "matrix or vector of zeros (size inferred when omitted)", 0),
    Function("commutation", ("m", "n"), "commutation matrix K: K·vec(A) = vec(Aᵀ) for A m×n"),
    Function("unvec", ("v", "m", "n"), "the m×n matrix whose columns, stacked, are v"),
    Function("grad", ("f", "X"), "gradient of scalar f by X (shape of X)"),
    Function("diff", ("f", "X"), "derivative of f by X, numerator layout"),
    Function("jacobian", ("y", "x"), "Jacobian dy/dx (numerator layout)"),
    Function("hessian", ("f", "x"), "Hessian of scalar f by x"),
]
FUNCTIONS: dict[str, Function] = {f.name: f for f in _FUNCTIONS}
SIZED = ("eye", "ones", "zeros", "commutation")  # their arguments are dimensions
DERIVATIVES = ("grad", "diff", "jacobian", "hessian")
# Names that stand for a value on their own, without a call: their size comes from context.
BARE_CONSTANTS = {"I": "eye", "eye": "eye", "ones": "ones", "zeros": "zeros"}
RESERVED = frozenset((*KEYWORDS, *FUNCTIONS, "I"))
# A declared function's derivatives, by the prefix of their names (σ : elementwise reserves
# d_σ, l : function(vector(m)) reserves grad_l and hess_l): LANGUAGE.md §9.
DERIVED_PREFIXES = ("d_", "grad_", "hess_")
# What other tools (MATLAB, NumPy, the Matrix Cookbook) call some of the functions: the
# "did you mean" for names too far from ours for a typo match.
ALIASES = {
    "trace": "tr", "ln": "log", "inverse": "inv", "determinant": "det", "norm": "norm2",
    "identity": "eye", "kronecker": "kron", "logistic": "sigmoid",
}  # fmt: skip


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    """The closest candidate to ``word``, if one is close enough to be a likely typo."""
    same_letters = [c for c in candidates if c.lower() == word.lower() and c != word]
    if same_letters:
        return same_letters[0]
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None
