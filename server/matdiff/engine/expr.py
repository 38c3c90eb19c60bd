"""The engine's expression IR: immutable, interned nodes built by smart constructors.

Every node is interned (hash-consed): building the same expression twice gives the same
object, so equality is identity and hashing is O(1).  Constructors normalise as they build,
so equal things meet:

- sums are flat, like terms are merged (``A + 2A`` → ``3A``) and terms are sorted;
- products are flat, carry one exact numeric coefficient, keep scalar factors (1×1 — they
  commute with everything) as a sorted monomial with merged powers (``s·s⁻¹`` → 1) ahead of
  the ordered matrix chain;
- transposes go to the leaves through products, Hadamard and Kronecker products and
  transposes, and vanish on scalars and symmetric matrices;
- zeros and identities disappear where they are neutral.

Each node knows its :class:`~matdiff.engine.shape.Shape` and the variables it depends on.
"""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from typing import Any, ClassVar

from matdiff.engine.shape import SCALAR, Dim, Shape


class EngineError(Exception):
    """A derivation that cannot be done, with a message for the user."""


Number = Fraction
_F0, _F1 = Fraction(0), Fraction(1)  # built once: Fraction() is slow and these are everywhere
_TABLE: dict[tuple[Any, ...], Expr] = {}


class Expr:
    """Base of all IR nodes.  Do not instantiate directly: use the constructor functions."""

    __slots__ = ("_key", "_size", "free", "shape")
    kind: ClassVar[str] = "expr"
    shape: Shape
    free: frozenset[str]  # names of the variables (and differentials, as "d:X") inside
    _key: str | None
    _size: int

    def __repr__(self) -> str:
        from matdiff.engine.printer import to_text

        return f"<{to_text(self)}>"

    @property
    def children(self) -> tuple[Expr, ...]:
        return ()

    def sort_key(self) -> str:
        if self._key is None:
            self._key = self._make_key()
        return self._key

    def _make_key(self) -> str:
        inner = ",".join(c.sort_key() for c in self.children)
        return f"{self.kind}({inner})"

    @property
    def size(self) -> int:
        return self._size

    def depends(self, name: str) -> bool:
        return name in self.free

    @property
    def is_scalar(self) -> bool:
        return self.shape.is_scalar


def _intern(cls: type[Expr], key: tuple[Any, ...], shape: Shape, children: tuple[Expr, ...],
            **fields: Any) -> Any:  # fmt: skip
    full = (cls, *key)
    node = _TABLE.get(full)
    if node is not None:
        return node
    with _INTERN_LOCK:
        node = _TABLE.get(full)  # another thread may have built it meanwhile
        if node is not None:
            return node
        return _create(cls, full, shape, children, fields)


_INTERN_LOCK = threading.Lock()
_LOCAL = threading.local()  # per thread: the budget (see Budget below)


def _create(cls: type[Expr], full: tuple[Any, ...], shape: Shape, children: tuple[Expr, ...],
            fields: dict[str, Any]) -> Any:  # fmt: skip
    size = 1 + sum(c._size for c in children)
    if _LOCAL.__dict__.get("budget") is not None:
        _charge(size)
    node = object.__new__(cls)
    node.shape = shape
    node.free = frozenset().union(*(c.free for c in children)) if children else frozenset()
    node._key = None
    node._size = size
    for k, v in fields.items():
        object.__setattr__(node, k, v)
    _TABLE[full] = node
    return node


_GENERATION = [0]  # bumped by clear_cache: caches of nodes elsewhere must be dropped too


def generation() -> int:
    return _GENERATION[0]


def clear_cache() -> None:
    """Forget every interned node (tests and long-running servers).  Nodes built before are
    no longer identical to new ones: caches keyed by nodes watch ``generation()``."""
    _GENERATION[0] += 1
    _TABLE.clear()
    _MUL.clear()
    _ADD.clear()
    _SYMMETRIC.clear()
    _TRANSPOSED.clear()


# ---------------------------------------------------------------------------- leaves


class Var(Expr):
    """A declared symbol.  ``props`` ⊆ {symmetric, diagonal, spd, invertible, const, dim}."""

    __slots__ = ("name", "props")
    kind = "var"
    name: str
    props: frozenset[str]

    def _make_key(self) -> str:  # a space sorts before any character of a name
        return f"var:{self.name} {self.shape} {','.join(sorted(self.props))}"


