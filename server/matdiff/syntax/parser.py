"""The parser driver: split a document into statements, parse each, never raise.

A document is split into statements here (at ``;``, and at newlines outside parentheses),
and each statement is parsed on its own with the grammar's ``statement`` start symbol, so a
broken statement costs one diagnostic and nothing else.  A newline inside an open ``(``
continues the statement, unless the next line plainly starts a new statement (``name =``,
``name :``, ``const``): then the open parenthesis is reported and the next line is parsed
on its own.  Lark's exceptions are turned into messages a person would write.
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass
from importlib import resources

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from matdiff.base.diagnostics import Diagnostic
from matdiff.base.spans import LineIndex, Span
from matdiff.syntax import ast

_OPS = {
    "PLUS": "+", "MINUS": "-", "STAR": "*", "AT": "@", "SLASH": "/", "DOTSTAR": ".*",
    "DOTSLASH": "./", "HADAMARD": ".*", "KRON": "⊗", "TIMES": "*", "CARET": "^",
    "DOTCARET": ".^",
}  # fmt: skip
_BINARY = frozenset(_OPS)
_OPERAND_END = frozenset({"NAME", "NUMBER", "RPAR", "QUOTE", "DOTT", "SUPT", "SUPINV"})
_OPERAND_START = frozenset({"NAME", "NUMBER", "LPAR"})
_NEW_STATEMENT = re.compile(
    r"[ \t\f\r]*(const\b|[A-Za-z_]\w*[ \t]*"
    r"(=(?!=)|:|,[ \t]*[A-Za-z_]\w*[ \t]*(,[ \t]*[A-Za-z_]\w*[ \t]*)*:))"
)
_DEFINES = re.compile(r"\s*([A-Za-z_]\w*)\s*=")
_DECLARES = re.compile(r"\s*(?:const\s+)?([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*:")
_SPECIAL = re.compile(r"[#();\n]")


def grammar_text() -> str:
    """The grammar, as shipped inside the package."""
    return resources.files("matdiff").joinpath("grammar/matdiff.lark").read_text("utf-8")


@functools.cache
def lark_parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        start=["statement", "document"],
        propagate_positions=True,
        maybe_placeholders=True,
    )


@dataclass(frozen=True, slots=True)
class ParseResult:
    document: ast.Document
    diagnostics: tuple[Diagnostic, ...]
    line_index: LineIndex


@dataclass(frozen=True, slots=True)
class Chunk:
    """One statement's text: ``text`` is the document slice ``[start, end)`` with comments
    and inner newlines blanked to spaces, so offsets stay the same."""

    start: int
    end: int
    text: str


def split_statements(text: str) -> list[Chunk]:
    """Cut ``text`` into statements (see the module docstring)."""
    chunks: list[Chunk] = []
    clean = list(text)
    start = 0
    depth = 0
    pos = 0

    def close(end: int) -> None:
        piece = "".join(clean[start:end])
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            chunks.append(Chunk(start + lead, start + lead + len(stripped), stripped))

    while True:
        m = _SPECIAL.search(text, pos)
        if m is None:
            break
        ch, at = m.group(), m.start()
        pos = at + 1
        if ch == "#":
            nl = text.find("\n", at)
            stop = len(text) if nl == -1 else nl
            clean[at:stop] = " " * (stop - at)
            pos = stop
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == ";" or depth == 0 or _NEW_STATEMENT.match(text, at + 1):
            close(at)
            start, depth = at + 1, 0
        else:  # a newline inside parentheses continues the statement
            clean[at] = " "
    close(len(text))
    return chunks


def parse(text: str) -> ParseResult:
    """Parse a whole document.  Never raises."""
    index = LineIndex(text)
    statements: list[ast.Statement] = []
    diagnostics: list[Diagnostic] = []
    fresh: _Memo = {}
    for chunk in split_statements(text):
        reused = _reuse(chunk, fresh)
        if reused is not None:
            statements.append(reused)
            continue
        statement, diagnostic = parse_statement(chunk, index, fresh)
        statements.append(statement)
        if diagnostic is not None:
            diagnostics.append(diagnostic)
    _GENERATIONS.append(fresh)
    return ParseResult(ast.Document(tuple(statements)), tuple(diagnostics), index)


# Statements that parsed, by (offset, text), from the last two documents parsed: a document
# re-parsed after an edit reuses every statement the edit did not touch or move.  A pure memo
# of parse_statement, holding no more than those documents' trees.
_Memo = dict[tuple[int, str], ast.Statement]
_GENERATIONS: collections.deque[_Memo] = collections.deque(maxlen=2)


def _reuse(chunk: Chunk, fresh: _Memo) -> ast.Statement | None:
    key = (chunk.start, chunk.text)
    for memo in reversed(_GENERATIONS):
        if (got := memo.get(key)) is not None:
            fresh[key] = got
            return got
    return None


def parse_statement(
    chunk: Chunk, index: LineIndex, fresh: _Memo | None = None
) -> tuple[ast.Statement, Diagnostic | None]:
    """One statement; ``fresh`` collects what parsed, for reuse by the next parse."""
    try:
        tree = lark_parser().parse(chunk.text, start="statement")
        statement = _Builder(chunk.start).statement(tree)
        if fresh is not None:
            fresh[(chunk.start, chunk.text)] = statement
        return statement, None
    except UnexpectedInput as exc:
        return _broken(chunk), _describe(exc, chunk, index)
    except RecursionError:
        span = Span(chunk.start, chunk.end)
        return _broken(chunk), Diagnostic(span, "this statement is nested too deeply", "syntax")
    except Exception as exc:  # noqa: BLE001 — the parser must never fail
        span = Span(chunk.start, chunk.end)
        return _broken(chunk), Diagnostic(span, f"cannot parse this statement ({exc})", "syntax")


def _broken(chunk: Chunk) -> ast.Broken:
    span = Span(chunk.start, chunk.end)
    names: list[ast.Name] = []
    is_declaration = False
    if m := _DEFINES.match(chunk.text):
        names.append(ast.Name(Span(chunk.start + m.start(1), chunk.start + m.end(1)), m.group(1)))
    elif m := _DECLARES.match(chunk.text):
        is_declaration = True
        for n in re.finditer(r"[A-Za-z_]\w*", m.group(1)):
            s = chunk.start + m.start(1) + n.start()
            names.append(ast.Name(Span(s, s + len(n.group())), n.group()))
    return ast.Broken(span, tuple(names), is_declaration)


# ---------------------------------------------------------------- lark tree → syntax tree


class _Builder:
    def __init__(self, base: int) -> None:
        self.base = base

    def span(self, node: lark.Tree[lark.Token] | lark.Token) -> Span:
        if isinstance(node, lark.Token):
            assert node.start_pos is not None and node.end_pos is not None
            return Span(node.start_pos + self.base, node.end_pos + self.base)
        return Span(node.meta.start_pos + self.base, node.meta.end_pos + self.base)

    def name(self, token: lark.Token) -> ast.Name:
        return ast.Name(self.span(token), str(token))

    def statement(self, tree: lark.Tree[lark.Token]) -> ast.Statement:
        if tree.data == "definition":
            name, value = tree.children
            assert isinstance(name, lark.Token) and value is not None
            return ast.Definition(self.span(tree), self.name(name), self.expr(value))
        const, names, type_spec, properties = tree.children
        assert isinstance(names, lark.Tree) and isinstance(type_spec, lark.Tree)
        assert isinstance(properties, lark.Tree)
        kind, dims = type_spec.children
        assert isinstance(kind, lark.Token)
        dim_nodes: tuple[ast.Name | ast.Number, ...] | None = None
        if isinstance(dims, lark.Tree):
            dim_nodes = tuple(self.dim(d) for d in dims.children if d is not None)
        return ast.Declaration(
            self.span(tree),
            tuple(self.name(t) for t in names.children if isinstance(t, lark.Token)),
            ast.TypeSpec(self.span(type_spec), self.name(kind), dim_nodes),
            tuple(self.name(t) for t in properties.children if isinstance(t, lark.Token)),
            const is not None,
        )

    def dim(self, node: lark.Tree[lark.Token] | lark.Token) -> ast.Name | ast.Number:
        assert isinstance(node, lark.Token)
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
                return ast.Name(span, str(kids[0]))
            case "call":
                func, args = kids
                assert isinstance(func, lark.Token)
                values = () if args is None else tuple(self.expr(a) for a in args.children)  # type: ignore[union-attr]
                return ast.Call(span, self.name(func), values)
            case "binop":
                left, op, right = kids
                assert isinstance(op, lark.Token) and left is not None and right is not None
                return ast.Binary(
                    span, _OPS[op.type], self.expr(left), self.expr(right), self.span(op)
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


@functools.cache
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


def _describe(exc: UnexpectedInput, chunk: Chunk, index: LineIndex) -> Diagnostic:
    base = chunk.start

    def at(token: lark.Token) -> Span:
        assert token.start_pos is not None and token.end_pos is not None
        return Span(base + token.start_pos, base + token.end_pos)

    def error(span: Span, message: str) -> Diagnostic:
        return Diagnostic(span, message, "syntax")

    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream or 0
        pos = base + offset
        ch = chunk.text[offset]
        hint = "; use ( ) for grouping" if ch in "[]{}" else ""
        return error(Span(pos, pos + 1), f"unexpected '{ch}'{hint}")

    tokens = _tokens(chunk.text)
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
    if (
        prev is not None
        and prev.type in _BINARY
        and (at_end or bad.type not in _OPERAND_START)
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
            return error(Span(base, chunk.end), "empty statement")
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
    if prev.type in _OPERAND_END and bad.type in _OPERAND_START:
        return error(at(bad), f"missing operator between {_show(prev)} and {_show(bad)}")
    if bad.type in _BINARY or bad.type == "RPAR":
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
