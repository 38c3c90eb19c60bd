"""matdiff: matrix calculus by differentials — language, engine, CLI and language server.

The Python API (LANGUAGE.md §8)::

    import matdiff
    matdiff.check(source)                    # -> list[matdiff.Diagnostic]
"""

from matdiff.api import Diagnostic, MatdiffError, check

__version__ = "0.1.0"
__all__ = ["Diagnostic", "MatdiffError", "__version__", "check"]
