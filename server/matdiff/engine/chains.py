"""The rewriting of a product's chain of factors before it is built (``algebra.mul``): mixed
products of Kronecker factors, cancelling inverses and merging powers, folding products of
ones, and pulling scalar runs out.  Read through ``expr``."""

from __future__ import annotations

from matdiff.engine import algebra
from matdiff.engine.nodes import (
    _F1,
    Const,
    Differential,
    Expr,
    Kron,
    Prod,
    Sum,
    Transpose,
    Unary,
    Var,
    _intern,
    ones,
)
from matdiff.engine.shape import SCALAR, Dim, Shape


def _chain_shape(chain: tuple[Expr, ...]) -> Shape:
    return Shape(chain[0].shape.rows, chain[-1].shape.cols) if chain else SCALAR


def _mixed_products(chain: list[Expr]) -> list[Expr]:
    """(A ⊗ B)(C ⊗ D) = AC ⊗ BD where the factors conform; a matrix M next to a ⊗ B with
    a a column (or aᵀ ⊗ B with aᵀ a row) is 1 ⊗ M: (a ⊗ B)M = a ⊗ BM, M(aᵀ ⊗ B) = aᵀ ⊗ MB."""
    if len(chain) < 2 or not any(isinstance(f, Kron) for f in chain):
        return chain
    out: list[Expr] = []
    for f in chain:
        last = out[-1] if out else None
        if isinstance(last, Kron) and isinstance(f, Kron) \
                and last.left.shape.cols == f.left.shape.rows \
                and last.right.shape.cols == f.right.shape.rows:  # fmt: skip
            out[-1] = algebra.kron(algebra.mul(last.left, f.left), algebra.mul(last.right, f.right))
        elif isinstance(last, Kron) and not isinstance(f, Kron) and last.left.shape.cols.is_one \
                and last.right.shape.cols == f.shape.rows:  # fmt: skip
            out[-1] = algebra.kron(last.left, algebra.mul(last.right, f))
        elif isinstance(f, Kron) and last is not None and not isinstance(last, Kron) \
                and f.left.shape.rows.is_one and last.shape.cols == f.right.shape.rows:  # fmt: skip
            out[-1] = algebra.kron(f.left, algebra.mul(last, f.right))
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
    from matdiff.engine.functions import inv, matpow  # built on this module

    out = inv(base) if k == -1 else matpow(base, k)
    return algebra.transpose(out) if t else out


def _inverted_chain(f: Expr) -> tuple[Expr, ...] | None:
    """For f = M⁻¹ (or M⁻ᵀ) with M a product, the chain of M (of Mᵀ): f cancels against it."""
    t = isinstance(f, Transpose)
    g = f.arg if isinstance(f, Transpose) else f
    if not (isinstance(g, Unary) and g.op == "inv"):
        return None
    m = algebra.transpose(g.arg) if t else g.arg
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
            # (powers of ones fold in _ones_products: J² = nJ)
            if ba is bb and ta == tb and ba.shape.is_square and linear and not _is_ones(ba):
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


def _ones_products(chain: list[Expr]) -> tuple[list[Expr], list[Expr]]:
    """Products with a matrix of ones, as (scalars pulled out, chain): 1ₘ1ₙᵀ is the m×n
    matrix of ones and ones(m, k)·ones(k, n) = k·ones(m, n) (the entries of the product are
    inner products of ones); ones(m, n)·x = sum(x)·1ₘ and xᵀ·ones(m, n) = sum(x)·1ₙᵀ for a
    vector x that is not a sum (a sum's sum would spread over its terms); ones(m, n)·diag(x)
    = 1ₘxᵀ and diag(x)·ones(n, p) = x1ₚᵀ (row and column scalings); 1ᵀT = 1ᵀ and
    Tᵀ1 = 1 (with ones of any width) for a T whose columns sum to one (``stochastic``)."""
    if len(chain) < 2 or not any(_is_ones(f) for f in chain):
        return [], chain
    scalars: list[Expr] = []
    out: list[Expr] = []
    for f in chain:
        last = out[-1] if out else None
        if last is None:
            out.append(f)
        elif _is_ones(last) and _is_ones(f):
            if not last.shape.cols.is_one:
                scalars.append(algebra.dim_value(last.shape.cols))
            out[-1] = ones(Shape(last.shape.rows, f.shape.cols))
        elif _folds_to_ones(last, f):
            out[-1] = ones(Shape(last.shape.rows, f.shape.cols))
        elif _is_ones(last) and f.shape.cols.is_one and not isinstance(f, Sum):
            scalars.append(algebra.sumall(f))
            out[-1] = ones(Shape(last.shape.rows, f.shape.cols))
        elif _is_ones(f) and last.shape.rows.is_one and not isinstance(last, Sum):
            scalars.append(algebra.sumall(last))
            out[-1] = ones(Shape(last.shape.rows, f.shape.cols))
        elif _is_ones(last) and isinstance(f, Unary) and f.op == "diag":  # 1 1ᵀdiag(x) = 1 xᵀ
            out[-1] = algebra.transpose(f.arg)
            if not last.shape.rows.is_one:
                out.insert(-1, ones(Shape(last.shape.rows, Dim())))
        elif _is_ones(f) and isinstance(last, Unary) and last.op == "diag":  # diag(x)1 1ᵀ = x 1ᵀ
            out[-1] = last.arg
            if not f.shape.cols.is_one:
                out.append(ones(Shape(Dim(), f.shape.cols)))
        else:
            out.append(f)
    return scalars, out


def _folds_to_ones(a: Expr, b: Expr) -> bool:
    """Is the product ab a matrix of ones (T stochastic)?"""
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
                return algebra.sumall(b)
    flipped = tuple(algebra.transpose(c) for c in reversed(chain))

    def cost(c: tuple[Expr, ...]) -> tuple[int, int, str]:
        dt = sum(1 for f in c if isinstance(f, Transpose) and isinstance(f.arg, Differential))
        d_last = 0 if any(v.startswith("d:") for v in c[-1].free) else 1
        tr = sum(1 for f in c if isinstance(f, Transpose))
        return (dt, d_last + tr, ",".join(f.sort_key() for f in c))

    best = min(chain, flipped, key=cost)
    node: Prod = _intern(Prod, (_F1, best), SCALAR, best, coef=_F1,
                         factors=best, scalars=(), chain=best)  # fmt: skip
    return node
