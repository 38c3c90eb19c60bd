"""Document text → SymPy: ``to_sympy`` reads a definition of an analysed document back as
a SymPy matrix expression."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
    from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
    from sympy.matrices.expressions.kronecker import KroneckerProduct
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('matdiff.sympy needs SymPy: pip install "matdiff[sympy]"') from exc

from matdiff.analysis import DocumentModel, analyze
from matdiff.api import MatdiffError
from matdiff.base.spans import Span
from matdiff.engine.shape import Dim
from matdiff.sympy.writer import _ELEMENTWISE, _is_matrix, _lambda
from matdiff.syntax import ast


def _scalar(e: Any) -> Any:
    """``e`` as a SymPy scalar: a 1×1 matrix expression becomes its trace."""
    if not _is_matrix(e):
        return e
    if tuple(e.shape) == (1, 1):
        return sp.Trace(e)
    raise MatdiffError(f"expected a scalar, got a {e.shape[0]}×{e.shape[1]} matrix")


def _is_square_matrix(e: Any) -> bool:
    return _is_matrix(e) and tuple(e.shape) != (1, 1)


class _Reader:
    """A document's expression (syntax tree) → SymPy, with a table of symbols by name."""

    def __init__(self, model: DocumentModel, table: dict[str, Any]) -> None:
        self.model = model
        self.table = table
        self.memo: dict[str, Any] = {}

    def dim(self, d: Dim) -> Any:
        out: Any = sp.Integer(d.coef)
        for s in d.syms:
            out *= self.table.setdefault(s, sp.Symbol(s))
        return out

    def shape(self, span: Span) -> tuple[Any, Any]:
        shape = self.model.shape(span)
        if shape is None:
            raise MatdiffError("an expression of unknown shape")
        return self.dim(shape.rows), self.dim(shape.cols)

    def definition(self, name: str) -> Any:
        if name not in self.memo:
            sym = self.model.symbols[name]
            if sym.value is None:
                raise MatdiffError(f"'{name}' has errors")
            self.memo[name] = self.expr(sym.value)
        return self.memo[name]

    def expr(self, node: ast.Expr) -> Any:
        if isinstance(node, ast.Number):
            text = node.text
            return sp.Integer(text) if text.isdigit() else sp.Rational(text)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Unary):
            value = self.expr(node.operand)
            return -value if node.op == "-" else value
        if isinstance(node, ast.Transpose):
            value = self.expr(node.operand)
            return value.T if _is_matrix(value) else value
        if isinstance(node, ast.Binary):
            return self.binary(node.op, self.expr(node.left), self.expr(node.right))
        return self.call(node)

    def name(self, node: ast.Name) -> Any:
        sym = self.model.symbols.get(node.id)
        if sym is not None and sym.kind == "definition":
            return self.definition(node.id)
        if node.id in self.table:
            return self.table[node.id]
        if node.id in ("I", "eye", "ones", "zeros"):
            return self.constant(node.id, node.span)
        raise MatdiffError(f"'{node.id}' is not declared")

    def constant(self, fname: str, span: Span) -> Any:
        rows, cols = self.shape(span)
        if fname in ("I", "eye"):
            return sp.Identity(rows)
        return sp.OneMatrix(rows, cols) if fname == "ones" else sp.ZeroMatrix(rows, cols)

    def binary(self, op: str, a: Any, b: Any) -> Any:
        if op in ("+", "-"):
            if _is_matrix(a) != _is_matrix(b) or (
                _is_matrix(a) and tuple(a.shape) == (1, 1) and tuple(b.shape) != (1, 1)
            ):
                a, b = _scalar(a), _scalar(b)
            return a + b if op == "+" else a - b
        if op in ("*", "@"):
            if _is_matrix(a) and _is_matrix(b):
                if a.shape[1] == b.shape[0]:
                    return a * b
                if tuple(a.shape) == (1, 1):
                    return _scalar(a) * b
                return a * _scalar(b)
            return a * b
        if op == "/":
            return a / _scalar(b)
        if op in (".*", "./"):
            if _is_square_matrix(a) and _is_square_matrix(b):
                return HadamardProduct(a, b if op == ".*" else HadamardPower(b, -1))
            if _is_square_matrix(a) or _is_square_matrix(b):
                return a * _scalar(b) if op == ".*" else a / _scalar(b)
            return _scalar(a) * _scalar(b) if op == ".*" else _scalar(a) / _scalar(b)
        if op == "^":
            if _is_square_matrix(a):
                k = int(_scalar(b))
                return sp.Inverse(a) if k == -1 else sp.MatPow(a, k)
            return _scalar(a) ** _scalar(b)
        if op == ".^":
            if _is_square_matrix(a):
                return HadamardPower(a, _scalar(b))
            return _scalar(a) ** _scalar(b)
        raise MatdiffError(f"matdiff.sympy cannot translate the operator '{op}'")

    def call(self, node: ast.Call) -> Any:
        fname = node.func.id
        if fname in ("I", "eye", "ones", "zeros"):
            return self.constant(fname, node.span)
        args = [self.expr(a) for a in node.args]
        a: Any = args[0] if args else None
        if fname in _ELEMENTWISE:
            return self.elementwise(fname, a)
        if fname == "kron":
            return KroneckerProduct(args[0], args[1])
        if not _is_matrix(a) and fname in ("tr", "det", "inv", "logdet", "adj"):
            return {"tr": a, "det": a, "inv": 1 / a, "logdet": sp.log(a), "adj": sp.Integer(1)}[
                fname
            ]
        simple: dict[str, Callable[[Any], Any]] = {
            "tr": sp.Trace,
            "det": sp.Determinant,
            "logdet": lambda x: sp.log(sp.Determinant(x)),
            "inv": sp.Inverse,
            "adj": lambda x: sp.Determinant(x) * sp.Inverse(x),
            "diag": lambda x: DiagMatrix(x) if x.shape[1] == 1 else DiagonalOf(x),
            "sum": self.total,
            "norm2": lambda x: sp.sqrt(sp.Trace(x.T * x)) if _is_matrix(x) else sp.Abs(x),
            "norm1": lambda x: self.total(self.elementwise("abs", x)),
            "softmax": self.softmax,
            "logsumexp": lambda x: sp.log(_scalar(self.total(self.elementwise("exp", x)))),
        }
        simple["normF"] = simple["norm2"]
        if fname in simple:
            return simple[fname](a)
        raise MatdiffError(f"SymPy's matrix expressions have no counterpart of '{fname}'")

    def elementwise(self, fname: str, x: Any) -> Any:
        if _is_square_matrix(x):
            return ElementwiseApplyFunction(_lambda(fname), x)
        return _ELEMENTWISE[fname](_scalar(x))

    def total(self, x: Any) -> Any:
        if not _is_matrix(x):
            return x
        rows, cols = x.shape
        out = x if rows == 1 else sp.OneMatrix(1, rows) * x
        return out if cols == 1 else out * sp.OneMatrix(cols, 1)

    def softmax(self, x: Any) -> Any:
        if not _is_matrix(x) or x.shape[1] != 1:
            raise MatdiffError("matdiff.sympy writes softmax of a column vector only")
        e = ElementwiseApplyFunction(_lambda("exp"), x)
        return e / _scalar(self.total(e))