def var(name: str, shape: Shape, props: frozenset[str] | set[str] = frozenset()) -> Var:
    props = frozenset(props)
    free = frozenset() if "const" in props else frozenset({name})
    node: Var = _intern(Var, (name, shape, props), shape, (), name=name, props=props, free=free)
    return node


class Differential(Expr):
    """``dX``: the differential of variable ``X``."""

    __slots__ = ("var",)
    kind = "d"
    var: Var

    def _make_key(self) -> str:
        return f"~d:{self.var.name}"  # sorts after the rest: dX goes last


def differential(x: Var) -> Differential:
    free = frozenset({"d:" + x.name})
    node: Differential = _intern(Differential, (x,), x.shape, (), var=x, free=free)
    return node


class Num(Expr):
    __slots__ = ("value",)
    kind = "num"
    value: Fraction

    def _make_key(self) -> str:
        # ordered by value first; the exact fraction keeps the key injective
        try:
            approx = f"{float(self.value):+.6e}"
        except OverflowError:  # past 1e308: ordered as ±inf, still exact after the colon
            approx = "+inf" if self.value > 0 else "-inf"
        return f"!{approx}:{self.value}"


def num(value: int | float | Fraction | str) -> Num:
    if isinstance(value, int | Fraction):  # the common case: already built
        got = _TABLE.get((Num, value))
        if got is not None:
            return got  # type: ignore[return-value]
    v = Fraction(value) if not isinstance(value, float) else Fraction(str(value))
    node: Num = _intern(Num, (v,), SCALAR, (), value=v)
    return node


ZERO_SCALAR = num(0)
ONE_SCALAR = num(1)


class Const(Expr):
    """A structured constant: ``I`` (``name='eye'``), ``ones``, ``zeros``, ``commutation``."""

    __slots__ = ("dims", "name")
    kind = "const"
    name: str
    dims: tuple[Dim, Dim] | None  # (m, n) of a commutation matrix K_{m,n}

    def _make_key(self) -> str:
        return f"#{self.name}:{self.shape}"


def _const(name: str, shape: Shape) -> Const:
    node: Const = _intern(Const, (name, shape), shape, (), name=name, dims=None)
    return node


def identity(n: Dim) -> Expr:
    return ONE_SCALAR if n.is_one else _const("eye", Shape(n, n))


def zeros(shape: Shape) -> Expr:
    return ZERO_SCALAR if shape.is_scalar else _const("zeros", shape)


def ones(shape: Shape) -> Expr:
    return ONE_SCALAR if shape.is_scalar else _const("ones", shape)


def commutation(m: Dim, n: Dim) -> Expr:
    """K with K·vec(A) = vec(Aᵀ) for an m×n matrix A."""
    if m.is_one or n.is_one:
        return identity(m * n)
    node: Const = _intern(Const, ("commutation", m, n), Shape(m * n, m * n), (),
                          name="commutation", dims=(m, n),
                          _key=f"#commutation:{m},{n}")  # fmt: skip
    return node


def commutation_dims(k: Const) -> tuple[Dim, Dim]:
    assert k.dims is not None, "not a commutation matrix"
    return k.dims


def is_zero(e: Expr) -> bool:
    return (isinstance(e, Num) and e.value == 0) or (isinstance(e, Const) and e.name == "zeros")


def is_identity(e: Expr) -> bool:
    return (isinstance(e, Num) and e.value == 1) or (isinstance(e, Const) and e.name == "eye")


_SYMMETRIC: dict[Expr, bool] = {}
_TRANSPOSED: dict[Expr, Expr] = {}


def symmetric(e: Expr) -> bool:
    """Known to equal its transpose (memoised: nodes are interned)."""
    got = _SYMMETRIC.get(e)
    if got is None:
        got = _SYMMETRIC[e] = _symmetric(e)
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


# ---------------------------------------------------------------------------- sums


class Sum(Expr):
    __slots__ = ("terms",)
    kind = "sum"
    terms: tuple[Expr, ...]

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.terms


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
    got = _ADD.get(terms)
    if got is None:
        if len(_ADD) > 100_000:
            _ADD.clear()
        got = _ADD[terms] = _add(terms)
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


# ---------------------------------------------------------------------------- products


