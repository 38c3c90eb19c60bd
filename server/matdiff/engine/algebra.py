"""The IR's algebra: smart constructors for sums, products, powers, transposes, Hadamard
and Kronecker products (normalising as they build), and the memoised ``symmetric`` and
``transpose``.  Read through ``expr``."""

from __future__ import annotations

import weakref
from fractions import Fraction

from matdiff.engine import chains, logistic
from matdiff.engine.memo import Memo
from matdiff.engine.nodes import (
    _F0,
    _F1,
    _GENERATION,
    _KEYS,
    _RECENT,
    _TABLE,
    ONE_SCALAR,
    Const,
    Differential,
    Elementwise,
    Expr,
    Hadamard,
    Kron,
    Num,
    Power,
    Prod,
    Sum,
    Transpose,
    Unary,
    Var,
    _const,
    _intern,
    commutation,
    commutation_dims,
    identity,
    is_identity,
    is_zero,
    num,
    ones,
    unary,
    var,
    zeros,
)
from matdiff.engine.shape import SCALAR, Dim, Shape


def clear_cache() -> None:
    """Forget every interned node (tests and long-running servers).  Nodes built before are
    no longer identical to new ones: caches keyed by nodes watch ``generation()``."""
    _GENERATION[0] += 1
    _TABLE.clear()
    _KEYS.clear()
    _RECENT.clear()
    _MUL.clear()
    _ADD.clear()
    _SYMMETRIC.clear()
    _TRANSPOSED.clear()


_SYMMETRIC: Memo[Expr, bool] = Memo("engine.symmetric", 4096)
_TRANSPOSED: Memo[Expr, Expr] = Memo("engine.transposed", 4096)


def symmetric(e: Expr) -> bool:
    """Known to equal its transpose (memoised: nodes are interned)."""
    got = _SYMMETRIC.get(e)
    if got is None:
        got = _SYMMETRIC.put(e, _symmetric(e))
    return got


def _symmetric(e: Expr) -> bool:
    if e.is_scalar:
        return True
    if isinstance(e, Var):
        return bool(e.props & {"symmetric", "spd", "diagonal"})
    if isinstance(e, Differential):
        return symmetric(e.var)
    if isinstance(e, Const):
        return e.name == "eye" or (e.name in ("zeros", "ones") and e.shape.is_square)
    if isinstance(e, Unary) and e.op in ("inv", "adj", "matpow"):
        return symmetric(e.arg)
    if isinstance(e, Unary) and e.op == "diag":
        return True
    if isinstance(e, Sum):
        return transpose_sum_terms(e) == e
    if isinstance(e, Hadamard | Elementwise):
        return all(symmetric(c) for c in e.children)
    if isinstance(e, Prod):
        chain = e.chain
        return (len(chain) == 1 and symmetric(chain[0])) or _palindrome_symmetric(chain)
    return False


def _palindrome_symmetric(chain: tuple[Expr, ...]) -> bool:
    """A·B·Aᵀ with B symmetric, and similar: the chain equals its own transpose."""
    if len(chain) < 2:
        return False
    return tuple(transpose(c) for c in reversed(chain)) == chain


def split_coef(e: Expr) -> tuple[Fraction, Expr]:
    """``e = c · rest`` with c a number."""
    if isinstance(e, Num):
        return e.value, ONE_SCALAR
    if isinstance(e, Prod) and e.coef != 1:
        return e.coef, prod_of(_F1, e.factors)
    return _F1, e


def term_order(e: Expr) -> tuple[int, int, str]:
    c, rest = split_coef(e)
    return (1 if c < 0 else 0, 0 if not isinstance(rest, Num) else 1, rest.sort_key())


def add(*terms: Expr) -> Expr:
    """The sum of ``terms`` (all of one shape), with like terms merged (remembered)."""
    ref = _ADD.get(terms)
    got = ref() if ref is not None else None
    if got is None:
        got = _add(terms)
        _ADD.put(terms, weakref.ref(got))
    return got


def _add(terms: tuple[Expr, ...]) -> Expr:
    if not terms:
        raise ValueError("empty sum")
    shape = terms[0].shape
    coefs: dict[Expr, Fraction] = {}
    for t in terms:
        assert t.shape == shape, (t.shape, shape)
        for u in t.terms if isinstance(t, Sum) else (t,):
            c, rest = split_coef(u)
            if c != 0 and not is_zero(rest):
                coefs[rest] = coefs.get(rest, _F0) + c
    parts = [scale(c, rest) for rest, c in coefs.items() if c != 0]
    if not parts:
        return zeros(shape)
    if len(parts) == 1:
        return parts[0]
    parts.sort(key=term_order)
    node: Sum = _intern(Sum, tuple(parts), shape, tuple(parts), terms=tuple(parts))
    return node