def _declared_table(model: DocumentModel) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for name in model.dimensions:
        table[name] = sp.Symbol(name)
    reader = _Reader(model, table)
    for sym in model.variables:
        shape = sym.shape
        if shape is None:
            continue
        if shape.is_scalar:
            table[sym.name] = sp.Symbol(sym.name)
        else:
            table[sym.name] = sp.MatrixSymbol(
                sym.name, reader.dim(shape.rows), reader.dim(shape.cols)
            )
    return table


def _raise_first_error(model: DocumentModel) -> None:
    for d in model.diagnostics:
        if d.severity.value == "error":
            line, col = model.line_index.line_col(d.span.start)
            raise MatdiffError(d.message, line + 1, col + 1)


def to_sympy(source: str, name: str | None = None) -> Any:
    """Definition ``name`` of document ``source`` (the last definition by default) as a SymPy
    expression: vectors and matrices become ``MatrixSymbol``s with their sizes, scalars
    ``Symbol``s, dimension symbols ``Symbol``s, and definitions used are substituted."""
    model = analyze(source)
    _raise_first_error(model)
    if name is None:
        if not model.definitions:
            raise MatdiffError("the document has no definition")
        name = model.definitions[-1].name
    table = _declared_table(model)
    sym = model.symbols.get(name)
    if sym is None:
        raise MatdiffError(f"'{name}' is not defined")
    if sym.kind != "definition":
        return table[name]
    return _Reader(model, table).definition(name)
