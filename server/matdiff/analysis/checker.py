"""The state of checking one statement, and how messages are made (see ``analyze.py``).

Each part of the checker is a class of its own module, each built on the one before:
``Checker`` (this: the statement's names, what it found, messages) → ``Unifier``
(placeholder sizes) → ``Declarations`` (statements, declarations, definitions) → ``Calls``
(built-in functions) → ``Shapes`` (expressions) → ``analyze.Analyzer`` (one statement, and
whether a cached outcome still holds).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from matdiff.analysis.model import Symbol
from matdiff.base.diagnostics import Diagnostic, Related
from matdiff.base.spans import LineIndex, Span
from matdiff.engine.shape import Dim, Shape
from matdiff.syntax import ast


class Scope:
    """The names known before one statement, as the statement sees them: what it reads of
    them is recorded, what it introduces is kept apart."""

    __slots__ = ("env", "everything", "reads", "writes")

    def __init__(self, env: dict[str, Symbol]) -> None:
        self.env = env
        self.reads: dict[str, Symbol | None] = {}
        self.writes: dict[str, Symbol] = {}
        self.everything = False

    def get(self, name: str) -> Symbol | None:
        if name in self.writes:
            return self.writes[name]
        got = self.env.get(name)
        self.reads.setdefault(name, got)
        return got

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __setitem__(self, name: str, symbol: Symbol) -> None:
        self.writes[name] = symbol

    def names(self) -> list[str]:
        self.everything = True
        return [*self.env, *(n for n in self.writes if n not in self.env)]


class Later:
    """Names defined further down the document, reads recorded."""

    __slots__ = ("later", "reads")

    def __init__(self, later: dict[str, Span]) -> None:
        self.later = later
        self.reads: dict[str, Span | None] = {}

    def get(self, name: str) -> Span | None:
        got = self.later.get(name)
        self.reads.setdefault(name, got)
        return got


@dataclass
class Checker:
    """What checking one statement knows and has found so far."""

    index: LineIndex
    bases: dict[int, int]  # frame → where its statement starts in the document
    # per statement: its text, scope, the names defined later, what it found
    text: str = ""
    symbols: Scope = field(default_factory=lambda: Scope({}))
    later: Later = field(default_factory=lambda: Later({}))
    wheres: dict[Span, str] = field(default_factory=dict)
    shapes: dict[Span, Shape] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # per definition: placeholder substitution, placeholder origins, shapes to resolve
    subst: dict[str, Dim] = field(default_factory=dict)
    origins: dict[str, tuple[Span, str]] = field(default_factory=dict)
    pending: dict[Span, Shape] = field(default_factory=dict)
    counter: int = 0
    current: str = ""

    def place(self, span: Span) -> str:
        line, col = self.index.line_col(span.placed(self.bases).start)
        return f"{line + 1}:{col + 1}"

    def absolute(self, d: Diagnostic) -> Diagnostic:
        related = tuple(Related(r.span.placed(self.bases), r.message) for r in d.related)
        return dataclasses.replace(d, span=d.span.placed(self.bases), related=related)

    # ------------------------------------------------------------------ messages

    def error(self, span: Span, message: str, code: str, **data: str) -> None:
        self.diagnostics.append(Diagnostic(span, message, code, data=tuple(sorted(data.items()))))

    def where(self, span: Span) -> str:
        """Where ``span`` is, as "line:col" (recorded: it is part of this statement's outcome)."""
        at = self.wheres[span] = self.place(span)
        return at

    def source(self, node: ast.Expr) -> str:
        words = " ".join(self.text[node.span.start : node.span.end].split())
        return words if len(words) <= 24 else words[:23] + "…"

    def related(self, *nodes: ast.Expr) -> tuple[Related, ...]:
        out = []
        for node in nodes:
            sym = self.symbols.get(node.id) if isinstance(node, ast.Name) else None
            if sym is not None and sym.kind != "dimension" and sym.shape is not None:
                verb = "declared" if sym.kind == "variable" else "defined"
                out.append(Related(sym.span, f"{sym.name} is {verb} here as {sym.shape}"))
        return tuple(out)

    def shape_error(self, span: Span, message: str, *nodes: ast.Expr, **data: str) -> None:
        self.diagnostics.append(
            Diagnostic(
                span,
                message,
                "shape",
                related=self.related(*nodes),
                data=tuple(sorted(data.items())),
            )
        )

    def too_deep(self, statement: ast.Statement) -> None:
        self.current = ""
        self.error(statement.span, "this statement is nested too deeply to analyse", "too-deep")
        if isinstance(statement, ast.Definition) and statement.name.id not in self.symbols:
            self.symbols[statement.name.id] = Symbol(
                statement.name.id, "definition", statement.name.span, statement.span
            )

    # ------------------------------------------------------------------ defined further on

    def expr(self, node: ast.Expr) -> Shape | None:
        """The shape of ``node`` (``Shapes.expr``)."""
        raise NotImplementedError

    def name(self, node: ast.Name) -> Shape | None:
        """The shape of a name (``Shapes.name``)."""
        raise NotImplementedError