def neg(e: Expr) -> Expr:
    return scale(Fraction(-1), e)


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, neg(b))


def transpose_sum_terms(s: Sum) -> Expr:
    return add(*(transpose(t) for t in s.terms))


def prod_of(coef: Fraction, factors: tuple[Expr, ...]) -> Expr:
    """Build from already-canonical factors (used internally)."""
    return mul(num(coef), *factors) if coef != 1 else mul(*factors)


# Sums and products by their (interned) operands: the simplifier's search asks for the same
# often.  Bounded like the other memos (``memo.py``), cleared with the interned nodes; the
# result is held weakly, so that a memo keeps no node alive that nothing else uses.
_MUL: Memo[tuple[Expr, ...], weakref.ref[Expr]] = Memo("engine.products", 8192)
_ADD: Memo[tuple[Expr, ...], weakref.ref[Expr]] = Memo("engine.sums", 8192)


def mul(*factors: Expr) -> Expr:
    """The product of ``factors`` in order; scalars (1×1) scale, the rest multiply.
    Remembered by its (interned) factors: the simplifier's search asks for the same often."""
    ref = _MUL.get(factors)
    got = ref() if ref is not None else None
    if got is None:
        got = _mul(factors)
        _MUL.put(factors, weakref.ref(got))
    return got


def _mul(factors: tuple[Expr, ...]) -> Expr:
    coef = _F1
    powers: dict[Expr, Fraction] = {}
    chain: list[Expr] = []
    for f in factors:
        items: tuple[Expr, ...] = (f,)
        # a 1×1 chain (``bᵀx``) stays one scalar: spliced into the chain, its factors could
        # join a neighbour's run (aᵀ·(bᵀx)·y read as (aᵀbᵀx)·y)
        if isinstance(f, Prod) and not (f.is_scalar and f.chain):
            coef *= f.coef
            items = f.factors
        for g in items:
            if isinstance(g, Num):
                coef *= g.value
            elif is_zero(g):
                coef = _F0
            elif g.is_scalar and not (isinstance(g, Prod) and g.chain and not g.scalars):
                base, k = _as_power(g)
                powers[base] = powers.get(base, _F0) + k
            elif g.is_scalar:
                powers[g] = powers.get(g, _F0) + 1
            elif not is_identity(g):
                chain.append(g)
    shape = _product_shape(factors)
    if coef == 0:
        return zeros(shape)
    chain = chains._mixed_products(chain)
    if any(isinstance(f, Prod) for f in chain):  # a scaled Kronecker product: built again
        held = (power(b, num(k)) for b, k in powers.items())
        return mul(num(coef), *held, *chain)
    chain = chains._cancel_and_merge(chain)
    ones_scalars, chain = chains._ones_products(chain)
    if ones_scalars:  # k·, sum(x)· pulled out of products of ones: built again with them
        held = (power(b, num(k)) for b, k in powers.items())
        return mul(num(coef), *held, *ones_scalars, *chain)
    run_scalars, chain = chains._split_scalar_runs(chain)
    for s in run_scalars:
        powers[s] = powers.get(s, _F0) + 1
    if len(powers) > 1 and any(isinstance(b, Elementwise) and b.fn == "sigmoid" for b in powers):
        logistic.pair(powers)  # eᵘσ(−u) = σ(u), (1 + eᵘ)σ(−u) = 1
    if powers and len(chain) == 1 and isinstance(chain[0], Elementwise):
        chain = logistic.softmax(chain, powers)  # exp(z)/sum(exp(z)) = softmax(z)
    scalars = sorted(
        (power(b, num(k)) for b, k in powers.items() if k != 0), key=lambda e: e.sort_key()
    )
    if not chain and shape != SCALAR:  # only identities were left
        chain = [identity(shape.rows)]
    if not chain and not scalars:
        return num(coef)
    if not chain and len(scalars) == 1 and coef == 1:
        return scalars[0]
    if len(chain) == 1 and not scalars and coef == 1:
        return chain[0]
    fs = tuple(scalars) + tuple(chain)
    node: Prod = _intern(Prod, (coef, fs), shape, fs, coef=coef, factors=fs,
                         scalars=tuple(scalars), chain=tuple(chain))  # fmt: skip
    return node


