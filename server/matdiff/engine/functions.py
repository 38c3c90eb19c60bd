"""The IR's functions: element-wise functions and the matrix functions (tr, det, inv, …)
as smart constructors, and rebuilding a node with new children.  Read through ``expr``."""

from __future__ import annotations

from matdiff.engine.algebra import (
    add,
    dim_value,
    epow,
    hadamard,
    kron,
    mul,
    power,
    scale,
    split_coef,
    transpose,
)
from matdiff.engine.nodes import (
    ONE_SCALAR,
    Const,
    Derivative,
    Elementwise,
    Expr,
    Hadamard,
    Kron,
    Num,
    Power,
    Prod,
    Sum,
    Transpose,
    Unary,
    Var,
    _const,
    _intern,
    differential,
    identity,
    is_identity,
    num,
    ones,
    unary,
    zeros,
)
from matdiff.engine.shape import SCALAR, Dim, Shape


def positive(e: Expr) -> bool:
    """Known to be positive entry by entry."""
    if isinstance(e, Num):
        return e.value > 0
    if isinstance(e, Const):
        return e.name == "ones"
    if isinstance(e, Elementwise):
        if e.fn == "pow":
            return positive(e.arg)
        from matdiff.engine.ops import ELEMENTWISE  # the operation table builds on this module

        return ELEMENTWISE[e.fn].positive
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
    if isinstance(x, Const) and x.name == "ones":  # Jᵏ = nᵏ⁻¹J for J = ones(n, n)
        return mul(power(dim_value(x.shape.rows), num(k - 1)), x)
    return unary("matpow", x, x.shape, k)


def diagonal(e: Expr) -> bool:
    """Known to be a diagonal matrix: declared so, I, diag(x), and what products, sums,
    transposes, inverses and powers of diagonal matrices (or a Hadamard product with one)
    make."""
    if isinstance(e, Var):
        return "diagonal" in e.props
    if isinstance(e, Const):
        return e.name in ("eye", "zeros") and e.shape.is_square
    if isinstance(e, Transpose):
        return diagonal(e.arg)
    if isinstance(e, Unary):
        return e.op == "diag" or (e.op in ("inv", "matpow", "adj") and diagonal(e.arg))
    if isinstance(e, Prod):
        return bool(e.chain) and all(diagonal(f) for f in e.chain)
    if isinstance(e, Sum):
        return all(diagonal(t) for t in e.terms)
    if isinstance(e, Hadamard):
        return any(diagonal(f) for f in e.factors)
    return False


def diag(v: Expr) -> Expr:
    """Vector → diagonal matrix."""
    if v.is_scalar:
        return v
    if v.shape.is_row:
        v = transpose(v)
    if isinstance(v, Const) and v.name == "ones":
        return identity(v.shape.rows)
    if isinstance(v, Unary) and v.op == "diagpart" and diagonal(v.arg):
        return v.arg  # diag(diag(D)) = D for a diagonal D
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
        from matdiff.engine.ops import UNARY  # the operation table builds on this module

        row = UNARY.get(e.op)  # none: a declared function (engine.declared)
        if row is None:
            return unary(e.op, kids[0], e.shape)
        assert row.build is not None, e.op
        return row.build(kids[0])
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
