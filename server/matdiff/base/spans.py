"""Source spans and the one place where offsets become lines and columns.

Internally every position is a 0-based character offset into the document text (a Python
``str`` index).  :class:`LineIndex` converts offsets to 0-based (line, column) pairs, where the
column counts in the unit a client asks for: code points (``utf-32``, what the CLI prints),
UTF-16 code units (VS Code) or UTF-8 bytes (Neovim).  Nothing else converts positions.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Mapping
from typing import Literal, NamedTuple

Encoding = Literal["utf-8", "utf-16", "utf-32"]
_LINE_BREAK = re.compile(r"\r\n?|\n")
_LF = re.compile("\n")


class Span(NamedTuple):
    """A half-open range ``[start, end)`` of character offsets.

    ``frame`` 0 means offsets into the document.  Otherwise the offsets count from the start
    of one parsed statement, and ``frame`` names that statement (see
    :mod:`matdiff.syntax.parser`): a statement that moves keeps its nodes, and the document
    model holds each frame's current start (``DocumentModel.absolute``).
    """

    start: int
    end: int
    frame: int = 0

    def placed(self, bases: Mapping[int, int]) -> Span:
        """This span in document offsets, given each frame's start (``bases``)."""
        if not self.frame:
            return self
        base = bases[self.frame]
        return Span(self.start + base, self.end + base)

    def shift(self, by: int) -> Span:
        return Span(self.start + by, self.end + by, self.frame)

    def cover(self, other: Span) -> Span:
        assert self.frame == other.frame, (self, other)
        return Span(min(self.start, other.start), max(self.end, other.end), self.frame)

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end or offset == self.start == self.end


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return len(text)
    if text.isascii():
        return len(text)
    # a lone surrogate (JSON allows one) counts as one UTF-16 unit, three UTF-8 bytes
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def lone_cr_as_lf(text: str) -> str:
    """``text`` with each ``\\r`` not followed by ``\\n`` made a ``\\n``: the line breaks LSP
    defines (``\\n``, ``\\r\\n``, ``\\r``) as the parser splits them.  Same length, so
    offsets stay."""
    return text if "\r" not in text else re.sub(r"\r(?!\n)", "\n", text)


class LineIndex:
    """Offsets ↔ (line, column) for one text.  Lines end at ``\\n``, ``\\r\\n`` or ``\\r``, the
    line breaks of LSP (not at the other characters ``str.splitlines`` breaks at)."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        # 8 bytes a line (a list of ints takes 36): a document of blank lines is all starts
        self._starts = array("q", (0,))
        self._starts.extend(m.end() for m in (_LINE_BREAK if "\r" in text else _LF).finditer(text))

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[min(max(line, 0), len(self._starts) - 1)]

    def line_end(self, line: int) -> int:
        """Offset of the end of ``line``, before its line break."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1] - 1
            if self._text[end] == "\n" and end > self._starts[line] and self._text[end - 1] == "\r":
                end -= 1
            return end
        return len(self._text)

    def line_col(self, offset: int, encoding: Encoding = "utf-32") -> tuple[int, int]:
        """0-based line and column of ``offset``; the column counts ``encoding`` units."""
        offset = min(max(offset, 0), len(self._text))
        line = bisect.bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        if encoding == "utf-32":
            return line, offset - start
        return line, _units(self._text[start:offset], encoding)

    def offset(self, line: int, column: int, encoding: Encoding = "utf-32") -> int:
        """The offset of a 0-based (line, column); out-of-range values are clamped."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self._text)
        return _column(self._text, self._starts[line], self.line_end(line), column, encoding)


def column_offset(line: str, column: int, encoding: Encoding = "utf-32") -> int:
    """The offset in ``line`` (its text, without its line break) of ``column``, counted in
    ``encoding`` units, as :meth:`LineIndex.offset` reads it."""
    return _column(line, 0, len(line), column, encoding)


def _column(text: str, start: int, end: int, column: int, encoding: Encoding) -> int:
    """The offset of ``column`` (``encoding`` units) on the line ``[start, end)``: the first
    offset with at least ``column`` units before it (a column inside a character is after
    it), or the line's end."""
    if column <= 0:
        return start
    stop = min(end, start + column)  # a character is at least one unit
    line = text[start:stop]
    if encoding == "utf-32" or line.isascii():
        return stop
    if _units(line, encoding) < column:
        return end
    low, high = 0, len(line)  # the shortest prefix with enough units, by bisection
    while low < high:
        mid = (low + high) // 2
        if _units(line[:mid], encoding) >= column:
            high = mid
        else:
            low = mid + 1
    return start + low
