"""Formatting: canonical spacing through the syntax printer.

The printer keeps comments and broken statements; this module also checks that before
answering.  If the formatted text parses to different statements, or any comment or any
broken statement's text is missing, nothing is changed (an empty edit list): a formatter
must never lose text.
"""

from __future__ import annotations

import re
from collections import Counter

from lsprotocol import types

from matdiff.analysis import DocumentModel, analyze
from matdiff.features.snapshot import Snapshot
from matdiff.syntax import ast
from matdiff.syntax.printer import format_text

_COMMENT = re.compile(r"#[^\r\n]*")


def _comments(text: str) -> Counter[str]:
    return Counter(m.group().rstrip() for m in _COMMENT.finditer(text))


def _broken(model: DocumentModel) -> list[str]:
    return [
        " ".join(model.source(s.span).split())
        for s in model.document.statements
        if isinstance(s, ast.Broken)
    ]


def safe_format(text: str) -> str | None:
    """``text`` formatted, or None when formatting would change its meaning or lose text
    (or the document is too long to check whole: what is not checked is not formatted)."""
    before = analyze(text)
    if any(d.code == "too-many-statements" for d in before.diagnostics):
        return None
    new = format_text(text)
    if new == text:
        return None
    after = analyze(new)
    if before.document.statements != after.document.statements:
        return None
    if _comments(text) != _comments(new):
        return None
    if _broken(before) != _broken(after):
        return None
    return new


def formatting(snap: Snapshot) -> list[types.TextEdit]:
    new = safe_format(snap.text)
    if new is None:
        return []
    whole = types.Range(start=snap.position(0), end=snap.position(len(snap.text)))
    return [types.TextEdit(range=whole, new_text=new)]
