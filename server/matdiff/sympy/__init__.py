"""A bridge to SymPy's matrix expressions (LANGUAGE.md §12).

``diff(expr, X)`` differentiates a SymPy matrix expression with matdiff's engine and returns
the derivative as a SymPy expression in SymPy's own convention — what ``expr.diff(X)``
means: a scalar by a matrix or vector is shaped like ``X`` (the gradient); a matrix by a
scalar is shaped like the matrix; a column vector ``y`` (m) by a column vector ``x`` (n) is
the n×m transpose of the Jacobian; any other matrix ``F`` (p×q) by a matrix ``X`` (m×n) is
SymPy's array expression of shape (m, n, p, q) whose entry [i, j, k, l] is ∂F[k, l]/∂X[i, j]
(the variable's indices first; what SymPy 1.14's ``array_derive`` builds), passed through
SymPy's ``convert_array_to_matrix`` as ``expr.diff(X)`` is — so a row vector by a vector
comes back as a matrix, as in SymPy.  ``from_sympy(expr)`` writes a document (declarations
and one definition); ``to_sympy(source, name)`` reads a definition back as SymPy.

Both directions go through the language: SymPy → document text → matdiff → the
derivative's ``dsl`` text → SymPy, so what SymPy receives is what the language means.
SymPy is optional: ``pip install "matdiff[sympy]"``.
"""

from __future__ import annotations

from matdiff.sympy.derivative import diff
from matdiff.sympy.reader import to_sympy
from matdiff.sympy.writer import from_sympy

__all__ = ["diff", "from_sympy", "to_sympy"]
