"""Syntax tree → canonical text: the formatter.

Spacing: one space around binary ``+``, ``-`` and ``⊗``, none around ``*``, ``@``, ``/``,
``.*``, ``./``, ``^`` and ``.^``; declarations read ``A : matrix(m, n) symmetric``.
Parentheses are printed only where precedence or associativity needs them
(LANGUAGE.md §4), so ``(a-b)-c`` prints ``a - b - c`` and ``a-(b-c)`` keeps its
parentheses.  Transposes print as ``'``; the tree already stores ``∘``, ``×``, ``⁻¹`` in
their canonical spelling.

``format_text`` formats a whole document: each well-formed statement is re-printed, and
everything else (broken statements, comments, blank lines) is kept.  Printing then parsing
gives back an equal tree.
"""

from __future__ import annotations

import re

from matdiff.base.spans import LineIndex, lone_cr_as_lf
from matdiff.syntax import ast
from matdiff.syntax.parser import ParseResult, parse_statement, split_statements

# Binding strength, loosest first; an operand binding more loosely than its slot allows
# is parenthesized.
_SUM, _PRODUCT, _UNARY, _POWER, _POSTFIX, _ATOM = range(1, 7)
_LEVEL = {
    "+": _SUM, "-": _SUM,
    "*": _PRODUCT, "@": _PRODUCT, "/": _PRODUCT, ".*": _PRODUCT, "./": _PRODUCT, "⊗": _PRODUCT,
    "^": _POWER, ".^": _POWER,
}  # fmt: skip
_SPACED = frozenset({"+", "-", "⊗"})


def _level(e: ast.Expr) -> int:
    if isinstance(e, ast.Binary):
        return _LEVEL[e.op]
    if isinstance(e, ast.Unary):
        return _UNARY
    if isinstance(e, ast.Transpose):
        return _POSTFIX
    return _ATOM


def _operand(e: ast.Expr, at_least: int) -> str:
    text = format_expr(e)
    return text if _level(e) >= at_least else f"({text})"


def format_expr(e: ast.Expr) -> str:
    """``e`` as canonical text, with the fewest parentheses that keep its structure."""
    if isinstance(e, ast.Number):
        return e.text
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Call):
        return f"{e.func.id}({', '.join(format_expr(a) for a in e.args)})"
    if isinstance(e, ast.Unary):
        return e.op + _operand(e.operand, _UNARY)
    if isinstance(e, ast.Transpose):
        return _operand(e.operand, _POSTFIX) + "'"
    level = _LEVEL[e.op]
    if level == _POWER:
        # right-associative; the base is a postfix expression, the exponent may carry a sign
        left, right = _operand(e.left, _POSTFIX), _operand(e.right, _UNARY)
        return f"{left}{e.op}{right}"
    # left-associative: a chain (a + b - c, a*b*c) is printed along its left operands, in a
    # loop, so that a sum of thousands of terms does not recurse thousands deep
    rights: list[str] = []
    while True:
        spaced = f" {e.op} " if e.op in _SPACED else e.op
        rights.append(spaced + _operand(e.right, level + 1))
        below = e.left
        if not (isinstance(below, ast.Binary) and level <= _LEVEL[below.op] < _POWER):
            break
        e, level = below, _LEVEL[below.op]
    return _operand(e.left, level) + "".join(reversed(rights))


def format_statement(statement: ast.Statement, text: str) -> str:
    """One statement as canonical text; a broken statement is its own ``text``, as is."""
    if isinstance(statement, ast.Definition):
        return f"{statement.name.id} = {format_expr(statement.value)}"
    if isinstance(statement, ast.Broken):
        return text
    parts = [
        "const " if statement.const else "",
        ", ".join(n.id for n in statement.names),
        f" : {_type(statement.type)}",
        *(f" {p.id}" for p in statement.properties),
    ]
    return "".join(parts)


def _type(spec: ast.TypeSpec) -> str:
    dims = "" if spec.dims is None else f"({', '.join(_dim(d) for d in spec.dims)})"
    return f"{spec.kind.id}{dims}"


def _dim(d: ast.Name | ast.Number | ast.TypeSpec) -> str:
    if isinstance(d, ast.TypeSpec):  # function(vector(m))
        return _type(d)
    return d.text if isinstance(d, ast.Number) else d.id


def format_document(result: ParseResult) -> str:
    """Every statement of a parsed document on its own line; no comments."""
    pairs = zip(result.document.statements, result.texts, strict=True)
    return "".join(format_statement(s, text) + "\n" for s, text in pairs)


_GAP = re.compile(r"(?P<comment>#[^\r\n]*)|(?P<sep>;|\r\n?|\n)|[^#;\r\n]+")
_EOL = re.compile(r"\r\n?|\n")


def format_text(text: str) -> str:
    """The whole document ``text``, formatted.

    Each well-formed statement is re-printed.  A broken statement, and a statement running
    over several lines with a comment inside, is kept verbatim.  Between statements,
    comments, ``;`` and blank lines are kept; spacing is normalised (``a = 1; b = 2``, two
    spaces before a trailing comment, no indentation) and the
    document ends with exactly one line break.  Line breaks are the document's first one
    (``\n``, ``\r\n`` or ``\r``); a byte-order mark stays.
    """
    eol = m.group() if (m := _EOL.search(text)) else "\n"
    text = lone_cr_as_lf(text)  # a lone \r ends a line too
    pieces: list[str] = []  # statements, ";", "\n" and comments, in order
    pos = 0
    index = LineIndex(text)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    for chunk in split_statements(" " + text[1:] if bom else text):
        pieces.extend(_gap(text[pos : chunk.start]))
        original = text[chunk.start : chunk.end]
        statement, diagnostic = parse_statement(chunk, index)
        if diagnostic is not None or "#" in original:
            pieces.append(original)
        else:
            pieces.append(_format_or_keep(statement, original))
        pos = chunk.end
    pieces.extend(_gap(text[pos:]))
    # every line break the document's first kind (a kept statement may span lines)
    return bom + _EOL.sub(eol, _join(pieces, eol))


def _format_or_keep(statement: ast.Statement, original: str) -> str:
    try:
        return format_statement(statement, original)
    except RecursionError:  # nested hundreds deep: leave it as it is
        return original


def _gap(gap: str) -> list[str]:
    return [
        "\n" if m.lastgroup == "sep" and m.group() != ";" else m.group()
        for m in _GAP.finditer(gap)
        if m.lastgroup is not None
    ]


def _join(pieces: list[str], eol: str) -> str:
    out: list[str] = []
    line_start = True
    for piece in pieces:
        if piece == "\n":
            out.append(eol)
            line_start = True
            continue
        if not line_start:
            if piece.startswith("#"):
                out.append("  ")
            elif out[-1] == ";" and piece != ";":
                out.append(" ")
        out.append(piece.rstrip() if piece.startswith("#") else piece)
        line_start = False
    result = "".join(out).strip("\r\n")
    return result + eol if result else ""
