"""The server's copy of each open document, and incremental edits applied to it.

pygls's own copy splits lines with ``str.splitlines``, which also breaks at ``\\f \\v \\x1c
\\x1d \\x1e \\x85 \\u2028 \\u2029``: after an edit on a line after a form feed its text is wrong.
Here a position is read as LSP defines it: lines end at ``\\n``, ``\\r\\n`` or ``\\r``
(:class:`~matdiff.base.spans.LineIndex`), columns count the negotiated encoding's units, a
column past the end of its line means the end of the line, a line past the end of the text
means the end of the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from matdiff.base.spans import Encoding, LineIndex


@dataclass
class OpenDocument:
    """What the client says a document holds (``didOpen``, then each ``didChange``)."""

    uri: str
    language_id: str
    version: int | None
    text: str


def apply_change(
    text: str, change: types.TextDocumentContentChangeEvent, encoding: Encoding
) -> str:
    """``text`` after one ``contentChanges`` entry: a whole new text, or a range replaced."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return change.text
    return replace(text, change.range, change.text, encoding)


def replace(text: str, where: types.Range, new: str, encoding: Encoding) -> str:
    index = LineIndex(text)
    start = index.offset(where.start.line, where.start.character, encoding)
    end = index.offset(where.end.line, where.end.character, encoding)
    start, end = min(start, end), max(start, end)
    return text[:start] + new + text[end:]
