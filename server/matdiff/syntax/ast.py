"""The syntax tree: frozen nodes, each with the span of source text it came from.

A node's span counts from the start of its statement, in that statement's frame (see
:class:`~matdiff.base.spans.Span`), so a statement that moves keeps its nodes.  Spans do not
take part in equality, so two parses of the same text with different layout compare equal.
Operators are stored in one canonical spelling (``∘`` is ``.*``, ``×`` is ``*``, ``X⁻¹`` is
``X^-1``, ``ᵀ`` and ``.T`` are ``'``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matdiff.base.spans import Span


@dataclass(frozen=True, slots=True)
class Number:
    span: Span = field(compare=False, repr=False)
    text: str

    @property
    def value(self) -> float:
        return float(self.text)


@dataclass(frozen=True, slots=True)
class Name:
    span: Span = field(compare=False, repr=False)
    id: str


@dataclass(frozen=True, slots=True)
class Call:
    span: Span = field(compare=False, repr=False)
    func: Name
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Binary:
    span: Span = field(compare=False, repr=False)
    op: str
    left: Expr
    right: Expr
    op_span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Unary:
    span: Span = field(compare=False, repr=False)
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Transpose:
    span: Span = field(compare=False, repr=False)
    operand: Expr


Expr = Number | Name | Call | Binary | Unary | Transpose


@dataclass(frozen=True, slots=True)
class TypeSpec:
    span: Span = field(compare=False, repr=False)
    kind: Name
    dims: tuple[Name | Number | TypeSpec, ...] | None  # a TypeSpec: function(vector(m))


@dataclass(frozen=True, slots=True)
class Declaration:
    span: Span = field(compare=False, repr=False)
    names: tuple[Name, ...]
    type: TypeSpec
    properties: tuple[Name, ...]
    const: bool


@dataclass(frozen=True, slots=True)
class Definition:
    span: Span = field(compare=False, repr=False)
    name: Name
    value: Expr


@dataclass(frozen=True, slots=True)
class Broken:
    """A statement that did not parse; ``defines`` are the names it evidently introduces,
    so that later statements using them are not reported as undefined too."""

    span: Span = field(compare=False, repr=False)
    defines: tuple[Name, ...]
    is_declaration: bool


Statement = Declaration | Definition | Broken


@dataclass(frozen=True, slots=True)
class Document:
    statements: tuple[Statement, ...]


def children(node: Expr) -> tuple[Expr, ...]:
    """The sub-expressions of ``node``, left to right."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary | Transpose):
        return (node.operand,)
    return ()


def walk(node: Expr) -> list[Expr]:
    """``node`` and all its sub-expressions, parents before children, left to right."""
    out: list[Expr] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        kind = type(n)
        if kind is Binary:
            stack.append(n.right)  # type: ignore[union-attr]
            stack.append(n.left)  # type: ignore[union-attr]
        elif kind is Call:
            stack.extend(reversed(n.args))  # type: ignore[union-attr]
        elif kind is Unary or kind is Transpose:
            stack.append(n.operand)  # type: ignore[union-attr]
    return out