class Prod(Expr):
    """``coef · s₁^k₁ ⋯ · M₁ M₂ ⋯``: scalar factors (sorted, with powers) then the chain."""

    __slots__ = ("chain", "coef", "factors", "scalars")
    kind = "prod"
    coef: Fraction
    factors: tuple[Expr, ...]  # scalars then chain
    scalars: tuple[Expr, ...]
    chain: tuple[Expr, ...]

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def _make_key(self) -> str:
        inner = ",".join(c.sort_key() for c in self.factors)
        return f"prod({inner})" if self.coef == 1 else f"prod({self.coef},{inner})"


def _chain_shape(chain: tuple[Expr, ...]) -> Shape:
    return Shape(chain[0].shape.rows, chain[-1].shape.cols) if chain else SCALAR


def _mixed_products(chain: list[Expr]) -> list[Expr]:
    """(A ⊗ B)(C ⊗ D) = AC ⊗ BD where the factors conform."""
    if len(chain) < 2 or not any(isinstance(f, Kron) for f in chain):
        return chain
    out: list[Expr] = []
    for f in chain:
        last = out[-1] if out else None
        if isinstance(last, Kron) and isinstance(f, Kron) \
                and last.left.shape.cols == f.left.shape.rows \
                and last.right.shape.cols == f.right.shape.rows:  # fmt: skip
            out[-1] = kron(mul(last.left, f.left), mul(last.right, f.right))
        else:
            out.append(f)
    return out


def _power_view(f: Expr) -> tuple[Expr, int, bool]:
    """A chain factor as (base, k, transposed): ``X⁻ᵀ`` is (X, −1, True), ``X³`` (X, 3, False)."""
    t = False
    if isinstance(f, Transpose):
        f, t = f.arg, True
    if isinstance(f, Unary) and f.op == "inv":
        if isinstance(f.arg, Unary) and f.arg.op == "matpow":  # (Xᵏ)⁻¹ = X⁻ᵏ
            return f.arg.arg, -f.arg.k, t
        return f.arg, -1, t
    if isinstance(f, Unary) and f.op == "matpow":
        if isinstance(f.arg, Unary) and f.arg.op == "inv":
            return f.arg.arg, -f.k, t
        return f.arg, f.k, t
    return f, 1, t


def _from_power(base: Expr, k: int, t: bool) -> Expr | None:
    if k == 0:
        return None
    out = inv(base) if k == -1 else matpow(base, k)
    return transpose(out) if t else out


def _inverted_chain(f: Expr) -> tuple[Expr, ...] | None:
    """For f = M⁻¹ (or M⁻ᵀ) with M a product, the chain of M (of Mᵀ): f cancels against it."""
    t = isinstance(f, Transpose)
    g = f.arg if isinstance(f, Transpose) else f
    if not (isinstance(g, Unary) and g.op == "inv"):
        return None
    m = transpose(g.arg) if t else g.arg
    if isinstance(m, Prod) and m.coef == 1 and not m.scalars and len(m.chain) > 1:
        return m.chain
    return None


def _cancel_and_merge(chain: list[Expr]) -> list[Expr]:
    """Powers of one base meet in a chain (Cookbook eq. (145) and the definition of the
    inverse): ``X X⁻¹`` → I, ``X⁻ᵀXᵀ`` → I, ``X²X²`` → X⁴, ``(XᵀX)⁻¹XᵀX`` → I."""
    if len(chain) < 2:
        return chain
    changed = True
    while changed and len(chain) > 1:
        changed = False
        for i in range(len(chain) - 1):
            a, b = chain[i], chain[i + 1]
            ba, ka, ta = _power_view(a)
            bb, kb, tb = _power_view(b)
            linear = not any(v.startswith("d:") for v in ba.free)  # dX dX stays a product
            if ba is bb and ta == tb and ba.shape.is_square and linear:
                merged = _from_power(ba, ka + kb, ta)
                chain[i : i + 2] = [] if merged is None else [merged]
                changed = True
                break
            for j, f in ((i, a), (i + 1, b)):
                sub = _inverted_chain(f)
                if sub is None:
                    continue
                n = len(sub)
                if j == i and tuple(chain[i + 1 : i + 1 + n]) == sub:  # M⁻¹ M
                    del chain[i : i + 1 + n]
                    changed = True
                    break
                if j == i + 1 and i + 1 >= n and tuple(chain[i + 1 - n : i + 1]) == sub:  # M M⁻¹
                    del chain[i + 1 - n : i + 2]
                    changed = True
                    break
            if changed:
                break
    return chain