def _product_shape(factors: tuple[Expr, ...]) -> Shape:
    rows = cols = None
    for f in factors:
        if f.is_scalar:
            continue
        if rows is None:
            rows = f.shape.rows
        else:
            assert cols == f.shape.rows, f"inner dimensions {cols} and {f.shape.rows}"
        cols = f.shape.cols
    return SCALAR if rows is None or cols is None else Shape(rows, cols)


def scale(c: Fraction | int, e: Expr) -> Expr:
    c = Fraction(c)
    if c == 1:
        return e
    return mul(num(c), e)


def _as_power(e: Expr) -> tuple[Expr, Fraction]:
    if isinstance(e, Power) and isinstance(e.exponent, Num):
        return e.base, e.exponent.value
    return e, _F1


def power(base: Expr, exponent: Expr) -> Expr:
    assert base.is_scalar and exponent.is_scalar
    if isinstance(exponent, Num):
        k = exponent.value
        if k == 0:
            return ONE_SCALAR
        if k == 1:
            return base
        if isinstance(base, Num) and k.denominator == 1 and (base.value != 0 or k > 0):
            return num(base.value**k.numerator if k > 0 else 1 / base.value ** (-k.numerator))
        if isinstance(base, Power) and isinstance(base.exponent, Num) and k.denominator == 1:
            return power(base.base, num(base.exponent.value * k))
        if isinstance(base, Prod) and base.scalars and not base.chain and k.denominator == 1:
            return mul(num(base.coef ** int(k)), *(power(s, exponent) for s in base.scalars))
        if isinstance(base, Sum) and (s := logistic.reciprocal(base, k)) is not None:
            return power(s, num(-k))  # (1 + eᵘ)⁻ᵏ = σ(−u)ᵏ
    node: Power = _intern(Power, (base, exponent), SCALAR, (base, exponent), base=base,
                          exponent=exponent)  # fmt: skip
    return node


def transpose(e: Expr) -> Expr:
    got = _TRANSPOSED.get(e)
    if got is None:
        got = _TRANSPOSED.put(e, _transpose(e))
    return got


def _transpose(e: Expr) -> Expr:
    if e.is_scalar or (symmetric(e) and not isinstance(e, Sum)):
        return e
    if isinstance(e, Transpose):
        return e.arg
    if isinstance(e, Const):
        if e.name == "commutation":
            m, n = commutation_dims(e)
            return commutation(n, m)
        return _const(e.name, e.shape.T)
    if isinstance(e, Prod):
        return mul(num(e.coef), *e.scalars, *(transpose(c) for c in reversed(e.chain)))
    if isinstance(e, Hadamard):
        return hadamard(*(transpose(c) for c in e.factors))
    if isinstance(e, Kron):
        return kron(transpose(e.left), transpose(e.right))
    if isinstance(e, Sum):
        flipped = transpose_sum_terms(e)
        if flipped == e:
            return e
        if all(isinstance(split_coef(t)[1], Var | Transpose) for t in e.terms):
            return flipped
    node: Transpose = _intern(Transpose, (e,), e.shape.T, (e,), arg=e)
    return node


def hadamard(*factors: Expr) -> Expr:
    shape = factors[0].shape
    coef = _F1
    items: list[Expr] = []
    for f in factors:
        assert f.shape == shape, (f.shape, shape)
        c, rest = split_coef(f)
        coef *= c
        if isinstance(rest, Hadamard):
            items.extend(rest.factors)
        elif isinstance(rest, Const) and rest.name == "ones":
            continue
        elif is_zero(rest):
            return zeros(shape)
        else:
            items.append(rest)
    if shape.is_scalar:
        return mul(num(coef), *items)
    # merge powers of equal bases: x ∘ x → x.^2, x ./ x → ones
    powers: dict[Expr, Expr] = {}
    order: list[Expr] = []
    for it in items:
        base, k = (
            (it.arg, it.param)
            if isinstance(it, Elementwise) and it.fn == "pow"
            else (it, ONE_SCALAR)
        )
        assert k is not None
        if base in powers:
            powers[base] = add(powers[base], k)
        else:
            powers[base] = k
            order.append(base)
    if len(order) > 1 and any(isinstance(b, Elementwise) and b.fn == "sigmoid" for b in order):
        _pair_logistic(powers, order)
    merged = [epow(b, powers[b]) for b in order]
    merged = [m for m in merged if not (isinstance(m, Const) and m.name == "ones")]
    if not merged:
        return scale(coef, ones(shape))
    merged.sort(key=lambda e: e.sort_key())
    if len(merged) == 1:
        return scale(coef, merged[0])
    fs = tuple(merged)
    node: Hadamard = _intern(Hadamard, fs, shape, fs, factors=fs)
    return scale(coef, node)


