"""The server's copy of each open document, and incremental edits applied to it.

pygls's own copy splits lines with ``str.splitlines``, which also breaks at ``\\f \\v \\x1c
\\x1d \\x1e \\x85 \\u2028 \\u2029``: after an edit on a line after a form feed its text is wrong.
Here a position is read as LSP defines it: lines end at ``\\n``, ``\\r\\n`` or ``\\r``
(as :class:`~matdiff.base.spans.LineIndex` reads them), columns count the negotiated
encoding's units (:func:`~matdiff.base.spans.column_offset`; a column inside a character
is after it), a column past the end of its line means the end of the line, a line past the
end of the text means the end of the text, and a range that ends before it starts is read
forwards.

A document is kept as its list of lines, so that an edit costs what its lines hold, not
the document: a change of ten thousand edits (a replace-all) in a large file is applied in
a moment.  What is kept is bounded: :data:`MAX_TEXT` characters a document, :data:`MAX_EDITS`
edits a change (past them, the server does not keep the document, and says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

from matdiff.base.spans import Encoding, column_offset

MAX_TEXT = 2_000_000
MAX_EDITS = 10_000
_BREAK = re.compile(r"\r\n|\r|\n")
_END_BREAK = re.compile(r"(?:\r\n|\r|\n)\Z")


def lines_of(text: str) -> list[str]:
    """``text`` cut after each line break (LSP's): the last line has none (it may be "")."""
    if "\r" not in text:
        *most, last = text.split("\n")
        return [line + "\n" for line in most] + [last]
    out, start = [], 0
    for m in _BREAK.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    out.append(text[start:])
    return out


class OpenDocument:
    """What the client says a document holds (``didOpen``, then each ``didChange``)."""

    def __init__(self, uri: str, language_id: str, version: int | None, text: str) -> None:
        self.uri, self.language_id, self.version = uri, language_id, version
        self._lines = lines_of(text)
        self._text: str | None = text

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._lines)
        return self._text

    def apply(self, change: types.TextDocumentContentChangeEvent, encoding: Encoding) -> None:
        """One ``contentChanges`` entry: a whole new text, or a range replaced."""
        self._text = None
        if not isinstance(change, types.TextDocumentContentChangePartial):
            self._lines = lines_of(change.text)
            return
        lines = self._lines
        start = self._place(change.range.start, encoding)
        end = self._place(change.range.end, encoding)
        (la, ca), (lb, cb) = sorted((start, end))
        # from the line before: a \r that ends it and a \n that starts the new text make one
        # line break; to the end of the last line replaced, with its line break
        first = la - 1 if la > 0 else la
        piece = "".join(lines[first:la]) + lines[la][:ca] + change.text + lines[lb][cb:]
        new = lines_of(piece)
        if lb + 1 < len(lines):  # the piece ends with a line break, the text goes on
            new.pop()
        lines[first : lb + 1] = new

    def _place(self, where: types.Position, encoding: Encoding) -> tuple[int, int]:
        """(line, offset in the line) of a position, clamped to the text."""
        lines = self._lines
        if where.line >= len(lines):
            return len(lines) - 1, len(lines[-1])
        line = lines[where.line]
        content = line[: -len(m.group())] if (m := _END_BREAK.search(line)) else line
        return where.line, column_offset(content, where.character, encoding)


def apply_change(
    text: str, change: types.TextDocumentContentChangeEvent, encoding: Encoding
) -> str:
    """``text`` after one ``contentChanges`` entry."""
    doc = OpenDocument("", "", None, text)
    doc.apply(change, encoding)
    return doc.text


def whole_from(
    changes: Sequence[types.TextDocumentContentChangeEvent],
) -> tuple[str | None, Sequence[types.TextDocumentContentChangeEvent]]:
    """The last whole new text of a ``didChange`` (None if none) and the edits after it:
    the edits before it do not matter."""
    for i in range(len(changes) - 1, -1, -1):
        change = changes[i]
        if not isinstance(change, types.TextDocumentContentChangePartial):
            return change.text, changes[i + 1 :]
    return None, changes
