"""Printing IR: ``text`` (Unicode math), ``dsl`` (the matdiff language), ``latex``.

One precedence-aware walk serves all three; a :class:`Style` says how each construct is
spelled.  NumPy code has its own emitter (``numpy_emit``) because it must track which
vectors are 1-D arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Container
from dataclasses import dataclass
from fractions import Fraction

from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.engine.latex_names import _ends_with_script, _latex_base
from matdiff.engine.latex_names import latex_name as latex_name  # re-exported
from matdiff.engine.repeated import name_repeated as name_repeated  # re-exported
from matdiff.engine.shape import Dim

SUM, PROD, NEG, POW, POST, ATOM = range(6)

_MARKS = "ᵀ⁻¹⁰²³⁴⁵⁶⁷⁸⁹"  # superscripts that may end a factor
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True)
class Style:
    name: str
    times: str  # between matrix factors
    hadamard: str
    kron: str
    transpose: str
    tr: str


TEXT = Style("text", "", " ∘ ", " ⊗ ", "ᵀ", "tr")
DSL = Style("dsl", "*", ".*", " ⊗ ", "'", "tr")
LATEX = Style("latex", " ", " \\circ ", " \\otimes ", "^\\top", "\\operatorname{tr}")

_LATEX_FN = {
    "exp": "\\exp",
    "log": "\\log",
    "sin": "\\sin",
    "cos": "\\cos",
    "tan": "\\tan",
    "tanh": "\\tanh",
    "arcsin": "\\arcsin",
    "arccos": "\\arccos",
    "arctan": "\\arctan",
    "det": "\\det",
}


def coef_text(c: Fraction, style: Style) -> str:
    if c.denominator == 1:
        return str(c.numerator)
    d = c.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1 and abs(c) < 10**300:  # a float can show it (past 1e308, float() overflows)
        return repr(float(c)).rstrip("0").rstrip(".") if abs(float(c)) < 1e15 else str(float(c))
    if style.name == "latex":
        return f"\\frac{{{c.numerator}}}{{{c.denominator}}}"
    return f"({c.numerator}/{c.denominator})"


def dim_text(d: Dim, style: Style) -> str:
    if style.name == "latex":
        parts = ([str(d.coef)] if d.coef != 1 or not d.syms else []) + [
            latex_name(s) for s in d.syms
        ]
        return " ".join(parts)
    return d.text("" if style.name != "dsl" else "*")


class Printer:
    def __init__(self, style: Style) -> None:
        self.s = style

    def __call__(self, e: E.Expr) -> str:
        return self.p(e)[0]

    def wrap(self, e: E.Expr, level: int) -> str:
        text, prec = self.p(e)
        if prec < level:
            return (
                f"\\left({text}\\right)" if self.s.name == "latex" and prec == SUM else f"({text})"
            )
        return text

    def call(self, name: str, *args: str) -> tuple[str, int]:
        if self.s.name == "latex":
            fn = _LATEX_FN.get(name, f"\\operatorname{{{name}}}")
            return f"{fn}\\left({', '.join(args)}\\right)", ATOM
        return f"{name}({', '.join(args)})", ATOM

    def p(self, e: E.Expr) -> tuple[str, int]:
        s = self.s
        if isinstance(e, E.Var):
            return (latex_name(e.name) if s.name == "latex" else e.name), ATOM
        if isinstance(e, E.Differential):
            name = e.var.name
            return (f"d{name}" if s.name != "latex" else f"\\mathrm{{d}}{latex_name(name)}"), ATOM
        if isinstance(e, E.Num):
            text = coef_text(e.value, s)
            return text, (ATOM if e.value >= 0 and not text.startswith("(") else NEG)
        if isinstance(e, E.Const):
            return self.const(e)
        if isinstance(e, E.Sum):
            return self.sum(e)
        if isinstance(e, E.Prod):
            return self.prod(e)
        if isinstance(e, E.Power):
            return self.power(e.base, e.exponent, "^")
        if isinstance(e, E.Transpose):
            return self.transpose(e.arg)
        if isinstance(e, E.Hadamard):
            return self.hadamard(e)
        if isinstance(e, E.Kron):
            if s.name == "dsl":
                return self.call("kron", self(e.left), self(e.right))
            return f"{self.wrap(e.left, PROD)}{s.kron}{self.wrap(e.right, PROD + 1)}", PROD
        if isinstance(e, E.Elementwise):
            if e.fn == "pow":
                assert e.param is not None
                return self.power(e.arg, e.param, ".^")
            if s.name == "text" and e.fn.startswith("d_"):  # σ'(z) of a declared σ
                return self.call(declared.prime_text(e.fn), self(e.arg))
            if s.name == "latex" and declared.is_declared_fn(e.fn):  # \sigma'(z)
                base, primes = declared.split_primes(e.fn)
                name = _latex_base(base) + "'" * primes
                return f"{name}\\left({self(e.arg)}\\right)", ATOM
            return self.call(e.fn, self(e.arg))
        if isinstance(e, E.Unary):
            return self.unary(e)
        if isinstance(e, E.Derivative):
            inner = self(e.arg)
            if s.name == "latex":
                return f"\\mathrm{{d}}\\left({inner}\\right)", ATOM
            return f"d({inner})", ATOM
        raise AssertionError(type(e))

    def base(self, e: E.Expr) -> str:
        """``e`` ready to take a postfix mark or a superscript: in parentheses below POST;
        in LaTeX, braced when it already ends in a script (``{X^{-1}}^\\top``, ``{W_1}^\\top``:
        a double superscript is an error)."""
        text = self.wrap(e, POST)
        if self.s.name == "latex" and _ends_with_script(text):
            return f"{{{text}}}"
        return text

    def transpose(self, a: E.Expr) -> tuple[str, int]:
        s = self.s
        if s.name != "dsl" and isinstance(a, E.Unary) and a.op == "inv":  # X⁻ᵀ
            return self.base(a.arg) + ("⁻ᵀ" if s.name == "text" else "^{-\\top}"), POST
        if s.name != "dsl" and _is_power(a):  # (X²)ᵀ, not X²ᵀ: the mark is not an exponent
            inner = self(a)
            bracket = f"\\left({inner}\\right)" if s.name == "latex" else f"({inner})"
            return bracket + s.transpose, POST
        return self.base(a) + s.transpose, POST

    def const(self, e: E.Const) -> tuple[str, int]:
        s = self.s
        r, c = e.shape.rows, e.shape.cols
        if e.name == "commutation":
            m, n = E.commutation_dims(e)
            if s.name == "latex":
                return f"K_{{{dim_text(m, s)},{dim_text(n, s)}}}", ATOM
            return self.call("commutation", dim_text(m, s), dim_text(n, s))
        if s.name == "dsl":
            return self.dsl_sized(e.name, r, c)
        sub = (
            dim_text(r, s) if e.name == "eye" or c.is_one else f"{dim_text(r, s)}×{dim_text(c, s)}"
        )
        symbol = {"eye": "I", "ones": "1", "zeros": "0"}[e.name]
        if s.name == "latex":
            symbol = {"eye": "I", "ones": "\\mathbf{1}", "zeros": "\\mathbf{0}"}[e.name]
            sub = sub.replace("×", "\\times ")
            return f"{symbol}_{{{sub}}}", ATOM
        return f"{symbol}{_subscript(sub)}", ATOM

    def dsl_sized(self, name: str, r: Dim, c: Dim) -> tuple[str, int]:
        """eye/ones/zeros in the language; sizes may be products (``eye(m*n)``)."""
        rows, cols = dim_text(r, self.s), dim_text(c, self.s)
        if name == "eye":
            return f"eye({rows})", ATOM
        return (f"{name}({rows})" if c.is_one else f"{name}({rows}, {cols})"), ATOM

    def sum(self, e: E.Sum) -> tuple[str, int]:
        out = ""
        for i, t in enumerate(e.terms):
            c, rest = E.split_coef(t)
            if i and c < 0:
                body = self.wrap(E.scale(-c, rest), PROD)
                out += f" - {body}"
            elif i:
                out += f" + {self.wrap(t, PROD)}"
            else:
                out += self.wrap(t, PROD)
        return out, SUM

    def prod(self, e: E.Prod) -> tuple[str, int]:
        s = self.s
        num_parts: list[tuple[str, int]] = []
        den_parts: list[str] = []
        inline = len(e.factors) == 1  # a lone scalar chain needs no parentheses
        for f in e.scalars:
            if isinstance(f, E.Power) and isinstance(f.exponent, E.Num) and f.exponent.value < 0:
                den_parts.append(self.wrap(E.power(f.base, E.num(-f.exponent.value)), POW))
            elif inline and isinstance(f, E.Prod):
                num_parts.append((self.p(f)[0], 0))
            else:
                num_parts.append((self.wrap(f, PROD + 1), 0))
        for k, f in enumerate(e.chain):
            text = self.wrap(f, PROD + 1)
            if self.s.name == "text" and isinstance(f, E.Differential) and k + 1 < len(e.chain):
                text = f"({text})"  # the tutorial's (dW)x: the differential is of W alone
            num_parts.append((text, 1))
        coef = e.coef
        sign = "-" if coef < 0 else ""
        coef = abs(coef)
        if coef.denominator != 1 and den_parts:
            den_parts.insert(0, str(coef.denominator))
            coef = Fraction(coef.numerator)
        texts = [t for t, _ in num_parts]
        if coef != 1 or not texts:
            texts.insert(0, coef_text(coef, s))
        body = self.join(texts)
        if den_parts:
            if s.name == "latex":
                body = f"\\frac{{{body}}}{{{' '.join(den_parts)}}}"
            else:
                den = den_parts[0] if len(den_parts) == 1 else "(" + self.join(den_parts) + ")"
                body = f"{body}/{den}"
        if sign:
            return f"-{body}", NEG
        return body, PROD

    def join(self, texts: list[str]) -> str:
        if self.s.name != "text":
            return self.s.times.join(texts)
        # Juxtapose as the tutorial does (2xᵀ, 2x(Wx + b)ᵀ, AᵀBᵀ) where both neighbouring
        # factors are one letter, a number or a bracket; a dot where a longer name would run
        # into its neighbour (W·mu).  Decided by the factors, not by the text built so far.
        out = texts[0]
        for last, t in itertools.pairwise(texts):
            prev = last.rstrip(_MARKS) or last
            tight = (_short(prev) or prev.endswith(")") or prev.isdigit()) and (
                t[0] == "(" or _short(_head(t))
            )
            out += ("" if tight else "·") + t
        return out

    def hadamard(self, e: E.Hadamard) -> tuple[str, int]:
        s = self.s
        pieces: list[str] = []
        dens: list[str] = []
        for f in e.factors:
            if (
                isinstance(f, E.Elementwise)
                and f.fn == "pow"
                and isinstance(f.param, E.Num)
                and f.param.value < 0
            ):
                dens.append(self.wrap(E.epow(f.arg, E.num(-f.param.value)), PROD + 1))
            else:
                pieces.append(self.wrap(f, PROD + 1))
        if not pieces:
            pieces = [self(E.ones(e.shape))]
        out = s.hadamard.join(pieces)
        div = {"dsl": "./", "text": " ⊘ ", "latex": " \\oslash "}[s.name]
        for d in dens:
            out += f"{div}{d}"
        return out, PROD

    def power(self, base: E.Expr, exponent: E.Expr, op: str) -> tuple[str, int]:
        s = self.s
        b = self.base(base)
        if s.name == "text" and isinstance(exponent, E.Num) and exponent.value.denominator == 1:
            k = str(exponent.value.numerator)
            return (b + k.translate(_SUP) if op == "^" else f"{b}∘{k.translate(_SUP)}"), POST
        if s.name == "latex":
            hat = "^" if op == "^" else "^{\\circ"
            inner = self(exponent)
            return (f"{b}^{{{inner}}}" if op == "^" else f"{b}{hat} {inner}}}"), POST
        x = (
            self.wrap(exponent, POW)
            if not (isinstance(exponent, E.Num) and exponent.value < 0)
            else coef_text(exponent.value, s)
        )
        if x.startswith("("):
            x = x if x.endswith(")") else f"({x})"
        return f"{b}{op}{x}", POW

    def unary(self, e: E.Unary) -> tuple[str, int]:
        s = self.s
        a = e.arg
        op = e.op
        if op == "inv":
            if s.name == "dsl":
                return self.call("inv", self(a))
            return self.base(a) + ("⁻¹" if s.name == "text" else "^{-1}"), POST
        if op == "matpow":
            if s.name == "dsl":
                return f"{self.wrap(a, POST)}^{e.k}", POW
            k = str(e.k)
            if isinstance(a, E.Unary) and a.op == "inv":  # (X⁻¹)ᵏ = X⁻ᵏ
                a, k = a.arg, f"-{k}"
            base = self.base(a)
            if s.name == "text" and base[-1:] in _MARKS:  # (Xᵀ)², never Xᵀ²
                base = f"({base})"
            return base + (k.translate(_SUP) if s.name == "text" else f"^{{{k}}}"), POST
        if op == "det" and s.name != "dsl":
            return (f"|{self(a)}|" if s.name == "text" else f"\\left|{self(a)}\\right|"), ATOM
        if op in ("norm2", "norm1") and s.name != "dsl":
            sub = "" if op == "norm2" else "₁"
            if s.name == "latex":
                return (
                    f"\\left\\lVert {self(a)} \\right\\rVert_{{{'2' if op == 'norm2' else '1'}}}",
                    ATOM,
                )
            return f"‖{self(a)}‖{sub}", ATOM
        if op == "tr":
            return (
                self.call(s.tr if s.name != "latex" else "tr", self(a))
                if s.name != "latex"
                else (f"\\operatorname{{tr}}\\left({self(a)}\\right)", ATOM)
            )
        if op == "unvec":
            return self.call("unvec", self(a), dim_text(e.shape.rows, s), dim_text(e.shape.cols, s))
        if declared.is_declared_op(op) and s.name == "latex":  # \nabla l(y), \nabla^2 l(y)
            prefix, name = declared.latex_parts(op)
            return f"{prefix}{_latex_base(name)}\\left({self(a)}\\right)", ATOM
        if declared.is_declared_op(op):  # l(y), ∇l(y), ∇²l(y); grad_l(y) in the dsl
            name = declared.text_name(op) if s.name == "text" else declared.dsl_name(op)
            return self.call(name, self(a))
        name = {"diagpart": "diag", "sumall": "sum"}.get(op, op)
        return self.call(name, self(a))


def _is_power(e: E.Expr) -> bool:
    """Printed with an exponent (X², X⁻¹ aside): a transpose mark after it would read as one."""
    return (
        isinstance(e, E.Power)
        or (isinstance(e, E.Unary) and e.op == "matpow")
        or (isinstance(e, E.Elementwise) and e.fn == "pow")
    )


def _short(word: str) -> bool:
    """One letter, or the differential of a one-letter name (dX): juxtaposes cleanly."""
    return len(word) <= 1 or (len(word) == 2 and word[0] == "d" and word[1].isalpha())


def _head(t: str) -> str:
    out = ""
    for ch in t:
        if (ch.isalnum() or ch == "_") and ch not in _MARKS:  # ᵀ is a letter to isalnum
            out += ch
        else:
            break
    return out


def _subscript(text: str) -> str:
    table = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    if all(ch.isdigit() for ch in text):
        return text.translate(table)
    return f"_{text}"


def to_text_where(e: E.Expr, taken: Container[str] = frozenset()) -> str:
    """Unicode text naming repeated parts once (LANGUAGE.md §9): ``… where r = Wx + b``."""
    short, named = name_repeated(e, taken)
    if not named:
        return to_text(e)
    where = ", ".join(f"{name} = {to_text(part)}" for name, part in named)
    return f"{to_text(short)}, where {where}"


to_text = Printer(TEXT)
to_dsl = Printer(DSL)
to_latex = Printer(LATEX)
