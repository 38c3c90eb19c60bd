"""Names and shapes: ``analyze(text) -> DocumentModel``.

Statements are checked in order.  Each declaration introduces variables (and dimension
symbols by use); each definition's expression is shape-checked bottom-up.  Sizes that are
not written (a bare ``I``, ``ones``, ``zeros``) start as placeholders and are solved by
unification with their context; a placeholder still open at the end of the definition is
reported.  An operand whose shape is unknown (because it is already reported) silences every
check that involves it, so one root cause gives one diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass

from matdiff.analysis.checker import Later, Scope
from matdiff.analysis.model import DocumentModel, Symbol
from matdiff.analysis.shapes import Shapes, integer_literal
from matdiff.base import caches
from matdiff.base.caches import Table
from matdiff.base.diagnostics import Diagnostic
from matdiff.base.spans import Span
from matdiff.engine.shape import Shape
from matdiff.syntax import ast, parse
from matdiff.syntax.parser import MAX_STATEMENTS

__all__ = ["Analyzer", "analyze", "integer_literal"]  # integer_literal: lives in shapes.py


def analyze(text: str, limit: int = MAX_STATEMENTS) -> DocumentModel:
    """The semantic model of ``text`` (of its first ``limit`` statements).  Never raises.

    Each statement is checked on its own against the names known before it.  What it read
    of them is recorded with its outcome, so after an edit a statement whose text and reads
    are unchanged is not checked again (its spans count from its own start, so moving it
    changes nothing): re-analysing costs what the edit touched, not the document.
    """
    result = parse(text, limit)
    statements = result.document.statements
    bases = {st.span.frame: start for st, start in zip(statements, result.starts, strict=True)}
    analyzer = Analyzer(result.line_index, bases)
    later: dict[str, Span] = {}  # names defined further down: "used before its definition"
    for statement in reversed(statements):
        if isinstance(statement, ast.Definition):
            later[statement.name.id] = statement.name.span
    env: dict[str, Symbol] = {}
    shapes: dict[int, dict[Span, Shape]] = {}
    found: list[Diagnostic] = []
    for statement, source in zip(statements, result.texts, strict=True):
        frame = statement.span.frame
        outcome = caches.active()[_OUTCOMES].get(frame)
        if outcome is None or not analyzer.still_valid(outcome, env, later):
            outcome = analyzer.run(statement, source, env, later)
            if outcome.cacheable:
                caches.active()[_OUTCOMES].put(frame, outcome)
        env.update(outcome.writes)
        shapes[frame] = outcome.shapes
        found.extend(outcome.diagnostics)
        if isinstance(statement, ast.Definition) and later.get(statement.name.id) == (
            statement.name.span
        ):
            del later[statement.name.id]
    placed = [analyzer.absolute(d) for d in found]
    diagnostics = sorted((*result.diagnostics, *placed), key=lambda d: (d.span.start, d.span.end))
    return DocumentModel(
        text=text,
        line_index=result.line_index,
        document=result.document,
        symbols=env,
        shapes_by_frame=shapes,
        diagnostics=tuple(diagnostics),
        dimensions=tuple(n for n, s in env.items() if s.kind == "dimension"),
        starts=result.starts,
        texts=result.texts,
        bases=bases,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What checking one statement gave, and what it read to get it.  Spans are in the
    statement's frame (diagnostics too, until placed)."""

    writes: dict[str, Symbol]  # the names it introduced
    shapes: dict[Span, Shape]
    diagnostics: tuple[Diagnostic, ...]
    # the names it read, and what they were before the statement (checked as one tuple)
    read_names: tuple[str, ...]
    read_symbols: tuple[Symbol | None, ...]
    # the names it looked for further down, and where they were defined, if they were
    later_names: tuple[str, ...]
    later_spans: tuple[Span | None, ...]
    wheres: dict[Span, str]  # "line:col" of a span, as written in a message
    cacheable: bool  # False when it read every name (a "did you mean" over them all)


# outcomes by frame, shared by the threads that analyse
_OUTCOMES: Table[int, Outcome] = Table("analysis.outcomes", 20_000, per_statement=True)


class Analyzer(Shapes):
    """Checks one statement (the checker's parts: see ``checker.py``)."""

    def run(self, statement: ast.Statement, text: str, env: dict[str, Symbol],
            later: dict[str, Span]) -> Outcome:  # fmt: skip
        self.text, self.symbols, self.later = text, Scope(env), Later(later)
        self.wheres, self.shapes, self.diagnostics = {}, {}, []
        self.subst, self.origins, self.pending, self.counter = {}, {}, {}, 0
        self.current = ""
        try:
            self.statement(statement)
        except RecursionError:  # hundreds of nested operators: report, do not fail
            self.too_deep(statement)
        reads, later_reads = self.symbols.reads, self.later.reads
        return Outcome(
            self.symbols.writes, self.shapes, tuple(self.diagnostics),
            tuple(reads), tuple(reads.values()), tuple(later_reads), tuple(later_reads.values()),
            self.wheres, not self.symbols.everything,
        )  # fmt: skip

    def still_valid(self, outcome: Outcome, env: dict[str, Symbol],
                    later: dict[str, Span]) -> bool:  # fmt: skip
        """Whether ``outcome`` is what checking its statement here would give again."""
        # Symbols compare by identity first; equal symbols are the same statement's
        return (
            tuple(map(env.get, outcome.read_names)) == outcome.read_symbols
            and tuple(map(later.get, outcome.later_names)) == outcome.later_spans
            and all(self.place(s) == w for s, w in outcome.wheres.items())
        )
