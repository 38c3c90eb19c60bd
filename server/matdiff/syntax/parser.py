"""The parser driver: split a document into statements, parse each, never raise.

A document is split into statements here (at ``;``, and at newlines outside parentheses),
and each statement is parsed on its own with the grammar's ``statement`` start symbol, so a
broken statement costs one diagnostic and nothing else.  A newline inside an open ``(``
continues the statement, unless the next line plainly starts a new statement (``name =``,
``name :``, ``const``): then the open parenthesis is reported and the next line is parsed
on its own.  Each statement goes first to the hand-written fast path
(:mod:`matdiff.syntax.fastparse`, held to lark's trees by differential tests); what it
refuses goes to lark, the specification, whose exceptions are turned into messages a person
would write.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matdiff.base import names
from matdiff.base.diagnostics import Diagnostic
from matdiff.base.lazy import LazyModule
from matdiff.base.lru import Lru
from matdiff.base.spans import LineIndex, Span
from matdiff.syntax import ast, fastparse

if TYPE_CHECKING:
    import lark
    import lark.exceptions
    from lark.exceptions import UnexpectedInput
else:  # imported on first use: the fast path reads valid statements without lark
    lark = LazyModule("lark")

_OPS = {
    "PLUS": "+", "MINUS": "-", "STAR": "*", "AT": "@", "SLASH": "/", "DOTSTAR": ".*",
    "DOTSLASH": "./", "HADAMARD": ".*", "KRON": "⊗", "TIMES": "*", "CARET": "^",
    "DOTCARET": ".^",
}  # fmt: skip
_BINARY = frozenset(_OPS)
_OPERAND_END = frozenset({"NAME", "NUMBER", "RPAR", "QUOTE", "DOTT", "SUPT", "SUPINV"})
_OPERAND_START = frozenset({"NAME", "NUMBER", "LPAR"})
_N = names.PATTERN
_NEW_STATEMENT = re.compile(
    rf"[ \t\f\r]*(const\b|{_N}[ \t]*"
    rf"(=(?!=)|:|,[ \t]*{_N}[ \t]*(,[ \t]*{_N}[ \t]*)*:))"
)
_DEFINES = re.compile(rf"\s*({_N})\s*=")
_DECLARES = re.compile(rf"\s*(?:const\s+)?({_N}(?:\s*,\s*{_N})*)\s*:")
_SPECIAL = re.compile(r"[#();\n]")


def _nested(depth: int) -> str:
    inner = r"[^#;()\n]++" if depth == 0 else rf"(?:[^#;()\n]++|{_nested(depth - 1)})*+"
    return rf"\({inner}\)"


# a line with no comment, no ';' and balanced parentheses (up to 6 deep): one statement
_PLAIN_LINE = re.compile(rf"((?:[^#;()\n]++|{_nested(5)})*+)(?:\n|\Z)")


def grammar_text() -> str:
    """The grammar, as shipped inside the package."""
    from importlib import resources

    return resources.files("matdiff").joinpath("grammar/matdiff.lark").read_text("utf-8")


@functools.cache
def lark_parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        start=["statement", "document"],
        propagate_positions=True,
        maybe_placeholders=True,
        cache=_cache_file(),
        cache_grammar=True,  # hypothesis.extra.lark reads the grammar of a loaded parser
    )


def _cache_file() -> str | bool:
    """Where lark keeps the built parser between runs (building it takes ~0.35 s, loading it
    ~10 ms): in the user's own cache directory, not in the shared temporary directory lark
    would choose, since the file is a pickle.  Lark checks the grammar's hash when it loads
    it, and carries on without it when it cannot read or write it."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(home):  # no home directory to speak of
        return False
    folder = os.path.join(home, "matdiff")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return False
    return os.path.join(folder, f"lark-{lark.__version__}-parser.pickle")


@dataclass(frozen=True, slots=True)
class ParseResult:
    """``document.statements[i]`` starts at offset ``starts[i]`` of the text, and its spans
    count from there (frame ``statement.span.frame``); ``texts[i]`` is its text as parsed
    (comments and inner newlines blanked).  Syntax diagnostics are in document offsets."""

    document: ast.Document
    diagnostics: tuple[Diagnostic, ...]
    line_index: LineIndex
    starts: tuple[int, ...] = ()
    texts: tuple[str, ...] = ()


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
    blanks: list[tuple[int, int]] = []  # comments and inner newlines of the current statement
    start = 0
    depth = 0
    pos = 0

    def close(end: int) -> None:
        piece = text[start:end]
        for a, b in blanks:
            piece = piece[: a - start] + " " * (b - a) + piece[b - start :]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            chunks.append(Chunk(start + lead, start + lead + len(stripped), stripped))
        blanks.clear()

    while True:
        if pos == start and not depth and (line := _PLAIN_LINE.match(text, pos)):
            close(line.end(1))  # the common case, a whole line at once
            start = pos = line.end()
            if line.end() == line.end(1):
                break
            continue
        m = _SPECIAL.search(text, pos)
        if m is None:
            break
        ch, at = m.group(), m.start()
        pos = at + 1
        if ch == "#":
            nl = text.find("\n", at)
            stop = len(text) if nl == -1 else nl
            blanks.append((at, stop))
            pos = stop
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == ";" or depth == 0 or _NEW_STATEMENT.match(text, at + 1):
            close(at)
            start, depth = at + 1, 0
        else:  # a newline inside parentheses continues the statement
            blanks.append((at, at + 1))
    close(len(text))
    return chunks


