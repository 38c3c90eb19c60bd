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
    return out
