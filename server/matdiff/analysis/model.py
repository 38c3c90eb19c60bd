"""The semantic model of one document: an immutable snapshot every feature reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from matdiff.base.diagnostics import Diagnostic
from matdiff.base.spans import LineIndex, Span
from matdiff.engine.shape import Shape
from matdiff.syntax import ast

SymbolKind = Literal["variable", "definition", "dimension"]


@dataclass(frozen=True, slots=True)
class Symbol:
    """A name of the document.

    ``shape`` is None where it could not be known (a broken definition); ``span`` is where
    the name is introduced (its first use, for a dimension symbol).
    """

    name: str
    kind: SymbolKind
    span: Span
    statement: Span
    shape: Shape | None = None
    properties: frozenset[str] = frozenset()
    const: bool = False
    value: ast.Expr | None = None  # a definition's expression
    order: int = 0  # index of the statement that introduces it

    @property
    def is_variable(self) -> bool:
        """Declared and not const: something one can differentiate by."""
        return self.kind == "variable" and not self.const

    def describe(self) -> str:
        if self.kind == "dimension":
            return f"dimension {self.name}"
        props = "".join(f" {p}" for p in sorted(self.properties))
        const = "const " if self.const else ""
        shape = "unknown shape" if self.shape is None else _shape_words(self.shape)
        return f"{const}{self.kind} {self.name}: {shape}{props}"


def _shape_words(shape: Shape) -> str:
    kind = shape.kind()
    return kind if shape.is_scalar else f"{kind} {shape}"


@dataclass(frozen=True)
class DocumentModel:
    """Everything known about a document: text, tree, names, shapes, diagnostics.

    ``shapes`` maps the span of every well-shaped expression node to its shape (sizes of
    bare ``I``/``ones``/``zeros`` solved from context).
    """

    text: str
    line_index: LineIndex
    document: ast.Document
    symbols: dict[str, Symbol]
    shapes: dict[Span, Shape]
    diagnostics: tuple[Diagnostic, ...]
    dimensions: tuple[str, ...] = field(default=())

    def symbol(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    @property
    def definitions(self) -> list[Symbol]:
        return sorted(
            (s for s in self.symbols.values() if s.kind == "definition"), key=lambda s: s.order
        )

    @property
    def variables(self) -> list[Symbol]:
        return sorted(
            (s for s in self.symbols.values() if s.kind == "variable"), key=lambda s: s.order
        )

    def depends_on(self, name: str) -> list[Symbol]:
        """The non-const variables that definition ``name`` depends on, through definitions."""
        seen: set[str] = set()
        out: list[Symbol] = []
        stack = [name]
        while stack:
            sym = self.symbols.get(stack.pop())
            if sym is None or sym.kind != "definition" or sym.value is None:
                continue
            for node in ast.walk(sym.value):
                if isinstance(node, ast.Name) and node.id not in seen:
                    seen.add(node.id)
                    dep = self.symbols.get(node.id)
                    if dep is not None and dep.is_variable:
                        out.append(dep)
                    elif dep is not None and dep.kind == "definition":
                        stack.append(node.id)
        return sorted(out, key=lambda s: s.order)
