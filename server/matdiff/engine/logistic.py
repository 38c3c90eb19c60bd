"""The logistic function and softmax from exp, as products are built (``algebra.epow``,
``power``, ``hadamard`` and ``mul``): σ(u) = eᵘ/(1 + eᵘ) = 1/(1 + e⁻ᵘ) (PRML eq. (4.59)), so
that 1 ⊘ (1 + exp(u)) is built as σ(−u), exp(u) ∘ σ(−u) as σ(u) and (1 + exp(u)) ∘ σ(−u) as
1, to any powers; and softmax(z) = exp(z)/sum(exp(z)) for a vector z (PRML eq. (4.104)).
The gradient of log(1 + exp(u)) is then σ(u) as soon as it is built, and its Hessian
σ(u) ∘ σ(−u), as for softplus and the logistic loss.  Every factor involved is positive,
so the identities hold for every real u and every real exponent.  Read through ``expr``."""

from __future__ import annotations

from fractions import Fraction

from matdiff.engine import algebra
from matdiff.engine.nodes import Elementwise, Expr, Sum, ones


def one_plus_exp(d: Expr) -> Expr | None:
    """u, where d = 1 + exp(u)."""
    if isinstance(d, Sum) and len(d.terms) == 2:
        for t in d.terms:
            if isinstance(t, Elementwise) and t.fn == "exp" and ones(d.shape) in d.terms:
                return t.arg
    return None


def _sigmoid(u: Expr) -> Expr:
    from matdiff.engine.functions import elementwise  # built on algebra, as this module

    return elementwise("sigmoid", u)


def reciprocal(base: Expr, k: Fraction) -> Expr | None:
    """σ(−u), where base = 1 + exp(u) and k < 0: base to the power k is σ(−u) to the −k."""
    if k >= 0:
        return None
    u = one_plus_exp(base)
    return None if u is None else _sigmoid(algebra.neg(u))


def pair(powers: dict[Expr, Fraction]) -> bool:
    """In a product of powers (base → exponent, scalar or element-wise), eᵃᵘ σ(−u)ᵇ =
    σ(u)ᵏ e⁽ᵃ⁻ᵏ⁾ᵘ σ(−u)ᵇ⁻ᵏ and (1 + eᵘ)ᵃ σ(−u)ᵇ = (1 + eᵘ)ᵃ⁻ᵏ σ(−u)ᵇ⁻ᵏ with k = min(a, b),
    for a, b > 0.  Rewrites ``powers`` in place (zero exponents stay); whether it did."""
    changed = False
    again = True
    while again:  # each step lowers the exponents of exp and 1 + exp: it ends
        again = False
        for s, b in list(powers.items()):
            if not (b > 0 and isinstance(s, Elementwise) and s.fn == "sigmoid"):
                continue
            u = algebra.neg(s.arg)
            for f, a in list(powers.items()):
                if a <= 0:
                    continue
                if isinstance(f, Elementwise) and f.fn == "exp" and f.arg is u:
                    made: Expr | None = _sigmoid(u)
                elif one_plus_exp(f) is u:
                    made = None
                else:
                    continue
                k = min(a, b)
                powers[f] = a - k
                powers[s] = b - k
                if made is not None:
                    powers[made] = powers.get(made, Fraction(0)) + k
                again = changed = True
                break
            if again:
                break
    return changed


def softmax(chain: list[Expr], powers: dict[Expr, Fraction]) -> list[Expr]:
    """A product's chain with exp(z)·sum(exp(z))⁻¹ as softmax(z) (z a column; ``powers``,
    the product's scalars, loses the power −1 of the sum)."""
    if len(chain) == 1 and isinstance(chain[0], Elementwise) and chain[0].fn == "exp" \
            and chain[0].shape.is_column:  # fmt: skip
        total = algebra.sumall(chain[0])
        if powers.get(total, Fraction(0)) < 0:
            from matdiff.engine.functions import softmax  # built on algebra, as this module

            powers[total] += 1
            return [softmax(chain[0].arg)]
    return chain
