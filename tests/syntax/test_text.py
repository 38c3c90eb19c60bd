"""Text as LSP defines it: lines end at ``\\n``, ``\\r\\n`` and ``\\r`` (and nothing else), a
byte-order mark is whitespace, and invisible characters are named in messages, never raw."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matdiff import check
from matdiff.analysis import analyze
from matdiff.base.spans import Encoding, LineIndex, column_offset
from matdiff.syntax import parse
from matdiff.syntax.printer import format_text

BROKEN = ["x : vector(n)", "f = x +", "g = x'*x", "h = (x'", "  *x)", "k = g + 1"]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_break_ends_a_line(eol: str) -> None:
    text = eol.join(BROKEN) + eol
    found = [(d.line, d.column, d.message) for d in check(text)]
    assert found == [(2, 7, "missing operand after '+'")]
    model = analyze(text)
    assert str(model.symbols["g"].shape) == "scalar"
    assert str(model.symbols["h"].shape) == "scalar"  # a line break inside ( continues it
    assert str(model.symbols["k"].shape) == "scalar"


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_an_unclosed_parenthesis_stops_at_the_next_statement(eol: str) -> None:
    text = eol.join(["x : scalar", "f = (x +", "", "g = 2*x", "h = (x", "  + g)"]) + eol
    found = [(d.line, d.column, d.message) for d in check(text)]
    assert found == [(2, 8, "missing operand after '+'")]
    model = analyze(text)
    assert str(model.symbols["g"].shape) == "scalar"
    assert str(model.symbols["h"].shape) == "scalar"


def test_mixed_line_breaks_and_messages_that_quote_places() -> None:
    text = "x : scalar\r\ny : scalar\rf = x\ng = y\r\rf = 2*x\r\n"
    [d] = check(text)
    assert (d.line, d.column) == (6, 1)
    assert d.message == "'f' is already defined at 3:1"


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_comments_end_at_the_line_break(eol: str) -> None:
    text = eol.join(["x : scalar  # a comment", "f = 2*x # another", "g = f + x"]) + eol
    assert check(text) == []
    assert str(analyze(text).symbols["g"].shape) == "scalar"


@pytest.mark.parametrize("ch", ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_other_separators_are_not_line_breaks(ch: str) -> None:
    index = LineIndex(f"a{ch}b\nc")
    assert index.line_count == 2
    assert index.line_col(2) == (0, 2)
    assert index.line_col(4) == (1, 0)


@pytest.mark.parametrize("ch", ["\v", "\x1c", "\x85", "\u2028", "\u2029"])
def test_other_separators_are_reported_where_they_are(ch: str) -> None:
    [d] = check(f"x : scalar\nf = x{ch}g = 2*x\n")
    assert (d.line, d.column) == (2, 6)
    assert d.message.startswith(f"unexpected U+{ord(ch):04X}")
    assert ch not in d.message


def test_form_feed_is_whitespace() -> None:
    assert check("x : scalar\n\f\nf = 2*\fx\n") == []


@pytest.mark.parametrize(
    ("text", "line", "col", "start", "end"),
    [
        ("a\rb\r\nc\nd", 3, 1, [0, 2, 5, 7], [1, 3, 6, 8]),
        ("a\r\n", 1, 0, [0, 3], [1, 3]),
        ("\r\r", 2, 0, [0, 1, 2], [0, 1, 2]),
    ],
)
def test_line_index_counts_lsp_lines(
    text: str, line: int, col: int, start: list[int], end: list[int]
) -> None:
    index = LineIndex(text)
    assert index.line_count == len(start)
    assert [index.line_start(k) for k in range(index.line_count)] == start
    assert [index.line_end(k) for k in range(index.line_count)] == end
    assert index.line_col(len(text)) == (line, col)
    for offset in range(len(text) + 1):
        if offset and text[offset - 1] == "\r" and offset < len(text) and text[offset] == "\n":
            continue  # between the \r and \n of one line break: not a position of its own
        for encoding in ("utf-8", "utf-16", "utf-32"):
            assert index.offset(*index.line_col(offset, encoding), encoding) == offset  # type: ignore[arg-type]


def test_a_byte_order_mark_is_whitespace() -> None:
    text = "\ufeffx : vector(n)\nf = x'*x\n"
    assert check(text) == []
    assert str(analyze(text).symbols["f"].shape) == "scalar"
    [d] = check("\ufefff = y\ng = z\n")[:1]
    assert (d.line, d.column, d.message) == (1, 6, "'y' is not declared or defined")
    [_, e] = check("\ufefff = y\ng = z\n")
    assert (e.line, e.column) == (2, 5)
    assert format_text("\ufeffx:scalar\r\nf=2*x\r\n") == "\ufeffx : scalar\r\nf = 2*x\r\n"


def test_a_byte_order_mark_elsewhere_is_named() -> None:
    [d] = check("x : scalar\nf = x\ufeff\n")
    assert d.message == "unexpected U+FEFF (ZERO WIDTH NO-BREAK SPACE)"


@pytest.mark.parametrize(
    ("ch", "named"),
    [
        ("\x00", "U+0000"),
        ("\x07", "U+0007"),
        ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("\xa0", "U+00A0 (NO-BREAK SPACE)"),
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ],
)
def test_invisible_characters_are_named(ch: str, named: str) -> None:
    [d] = check(f"x : scalar\nf = 2{ch}*x\n")
    assert d.message == f"unexpected {named}"
    assert (d.line, d.column) == (2, 6)
    assert ch not in d.message


def test_visible_characters_are_quoted() -> None:
    assert [d.message for d in check("f = [x]\n")] == ["unexpected '['; use ( ) for grouping"]
    assert [d.message for d in check("f = 2 $ x\n")] == ["unexpected '$'"]


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_the_formatter_keeps_the_documents_line_breaks(eol: str) -> None:
    text = eol.join(["x:scalar  # x", "", "f=2*x; g=f+1", "h = (f +", "  g)"]) + eol
    assert (
        format_text(text)
        == eol.join(["x : scalar  # x", "", "f = 2*x; g = f + 1", "h = f + g"]) + eol
    )
    assert parse(format_text(text)).document == parse(text).document


def test_a_lone_surrogate_is_named_and_counted() -> None:
    text = "x : scalar\nf = x\ud800 + 1\n"
    [d] = check(text)
    assert (d.line, d.column, d.message) == (2, 6, "unexpected U+D800")
    index = LineIndex(text)
    assert index.line_col(17, "utf-16") == (1, 6)  # one UTF-16 unit
    assert index.line_col(17, "utf-8") == (1, 8)  # three bytes
    assert index.offset(1, 6, "utf-16") == 17


def _width(ch: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return len(ch.encode("utf-16-le", "surrogatepass")) // 2
    return len(ch.encode("utf-8", "surrogatepass"))


ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-32"])


@settings(max_examples=500, deadline=None)
@given(text=st.text("ab é𝔸\n\r\ud800", max_size=30), line=st.integers(0, 8),
       column=st.integers(0, 20), encoding=ENCODINGS)  # fmt: skip
def test_a_column_is_read_as_a_count_of_units(text: str, line: int, column: int,
                                             encoding: Encoding) -> None:  # fmt: skip
    """``LineIndex.offset`` (by bisection over the line's encoded prefixes) against a walk
    over the characters: the first offset with at least ``column`` units before it, or the
    line's end (a column inside a character is after it)."""
    index = LineIndex(text)
    if line >= index.line_count:
        assert index.offset(line, column, encoding) == len(text)
        return
    start, end = index.line_start(line), index.line_end(line)
    walked, units = end, 0
    for i in range(start, end):
        if units >= column:
            walked = i
            break
        units += _width(text[i], encoding)
    assert index.offset(line, column, encoding) == walked
    assert start + column_offset(text[start:end], column, encoding) == walked