def parse(text: str) -> ParseResult:
    """Parse a whole document.  Never raises."""
    index = LineIndex(text)
    chunks = split_statements(text)
    statements: list[ast.Statement] = []
    diagnostics: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for chunk in chunks:
        # the k-th statement with this text: no two statements of a document share a frame
        k = seen[chunk.text] = seen.get(chunk.text, -1) + 1
        statement = _MEMO.get((chunk.text, k))
        if statement is None:
            statement, diagnostic = parse_statement(chunk, index)
            if diagnostic is None:
                _MEMO.put((chunk.text, k), statement)
            else:
                diagnostics.append(diagnostic)
        statements.append(statement)
    return ParseResult(
        ast.Document(tuple(statements)),
        tuple(diagnostics),
        index,
        tuple(c.start for c in chunks),
        tuple(c.text for c in chunks),
    )


_FRAMES = itertools.count(1)


# Statements that parsed, by (text, occurrence in their document).  Spans inside a statement
# count from its start, so a statement an edit moved is reused as it is: re-parsing a
# document after an edit parses only the statements it changed.
_MEMO: Lru[tuple[str, int], ast.Statement] = Lru(20_000)


def parse_statement(chunk: Chunk, index: LineIndex) -> tuple[ast.Statement, Diagnostic | None]:
    """One statement, its spans counting from ``chunk.start`` in a new frame; a syntax
    error's diagnostic is in document offsets."""
    frame = next(_FRAMES)
    statement = fastparse.parse_statement(chunk.text, frame)
    if statement is not None:
        return statement, None
    try:  # lark, the specification: what the fast path leaves, and the error messages
        tree = lark_parser().parse(chunk.text, start="statement")
        return _Builder(frame).statement(tree), None
    except lark.exceptions.UnexpectedInput as exc:
        return _broken(chunk, frame), _describe(exc, chunk, index)
    except RecursionError:
        span = Span(chunk.start, chunk.end)
        return _broken(chunk, frame), Diagnostic(span, "this statement is nested too deeply",
                                                 "syntax")  # fmt: skip
    except Exception as exc:  # noqa: BLE001 — the parser must never fail
        span = Span(chunk.start, chunk.end)
        return _broken(chunk, frame), Diagnostic(
            span, f"cannot parse this statement ({exc})", "syntax"
        )


def _broken(chunk: Chunk, frame: int) -> ast.Broken:
    span = Span(0, len(chunk.text), frame)
    found: list[ast.Name] = []
    is_declaration = False
    if m := _DEFINES.match(chunk.text):
        found.append(ast.Name(Span(m.start(1), m.end(1), frame), names.normal(m.group(1))))
    elif m := _DECLARES.match(chunk.text):
        is_declaration = True
        for n in names.NAME.finditer(m.group(1)):
            s = m.start(1) + n.start()
            found.append(ast.Name(Span(s, s + len(n.group()), frame), names.normal(n.group())))
    return ast.Broken(span, tuple(found), is_declaration)


# ---------------------------------------------------------------- lark tree → syntax tree


class _Builder:
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
        const, names, type_spec, properties = tree.children
        assert isinstance(names, lark.Tree) and isinstance(type_spec, lark.Tree)
        assert isinstance(properties, lark.Tree)
        return ast.Declaration(
            self.span(tree),
            tuple(self.name(t) for t in names.children if isinstance(t, lark.Token)),
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
    except lark.exceptions.UnexpectedInput:
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

    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        offset = exc.pos_in_stream or 0
        pos = base + offset
        ch = chunk.text[offset]
        hint = "; use ( ) for grouping" if ch in "[]{}" else ""
        return error(Span(pos, pos + 1), f"unexpected '{ch}'{hint}")

    tokens = _tokens(chunk.text)
    assert isinstance(exc, lark.exceptions.UnexpectedToken)
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
