"""Annotated NumPy, PyTorch and JAX functions read as matdiff documents (LANGUAGE.md §10).

``documents_in(text)`` is the one entry point the CLI, the API and the server use: every
annotated top-level function of a Python file, each a block-like document (its text and a
map to the file's offsets) with the reader's own notes (shape errors, what it cannot follow).
"""

from __future__ import annotations

from matdiff.analysis import DocumentModel, analyze
from matdiff.base.lru import Lru
from matdiff.pysource.reader import FunctionBlock, FunctionDoc, Note, read

__all__ = ["FunctionBlock", "FunctionDoc", "Note", "documents_in", "find", "model"]

_MODELS: Lru[str, DocumentModel] = Lru(512)


def documents_in(text: str) -> list[FunctionDoc]:
    """Every annotated function of the Python file ``text``, read."""
    return read(text)


def find(text: str, name: str) -> FunctionDoc | None:
    """The annotated function called ``name``, or None."""
    return next((d for d in read(text) if d.name == name), None)


def model(doc: FunctionDoc) -> DocumentModel:
    """The analysed document of a function (kept by text: an edit elsewhere in the file
    leaves the other functions' documents as they were)."""
    got = _MODELS.get(doc.text)
    if got is None:
        got = analyze(doc.text)
        _MODELS.put(doc.text, got)
    return got
