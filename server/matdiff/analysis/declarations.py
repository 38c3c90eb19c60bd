"""Statements: declarations (types, dimensions, properties; declared functions, §9) and
definitions, each name new."""

from __future__ import annotations

from matdiff.analysis.model import Symbol, SymbolKind, find_declared
from matdiff.analysis.unify import Unifier
from matdiff.base import language
from matdiff.base.diagnostics import Diagnostic, Related
from matdiff.engine.shape import SCALAR, Dim, Shape
from matdiff.syntax import ast


class Declarations(Unifier):
    def statement(self, statement: ast.Statement) -> None:
        if isinstance(statement, ast.Declaration):
            self.declaration(statement)
        elif isinstance(statement, ast.Definition):
            self.definition(statement)
        else:
            for name in statement.defines:
                if name.id not in self.symbols and name.id not in language.RESERVED:
                    kind: SymbolKind = "variable" if statement.is_declaration else "definition"
                    self.symbols[name.id] = Symbol(name.id, kind, name.span, statement.span, None)

    def check_new_name(self, name: ast.Name, what: str) -> bool:
        if name.id in language.RESERVED:
            kind = "a function" if name.id in language.FUNCTIONS else "a keyword"
            kind = "the identity matrix" if name.id == "I" else kind
            self.error(name.span, f"'{name.id}' is {kind} and cannot be {what}", "reserved")
            return False
        old = self.symbols.get(name.id)
        reserved = find_declared(self.symbols.get, name.id) if old is None else None
        if reserved is not None:  # d_σ, grad_l, hess_l: a declared function's derivatives
            self.error(name.span, f"'{name.id}' is reserved by the declaration of "
                       f"{reserved[0].name}, as its derivative", "reserved")  # fmt: skip
            return False
        if old is None:
            return True
        at = self.where(old.span)
        if old.kind == "dimension":
            message = f"'{name.id}' is already a dimension symbol (used at {at})"
        elif old.kind == "variable":
            message = f"'{name.id}' is already declared at {at}"
        else:
            message = f"'{name.id}' is already defined at {at}"
        code = "redefined" if what == "defined" else "redeclared"
        self.diagnostics.append(
            Diagnostic(name.span, message, code, related=(Related(old.span, "first here"),))
        )
        return False

    def declaration(self, decl: ast.Declaration) -> None:
        if decl.type.kind.id in language.FUNCTION_TYPES:
            self.function_declaration(decl)
            return
        shape = self.type_shape(decl.type)
        props = self.properties(decl, shape)
        for name in decl.names:
            if self.check_new_name(name, "declared"):
                self.symbols[name.id] = Symbol(
                    name.id, "variable", name.span, decl.span, shape,
                    frozenset(props), decl.const,
                )  # fmt: skip

    def function_declaration(self, decl: ast.Declaration) -> None:
        """``σ : elementwise``, ``l : function(vector(m))``: LANGUAGE.md §9."""
        spec = decl.type
        argument: Shape | None = None
        if spec.kind.id == "elementwise":
            if spec.dims is not None:
                self.error(spec.span, "elementwise takes no sizes: σ : elementwise", "declaration")
                return
        else:
            inner = spec.dims[0] if spec.dims is not None and len(spec.dims) == 1 else None
            if isinstance(inner, ast.Name) and inner.id == "scalar":  # function(scalar)
                inner = ast.TypeSpec(inner.span, inner, None)
            if not isinstance(inner, ast.TypeSpec) or inner.kind.id not in language.TYPES:
                self.error(spec.span, "function takes the type of its argument: "
                           "function(vector(n)), function(matrix(m, n)) or function(scalar)",
                           "declaration")  # fmt: skip
                return
            argument = self.type_shape(inner)
            if argument is None:
                return
        for p in decl.properties:
            self.error(p.span, f"a function has no properties ('{p.id}')", "declaration")
        props = frozenset({"elementwise"} if argument is None else ())
        for name in decl.names:
            if self.check_new_name(name, "declared"):
                self.symbols[name.id] = Symbol(name.id, "function", name.span, decl.span,
                                               None, props, argument=argument)  # fmt: skip

    def type_shape(self, spec: ast.TypeSpec) -> Shape | None:
        kind = spec.kind.id
        arity = {"scalar": 0, "vector": 1, "matrix": 2}.get(kind)
        if arity is None:
            hint = language.did_you_mean(kind, language.TYPES)
            suffix = f"; did you mean '{hint}'?" if hint else " (scalar, vector(n) or matrix(m, n))"
            self.error(spec.kind.span, f"unknown type '{kind}'{suffix}", "declaration")
            return None
        dims = spec.dims or ()
        if spec.dims is None and arity:
            self.error(spec.span, f"{kind} needs its size: {kind}({'m, n' if arity == 2 else 'n'})",
                       "declaration")  # fmt: skip
            return None
        if len(dims) != arity:
            want = {0: "no dimensions", 1: "one dimension", 2: "two dimensions"}[arity]
            self.error(spec.span, f"{kind} takes {want}, got {len(dims)}", "declaration")
            return None
        out: list[Dim | None] = []
        for d in dims:  # matrix(n, n) with a bad n: one diagnostic
            if isinstance(d, ast.TypeSpec):
                self.error(d.span, "a dimension is a positive integer or a name, not a type",
                           "declaration")  # fmt: skip
                return None
            same = [o for o, e in zip(out, dims, strict=False) if e == d]
            out.append(same[0] if same else self.dimension(d))
        if any(d is None for d in out):
            return None
        if arity == 0:
            return SCALAR
        if arity == 1:
            assert out[0] is not None
            return Shape(out[0], Dim())
        assert out[0] is not None and out[1] is not None
        return Shape(out[0], out[1])

    def dimension(self, node: ast.Name | ast.Number) -> Dim | None:
        if isinstance(node, ast.Number):
            if node.text.isdigit() and int(node.text) > 0:
                return Dim.of(int(node.text))
            self.error(node.span, f"a dimension is a positive integer or a name, not {node.text}",
                       "declaration")  # fmt: skip
            return None
        sym = self.symbols.get(node.id)
        if sym is not None and sym.kind != "dimension":
            self.diagnostics.append(Diagnostic(
                node.span, f"'{node.id}' is a {sym.kind}, not a dimension", "declaration",
                related=(Related(sym.span, f"{node.id} is introduced here"),),
            ))  # fmt: skip
            return None
        if node.id in language.RESERVED:
            self.error(node.span, f"'{node.id}' is reserved and cannot be a dimension", "reserved")
            return None
        if sym is None:
            self.symbols[node.id] = Symbol(node.id, "dimension", node.span, node.span, SCALAR,
                                           const=True)  # fmt: skip
        return Dim.of(node.id)

    def properties(self, decl: ast.Declaration, shape: Shape | None) -> set[str]:
        props: set[str] = set()
        for p in decl.properties:
            if p.id not in language.PROPERTIES:
                hint = language.did_you_mean(p.id, language.PROPERTIES)
                suffix = f"; did you mean '{hint}'?" if hint else ""
                self.error(p.span, f"unknown property '{p.id}'{suffix}", "declaration")
                continue
            if p.id in props:
                self.error(p.span, f"property '{p.id}' is given twice", "declaration")
                continue
            if p.id == "stochastic" and shape is not None and shape.is_scalar:
                self.error(p.span, "'stochastic' needs a vector or a matrix, not a scalar",
                           "declaration")  # fmt: skip
                continue
            if (
                p.id != "stochastic"
                and shape is not None
                and (shape.is_scalar or not shape.is_square)
            ):
                what = "a scalar" if shape.is_scalar else f"{shape}"
                self.error(p.span, f"'{p.id}' needs a square matrix, not {what}", "declaration")
                continue
            props.add(p.id)
        if "spd" in props:
            props |= {"symmetric", "invertible"}
        return props

    def definition(self, defn: ast.Definition) -> None:
        self.subst, self.origins, self.pending = {}, {}, {}
        ok = self.check_new_name(defn.name, "defined")
        self.current = defn.name.id
        shape = self.expr(defn.value)
        shape = self.finish(shape)
        self.current = ""
        if ok:
            self.symbols[defn.name.id] = Symbol(
                defn.name.id, "definition", defn.name.span, defn.span, shape, value=defn.value
            )
