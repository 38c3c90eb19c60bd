"""The parser driver: split a document into statements, parse each, never raise.

A document is split into statements here (at ``;``, and at line breaks outside parentheses:
``\n``, ``\r\n`` and ``\r``, as LSP counts lines),
and each statement is parsed on its own with the grammar's ``statement`` start symbol, so a
broken statement costs one diagnostic and nothing else.  A newline inside an open ``(``
continues the statement, unless the next line plainly starts a new statement (``name =``,
``name :``, ``const``): then the open parenthesis is reported and the next line is parsed
on its own.  A statement longer than ``MAX_STATEMENT`` characters is refused unparsed, one
nested deeper than ``MAX_DEPTH`` is reported, and past ``MAX_STATEMENTS`` statements the
rest of the document is not checked (one diagnostic where it starts).  Each statement goes
first to the hand-written fast path (:mod:`matdiff.syntax.fastparse`, held to lark's trees by
differential tests); what it refuses goes to lark, the specification
(:mod:`matdiff.syntax.larkparse`), whose exceptions are turned into messages a person would
write.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from matdiff.base import caches, names
from matdiff.base.caches import Table
from matdiff.base.diagnostics import Diagnostic, Severity
from matdiff.base.spans import LineIndex, Span, lone_cr_as_lf
from matdiff.syntax import ast, fastparse
from matdiff.syntax.tokens import OPS

if TYPE_CHECKING:
    import lark

_OPS = OPS  # the canonical spelling of each lark terminal (tests read it here)
# A statement longer than this is not parsed: one diagnostic says so.  (Real statements are
# a few hundred characters; this bounds the time and memory one statement can take.)
MAX_STATEMENT = 20_000
# A document is checked up to this many statements; one diagnostic marks where checking
# stops.  (A statement costs a few kilobytes once checked: this bounds a document's memory.)
MAX_STATEMENTS = 20_000
# Nesting deeper than this is reported, not analysed: every pass after the parser recurses
# once per level.  A level is a sign, a postfix operator, a call's arguments or an operator's
# right operand; the left operands of a chain (``a + b + c``, ``a*b*c``) do not nest.
MAX_DEPTH = 100
# A number literal is exact (a Fraction): longer or larger ones are reported, since 10^(10^11)
# would not fit in memory and Python refuses to read an integer of more than 4,300 digits.
MAX_DIGITS = 100
MAX_EXPONENT = 1000
_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1}}}|[eE][+-]?\d{{{len(str(MAX_EXPONENT))}}}")
_N = names.PATTERN
_NEW_STATEMENT = re.compile(
    rf"[ \t\f]*(const\b|{_N}[ \t]*"
    rf"(=(?!=)|:|,[ \t]*{_N}[ \t]*(,[ \t]*{_N}[ \t]*)*:))"
)
_DEFINES = re.compile(rf"\s*({_N})\s*=")
_DECLARES = re.compile(rf"\s*(?:const\s+)?({_N}(?:\s*,\s*{_N})*)\s*:")
_SPECIAL = re.compile(r"[#();\n\r]")
_LINE_BREAK = re.compile(r"[\n\r]")
_BLANK = " \t\f\n\r"  # what is stripped from a statement's ends: whitespace, line breaks


def _nested(depth: int) -> str:
    inner = r"[^#;()\n\r]++" if depth == 0 else rf"(?:[^#;()\n\r]++|{_nested(depth - 1)})*+"
    return rf"\({inner}\)"


# a line with no comment, no ';' and balanced parentheses (up to 6 deep): one statement
_PLAIN_LINE = re.compile(rf"((?:[^#;()\n\r]++|{_nested(5)})*+)(?:\r\n?|\n|\Z)")


def grammar_text() -> str:
    """The grammar, as shipped inside the package."""
    from matdiff.syntax import larkparse

    return larkparse.grammar_text()


def lark_parser() -> lark.Lark:
    """Lark's parser of the grammar (built on first use; imports lark)."""
    from matdiff.syntax import larkparse

    return larkparse.parser()


def warm() -> None:
    """Import lark and build its parser now, so that the first syntax error of the process
    does not wait 0.1–0.4 s for it (the language server calls this on a thread)."""
    from matdiff.syntax import larkparse

    larkparse.warm()


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


def split_statements(text: str, limit: int | None = None) -> list[Chunk]:
    """Cut ``text`` into statements (see the module docstring); with a ``limit``, stop after
    ``limit + 1`` of them (so that the caller knows where the rest starts)."""
    chunks: list[Chunk] = []
    blanks: list[tuple[int, int]] = []  # comments and inner newlines of the current statement
    start = 0
    depth = 0
    pos = 0

    def close(end: int) -> None:
        piece = text[start:end]
        for a, b in blanks:
            piece = piece[: a - start] + " " * (b - a) + piece[b - start :]
        stripped = piece.strip(_BLANK)
        if stripped:
            lead = len(piece) - len(piece.lstrip(_BLANK))
            chunks.append(Chunk(start + lead, start + lead + len(stripped), stripped))
        blanks.clear()

    while limit is None or len(chunks) <= limit:
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
            nl = _LINE_BREAK.search(text, at)
            stop = len(text) if nl is None else nl.start()
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
    else:
        return chunks
    close(len(text))
    return chunks


