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


def _create(cls: type[Expr], full: tuple[Any, ...], shape: Shape, children: tuple[Expr, ...],
            fields: dict[str, Any]) -> Any:  # fmt: skip
    node = object.__new__(cls)
    node.shape = shape
    node.free = frozenset().union(*(c.free for c in children)) if children else frozenset()
    node._key = None
    node._size = 1 + sum(c._size for c in children)
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
    _SYMMETRIC.clear()
    _TRANSPOSED.clear()


# ---------------------------------------------------------------------------- leaves


class Var(Expr):
    """A declared symbol.  ``props`` ⊆ {symmetric, diagonal, spd, invertible, const, dim}."""

    __slots__ = ("name", "props")
    kind = "var"
    name: str
    props: frozenset[str]

    def _make_key(self) -> str:
        return f"var:{self.name}"


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
        return f"!{float(self.value):+.6e}"


def num(value: int | float | Fraction | str) -> Num:
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
        return e.coef, prod_of(Fraction(1), e.factors)
    return Fraction(1), e


def term_order(e: Expr) -> tuple[int, int, str]:
    c, rest = split_coef(e)
    return (1 if c < 0 else 0, 0 if not isinstance(rest, Num) else 1, rest.sort_key())


def add(*terms: Expr) -> Expr:
    """The sum of ``terms`` (all of one shape), with like terms merged."""
    if not terms:
        raise ValueError("empty sum")
    shape = terms[0].shape
    coefs: dict[Expr, Fraction] = {}
    for t in terms:
        assert t.shape == shape, (t.shape, shape)
        for u in t.terms if isinstance(t, Sum) else (t,):
            c, rest = split_coef(u)
            if c != 0 and not is_zero(rest):
                coefs[rest] = coefs.get(rest, Fraction(0)) + c
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
    node: Prod = _intern(Prod, (Fraction(1), best), SCALAR, best, coef=Fraction(1),
                         factors=best, scalars=(), chain=best)  # fmt: skip
    return node


def prod_of(coef: Fraction, factors: tuple[Expr, ...]) -> Expr:
    """Build from already-canonical factors (used internally)."""
    return mul(num(coef), *factors) if coef != 1 else mul(*factors)


def mul(*factors: Expr) -> Expr:
    """The product of ``factors`` in order; scalars (1×1) scale, the rest multiply."""
    coef = Fraction(1)
    powers: dict[Expr, Fraction] = {}
    chain: list[Expr] = []
    for f in factors:
        items: tuple[Expr, ...] = (f,)
        if isinstance(f, Prod):
            coef *= f.coef
            items = f.factors
        for g in items:
            if isinstance(g, Num):
                coef *= g.value
            elif is_zero(g):
                coef = Fraction(0)
            elif g.is_scalar and not (isinstance(g, Prod) and g.chain and not g.scalars):
                base, k = _as_power(g)
                powers[base] = powers.get(base, Fraction(0)) + k
            elif g.is_scalar:
                powers[g] = powers.get(g, Fraction(0)) + 1
            elif not is_identity(g):
                chain.append(g)
    shape = _product_shape(factors)
    if coef == 0:
        return zeros(shape)
    chain = _mixed_products(chain)
    chain = _ones_products(chain)
    run_scalars, chain = _split_scalar_runs(chain)
    for s in run_scalars:
        powers[s] = powers.get(s, Fraction(0)) + 1
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
    return e, Fraction(1)


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
    coef = Fraction(1)
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
    if isinstance(x, Unary) and x.op in ("diag", "softmax"):
        return sumall(x.arg) if x.op == "diag" else ONE_SCALAR
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

# Derivations may run on worker threads (the language server's requests): the deadline stack
# and the cancellation flag are per thread, and interning takes a lock.
_LOCAL = threading.local()


class Budget:
    """``with Budget(seconds):`` — derivations inside stop with EngineError past the time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> Budget:
        _deadlines().append(time.monotonic() + self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        _deadlines().pop()


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


def check_budget() -> None:
    """Raise EngineError if this thread's derivation is past its time or was cancelled."""
    cancel = getattr(_LOCAL, "cancel", None)
    if cancel is not None and cancel.is_set():
        raise EngineError("the request was cancelled")
    deadlines = getattr(_LOCAL, "deadlines", None)
    if deadlines and time.monotonic() > deadlines[-1]:
        raise EngineError("the derivation took too long and was stopped")
