"""Syntax tree → engine IR, for a checked document.

Definitions are inlined (the IR is a DAG, so a definition used twice is one shared node);
sizes of ``I``/``ones``/``zeros`` come from the shape checker's solved shapes.  Derivative
forms inside expressions (``grad(f, X)``) are computed by the engine on the spot.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from matdiff.analysis.model import DocumentModel, Symbol, find_declared
from matdiff.analysis.shapes import integer_literal
from matdiff.base import language
from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.engine.expr import EngineError
from matdiff.engine.shape import SCALAR, Dim, Shape
from matdiff.syntax import ast

_SIMPLE = {
    "tr": E.trace,
    "det": E.det,
    "logdet": E.logdet,
    "inv": E.inv,
    "adj": E.adj,
    "vec": E.vec,
    "sum": E.sumall,
    "norm2": E.norm2,
    "normF": E.norm2,
    "norm1": E.norm1,
    "softmax": E.softmax,
    "logsumexp": E.logsumexp,
}


def _norm_squared(node: ast.Binary) -> bool:
    """``norm2(x)^2`` (or ``normF``), lowered as xᵀx."""
    return (
        node.op == "^"
        and isinstance(node.left, ast.Call)
        and node.left.func.id in ("norm2", "normF")
        and integer_literal(node.right) == 2
    )


def _flush(acc: E.Expr, pending: list[E.Expr], adding: bool) -> E.Expr:
    return E.add(acc, *pending) if adding else E.mul(acc, *pending)


_KINDS: dict[str, Literal["gradient", "numerator", "hessian"]] = {
    "grad": "gradient",
    "diff": "numerator",
    "jacobian": "numerator",
    "hessian": "hessian",
}


class Lowering:
    """Turns the model's definitions into IR, caching each definition once.

    The definitions named in ``held`` are not inlined but stand as variables of their shape
    (differentiating by an intermediate, LANGUAGE.md §9): see :meth:`held_variable`."""

    def __init__(self, model: DocumentModel, held: frozenset[str] = frozenset()) -> None:
        self.model = model
        self.held = held
        self.cache: dict[str, E.Expr] = {}

    def held_variable(self, name: str) -> E.Var:
        """Definition ``name`` as an independent variable of its shape."""
        sym = self.model.symbols[name]
        if sym.shape is None:
            raise EngineError(f"'{name}' has errors; fix them first")
        return E.var(name, sym.shape)

    def variable(self, sym: Symbol) -> E.Var:
        assert sym.shape is not None
        props = set(sym.properties) | ({"const"} if sym.const else set())
        return E.var(sym.name, sym.shape, props)

    def definition(self, name: str) -> E.Expr:
        got = self.cache.get(name)
        if got is None:
            sym = self.model.symbols[name]
            if sym.value is None or sym.shape is None:
                raise EngineError(f"'{name}' has errors; fix them first")
            got = self.expr(sym.value)
            self.cache[name] = got
        return got

    def shape(self, node: ast.Expr) -> Shape:
        shape = self.model.shape(node.span)
        if shape is None:
            raise EngineError(f"no shape for '{self.model.source(node.span)}'")
        return shape

    def expr(self, node: ast.Expr) -> E.Expr:
        if isinstance(node, ast.Number):
            return E.num(Fraction(node.text))
        if isinstance(node, ast.Name):
            sym = self.model.symbols.get(node.id)
            if sym is None:
                return self.sized(node, language.BARE_CONSTANTS[node.id])
            if sym.kind == "dimension":
                return E.var(node.id, SCALAR, {"const", "dim"})
            if sym.kind == "variable":
                return self.variable(sym)
            if node.id in self.held:
                return self.held_variable(node.id)
            return self.definition(node.id)
        if isinstance(node, ast.Unary):
            inner = self.expr(node.operand)
            return E.neg(inner) if node.op == "-" else inner
        if isinstance(node, ast.Transpose):
            return E.transpose(self.expr(node.operand))
        if isinstance(node, ast.Binary):
            return self.binary(node)
        return self.call(node)

    def binary(self, node: ast.Binary) -> E.Expr:
        """A chain (binary operators down the left operands: ``a + b - c``, ``a*b*c``) is
        lowered in a loop, and a run of terms (or of scalar factors) is built in one call, so
        that a long chain neither recurses nor rebuilds its partial results."""
        chain = [node]
        while isinstance(chain[-1].left, ast.Binary):
            chain.append(chain[-1].left)
        bottom = chain[-1]
        if _norm_squared(bottom):
            chain.pop()
            acc = self.norm_squared(bottom)
        else:
            acc = self.expr(bottom.left)
        # pending: the terms of a run of + and -, or the scalar factors of a run of products
        # (a product groups as written otherwise: a'x is a scalar in (a'x)*b, not in a'(x*b))
        pending: list[E.Expr] = []
        adding = True
        for link in reversed(chain):
            E.check_budget()
            op = link.op
            b = self.expr(link.right)
            if op == "/":
                op, b = "*", E.power(b, E.num(-1))
            elif op == "-":
                op, b = "+", E.neg(b)
            batch = op == "+" or (op in ("*", "@") and b.is_scalar)
            if pending and not (batch and adding == (op == "+")):
                acc, pending = _flush(acc, pending, adding), []
            if batch:
                adding = op == "+"
                pending.append(b)
            else:
                acc = self.operation(link, acc, b)
        return _flush(acc, pending, adding) if pending else acc

    def norm_squared(self, node: ast.Binary) -> E.Expr:
        assert isinstance(node.left, ast.Call)
        x = self.expr(node.left.args[0])  # ‖x‖² = xᵀx, ‖X‖² = tr(XᵀX)
        if x.shape.is_column:
            return E.mul(E.transpose(x), x)
        if x.shape.is_row:
            return E.mul(x, E.transpose(x))
        return E.trace(E.mul(E.transpose(x), x))

    def operation(self, node: ast.Binary, a: E.Expr, b: E.Expr) -> E.Expr:
        match node.op:
            case "*" | "@":
                return E.mul(a, b)
            case ".*":
                return E.hadamard(a, b)
            case "./":
                return E.hadamard(a, E.epow(b, E.num(-1)))
            case ".^":
                return E.epow(a, b)
            case "⊗":
                return E.kron(a, b)
        assert node.op == "^"
        if a.is_scalar:
            return E.power(a, b)
        k = integer_literal(node.right)
        assert k is not None
        return E.matpow(a, k)

    def size(self, node: ast.Expr) -> Dim:
        """A size argument (a checked dimension expression) as a Dim."""
        if isinstance(node, ast.Binary):  # a product of sizes, down the left operands
            rights = []
            while isinstance(node, ast.Binary):
                rights.append(node.right)
                node = node.left
            size = self.size(node)
            for right in reversed(rights):
                size = size * self.size(right)
            return size
        if isinstance(node, ast.Number):
            return Dim.of(int(node.text))
        assert isinstance(node, ast.Name)
        return Dim.of(node.id)

    def sized(self, node: ast.Expr, kind: str) -> E.Expr:
        shape = self.shape(node)
        if kind == "eye":
            return E.identity(shape.rows)
        return E.ones(shape) if kind == "ones" else E.zeros(shape)

    def call(self, node: ast.Call) -> E.Expr:
        name = node.func.id
        if name in language.SIZED:
            if name == "commutation":
                m, n = (self.size(a) for a in node.args)
                return E.commutation(m, n)
            return self.sized(node, name)
        if name == "unvec":
            return E.unvec(self.expr(node.args[0]), self.shape(node))
        if name in language.DERIVATIVES:
            return self.derivative(node, name)
        args = [self.expr(a) for a in node.args]
        found = None if name in language.FUNCTIONS else find_declared(self.model.symbols.get, name)
        if found is not None:  # σ(X), d_σ(X); l(y), grad_l(y), hess_l(y)
            sym, order = found
            if sym.argument is None:
                return E.elementwise("d_" * order + sym.name, args[0])
            return declared.apply(sym.name, order, args[0])
        if name in language.ELEMENTWISE:
            return E.elementwise(name, args[0])
        if name == "kron":
            return E.kron(args[0], args[1])
        if name == "diag":
            x = args[0]
            return E.diag(x) if x.shape.is_vector else E.diagpart(x)
        return _SIMPLE[name](args[0])

    def derivative(self, node: ast.Call, name: str) -> E.Expr:
        from matdiff.engine import derive

        wrt = node.args[1]
        assert isinstance(wrt, ast.Name)
        sym = self.model.symbols[wrt.id]
        if sym.kind == "definition":  # by an intermediate: held while differentiating,
            held = Lowering(self.model, self.held | {wrt.id})  # then put back
            x = held.held_variable(wrt.id)
            f = held.expr(node.args[0])
            result = derive.derivative(f, x, _KINDS[name])
            return E.substitute(result, {x: self.expr(wrt)})
        f = self.expr(node.args[0])
        x = self.variable(sym)
        kinds: dict[str, derive.Kind] = {
            "grad": "gradient",
            "diff": "numerator",
            "jacobian": "numerator",
            "hessian": "hessian",
        }
        return derive.derivative(f, x, kinds[name])
