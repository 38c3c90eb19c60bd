"""The simplifier's search: a normal form, then the shortest factoring, by token cost.

One mechanism applies the rules of :mod:`matdiff.engine.rules`:

1. **expand** — bottom-up to a fixed point, every ``expand`` rule: products and Hadamard
   products distributed over sums, inverses of products split, traces rotated to one order,
   vec/Kronecker folded back, function identities towards σ and logsumexp.  The smart
   constructors then merge like terms and cancel (X X⁻¹ = I, x.^2 ∘ x = x.^3, …), so this is
   where ``σ∘(1 − y) − (1 − σ)∘y`` becomes ``σ − y``.  Bounded: past a size limit (the
   expansion of a product of long sums) this form is abandoned.
2. **fold** — bottom-up; at each sum a best-first search over *factorings* (a common left or
   right chain, a common middle, a common scalar or number, a common Hadamard factor, a sum
   whose terms are all present: ``S + P S = (I + P) S``), each candidate scored by
   :func:`~matdiff.engine.cost.cost`; then every ``fold`` rule, kept where it shortens.

:func:`simplify` returns the cheapest of the input, the old greedy factoring, the folded
input and the folded normal form, and repeats while that improves (a few rounds); the result
is remembered as its own simplification, so simplify is idempotent, and it never lengthens.
All of it runs under the engine's budget (``check_budget``: cancellation and the
derivation's time) and its own: past a second (or half the derivation's time left), or past
the size limit of the normal form, it returns the shortest form found so far.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from fractions import Fraction

from matdiff.engine import algebra
from matdiff.engine import expr as E
from matdiff.engine.cost import cost
from matdiff.engine.folds import sign_into_sum
from matdiff.engine.memo import Memo
from matdiff.engine.rules import EXPAND, FOLD
from matdiff.engine.simplify import _parts, factor_greedy

_GROWTH = 4  # the normal form may be this many times the input's size (plus _SLACK)
_SLACK = 200
_STEPS = 6  # sums explored per factoring search
_GROUPS = 8  # factorings tried per sum explored
_DEPTH = 2  # inner sums of a factoring searched this deep
_WORK = 40  # factorings built per simplification, at most
_SECONDS = 1.0  # past it, the best form found so far (the editor's budget is 2 s)
_ROUNDS = 4  # rounds while strictly cheaper; the result is remembered as a fixed point


class _TooBigError(Exception):
    pass


Key = tuple[int, int, int, str]
Put = Callable[[tuple[object, ...], int, Callable[[], E.Expr]], None]


def key(e: E.Expr) -> Key:
    """Cheaper first; then with transposes outside element-wise functions (tanh(Wx)ᵀ, as a
    person writes); then smaller; then the canonical order (sort keys are injective)."""
    return (cost(e), _inner_transposes(e), e.size, e.sort_key())


# Bounded memos (first in, first out): every key keeps its node, and so its tree, alive.
_STYLE: Memo[E.Expr, int] = Memo("engine.styles", 8192)


def _inner_transposes(e: E.Expr) -> int:
    got = _STYLE.get(e)
    if got is None:
        own = int(isinstance(e, E.Elementwise) and isinstance(e.arg, E.Transpose))
        got = _STYLE.put(e, own + sum(_inner_transposes(c) for c in e.children))
    return got


_MEMO: Memo[E.Expr, E.Expr] = Memo("engine.simplified", 8192)
_GENERATION = [E.generation()]


def simplify(e: E.Expr) -> E.Expr:
    if _GENERATION[0] != E.generation():
        _GENERATION[0] = E.generation()
        _MEMO.clear()
    got = _MEMO.get(e)
    if got is not None:
        return got
    left = E.time_left()  # at most half of what the derivation has left
    seconds = _SECONDS if left is None else min(_SECONDS, max(left, 0.0) / 2)
    stop = time.monotonic() + seconds
    cur = _once(e, stop)
    for _ in range(_ROUNDS):
        if time.monotonic() > stop:
            break
        nxt = _once(cur, stop)
        if key(nxt) >= key(cur):  # cur is its own simplification (it was a candidate)
            break
        cur = nxt
    # the result is its own simplification; also where a limit stopped the rounds early
    _MEMO.put(e, cur)
    _MEMO.put(cur, cur)
    return cur


def _once(e: E.Expr, stop: float) -> E.Expr:
    candidates = [e, factor_greedy(e)]
    folder = _Folder(stop)
    try:  # past the size limit or the time, the forms found so far
        candidates.append(folder.fold(e))
        normal = _Expander(_GROWTH * e.size + _SLACK, stop).expand(e)
        candidates.append(folder.fold(normal))
    except _TooBigError:
        pass
    best = min(candidates, key=key)
    flipped = sign_into_sum(best)  # a leading minus taken by a difference inside
    return flipped if flipped is not None and key(flipped) < key(best) else best


class _Expander:
    def __init__(self, limit: int, stop: float) -> None:
        self.limit = limit
        self.stop = stop
        self.memo: dict[E.Expr, E.Expr] = {}

    def expand(self, n: E.Expr) -> E.Expr:
        got = self.memo.get(n)
        if got is not None:
            return got
        _check(self.stop)
        out = E.rebuild(n, tuple(self.expand(c) for c in n.children)) if n.children else n
        if out.size > self.limit:
            raise _TooBigError
        for rule in EXPAND:
            r = rule.apply(out)
            if r is not None and r is not out:
                if r.size > self.limit:
                    raise _TooBigError
                out = self.expand(r)
                break
        self.memo[n] = out
        self.memo[out] = out
        return out


class _Folder:
    def __init__(self, stop: float) -> None:
        self.stop = stop
        self.memo: dict[E.Expr, E.Expr] = {}
        self.depth = 0  # factorings nested inside factorings
        self.work = 0  # candidate forms built: past _WORK, searches stop where they are

    def fold(self, n: E.Expr) -> E.Expr:
        got = self.memo.get(n)
        if got is not None:
            return got
        _check(self.stop)
        out = E.rebuild(n, tuple(self.fold(c) for c in n.children)) if n.children else n
        if isinstance(out, E.Sum):
            out = self.search(out)
        for _ in range(8):  # rules at this node while one shortens (its parts are folded)
            for rule in FOLD:
                r = rule.apply(out)
                if r is not None and r is not out and key(r) < key(out):
                    out = r
                    break
            else:
                break
        self.memo[n] = out
        self.memo[out] = out
        return out

    def search(self, s: E.Sum) -> E.Expr:
        """Best-first over factorings of ``s``, bounded; the cheapest form seen."""
        best: E.Expr = s
        frontier: list[tuple[Key, E.Expr]] = [(key(s), s)]
        seen: set[E.Expr] = {s}
        for _ in range(_STEPS):
            if not frontier or self.work > _WORK:
                break
            _, cur = heapq.heappop(frontier)
            for cand in self.factorings(cur):
                if cand in seen:
                    continue
                seen.add(cand)
                k = key(cand)
                if k < key(best):
                    best = cand
                heapq.heappush(frontier, (k, cand))
        return best

    def factorings(self, s: E.Expr) -> list[E.Expr]:
        if not isinstance(s, E.Sum):
            return []
        terms = s.terms
        # group → {term index: its remainder once the group's factor is out}, the
        # remainders computed only for the groups tried (thunks)
        groups: dict[tuple[object, ...], dict[int, Callable[[], E.Expr]]] = {}

        def put(g: tuple[object, ...], i: int, rest: Callable[[], E.Expr]) -> None:
            groups.setdefault(g, {}).setdefault(i, rest)

        for i, t in enumerate(terms):
            c, body = E.split_coef(t)
            scal, chain = _parts(t)
            if chain and not t.is_scalar:
                self._chain_groups(put, i, t, scal, chain)
            if isinstance(t, E.Prod):
                for k, f in enumerate(t.scalars):
                    put(
                        ("scal", f),
                        i,
                        lambda t=t, k=k: E.mul(  # type: ignore[misc]
                            E.num(t.coef), *t.scalars[:k], *t.scalars[k + 1 :], *t.chain
                        ),
                    )
                for f in t.scalars:  # a power shares its base: s⁻¹ out of s⁻¹a + s⁻²b
                    base, power = algebra._as_power(f)
                    if power.denominator == 1 and abs(power) > 1:
                        one = E.power(base, E.num(1 if power > 0 else -1))
                        put(
                            ("scal", one),
                            i,
                            lambda t=t, one=one: E.mul(  # type: ignore[misc]
                                t, E.power(one, E.num(-1))
                            ),
                        )
            elif t.is_scalar and not isinstance(t, E.Num):
                put(("scal", t), i, lambda: E.ONE_SCALAR)
            if abs(c) != 1:
                put(("num", abs(c)), i, lambda c=c, body=body: E.scale(c / abs(c), body))  # type: ignore[misc]
            # a Hadamard term, scalars included: s·(a ∘ b)
            had: E.Hadamard | None = None
            scal_had: E.Expr | None = None
            if isinstance(body, E.Hadamard):
                had, scal_had = body, E.num(c)
            elif len(chain) == 1 and isinstance(chain[0], E.Hadamard):
                had, scal_had = chain[0], scal
            if had is not None and scal_had is not None:
                fs = had.factors
                for k, f in enumerate(fs):
                    base, sign = _signless(f)  # (1 − a) and (a − 1) share a factor
                    signed = E.scale(sign, scal_had)
                    put(
                        ("had", base),
                        i,
                        lambda s=signed, fs=fs, k=k: E.mul(  # type: ignore[misc]
                            s, E.hadamard(*fs[:k], *fs[k + 1 :])
                        ),
                    )
                    _power_group(put, i, f, lambda g, s=scal_had, fs=fs, k=k: E.mul(  # type: ignore[misc]
                        s, E.hadamard(*fs[:k], g, *fs[k + 1 :])))  # fmt: skip
            elif not t.is_scalar and not isinstance(body, E.Const):
                put(("had", body), i, lambda c=c, t=t: E.scale(c, E.ones(t.shape)))  # type: ignore[misc]
                _power_group(put, i, body, lambda g, c=c: E.scale(c, g))  # type: ignore[misc]
                if len(chain) == 1 and body is not chain[0] and not isinstance(chain[0], E.Const):
                    # a scaled factor is a Hadamard factor too: s∘u − (sᵀu)s = s∘(u − (sᵀu)1)
                    f, sc = chain[0], scal
                    put(("had", f), i, lambda sc=sc, t=t: E.mul(sc, E.ones(t.shape)))  # type: ignore[misc]
                    _power_group(put, i, f, lambda g, sc=sc: E.mul(sc, g))  # type: ignore[misc]
        for i, t in enumerate(terms):  # S + P S = (I + P) S, with S's terms in the sum
            scal, chain = _parts(t)
            if len(chain) < 2:
                continue
            for side, f in (("subsuf", chain[-1]), ("subpre", chain[0])):
                if isinstance(f, E.Sum) and all(u in terms for u in f.terms):
                    eye = E.identity(f.shape.rows if side == "subsuf" else f.shape.cols)
                    zero = E.zeros(eye.shape)  # S's terms together give one I
                    members: dict[int, Callable[[], E.Expr]] = {
                        terms.index(u): (lambda x=(eye if k == 0 else zero): x)  # type: ignore[misc]
                        for k, u in enumerate(f.terms)
                    }
                    rest = chain[:-1] if side == "subsuf" else chain[1:]
                    members[i] = lambda scal=scal, rest=rest: E.mul(scal, *rest)  # type: ignore[misc]
                    groups[(side, f)] = members
        ranked = sorted(
            ((g, m) for g, m in groups.items() if len(m) >= 2),
            key=lambda gm: (-len(gm[1]), str(gm[0][0])),
        )
        out: list[E.Expr] = []
        for g, members in itertools.islice(ranked, _GROUPS):
            self.work += 1
            merged = self.merge(g, members, terms)
            others = [t for i, t in enumerate(terms) if i not in members]
            out.append(E.add(*others, merged) if others else merged)
        return out

    @staticmethod
    def _chain_groups(put: Put, i: int, t: E.Expr, scal: E.Expr, chain: tuple[E.Expr, ...]) -> None:
        """Common left chains, right chains, middles and whole chains of a term."""
        rows, cols = t.shape.rows, t.shape.cols
        n = len(chain)
        for p in range(1, n + 1):
            pre, post = chain[:p], chain[p:]
            put(
                ("pre", pre),
                i,
                lambda post=post: (
                    E.mul(scal, *post)
                    if post  # type: ignore[misc]
                    else E.mul(scal, E.identity(cols))
                ),
            )
            head, tail = chain[: n - p], chain[n - p :]
            put(
                ("suf", tail),
                i,
                lambda head=head: (
                    E.mul(scal, *head)
                    if head  # type: ignore[misc]
                    else E.mul(scal, E.identity(rows))
                ),
            )
        if n >= 2:
            for j in range(n):
                put(("pos", chain[:j], chain[j + 1 :]), i, lambda j=j: E.mul(scal, chain[j]))  # type: ignore[misc]
        put(("chain", chain), i, lambda: scal)

    def merge(
        self,
        g: tuple[object, ...],
        members: dict[int, Callable[[], E.Expr]],
        terms: tuple[E.Expr, ...],
    ) -> E.Expr:
        kind = g[0]
        negative = all(E.split_coef(terms[i])[0] < 0 for i in members)
        sign = Fraction(-1) if negative and kind not in ("subsuf", "subpre") else Fraction(1)
        inner = E.add(*(E.scale(sign, r()) for r in members.values()))
        if self.depth < _DEPTH:
            self.depth += 1
            try:
                inner = self.fold(inner)
            finally:
                self.depth -= 1
        if kind == "pre":
            pre = g[1]
            assert isinstance(pre, tuple)
            merged = E.mul(*pre, inner)
        elif kind == "suf":
            post = g[1]
            assert isinstance(post, tuple)
            merged = E.mul(inner, *post)
        elif kind == "pos":
            before, after = g[1], g[2]
            assert isinstance(before, tuple) and isinstance(after, tuple)
            merged = E.mul(*before, inner, *after)
        elif kind == "chain":
            chain = g[1]
            assert isinstance(chain, tuple)
            merged = E.mul(inner, *chain)
        elif kind == "num":
            c = g[1]
            assert isinstance(c, Fraction)
            merged = E.scale(c, inner)
        else:
            f = g[1]
            assert isinstance(f, E.Expr)
            if kind == "had":
                merged = E.hadamard(inner, f)
            elif kind in ("scal", "subpre"):
                merged = E.mul(f, inner)
            else:
                merged = E.mul(inner, f)
        return E.scale(sign, merged)


def _power_group(put: Put, i: int, f: E.Expr, rebuild: Callable[[E.Expr], E.Expr]) -> None:
    """An element-wise power shares its base: a out of a − a.^2 (a.^k = a ∘ a.^(k−1) for an
    integer k > 1, a.^-1 out of a.^k for k < −1); ``rebuild`` puts the rest in f's place."""
    if not (isinstance(f, E.Elementwise) and f.fn == "pow" and isinstance(f.param, E.Num)):
        return
    k = f.param.value
    if k.denominator == 1 and abs(k) > 1:
        one = E.num(1 if k > 0 else -1)
        rest = E.epow(f.arg, E.num(k - one.value))
        put(("had", E.epow(f.arg, one)), i, lambda: rebuild(rest))


def _signless(f: E.Expr) -> tuple[E.Expr, int]:
    """A sum or its negation, whichever sorts first, and the sign that gives f back."""
    if isinstance(f, E.Sum):
        g = E.add(*(E.neg(t) for t in f.terms))
        if g.sort_key() < f.sort_key():
            return g, -1
    return f, 1


def _check(stop: float) -> None:
    """The engine's budget (cancellation, the derivation's time), then the search's own."""
    E.check_budget()
    if time.monotonic() > stop:
        raise _TooBigError