def parse(text: str, limit: int = MAX_STATEMENTS) -> ParseResult:
    """Parse a whole document (its first ``limit`` statements: one diagnostic marks where
    the rest starts).  Never raises.  A byte-order mark at its start is whitespace."""
    index = LineIndex(text)
    # a lone \r ends a line too (same length, so offsets stay); a BOM is whitespace
    chunks = split_statements(
        lone_cr_as_lf(" " + text[1:] if text.startswith("\ufeff") else text), limit
    )
    statements: list[ast.Statement] = []
    diagnostics: list[Diagnostic] = []
    if len(chunks) > limit:  # the rest is not checked: one diagnostic says so
        rest = chunks.pop()
        line = index.line_col(rest.start)[0]
        why = f"matdiff checks the first {MAX_STATEMENTS:,} statements of a document"
        span = Span(rest.start, max(index.line_end(line), rest.start))
        message = f"{why}: from here on, nothing is checked"
        diagnostics.append(Diagnostic(span, message, "too-many-statements", Severity.WARNING))
    seen: dict[str, int] = {}
    memo = caches.active()[_MEMO]
    for chunk in chunks:
        # the k-th statement with this text: no two statements of a document share a frame
        k = seen[chunk.text] = seen.get(chunk.text, -1) + 1
        known = memo.get((chunk.text, k))
        if known is None:
            statement, diagnostic = parse_statement(chunk, index)
            if diagnostic is None:
                memo.put((chunk.text, k), statement)
            else:
                assert isinstance(statement, ast.Broken)
                memo.put((chunk.text, k), _Failed.of(statement, diagnostic, chunk.start, index))
                diagnostics.append(diagnostic)
        elif isinstance(known, _Failed):
            statement = known.statement
            diagnostics.append(known.placed(chunk.start, index))
        else:
            statement = known
        statements.append(statement)
    return ParseResult(
        ast.Document(tuple(statements)),
        tuple(diagnostics),
        index,
        tuple(c.start for c in chunks),
        tuple(c.text for c in chunks),
    )


_FRAMES = itertools.count(1)


# a place a message quotes: "unclosed '(' opened at 3:5" (1-based line and column)
_PLACE = re.compile(r"\bat (\d+):(\d+)\b")


@dataclass(frozen=True, slots=True)
class _Failed:
    """A statement that did not parse, remembered like one that did: its ``Broken`` node and
    its diagnostic, whose span and quoted places count from the statement's start, so that
    the diagnostic is placed again wherever an edit moved the statement."""

    statement: ast.Broken
    diagnostic: Diagnostic  # its span from the statement's start
    places: tuple[int, ...]  # each "at L:C" of its message, as an offset from the start

    @staticmethod
    def of(statement: ast.Broken, diagnostic: Diagnostic, start: int, index: LineIndex) -> _Failed:
        places = tuple(
            index.offset(int(m.group(1)) - 1, int(m.group(2)) - 1) - start
            for m in _PLACE.finditer(diagnostic.message)
        )
        return _Failed(statement, _shifted(diagnostic, -start), places)

    def placed(self, start: int, index: LineIndex) -> Diagnostic:
        """The diagnostic of the statement starting at ``start`` of the document ``index``."""
        diagnostic = _shifted(self.diagnostic, start)
        if not self.places:
            return diagnostic
        places = iter(self.places)

        def at(_: re.Match[str]) -> str:
            line, col = index.line_col(start + next(places))
            return f"at {line + 1}:{col + 1}"

        return replace(diagnostic, message=_PLACE.sub(at, diagnostic.message))


def _shifted(diagnostic: Diagnostic, by: int) -> Diagnostic:
    related = tuple(replace(r, span=r.span.shift(by)) for r in diagnostic.related)
    return replace(diagnostic, span=diagnostic.span.shift(by), related=related)


# Statements by (text, occurrence in their document): those that parsed, and those that did
# not with their diagnostic.  Spans inside a statement count from its start, so a statement
# an edit moved is reused as it is: re-parsing a document after an edit parses only the
# statements it changed (a broken one too: lark takes 0.3 s on a long one).
_MEMO: Table[tuple[str, int], ast.Statement | _Failed] = Table(
    "syntax.statements", 20_000, per_statement=True
)


