"""IR → one NumPy expression (LANGUAGE.md §6).

Vectors are 1-D arrays, scalars floats, matrices 2-D; a column times a row is ``np.outer``;
vec is column-major.  Each node is emitted with its *kind* — ``s`` scalar, ``c``/``r`` a 1-D
array standing for a column/row, ``m`` a 2-D array — so products pick the right operation.
Sub-expressions used more than once are bound once with ``:=`` and reused.
"""

from __future__ import annotations

from collections import Counter

from matdiff.engine import expr as E
from matdiff.engine.printer import DSL, coef_text
from matdiff.engine.shape import Dim, Shape

_FN = {
    "exp": "np.exp({})",
    "log": "np.log({})",
    "sin": "np.sin({})",
    "cos": "np.cos({})",
    "tan": "np.tan({})",
    "arcsin": "np.arcsin({})",
    "arccos": "np.arccos({})",
    "arctan": "np.arctan({})",
    "tanh": "np.tanh({})",
    "sqrt": "np.sqrt({})",
    "abs": "np.abs({})",
    "sigmoid": "1 / (1 + np.exp(-({})))",
    "relu": "np.maximum({}, 0)",
    "softplus": "np.logaddexp(0, {})",
    "step": "np.heaviside({}, 0.0)",
    "sign": "np.sign({})",
}


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
    def __init__(self, root: E.Expr) -> None:
        counts: Counter[int] = Counter()
        for n in _all_occurrences(root):
            counts[id(n)] += 1
        self.shared = {i for i, c in counts.items() if c > 1}
        self.bound: dict[int, str] = {}
        self.next = 0

    def __call__(self, e: E.Expr) -> str:
        if id(e) in self.bound:
            return self.bound[id(e)]
        code = self.emit(e)
        if id(e) in self.shared and e.size > 3:
            self.next += 1
            name = f"_t{self.next}"
            self.bound[id(e)] = name
            return f"({name} := {code})"
        return code

    def atom(self, e: E.Expr) -> str:
        return self.atom_code(self(e))

    def atom_code(self, code: str) -> str:
        """``code`` wrapped in parentheses unless it is already one operand."""
        if (code.startswith("(") and _balanced_call(code)) or code.replace("_", "").isalnum():
            return code
        if code.startswith("np.") and code.endswith(")") and _balanced_call(code):
            return code
        if code.endswith(".T") and self._is_atom(code[:-2]):
            return code
        return f"({code})"

    def _is_atom(self, code: str) -> bool:
        return code.replace("_", "").isalnum() or (code.startswith("(") and _balanced_call(code))

    def emit(self, e: E.Expr) -> str:
        if isinstance(e, E.Var):
            return e.name
        if isinstance(e, E.Differential):
            return "d" + e.var.name
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
            return f"np.kron({self.as2d(e.left)}, {self.as2d(e.right)})" + (
                ".ravel()" if kind(e.shape) in "cr" else ""
            )
        if isinstance(e, E.Elementwise):
            if e.fn == "pow":
                assert e.param is not None
                return f"{self.atom(e.arg)} ** {self.atom(e.param)}"
            return _FN[e.fn].format(self(e.arg))
        if isinstance(e, E.Unary):
            return self.unary(e)
        raise E.EngineError(f"cannot write {type(e).__name__} as NumPy")

    def factor(self, e: E.Expr) -> str:
        code = self(e)
        return self.atom_code(code) if (" + " in code or " - " in code) else code

    def as2d(self, e: E.Expr) -> str:
        k = kind(e.shape)
        code = self.atom(e)
        return {"c": f"{code}[:, None]", "r": f"{code}[None, :]", "s": code}.get(k, code)

    def const(self, e: E.Const) -> str:
        if e.name == "eye":
            return f"np.eye({dim_code(e.shape.rows)})"
        if e.name in ("ones", "zeros"):
            return f"np.{e.name}({shape_code(e.shape)})"
        m, n = (dim_code(d) for d in E.commutation_dims(e))
        return f"np.eye({m}*{n})[np.arange({m}*{n}).reshape({n}, {m}).T.reshape(-1)]"

    def prod(self, e: E.Prod) -> str:
        parts = []
        if abs(e.coef) != 1:
            parts.append(self.emit(E.num(abs(e.coef))))
        for s in e.scalars:
            if isinstance(s, E.Power) and isinstance(s.exponent, E.Num) and s.exponent.value < 0:
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
        code, k = self.atom(chain[0]), kind(chain[0].shape)
        rows = chain[0].shape.rows
        for f in chain[1:]:
            if k == "c" and kind(f.shape) == "r":
                code = f"np.outer({code}, {self.atom(f)})"
            else:
                code = f"{code} @ {self.atom(f)}"
            k = kind(Shape(rows, f.shape.cols))
        return code

    def unary(self, e: E.Unary) -> str:
        a = self(e.arg)
        match e.op:
            case "tr":
                return f"np.trace({a})"
            case "det":
                return f"np.linalg.det({a})"
            case "logdet":
                return f"np.linalg.slogdet({a})[1]"
            case "inv":
                return f"np.linalg.inv({a})"
            case "adj":
                return f"np.linalg.det({a}) * np.linalg.inv({a})"
            case "matpow":
                return f"np.linalg.matrix_power({a}, {e.k})"
            case "diag" | "diagpart":
                return f"np.diag({a})"
            case "vec":  # reuse `a`: a second self(e.arg) would lose its := binding
                return f'{self.atom_code(a)}.reshape(-1, order="F")'
            case "unvec":
                return f'{self.atom_code(a)}.reshape({shape_code(e.shape)}, order="F")'
            case "sumall":
                return f"np.sum({a})"
            case "norm2":
                return f"np.linalg.norm({a})"
            case "norm1":
                return f"np.sum(np.abs({a}))"
            case "softmax":
                return f"np.exp({a}) / np.sum(np.exp({a}))"
            case "logsumexp":
                return f"np.logaddexp.reduce({a}, axis=None)"
        raise E.EngineError(f"cannot write {e.op} as NumPy")


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
    """Every occurrence in the tree (a DAG node shared twice appears twice), top level first."""
    out: list[E.Expr] = []
    stack = [root]
    seen_children: set[int] = set()
    while stack:
        n = stack.pop()
        out.append(n)
        if id(n) in seen_children:
            continue  # its children were counted at its first occurrence
        seen_children.add(id(n))
        stack.extend(n.children)
    return out


def to_numpy(e: E.Expr) -> str:
    """One NumPy expression for ``e`` (vectors as 1-D arrays)."""
    return _Emitter(e)(e)