def _pair_logistic(powers: dict[Expr, Expr], order: list[Expr]) -> None:
    """eᵘ ∘ σ(−u) = σ(u) and (1 + eᵘ) ∘ σ(−u) = 1, to numeric powers (``logistic.pair``)."""
    known = {b: k.value for b, k in powers.items() if isinstance(k, Num)}
    before = dict(known)
    if logistic.pair(known):
        for b, k in known.items():
            if b not in powers:
                order.append(b)
                powers[b] = num(k)
            elif b not in before:  # a symbolic exponent: σ(u).^p ∘ σ(u)
                powers[b] = add(powers[b], num(k))
            elif k != before[b]:
                powers[b] = num(k)


def kron(a: Expr, b: Expr) -> Expr:
    if a.is_scalar or b.is_scalar:
        return mul(a, b)
    ca, ra = split_coef(a)
    cb, rb = split_coef(b)
    shape = Shape(a.shape.rows * b.shape.rows, a.shape.cols * b.shape.cols)
    if is_identity(ra) and is_identity(rb):
        return scale(ca * cb, identity(shape.rows))
    if isinstance(ra, Const) and isinstance(rb, Const) and ra.name == rb.name == "ones":
        return scale(ca * cb, ones(shape))
    if ra.shape.is_column and rb.shape.is_row:  # x ⊗ yᵀ = x yᵀ
        return scale(ca * cb, mul(ra, rb))
    if ra.shape.is_row and rb.shape.is_column:  # xᵀ ⊗ y = y xᵀ
        return scale(ca * cb, mul(rb, ra))
    node: Kron = _intern(Kron, (ra, rb), shape, (ra, rb), left=ra, right=rb)
    return scale(ca * cb, node)


def epow(arg: Expr, p: Expr) -> Expr:
    """Element-wise power ``arg .^ p``."""
    if arg.is_scalar:
        return power(arg, p)
    if isinstance(p, Num):
        if p.value == 0:
            return ones(arg.shape)
        if p.value == 1:
            return arg
        if isinstance(arg, Sum) and (s := logistic.reciprocal(arg, p.value)) is not None:
            return epow(s, num(-p.value))  # (1 + eᵘ).^−k = σ(−u).^k
    if isinstance(arg, Const) and isinstance(p, Num) and (arg.name == "ones" or p.value > 0):
        return arg  # 1ᵖ = 1; 0ᵖ = 0 and 1ᵖ = 1 entry by entry in I, zeros, K for p > 0
    if isinstance(arg, Elementwise) and arg.fn == "pow" and arg.param is not None:
        return epow(arg.arg, mul(arg.param, p))
    node: Elementwise = _intern(Elementwise, ("pow", arg, p), arg.shape, (arg, p), fn="pow",
                                arg=arg, param=p)  # fmt: skip
    return node


def dim_value(d: Dim) -> Expr:
    """A dimension as a scalar value (``tr(I_n) = n``)."""
    factors: list[Expr] = [var(s, SCALAR, {"const", "dim"}) for s in d.syms]
    return mul(num(d.coef), *factors)


def sumall(x: Expr) -> Expr:
    if x.is_scalar:
        return x
    if isinstance(x, Sum):
        return add(*(sumall(t) for t in x.terms))
    c, rest = split_coef(x)
    if c != 1:
        return scale(c, sumall(rest))
    if isinstance(x, Transpose):
        return sumall(x.arg)
    if isinstance(x, Const) and x.name == "ones":
        return dim_value(x.shape.size)
    if isinstance(x, Unary) and x.op in ("diag", "softmax"):  # a batch's columns sum to 1 each
        if x.op == "diag":
            return sumall(x.arg)
        return ONE_SCALAR if x.shape.is_vector else dim_value(x.shape.cols)
    if isinstance(x, Kron):  # sum(A ⊗ B) = sum(A) sum(B)
        return mul(sumall(x.left), sumall(x.right))
    return unary("sumall", x, SCALAR)
