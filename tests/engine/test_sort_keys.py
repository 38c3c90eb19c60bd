"""Canonical means canonical: sort keys are injective, so the order of the operands of a sum
(and of a scalar product) never shows in the node built (hypothesis over random IR); names
with digits sort by number (P1, P2, P10), and that ordering is injective too; and a
product's chain holds matrices only."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from matdiff.engine import expr as E
from matdiff.engine.nodes import natural
from matdiff.engine.printer import to_dsl
from matdiff.engine.shape import SCALAR, Shape

SQ = Shape.of("n", "n")
COL = Shape.of("n", 1)
X = E.var("X", SQ)
A = E.var("A", SQ, {"const"})
S = E.var("S", SQ, {"symmetric"})
x = E.var("x", COL)
s = E.var("s", SCALAR)
t = E.var("t", SCALAR)
P1, P2, P10 = (E.var(f"P{i}", SQ) for i in (1, 2, 10))
NUMBERS = st.sampled_from(
    [Fraction(1, 3), Fraction(1, 2), Fraction(-2), Fraction(3), Fraction(2, 7)]
)
FUNCTIONS = st.sampled_from(["exp", "tanh", "sigmoid", "sin", "log"])


@st.composite
def matrix(draw: st.DrawFn, depth: int = 3) -> E.Expr:
    """A random n×n expression over every kind of node, built by the smart constructors."""
    if depth <= 0 or draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from([X, A, S, P1, P2, P10, E.identity(SQ.rows), E.ones(SQ),
                                     E.diag(x), E.mul(x, E.transpose(E.ones(COL)))]))  # fmt: skip
    a = draw(matrix(depth - 1))
    match draw(st.integers(0, 9)):
        case 0:
            return E.add(a, draw(matrix(depth - 1)))
        case 1:
            return E.mul(a, draw(matrix(depth - 1)))
        case 2:
            return E.transpose(a)
        case 3:
            return E.hadamard(a, draw(matrix(depth - 1)))
        case 4:  # an element-wise power with an exact (possibly fractional) exponent
            return E.epow(a, E.num(draw(NUMBERS)))
        case 5:
            return E.elementwise(draw(FUNCTIONS), a)
        case 6:
            return E.mul(draw(scalar(depth - 1)), a)
        case 7:
            return E.inv(E.add(E.identity(SQ.rows), a))
        case 8:
            return E.derivative_of(a, draw(st.sampled_from([X, S])))
        case _:
            return E.mul(E.num(draw(NUMBERS)), a)


@st.composite
def scalar(draw: st.DrawFn, depth: int = 3) -> E.Expr:
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from([s, t, E.num(draw(NUMBERS))]))
    match draw(st.integers(0, 6)):
        case 0:
            return E.trace(draw(matrix(depth - 1)))
        case 1:
            return E.power(draw(scalar(depth - 1)), E.num(draw(NUMBERS)))
        case 2:
            return E.add(draw(scalar(depth - 1)), draw(scalar(depth - 1)))
        case 3:
            return E.mul(E.transpose(x), draw(matrix(depth - 1)), x)
        case 4:
            return E.elementwise(draw(FUNCTIONS), draw(scalar(depth - 1)))
        case 5:
            return E.det(draw(matrix(depth - 1)))
        case _:
            return E.sumall(E.epow(draw(matrix(depth - 1)), E.num(draw(NUMBERS))))


@settings(max_examples=300, deadline=None)
@given(matrix(), matrix())
def test_sum_is_commutative_by_identity(a: E.Expr, b: E.Expr) -> None:
    assert E.add(a, b) is E.add(b, a)


@settings(max_examples=300, deadline=None)
@given(scalar(), scalar())
def test_scalar_product_is_commutative_by_identity(a: E.Expr, b: E.Expr) -> None:
    assert E.mul(a, b) is E.mul(b, a)


@settings(max_examples=200, deadline=None)
@given(matrix(), matrix())
def test_equal_keys_mean_the_same_node(a: E.Expr, b: E.Expr) -> None:
    assert (a.sort_key() == b.sort_key()) == (a is b)


@settings(max_examples=300, deadline=None)
@given(st.lists(matrix(1), min_size=2, max_size=5), matrix())
def test_a_products_chain_holds_matrices(factors: list[E.Expr], b: E.Expr) -> None:
    """Scalars (numbers, 1ᵀx) are a product's coefficient or scalar factors, never in its
    chain, and chains are flat (the rewrites of ``engine/chains.py`` keep this)."""
    for node in E.walk(E.mul(*factors, b, x)):
        if isinstance(node, E.Prod):
            assert not any(f.is_scalar or isinstance(f, E.Prod) for f in node.chain), node


def test_the_cases_of_the_issue() -> None:
    assert E.add(E.epow(X, E.num(2)), E.epow(X, E.num(3))) is E.add(
        E.epow(X, E.num(3)), E.epow(X, E.num(2))
    )
    third, close = E.mul(E.num(Fraction(1, 3)), s), E.mul(E.num(Fraction(333333, 1000000)), s)
    assert E.add(E.power(third, t), E.power(close, t)) is E.add(
        E.power(close, t), E.power(third, t)
    )
    assert E.derivative_of(E.mul(X, S), X).sort_key() != E.derivative_of(E.mul(X, S), S).sort_key()


# names as the language allows them: letters, ASCII and subscript digits, _
NAMES = st.text(st.sampled_from("aPW_019₀₁₉"), min_size=1, max_size=8)


@settings(max_examples=500, deadline=None)
@given(NAMES, NAMES)
def test_natural_order_is_injective(a: str, b: str) -> None:
    assert (natural(a) == natural(b)) == (a == b)
    assert (E.var(a, SQ).sort_key() == E.var(b, SQ).sort_key()) == (a == b)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("aPW_"), min_size=1, max_size=3), st.integers(0, 10**6),
       st.integers(0, 10**6))  # fmt: skip
def test_digits_sort_by_number(stem: str, i: int, j: int) -> None:
    a, b = natural(f"{stem}{i}"), natural(f"{stem}{j}")
    assert (a < b) == (i < j)
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    a, b = natural(f"{stem}{i}".translate(sub)), natural(f"{stem}{j}".translate(sub))
    assert (a < b) == (i < j)


def test_sums_list_numbered_names_in_order() -> None:
    names = ["P10", "P2", "P1", "P11", "P3", "P20"]
    total = E.add(*(E.var(n, SQ) for n in names))
    assert to_dsl(total) == "P1 + P2 + P3 + P10 + P11 + P20"
    subs = ["W₁₀", "W₂", "W₁"]
    assert to_dsl(E.add(*(E.var(n, SQ) for n in subs))) == "W₁ + W₂ + W₁₀"
