"""The fast path for parsing one statement, by hand: about ten times faster than lark.

The specification is the grammar (``grammar/matdiff.lark``) as lark runs it in
:mod:`matdiff.syntax.larkparse`.  For any text, :func:`parse_statement` returns exactly the tree
that lark's parse and ``larkparse.Builder`` build, every span included (counted from the start
of the text, in the given frame), or None where lark rejects the text; the caller then asks
lark, which words the error.  ``tests/syntax/test_fastparse.py`` holds the two to that, on
statements generated from the grammar and on mutated strings of the language's tokens.

What it reproduces of lark's behaviour:

- tokens: the grammar's terminals, whitespace ``[ \\t\\f\\r]`` and comments; NUMBER's ``\\d``
  is any Unicode decimal digit, as in lark.  ``const`` is the keyword only as the first
  token: that is the one parser state where CONST is expected, and lark's contextual lexer
  makes it a NAME anywhere else (``f = const``, ``const const : scalar``, ``x : scalar const``);
- spans (``propagate_positions``): a node runs from its first child's *container* to its
  last child's.  Parentheses make no node, but widen the container of what is inside
  them: ``f = (a + b)`` spans the ``)`` and ``(a)'`` the ``(``, while ``a + b`` and ``a``
  themselves do not.  So a node runs from the first to the last token its rule consumed,
  and the parser tracks the first token of each operand.  A declaration's span includes a
  trailing comma after its last property.

It takes statements of any length and depth (no recursion); the driver bounds both.
"""

from __future__ import annotations

import itertools
import re

from matdiff.base import names
from matdiff.base.spans import Span
from matdiff.syntax import ast
from matdiff.syntax.tokens import CANONICAL

# A token: NAME, NUMBER, an operator or punctuation, or any other single character (so that
# a character no terminal matches is seen, and rejected, rather than skipped).  Split by
# it, a text is whitespace, token, whitespace, …, token, whitespace.
_TOKEN = re.compile(
    rf"({names.PATTERN}"
    r"|(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
    r"|\.[*/^T]|⁻¹|[-+*@/∘⊙⊗×·^'ᵀ(),:=]|[^ \t\f\r])"
)
_COMMENT = re.compile(r"#[^\r\n]*")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
# Token kinds: "a" NAME, "0" NUMBER, "?" an unknown character, "$" the end; "*" every
# product operator, "^" both power operators, "'" every transpose; the rest are themselves.
_KINDS = {
    "+": "+", "-": "-", "^": "^", ".^": "^", "'": "'", ".T": "'", "ᵀ": "'", "⁻¹": "⁻¹",
    "(": "(", ")": ")", ",": ",", ":": ":", "=": "=",
    **dict.fromkeys(("*", "@", "/", ".*", "./", "∘", "⊙", "⊗", "×", "·"), "*"),
}  # fmt: skip
# Binding strength, loosest first.  A pending operator is applied when one that binds no
# tighter comes, so ``+ - *`` associate to the left; ``^`` applies nothing (it binds 5 as it
# comes, 4 once pending), so it associates to the right; ")", "," and the end apply every
# pending operator back to the innermost open "(" or call.  A sign binds 3: tighter than
# ``*``, looser than ``^`` (``-a^b`` is ``-(a^b)``, ``a^-b*c`` is ``(a^(-b))*c``).
_PENDING = {"+": 1, "-": 1, "*": 2, "^": 4}  # and 3 for a sign, 0 for "(" and calls
_COMING = {"+": 1, "-": 1, "*": 2, "^": 5, ")": 1, ",": 1, "$": 1}
_SIGN = 3

_new = tuple.__new__  # Span(start, end, frame), without NamedTuple.__new__'s Python frame
_Tokens = tuple[list[str], list[str], list[int], list[int]]


# function(vector(m)) nests one level; deeper types are left to lark (the driver reports a
# type nested past its MAX_DEPTH), so that this parser's recursion stays shallow.
_MAX_TYPE_LEVELS = 8


class _RejectError(Exception):
    """The text is not a statement of the grammar."""


