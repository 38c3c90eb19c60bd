"""A statement that does not parse is remembered like one that does (by its text and its
occurrence): an edit elsewhere does not send it to lark again — 0.3 s for a long one — and
its diagnostic, placed where the statement now is, equals a fresh parse's."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matdiff.base import caches
from matdiff.syntax import larkparse
from matdiff.syntax.parser import MAX_STATEMENT, ParseResult, parse

LINES = [
    "x : vector(n)",
    "f = x'*x",
    "p = (x +",  # missing operand
    "q = sin(x",  # unclosed '(' opened at L:C: a message that quotes a place
    "r = (x +\n  y",  # over two lines
    "s = x $ x",  # an unexpected character
    "t = x x",  # a missing operator
    "u = tr(x'*(x +\n  x)",  # unclosed, the place on the first of two lines
    "v = 1" + "0" * 120,  # a number too long to work with
    "",
]


def fresh(text: str) -> ParseResult:
    with caches.using(caches.Caches()):
        return parse(text)


def view(result: ParseResult) -> tuple[Any, ...]:
    return result.diagnostics, result.document, result.starts, result.texts


@pytest.fixture
def lark_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = larkparse.parse_statement

    def counted(text: str, frame: int) -> Any:
        calls.append(text)
        return real(text, frame)

    monkeypatch.setattr(larkparse, "parse_statement", counted)
    return calls


def test_a_long_broken_statement_is_parsed_once(lark_calls: list[str]) -> None:
    terms = " + ".join(f"a{i}*x" for i in range(MAX_STATEMENT // 8))[: MAX_STATEMENT - 40]
    long = f"g = ({terms.rsplit(' + ', 1)[0]} +"  # an unclosed '(' and a missing operand
    assert MAX_STATEMENT - 100 < len(long) <= MAX_STATEMENT
    text = f"x : vector(n)\n{long}\nf = x'*x\n"
    first = parse(text)
    assert [d.message for d in first.diagnostics] == ["missing operand after '+'"]
    assert lark_calls == [long]
    for edited in (
        text + "h = f*2\n",  # a line added below
        "# a comment\n\n" + text,  # two lines above: the statement moved
        text.replace("f = x'*x", "f = 2*x'*x"),  # another statement changed
        text.replace("x : vector(n)\n", "x : vector(n); c : scalar\n"),
    ):
        assert view(parse(edited)) == view(fresh(edited))
    assert len(lark_calls) == 1 + 4  # the fresh parses only


def test_a_quoted_place_follows_the_statement() -> None:
    text = "x : vector(n)\nq = sin(x\nf = x'*x\n"
    [d] = parse(text).diagnostics
    assert d.message == "unclosed '(' opened at 2:8"
    moved = "c : scalar\n\nx : vector(n)\nb : scalar; q = sin(x\nf = x'*x\n"
    [d] = parse(moved).diagnostics
    assert d.message == "unclosed '(' opened at 4:20"
    assert d.span.start == moved.index("(x")
    assert view(parse(moved)) == view(fresh(moved))


def test_identical_broken_statements_are_each_placed() -> None:
    text = "p = (x +\nf = 1\np = (x +\n"
    assert view(parse(text)) == view(fresh(text))
    shorter = "p = (x +\np = (x +\n"  # the second one is now another line
    assert view(parse(shorter)) == view(fresh(shorter))
    assert [d.span.start for d in parse(shorter).diagnostics] == [7, 16]


def _edit(lines: list[str], edit: tuple[str, int, str]) -> list[str]:
    what, at, line = edit
    lines = list(lines)
    i = at % (len(lines) + 1)
    if what == "insert" or not lines:
        lines.insert(i, line)
    elif what == "delete":
        del lines[i % len(lines)]
    elif what == "prefix":  # another statement before it on its line: it moves right
        lines[i % len(lines)] = f"{line}; {lines[i % len(lines)]}"
    else:
        lines[i % len(lines)] += " + 1"
    return lines


@settings(max_examples=150, deadline=None)
@given(
    start=st.lists(st.sampled_from(LINES), max_size=10),
    changes=st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "prefix", "append"]),
            st.integers(0, 30),
            st.sampled_from(LINES),
        ),
        max_size=8,
    ),
)
def test_reparsing_after_edits_equals_parsing_from_scratch(
    start: list[str], changes: list[tuple[str, int, str]]
) -> None:
    lines = start
    parse("\n".join(lines))
    for change in changes:
        lines = _edit(lines, change)
        text = "\n".join(lines) + "\n"
        assert view(parse(text)) == view(fresh(text)), text