def _is_ones(e: Expr | None) -> bool:
    return isinstance(e, Const) and e.name == "ones"


def _stochastic(e: Expr) -> bool:
    return isinstance(e, Var) and "stochastic" in e.props


def _ones_products(chain: list[Expr]) -> list[Expr]:
    """1ₘ1ₙᵀ is the m×n matrix of ones; 1ᵀT = 1ᵀ and Tᵀ1 = 1 (with ones of any width) for a
    T whose columns sum to one (declared ``stochastic``)."""
    if len(chain) < 2 or not any(_is_ones(f) for f in chain):
        return chain
    out: list[Expr] = []
    for f in chain:
        last = out[-1] if out else None
        if last is not None and _folds_to_ones(last, f):
            out[-1] = ones(Shape(last.shape.rows, f.shape.cols))
        else:
            out.append(f)
    return out


def _folds_to_ones(a: Expr, b: Expr) -> bool:
    """Is the product ab a matrix of ones?"""
    if _is_ones(a) and _is_ones(b):  # 1ₘ1ₙᵀ
        return a.shape.cols.is_one and b.shape.rows.is_one
    if _is_ones(a):  # (1 1ᵀ)T = 1 (1ᵀT) = 1 1ᵀ
        return _stochastic(b)
    return _is_ones(b) and isinstance(a, Transpose) and _stochastic(a.arg)


def _split_scalar_runs(chain: list[Expr]) -> tuple[list[Expr], list[Expr]]:
    """Pull minimal 1×1 runs out of a chain (``x yᵀ z`` → scalar ``yᵀz``, chain ``x``)."""
    scalars: list[Expr] = []
    out: list[Expr] = []
    i, n = 0, len(chain)
    while i < n:
        if chain[i].shape.rows.is_one:
            j = i
            while j < n and not chain[j].shape.cols.is_one:
                j += 1
            if i < j < n:
                scalars.append(_scalar_chain(tuple(chain[i : j + 1])))
                i = j + 1
                continue
        out.append(chain[i])
        i += 1
    return scalars, out


def _scalar_chain(chain: tuple[Expr, ...]) -> Expr:
    """A 1×1 chain in canonical orientation (``dxᵀ y`` becomes ``yᵀ dx``); ``1ᵀx`` is sum(x)."""
    if len(chain) == 2:
        for a, b in (chain, chain[::-1]):
            if isinstance(a, Const) and a.name == "ones":
                return sumall(b)
    flipped = tuple(transpose(c) for c in reversed(chain))

    def cost(c: tuple[Expr, ...]) -> tuple[int, int, str]:
        dt = sum(1 for f in c if isinstance(f, Transpose) and isinstance(f.arg, Differential))
        d_last = 0 if any(v.startswith("d:") for v in c[-1].free) else 1
        tr = sum(1 for f in c if isinstance(f, Transpose))
        return (dt, d_last + tr, ",".join(f.sort_key() for f in c))

    best = min(chain, flipped, key=cost)
    node: Prod = _intern(Prod, (_F1, best), SCALAR, best, coef=_F1,
                         factors=best, scalars=(), chain=best)  # fmt: skip
    return node


def prod_of(coef: Fraction, factors: tuple[Expr, ...]) -> Expr:
    """Build from already-canonical factors (used internally)."""
    return mul(num(coef), *factors) if coef != 1 else mul(*factors)


_MUL: dict[tuple[Expr, ...], Expr] = {}
_ADD: dict[tuple[Expr, ...], Expr] = {}


def mul(*factors: Expr) -> Expr:
    """The product of ``factors`` in order; scalars (1×1) scale, the rest multiply.
    Remembered by its (interned) factors: the simplifier's search asks for the same often."""
    got = _MUL.get(factors)
    if got is None:
        if len(_MUL) > 100_000:
            _MUL.clear()
        got = _MUL[factors] = _mul(factors)
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
    chain = _mixed_products(chain)
    chain = _cancel_and_merge(chain)
    chain = _ones_products(chain)
    run_scalars, chain = _split_scalar_runs(chain)
    for s in run_scalars:
        powers[s] = powers.get(s, _F0) + 1
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


# ---------------------------------------------------------------------------- powers