def parse_statement(chunk: Chunk, index: LineIndex) -> tuple[ast.Statement, Diagnostic | None]:
    """One statement, its spans counting from ``chunk.start`` in a new frame; a syntax
    error's diagnostic is in document offsets."""
    frame = next(_FRAMES)
    text = chunk.text
    if len(text) > MAX_STATEMENT:  # refused before any parsing: bounded time and memory
        return _broken(chunk, frame), _whole(
            chunk, f"this statement is too long to check ({len(text):,} characters; "
            f"the limit is {MAX_STATEMENT:,})"
        )  # fmt: skip
    statement = fastparse.parse_statement(text, frame)
    if statement is None:
        # lark, the specification: what the fast path leaves (a syntax error), in words
        from matdiff.syntax import larkparse

        try:
            statement = larkparse.parse_statement(text, frame)
        except larkparse.UnexpectedInput as exc:
            return _broken(chunk, frame), larkparse.describe(exc, text, chunk.start, index)
        except RecursionError:
            return _broken(chunk, frame), _whole(chunk, _TOO_DEEP)
        except Exception as exc:  # noqa: BLE001 — the parser must never fail
            return _broken(chunk, frame), _whole(chunk, f"cannot parse this statement ({exc})")
    if len(text) > MAX_DEPTH and depth(statement) > MAX_DEPTH:  # a level takes a character
        return _broken(chunk, frame), _whole(chunk, _TOO_DEEP)
    if _LONG_NUMBER.search(text) and (number := _oversized_number(statement)) is not None:
        span = Span(chunk.start + number.span.start, chunk.start + number.span.end)
        return _broken(chunk, frame), Diagnostic(
            span, f"this number is too large to work with (at most {MAX_DIGITS} digits and "
            f"an exponent of at most {MAX_EXPONENT})", "syntax",
        )  # fmt: skip
    return statement, None


def _oversized_number(statement: ast.Statement) -> ast.Number | None:
    """The first number literal of ``statement`` past MAX_DIGITS or MAX_EXPONENT."""
    if isinstance(statement, ast.Definition):
        nodes: list[ast.Expr] = ast.walk(statement.value)
    elif isinstance(statement, ast.Declaration):
        nodes = [d for _, d in _type_parts(statement.type) if isinstance(d, ast.Number)]
    else:
        return None
    for node in nodes:
        if isinstance(node, ast.Number):
            mantissa, _, exponent = node.text.lower().partition("e")
            digits = sum(ch.isdecimal() for ch in mantissa)
            if digits > MAX_DIGITS or (
                exponent
                and (
                    len(exponent) > len(str(MAX_EXPONENT)) + 1 or abs(int(exponent)) > MAX_EXPONENT
                )
            ):
                return node
    return None


_TOO_DEEP = f"this statement is nested too deeply (more than {MAX_DEPTH} levels)"


def _whole(chunk: Chunk, message: str) -> Diagnostic:
    return Diagnostic(Span(chunk.start, chunk.end), message, "syntax")


def depth(statement: ast.Statement) -> int:
    """How deeply ``statement``'s expression nests (see ``MAX_DEPTH``): the left operand of a
    binary operator is at its operator's level, every other operand one deeper."""
    if isinstance(statement, ast.Declaration):  # a type inside a type: function(vector(m))
        return max((level for level, _ in _type_parts(statement.type)), default=0)
    if not isinstance(statement, ast.Definition):
        return 0
    deepest = 0
    stack: list[tuple[ast.Expr, int]] = [(statement.value, 0)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        kind = type(node)
        if kind is ast.Binary:
            stack.append((node.left, level))  # type: ignore[union-attr]
            stack.append((node.right, level + 1))  # type: ignore[union-attr]
        elif kind is ast.Call:
            stack.extend((arg, level + 1) for arg in node.args)  # type: ignore[union-attr]
        elif kind is ast.Unary or kind is ast.Transpose:
            stack.append((node.operand, level + 1))  # type: ignore[union-attr]
    return deepest


def _type_parts(spec: ast.TypeSpec) -> list[tuple[int, ast.Name | ast.Number | ast.TypeSpec]]:
    """Every size of a type and every type inside it, each with its level: the sizes of the
    declared type are at 0, a type inside it (``function(vector(m))``) at 1, its sizes too."""
    out: list[tuple[int, ast.Name | ast.Number | ast.TypeSpec]] = []
    stack: list[tuple[int, ast.TypeSpec]] = [(0, spec)]
    while stack:
        level, t = stack.pop()
        for d in t.dims or ():
            nested = isinstance(d, ast.TypeSpec)
            out.append((level + nested, d))
            if isinstance(d, ast.TypeSpec):
                stack.append((level + 1, d))
    return out


def _broken(chunk: Chunk, frame: int) -> ast.Broken:
    span = Span(0, len(chunk.text), frame)
    found: list[ast.Name] = []
    is_declaration = False
    head = chunk.text if len(chunk.text) <= MAX_STATEMENT else chunk.text[:200]
    if m := _DEFINES.match(head):
        found.append(ast.Name(Span(m.start(1), m.end(1), frame), names.normal(m.group(1))))
    elif m := _DECLARES.match(head):
        is_declaration = True
        for n in names.NAME.finditer(m.group(1)):
            s = m.start(1) + n.start()
            found.append(ast.Name(Span(s, s + len(n.group()), frame), names.normal(n.group())))
    return ast.Broken(span, tuple(found), is_declaration)
