"""Names and shapes: ``analyze(text) -> DocumentModel``.

Statements are checked in order.  Each declaration introduces variables (and dimension
symbols by use); each definition's expression is shape-checked bottom-up.  Sizes that are
not written (a bare ``I``, ``ones``, ``zeros``) start as placeholders and are solved by
unification with their context; a placeholder still open at the end of the definition is
reported.  An operand whose shape is unknown (because it is already reported) silences every
check that involves it, so one root cause gives one diagnostic.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from matdiff.analysis.model import DocumentModel, Symbol, SymbolKind, find_declared
from matdiff.base import language
from matdiff.base.diagnostics import Diagnostic, Related
from matdiff.base.lru import Lru
from matdiff.base.spans import LineIndex, Span
from matdiff.engine.shape import SCALAR, Dim, Shape
from matdiff.syntax import ast, parse


def analyze(text: str) -> DocumentModel:
    """The semantic model of ``text``.  Never raises.

    Each statement is checked on its own against the names known before it.  What it read
    of them is recorded with its outcome, so after an edit a statement whose text and reads
    are unchanged is not checked again (its spans count from its own start, so moving it
    changes nothing): re-analysing costs what the edit touched, not the document.
    """
    result = parse(text)
    statements = result.document.statements
    bases = {st.span.frame: start for st, start in zip(statements, result.starts, strict=True)}
    analyzer = _Analyzer(result.line_index, bases)
    later: dict[str, Span] = {}  # names defined further down: "used before its definition"
    for statement in reversed(statements):
        if isinstance(statement, ast.Definition):
            later[statement.name.id] = statement.name.span
    env: dict[str, Symbol] = {}
    shapes: dict[int, dict[Span, Shape]] = {}
    found: list[Diagnostic] = []
    for statement, source in zip(statements, result.texts, strict=True):
        frame = statement.span.frame
        outcome = _OUTCOMES.get(frame)
        if outcome is None or not analyzer.still_valid(outcome, env, later):
            outcome = analyzer.run(statement, source, env, later)
            if outcome.cacheable:
                _OUTCOMES.put(frame, outcome)
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
class _Outcome:
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
_OUTCOMES: Lru[int, _Outcome] = Lru(20_000)


class _Scope:
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


class _Later:
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
class _Analyzer:
    index: LineIndex
    bases: dict[int, int]  # frame → where its statement starts in the document
    # per statement: its text, scope, the names defined later, what it found
    text: str = ""
    symbols: _Scope = field(default_factory=lambda: _Scope({}))
    later: _Later = field(default_factory=lambda: _Later({}))
    wheres: dict[Span, str] = field(default_factory=dict)
    shapes: dict[Span, Shape] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # per definition: placeholder substitution, placeholder origins, shapes to resolve
    subst: dict[str, Dim] = field(default_factory=dict)
    origins: dict[str, tuple[Span, str]] = field(default_factory=dict)
    pending: dict[Span, Shape] = field(default_factory=dict)
    counter: int = 0
    current: str = ""

    # ------------------------------------------------------------------ one statement

    def run(self, statement: ast.Statement, text: str, env: dict[str, Symbol],
            later: dict[str, Span]) -> _Outcome:  # fmt: skip
        self.text, self.symbols, self.later = text, _Scope(env), _Later(later)
        self.wheres, self.shapes, self.diagnostics = {}, {}, []
        self.subst, self.origins, self.pending, self.counter = {}, {}, {}, 0
        self.current = ""
        try:
            self.statement(statement)
        except RecursionError:  # hundreds of nested operators: report, do not fail
            self.too_deep(statement)
        reads, later_reads = self.symbols.reads, self.later.reads
        return _Outcome(
            self.symbols.writes, self.shapes, tuple(self.diagnostics),
            tuple(reads), tuple(reads.values()), tuple(later_reads), tuple(later_reads.values()),
            self.wheres, not self.symbols.everything,
        )  # fmt: skip

    def still_valid(self, outcome: _Outcome, env: dict[str, Symbol],
                    later: dict[str, Span]) -> bool:  # fmt: skip
        """Whether ``outcome`` is what checking its statement here would give again."""
        # Symbols compare by identity first; equal symbols are the same statement's
        return (
            tuple(map(env.get, outcome.read_names)) == outcome.read_symbols
            and tuple(map(later.get, outcome.later_names)) == outcome.later_spans
            and all(self.place(s) == w for s, w in outcome.wheres.items())
        )

    def place(self, span: Span) -> str:
        line, col = self.index.line_col(span.placed(self.bases).start)
        return f"{line + 1}:{col + 1}"

    def absolute(self, d: Diagnostic) -> Diagnostic:
        related = tuple(Related(r.span.placed(self.bases), r.message) for r in d.related)
        return dataclasses.replace(d, span=d.span.placed(self.bases), related=related)

    # ------------------------------------------------------------------ helpers

    def error(self, span: Span, message: str, code: str, **data: str) -> None:
        self.diagnostics.append(Diagnostic(span, message, code, data=tuple(sorted(data.items()))))

    def where(self, span: Span) -> str:
        """Where ``span`` is, as "line:col" (recorded: it is part of this statement's outcome)."""
        at = self.wheres[span] = self.place(span)
        return at

    def source(self, node: ast.Expr) -> str:
        words = " ".join(self.text[node.span.start : node.span.end].split())
        return words if len(words) <= 24 else words[:23] + "…"

    def show(self, node: ast.Expr, shape: Shape) -> str:
        return f"{self.source(node)} ({self.resolve(shape)})"

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

    # ------------------------------------------------------------------ statements

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
        if decl.type.kind.id in ("elementwise", "function"):
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

    def declared_function(self, name: str) -> tuple[Symbol, int] | None:
        """The declared function ``name`` calls, and its order: 0 for σ and l themselves,
        1 for d_σ and grad_l, 2 for d_d_σ and hess_l."""
        return find_declared(self.symbols.get, name)

    def declared_call(self, node: ast.Call, sym: Symbol, order: int) -> Shape | None:
        name = node.func.id
        if len(node.args) != 1:
            for arg in node.args:
                self.expr(arg)
            self.error(node.span, f"{name} takes 1 argument, got {len(node.args)}", "arity")
            return None
        arg = node.args[0]
        x = self.expr(arg)
        if x is None:
            return None
        x = self.resolve(x)
        if sym.argument is None:  # element-wise: any shape
            return x
        if not self.unify_shapes(x, sym.argument):
            self.shape_error(arg.span, f"{name} takes a {sym.argument} argument "
                             f"({sym.name} : function({_type_words(sym.argument)})); "
                             f"{self.show(arg, x)} is not", arg)  # fmt: skip
            return None
        x = self.resolve(x)
        if order == 0:
            return SCALAR
        if order == 1:
            return x
        return SCALAR if x.is_scalar else Shape(x.size, x.size)

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

    # ------------------------------------------------------------------ expressions

    def expr(self, node: ast.Expr) -> Shape | None:
        shape = self._expr(node)
        if shape is not None:
            self.pending[node.span] = shape
        return shape

    def _expr(self, node: ast.Expr) -> Shape | None:
        if isinstance(node, ast.Number):
            return SCALAR
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Unary):
            return self.expr(node.operand)
        if isinstance(node, ast.Transpose):
            inner = self.expr(node.operand)
            return None if inner is None else self.resolve(inner).T
        if isinstance(node, ast.Binary):
            return self.binary(node)
        return self.call(node)

    def name(self, node: ast.Name) -> Shape | None:
        sym = self.symbols.get(node.id)
        if sym is not None:
            if sym.kind == "dimension":
                return SCALAR
            if sym.kind == "function":
                self.error(node.span, f"'{node.id}' is a declared function; call it as "
                           f"{node.id}(…)", "function-as-value")  # fmt: skip
                return None
            return sym.shape
        if node.id in language.BARE_CONSTANTS:
            return self.sized(node, language.BARE_CONSTANTS[node.id], ())
        if node.id in language.FUNCTIONS:
            self.error(node.span, f"'{node.id}' is a function; call it as "
                       f"{language.FUNCTIONS[node.id].signature}", "function-as-value")  # fmt: skip
            return None
        if node.id in language.KEYWORDS:
            self.error(node.span, f"'{node.id}' is a keyword, not a value", "reserved")
            return None
        if node.id == self.current:
            self.error(node.span, f"'{node.id}' cannot be used in its own definition",
                       "use-before-definition", name=node.id)  # fmt: skip
            return None
        later = self.later.get(node.id)
        if later is not None:
            self.error(node.span, f"'{node.id}' is used before its definition at "
                       f"{self.where(later)}", "use-before-definition", name=node.id)  # fmt: skip
            return None
        hint = language.did_you_mean(node.id, self.symbols.names())
        suffix = f"; did you mean '{hint}'?" if hint else ""
        data = {"name": node.id} | ({"suggestion": hint} if hint else {})
        self.error(node.span, f"'{node.id}' is not declared or defined{suffix}", "undefined",
                   **data)  # fmt: skip
        return None

    def binary(self, node: ast.Binary) -> Shape | None:
        op = node.op
        left = self.expr(node.left)
        right = self.expr(node.right)
        if op in ("^", ".^"):
            return self.power(node, left, right)
        if left is None or right is None:
            return None
        left, right = self.resolve(left), self.resolve(right)
        L, R = node.left, node.right
        if op in ("+", "-"):
            if self.unify_shapes(left, right):
                return self.resolve(left)
            verb = f"add {self.show(L, left)} and {self.show(R, right)}" if op == "+" else \
                f"subtract {self.show(R, right)} from {self.show(L, left)}"  # fmt: skip
            fix = self.transpose_fix(left, right, lambda a, b: a == b)
            self.shape_error(node.op_span, f"cannot {verb}: shapes differ", L, R, **fix)
            return None
        if op in ("*", "@"):
            if left.is_scalar:
                return right
            if right.is_scalar:
                return left
            if self.unify(left.cols, right.rows):
                return self.resolve(Shape(left.rows, right.cols))
            fix = self.transpose_fix(left, right, lambda a, b: a.cols == b.rows)
            inner = (
                f"inner dimensions {self.lookup(left.cols)} and {self.lookup(right.rows)} differ"
            )
            self.shape_error(node.op_span, f"cannot multiply {self.show(L, left)} by "
                             f"{self.show(R, right)}: {inner}", L, R, **fix)  # fmt: skip
            return None
        if op in (".*", "./"):
            if self.unify_shapes(left, right):
                return self.resolve(left)
            what = "element-wise multiply" if op == ".*" else "element-wise divide"
            fix = self.transpose_fix(left, right, lambda a, b: a == b)
            self.shape_error(node.op_span, f"cannot {what} {self.show(L, left)} and "
                             f"{self.show(R, right)}: shapes differ", L, R, **fix)  # fmt: skip
            return None
        if op == "/":
            if right.is_scalar:
                return left
            self.shape_error(node.op_span, f"cannot divide by {self.show(R, right)}: '/' divides "
                             "by a scalar; use './' for element-wise division or inv(…)",
                             R)  # fmt: skip
            return None
        assert op == "⊗"
        return Shape(left.rows * right.rows, left.cols * right.cols)

    def transpose_fix(self, a: Shape, b: Shape, fits: object) -> dict[str, str]:
        assert callable(fits)
        if fits(a, b.T):
            return {"fix": "transpose-right"}
        if fits(a.T, b):
            return {"fix": "transpose-left"}
        return {}

    def power(self, node: ast.Binary, base: Shape | None, exp: Shape | None) -> Shape | None:
        if base is None or exp is None:
            return None
        base, exp = self.resolve(base), self.resolve(exp)
        if not exp.is_scalar:
            self.shape_error(node.right.span, f"the exponent {self.show(node.right, exp)} must be "
                             "a scalar", node.right)  # fmt: skip
            return None
        if node.op == ".^" or base.is_scalar:
            return base
        if _integer_literal(node.right) is None:
            self.shape_error(node.op_span, f"cannot raise the {base.kind()} "
                             f"{self.show(node.left, base)} "
                             "to a non-integer power; use '.^' for an element-wise power",
                             node.left, fix="elementwise-power")  # fmt: skip
            return None
        if self.unify(base.rows, base.cols):
            return self.resolve(base)
        fix = {"fix": "elementwise-power"} if base.is_vector else {}
        self.shape_error(node.op_span, f"cannot raise {self.show(node.left, base)} to a power: "
                         "'^' needs a scalar or a square matrix; use '.^' for an element-wise "
                         "power", node.left, **fix)  # fmt: skip
        return None

    # ------------------------------------------------------------------ calls

    def call(self, node: ast.Call) -> Shape | None:
        name = node.func.id
        fn = language.FUNCTIONS.get(name)
        declared = self.declared_function(name) if fn is None else None
        if declared is not None:
            return self.declared_call(node, *declared)
        if fn is None:
            sym = self.symbols.get(name)
            if sym is not None:
                self.error(
                    node.func.span, f"'{name}' is a {sym.kind}, not a function", "not-function"
                )
            else:
                hint = language.ALIASES.get(name) or language.did_you_mean(
                    name, list(language.FUNCTIONS)
                )
                suffix = f"; did you mean '{hint}'?" if hint else ""
                data = {"suggestion": hint} if hint else {}
                self.error(node.func.span, f"unknown function '{name}'{suffix}",
                           "unknown-function", **data)  # fmt: skip
            for arg in node.args:
                self.expr(arg)
            return None
        low, high = fn.arity
        if not low <= len(node.args) <= high:
            want = str(low) if low == high else f"{low} to {high}"
            plural = "" if want == "1" else "s"
            self.error(node.span, f"{name} takes {want} argument{plural}, got {len(node.args)}",
                       "arity")  # fmt: skip
            for arg in node.args if name not in language.SIZED else ():
                self.expr(arg)
            return None
        if name in language.SIZED:
            return self.sized(node, name, node.args)
        if name in language.DERIVATIVES:
            return self.derivative(node, name)
        if name == "unvec":
            return self.unvec(node)
        args = [self.expr(a) for a in node.args]
        if any(a is None for a in args):
            return None
        shapes = [self.resolve(a) for a in args if a is not None]
        return self.function(node, name, shapes)

    def function(self, node: ast.Call, name: str, args: list[Shape]) -> Shape | None:
        x = args[0]
        arg = node.args[0]
        if name in language.ELEMENTWISE:
            return x
        if name in ("tr", "det", "logdet", "inv", "adj"):
            if not self.unify(x.rows, x.cols):
                self.shape_error(arg.span, f"{name} needs a square matrix; "
                                 f"{self.show(arg, x)} is not square", arg)  # fmt: skip
                return None
            return self.resolve(x) if name in ("inv", "adj") else SCALAR
        if name == "diag":
            if x.is_column:
                return Shape(x.rows, x.rows)
            if x.is_row:
                return Shape(x.cols, x.cols)
            if self.unify(x.rows, x.cols):
                return Shape(self.lookup(x.rows), Dim())
            self.shape_error(arg.span, f"diag needs a vector or a square matrix; "
                             f"{self.show(arg, x)} is neither", arg)  # fmt: skip
            return None
        if name == "vec":
            return Shape(x.size, Dim())
        if name in ("sum", "norm2", "normF", "norm1"):
            return SCALAR
        if name in ("softmax", "logsumexp"):  # of a matrix: by columns (a batch, §9)
            if name == "softmax" or x.is_vector:
                return x if name == "softmax" else SCALAR
            return Shape(Dim(), x.cols)
        assert name == "kron"
        y = args[1]
        return Shape(x.rows * y.rows, x.cols * y.cols)

    def unvec(self, node: ast.Call) -> Shape | None:
        v_node, *size_nodes = node.args
        v = self.expr(v_node)
        dims = [self.size_argument(a, "unvec") for a in size_nodes]
        if v is None or dims[0] is None or dims[1] is None:
            return None
        v = self.resolve(v)
        shape = Shape(dims[0], dims[1])
        if not (v.is_column and self.unify(v.rows, shape.size)):
            self.shape_error(v_node.span, f"unvec to {shape} needs a vector of length "
                             f"{shape.size}; {self.show(v_node, v)} is not", v_node)  # fmt: skip
            return None
        return shape

    def sized(self, node: ast.Expr, kind: str, args: tuple[ast.Expr, ...]) -> Shape | None:
        dims: list[Dim] = []
        for arg in args:
            dim = self.size_argument(arg, kind)
            if dim is None:
                return None
            dims.append(dim)
        if kind == "commutation":
            size = dims[0] * dims[1]
            return Shape(size, size)
        if kind == "eye":
            if dims:
                return Shape(dims[0], dims[0])
            n = self.fresh(node.span, kind, "r")
            return Shape(n, n)
        if len(dims) == 2:
            return Shape(dims[0], dims[1])
        if len(dims) == 1:
            return Shape(dims[0], Dim())
        return Shape(self.fresh(node.span, kind, "r"), self.fresh(node.span, kind, "c"))

    def size_argument(self, arg: ast.Expr, kind: str) -> Dim | None:
        if isinstance(arg, ast.Binary) and arg.op == "*":  # a product of sizes: eye(m*n)
            left = self.size_argument(arg.left, kind)
            right = self.size_argument(arg.right, kind) if left is not None else None
            return None if left is None or right is None else left * right
        if isinstance(arg, ast.Number) and arg.text.isdigit() and int(arg.text) > 0:
            return Dim.of(int(arg.text))
        if isinstance(arg, ast.Name):
            sym = self.symbols.get(arg.id)
            if sym is not None and sym.kind == "dimension":
                return Dim.of(arg.id)
            if sym is None and arg.id not in language.RESERVED:
                self.error(arg.span, f"'{arg.id}' is not a dimension symbol; {kind} takes sizes "
                           "that appear in declarations", "undefined")  # fmt: skip
                return None
        self.error(arg.span, f"{kind} takes dimensions (a positive integer or a dimension "
                   f"symbol), not '{self.source(arg)}'", "arity")  # fmt: skip
        return None

    def derivative(self, node: ast.Call, name: str) -> Shape | None:
        f_node, x_node = node.args
        f = self.expr(f_node)
        x = self.wrt(x_node)
        if f is None or x is None:
            return None
        f = self.resolve(f)
        if name in ("grad", "hessian") and not f.is_scalar:
            other = "jacobian" if f.is_column else "diff"
            self.shape_error(f_node.span, f"{name} needs a scalar function; "
                             f"{self.show(f_node, f)} is not a scalar "
                             f"(use {other}(…) for its derivative)", f_node)  # fmt: skip
            return None
        if name == "grad":
            return x
        if name == "hessian":
            return SCALAR if x.is_scalar else Shape(x.size, x.size)
        if f.is_scalar:
            return x.T
        if x.is_scalar:
            return f
        return Shape(f.size, x.size)

    def wrt(self, node: ast.Expr) -> Shape | None:
        if not isinstance(node, ast.Name):
            self.error(node.span, "differentiate by a declared variable name, not an expression",
                       "wrt")  # fmt: skip
            return None
        sym = self.symbols.get(node.id)
        if sym is None:
            return self.name(node)
        if sym.kind == "definition":  # by an intermediate, held as a variable (§9)
            shape = self.name(node)
            if shape is not None:
                self.pending[node.span] = shape
            return shape
        if sym.kind != "variable":
            self.error(node.span, f"'{node.id}' is a {sym.kind}; differentiate by a declared "
                       "variable or a definition", "wrt")  # fmt: skip
            return None
        if sym.const:
            self.error(node.span, f"'{node.id}' is declared const and cannot be a variable of "
                       "differentiation", "wrt")  # fmt: skip
            return None
        self.pending[node.span] = sym.shape if sym.shape else SCALAR
        return sym.shape


def _type_words(shape: Shape) -> str:
    if shape.is_scalar:
        return "scalar"
    if shape.is_column:
        return f"vector({shape.rows})"
    return f"matrix({shape.rows}, {shape.cols})"


def _integer_literal(node: ast.Expr) -> int | None:
    sign = 1
    while isinstance(node, ast.Unary):
        sign = -sign if node.op == "-" else sign
        node = node.operand
    if isinstance(node, ast.Number) and node.text.isdigit():
        return sign * int(node.text)
    return None


def integer_literal(node: ast.Expr) -> int | None:
    """The value of an integer literal with optional signs (``-1``, ``+2``), else None."""
    return _integer_literal(node)
