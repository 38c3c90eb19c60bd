"""The fast statement parser (``syntax/fastparse.py``) against lark, its specification.

For every text, ``fastparse.parse_statement`` must return what lark's parse and
``larkparse.Builder`` build, with the same spans (tree equality ignores spans, so
``assert_same`` walks both trees), or None exactly where lark rejects the text.  The texts
are statements generated from the grammar, mutations of them, soups of the language's tokens,
arbitrary text, explicit examples, and every statement of the test data, the grammar's
examples, the tutorial corpus (tests/data/corpus) and the benchmark's document.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark.exceptions import UnexpectedInput

from matdiff.base import names as base_names
from matdiff.base.spans import Span
from matdiff.syntax import ast, larkparse, parser
from matdiff.syntax.fastparse import parse_statement
from tests.conftest import DATA, REPO, TUTORIAL

FAST = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def lark_statement(text: str) -> ast.Statement | None:
    """The oracle: lark's tree for ``text`` (spans from 0, frame 0), or None if it rejects it."""
    try:
        tree = parser.lark_parser().parse(text, start="statement")
    except UnexpectedInput:
        return None
    return larkparse.Builder(0).statement(tree)


def assert_same(got: object, expected: object, path: str = "statement") -> None:
    """The same node types, fields and spans, all the way down."""
    assert type(got) is type(expected), f"{path}: {got!r} is not {expected!r}"
    if isinstance(expected, tuple) and not isinstance(expected, Span):
        assert isinstance(got, tuple) and len(got) == len(expected), f"{path}: {got} {expected}"
        for k, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert_same(a, b, f"{path}[{k}]")
    elif dataclasses.is_dataclass(expected):
        for field in dataclasses.fields(expected):
            name = field.name
            assert_same(getattr(got, name), getattr(expected, name), f"{path}.{name}")
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