def parse_statement(text: str, frame: int = 0) -> ast.Statement | None:
    """The syntax tree of one statement, or None when ``text`` is not a statement of the grammar
    (the caller then asks lark, which words the error)."""
    tokens = _tokenize(text)
    kinds, texts, starts, ends = tokens
    try:
        if kinds[0] == "a" and kinds[1] == "=" and texts[0] != "const":
            name = ast.Name(_new(Span, (starts[0], ends[0], frame)), texts[0])
            value = _expression(tokens, 2, frame)
            return ast.Definition(_new(Span, (starts[0], ends[-1], frame)), name, value)
        return _declaration(tokens, frame)
    except _RejectError:
        return None


def _tokenize(text: str) -> _Tokens:
    """Token kinds (and a last "$"), texts, starts and ends."""
    if "#" in text:  # blank the comments (a statement's text has them blanked already)
        text = _COMMENT.sub(lambda comment: " " * len(comment[0]), text)
    parts = _TOKEN.split(text)
    texts = parts[1::2]
    kinds = [
        _KINDS.get(t)
        # the rest is a NAME, a NUMBER (\d is str.isdecimal) or an unknown character
        or ("a" if t[0] in _NAME_START else "0" if len(t) > 1 or t.isdecimal() else "?")
        for t in texts
    ]
    if not text.isascii():  # a name may start with any letter, and is stored in NFC
        for k, t in enumerate(texts):
            if not t.isascii() and names.NAME.fullmatch(t):
                kinds[k], texts[k] = "a", names.normal(t)
    kinds.append("$")
    bounds = list(itertools.accumulate(map(len, parts)))  # each token's start and end
    return kinds, texts, bounds[0:-1:2], bounds[1::2]


def _declaration(tokens: _Tokens, frame: int) -> ast.Declaration:
    """``declaration: [CONST] names ":" type_spec properties``."""
    kinds, texts, starts, ends = tokens

    def name(i: int) -> ast.Name:
        if kinds[i] != "a":
            raise _RejectError
        return ast.Name(_new(Span, (starts[i], ends[i], frame)), texts[i])

    def dim(i: int, level: int) -> tuple[ast.Name | ast.Number | ast.TypeSpec, int]:
        """``dim: NAME | NUMBER | NAME dims`` at token i: the node and its last token."""
        if kinds[i] == "0":
            return ast.Number(_new(Span, (starts[i], ends[i], frame)), texts[i]), i
        if kinds[i] == "a" and kinds[i + 1] == "(":
            return type_spec(i, level + 1)
        return name(i), i

    def type_spec(i: int, level: int = 0) -> tuple[ast.TypeSpec, int]:
        """``NAME [dims]`` at token i, ``dims: "(" [dim ("," dim)*] ")"``; a type nested
        deeper than _MAX_TYPE_LEVELS is left to lark (and reported too deep)."""
        if level > _MAX_TYPE_LEVELS:
            raise _RejectError
        first = i
        kind = name(i)
        dims: list[ast.Name | ast.Number | ast.TypeSpec] | None = None
        if kinds[i + 1] == "(":
            dims = []
            i += 2
            if kinds[i] != ")":
                node, i = dim(i, level)
                dims.append(node)
                while kinds[i + 1] == ",":
                    node, i = dim(i + 2, level)
                    dims.append(node)
                i += 1
                if kinds[i] != ")":
                    raise _RejectError
        span = _new(Span, (starts[first], ends[i], frame))
        return ast.TypeSpec(span, kind, None if dims is None else tuple(dims)), i

    const = kinds[0] == "a" and texts[0] == "const"
    i = 1 if const else 0
    names = [name(i)]
    while kinds[i + 1] == ",":
        i += 2
        names.append(name(i))
    if kinds[i + 1] != ":":
        raise _RejectError
    spec, i = type_spec(i + 2)
    properties: list[ast.Name] = []  # properties: (NAME ","?)*
    i += 1
    while kinds[i] == "a":
        properties.append(name(i))
        i += 2 if kinds[i + 1] == "," else 1
    if kinds[i] != "$":
        raise _RejectError
    span = _new(Span, (starts[0], ends[i - 1], frame))
    return ast.Declaration(span, tuple(names), spec, tuple(properties), const)


