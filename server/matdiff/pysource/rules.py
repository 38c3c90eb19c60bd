"""How the reader translates each *meaning* of the table (``table.py``): one rule a meaning
(``MEANINGS``), and the token templates and broadcasting the rules share."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from matdiff.pysource.source import Frag, Shape, Tok, _dotted, _Refused, _ShapeError, _show

if TYPE_CHECKING:
    from matdiff.pysource.expressions import _ExpressionReader as _Reader


def _axis(reader: _Reader, node: ast.Call, args: list[ast.expr], ndim: int) -> int | None:
    kw = reader.keywords(node, ("axis", "dim", "keepdims"))
    if "keepdims" in kw:
        k = kw["keepdims"]
        if not (isinstance(k, ast.Constant) and k.value is False):
            raise _Refused(node, "keepdims=True")
    axis_node = kw.get("axis", kw.get("dim", args[1] if len(args) > 1 else None))
    if len(args) > 2:
        raise _Refused(node, f"'{_dotted(node.func)}' with {len(args)} arguments")
    if axis_node is None or (isinstance(axis_node, ast.Constant) and axis_node.value is None):
        return None
    if isinstance(axis_node, ast.UnaryOp) and isinstance(axis_node.op, ast.USub):
        inner = axis_node.operand
        if isinstance(inner, ast.Constant) and isinstance(inner.value, int):
            value = -inner.value
        else:
            raise _Refused(axis_node, f"the axis {ast.unparse(axis_node)}")
    elif isinstance(axis_node, ast.Constant) and isinstance(axis_node.value, int):
        value = axis_node.value
    else:
        raise _Refused(axis_node, f"the axis {ast.unparse(axis_node)}")
    if not -max(ndim, 1) <= value < max(ndim, 1):
        raise _Refused(axis_node, f"the axis {value} of a {ndim}-D array")
    return value % max(ndim, 1)


Rule = Callable[["_Reader", str, ast.Call, list[ast.expr], tuple[int, int], tuple[int, int]], Frag]


def _elementwise(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
                 at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    (x,) = r.arity(node, args, 1)
    f = meaning.split(":")[-1]
    return Frag(_template(f"{f} ( {{0}} )", [x], at, rng), x.shape, r.src.snippet(*rng), *rng)


def _square(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
            at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    (x,) = r.arity(node, args, 1)
    sym = ".^" if x.shape else "^"
    return Frag(_template(f"( {{0}} ) {sym} 2", [x], at, rng), x.shape, r.src.snippet(*rng), *rng)


def _reduce(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
            at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    if not args:
        raise _Refused(node, f"'{_dotted(node.func)}' without an argument")
    x = r.expr(args[0])
    axis = _axis(r, node, args, len(x.shape))
    src = r.src.snippet(*rng)
    shape: Shape
    if axis is None or len(x.shape) < 2:
        toks, shape = _template("sum ( {0} )", [x], at, rng), ()
        count = list(x.shape)
    elif axis == 0:
        toks = _template(f"( {{0}} ) ' * ones ( {x.shape[0]} )", [x], at, rng)
        shape, count = (x.shape[1],), [x.shape[0]]
    else:
        toks = _template(f"( {{0}} ) * ones ( {x.shape[1]} )", [x], at, rng)
        shape, count = (x.shape[0],), [x.shape[1]]
    if not x.shape:
        toks, shape, count = x.toks, (), []
    if meaning == "mean" and count:
        toks = [("(", rng[0], rng[0]), *toks, (")", at[1], at[1])]
        for c in count:
            toks += [("/", at[0], at[1]), (c, at[0], at[1])]
    return Frag(toks, shape, src, *rng)


def _one_square(what: str, name: str) -> Rule:
    def rule(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
             at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
        r.keywords(node, ())
        (x,) = r.arity(node, args, 1)
        r.square(what, x, at)
        shape = x.shape if name == "inv" else ()
        return Frag(_template(f"{name} ( {{0}} )", [x], at, rng), shape, r.src.snippet(*rng),
                    *rng)  # fmt: skip

    return rule


def _slogdet(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
             at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    raise _Refused(node, "slogdet(…) without [1] (its sign and log-determinant together)")


def _solve(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
           at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    a, b = r.arity(node, args, 2)
    r.square("inverse", a, at)
    if not b.shape or b.shape[0] != a.shape[1]:
        raise _ShapeError(at[0], at[1], f"cannot solve with {_show(a)} for {_show(b)}: "
                          "the right-hand side needs as many rows as the matrix")  # fmt: skip
    shape = (a.shape[0], *b.shape[1:])
    return Frag(_template("inv ( {0} ) * ( {1} )", [a, b], at, rng), shape, r.src.snippet(*rng),
                *rng)  # fmt: skip


def _binary_rule(op: str) -> Rule:
    def rule(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
             at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
        r.keywords(node, ())
        a, b = r.arity(node, args, 2)
        dot = (_dotted(node.func) or "").endswith("dot")
        if op == "@" and dot and (not a.shape or not b.shape):
            return r.binary("*", a, b, at, rng)  # np.dot of a scalar scales
        return r.binary(op, a, b, at, rng)

    return rule


def _transpose(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
               at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    (x,) = r.arity(node, args, 1)
    return r.transpose(x, at, rng)


def _outer(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
           at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    a, b = r.arity(node, args, 2)
    if len(a.shape) != 1 or len(b.shape) != 1:
        raise _Refused(node, "outer(…) of arrays that are not vectors")
    return Frag(_template("( {0} ) * ( {1} ) '", [a, b], at, rng), (a.shape[0], b.shape[0]),
                r.src.snippet(*rng), *rng)  # fmt: skip


def _kron(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
          at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    a, b = r.arity(node, args, 2)
    if len(a.shape) != 2 or len(b.shape) != 2:
        raise _Refused(node, "kron(…) of arrays that are not matrices")
    shape = (f"{a.shape[0]}*{b.shape[0]}", f"{a.shape[1]}*{b.shape[1]}")
    return Frag(_template("kron ( {0} , {1} )", [a, b], at, rng), shape, r.src.snippet(*rng),
                *rng)  # fmt: skip


def _diag(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
          at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    (x,) = r.arity(node, args, 1)
    if len(x.shape) == 1:
        shape: Shape = (x.shape[0], x.shape[0])
    else:
        r.square("diagonal", x, at)
        shape = (x.shape[0],)
    return Frag(_template("diag ( {0} )", [x], at, rng), shape, r.src.snippet(*rng), *rng)


def _constant(name: str) -> Rule:
    def rule(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
             at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
        r.keywords(node, ())
        sizes = list(args)
        if len(sizes) == 1 and isinstance(sizes[0], ast.Tuple):
            sizes = list(sizes[0].elts)
        if (name == "eye" and len(sizes) != 1) or not 1 <= len(sizes) <= 2:
            raise _Refused(node, f"'{_dotted(node.func)}' with these sizes")
        dims = [r.dim(d) for d in sizes]
        shape: Shape = (dims[0], dims[0]) if name == "eye" else tuple(dims)
        text = f"{name} ( {' , '.join(dims)} )"
        toks = [(w, at[0], at[1]) for w in text.split()]
        return Frag(toks, shape, r.src.snippet(*rng), *rng)

    return rule


def _norm(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
          at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    kw = r.keywords(node, ("ord", "p"))
    if len(args) > 1:
        kw["ord"] = args[1]
        args = args[:1]
    (x,) = r.arity(node, args, 1)
    o = kw.get("ord", kw.get("p"))
    value = None if o is None else (o.value if isinstance(o, ast.Constant) else "?")
    if (
        value is None
        or (value == 2 and len(x.shape) == 1)
        or (value == "fro" and len(x.shape) == 2)
    ):
        f = "norm2"
    elif value == 1 and len(x.shape) == 1:
        f = "norm1"
    else:
        raise _Refused(node, f"the norm with ord={ast.unparse(o) if o else None} of a "
                       f"{len(x.shape)}-D array")  # fmt: skip
    return Frag(_template(f"{f} ( {{0}} )", [x], at, rng), (), r.src.snippet(*rng), *rng)


def _maximum(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
             at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    r.keywords(node, ())
    a, b = r.arity(node, args, 2)
    if b.number == 0.0:
        x = a
    elif a.number == 0.0:
        x = b
    else:
        raise _Refused(node, "maximum(…) of two arrays (matdiff reads maximum(x, 0) as relu)")
    return Frag(_template("relu ( {0} )", [x], at, rng), x.shape, r.src.snippet(*rng), *rng)


def _vector_fn(r: _Reader, meaning: str, node: ast.Call, args: list[ast.expr],
               at: tuple[int, int], rng: tuple[int, int]) -> Frag:  # fmt: skip
    if not args:
        raise _Refused(node, f"'{_dotted(node.func)}' without an argument")
    x = r.expr(args[0])
    axis = _axis(r, node, args, len(x.shape))
    src = r.src.snippet(*rng)
    if len(x.shape) == 2 and not (meaning == "logsumexp" and axis is None):
        raise _Refused(node, f"{meaning} over an axis of a matrix")
    if not x.shape:
        raise _Refused(node, f"{meaning} of a scalar")
    if meaning == "logsumexp":
        inner = "vec ( {0} )" if len(x.shape) == 2 else "{0}"
        return Frag(_template(f"logsumexp ( {inner} )", [x], at, rng), (), src, *rng)
    if meaning == "softmax":
        return Frag(_template("softmax ( {0} )", [x], at, rng), x.shape, src, *rng)
    n = x.shape[0]
    t = f"( {{0}} ) - logsumexp ( {{0}} ) * ones ( {n} )"
    return Frag(_template(t, [x], at, rng), x.shape, src, *rng)


MEANINGS: dict[str, Rule] = {
    "elementwise": _elementwise,
    "relu": _elementwise,
    "sigmoid": _elementwise,
    "softplus": _elementwise,
    "square": _square,
    "sum": _reduce,
    "mean": _reduce,
    "trace": _one_square("trace", "tr"),
    "inv": _one_square("inverse", "inv"),
    "det": _one_square("determinant", "det"),
    "logdet": _one_square("log-determinant", "logdet"),
    "slogdet": _slogdet,
    "solve": _solve,
    "matmul": _binary_rule("@"),
    "add": _binary_rule("+"),
    "subtract": _binary_rule("-"),
    "multiply": _binary_rule("*"),
    "divide": _binary_rule("/"),
    "power": _binary_rule("**"),
    "transpose": _transpose,
    "outer": _outer,
    "kron": _kron,
    "diag": _diag,
    "eye": _constant("eye"),
    "ones": _constant("ones"),
    "zeros": _constant("zeros"),
    "norm": _norm,
    "maximum": _maximum,
    "softmax": _vector_fn,
    "logsumexp": _vector_fn,
    "log_softmax": _vector_fn,
}


def _template(template: str, operands: list[Frag], at: tuple[int, int],
              rng: tuple[int, int]) -> list[Tok]:  # fmt: skip
    """Tokens of ``template`` (space-separated; ``{i}`` an operand): the literal tokens
    before the first operand stand at the start of ``rng``, those after the last at its
    end, the others at the operator ``at``."""
    parts = template.split()
    slots = [i for i, p in enumerate(parts) if p.startswith("{") and p.endswith("}")]
    first, last = (slots[0], slots[-1]) if slots else (len(parts), -1)
    out: list[Tok] = []
    for i, p in enumerate(parts):
        if i in slots:
            out.extend(operands[int(p[1:-1])].toks)
        elif i < first:
            out.append((p, rng[0], rng[0]) if p == "(" else (p, at[0], at[1]))
        elif i > last:
            out.append((p, rng[1], rng[1]) if p == ")" else (p, at[0], at[1]))
        else:
            out.append((p, at[0], at[1]))
    return out


def _broadcast(a: Shape, b: Shape) -> Shape | None:
    """NumPy's broadcast shape where matdiff has a meaning for it, else None."""
    if not a:
        return b
    if not b:
        return a
    n = max(len(a), len(b))
    pa, pb = ("1",) * (n - len(a)) + a, ("1",) * (n - len(b)) + b
    out = []
    for x, y in zip(pa, pb, strict=True):
        if x == y or y == "1":
            out.append(x)
        elif x == "1":
            out.append(y)
        else:
            return None
    return tuple(out)


def _expand(f: Frag, shape: Shape, at: tuple[int, int]) -> Frag:
    """``f`` broadcast to ``shape`` as matdiff writes it (ones(m)*v' for a row, …)."""
    if f.shape == shape:
        return f
    src = f.src
    if not f.shape:
        dims = " , ".join(shape)
        return Frag(_template(f"( {{0}} ) * ones ( {dims} )", [f], at, (f.start, f.end)),
                    shape, src, f.start, f.end)  # fmt: skip
    m, n = shape
    fs: Shape = ("1", *f.shape) if len(f.shape) == 1 else f.shape
    if fs == ("1", "1"):
        t = f"( {{0}} ) * ones ( {m} , {n} )"
    elif len(f.shape) == 1:
        t = f"ones ( {m} ) * ( {{0}} ) '"
    elif fs[0] == "1":
        t = f"ones ( {m} ) * ( {{0}} )"
    else:
        t = f"( {{0}} ) * ones ( {n} ) '"
    toks = [(w, at[0], at[1]) for w in t.split()[: t.split().index("{0}")]]
    rest = t.split()[t.split().index("{0}") + 1 :]
    toks = toks + f.toks + [(w, at[0], at[1]) for w in rest]
    return Frag(toks, shape, src, f.start, f.end)
