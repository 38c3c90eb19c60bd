"""matdiff: matrix calculus by differentials — language, engine, CLI and language server.

The Python API (LANGUAGE.md §8)::

    import matdiff
    matdiff.check(source)                    # -> list[matdiff.Diagnostic]
    matdiff.grad(source, of="loss", wrt="W", emit="numpy")   # -> str, what the CLI prints
    matdiff.diff(source, of=..., wrt=..., emit=...)           # numerator layout
    matdiff.hessian(source, of=..., wrt=..., emit=...)

and ``matdiff.sympy.diff(expr, X)`` for SymPy matrix expressions (§12, ``matdiff[sympy]``).
"""

from matdiff.api import Diagnostic, MatdiffError, check
from matdiff.derivatives import diff, grad, hessian

__version__ = "0.1.0"
__all__ = ["Diagnostic", "MatdiffError", "__version__", "check", "diff", "grad", "hessian"]


def __getattr__(name: str) -> object:
    """``matdiff.sympy`` (LANGUAGE.md §12) on first use: SymPy is optional and slow to import."""
    if name == "sympy":
        import importlib

        return importlib.import_module("matdiff.sympy")
    raise AttributeError(f"module 'matdiff' has no attribute {name!r}")
