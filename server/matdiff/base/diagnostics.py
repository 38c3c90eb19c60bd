"""Diagnostics: what is wrong, where, and (optionally) where else it helps to look."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from matdiff.base.spans import Span


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Related:
    """A second place that explains a diagnostic (say, where a shape was declared)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a document.

    ``code`` names the kind of problem (``syntax``, ``shape``, ``undefined``, …) so that
    editor features can offer fixes without parsing the message.  ``data`` carries what such
    a fix needs (a suggested name, an inferred shape), as plain strings.
    """

    span: Span
    message: str
    code: str
    severity: Severity = Severity.ERROR
    related: tuple[Related, ...] = ()
    data: tuple[tuple[str, str], ...] = field(default=())

    def get(self, key: str) -> str | None:
        return dict(self.data).get(key)
