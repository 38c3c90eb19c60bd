"""SymPy → document text: ``from_sympy`` writes a SymPy matrix expression as declarations
and one definition of the language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

try:
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
    from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
    from sympy.matrices.expressions.kronecker import KroneckerProduct
    from sympy.matrices.expressions.matexpr import MatrixElement
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('matdiff.sympy needs SymPy: pip install "matdiff[sympy]"') from exc

from matdiff.api import MatdiffError
from matdiff.base.language import RESERVED

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