class Power(Expr):
    """Scalar power ``base ^ exponent`` (both scalar)."""

    __slots__ = ("base", "exponent")
    kind = "pow"
    base: Expr
    exponent: Expr

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.base, self.exponent)


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
    node: Power = _intern(Power, (base, exponent), SCALAR, (base, exponent), base=base,
                          exponent=exponent)  # fmt: skip
    return node


# ---------------------------------------------------------------------------- structure


class Transpose(Expr):
    __slots__ = ("arg",)
    kind = "T"
    arg: Expr

    def _make_key(self) -> str:
        return self.arg.sort_key() + "'"

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


def transpose(e: Expr) -> Expr:
    got = _TRANSPOSED.get(e)
    if got is None:
        got = _TRANSPOSED[e] = _transpose(e)
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


class Hadamard(Expr):
    __slots__ = ("factors",)
    kind = "had"
    factors: tuple[Expr, ...]

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.factors


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


class Kron(Expr):
    __slots__ = ("left", "right")
    kind = "kron"
    left: Expr
    right: Expr

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


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


class Unary(Expr):
    """A one-argument matrix function: tr det logdet inv adj diag diagpart vec sum norm2
    norm1 softmax logsumexp matpow (with ``k``) unvec (with shape)."""

    __slots__ = ("arg", "k", "op")
    kind = "un"
    op: str
    arg: Expr
    k: int

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def _make_key(self) -> str:
        return f"{self.op}{self.k or ''}:{self.shape}({self.arg.sort_key()})"


def unary(op: str, arg: Expr, shape: Shape, k: int = 0) -> Expr:
    node: Unary = _intern(Unary, (op, arg, shape, k), shape, (arg,), op=op, arg=arg, k=k)
    return node


class Elementwise(Expr):
    """``fn`` applied entry by entry; ``pow`` carries its (scalar) exponent in ``param``."""

    __slots__ = ("arg", "fn", "param")
    kind = "ew"
    fn: str
    arg: Expr
    param: Expr | None

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,) if self.param is None else (self.arg, self.param)

    def _make_key(self) -> str:
        if self.param is not None:  # the exponent is part of the node: x.^2 ≠ x.^3
            return f"{self.fn}({self.arg.sort_key()},{self.param.sort_key()})"
        return f"{self.fn}({self.arg.sort_key()})"


def positive(e: Expr) -> bool:
    """Known to be positive entry by entry."""
    if isinstance(e, Num):
        return e.value > 0
    if isinstance(e, Const):
        return e.name == "ones"
    if isinstance(e, Elementwise):
        return e.fn in ("exp", "sigmoid", "softplus") or (e.fn == "pow" and positive(e.arg))
    if isinstance(e, Unary):
        return e.op == "softmax" or (e.op == "sumall" and positive(e.arg))
    if isinstance(e, Power):
        return positive(e.base)
    if isinstance(e, Prod):
        return e.coef > 0 and all(positive(f) for f in e.factors)
    if isinstance(e, Sum | Hadamard):
        return all(positive(c) for c in e.children)
    if isinstance(e, Transpose):
        return positive(e.arg)
    return False


def _log(arg: Expr) -> Expr | None:
    """log of a positive quotient or of exp, written out: log(exp(z)) = z,
    log(sum(exp(z))) = logsumexp(z), log(s·M) = log(M) + log(s)·1 for positive s and M."""
    if isinstance(arg, Elementwise) and arg.fn == "exp":
        return arg.arg
    if isinstance(arg, Unary) and arg.op == "sumall" and isinstance(arg.arg, Elementwise) \
            and arg.arg.fn == "exp" and arg.arg.shape.is_vector:  # fmt: skip
        return logsumexp(arg.arg.arg)
    if isinstance(arg, Prod) and len(arg.chain) == 1 and (arg.scalars or arg.coef != 1) \
            and positive(arg):  # fmt: skip
        logs = [elementwise("log", f) for f in (num(arg.coef), *arg.scalars) if not is_identity(f)]
        return add(elementwise("log", arg.chain[0]), mul(add(*logs), ones(arg.shape)))
    if isinstance(arg, Power) and positive(arg.base):
        return mul(arg.exponent, elementwise("log", arg.base))
    return None


def elementwise(fn: str, arg: Expr, param: Expr | None = None) -> Expr:
    if fn == "pow":
        assert param is not None
        return epow(arg, param)
    if fn == "log" and (got := _log(arg)) is not None:
        return got
    node: Elementwise = _intern(Elementwise, (fn, arg), arg.shape, (arg,), fn=fn, arg=arg,
                                param=None)  # fmt: skip
    return node


