"""Text → syntax tree.  ``parse`` never raises: it returns the tree and the diagnostics."""

from matdiff.syntax.parser import ParseResult, parse

__all__ = ["ParseResult", "parse"]
