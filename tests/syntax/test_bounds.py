"""Bounded parsing: a statement too long is refused before any parsing, one too deeply
nested is reported, and so is a number too large to hold exactly; a long flat chain (a sum,
a product) is none of these."""

from __future__ import annotations

from fractions import Fraction

import pytest

import matdiff
from matdiff import check
from matdiff.analysis import analyze
from matdiff.syntax import ast, fastparse, parse, parser
from matdiff.syntax.parser import MAX_DEPTH, MAX_DIGITS, MAX_EXPONENT, MAX_STATEMENT


def _sum_of_length(length: int) -> str:
    """``f = x + x + … + xyz`` of exactly ``length`` characters."""
    head = "f = x"
    terms = (length - len(head)) // 4
    text = head + " + x" * terms
    return text + "x" * (length - len(text))


def test_a_huge_statement_is_refused_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    original = fastparse.parse_statement

    def only_short(text: str, frame: int = 0) -> ast.Statement | None:
        assert len(text) <= MAX_STATEMENT, "a statement over the limit must not be parsed"
        return original(text, frame)

    monkeypatch.setattr(fastparse, "parse_statement", only_short)
    huge = _sum_of_length(10_000_000)
    text = f"x : scalar\n{huge}\ng = f + 1\n"
    found = check(text)
    assert [(d.line, d.column) for d in found] == [(2, 1)]
    assert found[0].message == (
        f"this statement is too long to check (10,000,000 characters; the limit is "
        f"{MAX_STATEMENT:,})"
    )
    model = analyze(text)
    assert isinstance(model.document.statements[1], ast.Broken)
    assert model.symbols["f"].kind == "definition"  # so 'g = f + 1' is not reported


def test_the_length_limit_is_exact() -> None:
    at_limit = parse(f"x : scalar\n{_sum_of_length(MAX_STATEMENT)}\n")
    assert at_limit.diagnostics == ()
    assert isinstance(at_limit.document.statements[1], ast.Definition)
    over = parse(f"x : scalar\n{_sum_of_length(MAX_STATEMENT + 1)}\n")
    assert [d.message.split(" (")[0] for d in over.diagnostics] == [
        "this statement is too long to check"
    ]


def test_depth_counts_real_nesting() -> None:
    def depth(text: str) -> int:
        statement = fastparse.parse_statement(text)
        assert statement is not None
        return parser.depth(statement)

    assert depth("f = " + " + ".join(["x"] * 3000)) == 1
    assert depth("f = " + "*".join(["x"] * 3000)) == 1
    assert depth("f = " + "(" * 3000 + "x" + ")" * 3000) == 0
    assert depth("f = a + b*c") == 2  # b*c is the right operand of +
    assert depth("f = " + "-" * 50 + "x") == 50
    assert depth("f = x" + "'" * 50) == 50
    assert depth("f = " + "^".join(["x"] * 51)) == 50
    assert depth("f = " + "g(" * 50 + "x" + ")" * 50) == 50
    assert depth("x : matrix(m, n)") == 0


@pytest.mark.parametrize(
    "deep",
    [
        "-" * (MAX_DEPTH + 1) + "x",
        "x" + "'" * (MAX_DEPTH + 1),
        "^".join(["x"] * (MAX_DEPTH + 2)),
        "sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
        "x + (" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    ],
    ids=["signs", "transposes", "powers", "calls", "right-nested sums"],
)
def test_too_deep_is_one_diagnostic(deep: str) -> None:
    found = check(f"x : scalar\nf = {deep}\ng = 2*x\n")
    assert [(d.line, d.message) for d in found] == [
        (2, f"this statement is nested too deeply (more than {MAX_DEPTH} levels)")
    ]


