"""Declared functions (LANGUAGE.md §9): functions a document names but does not define.

- ``σ : elementwise`` — any element-wise function.  σ(X) is an :class:`~E.Elementwise` node
  whose ``fn`` is the name; its derivative σ' is the element-wise function ``d_σ`` (and σ''
  ``d_d_σ``), so d σ(X) = σ'(X) ∘ dX (eq. (19)) is the element-wise rule with one more row.
- ``l : function(vector(m))`` (or of a scalar or a matrix) — any scalar function of one
  argument.  l(y), its gradient ∇l(y) (shaped like y) and its Hessian ∇²l(y) (over vec y)
  are :class:`~E.Unary` nodes whose op is ``"0:l"``, ``"1:l"``, ``"2:l"``: built-in ops
  never hold a colon.  d l(y) = ∇l(y)ᵀdy (a vector), tr(∇l(Y)ᵀdY) (a matrix);
  d ∇l(y) = ∇²l(y) dy (over vec for a matrix).

The caller supplies the functions: in code under their dsl names (``d_σ``, ``grad_l``,
``hess_l``), to :func:`evaluate` as ``env["fn:" + name]``.  Without one, the numeric check
uses a stand-in (tanh for an element-wise function, Σ softplus for a scalar one), whose
derivatives are known, so derivatives with declared functions are still checked by numbers.
"""

from __future__ import annotations

from collections.abc import Callable

from matdiff.engine import expr as E
from matdiff.engine.shape import SCALAR, Shape

PREFIXES = ("", "grad_", "hess_")  # dsl names of l, ∇l, ∇²l
TEXT_PREFIXES = ("", "∇", "∇²")
LATEX_PREFIXES = ("", "\\nabla ", "\\nabla^2 ")
# the built-in element-wise functions (base.language.ELEMENTWISE): any other ``fn`` of an
# Elementwise node but ``pow`` is a declared function or one of its derivatives
BUILTIN_ELEMENTWISE = frozenset((
    "exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "tanh", "sqrt",
    "abs", "sigmoid", "relu", "softplus", "step", "sign",
))  # fmt: skip


def is_declared_fn(fn: str) -> bool:
    """Is an Elementwise node's ``fn`` a declared σ (or d_σ, d_d_σ)?"""
    return fn not in BUILTIN_ELEMENTWISE and fn != "pow"


def is_declared_op(op: str) -> bool:
    return ":" in op


def split_op(op: str) -> tuple[int, str]:
    order, name = op.split(":", 1)
    return int(order), name


def hessian_shape(arg: Shape) -> Shape:
    if arg.is_scalar:
        return SCALAR
    return Shape(arg.size, arg.size)


def apply(name: str, order: int, arg: E.Expr) -> E.Expr:
    """l(arg) (order 0), ∇l(arg) (1) or ∇²l(arg) (2) for a declared scalar function l."""
    shape = (SCALAR, arg.shape, hessian_shape(arg.shape))[order]
    return E.unary(f"{order}:{name}", arg, shape)


def dsl_name(op: str) -> str:
    order, name = split_op(op)
    return PREFIXES[order] + name


def text_name(op: str) -> str:
    order, name = split_op(op)
    return TEXT_PREFIXES[order] + name


def latex_parts(op: str) -> tuple[str, str]:
    """(``\\nabla ``, ``l``) for ∇l: the LaTeX prefix of l, ∇l, ∇²l and the name."""
    order, name = split_op(op)
    return LATEX_PREFIXES[order], name


def split_primes(fn: str) -> tuple[str, int]:
    """``d_d_σ`` → (``σ``, 2)."""
    primes = 0
    while fn.startswith("d_"):
        fn, primes = fn[2:], primes + 1
    return fn, primes


def prime_text(fn: str) -> str:
    """``d_d_σ`` → ``σ''``: the text form of an element-wise derivative's name."""
    base, primes = split_primes(fn)
    return base + "'" * primes


def differential(e: E.Unary, d: Callable[[E.Expr], E.Expr]) -> E.Expr:
    """The differential of l(y), ∇l(y) (see the module docstring)."""
    order, name = split_op(e.op)
    y = e.arg
    dy = d(y)
    if E.is_zero(dy):
        return E.zeros(e.shape)
    if order == 0:
        g = apply(name, 1, y)
        if y.is_scalar:
            return E.mul(g, dy)
        if y.shape.is_column:
            return E.mul(E.transpose(g), dy)
        return E.trace(E.mul(E.transpose(g), dy))
    if order == 1:
        h = apply(name, 2, y)
        if y.is_scalar or y.shape.is_column:
            return E.mul(h, dy)
        return E.unvec(E.mul(h, E.vec(dy)), y.shape)
    raise E.EngineError(f"third derivatives of the declared function '{name}' are not supported")
