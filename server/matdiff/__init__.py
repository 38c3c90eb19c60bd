"""matdiff: matrix calculus by differentials — language, engine, CLI and language server.

The Python API (LANGUAGE.md §8)::

    import matdiff
    matdiff.check(source)                    # -> list[matdiff.Diagnostic]
    matdiff.grad(source, of="loss", wrt="W", emit="numpy")   # -> str, what the CLI prints
    matdiff.diff(source, of=..., wrt=..., emit=...)           # numerator layout
    matdiff.hessian(source, of=..., wrt=..., emit=...)

``matdiff.derive(source, of=..., wrt=...)`` returns every form of one derivative (for
notebooks: ``%load_ext matdiff`` and the ``%%matdiff`` cell magic, §11), and
``matdiff.sympy.diff(expr, X)`` for SymPy matrix expressions (§12, ``matdiff[sympy]``).
"""

from typing import TYPE_CHECKING, Any

from matdiff.api import Derived, Diagnostic, MatdiffError, check, derive

if TYPE_CHECKING:
    from matdiff.services.derivatives import diff, grad, hessian

__version__ = "0.1.0"
__all__ = [
    "Derived",
    "Diagnostic",
    "MatdiffError",
    "__version__",
    "check",
    "derive",
    "diff",
    "grad",
    "hessian",
    "load_ipython_extension",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext matdiff`` in IPython or Jupyter: registers the ``%%matdiff`` cell magic
    (LANGUAGE.md §11).  IPython is imported only here."""
    from matdiff.jupyter import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    """``grad``, ``diff`` and ``hessian`` load the engine (and NumPy) on first use, so that
    ``matdiff check`` starts without them; ``matdiff.sympy`` (LANGUAGE.md §12) too: SymPy is
    optional and slow to import."""
    if name in ("diff", "grad", "hessian"):
        from matdiff.services import derivatives

        return getattr(derivatives, name)
    if name == "sympy":
        import importlib

        return importlib.import_module("matdiff.sympy")
    raise AttributeError(f"module 'matdiff' has no attribute {name!r}")
