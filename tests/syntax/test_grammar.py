"""The grammar itself: LALR(1) without conflicts, and shipped with the package."""

from __future__ import annotations

import lark

from matdiff.syntax.parser import grammar_text, lark_parser
from tests.conftest import REPO


def test_grammar_has_no_lalr_conflicts() -> None:
    # strict=True turns shift/reduce conflicts and terminal collisions into errors
    lark.Lark(grammar_text(), parser="lalr", strict=True, start=["statement", "document"])


def test_packaged_grammar_is_the_source_grammar() -> None:
    source = (REPO / "grammar" / "matdiff.lark").read_text(encoding="utf-8")
    assert grammar_text() == source


def test_both_start_symbols_parse() -> None:
    parser = lark_parser()
    parser.parse("f = x'*A*x", start="statement")
    parser.parse("A : matrix(m, n)\nf = A'*A; g = tr(f)\n", start="document")
