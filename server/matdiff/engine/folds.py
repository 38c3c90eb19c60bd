"""The simplifier's ``fold`` rules (``engine/rules.py`` holds the table): identities that
shorten — 1 − σ(z) = σ(−z), roots and norms, inverses merged, a transpose kept whole — each
kept by the search only where the token cost drops.  Sources as in ``rules.py``."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from matdiff.engine import expr as E
from matdiff.engine import nodes
from matdiff.engine.cost import cost


def _one_minus_sigmoid(e: E.Expr) -> E.Expr | None:
    """1 − σ(z) = σ(−z) (PRML eq. (4.60)), inside a sum."""
    if not isinstance(e, E.Sum):
        return None
    terms = list(e.terms)
    for t in terms:
        c, body = E.split_coef(t)
        if not (isinstance(body, E.Elementwise) and body.fn == "sigmoid"):
            continue
        one = E.scale(-c, E.ones(e.shape))
        if one in terms:
            rest = [u for u in terms if u is not t and u is not one]
            merged = E.scale(-c, E.elementwise("sigmoid", E.neg(body.arg)))
            return E.add(merged, *rest) if rest else merged
    return None


def _root(f: E.Expr) -> E.Expr:
    """f with s^(±1/2) as √s^(±1) and √s^(2k) as s^k, scalar or entry by entry (f itself
    where it is neither)."""
    build: Callable[[E.Expr, E.Expr], E.Expr]
    if isinstance(f, E.Power) and isinstance(f.exponent, E.Num):
        base, k, build = f.base, f.exponent.value, E.power
    elif isinstance(f, E.Elementwise) and f.fn == "pow" and isinstance(f.param, E.Num):
        base, k, build = f.arg, f.param.value, E.epow
    else:
        return f
    if abs(k) == _HALF:
        return build(E.elementwise("sqrt", base), E.num(2 * k))
    if isinstance(base, E.Elementwise) and base.fn == "sqrt" and (k / 2).denominator == 1:
        return build(base.arg, E.num(k / 2))
    return f


_HALF = Fraction(1, 2)


def _square_root(e: E.Expr) -> E.Expr | None:
    """s^(1/2) = √s and √s² = s (the principal root, where it is defined: s ≥ 0), in a
    power, a product's scalars or a Hadamard product's factors: x/(xᵀx)^0.5 → x/√(xᵀx),
    xxᵀ/√(xᵀx + 1)² → xxᵀ/(xᵀx + 1)."""
    if isinstance(e, E.Prod):
        fs = tuple(_root(f) for f in e.scalars)
        return E.mul(E.num(e.coef), *fs, *e.chain) if fs != e.scalars else None
    if isinstance(e, E.Hadamard):
        fs = tuple(_root(f) for f in e.factors)
        return E.hadamard(*fs) if fs != e.factors else None
    got = _root(e)
    return got if got is not e else None


def _gram(e: E.Expr) -> E.Expr | None:
    """x where e = xᵀx = ‖x‖², or X where e = tr(XᵀX) = ‖X‖²_F (XXᵀ alike)."""
    p = e.arg if isinstance(e, E.Unary) and e.op == "tr" else e
    if isinstance(p, E.Prod) and p.coef == 1 and not p.scalars and len(p.chain) == 2:
        a, b = p.chain
        if E.transpose(b) is a and (p is not e or a.shape.is_row):
            return b
    return None


def _norm_power(f: E.Expr) -> E.Expr:
    """f with (xᵀx)^(k/2) as ‖x‖ᵏ (k ≠ ±2: xᵀx and ‖x‖² cost the same)."""
    if isinstance(f, E.Elementwise) and f.fn == "sqrt" and (x := _gram(f.arg)) is not None:
        return E.norm2(x)
    if isinstance(f, E.Power) and isinstance(f.exponent, E.Num) and (x := _gram(f.base)):
        k = 2 * f.exponent.value
        if k.denominator == 1 and abs(k) != 2:
            return E.power(E.norm2(x), E.num(k))
    return f


def _norm(e: E.Expr) -> E.Expr | None:
    """√(xᵀx) = ‖x‖ (the Euclidean norm; the Frobenius norm of a matrix, √tr(XᵀX)), so
    (xᵀx)^(k/2) = ‖x‖ᵏ: x/(xᵀx)^1.5 → x/‖x‖³ (Cookbook eq. (130) and §10.4)."""
    if isinstance(e, E.Prod):
        fs = tuple(_norm_power(f) for f in e.scalars)
        return E.mul(E.num(e.coef), *fs, *e.chain) if fs != e.scalars else None
    got = _norm_power(e)
    return got if got is not e else None


def _merge_inverses(e: E.Expr) -> E.Expr | None:
    """B⁻¹A⁻¹ = (AB)⁻¹ (Cookbook eq. (1) read backwards)."""
    if not isinstance(e, E.Prod):
        return None
    ch = e.chain
    for k in range(len(ch) - 1):
        a, b = ch[k], ch[k + 1]
        if isinstance(a, E.Unary) and a.op == "inv" and isinstance(b, E.Unary) and b.op == "inv":
            merged = E.inv(E.mul(b.arg, a.arg))
            return E.mul(E.num(e.coef), *e.scalars, *ch[:k], merged, *ch[k + 2 :])
    return None


def _whole(inner: E.Expr) -> E.Expr:
    """``innerᵀ`` as one node (the constructors would spread the transpose again)."""
    if E.symmetric(inner) or isinstance(inner, E.Transpose):
        return E.transpose(inner)
    node: E.Expr = nodes._intern(E.Transpose, (inner,), inner.shape.T, (inner,), arg=inner)
    return node


def _transposed_whole(e: E.Expr) -> E.Expr | None:
    """Aᵀ + Bᵀ = (A + B)ᵀ (Cookbook eq. (4)), BᵀAᵀ = (AB)ᵀ (eq. (5)), f(Aᵀ) = f(A)ᵀ for
    element-wise f, read backwards: one transpose outside, where shorter."""
    if e.is_scalar or E.symmetric(e):
        return None
    if isinstance(e, E.Sum):
        return _whole(E.add(*(_flip(t) for t in e.terms)))
    if isinstance(e, E.Prod) and len(e.chain) >= 2:
        # a product keeps its transposes on the factors (the tutorial's AᵀBᵀ) unless one
        # outside saves two tokens or more: 2AᵀXᵀAᵀ → 2(AXA)ᵀ
        inner = E.mul(*(_flip(f) for f in reversed(e.chain)))
        whole = E.mul(E.num(e.coef), *e.scalars, _whole(inner))
        return whole if cost(whole) <= cost(e) - 2 else None
    if isinstance(e, E.Hadamard):
        return _whole(E.hadamard(*(_flip(f) for f in e.factors)))
    if isinstance(e, E.Elementwise):
        return _whole(_elementwise(e, _flip(e.arg)))
    return None


def _flip(e: E.Expr) -> E.Expr:
    """eᵀ, into element-wise functions too (f(A)ᵀ = f(Aᵀ))."""
    if isinstance(e, E.Elementwise) and not e.is_scalar:
        return _elementwise(e, _flip(e.arg))
    return E.transpose(e)


def _elementwise(e: E.Elementwise, arg: E.Expr) -> E.Expr:
    return E.epow(arg, e.param) if e.param is not None else E.elementwise(e.fn, arg)


def _negations(e: E.Expr, depth: int, whole: E.Expr) -> list[E.Expr]:
    """−e with the sign taken by one sum inside e, reached through factors of products and
    Hadamard products and through transposes (each linear in that part): −(a − b) = b − a.
    A sum that ``whole`` holds twice keeps its sign ((x − μ)(x − μ)ᵀ stays recognisable)."""
    if isinstance(e, E.Sum):
        return [E.add(*(E.neg(t) for t in e.terms))] if _once(whole, e) else []
    if depth == 0:
        return []
    out: list[E.Expr] = []
    if isinstance(e, E.Transpose):
        out += [E.transpose(g) for g in _negations(e.arg, depth - 1, whole)]
    elif isinstance(e, E.Prod | E.Hadamard):
        fs = e.factors
        for k, f in enumerate(fs):
            for g in _negations(f, depth - 1, whole):
                if isinstance(e, E.Prod):
                    out.append(E.mul(E.num(e.coef), *fs[:k], g, *fs[k + 1 :]))
                else:
                    out.append(E.hadamard(*fs[:k], g, *fs[k + 1 :]))
    return out


def _once(whole: E.Expr, s: E.Expr) -> bool:
    """Does ``s`` (or sᵀ) occur in ``whole`` once, counting repeats (a DAG's shared parts)?"""
    count = 0
    todo = [whole]
    while todo and count < 2:
        n = todo.pop()
        if n is s or (isinstance(n, E.Transpose) and n.arg is s):
            count += 1
        else:
            todo.extend(n.children)
    return count == 1


def sign_into_sum(e: E.Expr) -> E.Expr | None:
    """−(P(a − b)Q) = P(b − a)Q (products are linear in each factor): the leading minus
    taken by a difference inside, where that is shorter.  Only where a minus is printed
    before e (a result, a function's argument): in a sum, −P and +P′ cost the same."""
    c, body = E.split_coef(e)
    if c >= 0:
        return None
    forms = [E.scale(-c, g) for g in _negations(body, 3, body)]
    best = min(forms, key=lambda f: (cost(f), f.sort_key()), default=None)
    return best if best is not None and cost(best) < cost(e) else None


def _sign_into_argument(e: E.Expr) -> E.Expr | None:
    """f(−P(a − b)) = f(P(b − a)) for a function f of one argument (``sign_into_sum``)."""
    if isinstance(e, E.Unary | E.Elementwise | E.Transpose) and e.children:
        got = sign_into_sum(e.children[0])
        if got is not None:
            return E.rebuild(e, (got, *e.children[1:]))
    return None


def _kron_common(e: E.Expr) -> E.Expr | None:
    """A ⊗ B + A ⊗ C = A ⊗ (B + C) and A ⊗ C + B ⊗ C = (A + B) ⊗ C (the Kronecker product
    is bilinear; Cookbook §10.2.1), scaled terms included; the shortest merge."""
    if not isinstance(e, E.Sum):
        return None
    groups: dict[tuple[str, E.Expr], list[int]] = {}
    for i, t in enumerate(e.terms):
        _, body = E.split_coef(t)
        if isinstance(body, E.Kron):
            groups.setdefault(("left", body.left), []).append(i)
            groups.setdefault(("right", body.right), []).append(i)
    forms = []
    for (side, f), members in groups.items():
        if len(members) < 2:
            continue
        parts = []
        for i in members:
            c, body = E.split_coef(e.terms[i])
            assert isinstance(body, E.Kron)
            parts.append(E.scale(c, body.right if side == "left" else body.left))
        inner = E.add(*parts)
        merged = E.kron(f, inner) if side == "left" else E.kron(inner, f)
        rest = [t for i, t in enumerate(e.terms) if i not in members]
        forms.append(E.add(merged, *rest) if rest else merged)
    return min(forms, key=lambda f: (cost(f), f.sort_key()), default=None)
