"""The IR's nodes: the ``Expr`` base, interning (hash-consing; the table holds nodes
weakly), the leaves and their constructors, and the classes of the inner nodes (their smart
constructors are in ``algebra.py`` and ``functions.py``).  Read through ``expr``."""

from __future__ import annotations

import collections
import re
import threading
import weakref
from fractions import Fraction
from typing import Any, ClassVar

from matdiff.engine.shape import SCALAR, Dim, Shape


class EngineError(Exception):
    """A derivation that cannot be done, with a message for the user."""


Number = Fraction


_F0, _F1 = Fraction(0), Fraction(1)  # built once: Fraction() is slow and these are everywhere


# The intern table holds its nodes weakly: a node lives while something uses it, and while it
# lives it is the only node with its structure (so identity stays equality).
_TABLE: dict[tuple[Any, ...], weakref.ref[Expr]] = {}
_KEYS: dict[int, tuple[Any, ...]] = {}  # id of a reference in _TABLE → its key


class Expr:
    """Base of all IR nodes.  Do not instantiate directly: use the constructor functions."""

    __slots__ = ("__weakref__", "_key", "_size", "free", "shape")
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
    ref = _TABLE.get(full)
    node = ref() if ref is not None else None
    if node is not None:
        return node
    with _INTERN_LOCK:
        ref = _TABLE.get(full)  # another thread may have built it meanwhile
        node = ref() if ref is not None else None
        if node is not None:
            return node
        return _create(cls, full, shape, children, fields)


# Reentrant: a node may die (and _forget run) in a thread that is interning.
_INTERN_LOCK = threading.RLock()
# Per thread: the budget that nodes built are charged to (``budget.py``), the deadlines and
# the cancellation flag.
_LOCAL = threading.local()


# The last nodes built stay alive a while, whether used or not: a derivation builds the same
# sub-expressions again and again (simplifying, printing), and finds them here.
RECENT = 20_000
_RECENT: collections.deque[Expr] = collections.deque(maxlen=RECENT)


def _forget(ref: weakref.ref[Expr]) -> None:
    """A node died: drop its entry (unless a new node took the place meanwhile)."""
    with _INTERN_LOCK:
        full = _KEYS.pop(id(ref), None)
        if full is not None and _TABLE.get(full) is ref:
            del _TABLE[full]


def _create(cls: type[Expr], full: tuple[Any, ...], shape: Shape, children: tuple[Expr, ...],
            fields: dict[str, Any]) -> Any:  # fmt: skip
    size = 1 + sum(c._size for c in children)
    budget = _LOCAL.__dict__.get("budget")
    if budget is not None:
        budget.charge(size)
    node = object.__new__(cls)
    node.shape = shape
    node.free = frozenset().union(*(c.free for c in children)) if children else frozenset()
    node._key = None
    node._size = size
    for k, v in fields.items():
        object.__setattr__(node, k, v)
    ref = _TABLE[full] = weakref.ref(node, _forget)
    _KEYS[id(ref)] = full
    _RECENT.append(node)
    return node


_GENERATION = [0]  # bumped by clear_cache: caches of nodes elsewhere must be dropped too


def generation() -> int:
    return _GENERATION[0]


def interned() -> int:
    """How many nodes are alive (and interned) now."""
    return len(_TABLE)


class Var(Expr):
    """A declared symbol.  ``props`` ⊆ {symmetric, diagonal, spd, invertible, const, dim}."""

    __slots__ = ("name", "props")
    kind = "var"
    name: str
    props: frozenset[str]

    def _make_key(self) -> str:  # a space sorts before any character of a name
        return f"var:{natural(self.name)} {self.shape} {','.join(sorted(self.props))}"


_DIGITS = re.compile(r"[0-9]+|[\u2080-\u2089]+")  # a run of digits, or of subscript digits


def _run(m: re.Match[str]) -> str:
    n = str(len(m.group()))
    return f"{len(n)}{n}{m.group()}"


def natural(name: str) -> str:
    """``name`` with each run of digits prefixed by its length (itself prefixed by its own
    length), so that keys sort by number: P1 < P2 < P10, W₂ < W₁₀.  Injective: the prefixes
    say how many characters each run has, and a run ends where the name's next character is
    not a digit of its kind."""
    return _DIGITS.sub(_run, name)


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
        return f"~d:{natural(self.var.name)}"  # sorts after the rest: dX goes last


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
        ref = _TABLE.get((Num, value))
        got = ref() if ref is not None else None
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


class Sum(Expr):
    __slots__ = ("terms",)
    kind = "sum"
    terms: tuple[Expr, ...]

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.terms


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


class Power(Expr):
    """Scalar power ``base ^ exponent`` (both scalar)."""

    __slots__ = ("base", "exponent")
    kind = "pow"
    base: Expr
    exponent: Expr

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.base, self.exponent)


class Transpose(Expr):
    __slots__ = ("arg",)
    kind = "T"
    arg: Expr

    def _make_key(self) -> str:
        return self.arg.sort_key() + "'"

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


class Hadamard(Expr):
    __slots__ = ("factors",)
    kind = "had"
    factors: tuple[Expr, ...]

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.factors


class Kron(Expr):
    __slots__ = ("left", "right")
    kind = "kron"
    left: Expr
    right: Expr

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


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
        return f"D:{natural(self.var.name)}({self.arg.sort_key()})"
