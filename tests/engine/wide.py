"""A wider generator of random documents than ``test_properties.examples``: every construct
of docs/language.md §4 and §10 that a derivative can meet.

Beyond the operators and functions of the narrower generator: vec/unvec and the commutation
matrix, softmax and logsumexp of rows and of batches (matrices, by columns), Kronecker
products with a scalar, matrix powers 0, 1 and −2 and the postfix ⁻¹, normF, dimension
symbols as numbers, zeros, ``const`` declarations, an ``invertible`` matrix, declared
functions (σ : elementwise, l : function(vector(n)), L : function(matrix(m, n))),
derivatives inside expressions (grad, diff, jacobian, hessian), and up to three
intermediate definitions (u, Z, t) that later ones use — each also a variable to
differentiate by.  Derivatives are asked by any variable, Hessians by matrices, symmetric,
spd and diagonal ones included.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from tests.engine.helpers import Example

DECLS = """x : vector(n)
y : vector(m)
A : matrix(m, n)
B : matrix(n, m)
X : matrix(n, n)
P : matrix(n, n) spd
S : matrix(m, m) symmetric
D : matrix(n, n) diagonal
Q : matrix(n, n) invertible
s, r : scalar
const C : matrix(n, n)
const c : vector(m)
σ : elementwise
l : function(vector(n))
L : function(matrix(m, n))
"""
VARIABLES = ("x", "y", "A", "B", "X", "P", "S", "D", "Q", "s", "r")
INTERMEDIATES = {"u": ("n", "1"), "Z": ("m", "n"), "t": ("1", "1")}
DIMS = ("1", "n", "m")
Sh = tuple[str, str]
LEAVES: dict[Sh, list[str]] = {
    ("1", "1"): ["s", "r", "0.5", "2", "x'*x", "n", "m"],
    ("n", "1"): ["x", "ones(n)", "zeros(n)"],
    ("m", "1"): ["y", "c"],
    ("1", "n"): ["x'", "ones(1, n)"],
    ("1", "m"): ["y'", "ones(m)'"],
    ("m", "n"): ["A", "ones(m, n)", "B'"],
    ("n", "m"): ["B", "A'"],
    ("n", "n"): ["X", "P", "D", "Q", "eye(n)", "C"],
    ("m", "m"): ["S", "eye(m)"],
}
# element-wise functions, on domains where they are smooth enough (or piecewise constant)
ELEMENTWISE = [
    "exp(tanh({}))", "log(sigmoid({}))", "sin({})", "cos({})", "tan(tanh({}))",
    "arcsin(tanh({})/2)", "arccos(tanh({})/2)", "arctan({})", "tanh({})",
    "sqrt(exp(tanh({})))", "abs({})", "sigmoid({})", "relu({})", "softplus({})",
    "step({})", "sign({})", "σ({})", "exp(-({}).^2)", "log(ones + ({}).^2)",
]  # fmt: skip
SCALAR_OPS = ["pow", "ppow", "tr", "det", "logdet", "detpow", "sum", "norm2", "normF", "norm1",
              "lse", "lse-row", "lse-batch-sum", "vecdot", "sumkron", "trkron", "commdot",
              "l", "L"]  # fmt: skip
SQUARE_OPS = ["inv", "adj", "inv-1", "postfix-inv", "inv-2", "matpow", "diag-col", "diag-row",
              "hessian-in", "jacobian-in"]  # fmt: skip


def _options(shape: Sh) -> list[str]:
    r, c = shape
    out = ["add", "sub", "matmul", "matmul", "scale", "div", "neg", "T", "ew", "had", "hdiv",
           "epow", "kron-scalar", "unvec"]  # fmt: skip
    if shape == ("1", "1"):
        out += SCALAR_OPS
    if r == c and r != "1":
        out += SQUARE_OPS
    if c == "1" and r != "1":
        out += ["softmax", "diagv", "vec", "grad-in"]
    if r == "1" and c != "1":
        out += ["softmax", "lse-batch"]
    if r != "1" and c != "1":
        out += ["kron", "softmax", "transpose-by-K"]
    if shape == ("m", "n"):
        out += ["grad-in-A"]
    return out


@st.composite
def expression(draw: st.DrawFn, shape: Sh, depth: int, named: tuple[str, ...] = ()) -> str:
    """Matdiff text of the given shape (rows, cols over 1, n, m); ``named`` intermediates
    of that shape may appear as leaves."""
    r, c = shape
    leaves = LEAVES[shape] + [k for k in named if INTERMEDIATES[k] == shape] * 2
    if depth <= 0 or draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(leaves))

    def sub(sh: Sh) -> str:
        return draw(expression(sh, depth - 1, named))

    def safe(k: str) -> str:  # well conditioned, positive determinant
        extra = ["P", "(P + D)"] if k == "n" else ["S*S + eye(m)"]
        return draw(st.sampled_from([f"(eye({k}) + 0.1*tanh({sub((k, k))}))", *extra]))

    op = draw(st.sampled_from(_options(shape)))
    k = draw(st.sampled_from(DIMS))
    nm = draw(st.sampled_from(["n", "m"]))
    match op:
        case "add":
            return f"{sub(shape)} + {sub(shape)}"
        case "sub":
            return f"{sub(shape)} - ({sub(shape)})"
        case "matmul":
            return f"({sub((r, k))})*({sub((k, c))})"
        case "scale":
            return f"({sub(('1', '1'))})*({sub(shape)})"
        case "div":
            return f"({sub(shape)})/(2 + sin({sub(('1', '1'))}))"
        case "neg":
            return f"-({sub(shape)})"
        case "T":
            return f"({sub((c, r))})'"
        case "ew":
            return draw(st.sampled_from(ELEMENTWISE)).format(sub(shape))
        case "had":
            return f"({sub(shape)}) .* ({sub(shape)})"
        case "hdiv":
            return f"({sub(shape)}) ./ exp(tanh({sub(shape)}))"
        case "epow":
            p = draw(st.sampled_from(["2", "3", "-1", "0.5", "(1 + sigmoid({}))"]))
            p = p.format(sub(("1", "1")))
            base = sub(shape) if p in ("2", "3") else f"exp(tanh({sub(shape)}))"
            return f"({base}) .^ {p}"
        case "kron-scalar":
            a, b = sub(("1", "1")), sub(shape)
            return draw(st.sampled_from([f"kron({a}, {b})", f"kron({b}, {a})"]))
        case "unvec":
            if c == "1":
                return f"unvec({sub(shape)}, {r}, 1)"
            if r == "1":
                return f"unvec({sub((c, '1'))}, 1, {c})"
            return f"unvec(vec({sub(shape)}), {r}, {c})"
        case "pow":
            return f"({sub(shape)})^{draw(st.sampled_from(['2', '3']))}"
        case "ppow":
            return f"exp(tanh({sub(shape)}))^(1 + sigmoid({sub(shape)}))"
        case "tr":
            return f"tr({sub((nm, nm))})"
        case "det" | "logdet":
            return f"{op}({safe(nm)})"
        case "detpow":
            return f"det({safe('n')})^{draw(st.sampled_from(['0.5', '-1', '2']))}"
        case "sum" | "norm2" | "norm1" | "normF":
            return f"{op}({sub(draw(st.sampled_from(list(LEAVES))))})"
        case "lse":
            return f"logsumexp({sub((nm, '1'))})"
        case "lse-row":
            return f"logsumexp({sub(('1', nm))})"
        case "lse-batch-sum":
            return f"sum(logsumexp({sub(('m', 'n'))}))"
        case "lse-batch":
            return f"logsumexp({sub(('m', c))})"
        case "vecdot":
            return f"vec({sub(('m', 'n'))})'*vec({sub(('m', 'n'))})"
        case "sumkron":
            return f"sum(kron({sub(draw(st.sampled_from(list(LEAVES))))}, {sub(('n', 'm'))}))"
        case "trkron":
            return f"tr(kron({sub(('n', 'n'))}, {sub(('m', 'm'))}))"
        case "commdot":
            return f"vec({sub(('m', 'n'))})'*commutation(n, m)*vec({sub(('n', 'm'))})"
        case "l":
            return f"l({sub(('n', '1'))})"
        case "L":
            return f"L({sub(('m', 'n'))})"
        case "inv" | "adj":
            return f"{op}({safe(r)})"
        case "inv-1":
            return f"({safe(r)})^-1"
        case "postfix-inv":
            return f"({safe(r)})⁻¹"
        case "inv-2":
            return f"({safe(r)})^-2"
        case "matpow":
            return f"({sub(shape)})^{draw(st.sampled_from(['0', '1', '2', '3']))}"
        case "diag-col":
            return f"diag({sub((r, '1'))})"
        case "diag-row":
            return f"diag({sub(('1', r))})"
        case "softmax":
            return f"softmax({sub(shape)})"
        case "diagv":
            return f"diag({sub((r, r))})"
        case "vec":
            return f"vec({sub(('1', 'n'))})" if r == "n" else f"vec({sub((r, '1'))})"
        case "kron":
            return f"kron({sub((r, '1'))}, {sub(('1', c))})"
        case "transpose-by-K":
            return f"unvec(commutation({c}, {r})*vec({sub((c, r))}), {r}, {c})"
        case "grad-in":
            v = "x" if r == "n" else "y"
            return draw(st.sampled_from([f"grad({sub(('1', '1'))}, {v})",
                                         f"diff({sub((r, '1'))}, s)"]))  # fmt: skip
        case "grad-in-A":
            return f"grad({sub(('1', '1'))}, A)"
        case "hessian-in":
            return f"hessian({sub(('1', '1'))}, {'x' if r == 'n' else 'y'})"
        case "jacobian-in":
            return f"jacobian({sub((r, '1'))}, {'x' if r == 'n' else 'y'})"
    raise AssertionError(op)


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w])({name})(?![\w(])", text) is not None


@st.composite
def examples(draw: st.DrawFn, depth: int = 3) -> Example:
    """A document: intermediates u, Z, t (each perhaps), then f; a variable (or an
    intermediate f uses) to differentiate by, and the kind of derivative."""
    named: list[str] = []
    lines = []
    for name, shape in INTERMEDIATES.items():
        if draw(st.booleans()):
            lines.append(f"{name} = {draw(expression(shape, depth - 1, tuple(named)))}")
            named.append(name)
    shape = draw(st.sampled_from([("1", "1")] * 6 + [("n", "1"), ("m", "n"), ("1", "n"),
                                                     ("n", "n")]))  # fmt: skip
    text = draw(expression(shape, depth, tuple(named)))
    everything = "\n".join([*lines, text])
    used = [v for v in VARIABLES if mentions(everything, v)]
    used += [v for v in named if mentions(text, v)]
    wrt = draw(st.sampled_from(used or ["x"]))
    kinds = ["gradient"] * 3 + ["numerator", "hessian"] if shape == ("1", "1") else ["numerator"]
    kind = draw(st.sampled_from(kinds))
    document = DECLS + "".join(f"{line}\n" for line in lines) + f"f = {text}\n"
    return Example(document, wrt, kind, draw(st.integers(0, 2**32 - 1)))
