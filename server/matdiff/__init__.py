"""matdiff: matrix calculus by differentials — language, engine, CLI and language server.

The Python API (LANGUAGE.md §8)::

    import matdiff
    matdiff.check(source)                    # -> list[matdiff.Diagnostic]
    matdiff.grad(source, of="loss", wrt="W", emit="numpy")   # -> str, what the CLI prints
    matdiff.diff(source, of=..., wrt=..., emit=...)           # numerator layout
    matdiff.hessian(source, of=..., wrt=..., emit=...)
"""

from matdiff.api import Diagnostic, MatdiffError, check, diff, grad, hessian

__version__ = "0.1.0"
__all__ = ["Diagnostic", "MatdiffError", "__version__", "check", "diff", "grad", "hessian"]
