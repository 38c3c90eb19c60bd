"""Rewrites beyond the smart constructors, to make results read like a person wrote them.

The constructors already merge like terms, push transposes to the leaves and fold
constants.  :func:`simplify` returns the shortest (by the ``dsl`` token count,
``engine/cost.py``) of a few equal forms: the greedy factoring below, and the search of
``engine/search.py`` (a normal form by the rules of ``engine/rules.py``, then common factors
out of sums, chosen by cost).  The search is imported on first use, so checking a document
never pays for it.  It is idempotent: the chosen form is its own simplification.

:func:`factor_greedy` is the old pass: terms that agree in every factor but one are written
once, with the differing factors summed (``A x + Aᵀ x`` → ``(A + Aᵀ) x``, ``X W S + X W Sᵀ``
→ ``X W (S + Sᵀ)``, ``a ∘ c − b ∘ c`` → ``(a − b) ∘ c``), largest group first, bottom-up.
"""

from __future__ import annotations

from matdiff.engine import expr as E


def simplify(e: E.Expr) -> E.Expr:
    """The shortest equal form found, never longer than :func:`factor_greedy`'s."""
    from matdiff.engine import search

    return search.simplify(e)


def factor_greedy(e: E.Expr) -> E.Expr:
    memo: dict[int, E.Expr] = {}

    def go(n: E.Expr) -> E.Expr:
        got = memo.get(id(n))
        if got is None:
            E.check_budget()
            kids = tuple(go(c) for c in n.children)
            got = E.rebuild(n, kids) if n.children else n
            if isinstance(got, E.Sum):
                got = _factor(got)
            memo[id(n)] = got
        return got

    # Rebuilding a node through the constructors can create sub-expressions that this pass
    # never visited (a product distributed or transposed into a new sum), so run to a fixed
    # point: that is what makes simplify idempotent.  It converges in two or three passes.
    out = go(e)
    for _ in range(8):
        memo.clear()
        again = go(out)
        if again is out:
            break
        out = again
    return out


def _parts(t: E.Expr) -> tuple[E.Expr, tuple[E.Expr, ...]]:
    """A term as (scalar part, chain)."""
    if isinstance(t, E.Prod) and t.chain:
        return E.mul(E.num(t.coef), *t.scalars), t.chain
    if t.is_scalar:
        return t, ()
    return E.ONE_SCALAR, (t,)


def _without(t: E.Expr, others: tuple[E.Expr, ...]) -> E.Expr:
    """The Hadamard factor of term ``t`` that is not among ``others``, with t's coefficient."""
    c, body = E.split_coef(t)
    assert isinstance(body, E.Hadamard)
    rest = list(body.factors)
    for o in others:
        rest.remove(o)
    (left,) = rest
    return E.scale(c, left)


def _factor(s: E.Sum) -> E.Expr:
    terms = list(s.terms)
    while True:
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, t in enumerate(terms):
            _, chain = _parts(t)
            if len(chain) >= 2:
                for j in range(len(chain)):
                    pos: tuple[object, ...] = ("pos", chain[:j], chain[j + 1 :], j)
                    groups.setdefault(pos, []).append(i)
            if chain and not t.is_scalar:
                groups.setdefault(("chain", chain), []).append(i)
            _, body = E.split_coef(t)
            if isinstance(body, E.Hadamard):  # a∘c + b∘c → (a + b)∘c
                fs = body.factors
                for j in range(len(fs)):
                    groups.setdefault(("had", fs[:j] + fs[j + 1 :]), []).append(i)
        best = max(
            (g for g in groups.items() if len(g[1]) >= 2), key=lambda g: len(g[1]), default=None
        )
        if best is None:
            break
        key, members = best
        picked = [terms[i] for i in members]
        sign = -1 if all(E.split_coef(t)[0] < 0 for t in picked) else 1
        if key[0] == "had":
            others = key[1]
            assert isinstance(others, tuple)
            inner = E.add(*(E.scale(sign, _without(t, others)) for t in picked))
            merged = E.scale(sign, E.hadamard(inner, *others))
        elif key[0] == "chain":
            common = key[1]
            assert isinstance(common, tuple)
            inner = E.add(*(E.scale(sign, _parts(t)[0]) for t in picked))
            merged = E.scale(sign, E.mul(inner, *common))
        else:
            _, before, after, at = key
            assert isinstance(before, tuple) and isinstance(after, tuple) and isinstance(at, int)
            inner = E.add(*(E.mul(E.scale(sign, _parts(t)[0]), _parts(t)[1][at]) for t in picked))
            merged = E.scale(sign, E.mul(*before, inner, *after))
        terms = [t for i, t in enumerate(terms) if i not in members] + [merged]
        if len(terms) == 1:
            return terms[0]
    return E.add(*terms)