def _expression(tokens: _Tokens, i: int, frame: int) -> ast.Expr:
    """The expression from token ``i`` to the end, by operator precedence.

    This is the grammar's ``expr`` (see ``_PENDING``): an operand is a NUMBER, a NAME, a
    call or a parenthesised expression, after any number of signs and before any number of
    postfix operators (``' .T ᵀ ⁻¹``, which take the operand just before them).  One loop,
    with stacks instead of recursion, is what makes it fast.
    """
    kinds, texts, starts, ends = tokens
    canonical = CANONICAL
    nodes: list[ast.Expr] = []  # the operands
    firsts: list[int] = []  # the first token of each operand's container (its "(", if any)
    ops = [-1]  # the tokens of pending operators, open "(" and calls (their NAME), sentinel
    binds = [-1]  # how tightly each binds
    opened: list[int] = []  # len(nodes) at each open "(" and call
    while True:
        kind = kinds[i]  # an operand, or what opens one
        if kind == "a" or kind == "0":
            if kind == "a" and kinds[i + 1] == "(":  # a call
                if kinds[i + 2] != ")":
                    ops.append(i)
                    binds.append(0)
                    opened.append(len(nodes))
                    i += 2
                    continue
                func = ast.Name(_new(Span, (starts[i], ends[i], frame)), texts[i])
                nodes.append(ast.Call(_new(Span, (starts[i], ends[i + 2], frame)), func, ()))
                firsts.append(i)
                i += 3
            else:
                span = _new(Span, (starts[i], ends[i], frame))
                nodes.append(
                    ast.Name(span, texts[i]) if kind == "a" else ast.Number(span, texts[i])
                )
                firsts.append(i)
                i += 1
        elif kind == "(":
            ops.append(i)
            binds.append(0)
            opened.append(len(nodes))
            i += 1
            continue
        elif kind == "-" or kind == "+":
            ops.append(i)
            binds.append(_SIGN)
            i += 1
            continue
        else:
            raise _RejectError
        while True:  # after an operand
            kind = kinds[i]
            if kind == "'":
                span = _new(Span, (starts[firsts[-1]], ends[i], frame))
                nodes[-1] = ast.Transpose(span, nodes[-1])
                i += 1
                continue
            if kind == "⁻¹":  # X⁻¹ is X^-1, the -1 spanning the ⁻¹
                op_span = _new(Span, (starts[i], ends[i], frame))
                minus_one = ast.Unary(op_span, "-", ast.Number(op_span, "1"))
                span = _new(Span, (starts[firsts[-1]], ends[i], frame))
                nodes[-1] = ast.Binary(span, "^", nodes[-1], minus_one, op_span)
                i += 1
                continue
            coming = _COMING.get(kind)
            if coming is None:
                raise _RejectError
            end = ends[i - 1]
            while binds[-1] >= coming:  # apply the pending operators that bind tighter
                op = ops.pop()
                if binds.pop() == _SIGN:
                    span = _new(Span, (starts[op], end, frame))
                    nodes[-1] = ast.Unary(span, texts[op], nodes[-1])
                    firsts[-1] = op
                else:
                    right = nodes.pop()
                    firsts.pop()
                    span = _new(Span, (starts[firsts[-1]], end, frame))
                    op_span = _new(Span, (starts[op], ends[op], frame))
                    nodes[-1] = ast.Binary(span, canonical[texts[op]], nodes[-1], right, op_span)
            if kind == ")":
                if binds[-1] != 0:
                    raise _RejectError
                opener = ops.pop()
                binds.pop()
                height = opened.pop()
                if kinds[opener] == "(":  # widens the container, not the node
                    firsts[-1] = opener
                else:
                    span = _new(Span, (starts[opener], ends[opener], frame))
                    func = ast.Name(span, texts[opener])
                    args = tuple(nodes[height:])
                    del nodes[height:], firsts[height:]
                    span = _new(Span, (starts[opener], ends[i], frame))
                    nodes.append(ast.Call(span, func, args))
                    firsts.append(opener)
                i += 1
                continue
            if kind == "$":
                if len(ops) > 1:
                    raise _RejectError
                return nodes[0]
            if kind == ",":
                if binds[-1] != 0 or kinds[ops[-1]] != "a":
                    raise _RejectError
            else:
                ops.append(i)
                binds.append(_PENDING[kind])
            i += 1
            break
