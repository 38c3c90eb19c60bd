"""What a reader counts: the tokens of an expression's ``dsl`` form.

Names, numbers, operators, function names and each ``'`` count one; parentheses and commas
are free (``tests/data/corpus/README.md``).  :func:`tokens` counts printed text exactly;
:func:`cost` computes the same count on the IR without printing (memoised per interned node),
for the simplifier's search, mirroring the dsl printer's choices (a negative power goes to a
denominator, a negative term is written with ``-``).
"""

from __future__ import annotations

import re
from fractions import Fraction

from matdiff.engine import expr as E
from matdiff.engine.memo import Memo
from matdiff.engine.shape import Dim

# a name is any letter or _, then letters, digits (W₁) and _ (LANGUAGE.md §9)
_TOKEN = re.compile(r"[^\W\d]\w*|\d+(?:\.\d+)?|\.\*|\./|\.\^|[-+*/^'@⊗∘×]")


def tokens(text: str) -> int:
    """The number of tokens of a dsl text."""
    return len(_TOKEN.findall(text))


# Bounded (first in, first out): every key keeps its node, and so its whole tree, alive.
_MEMO: Memo[E.Expr, int] = Memo("engine.costs", 8192)
_GENERATION = [E.generation()]


def cost(e: E.Expr) -> int:
    """``tokens(to_dsl(e))``, computed on the IR."""
    if _GENERATION[0] != E.generation():
        _GENERATION[0] = E.generation()
        _MEMO.clear()
    got = _MEMO.get(e)
    if got is None:
        got = _MEMO.put(e, _cost(e))
    return got


def _number(c: Fraction) -> int:
    """Tokens of a printed coefficient: ``2``, ``0.5``, ``(1/3)``, with ``-`` if negative."""
    sign = 1 if c < 0 else 0
    d = c.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    return sign + (1 if d == 1 else 3)


def _dim(d: Dim) -> int:
    parts = (1 if d.coef != 1 or not d.syms else 0) + len(d.syms)
    return 2 * parts - 1


def _cost(e: E.Expr) -> int:
    if isinstance(e, E.Var | E.Differential):
        return 1
    if isinstance(e, E.Num):
        return _number(e.value)
    if isinstance(e, E.Const):
        r, c = e.shape.rows, e.shape.cols
        if e.name == "commutation":
            m, n = E.commutation_dims(e)
            return 1 + _dim(m) + _dim(n)
        if e.name == "eye" or c.is_one:
            return 1 + _dim(r)
        return 1 + _dim(r) + _dim(c)
    if isinstance(e, E.Sum):
        total = len(e.terms) - 1
        for i, t in enumerate(e.terms):
            k, rest = E.split_coef(t)
            total += cost(E.scale(-k, rest)) if i and k < 0 else cost(t)
        return total
    if isinstance(e, E.Prod):
        return _prod(e)
    if isinstance(e, E.Power):
        return cost(e.base) + 1 + cost(e.exponent)
    if isinstance(e, E.Transpose):
        return cost(e.arg) + 1
    if isinstance(e, E.Hadamard):
        total = len(e.factors) - 1
        pieces = 0
        for f in e.factors:
            if isinstance(f, E.Elementwise) and f.fn == "pow" and isinstance(f.param, E.Num) \
                    and f.param.value < 0:  # fmt: skip
                total += cost(E.epow(f.arg, E.num(-f.param.value)))
            else:
                pieces += 1
                total += cost(f)
        if not pieces:  # printed 1 ./ a ./ b
            total += cost(E.ones(e.shape)) + 1
        return total
    if isinstance(e, E.Kron):
        return 1 + cost(e.left) + cost(e.right)
    if isinstance(e, E.Elementwise):
        if e.fn == "pow":
            assert e.param is not None
            return cost(e.arg) + 1 + cost(e.param)
        return 1 + cost(e.arg)
    if isinstance(e, E.Unary):
        if e.op == "matpow":
            return cost(e.arg) + 2
        if e.op == "unvec":
            return 1 + cost(e.arg) + _dim(e.shape.rows) + _dim(e.shape.cols)
        return 1 + cost(e.arg)
    if isinstance(e, E.Derivative):
        return 1 + cost(e.arg)
    return e.size


def _prod(e: E.Prod) -> int:
    num_parts = 0
    den_parts = 0
    total = 0
    for f in e.scalars:
        if isinstance(f, E.Power) and isinstance(f.exponent, E.Num) and f.exponent.value < 0:
            den_parts += 1
            total += cost(E.power(f.base, E.num(-f.exponent.value)))
        else:
            num_parts += 1
            total += cost(f)
    for f in e.chain:
        num_parts += 1
        total += cost(f)
    coef = e.coef
    if coef < 0:
        total += 1
        coef = -coef
    if coef.denominator != 1 and den_parts:
        den_parts += 1
        total += 1
        coef = Fraction(coef.numerator)
    if coef != 1 or not num_parts:
        num_parts += 1
        total += _number(coef)
    total += num_parts - 1
    if den_parts:
        total += 1 + den_parts - 1
    return total