def epow(arg: Expr, p: Expr) -> Expr:
    """Element-wise power ``arg .^ p``."""
    if arg.is_scalar:
        return power(arg, p)
    if isinstance(p, Num):
        if p.value == 0:
            return ones(arg.shape)
        if p.value == 1:
            return arg
    if isinstance(arg, Elementwise) and arg.fn == "pow" and arg.param is not None:
        return epow(arg.arg, mul(arg.param, p))
    node: Elementwise = _intern(Elementwise, ("pow", arg, p), arg.shape, (arg, p), fn="pow",
                                arg=arg, param=p)  # fmt: skip
    return node


class Derivative(Expr):
    """An unevaluated differential ``d(arg)`` by ``var`` (for derivation steps only)."""

    __slots__ = ("arg", "var")
    kind = "D"
    arg: Expr
    var: Var

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def _make_key(self) -> str:
        return f"D:{self.var.name}({self.arg.sort_key()})"


def derivative_of(arg: Expr, x: Var) -> Expr:
    if not arg.depends(x.name):
        return zeros(arg.shape)
    if arg is x:
        return differential(x)
    free = arg.free | {"d:" + x.name}
    node: Derivative = _intern(Derivative, (arg, x), arg.shape, (arg,), arg=arg, var=x, free=free)
    return node


def walk(e: Expr) -> list[Expr]:
    """``e`` and its distinct sub-expressions, children first."""
    seen: set[int] = set()
    out: list[Expr] = []

    def visit(n: Expr) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        for c in n.children:
            visit(c)
        out.append(n)

    visit(e)
    return out


# ---------------------------------------------------------------------------- matrix functions


def dim_value(d: Dim) -> Expr:
    """A dimension as a scalar value (``tr(I_n) = n``)."""
    factors: list[Expr] = [var(s, SCALAR, {"const", "dim"}) for s in d.syms]
    return mul(num(d.coef), *factors)


def trace(x: Expr) -> Expr:
    if x.is_scalar:
        return x
    if isinstance(x, Sum):
        return add(*(trace(t) for t in x.terms))
    if isinstance(x, Const):
        if x.name == "eye":
            return dim_value(x.shape.rows)
        if x.name == "ones":
            return dim_value(x.shape.rows)
    if isinstance(x, Prod):
        scalars = (num(x.coef), *x.scalars)
        chain = x.chain
        if len(chain) > 1:
            for k in range(len(chain)):  # a rotation that is 1×1: tr(x yᵀ) = yᵀx
                if chain[k].shape.rows.is_one or chain[k - 1].shape.cols.is_one:
                    if chain[k].shape.rows.is_one:
                        return mul(*scalars, *chain[k:], *chain[:k])
                    return mul(*scalars, *chain[k:], *chain[:k])
        if x.coef != 1 or x.scalars:
            return mul(*scalars, trace(mul(*chain)))
    if isinstance(x, Transpose):
        return trace(x.arg)
    if isinstance(x, Kron) and x.left.shape.is_square:  # tr(A ⊗ B) = tr(A) tr(B)
        return mul(trace(x.left), trace(x.right))
    return unary("tr", x, SCALAR)


def det(x: Expr) -> Expr:
    if x.is_scalar:
        return x
    if is_identity(x):
        return ONE_SCALAR
    if isinstance(x, Transpose):
        return det(x.arg)
    if isinstance(x, Unary) and x.op == "inv":
        return power(det(x.arg), num(-1))
    return unary("det", x, SCALAR)


def logdet(x: Expr) -> Expr:
    if x.is_scalar:
        return elementwise("log", x)
    if isinstance(x, Transpose):
        return logdet(x.arg)
    return unary("logdet", x, SCALAR)


def inv(x: Expr) -> Expr:
    if x.is_scalar:
        return power(x, num(-1))
    if is_identity(x):
        return x
    if isinstance(x, Unary) and x.op == "inv":
        return x.arg
    if isinstance(x, Transpose):
        return transpose(inv(x.arg))
    c, rest = split_coef(x)
    if c != 1:
        return scale(1 / c, inv(rest))
    return unary("inv", x, x.shape)


