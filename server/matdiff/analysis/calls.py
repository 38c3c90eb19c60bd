"""The shapes of calls to the built-in functions (``language.FUNCTIONS``) and to declared
functions (σ, l and their derivatives d_σ, grad_l, hess_l: LANGUAGE.md §9)."""

from __future__ import annotations

from matdiff.analysis.declarations import Declarations
from matdiff.analysis.model import Symbol, find_declared
from matdiff.base import language
from matdiff.engine.shape import SCALAR, Dim, Shape
from matdiff.syntax import ast


class Calls(Declarations):
    def call(self, node: ast.Call) -> Shape | None:
        name = node.func.id
        fn = language.FUNCTIONS.get(name)
        declared = find_declared(self.symbols.get, name) if fn is None else None
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

    def declared_call(self, node: ast.Call, sym: Symbol, order: int) -> Shape | None:
        """A call of declared function ``sym`` or of its derivative of ``order`` (0 for σ and
        l themselves, 1 for d_σ and grad_l, 2 for d_d_σ and hess_l)."""
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
            factors = [arg.right]
            while isinstance(arg.left, ast.Binary) and arg.left.op == "*":
                arg = arg.left
                factors.append(arg.right)
            size = self.size_argument(arg.left, kind)
            for factor in reversed(factors):
                dim = self.size_argument(factor, kind) if size is not None else None
                size = None if size is None or dim is None else size * dim
            return size
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
