"""Diagnostics: everything ``matdiff check`` reports, with the same ranges and words."""

from __future__ import annotations

from lsprotocol import types

from matdiff.base.diagnostics import Severity
from matdiff.features.snapshot import Snapshot

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error,
             Severity.WARNING: types.DiagnosticSeverity.Warning}  # fmt: skip


def diagnostics(snap: Snapshot) -> list[types.Diagnostic]:
    out = []
    for d in snap.model.diagnostics:
        related = [
            types.DiagnosticRelatedInformation(
                location=snap.location(r.span), message=snap.places(r.message)
            )
            for r in d.related
        ]
        out.append(
            types.Diagnostic(
                range=snap.range(d.span),
                message=snap.places(d.message),
                severity=_SEVERITY[d.severity],
                code=d.code,
                source="matdiff",
                related_information=related or None,
                data=dict(d.data) or None,
            )
        )
    out.extend(python_function_notes(snap))
    return out


def python_function_notes(snap: Snapshot) -> list[types.Diagnostic]:
    """The reader's notes on an annotated Python function (shape errors, what it cannot
    follow), at their places in the Python file."""
    block = snap.host.block if snap.host is not None else None
    doc = getattr(block, "function", None)
    if doc is None or snap.host is None:
        return []
    index, out = snap.host.index, []
    for n in doc.notes:
        start, end = index.line_col(n.start, snap.encoding), index.line_col(n.end, snap.encoding)
        severity = (types.DiagnosticSeverity.Error if n.severity == "error"
                    else types.DiagnosticSeverity.Information)  # fmt: skip
        out.append(types.Diagnostic(
            range=types.Range(start=types.Position(line=start[0], character=start[1]),
                              end=types.Position(line=end[0], character=end[1])),
            message=n.message, severity=severity, code=n.code, source="matdiff"))  # fmt: skip
    return out