def adj(x: Expr) -> Expr:
    if x.is_scalar:
        return ONE_SCALAR
    return unary("adj", x, x.shape)


def matpow(x: Expr, k: int) -> Expr:
    if k == 0:
        return identity(x.shape.rows)
    if k < 0:
        return matpow(inv(x), -k)
    if k == 1 or is_identity(x):
        return x
    if x.is_scalar:
        return power(x, num(k))
    return unary("matpow", x, x.shape, k)


def diag(v: Expr) -> Expr:
    """Vector → diagonal matrix."""
    if v.is_scalar:
        return v
    if v.shape.is_row:
        v = transpose(v)
    if isinstance(v, Const) and v.name == "ones":
        return identity(v.shape.rows)
    n = v.shape.rows
    return unary("diag", v, Shape(n, n))


def diagpart(x: Expr) -> Expr:
    """Square matrix → the vector of its diagonal."""
    if x.is_scalar:
        return x
    if isinstance(x, Transpose):
        return diagpart(x.arg)
    if isinstance(x, Unary) and x.op == "diag":
        return x.arg
    if is_identity(x):
        return ones(Shape(x.shape.rows, Dim()))
    return unary("diagpart", x, Shape(x.shape.rows, Dim()))


def vec(x: Expr) -> Expr:
    if isinstance(x, Const) and x.name in ("ones", "zeros"):
        return _const(x.name, Shape(x.shape.size, Dim())) if not x.shape.is_row else transpose(x)
    if x.shape.is_column:
        return x
    if x.shape.is_row:
        return transpose(x)
    if isinstance(x, Unary) and x.op == "unvec":
        return x.arg
    return unary("vec", x, Shape(x.shape.size, Dim()))


def unvec(v: Expr, shape: Shape) -> Expr:
    """The inverse of vec: a column of length r·c → r×c, column-major."""
    if shape.is_column:
        return v
    if shape.is_row:
        return transpose(v)
    if isinstance(v, Unary) and v.op == "vec" and v.arg.shape == shape:
        return v.arg
    if isinstance(v, Const) and v.name in ("ones", "zeros"):
        return _const(v.name, shape)
    return unary("unvec", v, shape)


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


def norm2(x: Expr) -> Expr:
    if x.is_scalar:
        return elementwise("abs", x)
    if isinstance(x, Transpose):
        return norm2(x.arg)
    return unary("norm2", x, SCALAR)


def norm1(x: Expr) -> Expr:
    if x.is_scalar:
        return elementwise("abs", x)
    if isinstance(x, Transpose):
        return norm1(x.arg)
    return unary("norm1", x, SCALAR)


def softmax(x: Expr) -> Expr:
    if x.is_scalar:
        return ONE_SCALAR
    return unary("softmax", x, x.shape)


def logsumexp(x: Expr) -> Expr:
    """Of a vector, a scalar; of an m×N matrix, the 1×N row of its columns' (a batch, §9)."""
    if x.is_scalar:
        return x
    return unary("logsumexp", x, SCALAR if x.shape.is_vector else Shape(Dim(), x.shape.cols))


_UNARY_BUILD = {
    "tr": trace, "det": det, "logdet": logdet, "inv": inv, "adj": adj, "diag": diag,
    "diagpart": diagpart, "vec": vec, "sumall": sumall, "norm2": norm2, "norm1": norm1,
    "softmax": softmax, "logsumexp": logsumexp,
}  # fmt: skip


def rebuild(e: Expr, kids: tuple[Expr, ...]) -> Expr:
    """``e`` with its children replaced by ``kids``, through the smart constructors."""
    if kids == e.children:
        return e
    if isinstance(e, Sum):
        return add(*kids)
    if isinstance(e, Prod):
        return mul(num(e.coef), *kids)
    if isinstance(e, Power):
        return power(kids[0], kids[1])
    if isinstance(e, Transpose):
        return transpose(kids[0])
    if isinstance(e, Hadamard):
        return hadamard(*kids)
    if isinstance(e, Kron):
        return kron(kids[0], kids[1])
    if isinstance(e, Elementwise):
        return epow(kids[0], kids[1]) if e.fn == "pow" else elementwise(e.fn, kids[0])
    if isinstance(e, Unary):
        if e.op == "matpow":
            return matpow(kids[0], e.k)
        if e.op == "unvec":
            return unvec(kids[0], e.shape)
        build = _UNARY_BUILD.get(e.op)  # none: a declared function (engine.declared)
        return build(kids[0]) if build else unary(e.op, kids[0], e.shape)
    if isinstance(e, Derivative):
        return derivative_of(kids[0], e.var)
    raise AssertionError(f"leaf {type(e).__name__} has no children")


