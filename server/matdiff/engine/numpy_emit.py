"""IR → one NumPy, PyTorch or JAX expression (LANGUAGE.md §6).

Vectors are 1-D arrays, scalars floats, matrices 2-D; a column times a row is ``np.outer``;
vec is column-major.  Each node is emitted with its *kind* — ``s`` scalar, ``c``/``r`` a 1-D
array standing for a column/row, ``m`` a 2-D array — so products pick the right operation.

Every sub-expression used more than once is computed once: bound with ``:=`` at its first use
(``(X_inv := np.linalg.inv(X)).T + A.T @ X_inv.T``), so the output stays one expression, or
as an assignment in a function body (``statements``).  Transposes are views: what is shared
is the matrix under them.  The functions that overflow when written naively are written the
stable way: sigmoid, softmax and logsumexp through ``np.logaddexp`` (shifted by the max),
log σ(z) = −log(1 + e⁻ᶻ), log(1 − σ(z)) = −log(1 + eᶻ), log softmax(z) = z − logsumexp(z).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from matdiff.engine import declared
from matdiff.engine import expr as E
from matdiff.engine.printer import DSL, coef_text
from matdiff.engine.pynames import python_name
from matdiff.engine.shape import Dim, Shape


@dataclass(frozen=True)
class Backend:
    """How one array library spells each operation (``{0}``, ``{1}``… are operands)."""

    name: str
    prefixes: tuple[str, ...]  # a call starting with one of these is one operand
    fn: dict[str, str]  # element-wise functions
    op: dict[str, str]


_NP_FN = {f: f"np.{f}({{0}})" for f in (
    "exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "tanh", "sqrt", "abs",
    "sign")}  # fmt: skip

# In the templates ``{0}`` is the operand, ``{-0}`` its negation; an operand used more than
# once is computed once (bound to a name first).
NUMPY = Backend(
    "numpy",
    ("np.",),
    _NP_FN | {
        "sigmoid": "np.exp(-np.logaddexp(0, {-0}))",  # 1/(1 + e⁻ᶻ) without overflow
        "relu": "np.maximum({0}, 0)",
        "softplus": "np.logaddexp(0, {0})",
        "step": "np.heaviside({0}, 0.0)",
    },
    {
        "tr": "np.trace({0})", "det": "np.linalg.det({0})",
        "logdet": "np.linalg.slogdet({0})[1]", "inv": "np.linalg.inv({0})",
        "matpow": "np.linalg.matrix_power({0}, {1})", "diag": "np.diag({0})",
        "vec": '{0}.reshape(-1, order="F")', "unvec": '{0}.reshape(({1}, {2}), order="F")',
        "sum": "np.sum({0})", "norm2": "np.linalg.norm({0})", "norm1": "np.sum(np.abs({0}))",
        "softmax": "np.exp({0} - np.logaddexp.reduce({0}, axis=None))",
        "logsumexp": "np.logaddexp.reduce({0}, axis=None)",
        "log_sigmoid": "-np.logaddexp(0, {-0})", "log1m_sigmoid": "-np.logaddexp(0, {0})",
        "log_softmax": "{0} - np.logaddexp.reduce({0}, axis=None)",
        # a batch (§9): the softmax and logsumexp of each column of a matrix
        "softmax_columns": "np.exp({0} - np.logaddexp.reduce({0}, axis=0))",
        "logsumexp_columns": "np.logaddexp.reduce({0}, axis=0)",
        "log_softmax_columns": "{0} - np.logaddexp.reduce({0}, axis=0)",
        "outer": "np.outer({0}, {1})", "kron": "np.kron({0}, {1})", "eye": "np.eye({0})",
        "ones": "np.ones({0})", "zeros": "np.zeros({0})",
        "commutation": "np.eye({0}*{1})[np.arange({0}*{1}).reshape({1}, {0}).T.reshape(-1)]",
    },
)  # fmt: skip

TORCH = Backend(
    "torch",
    ("torch.",),
    {f: f"torch.{f}({{0}})" for f in (
        "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sign", "sigmoid", "relu")}
    | {
        "arcsin": "torch.asin({0})", "arccos": "torch.acos({0})", "arctan": "torch.atan({0})",
        "softplus": "torch.nn.functional.softplus({0})",
        "step": "torch.heaviside({0}, torch.zeros_like({0}))",
    },
    {
        "tr": "torch.trace({0})", "det": "torch.linalg.det({0})",
        "logdet": "torch.linalg.slogdet({0})[1]", "inv": "torch.linalg.inv({0})",
        "matpow": "torch.linalg.matrix_power({0}, {1})", "diag": "torch.diag({0})",
        "vec": "{0}.T.reshape(-1)", "unvec": "{0}.reshape({2}, {1}).T",
        "sum": "torch.sum({0})", "norm2": "torch.linalg.norm({0})",
        "norm1": "torch.sum(torch.abs({0}))", "softmax": "torch.softmax({0}, 0)",
        "logsumexp": "torch.logsumexp({0}.reshape(-1), 0)",
        "log_sigmoid": "torch.nn.functional.logsigmoid({0})",
        "log1m_sigmoid": "torch.nn.functional.logsigmoid({-0})",
        "log_softmax": "torch.log_softmax({0}, 0)",
        "softmax_columns": "torch.softmax({0}, 0)", "logsumexp_columns": "torch.logsumexp({0}, 0)",
        "log_softmax_columns": "torch.log_softmax({0}, 0)",
        "outer": "torch.outer({0}, {1})",
        "kron": "torch.kron({0}.contiguous(), {1}.contiguous())",  # torch.kron fails on views
        "eye": "torch.eye({0})", "ones": "torch.ones({0})", "zeros": "torch.zeros({0})",
        "commutation":
            "torch.eye({0}*{1})[torch.arange({0}*{1}).reshape({1}, {0}).T.reshape(-1)]",
    },
)  # fmt: skip

JAX = Backend(
    "jax",
    ("jnp.", "jax."),
    {f: t.replace("np.", "jnp.") for f, t in _NP_FN.items()} | {
        "sigmoid": "jax.nn.sigmoid({0})", "relu": "jax.nn.relu({0})",
        "softplus": "jax.nn.softplus({0})", "step": "jnp.heaviside({0}, 0.0)",
    },
    {k: v.replace("np.", "jnp.") for k, v in NUMPY.op.items()} | {
        "softmax": "jax.nn.softmax({0})", "logsumexp": "jax.nn.logsumexp({0})",
        "log_sigmoid": "jax.nn.log_sigmoid({0})", "log1m_sigmoid": "jax.nn.log_sigmoid({-0})",
        "log_softmax": "jax.nn.log_softmax({0})",
        "softmax_columns": "jax.nn.softmax({0}, axis=0)",
        "logsumexp_columns": "jax.nn.logsumexp({0}, axis=0)",
        "log_softmax_columns": "jax.nn.log_softmax({0}, axis=0)",
    },
)  # fmt: skip

BACKENDS = {b.name: b for b in (NUMPY, TORCH, JAX)}


def kind(shape: Shape) -> str:
    if shape.is_scalar:
        return "s"
    if shape.is_column:
        return "c"
    if shape.is_row:
        return "r"
    return "m"


def dim_code(d: Dim) -> str:
    return d.text("*")


def shape_code(shape: Shape) -> str:
    k = kind(shape)
    if k in "cr":
        return dim_code(shape.rows if k == "c" else shape.cols)
    return f"({dim_code(shape.rows)}, {dim_code(shape.cols)})"


class _Emitter:
    """Emits expressions; a sub-expression used more than once is bound once, inline with
    ``:=`` (one expression), or as an assignment in ``lines`` (``hoist``: function bodies)."""

    def __init__(self, roots: list[E.Expr], backend: Backend, hoist: bool = False,
                 reserved: Iterable[str] = ()) -> None:  # fmt: skip
        self.b = backend
        self.hoist = hoist
        self.lines: list[str] = []
        counts: Counter[int] = Counter()
        for root in roots:
            for n in _all_occurrences(root):
                counts[id(n)] += 1
        self.shared = {i for i, c in counts.items() if c > 1}
        self.bound: dict[int, str] = {}
        self.taken = _names(roots) | set(reserved)

    def __call__(self, e: E.Expr) -> str:
        if id(e) in self.bound:
            return self.bound[id(e)]
        code = self.emit(e)
        if id(e) in self.shared and not _cheap(e):
            return self.bind(e, code)
        return code

    def bind(self, e: E.Expr, code: str) -> str:
        """Name ``e`` (emitted as ``code``): the code for its first use."""
        name = self.fresh(e)
        self.bound[id(e)] = name
        if self.hoist:
            self.lines.append(f"{name} = {code}")
            return name
        return f"({name} := {code})"

    def fresh(self, e: E.Expr) -> str:
        """A name for ``e`` that no variable, dimension or other binding uses: ``X_inv`` for
        the inverse of a variable, ``p`` for a softmax, else ``t1``, ``t2``…"""
        if isinstance(e, E.Unary) and e.op == "inv" and isinstance(e.arg, E.Var):
            base, first = f"{python_name(e.arg.name)}_inv", 2
        elif isinstance(e, E.Unary) and e.op == "softmax":
            base, first = "p", 2
        else:
            base, first = "t", 1
        candidates = itertools.chain(
            [base] if first == 2 else [], (f"{base}{k}" for k in itertools.count(first))
        )
        name = next(c for c in candidates if c not in self.taken)
        self.taken.add(name)
        return name

    def template(self, text: str, e: E.Expr, *more: str) -> str:
        """``text`` with ``{0}`` the code of ``e`` (computed once however often it appears),
        ``{-0}`` its negation and ``{1}``, ``{2}``… the ``more`` arguments."""
        uses = text.count("{0}") + text.count("{-0}")
        code = self(e)
        rest = code
        if uses > 1 and not _is_name(code):
            name = self.bound.get(id(e))
            if name is None:  # bind it here, whether or not it is shared elsewhere
                code = self.bind(e, code)
                name = self.bound[id(e)]
            rest = name
        out = ""
        i = 0
        first = True
        while i < len(text):
            if text.startswith("{0}", i) or text.startswith("{-0}", i):
                neg = text[i + 1] == "-"
                piece = code if first else rest
                first = False
                i += 4 if neg else 3
                if neg:
                    piece = f"-{self.atom_code(piece)}"
                elif (
                    out.endswith(("(", ", ")) and text[i : i + 1] in (")", ",") and " := " in piece
                ):
                    piece = _unwrapped(piece)  # f(t := x), not f((t := x))
                out += piece
            elif text[i] == "{" and text[i + 1 : i + 2].isdigit() and text[i + 2 : i + 3] == "}":
                out += more[int(text[i + 1]) - 1]
                i += 3
            else:
                out += text[i]
                i += 1
        return out

    def atom(self, e: E.Expr) -> str:
        return self.atom_code(self(e))

    def atom_code(self, code: str) -> str:
        """``code`` wrapped in parentheses unless it is already one operand."""
        if (code.startswith("(") and _balanced_call(code)) or code.replace("_", "").isalnum():
            return code
        if code.startswith(self.b.prefixes) and code.endswith(")") and _balanced_call(code):
            return code
        if _CALL.match(code) and code.endswith(")") and _balanced_call(code):  # d_σ(z)
            return code
        if code.endswith(".T") and self._is_atom(code[:-2]):
            return code
        return f"({code})"

    def _is_atom(self, code: str) -> bool:
        return (
            code.replace("_", "").isalnum()
            or (code.startswith("(") and _balanced_call(code))
            or (code.startswith(self.b.prefixes) and code.endswith(")") and _balanced_call(code))
            or (_CALL.match(code) is not None and code.endswith(")") and _balanced_call(code))
        )

    def emit(self, e: E.Expr) -> str:
        if isinstance(e, E.Var):
            return python_name(e.name)
        if isinstance(e, E.Differential):
            return "d" + python_name(e.var.name)
        if isinstance(e, E.Num):
            text = coef_text(e.value, DSL)
            return (
                text
                if e.value.denominator == 1 or "/" not in text
                else f"({e.value.numerator} / {e.value.denominator})"
            )
        if isinstance(e, E.Const):
            return self.const(e)
        if isinstance(e, E.Sum):
            out = self(e.terms[0])
            for t in e.terms[1:]:
                c, rest = E.split_coef(t)
                out += f" - {self.factor(E.scale(-c, rest))}" if c < 0 else f" + {self.factor(t)}"
            return out
        if isinstance(e, E.Prod):
            return self.prod(e)
        if isinstance(e, E.Power):
            return f"{self.atom(e.base)} ** {self.atom(e.exponent)}"
        if isinstance(e, E.Transpose):
            return f"{self.atom(e.arg)}.T" if kind(e.arg.shape) == "m" else self(e.arg)
        if isinstance(e, E.Hadamard):
            return " * ".join(self.atom(f) for f in e.factors)
        if isinstance(e, E.Kron):
            code = self.b.op["kron"].format(self.as2d(e.left), self.as2d(e.right))
            return code + (".reshape(-1)" if kind(e.shape) in "cr" else "")
        if isinstance(e, E.Elementwise):
            if e.fn == "pow":
                assert e.param is not None
                return f"{self.atom(e.arg)} ** {self.atom(e.param)}"
            if e.fn == "log" and (stable := self.stable_log(e.arg)) is not None:
                return stable
            if e.fn not in self.b.fn:  # a declared function: the caller supplies it
                return self.template(f"{python_name(e.fn)}({{0}})", e.arg)
            return self.template(self.b.fn[e.fn], e.arg)
        if isinstance(e, E.Unary):
            return self.unary(e)
        raise E.EngineError(f"cannot write {type(e).__name__} as {self.b.name}")

    def stable_log(self, a: E.Expr) -> str | None:
        """log σ(z), log(1 − σ(z)) = log σ(−z) and log softmax(z) without overflow."""
        op = self.b.op
        if isinstance(a, E.Elementwise) and a.fn == "sigmoid":
            return self.template(op["log_sigmoid"], a.arg)
        if isinstance(a, E.Unary) and a.op == "softmax":
            batch = "_columns" if kind(a.arg.shape) == "m" else ""  # by columns (§9)
            return self.template(op["log_softmax" + batch], a.arg)
        if isinstance(a, E.Sum) and len(a.terms) == 2:  # 1 − σ(z)
            one, other = a.terms
            c, rest = E.split_coef(other)
            if (
                (E.is_identity(one) or (isinstance(one, E.Const) and one.name == "ones"))
                and c == -1
                and isinstance(rest, E.Elementwise)
                and rest.fn == "sigmoid"
            ):
                return self.template(op["log1m_sigmoid"], rest.arg)
        return None

    def factor(self, e: E.Expr) -> str:
        code = self(e)
        return self.atom_code(code) if (" + " in code or " - " in code) else code

    def as2d(self, e: E.Expr) -> str:
        k = kind(e.shape)
        code = self.atom(e)
        return {"c": f"{code}[:, None]", "r": f"{code}[None, :]", "s": code}.get(k, code)

    def const(self, e: E.Const) -> str:
        if e.name == "eye":
            return self.b.op["eye"].format(dim_code(e.shape.rows))
        if e.name in ("ones", "zeros"):
            return self.b.op[e.name].format(shape_code(e.shape))
        m, n = (dim_code(d) for d in E.commutation_dims(e))
        return self.b.op["commutation"].format(m, n)

    def prod(self, e: E.Prod) -> str:
        parts = []
        if abs(e.coef) != 1:
            parts.append(self.emit(E.num(abs(e.coef))))
        for s in e.scalars:
            shared = id(s) in self.shared and not _cheap(s)  # computed once, used as it is
            if isinstance(s, E.Power) and isinstance(s.exponent, E.Num) and s.exponent.value < 0 \
                    and not shared:  # fmt: skip
                parts.append(f"/{self.atom(E.power(s.base, E.num(-s.exponent.value)))}")
            else:
                parts.append(self.atom(s))
        if e.chain:
            parts.append(self.chain(e.chain))
        out = ""
        for p in parts:
            divide = p.startswith("/")
            out = f"{out or '1'} / {p[1:]}" if divide else (f"{out} * {p}" if out else p)
        return f"-{out}" if e.coef < 0 else out

    def chain(self, chain: tuple[E.Expr, ...]) -> str:
        code, k = self(chain[0]), kind(chain[0].shape)
        if len(chain) == 1:
            return self.atom_code(code)
        rows = chain[0].shape.rows
        for f in chain[1:]:
            if k == "c" and kind(f.shape) == "r":  # arguments of a call need no parentheses
                code = self.b.op["outer"].format(code, self(f))
            else:
                code = f"{self.atom_code(code)} @ {self.atom(f)}"
            k = kind(Shape(rows, f.shape.cols))
        return code

    def unary(self, e: E.Unary) -> str:
        if declared.is_declared_op(e.op):  # grad_l(y): the caller supplies it
            return self.template(f"{python_name(declared.dsl_name(e.op))}({{0}})", e.arg)
        op = self.b.op
        a = e.arg
        match e.op:
            case "adj":
                return self.template(f"{op['det']} * {op['inv']}", a)
            case "matpow":
                return self.template(op["matpow"], a, str(e.k))
            case "diagpart":
                return self.template(op["diag"], a)
            case "vec":
                return op["vec"].format(self.atom(a))
            case "unvec":
                rows, cols = dim_code(e.shape.rows), dim_code(e.shape.cols)
                return op["unvec"].format(self.atom(a), rows, cols)
            case "sumall":
                return self.template(op["sum"], a)
            case "softmax" | "logsumexp" if kind(a.shape) == "m":  # a batch: by columns
                return self.template(op[f"{e.op}_columns"], a)
            case name if name in op:
                return self.template(op[name], a)
        raise E.EngineError(f"cannot write {e.op} as {self.b.name}")


def _balanced_call(code: str) -> bool:
    """True when the whole of ``code`` is one call or one parenthesised group."""
    depth = 0
    for i, ch in enumerate(code):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(code) - 1:
                return False
    return depth == 0


def _all_occurrences(root: E.Expr) -> list[E.Expr]:
    """Every occurrence in the tree (a DAG node shared twice appears twice), top level first.
    A transpose is a view, never bound: each of its occurrences counts for what is under it."""
    out: list[E.Expr] = []
    stack = [root]
    seen_children: set[int] = set()
    while stack:
        n = stack.pop()
        out.append(n)
        if id(n) in seen_children and not isinstance(n, E.Transpose):
            continue  # its children were counted at its first occurrence
        seen_children.add(id(n))
        stack.extend(n.children)
    return out


_CALL = re.compile(r"[^\W\d]\w*\(")  # a call of a declared function: σ(, grad_l(


def _cheap(e: E.Expr) -> bool:
    """Not worth a name: a variable, a number, a constant, a differential, a transpose."""
    if isinstance(e, E.Transpose):
        return True
    return not e.children and not (isinstance(e, E.Const) and not e.shape.is_scalar)


def _unwrapped(code: str) -> str:
    """``(t := x)`` as ``t := x`` where it is a whole call argument (valid Python there)."""
    return code[1:-1] if code.startswith("(") and _balanced_call(code) else code


def _is_name(code: str) -> bool:
    return code.isidentifier()


def _names(roots: list[E.Expr]) -> set[str]:
    """The names the code may read: variables, dimension symbols, declared functions."""
    out: set[str] = set()
    for root in roots:
        for n in E.walk(root):
            if isinstance(n, E.Var):
                out.update((n.name, python_name(n.name)))
            elif isinstance(n, E.Elementwise) and declared.is_declared_fn(n.fn):  # σ, d_σ
                out.add(python_name(n.fn))
            elif isinstance(n, E.Unary) and declared.is_declared_op(n.op):  # l, grad_l
                out.add(python_name(declared.dsl_name(n.op)))
            for sym in (*n.shape.rows.syms, *n.shape.cols.syms):
                out.update((sym, python_name(sym)))
    return out


def to_numpy(e: E.Expr) -> str:
    """One NumPy expression for ``e`` (vectors as 1-D arrays)."""
    return _Emitter([e], NUMPY)(e)


def to_torch(e: E.Expr) -> str:
    """One PyTorch expression (``torch``; vectors 1-D tensors, constants in the default
    dtype)."""
    return _Emitter([e], TORCH)(e)


def to_jax(e: E.Expr) -> str:
    """One JAX expression (``jnp`` and ``jax``; vectors 1-D arrays)."""
    return _Emitter([e], JAX)(e)


def statements(
    exprs: list[E.Expr], backend: str, reserved: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Code for several expressions that share sub-expressions: the assignments that bind
    the shared parts (in order, named apart from ``reserved`` and the expressions' names),
    and one expression per input."""
    emitter = _Emitter(exprs, BACKENDS[backend], hoist=True, reserved=reserved)
    codes = [emitter(e) for e in exprs]
    return emitter.lines, codes
