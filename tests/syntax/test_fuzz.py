"""Fuzzing: nothing raises on any input, and generated documents round-trip.

- token soups (the language's tokens plus junk) and arbitrary text: ``parse``,
  ``analyze``, ``check`` and ``format_text`` never raise;
- documents generated from the grammar (``hypothesis.extra.lark.from_lark``) parse
  without syntax errors, print and re-parse to an equal tree, and formatting is
  idempotent.

The default runs are small; ``-m slow`` runs the same properties with many more examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from matdiff import check
from matdiff.analysis import analyze
from matdiff.base import language
from matdiff.base.spans import Span
from matdiff.syntax import ast, parse
from matdiff.syntax.parser import lark_parser
from matdiff.syntax.printer import format_expr, format_text

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))

TOKENS = [
    *("+", "-", "*", "@", "/", ".*", "./", "∘", "⊙", "⊗", "×", "·", "^", ".^", "'", ".T"),
    *("ᵀ", "⁻¹", "(", ")", ",", ":", "=", ";", "\n", " ", "#", "# note\n", "const"),
    *("A", "B", "x", "y", "f", "g", "m", "n", "I", "0", "1", "2", "0.5", ".5", "1e3", "-1"),
    *language.TYPES, *language.PROPERTIES, *language.FUNCTIONS, "eye", "ones", "zeros",
    *("$", "[", "]", "{", "==", "..", "\t", "\r", "\r\n", "\x00", "\ufeff", "é", "😀", "\\"),
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
# A declared prefix makes more of the soup reach the shape checker.
prefixed_soup = token_soup.map(lambda s: "A : matrix(m, n)\nx : vector(n)\nc : scalar\n" + s)


def never_raises(text: str) -> None:
    result = parse(text)
    assert isinstance(result.diagnostics, tuple)
    model = analyze(text)
    for d in model.diagnostics:
        assert 0 <= d.span.start <= d.span.end <= len(text)
        assert d.message
    check(text)
    format_text(text)


@FAST
@given(st.one_of(token_soup, prefixed_soup))
def test_token_soup_never_raises(text: str) -> None:
    never_raises(text)


@FAST
@given(st.text(max_size=80))
def test_random_text_never_raises(text: str) -> None:
    never_raises(text)


@FAST
@given(st.binary(max_size=80))
def test_random_bytes_never_raise(data: bytes) -> None:
    never_raises(data.decode("utf-8", errors="replace"))
    never_raises(data.decode("latin-1"))


# ------------------------------------------------------------------ generated documents

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).filter(lambda s: s != "const")


def spaced(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Words and numbers need a space around them, or two would lex as one."""
    return strategy.map(lambda s: f" {s} ")


def documents() -> st.SearchStrategy[str]:
    # whitespace between tokens, but no lone \r: to the driver, as to LSP, it is a line break
    _, _, ignored = lark_parser().grammar.compile(["document"], ())
    blanks = dict.fromkeys(ignored, st.sampled_from([" ", "  ", "\t", "\f"]))
    return from_lark(
        lark_parser(),
        start="document",
        explicit=blanks
        | {
            "NAME": spaced(names),
            "NUMBER": spaced(
                st.from_regex(r"(\d{1,3}(\.\d{1,2})?|\.\d{1,2})([eE][+-]?\d)?", fullmatch=True)
            ),
            "CONST": st.just("const "),
            # a comment would swallow the rest of its line: comments are fuzzed separately
            "COMMENT": st.just(" "),
        },
    ).map(lambda s: re.sub(r"\r(?!\n)", " ", s))  # a lone \r ends a line (LSP): the grammar's
    # whitespace inside a statement, but the document splits there first


def roundtrip(text: str) -> None:
    result = parse(text)
    assert not [d for d in result.diagnostics if d.code == "syntax"], (text, result.diagnostics)
    formatted = format_text(text)
    again = parse(formatted)
    assert again.diagnostics == () or all(d.code != "syntax" for d in again.diagnostics)
    assert again.document == result.document, (text, formatted)
    assert format_text(formatted) == formatted
    analyze(text)


@FAST
@given(documents())
def test_generated_documents_round_trip(text: str) -> None:
    roundtrip(text)


@FAST
# a comment runs to the end of its line: to \n, \r\n or a lone \r (LSP's line breaks)
@given(
    documents(), st.lists(st.text(alphabet=st.characters(exclude_characters="\n\r"), max_size=10))
)
def test_comments_do_not_change_the_tree(text: str, comments: list[str]) -> None:
    lines = text.split("\n")
    with_comments = "\n".join(
        line + (f"  #{comments[i]}" if i < len(comments) else "") for i, line in enumerate(lines)
    )
    assert parse(with_comments).document == parse(text).document
    formatted = format_text(with_comments)
    assert format_text(formatted) == formatted
    assert parse(formatted).document == parse(text).document


# ------------------------------------------------------------------ generated trees

_AT = Span(0, 0)  # spans do not take part in equality
_BINARY_OPS = ("+", "-", "*", "@", "/", ".*", "./", "⊗", "^", ".^")


def _binary(op: str, left: ast.Expr, right: ast.Expr) -> ast.Expr:
    return ast.Binary(_AT, op, left, right, _AT)


leaves: st.SearchStrategy[ast.Expr] = st.one_of(
    st.sampled_from(["x", "A", "b2", "I"]).map(lambda n: ast.Name(_AT, n)),
    st.sampled_from(["1", "2", "0.5", ".5", "1e3"]).map(lambda t: ast.Number(_AT, t)),
)
trees: st.SearchStrategy[ast.Expr] = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.builds(_binary, st.sampled_from(_BINARY_OPS), sub, sub),
        st.builds(lambda op, e: ast.Unary(_AT, op, e), st.sampled_from("-+"), sub),
        sub.map(lambda e: ast.Transpose(_AT, e)),
        st.builds(
            lambda f, args: ast.Call(_AT, ast.Name(_AT, f), tuple(args)),
            st.sampled_from(["tr", "kron", "f"]),
            st.lists(sub, max_size=3),
        ),
    ),
    max_leaves=12,
)


@FAST
@given(trees)
def test_printed_trees_parse_back(tree: ast.Expr) -> None:
    """Any tree prints with just enough parentheses to parse back to itself."""
    text = f"f = {format_expr(tree)}"
    result = parse(text)
    assert result.diagnostics == (), (text, result.diagnostics)
    (statement,) = result.document.statements
    assert isinstance(statement, ast.Definition)
    assert statement.value == tree, text


@pytest.mark.slow
@pytest.mark.parametrize(
    "prop",
    [roundtrip, never_raises],
    ids=["roundtrip", "never_raises"],
)
def test_slow_fuzz(prop: Callable[[str], None]) -> None:
    strategy = documents() if prop is roundtrip else st.one_of(token_soup, prefixed_soup, st.text())
    SLOW(given(strategy)(prop))()
