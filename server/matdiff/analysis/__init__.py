"""Syntax tree → semantic model: names, shapes and every diagnostic.  Pure; never raises."""

from matdiff.analysis.analyze import analyze
from matdiff.analysis.model import DocumentModel, Symbol

__all__ = ["DocumentModel", "Symbol", "analyze"]
