"""Naming repeated parts of an expression (``… where r = Wx + b``, LANGUAGE.md §9): the
largest parts used twice or more, replaced by fresh names.  Read through ``printer``."""

from __future__ import annotations

from collections.abc import Container

from matdiff.engine import expr as E

_SCALAR_NAMES = ("c", "k", "a", "g")
_VECTOR_NAMES = ("r", "u", "v", "z", "q", "w", "s")
_MATRIX_NAMES = ("R", "M", "N", "Q", "U", "V", "Z")
_ALL_NAMES = _SCALAR_NAMES + _VECTOR_NAMES + _MATRIX_NAMES


def name_repeated(
    e: E.Expr, taken: Container[str] = frozenset(), min_size: int = 4, most: int = 3
) -> tuple[E.Expr, list[tuple[str, E.Expr]]]:
    """``e`` with its largest repeated parts (of ``min_size`` nodes or more, used at least
    twice, a transposed use counting for the part) replaced by fresh names not in ``taken``:
    the new expression and the (name, part) pairs, outermost first.  Remembered per
    expression and set of unavailable names (hovers ask again and again)."""
    blocked = frozenset(c for c in _ALL_NAMES if c in taken)
    key = (e, blocked)
    got = _NAMED.get(key)
    if got is None or _NAMED_GENERATION[0] != E.generation():
        if _NAMED_GENERATION[0] != E.generation() or len(_NAMED) > 1024:
            _NAMED.clear()
            _NAMED_GENERATION[0] = E.generation()
        got = _NAMED[key] = _name_repeated(e, blocked, min_size, most)
    return got


_NAMED: dict[tuple[E.Expr, frozenset[str]], tuple[E.Expr, list[tuple[str, E.Expr]]]] = {}
_NAMED_GENERATION = [E.generation()]


def _name_repeated(
    e: E.Expr, blocked: frozenset[str], min_size: int, most: int
) -> tuple[E.Expr, list[tuple[str, E.Expr]]]:
    taken = set(blocked) | {n.name for n in E.walk(e) if isinstance(n, E.Var)}
    named: list[tuple[str, E.Expr]] = []
    for _ in range(most):
        order = E.walk(e)  # children first; occurrences flow from parents to children
        counts: dict[int, int] = {id(e): 1}
        for n in reversed(order):
            for c in n.children:
                counts[id(c)] = counts.get(id(c), 0) + counts.get(id(n), 0)
        repeated = [
            n
            for n in order
            if counts.get(id(n), 0) >= 2
            and n.size >= min_size
            and not isinstance(n, E.Transpose | E.Derivative)
            and not any(v.startswith("d:") for v in n.free)
        ]
        if not repeated:
            break
        part = max(repeated, key=lambda n: (n.size, n.sort_key()))
        pool = (
            _SCALAR_NAMES
            if part.is_scalar
            else _VECTOR_NAMES
            if part.shape.is_vector
            else _MATRIX_NAMES
        )
        name = next((c for c in pool if c not in taken), None)
        if name is None:
            break
        taken.add(name)
        props = {"symmetric"} if part.shape.is_square and E.symmetric(part) else set()
        stand_in = E.var(name, part.shape, props | {"const"})
        e = E.substitute(e, {part: stand_in})
        named.append((name, part))
    return e, named