def in_frame(value: Any, frame: int) -> Any:
    """``value`` (a tree, or part of one) with every span in ``frame``."""
    if isinstance(value, Span):
        return Span(value.start, value.end, frame)
    if isinstance(value, tuple):
        return tuple(in_frame(v, frame) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: in_frame(getattr(value, f.name), frame) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value


def check(text: str, frames: bool = True) -> ast.Statement | None:
    """The fast parser agrees with lark on ``text`` (and in another frame, with ``frames``);
    returns lark's tree."""
    expected = lark_statement(text)
    got = parse_statement(text)
    if expected is None:
        assert got is None, f"lark rejects {text!r}, the fast parser gave {got}"
        assert parse_statement(text, frame=3) is None
        return None
    assert got is not None, f"lark parses {text!r} as {expected}, the fast parser rejected it"
    assert_same(got, expected)
    if frames:
        assert_same(parse_statement(text, frame=3), in_frame(expected, 3))
    return expected


# ------------------------------------------------------------------ explicit examples

VALID = [
    # every binary operator, in every spelling
    *(f"f = a {op} b" for op in ["+", "-", "*", "@", "/", ".*", "./", "^", ".^"]),
    *(f"f = a {op} b" for op in ["∘", "⊙", "⊗", "×", "·"]),
    "f=a+b-c*d@e/g.*h./i∘j⊙k⊗l×m·n^o.^p",
    # precedence and associativity
    "f = a + b * c", "f = a * b + c", "f = a - b - c", "f = a - (b - c)", "f = a / b / c",
    "f = a ^ b ^ c", "f = a .^ b ^ c", "f = -a ^ b", "f = a ^ -b", "f = x^-2", "f = x^+2",
    "f = a ^ -b ^ c", "f = a ^ -b * c", "f = a ^ - - b", "f = -a * b", "f = -a + b",
    "f = - -a", "f = +a", "f = -+-a", "f = a - -b", "f = a + +b", "f = a * -b ^ c",
    "f = a * b ^ c * d", "f = a ⊗ b + c ⊗ d", "f = (a + b) * (c - d)", "f = a*(b + c)^2",
    # postfix operators
    "f = x'", "f = x.T", "f = xᵀ", "f = x⁻¹", "f = x''", "f = x'⁻¹ᵀ.T", "f = -x'",
    "f = x'^2", "f = a^b'", "f = a^b⁻¹", "f = x⁻¹⁻¹", "f = 2⁻¹", "f = 2.T", "f = 1.5.T",
    "f = (a + b)'", "f = ((a))'", "f = (a)⁻¹", "f = g(x)'", "f = g(x)⁻¹ * y",
    "f = A ⁻¹", "f = A '", "f = (A*B)ᵀ'",
    # calls
    "f = g()", "f = g( )", "f = g(x)", "f = g(x, y, z)", "f = g(h(x), -y, (z))",
    "f = g((x))", "f = tr(A'*X*B)", "f = g(h(k()))", "f = g (x)", "f = g(x)^2",
    # parentheses (they widen their parent's span, not the node inside)
    "f = (a)", "f = (a + b)", "f = ((a + b))", "f = (a) + b", "f = a + (b)", "f = -(a)",
    "f = (((x)))", "f = ( a )", "f=(a)*(b)", "f = ((a) + (b))", "f = (-a)^2", "f = (a)^(b)",
    "f = 2 * (x)'", "f = (x)'' + (y)",
    # numbers
    "f = 1", "f = 1.5", "f = .5", "f = 1e3", "f = 1E-3", "f = 2.5e+10", "f = 007", "f = ٣",
    "f = 1.25e3 * .5e-1", "f = 1 .* 2", "f = 1./2", "f = 1.^2",
    # whitespace and comments
    "f\t=\fx\r+ y", "  f = x  ", "f = x # a comment", "x : scalar # spd", "f = x #",
    # const is a keyword only as the first token
    "f = const", "f = constant", "const const : scalar", "const x : scalar",
    "constant : scalar", "x, const : scalar const", "f = const_", "const_x = 1",
    "f = const(x)", "x : const", "x : matrix(const)", "f = x*const'",
    # declarations
    "x : scalar", "x : scalar spd", "x : matrix()", "x : matrix( )", "x : matrix(m, n)",
    "x : matrix(2, n) sym spd", "x : vector(n) a, b", "x : vector(n) a, b,", "x : scalar a,",
    "x, y, z : vector(n)", "const A, B : matrix(n, n) spd", "x : scalar a b c",
    "x:matrix(m,n)sym,spd", "x : matrix ( m , 3 )", "x : scalar scalar", "x : vector(٣)",
    "x : matrix(1.5, 2e3)", "x : foo(a, b, c, d)", "x : scalar a, b c, d", "x : scalar (n)",
    # Unicode names (NFC): letters of any script, subscript digits, combining marks
    "f = é", "λ : scalar", "Σ, μ : matrix(n, n) spd", "f = λ*Aᵀ", "f = W₁*x",
    "f = σ(W₁*x)ᵀ", "f = x₁⁻¹", "f = θ'", "f = _λ2", "f = 日本 + x", "f = e\u0301 + 1",
    # declared functions: a type inside a type
    "l : function(vector(m))", "L : function(matrix(m, k))", "σ, τ : elementwise",
    "x : f(g(h(1)), n, a(b, c))", "x : f(g())", "x : f(g( ) )", "x : f(g(m)) a, b,",
    "x : matrix(μ, ν)", "f = ٣ * ν", "θ = Σ⁻¹ᵀ",
]  # fmt: skip

INVALID = [
    "", " ", "f", "f =", "= x", "f = ", "f = a +", "f = (a", "f = a)", "f = ()", "f = g(,)",
    "f = g(x,)", "f = g(,x)", "f = g(x y)", "f = (a, b)", "f = a b", "f = 2x", "f = 2 x",
    "f = x.", "f = x.5", "f = 1.e5", "f = 1e", "f = x ⁻", "f = x¹", "f = x²", "f = x ⁻ ¹",
    "f = ₁x", "f = \u0301x", "f = x ᵀy", "f = ²", "f = ٣λ", "ᵀ = 1", "f = λ²", "f = Aᵀλ", "f = xⁱ",
    "f = [x]", "f = {x}", "f = x\ny", "f = x;", "f = x\n", "f = x\v", "f = x $", "f = x\x00",
    "f = (x)(y)", "f = g(x)(y)", "f = 1(x)", "f = a ** b", "f = a ^^ b", "f = a ^",
    "f = ^a", "f = *a", "f = 'x", "f = x'y", "f = ''", "f = a == b", "f = x = y",
    "f = g(x, (y, z))", "f = .T", "f = x .Tx", "f = x +# comment",
    "const = 1", "const : scalar", "const, x : scalar", "const const = 1", "x = const :",
    "x :", "x : ", "x : matrix(", "x : matrix(m,)", "x : matrix(,m)", "x : matrix(m n)",
    "x : matrix(m)(n)", "x : matrix(m) (n)", "x : scalar ,a", "x : scalar a,,", "x, : scalar",
    "x y : scalar", "x : 2", "x : matrix(-1)", "x : matrix(m+n)", "x : matrix(m)'",
    "x : scalar = 1", "f : x = y", "(f) = x", "f(x) = x", "2 = x", "# c", "x : scalar 2",
    "const", "const x", "x, y", "x, y =", "f = x,", "f = ,",
    "x : f(g(", "x : f((m))", "x : f(g(m) spd", "x : f(1(m))", "x : f(g(m)(n))",
    "x : f(g h)",
]  # fmt: skip


@pytest.mark.parametrize("text", VALID)
def test_valid_examples(text: str) -> None:
    assert check(text) is not None, f"lark rejects {text!r}: not a valid example"


@pytest.mark.parametrize("text", INVALID)
def test_invalid_examples(text: str) -> None:
    assert check(text) is None, f"lark accepts {text!r}: not an invalid example"


def test_spans_of_parentheses_and_sugar() -> None:
    """A few spans spelled out (the rest are compared with lark's)."""
    d = parse_statement("f = (a + b)'", frame=2)
    assert isinstance(d, ast.Definition) and isinstance(d.value, ast.Transpose)
    assert (d.span, d.value.span, d.value.operand.span) == ((0, 12, 2), (4, 12, 2), (5, 10, 2))
    d = parse_statement("f = A⁻¹")
    assert isinstance(d, ast.Definition) and isinstance(d.value, ast.Binary)
    assert d.value == ast.Binary(Span(0, 0), "^", ast.Name(Span(0, 0), "A"),
                                 ast.Unary(Span(0, 0), "-", ast.Number(Span(0, 0), "1")),
                                 Span(0, 0))  # fmt: skip
    minus_one = d.value.right
    assert isinstance(minus_one, ast.Unary)
    assert d.value.op_span == minus_one.span == minus_one.operand.span == (5, 7, 0)
    assert d.value.span == (4, 7, 0)
    decl = parse_statement("x : vector(n) a,")
    assert isinstance(decl, ast.Declaration)
    assert (decl.span, decl.type.span) == ((0, 16, 0), (4, 13, 0))


def test_operators_are_stored_in_canonical_spelling() -> None:
    for spelling, terminal in [("∘", "HADAMARD"), ("⊙", "HADAMARD"), ("×", "TIMES"),
                               ("·", "TIMES"), ("⊗", "KRON"), ("./", "DOTSLASH")]:  # fmt: skip
        d = parse_statement(f"f = a {spelling} b")
        assert isinstance(d, ast.Definition) and isinstance(d.value, ast.Binary)
        assert d.value.op == parser._OPS[terminal]


def test_names_are_stored_in_nfc() -> None:
    """A name typed decomposed (e + U+0301) is the same name as the composed one, in both
    parsers, and keeps its span in the text as typed."""
    d = check("e\u0301 = é * e\u0301")
    assert isinstance(d, ast.Definition) and isinstance(d.value, ast.Binary)
    assert d.name.id == "é" and d.name.span == (0, 2, 0)
    assert isinstance(d.value.left, ast.Name) and isinstance(d.value.right, ast.Name)
    assert d.value.left.id == d.value.right.id == "é"
    assert (d.value.left.span, d.value.right.span) == ((5, 6, 0), (9, 11, 0))


def test_the_grammar_names_names_as_the_fast_parser_does() -> None:
    assert f"NAME: /{base_names.PATTERN}/" in parser.grammar_text()


# ------------------------------------------------------------------ deep and long statements


def test_deep_nesting_matches_lark() -> None:
    check("f = " + "(" * 200 + "x" + ")" * 200)
    check("f = " + "-" * 300 + "x")
    check("f = " + "g(" * 100 + "x" + ")" * 100)
    check("f = " + "^".join(["x"] * 200))
    check("f = " + "(" * 200 + "x")


def test_very_long_statements_parse_on_the_fast_path() -> None:
    """The fast path takes statements of any length and depth, without recursion, and still
    agrees with lark (whose builder, and ``assert_same``, recurse: given room here).  The
    driver bounds length and depth (``tests/syntax/test_bounds.py``)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(40_000)
    try:
        check("f = " + "+".join(["a"] * 3000), frames=False)
        check("f = " + "*".join(["a"] * 3000), frames=False)
        check("f = " + "(" * 5000 + "x" + ")" * 5000, frames=False)
    finally:
        sys.setrecursionlimit(limit)
    assert parse_statement("f = " + "(" * 5000) is None


# ------------------------------------------------------------------ corpora


def _bench_document(lines: int) -> str:
    spec = importlib.util.spec_from_file_location("bench_lsp", REPO / "bench" / "lsp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    document: Callable[[int], str] = module.document
    return document(lines)


def _corpus() -> list[str]:
    documents = [
        path.read_text(encoding="utf-8")
        for root in (DATA, REPO / "grammar" / "examples")
        for path in sorted(root.rglob("*.matdiff"))
    ]
    for case in json.loads(TUTORIAL.read_text(encoding="utf-8")):
        documents.append(case["document"])
        for key in ("gradient", "numerator", "vec_jacobian", "hessian"):
            if key in case:
                documents.append(f"answer = {case[key]}")
    return [chunk.text for document in documents for chunk in parser.split_statements(document)]


def test_every_statement_of_the_corpora() -> None:
    texts = _corpus()
    assert len(texts) > 250
    parsed = [check(text) for text in texts]
    assert sum(p is not None for p in parsed) > 0.8 * len(texts)


def test_every_statement_of_the_benchmark_document() -> None:
    texts = [chunk.text for chunk in parser.split_statements(_bench_document(5000))]
    assert len(texts) == 5007
    for text in texts:
        assert check(text, frames=False) is not None


# ------------------------------------------------------------------ generated statements

SPACE = st.sampled_from(["", "", "", " ", "  ", "\t", "\f", "\r"])
# Names and numbers are opaque to the parser: a few, with the ones that lex oddly.
names = st.sampled_from(
    [
        "x",
        "A",
        "b2",
        "_",
        "W_1",
        "f",
        "tr",
        "scalar",
        "e",
        "E",
        "T",
        "const",
        "constant",
        "const_",
        "λ",
        "Σ",
        "W₁",
        "e\u0301",
        "θ_2",
    ]
)
numbers = st.sampled_from(
    ["0", "1", "2", "10", "007", "1.5", ".5", "2.50", "1e5", "1E-3", "2.5e+10", ".5e-1", "٣"]
)
SPELLINGS = {"HADAMARD": ["∘", "⊙"], "TIMES": ["×", "·"]}  # the terminals with two


def terminals() -> dict[str, st.SearchStrategy[str]]:
    """A strategy for each terminal of ``statement``: its spellings with whitespace around
    (drawing from the terminals' regexes, hypothesis's default, is slow); a NAME has
    whitespace before it, so that no two run together; a comment runs to the end of the
    text, so it is rare."""
    grammar = parser.lark_parser().grammar
    symbols, _, ignored = grammar.compile(["statement"], ())
    out: dict[str, st.SearchStrategy[str]] = {
        "NAME": st.tuples(st.sampled_from([" ", "  ", "\t"]), names, SPACE).map("".join),
        "NUMBER": st.tuples(SPACE, numbers, SPACE).map("".join),
        "COMMENT": st.sampled_from([" "] * 15 + ["# note", "#"]),
    }
    for terminal in symbols:
        if terminal.name in out:
            continue
        if terminal.name in ignored:
            out[terminal.name] = st.sampled_from([" ", "  ", "\t", "\f", "\r"])
            continue
        if terminal.pattern.type == "str":
            spellings = [terminal.pattern.value]
        else:
            spellings = SPELLINGS[terminal.name]
            assert all(re.fullmatch(terminal.pattern.to_regexp(), s) for s in spellings)
        out[terminal.name] = st.tuples(SPACE, st.sampled_from(spellings), SPACE).map("".join)
    return out


def statements() -> st.SearchStrategy[str]:
    return from_lark(parser.lark_parser(), start="statement", explicit=terminals())


# The language's tokens, some twice, and characters that are none or only part of one.
TOKENS = [
    *("+", "-", "*", "@", "/", ".*", "./", "∘", "⊙", "⊗", "×", "·", "^", ".^"),
    *("'", ".T", "ᵀ", "⁻¹", "(", ")", "(", ")", ",", ":", "=", "const", "const"),
    *("x", "A", "f", "g", "n", "scalar", "matrix", "spd", "constant", "_", "e", "T"),
    *("0", "2", "1.5", ".5", "1e3", "1E-2", "٣", "1.", "1e"),
    *(".", "⁻", "¹", "²", "\n", "#", "# c", "$", "[", "é", "\x00", "\v", " ", "\t"),
    *("λ", "Σ", "₁", "\u0301", "ⁱ", "½"),
]  # fmt: skip


@settings(FAST, max_examples=100)  # from_lark draws slowly; 40% of its draws run too deep
@given(statements(), st.data())
def test_generated_statements(text: str, data: st.DataObject) -> None:
    """A generated statement, then the same with a few characters deleted or replaced by
    a token (mostly not statements any more)."""
    check(text)
    for _ in range(3):
        start = data.draw(st.integers(0, len(text)), label="start")
        end = data.draw(st.integers(start, min(len(text), start + 3)), label="end")
        insert = data.draw(st.sampled_from(["", *TOKENS]), label="insert")
        check(text[:start] + insert + text[end:])


def _spaced(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*(st.tuples(SPACE, part) for part in parts)).map(
        lambda pairs: "".join(space + text for space, text in pairs)
    )


BINARY = st.sampled_from(["+", "-", "*", "@", "/", ".*", "./", "∘", "⊙", "⊗", "×", "·", "^", ".^"])
POSTFIX = st.sampled_from(["'", ".T", "ᵀ", "⁻¹"])
operands = _spaced(st.sampled_from([" ", "\t"]), names) | _spaced(numbers)
# Expressions as text, built from expressions as text: every one is in the grammar (an
# operator takes any operand; postfix operators and signs stick to whatever they touch).
expressions = st.recursive(
    operands,
    lambda inner: st.one_of(
        _spaced(inner, BINARY, inner),
        _spaced(st.sampled_from("-+"), inner),
        _spaced(inner, POSTFIX),
        _spaced(st.just("("), inner, st.just(")")),
        _spaced(st.just(" f("), st.lists(inner, max_size=3).map(",".join), st.just(")")),
    ),
    max_leaves=12,
)


@settings(FAST, max_examples=300)
@given(expressions)
def test_generated_expressions(text: str) -> None:
    assert check(f"f ={text}") is not None


soups = st.tuples(
    st.sampled_from(["", "f =", "f = (", "x :", "x, y :", "const c :", "x : matrix("]),
    st.lists(st.tuples(SPACE, st.sampled_from(TOKENS)).map("".join), max_size=12).map("".join),
).map("".join)


@FAST
@given(soups)
def test_token_soups(text: str) -> None:
    check(text)


@FAST
@given(st.text(max_size=40))
def test_arbitrary_text(text: str) -> None:
    check(text)
