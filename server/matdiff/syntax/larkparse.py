"""Lark, the specification: the grammar's LALR parser, its tree → syntax tree, and syntax
errors worded like a person would.

The driver (:mod:`matdiff.syntax.parser`) comes here only for what the fast path refuses,
which is in practice a statement with a syntax error, so lark is imported and its parser
built (0.1–0.4 s) on the first syntax error of a process, not at start-up; the language
server builds it beforehand on a thread (:func:`warm`).  Each is built once, whichever
threads ask first.  The built parser is not cached on disk: lark's cache is a pickle, which a
planted file would turn into code run on load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import resources
from typing import Generic, TypeVar

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

__all__ = [
    "Builder", "UnexpectedInput", "describe", "grammar_text", "parse_statement", "parser", "warm",
]  # fmt: skip

from matdiff.base import names
from matdiff.base.diagnostics import Diagnostic
from matdiff.base.spans import LineIndex, Span
from matdiff.syntax import ast
from matdiff.syntax.tokens import BINARY, OPERAND_END, OPERAND_START, OPS, show_char


def grammar_text() -> str:
    """The grammar, as shipped inside the package."""
    return resources.files("matdiff").joinpath("grammar/matdiff.lark").read_text("utf-8")


T = TypeVar("T")


class _Once(Generic[T]):
    """A value built on its first use, once, whichever threads ask for it together
    (``functools.cache`` would let two threads that miss at once both build it)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    @property
    def built(self) -> bool:
        return self._value is not None

    def cache_clear(self) -> None:
        with self._lock:
            self._value = None


@_Once
def parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        start=["statement", "document"],
        propagate_positions=True,
        maybe_placeholders=True,
    )


def warm() -> None:
    """Build what the first syntax error needs (the parser, and the lexer its message
    reads), so that it does not wait for them."""
    parser()
    _lexer()


def parse_statement(text: str, frame: int) -> ast.Statement:
    """Lark's tree of one statement's ``text`` as a syntax tree in ``frame``.  Raises lark's
    UnexpectedInput on a syntax error (``describe`` words it)."""
    return Builder(frame).statement(parser().parse(text, start="statement"))


# ---------------------------------------------------------------- lark tree → syntax tree


class Builder:
    """Lark's tree → syntax tree, spans counting from the statement's start in ``frame``."""

    def __init__(self, frame: int = 0) -> None:
        self.frame = frame

    def span(self, node: lark.Tree[lark.Token] | lark.Token) -> Span:
        if isinstance(node, lark.Token):
            assert node.start_pos is not None and node.end_pos is not None
            return Span(node.start_pos, node.end_pos, self.frame)
        return Span(node.meta.start_pos, node.meta.end_pos, self.frame)

    def name(self, token: lark.Token) -> ast.Name:
        return ast.Name(self.span(token), names.normal(str(token)))

    def statement(self, tree: lark.Tree[lark.Token]) -> ast.Statement:
        if tree.data == "definition":
            name, value = tree.children
            assert isinstance(name, lark.Token) and value is not None
            return ast.Definition(self.span(tree), self.name(name), self.expr(value))
        const, names_, type_spec, properties = tree.children
        assert isinstance(names_, lark.Tree) and isinstance(type_spec, lark.Tree)
        assert isinstance(properties, lark.Tree)
        return ast.Declaration(
            self.span(tree),
            tuple(self.name(t) for t in names_.children if isinstance(t, lark.Token)),
            self.type_spec(type_spec),
            tuple(self.name(t) for t in properties.children if isinstance(t, lark.Token)),
            const is not None,
        )

    def type_spec(self, tree: lark.Tree[lark.Token]) -> ast.TypeSpec:
        kind, dims = tree.children
        assert isinstance(kind, lark.Token)
        dim_nodes: tuple[ast.Name | ast.Number | ast.TypeSpec, ...] | None = None
        if isinstance(dims, lark.Tree):
            dim_nodes = tuple(self.dim(d) for d in dims.children if d is not None)
        return ast.TypeSpec(self.span(tree), self.name(kind), dim_nodes)

    def dim(self, node: lark.Tree[lark.Token] | lark.Token) -> ast.Name | ast.Number | ast.TypeSpec:
        if isinstance(node, lark.Tree):  # nested: a type inside a type
            return self.type_spec(node)
        if node.type == "NUMBER":
            return ast.Number(self.span(node), str(node))
        return self.name(node)

    def expr(self, node: lark.Tree[lark.Token] | lark.Token) -> ast.Expr:
        assert isinstance(node, lark.Tree)
        span, kids = self.span(node), node.children
        match node.data:
            case "number":
                assert isinstance(kids[0], lark.Token)
                return ast.Number(span, str(kids[0]))
            case "name":
                assert isinstance(kids[0], lark.Token)
                return ast.Name(span, names.normal(str(kids[0])))
            case "call":
                func, args = kids
                assert isinstance(func, lark.Token)
                values = () if args is None else tuple(self.expr(a) for a in args.children)  # type: ignore[union-attr]
                return ast.Call(span, self.name(func), values)
            case "binop":
                left, op, right = kids
                assert isinstance(op, lark.Token) and left is not None and right is not None
                return ast.Binary(
                    span, OPS[op.type], self.expr(left), self.expr(right), self.span(op)
                )
            case "unop":
                op, operand = kids
                assert isinstance(op, lark.Token) and operand is not None
                return ast.Unary(span, str(op), self.expr(operand))
            case "transpose":
                assert kids[0] is not None
                return ast.Transpose(span, self.expr(kids[0]))
            case "supinv":
                operand, op = kids
                assert isinstance(op, lark.Token) and operand is not None
                op_span = self.span(op)
                minus_one = ast.Unary(op_span, "-", ast.Number(op_span, "1"))
                return ast.Binary(span, "^", self.expr(operand), minus_one, op_span)
        raise AssertionError(f"unknown node {node.data}")


