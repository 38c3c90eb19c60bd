"""The Python API (LANGUAGE.md §8): what the CLI prints, as functions of a document's text.

A facade: the error type lives in ``base.errors``, the derivatives in ``services``."""

from __future__ import annotations

from dataclasses import dataclass

from matdiff.analysis import DocumentModel, analyze
from matdiff.base import diagnostics as base
from matdiff.base.embedded import HostKind, blocks
from matdiff.base.errors import MatdiffError as MatdiffError
from matdiff.base.spans import LineIndex
from matdiff.services.derivatives import diff as diff
from matdiff.services.derivatives import grad as grad
from matdiff.services.derivatives import hessian as hessian


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem in a document, positioned with 1-based lines and columns (code points).

    ``end_line``/``end_column`` point just past the range.  ``str(d)`` is the CLI's form
    without the file name: ``LINE:COL: error: message``.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    code: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.severity}: {self.message}"


def to_public(model: DocumentModel, diagnostic: base.Diagnostic) -> Diagnostic:
    line, col = model.line_index.line_col(diagnostic.span.start)
    end_line, end_col = model.line_index.line_col(diagnostic.span.end)
    return Diagnostic(
        line + 1,
        col + 1,
        end_line + 1,
        end_col + 1,
        diagnostic.message,
        diagnostic.code,
        diagnostic.severity.value,
    )


def check(source: str) -> list[Diagnostic]:
    """Every diagnostic of the document ``source``, in document order."""
    model = analyze(source)
    return [to_public(model, d) for d in model.diagnostics]


def check_host(text: str, kind: HostKind) -> list[Diagnostic]:
    """Every diagnostic of the matdiff blocks embedded in a Python or Markdown file, at their
    places in that file (each block is a document of its own)."""
    index = LineIndex(text)
    out: list[Diagnostic] = []
    for block in blocks(text, kind):
        model = analyze(block.text)
        for d in model.diagnostics:
            start = index.line_col(block.host_offset(d.span.start))
            end = index.line_col(block.host_offset(d.span.end))
            out.append(Diagnostic(start[0] + 1, start[1] + 1, end[0] + 1, end[1] + 1,
                                  d.message, d.code, d.severity.value))  # fmt: skip
    return out