def substitute(e: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """Replace sub-expressions (by identity) everywhere in ``e``."""
    memo: dict[int, Expr] = {}

    def go(n: Expr) -> Expr:
        if n in mapping:
            return mapping[n]
        got = memo.get(id(n))
        if got is None:
            got = rebuild(n, tuple(go(c) for c in n.children)) if n.children else n
            memo[id(n)] = got
        return got

    return go(e)


# ---------------------------------------------------------------------------- budget

# Derivations may run on worker threads (the language server's requests): the deadline stack,
# the budget and the cancellation flag are per thread (_LOCAL), and interning takes a lock.


# Past these, a derivation stops with "the derivative is too large to show" (its result may
# not be larger than derivatives.MAX_NODES anyway): the tree size of one expression (which
# its sort key and its printing take time and memory in proportion to), the sum of the tree
# sizes of the expressions it builds, and how many it builds.
MAX_SIZE = 250_000
MAX_TOTAL = 20_000_000
MAX_BUILT = 1_000_000


class Budget:
    """``with Budget(seconds):`` — derivations inside stop with EngineError past the time, or
    once what they build grows past the sizes above (checked as nodes are built)."""

    def __init__(self, seconds: float, max_size: int = MAX_SIZE, max_total: int = MAX_TOTAL,
                 max_built: int = MAX_BUILT) -> None:  # fmt: skip
        self.seconds = seconds
        self.max_size, self.max_total, self.max_built = max_size, max_total, max_built
        self.total = self.built = 0

    def __enter__(self) -> Budget:
        _deadlines().append(time.monotonic() + self.seconds)
        self.outer = _LOCAL.__dict__.get("budget")
        self.total = self.built = 0
        _LOCAL.budget = self
        return self

    def __exit__(self, *exc: object) -> None:
        _deadlines().pop()
        _LOCAL.budget = self.outer


def _charge(size: int) -> None:
    """Count a node of tree size ``size`` about to be built against this thread's budget."""
    budget: Budget = _LOCAL.budget
    check_size(size)
    budget.total += size
    budget.built += 1
    if budget.built > budget.max_built:
        raise EngineError(
            f"the derivative is too large to show: building it took over {budget.max_built:,} "
            "expressions"
        )
    if budget.total > budget.max_total:
        raise EngineError(
            f"the derivative is too large to show: building it took over {budget.max_total:,} nodes"
        )
    if not budget.built & 255:
        check_budget()


def check_size(size: int) -> None:
    """Raise EngineError if an expression of tree size ``size`` is past this thread's budget:
    called before building something whose size is known beforehand (d(Xᵏ): k terms)."""
    budget: Budget | None = _LOCAL.__dict__.get("budget")
    if budget is not None and size > budget.max_size:
        raise EngineError(
            f"the derivative is too large to show: it grows past {budget.max_size:,} nodes"
        )


def _deadlines() -> list[float]:
    if not hasattr(_LOCAL, "deadlines"):
        _LOCAL.deadlines = []
    return _LOCAL.deadlines  # type: ignore[no-any-return]


class CancelScope:
    """``with CancelScope(event):`` — derivations inside stop once ``event`` is set (the
    client cancelled the request)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __enter__(self) -> CancelScope:
        self.outer = getattr(_LOCAL, "cancel", None)
        _LOCAL.cancel = self.event
        return self

    def __exit__(self, *exc: object) -> None:
        _LOCAL.cancel = self.outer


def time_left() -> float | None:
    """Seconds before this thread's derivation is stopped (None: no budget)."""
    deadlines = getattr(_LOCAL, "deadlines", None)
    return deadlines[-1] - time.monotonic() if deadlines else None


def check_budget() -> None:
    """Raise EngineError if this thread's derivation is past its time or was cancelled."""
    cancel = getattr(_LOCAL, "cancel", None)
    if cancel is not None and cancel.is_set():
        raise EngineError("the request was cancelled")
    deadlines = getattr(_LOCAL, "deadlines", None)
    if deadlines and time.monotonic() > deadlines[-1]:
        raise EngineError("the derivation took too long and was stopped")
