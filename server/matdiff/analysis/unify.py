"""Placeholder sizes (a bare ``I``, ``ones``, ``zeros``), solved by unification with their
context; what is still open at the end of a definition is reported."""

from __future__ import annotations

from matdiff.analysis.checker import Checker
from matdiff.base.spans import Span
from matdiff.engine.shape import Dim, Shape
from matdiff.syntax import ast


class Unifier(Checker):
    def show(self, node: ast.Expr, shape: Shape) -> str:
        return f"{self.source(node)} ({self.resolve(shape)})"

    def finish(self, shape: Shape | None) -> Shape | None:
        """Resolve placeholders; a vector of ones/zeros defaults to one column; report the rest."""
        for var, (_, kind) in self.origins.items():
            if kind != "eye" and var.endswith("c") and self.lookup(Dim.of(var)).is_placeholder:
                self.subst[self.lookup(Dim.of(var)).syms[0]] = Dim()
        reported: set[Span] = set()
        for var, (span, kind) in self.origins.items():
            if self.lookup(Dim.of(var)).has_placeholder and span not in reported:
                reported.add(span)
                example = "eye(n)" if kind == "eye" else f"{kind}(m, n)"
                self.error(span, f"cannot infer the size of '{self.text[span.start:span.end]}' "
                           f"here; give it explicitly, as in {example}", "infer")  # fmt: skip
        failed = bool(reported)
        if not self.origins:  # no placeholders in this statement: every shape is final
            self.shapes.update(self.pending)
            return shape
        for span, pending in self.pending.items():
            resolved = self.resolve(pending)
            if not (resolved.rows.has_placeholder or resolved.cols.has_placeholder):
                self.shapes[span] = resolved
        if shape is None or failed:
            return None
        return self.resolve(shape)

    # ------------------------------------------------------------------ unification

    def lookup(self, dim: Dim) -> Dim:
        if not self.subst:
            return dim
        while dim.is_placeholder and dim.syms[0] in self.subst:
            dim = self.subst[dim.syms[0]]
        return dim

    def resolve(self, shape: Shape) -> Shape:
        if not self.subst:
            return shape
        return Shape(self.lookup(shape.rows), self.lookup(shape.cols))

    def unify(self, a: Dim, b: Dim) -> bool:
        a, b = self.lookup(a), self.lookup(b)
        if a == b:
            return True
        if a.is_placeholder:
            self.subst[a.syms[0]] = b
            return True
        if b.is_placeholder:
            self.subst[b.syms[0]] = a
            return True
        return False

    def unify_shapes(self, a: Shape, b: Shape) -> bool:
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return True
        # both or neither: a mismatch in the columns must not leave the rows unified
        if not (self.compatible(a.rows, b.rows) and self.compatible(a.cols, b.cols)):
            return False
        return self.unify(a.rows, b.rows) and self.unify(a.cols, b.cols)

    def compatible(self, a: Dim, b: Dim) -> bool:
        a, b = self.lookup(a), self.lookup(b)
        return a == b or a.is_placeholder or b.is_placeholder

    def fresh(self, span: Span, kind: str, suffix: str) -> Dim:
        self.counter += 1
        var = f"?{self.counter}{suffix}"
        self.origins[var] = (span, kind)
        return Dim.of(var)

    def is_scalar(self, shape: Shape) -> bool:
        return self.resolve(shape).is_scalar