# ---------------------------------------------------------------- friendly syntax errors


@_Once
def _lexer() -> lark.Lark:
    """The same grammar with a basic lexer, for tokenizing broken statements.

    ``Lark.lex`` on the (contextual-lexer) parser builds a fresh lexer on every call, with
    regex collision checks: about 40 ms per syntax error.  This one is built once.
    """
    return lark.Lark(grammar_text(), parser=None, lexer="basic")


def _tokens(text: str) -> list[lark.Token]:
    out: list[lark.Token] = []
    try:
        for token in _lexer().lex(text):
            out.append(token)
    except UnexpectedInput:
        pass
    return out


def _show(token: lark.Token) -> str:
    return f"'{token}'"


def describe(exc: UnexpectedInput, text: str, base: int, index: LineIndex) -> Diagnostic:
    """The diagnostic of lark's ``exc`` on a statement ``text`` that starts at ``base``."""

    def at(token: lark.Token) -> Span:
        assert token.start_pos is not None and token.end_pos is not None
        return Span(base + token.start_pos, base + token.end_pos)

    def error(span: Span, message: str) -> Diagnostic:
        return Diagnostic(span, message, "syntax")

    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream or 0
        pos = base + offset
        ch = text[offset]
        hint = "; use ( ) for grouping" if ch in "[]{}" else ""
        return error(Span(pos, pos + 1), f"unexpected {show_char(ch)}{hint}")

    tokens = _tokens(text)
    assert isinstance(exc, UnexpectedToken)
    bad = exc.token
    at_end = bad.type == "$END"
    i = (
        len(tokens)
        if at_end
        else next((k for k, t in enumerate(tokens) if t.start_pos == bad.start_pos), len(tokens))
    )
    before = tokens[:i]
    prev = before[-1] if before else None

    opened: list[lark.Token] = []
    for t in before:
        if t.type == "LPAR":
            opened.append(t)
        elif t.type == "RPAR":
            opened.pop() if opened else None

    if not at_end and bad.type == "RPAR" and not opened:
        return error(at(bad), "unmatched ')'")
    if prev is not None and prev.type == bad.type == "STAR" and prev.end_pos == bad.start_pos:
        return error(at(prev).cover(at(bad)), "'**' is not an operator: write '^' for a "
                     "power (x^2, X^-1) or '.^' for an element-wise power")  # fmt: skip
    if (
        prev is not None
        and prev.type in BINARY
        and (at_end or bad.type not in OPERAND_START)
        and (at_end or bad.type != "MINUS")
    ):
        return error(at(prev), f"missing operand after {_show(prev)}")
    if at_end:
        if prev is not None and prev.type == "COMMA" and opened:
            return error(at(prev), "missing argument after ','")
        if opened:
            line, col = index.line_col(base + (opened[-1].start_pos or 0))
            return error(at(opened[-1]), f"unclosed '(' opened at {line + 1}:{col + 1}")
        if prev is None:
            return error(Span(base, base + len(text)), "empty statement")
        follow = {
            "EQUAL": "missing expression after '='",
            "COLON": "missing type after ':' (scalar, vector(n) or matrix(m, n))",
            "COMMA": "missing name after ','",
            "CONST": "missing declaration after 'const'",
        }
        if prev.type in follow:
            return error(at(prev), follow[prev.type])
        if len(before) == 1 and prev.type == "NAME":
            return error(at(prev), f"incomplete statement: expected '=' or ':' after {_show(prev)}")
        return error(at(prev), f"incomplete statement after {_show(prev)}")

    if prev is None:
        return error(at(bad), f"unexpected {_show(bad)}: a statement starts with a name, "
                     "as in 'f = …' or 'x : vector(n)'")  # fmt: skip
    if len(before) == 1 and prev.type == "NAME":
        return error(at(bad), f"expected '=' or ':' after {_show(prev)}, found {_show(bad)}")
    if prev.type in OPERAND_END and bad.type in OPERAND_START:
        return error(at(bad), f"missing operator between {_show(prev)} and {_show(bad)}")
    if bad.type in BINARY or bad.type == "RPAR":
        if prev.type == "LPAR" and bad.type == "RPAR":
            if len(before) >= 2 and before[-2].type == "NAME":
                return error(at(bad), f"unexpected {_show(bad)}")
            return error(at(prev).cover(at(bad)), "empty parentheses")
        return error(at(bad), f"missing operand before {_show(bad)}")
    if bad.type == "EQUAL":
        return error(at(bad), "unexpected '=': a definition has exactly one '='")
    if bad.type == "COMMA" and not opened:
        return error(at(bad), "unexpected ',' outside a function call")
    return error(at(bad), f"unexpected {_show(bad)}")
