"""The semantic model of one document: an immutable snapshot every feature reads."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from matdiff.base.diagnostics import Diagnostic
from matdiff.base.spans import LineIndex, Span
from matdiff.engine.shape import Shape
from matdiff.syntax import ast

SymbolKind = Literal["variable", "definition", "dimension", "function"]


@dataclass(frozen=True, slots=True)
class Symbol:
    """A name of the document.

    ``shape`` is None where it could not be known (a broken definition); ``span`` is where
    the name is introduced (its first use, for a dimension symbol), ``statement`` the span of
    the statement that introduces it; both in that statement's frame
    (``DocumentModel.absolute``).
    """

    name: str
    kind: SymbolKind
    span: Span
    statement: Span
    shape: Shape | None = None
    properties: frozenset[str] = frozenset()
    const: bool = False
    value: ast.Expr | None = None  # a definition's expression
    # a declared function's argument (function(vector(m))); None for an element-wise one
    argument: Shape | None = None

    @property
    def is_variable(self) -> bool:
        """Declared and not const: something one can differentiate by."""
        return self.kind == "variable" and not self.const

    def describe(self, shape_words: Callable[[Shape], str] | None = None) -> str:
        """``definition r: vector m×1``; ``shape_words`` writes the shape (with its kind)
        another way (a Python file's ``vector (m,)``)."""
        words = shape_words or _shape_words
        if self.kind == "dimension":
            return f"dimension {self.name}"
        if self.kind == "function":
            if self.argument is None:
                return f"element-wise function {self.name} (σ'(X) is d_{self.name}(X))"
            arg = words(self.argument)
            return f"function {self.name} of a {arg} → scalar (∇ is grad_{self.name})"
        props = "".join(f" {p}" for p in sorted(self.properties))
        const = "const " if self.const else ""
        shape = "unknown shape" if self.shape is None else words(self.shape)
        return f"{const}{self.kind} {self.name}: {shape}{props}"


def find_declared(lookup: Callable[[str], Symbol | None], name: str) -> tuple[Symbol, int] | None:
    """The declared function a call of ``name`` applies, and the order of its derivative:
    0 for σ and l themselves, 1 for d_σ and grad_l, 2 for d_d_σ and hess_l (§9)."""
    sym = lookup(name)
    if sym is not None:
        return (sym, 0) if sym.kind == "function" else None
    if name.startswith("d_"):
        found = find_declared(lookup, name[2:])
        if found is not None and found[0].argument is None:
            return found[0], found[1] + 1
    for order, prefix in ((1, "grad_"), (2, "hess_")):
        if name.startswith(prefix):
            sym = lookup(name[len(prefix) :])
            if sym is not None and sym.kind == "function" and sym.argument is not None:
                return sym, order
    return None


def _shape_words(shape: Shape) -> str:
    kind = shape.kind()
    return kind if shape.is_scalar else f"{kind} {shape}"


@dataclass(frozen=True)
class DocumentModel:
    """Everything known about a document: text, tree, names, shapes, diagnostics.

    The tree's spans, and the symbols', count from the start of their statement (each
    statement is a frame of its own, see :class:`~matdiff.base.spans.Span`):
    :meth:`absolute` places them in the document.  Diagnostics are in document offsets.
    :meth:`shape` gives the shape of every well-shaped expression node (sizes of bare
    ``I``/``ones``/``zeros`` solved from context).
    """

    text: str
    line_index: LineIndex
    document: ast.Document
    symbols: dict[str, Symbol]
    shapes_by_frame: dict[int, dict[Span, Shape]]
    diagnostics: tuple[Diagnostic, ...]
    dimensions: tuple[str, ...] = field(default=())
    starts: tuple[int, ...] = ()  # each statement's offset in the document
    texts: tuple[str, ...] = ()  # each statement's text, as parsed
    bases: dict[int, int] = field(default_factory=dict)  # frame → its statement's offset

    def absolute(self, span: Span) -> Span:
        """``span`` in document offsets."""
        return span.placed(self.bases)

    def source(self, span: Span) -> str:
        """The document text at ``span``."""
        at = self.absolute(span)
        return self.text[at.start : at.end]

    def shape(self, span: Span) -> Shape | None:
        """The shape of the expression node at ``span``, if it is well-shaped."""
        return self.shapes_by_frame.get(span.frame, {}).get(span)

    def position(self, symbol: Symbol) -> int:
        """Where ``symbol`` is introduced, in document offsets (document order)."""
        return self.absolute(symbol.span).start

    def statement_at(self, offset: int) -> tuple[ast.Statement, int] | None:
        """The statement whose span holds document ``offset`` (ends included), and the
        offset within that statement."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return None
        statement, inner = self.document.statements[i], offset - self.starts[i]
        if statement.span.start <= inner <= statement.span.end:
            return statement, inner
        return None

    def statements_between(self, start: int, end: int) -> list[ast.Statement]:
        """The statements whose spans meet document offsets ``[start, end]``, in order."""
        lo = max(bisect.bisect_right(self.starts, start) - 1, 0)
        hi = bisect.bisect_right(self.starts, end)
        pairs = zip(self.document.statements[lo:hi], self.starts[lo:hi], strict=True)
        return [s for s, at in pairs if at + s.span.start <= end and start <= at + s.span.end]

    def symbol(self, name: str) -> Symbol | None:
        return self.symbols.get(name)

    @property
    def definitions(self) -> list[Symbol]:
        return sorted(
            (s for s in self.symbols.values() if s.kind == "definition"), key=self.position
        )

    @property
    def variables(self) -> list[Symbol]:
        return sorted((s for s in self.symbols.values() if s.kind == "variable"), key=self.position)

    def intermediates(self, name: str) -> list[Symbol]:
        """The definitions that definition ``name`` names (its intermediates, in document
        order): it may be differentiated by each, held as an independent variable."""
        sym = self.symbols.get(name)
        if sym is None or sym.kind != "definition" or sym.value is None:
            return []
        out: dict[str, Symbol] = {}
        for node in ast.walk(sym.value):
            dep = self.symbols.get(node.id) if isinstance(node, ast.Name) else None
            if dep is not None and dep.kind == "definition" and dep.name != name:
                out.setdefault(dep.name, dep)
        return sorted(out.values(), key=self.position)

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
        return sorted(out, key=self.position)
