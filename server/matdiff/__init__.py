"""matdiff: matrix calculus by differentials — language, engine, CLI and language server.

The Python API (LANGUAGE.md §8)::

    import matdiff
    matdiff.check(source)                    # -> list[matdiff.Diagnostic]
    matdiff.grad(source, of="loss", wrt="W", emit="numpy")   # -> str, what the CLI prints
    matdiff.diff(source, of=..., wrt=..., emit=...)           # numerator layout
    matdiff.hessian(source, of=..., wrt=..., emit=...)
"""

from typing import TYPE_CHECKING, Any

from matdiff.api import Diagnostic, MatdiffError, check

if TYPE_CHECKING:
    from matdiff.derivatives import diff, grad, hessian

__version__ = "0.1.0"
__all__ = ["Diagnostic", "MatdiffError", "__version__", "check", "diff", "grad", "hessian"]


def __getattr__(name: str) -> Any:
    """``grad``, ``diff`` and ``hessian`` load the engine (and NumPy) on first use, so that
    ``matdiff check`` starts without them."""
    if name in ("diff", "grad", "hessian"):
        from matdiff import derivatives

        return getattr(derivatives, name)
    raise AttributeError(f"module 'matdiff' has no attribute '{name}'")
