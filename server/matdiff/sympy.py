"""A bridge to SymPy's matrix expressions (LANGUAGE.md §12).

``diff(expr, X)`` differentiates a SymPy matrix expression with matdiff's engine and returns
the derivative as a SymPy expression in SymPy's own convention — what ``expr.diff(X)``
means: a scalar by a matrix or vector is shaped like ``X`` (the gradient); a matrix by a
scalar is shaped like the matrix; a column vector ``y`` (m) by a column vector ``x`` (n) is
the n×m transpose of the Jacobian; any other matrix ``F`` (p×q) by a matrix ``X`` (m×n) is
SymPy's array expression of shape (m, n, p, q) whose entry [i, j, k, l] is ∂F[k, l]/∂X[i, j]
(the variable's indices first; what SymPy 1.14's ``array_derive`` builds), passed through
SymPy's ``convert_array_to_matrix`` as ``expr.diff(X)`` is — so a row vector by a vector
comes back as a matrix, as in SymPy.  ``from_sympy(expr)`` writes a document (declarations
and one definition); ``to_sympy(source, name)`` reads a definition back as SymPy.

Both directions go through the language: SymPy → document text → matdiff → the
derivative's ``dsl`` text → SymPy, so what SymPy receives is what the language means.
SymPy is optional: ``pip install "matdiff[sympy]"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
    from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
    from sympy.matrices.expressions.kronecker import KroneckerProduct
    from sympy.matrices.expressions.matexpr import MatrixElement
    from sympy.tensor.array.expressions import (
        ArrayAdd,
        ArrayContraction,
        ArrayDiagonal,
        ArrayTensorProduct,
        OneArray,
        PermuteDims,
        ZeroArray,
        convert_array_to_matrix,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('matdiff.sympy needs SymPy: pip install "matdiff[sympy]"') from exc

from matdiff.analysis import DocumentModel, analyze
from matdiff.api import MatdiffError
from matdiff.base.language import RESERVED
from matdiff.base.spans import Span
from matdiff.engine.shape import Dim
from matdiff.syntax import ast

__all__ = ["diff", "from_sympy", "to_sympy"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Element-wise functions, both ways.  SymPy writes sigmoid, relu and softplus as lambdas.
_SCALAR_FUNCS: dict[Any, str] = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.asin: "arcsin", sp.acos: "arccos", sp.atan: "arctan", sp.tanh: "tanh",
    sp.Abs: "abs", sp.sign: "sign", sp.Heaviside: "step",
}  # fmt: skip
_ELEMENTWISE: dict[str, Callable[[Any], Any]] = {
    **{name: func for func, name in _SCALAR_FUNCS.items()},
    "sqrt": sp.sqrt,
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "relu": lambda z: sp.Max(z, 0),
    "softplus": lambda z: sp.log(1 + sp.exp(z)),
    "step": lambda z: sp.Heaviside(z),
}

_Z = sp.Dummy("z")


def _lambda(name: str) -> Any:
    """One Lambda per element-wise function, so that equal applications are equal."""
    return sp.Lambda(_Z, _ELEMENTWISE[name](_Z))


# Precedence of printed DSL text, loosest first (LANGUAGE.md §4).
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
Printed = tuple[str, int]


def _wrap(p: Printed, at_least: int) -> str:
    return p[0] if p[1] >= at_least else f"({p[0]})"


def _is_matrix(e: Any) -> bool:
    return isinstance(e, sp.MatrixBase | sp.MatrixExpr)


class _Names:
    """SymPy symbols ↔ document names (identifiers of the language, none reserved)."""

    def __init__(self) -> None:
        self.by_object: dict[Any, str] = {}
        self.by_name: dict[str, Any] = {}

    def name(self, obj: Any) -> str:
        got = self.by_object.get(obj)
        if got is not None:
            return got
        base = _identifier(str(obj.name))
        name, i = base, 1
        while name in self.by_name or name in RESERVED:
            i += 1
            name = f"{base}_{i}"
        self.by_object[obj] = name
        self.by_name[name] = obj
        return name


def _identifier(name: str) -> str:
    if _IDENT.match(name):
        return name
    parts = []
    for ch in name:
        if ch.isascii() and (ch.isalnum() or ch == "_"):
            parts.append(ch)
        elif ch.isalpha():  # a Greek or other letter: its name (λ → lamda, Σ → Sigma)
            word = unicodedata.name(ch, "x").split()[-1].lower()
            parts.append(word.capitalize() if ch.isupper() else word)
        else:
            parts.append("_")
    out = "".join(parts) or "x"
    return out if _IDENT.match(out) else f"v_{out}"


class _Writer:
    """SymPy expression → document text."""

    def __init__(self, names: _Names) -> None:
        self.names = names
        self.dims: list[Any] = []
        self.matrices: list[Any] = []
        self.scalars: list[Any] = []

    # declarations -------------------------------------------------------------------
    def dim(self, d: Any) -> str:
        d = sp.sympify(d)
        if d.is_Integer and int(d) > 0:
            return str(int(d))
        if isinstance(d, sp.Symbol):
            if d not in self.dims:
                self.dims.append(d)
            return self.names.name(d)
        raise MatdiffError(f"matdiff needs sizes that are symbols or positive integers, not {d}")

    def collect(self, e: Any) -> None:
        for s in e.atoms(sp.MatrixSymbol):
            if s not in self.matrices:
                self.matrices.append(s)
                self.dim(s.shape[0])
                self.dim(s.shape[1])
        for s in e.free_symbols:
            if isinstance(s, sp.Symbol) and s not in self.dims and s not in self.scalars:
                self.scalars.append(s)

    def declarations(self) -> list[str]:
        lines = []
        for s in sorted(self.scalars, key=lambda s: s.name):
            if s not in self.dims:
                lines.append(f"{self.names.name(s)} : scalar")
        for m in sorted(self.matrices, key=lambda s: s.name):
            rows, cols = m.shape
            kind = (
                f"vector({self.dim(rows)})"
                if cols == 1 and rows != 1
                else f"matrix({self.dim(rows)}, {self.dim(cols)})"
            )
            lines.append(f"{self.names.name(m)} : {kind}")
        return lines

    # expressions --------------------------------------------------------------------
    def expr(self, e: Any) -> Printed:
        if isinstance(e, sp.MatrixSymbol | sp.Symbol):
            return self.names.name(e), _ATOM
        if isinstance(e, sp.Number):
            return self.number(e)
        if isinstance(e, sp.Add | sp.MatAdd):
            return self.sum(e.args)
        if isinstance(e, sp.Mul | sp.MatMul):
            return self.product(e)
        if isinstance(e, sp.MatPow):
            base, k = e.args
            if not k.is_Integer:
                raise MatdiffError(f"matdiff raises matrices to integer powers only, not {k}")
            return f"{_wrap(self.expr(base), _ATOM)}^{int(k)}", _POWER
        if isinstance(e, sp.Pow):
            base, k = e.args
            if k == sp.Rational(1, 2):
                return f"sqrt({self.expr(base)[0]})", _ATOM
            return f"{_wrap(self.expr(base), _ATOM)}^{self.exponent(k)}", _POWER
        if isinstance(e, HadamardPower):
            base, k = e.args
            return f"{_wrap(self.expr(base), _ATOM)}.^{self.exponent(k)}", _POWER
        if isinstance(e, HadamardProduct):
            return " .* ".join(_wrap(self.expr(a), _UNARY) for a in e.args), _PRODUCT
        if isinstance(e, sp.Transpose):
            return f"{_wrap(self.expr(e.arg), _ATOM)}'", _ATOM
        calls = {sp.Inverse: "inv", sp.Trace: "tr", sp.Determinant: "det", DiagMatrix: "diag",
                 DiagonalOf: "diag"}  # fmt: skip
        for cls, fname in calls.items():
            if isinstance(e, cls):
                return f"{fname}({self.expr(e.args[0])[0]})", _ATOM
        if isinstance(e, KroneckerProduct):
            out = self.expr(e.args[0])[0]
            for a in e.args[1:]:
                out = f"kron({out}, {self.expr(a)[0]})"
            return out, _ATOM
        if isinstance(e, sp.Identity):
            return f"eye({self.dim(e.shape[0])})", _ATOM
        if isinstance(e, sp.ZeroMatrix | sp.OneMatrix):
            fname = "zeros" if isinstance(e, sp.ZeroMatrix) else "ones"
            return f"{fname}({self.dim(e.shape[0])}, {self.dim(e.shape[1])})", _ATOM
        if isinstance(e, MatrixElement) and e.parent.shape == (1, 1):
            return self.expr(e.parent)
        if isinstance(e, ElementwiseApplyFunction):
            return self.elementwise(e)
        if isinstance(e, sp.Max) and len(e.args) == 2 and sp.S.Zero in e.args:
            other = e.args[0] if e.args[1] == 0 else e.args[1]
            return f"relu({self.expr(other)[0]})", _ATOM
        func = _SCALAR_FUNCS.get(type(e)) if isinstance(e, sp.Function) else None
        if func is not None and (len(e.args) == 1 or func == "step"):
            return f"{func}({self.expr(e.args[0])[0]})", _ATOM
        raise MatdiffError(f"matdiff cannot read SymPy's {type(e).__name__}: {e}")

    def number(self, e: Any) -> Printed:
        if e.is_Integer:
            return (str(int(e)), _ATOM) if e >= 0 else (f"-{-int(e)}", _UNARY)
        if e.is_Rational:
            text = f"{abs(e.p)}/{e.q}"
            return (text, _PRODUCT) if e > 0 else (f"-{text}", _UNARY)
        value = float(e)
        text = repr(abs(value))
        if "inf" in text or "nan" in text:
            raise MatdiffError(f"matdiff cannot read the number {e}")
        return (text, _ATOM) if value >= 0 else (f"-{text}", _UNARY)

    def exponent(self, k: Any) -> str:
        p = self.expr(k)
        if p[1] == _UNARY and isinstance(k, sp.Integer):
            return p[0]  # X^-1: the exponent may carry a sign
        return _wrap(p, _ATOM)

    def sum(self, terms: tuple[Any, ...]) -> Printed:
        out = ""
        for i, term in enumerate(terms):
            negative = term.could_extract_minus_sign()
            body = _wrap(self.expr(-term if negative else term), _PRODUCT)
            if i == 0:
                out = f"-{_wrap(self.expr(-term), _POWER)}" if negative else body
            else:
                out += f" - {body}" if negative else f" + {body}"
        return out, _SUM

    def product(self, e: Any) -> Printed:
        scalars = [a for a in e.args if not _is_matrix(a)]
        matrices = [a for a in e.args if _is_matrix(a)]
        coeff, rest = sp.Mul(*scalars).as_coeff_Mul()
        factors = [a for a in sp.Mul.make_args(rest) if a != 1] + matrices
        if coeff.is_negative:
            inner = self.product_of(-coeff, factors)
            return f"-{_wrap(inner, _POWER)}", _UNARY
        return self.product_of(coeff, factors)

    def product_of(self, coeff: Any, factors: list[Any]) -> Printed:
        top: list[str] = []
        bottom: list[str] = []
        if coeff != 1 or not factors:
            if isinstance(coeff, sp.Rational) and not coeff.is_Integer:
                if coeff.p != 1 or not factors:
                    top.append(str(coeff.p))
                bottom.append(str(coeff.q))
            else:
                top.append(_wrap(self.expr(coeff), _UNARY))
        for f in factors:
            if isinstance(f, sp.Pow) and not _is_matrix(f) and f.exp.is_negative:
                bottom.append(_wrap(self.expr(1 / f), _POWER))
            else:
                top.append(_wrap(self.expr(f), _UNARY))
        text = "*".join(top) if top else "1"
        if bottom:
            below = bottom[0] if len(bottom) == 1 else f"({'*'.join(bottom)})"
            text = f"{text}/{below}"
        return text, _PRODUCT if len(top) + len(bottom) > 1 else _UNARY

    def elementwise(self, e: Any) -> Printed:
        lam = e.function
        arg = e.expr
        if not isinstance(lam, sp.Lambda):
            name = _SCALAR_FUNCS.get(lam)
            if name is None:
                raise MatdiffError(f"matdiff cannot read the element-wise function {lam}")
            return f"{name}({self.expr(arg)[0]})", _ATOM
        (z,) = lam.variables
        rows, cols = arg.shape
        ones = f"ones({self.dim(rows)}, {self.dim(cols)})"
        return _ElementwiseBody(self, z, self.expr(arg), ones).expr(lam.expr)


class _ElementwiseBody:
    """The body of an element-wise lambda, with its variable standing for a whole matrix."""

    def __init__(self, writer: _Writer, z: Any, arg: Printed, ones: str) -> None:
        self.w, self.z, self.arg, self.ones = writer, z, arg, ones

    def expr(self, b: Any) -> Printed:
        z = self.z
        if b == z:
            return self.arg
        if not b.has(z):
            return f"{_wrap(self.w.expr(b), _UNARY)}*{self.ones}", _PRODUCT
        for name in ("sigmoid", "softplus", "relu"):
            f = _ELEMENTWISE[name]
            if b == f(z):
                return f"{name}({self.arg[0]})", _ATOM
            inner = self.match(f, b)
            if inner is not None:
                return f"{name}({self.expr(inner)[0]})", _ATOM
        if isinstance(b, sp.Add):
            terms = [_wrap(self.expr(t), _PRODUCT) for t in b.args]
            return " + ".join(terms), _SUM
        if isinstance(b, sp.Mul):
            const = [a for a in b.args if not a.has(z)]
            varying = [_wrap(self.expr(a), _UNARY) for a in b.args if a.has(z)]
            text = " .* ".join(varying)
            if const:
                text = f"{_wrap(self.w.expr(sp.Mul(*const)), _UNARY)}*{text}"
            return text, _PRODUCT
        if isinstance(b, sp.Pow) and not b.exp.has(z):
            if b.exp == -1:
                return f"{self.ones} ./ {_wrap(self.expr(b.base), _UNARY)}", _PRODUCT
            return f"{_wrap(self.expr(b.base), _ATOM)}.^{self.w.exponent(b.exp)}", _POWER
        if isinstance(b, sp.Max) and len(b.args) == 2 and sp.S.Zero in b.args:
            other = b.args[0] if b.args[1] == 0 else b.args[1]
            return f"relu({self.expr(other)[0]})", _ATOM
        func = _SCALAR_FUNCS.get(type(b))
        if func is not None:
            return f"{func}({self.expr(b.args[0])[0]})", _ATOM
        if isinstance(b, sp.Pow) and b.exp == sp.Rational(1, 2):
            return f"sqrt({self.expr(b.base)[0]})", _ATOM
        raise MatdiffError(f"matdiff cannot read the element-wise function {b} of {z}")

    def match(self, f: Callable[[Any], Any], b: Any) -> Any:
        w = sp.Wild("w")
        found = b.match(f(w))
        if found and found.get(w) is not None and found[w].has(self.z) and found[w] != b:
            return found[w]
        return None


def _document(expr: Any, name: str, extra: tuple[Any, ...] = ()) -> tuple[str, _Names, _Writer]:
    expr = sp.sympify(expr)
    names = _Names()
    writer = _Writer(names)
    for e in (expr, *extra):
        writer.collect(e)
    body = writer.expr(expr)[0]
    decls = writer.declarations()
    target = name
    i = 1
    while target in names.by_name or target in RESERVED:
        i += 1
        target = f"{name}_{i}"
    return "\n".join([*decls, f"{target} = {body}"]) + "\n", names, writer


def from_sympy(expr: Any, name: str = "f") -> str:
    """The matdiff document for a SymPy (matrix) expression: a declaration for each symbol
    (``MatrixSymbol`` n×1 → ``vector(n)``, others ``matrix(m, n)``, ``Symbol`` → ``scalar``;
    sizes that are symbols become dimension symbols) and the definition ``name = …``."""
    return _document(expr, name)[0]


# DSL → SymPy -----------------------------------------------------------------------------


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


# The vec-Jacobian as SymPy's 4-dimensional array ------------------------------------------

Split = tuple[Any, Any]


class _UnknownSplitError(MatdiffError):
    """A piece of a Jacobian whose row or column split is not known yet (an ``eye(n*n)``)."""


@dataclass(frozen=True)
class _Piece:
    """A piece of a vec-Jacobian (a matrix acting on vec's) as a SymPy array, its axes in
    SymPy's order: the (row, col) axes of the space it maps from (``ins``), then those of the
    space it maps to (``outs``).  A column ``vec(A)`` has no ``ins``, a row ``vec(B)'`` no
    ``outs``, a scalar neither."""

    expr: Any
    ins: Split | None
    outs: Split | None


def _same(a: Split | None, b: Split | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(sp.expand(sp.sympify(u) - sp.sympify(v)) == 0 for u, v in zip(a, b, strict=True))


def _is_vector_split(split: Split) -> bool:
    return bool(split[0] == 1 or split[1] == 1)


def _pairs(split: Split) -> Any:
    """δ[i, k]·δ[j, l] with the axes in order (i, j, k, l): ``eye`` on the vec's of a split."""
    t = ArrayTensorProduct(sp.Identity(split[0]), sp.Identity(split[1]))
    return PermuteDims(t, index_order_old="ikjl", index_order_new="ijkl")


def _fit(p: _Piece, ins: Split | None, outs: Split | None) -> _Piece:
    """``p`` on the splits ``ins``/``outs`` where it has the other vector split of the same
    vec space (n×1 for 1×n: the same vec, its two axes swapped); otherwise ``p``."""
    swap = [
        have is not None
        and want is not None
        and not _same(have, want)
        and _is_vector_split(have)
        and _same(have, (want[1], want[0]))
        for have, want in ((p.ins, ins), (p.outs, outs))
    ]
    if not any(swap):
        return p
    axes: list[int] = []
    for group, split in ((0, p.ins), (1, p.outs)):
        if split is not None:
            at = len(axes)
            axes += [at + 1, at] if swap[group] else [at, at + 1]
    return _Piece(
        PermuteDims(p.expr, axes),
        ins if swap[0] else p.ins,
        outs if swap[1] else p.outs,
    )


def _scale(c: Any, p: _Piece) -> _Piece:
    if p.ins is None and p.outs is None:
        return _Piece(c * p.expr, None, None)
    return _Piece(ArrayTensorProduct(c, p.expr), p.ins, p.outs)


def _transposed(p: _Piece) -> _Piece:
    expr = p.expr
    if p.ins is not None and p.outs is not None:
        expr = PermuteDims(expr, [2, 3, 0, 1])
    return _Piece(expr, p.outs, p.ins)


def _product(left: _Piece, right: _Piece) -> _Piece:
    """The matrix product left·right: ``right`` acts first, its outs meet ``left``'s ins."""
    if left.ins is None and left.outs is None:
        return _scale(left.expr, right)
    if right.ins is None and right.outs is None:
        return _scale(right.expr, left)
    right = _fit(right, right.ins, left.ins)
    if not _same(right.outs, left.ins):
        raise MatdiffError(f"matdiff.sympy: vec spaces {right.outs} and {left.ins} differ")
    expr = ArrayTensorProduct(right.expr, left.expr)
    if right.outs is not None:
        a = 2 if right.ins is not None else 0
        expr = ArrayContraction(expr, (a, a + 2), (a + 1, a + 3))
        if right.ins is None and left.outs is None:  # a row times a column: a scalar
            expr = convert_array_to_matrix(expr)
    return _Piece(expr, right.ins, left.outs)


class _JacobianReader(_Reader):
    """The text of d vec(F)/d vec(X) (``kron``, ``commutation``, ``diag(vec(…))``, ``vec(…)``,
    products, sums) → SymPy's array with entry [i, j, k, l] = ∂F[k, l]/∂X[i, j].

    Each piece is read knowing, where it can, the shapes (splits) of the vec spaces it maps
    between; a ``kron(P, Q)`` carries its own: ``vec(Q Y Pᵀ) = (P ⊗ Q) vec(Y)``."""

    def call(self, node: ast.Call) -> Any:
        if node.func.id == "vec":  # of a vector: the vector (a column)
            a = self.expr(node.args[0])
            if _is_matrix(a) and a.shape[1] != 1:
                if a.shape[0] != 1:
                    raise MatdiffError("SymPy's matrix expressions have no vec of a matrix")
                return a.T
            return a
        return super().call(node)

    def size(self, node: ast.Expr) -> Any:
        """A size argument (``n``, ``3``, ``m*n``)."""
        if isinstance(node, ast.Number):
            return sp.Integer(node.text)
        if isinstance(node, ast.Name):
            return self.table.setdefault(node.id, sp.Symbol(node.id))
        if isinstance(node, ast.Binary) and node.op == "*":
            return self.size(node.left) * self.size(node.right)
        raise MatdiffError("matdiff.sympy cannot read a size")

    def jacobian(self, node: ast.Expr, outs: Split | None, ins: Split | None) -> _Piece:
        rows, cols = self.shape(node.span)
        if rows == 1 and cols == 1:
            try:
                return _Piece(_scalar(self.expr(node)), None, None)
            except MatdiffError:
                pass  # e.g. vec(A)'*vec(B): read as pieces below
        if isinstance(node, ast.Unary):
            p = self.jacobian(node.operand, outs, ins)
            return _scale(sp.Integer(-1), p) if node.op == "-" else p
        if isinstance(node, ast.Transpose):
            return _transposed(self.jacobian(node.operand, ins, outs))
        if isinstance(node, ast.Binary):
            return self.binary_piece(node, outs, ins)
        if isinstance(node, ast.Name) and node.id in ("I", "eye"):
            return self.identity(outs, ins)
        if isinstance(node, ast.Call):
            got = self.call_piece(node, outs, ins)
            if got is not None:
                return got
        return self.generic(node, (rows, cols), outs, ins)

    def binary_piece(self, node: ast.Binary, outs: Split | None, ins: Split | None) -> _Piece:
        op = node.op
        if op in ("+", "-"):
            a = self.jacobian(node.left, outs, ins)
            b = _fit(self.jacobian(node.right, outs or a.outs, ins or a.ins), a.ins, a.outs)
            if not (_same(a.ins, b.ins) and _same(a.outs, b.outs)):
                raise MatdiffError("matdiff.sympy: a sum of Jacobians on different vec spaces")
            if op == "-":
                b = _scale(sp.Integer(-1), b)
            if a.ins is None and a.outs is None:
                return _Piece(a.expr + b.expr, None, None)
            return _Piece(ArrayAdd(a.expr, b.expr), a.ins, a.outs)
        if op == "/":
            return _scale(1 / _scalar(self.expr(node.right)), self.jacobian(node.left, outs, ins))
        if op in ("*", "@"):
            return self.product(node, outs, ins)
        raise MatdiffError(f"matdiff.sympy cannot read '{op}' in a Jacobian")

    def product(self, node: ast.Binary, outs: Split | None, ins: Split | None) -> _Piece:
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if self.shape(side.span) == (1, 1):
                try:
                    c = _scalar(self.expr(side))
                except MatdiffError:
                    continue
                return _scale(c, self.jacobian(other, outs, ins))
        try:  # the right factor first: it knows the variable's split
            right = self.jacobian(node.right, None, ins)
            left = self.jacobian(node.left, outs, right.outs)
        except _UnknownSplitError:
            left = self.jacobian(node.left, outs, None)
            right = self.jacobian(node.right, left.ins, ins)
        return _product(left, right)

    def identity(self, outs: Split | None, ins: Split | None) -> _Piece:
        split = ins or outs
        if split is None:
            raise _UnknownSplitError("the split of an identity")
        return _Piece(_pairs(split), split, split)

    def call_piece(self, node: ast.Call, outs: Split | None, ins: Split | None) -> _Piece | None:
        fname, args = node.func.id, node.args
        if fname == "kron":  # (P ⊗ Q)[(k, l), (i, j)] = Q[k, i]·P[l, j]
            P, Q = self.expr(args[0]), self.expr(args[1])
            p_rows, p_cols = self.shape(args[0].span)
            q_rows, q_cols = self.shape(args[1].span)
            expr = ArrayTensorProduct(_t(Q), _t(P))
            expr = PermuteDims(expr, index_order_old="ikjl", index_order_new="ijkl")
            return _Piece(expr, (q_cols, p_cols), (q_rows, p_rows))
        if fname == "commutation":  # K vec(A) = vec(Aᵀ), A m×n: δ[i, l]·δ[j, k]
            m, n = (self.size(a) for a in args)
            expr = ArrayTensorProduct(sp.Identity(m), sp.Identity(n))
            expr = PermuteDims(expr, index_order_old="iljk", index_order_new="ijkl")
            return _Piece(expr, (m, n), (n, m))
        if fname in ("eye", "I"):
            return self.identity(outs, ins)
        if fname in ("zeros", "ones"):
            return self.constant_piece(fname, node, outs, ins)
        if fname == "vec":
            A = self.expr(args[0])
            return _Piece(A, None, self.shape(args[0].span))
        if fname == "diag" and isinstance(args[0], ast.Call) and args[0].func.id == "vec":
            inner = args[0].args[0]  # diag(vec(A))[(k, l), (i, j)] = δ[k, i]·δ[l, j]·A[k, l]
            A = self.expr(inner)
            rows, cols = self.shape(inner.span)
            t = ArrayTensorProduct(sp.Identity(rows), sp.Identity(cols), A)
            return _Piece(ArrayDiagonal(t, (1, 4), (3, 5)), (rows, cols), (rows, cols))
        return None

    def constant_piece(
        self, fname: str, node: ast.Expr, outs: Split | None, ins: Split | None
    ) -> _Piece:
        rows, cols = self.shape(node.span)
        column, row = cols == 1, rows == 1
        if (outs is None and not row) or (ins is None and not column):
            raise _UnknownSplitError(f"the split of {fname}")
        axes = [*(ins or ()), *(outs or ())] if not (row or column) else list(ins or outs or ())
        if fname == "zeros":
            expr = sp.ZeroMatrix(*axes) if len(axes) == 2 else ZeroArray(*axes)
        else:
            expr = sp.OneMatrix(*axes) if len(axes) == 2 else OneArray(*axes)
        return _Piece(expr, None if column else ins, None if row else outs)

    def generic(
        self, node: ast.Expr, shape: Split, outs: Split | None, ins: Split | None
    ) -> _Piece:
        """A matrix M acting on vec's of vectors (column or row): its entries as they are."""
        rows, cols = shape
        column, row = cols == 1, rows == 1
        outs = None if row else outs or (rows, 1)
        ins = None if column else ins or (cols, 1)
        for split in (outs, ins):
            if split is not None and not _is_vector_split(split):
                raise MatdiffError(
                    f"matdiff.sympy cannot write '{self.model.source(node.span)}' as an array "
                    f"on {split[0]}×{split[1]} matrices"
                )
        M = self.expr(node)
        if column or row:
            vec = M if column else M.T  # as a column
            split = outs if column else ins
            assert split is not None
            return _Piece(vec if split[1] == 1 else vec.T, ins, outs)
        assert ins is not None and outs is not None
        # M[vec(k, l), vec(i, j)] with one of i, j and one of k, l always 0: Mᵀ and I(1)
        old = "pquv"
        new = ("pu" if ins[1] == 1 else "up") + ("qv" if outs[1] == 1 else "vq")
        expr = ArrayTensorProduct(M.T, sp.Identity(1))
        return _Piece(PermuteDims(expr, index_order_old=old, index_order_new=new), ins, outs)


def _t(M: Any) -> Any:
    return M.T if _is_matrix(M) else M


def _shape(e: Any) -> tuple[Any, Any]:
    return (e.shape[0], e.shape[1]) if _is_matrix(e) else (1, 1)


def diff(expr: Any, X: Any) -> Any:
    """The derivative of the SymPy expression ``expr`` by the symbol ``X`` (a
    ``MatrixSymbol`` or a ``Symbol``), in SymPy's convention, as a SymPy expression; a
    matrix by a matrix is SymPy's array [i, j, k, l] = ∂expr[k, l]/∂X[i, j]."""
    from matdiff.services.derivatives import derivation

    if not isinstance(X, sp.MatrixSymbol | sp.Symbol):
        raise MatdiffError(f"matdiff differentiates by a MatrixSymbol or a Symbol, not {X}")
    expr = sp.sympify(expr)
    text, names, writer = _document(expr, "f", (X,))
    if X in writer.dims:
        raise MatdiffError(f"{X} is a size; differentiate by a MatrixSymbol or a Symbol")
    of = text.splitlines()[-1].split(" = ", 1)[0]
    wrt = names.name(X)
    fy, fx = _shape(expr), _shape(X)
    scalar_f = fy == (1, 1)
    d = derivation(text, of, wrt, "gradient" if scalar_f else "numerator")
    result_doc = f"{text}{_fresh('r', names, of)} = {d.emit('dsl')}\n"
    model = analyze(result_doc)
    _raise_first_error(model)
    table = dict(names.by_name)
    if not scalar_f and fx != (1, 1) and (fy[1] != 1 or fx[1] != 1):
        return _array_derivative(model, table, fy, fx)
    result = _Reader(model, table).definition(model.definitions[-1].name)
    if not scalar_f and fx != (1, 1):
        result = result.T  # a vector by a vector: SymPy's n×m, the Jacobian transposed
    return result


def _array_derivative(model: DocumentModel, table: dict[str, Any], fy: Split, fx: Split) -> Any:
    """d vec(F)/d vec(X) read as SymPy's array [i, j, k, l] = ∂F[k, l]/∂X[i, j], then
    ``convert_array_to_matrix`` as in SymPy's own ``MatrixExpr.diff``."""
    result = model.definitions[-1]
    assert result.value is not None
    try:
        piece = _fit(_JacobianReader(model, table).jacobian(result.value, fy, fx), fx, fy)
    except MatdiffError as exc:
        text = model.source(result.value.span)
        raise MatdiffError(
            f"matdiff.sympy cannot write d vec/d vec = {text} as an array: {exc}"
        ) from exc
    if not (_same(piece.ins, fx) and _same(piece.outs, fy)):  # pragma: no cover - a bug
        raise MatdiffError(f"matdiff.sympy read a Jacobian from {piece.ins} to {piece.outs}")
    try:
        return convert_array_to_matrix(piece.expr)
    except (AttributeError, TypeError, ValueError, NotImplementedError):
        return piece.expr  # SymPy 1.14 cannot simplify some contractions of diagonals


def _fresh(base: str, names: _Names, taken: str) -> str:
    name, i = base, 1
    while name in names.by_name or name in RESERVED or name == taken:
        i += 1
        name = f"{base}_{i}"
    return name
