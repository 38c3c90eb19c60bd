"""Annotated NumPy, PyTorch and JAX functions read as matdiff documents (LANGUAGE.md §10).

``documents_in(text)`` is the one entry point the CLI, the API and the server use: every
annotated top-level function of a Python file, each a block-like document (its text and a
map to the file's offsets) with the reader's own notes (shape errors, what it cannot follow).
"""

from __future__ import annotations

from matdiff.analysis import DocumentModel, analyze
from matdiff.base import caches
from matdiff.base.caches import Table
from matdiff.pysource.reader import read
from matdiff.pysource.source import FunctionBlock, FunctionDoc, Note, described, numpy_shape, words

__all__ = ["FunctionBlock", "FunctionDoc", "Note", "described", "documents_in", "find", "model",
           "numpy_shape", "words"]  # fmt: skip

_MODELS: Table[str, DocumentModel] = Table("pysource.models", 256)


def documents_in(text: str) -> list[FunctionDoc]:
    """Every annotated function of the Python file ``text``, read."""
    return read(text)


def find(text: str, name: str) -> FunctionDoc | None:
    """The annotated function called ``name``, or None."""
    return next((d for d in read(text) if d.name == name), None)


def model(doc: FunctionDoc) -> DocumentModel:
    """The analysed document of a function (kept by text: an edit elsewhere in the file
    leaves the other functions' documents as they were)."""
    got = caches.active()[_MODELS].get(doc.text)
    if got is None:
        got = analyze(doc.text)
        caches.active()[_MODELS].put(doc.text, got)
    return got


def notes(text: str) -> list[Note]:
    """Every diagnostic of the annotated functions of ``text``, in host offsets: the
    reader's (shape errors, what it cannot follow) and the analysis's of each document."""
    out: list[Note] = []
    for doc in read(text):
        out.extend(doc.notes)
        if doc.derivable:
            for d in model(doc).diagnostics:
                start = doc.block.host_offset(d.span.start)
                end = doc.block.host_offset(d.span.end)
                out.append(Note(start, end, d.message, d.severity.value, d.code))
    return sorted(out, key=lambda n: (n.start, n.end))


def render(doc: FunctionDoc, wrt: str, kind: str, emit: str, steps: bool) -> str:
    """What ``matdiff grad|diff|hessian model.py --of FUNCTION`` prints: the derivative of
    the function's value by parameter ``wrt``; ``emit == "code"`` picks its framework."""
    from matdiff.base.errors import MatdiffError
    from matdiff.services.derivatives import render as render_document

    refusal = doc.refusal()
    if refusal is not None or not doc.derivable:
        raise MatdiffError(f"'{doc.name}' cannot be differentiated: {refusal}")
    if wrt not in doc.arrays:
        names = ", ".join(doc.arrays) or "none"
        raise MatdiffError(f"'{wrt}' is not a parameter of '{doc.name}' (its parameters: {names})")
    sym = model(doc).symbols.get(doc.definition)
    if kind != "numerator" and sym is not None and sym.shape is not None \
            and not sym.shape.is_scalar:  # fmt: skip
        raise MatdiffError(f"'{doc.name}' returns an array of shape "
                           f"{words(numpy_shape(sym.shape))}, not a scalar; {kind} needs a "
                           "scalar function — use diff")  # fmt: skip
    return render_document(doc.text, doc.definition, wrt, kind,  # type: ignore[arg-type]
                           doc.framework if emit == "code" else emit, steps)  # fmt: skip