@pytest.mark.parametrize(
    "deep",
    [
        "-" * MAX_DEPTH + "x",
        "sin(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH,
        "x + (" * MAX_DEPTH + "x" + ")" * MAX_DEPTH,
        "(" * 3000 + "x" + ")" * 3000,
    ],
    ids=["signs", "calls", "right-nested sums", "parentheses"],
)
def test_as_deep_as_allowed_is_analysed(deep: str) -> None:
    model = analyze(f"x : scalar\nf = {deep}\n")
    assert model.diagnostics == ()
    assert str(model.symbols["f"].shape) == "scalar"


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("y : vector(" + "9" * 5000 + ")", 12),
        ("f = x^" + "9" * 5000, 7),
        ("f = 1e99999999999*x", 5),
        ("f = x + 2.5E-1001", 9),
        ("f = x*" + "1" * (MAX_DIGITS + 1), 7),
    ],
    ids=["dimension", "exponent", "power of ten", "small", "digits"],
)
def test_a_number_too_large_is_one_diagnostic(text: str, column: int) -> None:
    document = f"x : scalar\n{text}\ng = 2*x\n"
    found = check(document)
    assert [(d.column, d.message) for d in found] == [
        (
            column,
            f"this number is too large to work with (at most {MAX_DIGITS} digits and an "
            f"exponent of at most {MAX_EXPONENT})",
        )
    ]
    assert str(analyze(document).symbols["g"].shape) == "scalar"


def test_numbers_within_the_limits_are_exact() -> None:
    big = "1" * MAX_DIGITS
    text = f"x : scalar\nf = {big}*x + 1e{MAX_EXPONENT}*x + 1e-{MAX_EXPONENT}*x\n"
    assert check(text) == []
    derivative = matdiff.diff(text, of="f", wrt="x", emit="dsl")
    expected = int(big) + 10**MAX_EXPONENT + Fraction(1, 10**MAX_EXPONENT)
    assert Fraction(derivative.strip("()")) == expected


def test_types_inside_types_are_bounded() -> None:
    """function(vector(m)) nests one level; past MAX_DEPTH a declaration is one diagnostic
    (the fast parser leaves deep types to lark; lark's tree builder recurses, bounded here),
    and a size inside a nested type is checked for length like any number."""
    assert parser.depth(fastparse.parse_statement("l : function(vector(m))")) == 1  # type: ignore[arg-type]
    assert parser.depth(fastparse.parse_statement("L : function(matrix(m, k))")) == 1  # type: ignore[arg-type]
    for k in (9, 100):  # beyond the fast parser's 8 levels, lark's tree, the same statement
        text = "l : " + "function(" * k + "vector(m)" + ")" * k
        assert fastparse.parse_statement(text) is None
        assert not [d for d in parse(text + "\n").diagnostics if d.code == "syntax"]
    for k in (101, 1900):  # 1,900 levels: lark's builder would recurse past Python's limit
        text = "l : " + "function(" * k + "vector(m)" + ")" * k + "\n"
        assert [d.message for d in parse(text).diagnostics] == [parser._TOO_DEEP]
    [d] = parse("l : function(vector(" + "9" * 120 + "))\n").diagnostics
    assert d.message.startswith("this number is too large")


def test_past_the_statement_limit_nothing_is_checked() -> None:
    """A document is checked up to MAX_STATEMENTS statements; one warning marks where
    checking stops (here with a limit of 3), and nothing after it is analysed."""
    text = "x : scalar\na = x\nb = q\n  c = q; d = q\n"
    model = analyze(text, limit=3)
    assert [type(s).__name__ for s in model.document.statements] == [
        "Declaration",
        *["Definition"] * 2,
    ]
    (undefined, stop) = sorted(model.diagnostics, key=lambda d: d.span.start)
    assert undefined.code == "undefined" and model.source(undefined.span) == "q"
    assert stop.code == "too-many-statements" and stop.severity.value == "warning"
    assert text[stop.span.start : stop.span.end] == "c = q; d = q"  # to the end of its line
    assert stop.message == (
        f"matdiff checks the first {parser.MAX_STATEMENTS:,} statements of a document: "
        "from here on, nothing is checked"
    )
    assert len(analyze(text).document.statements) == 5  # under the real limit: all of them
