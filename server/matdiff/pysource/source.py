"""The Python source as the reader sees it: the documents it makes of annotated functions
(``FunctionDoc``, ``FunctionBlock``, ``Note``), its signals (a refusal, a shape error), the
token fragments it builds, and what it says of Python syntax it does not read."""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, field

from matdiff.base.embedded import Block
from matdiff.engine.shape import Shape as MatdiffShape
from matdiff.pysource.table import DTYPES, OPERATORS

Shape = tuple[str, ...]  # NumPy's: () a scalar, (n,) a vector, (m, n) a matrix
Tok = tuple[str, int, int]  # matdiff text, host start, host end


@dataclass(frozen=True)
class Note:
    """A diagnostic of the reader, in host offsets."""

    start: int
    end: int
    message: str
    severity: str  # "error" or "information"
    code: str


@dataclass(frozen=True, eq=False)
class FunctionBlock(Block):
    """A function's document: the offset map is token by token (see the module docstring)."""

    doc_starts: tuple[int, ...] = ()
    doc_ends: tuple[int, ...] = ()
    host_starts: tuple[int, ...] = ()
    host_ends: tuple[int, ...] = ()
    by_host: tuple[tuple[int, int, int], ...] = ()  # (host start, host end, doc start)
    by_host_starts: tuple[int, ...] = ()
    function: FunctionDoc | None = field(default=None, compare=False, repr=False)

    def host_offset(self, offset: int) -> int:
        i = bisect.bisect_right(self.doc_starts, offset) - 1
        if i < 0:
            return self.hosts[0] if self.hosts else 0
        if offset < self.doc_ends[i]:
            hs, he = self.host_starts[i], self.host_ends[i]
            return min(hs + offset - self.doc_starts[i], he)
        return self.host_ends[i]

    def block_offset(self, host: int) -> int | None:
        i = bisect.bisect_right(self.by_host_starts, host) - 1
        for j in range(i, max(i - 8, -1), -1):
            hs, he, ds = self.by_host[j]
            if hs <= host < he:
                return ds + (host - hs)
        return None


@dataclass
class FunctionDoc:
    """One annotated function, read."""

    name: str  # the Python function's name
    definition: str  # the name of its value in the document
    framework: str  # numpy | torch | jax
    parameters: list[tuple[str, Shape | None]]  # in order; None: not an array or scalar
    block: FunctionBlock
    notes: list[Note]
    derivable: bool
    name_start: int  # host offsets of the function's name
    name_end: int
    end: int  # host offset of the end of the function's last line

    @property
    def text(self) -> str:
        return self.block.text

    @property
    def arrays(self) -> list[str]:
        """The parameters one can differentiate by (arrays and float scalars)."""
        return [p for p, shape in self.parameters if shape is not None]

    def shifted(self, delta: int) -> FunctionDoc:
        """The same function, ``delta`` characters further down its file."""
        if delta == 0:
            return self
        b = self.block

        def move(xs: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(x + delta for x in xs)

        block = FunctionBlock(
            b.text, b.starts, move(b.hosts), b.doc_starts, b.doc_ends, move(b.host_starts),
            move(b.host_ends), tuple((hs + delta, he + delta, ds) for hs, he, ds in b.by_host),
            move(b.by_host_starts),
        )  # fmt: skip
        notes = [Note(n.start + delta, n.end + delta, n.message, n.severity, n.code)
                 for n in self.notes]  # fmt: skip
        doc = FunctionDoc(self.name, self.definition, self.framework, self.parameters, block,
                          notes, self.derivable, self.name_start + delta, self.name_end + delta,
                          self.end + delta)  # fmt: skip
        object.__setattr__(block, "function", doc)
        return doc

    def refusal(self) -> str | None:
        """Why no derivative is offered, or None."""
        for n in self.notes:
            if n.severity == "information":
                return n.message
        for n in self.notes:
            return n.message
        return None


class _Refused(Exception):  # noqa: N818 — a refusal, not an error
    def __init__(self, node: ast.AST, what: str) -> None:
        super().__init__(what)
        self.node = node
        self.what = what


class _ShapeError(Exception):
    def __init__(self, start: int, end: int, message: str) -> None:
        super().__init__(message)
        self.start, self.end, self.message = start, end, message


class _Unknown(Exception):  # noqa: N818 — a control signal
    """An operand whose shape is unknown (already reported): no second diagnostic."""


@dataclass
class Frag:
    toks: list[Tok]
    shape: Shape
    src: str
    start: int
    end: int
    number: float | None = None  # a numeric literal's value


def words(shape: Shape) -> str:
    """A shape as NumPy's ``.shape`` prints it, with the dimension names: ``()`` a scalar,
    ``(n,)`` a vector, ``(m, n)`` a matrix — how a Python file writes every shape
    (docs/python.md, "Shapes"; a matdiff document keeps the language's ``m×n``)."""
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(shape)})"


def numpy_shape(shape: MatdiffShape) -> Shape:
    """The NumPy shape of a value the language shapes ``shape``, as the generated code takes
    and gives it (docs/language.md §6): a vector, a column or a row, is 1-D; a scalar 0-D."""
    if shape.is_scalar:
        return ()
    if shape.is_vector:
        return ((shape.rows if shape.is_column else shape.cols).text("*"),)
    return (shape.rows.text("*"), shape.cols.text("*"))


def described(shape: MatdiffShape) -> str:
    """``scalar``, ``vector (n,)`` or ``matrix (m, n)``: a Python value's kind and shape."""
    dims = numpy_shape(shape)
    return ("scalar", f"vector {words(dims)}", f"matrix {words(dims)}")[len(dims)]


def _show(f: Frag) -> str:
    return f"{f.src} {words(f.shape)}"


@dataclass
class _Source:
    text: str
    line_starts: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")
        pos = 0
        for line in self.lines:
            self.line_starts.append(pos)
            pos += len(line) + 1

    def off(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        if not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self.line_starts[lineno - 1] + col

    def range(self, node: ast.AST) -> tuple[int, int]:
        start = self.off(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.off(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def snippet(self, start: int, end: int) -> str:
        w = " ".join(self.text[start:end].split())
        return w if len(w) <= 24 else w[:23] + "…"

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def imports_of(tree: ast.Module) -> dict[str, str]:
    """Local name → the fully qualified name it stands for (the module's own imports, also
    under ``if``/``try`` at the top level)."""
    out: dict[str, str] = {}
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    out[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.If | ast.Try):
            todo.extend(node.body)
            todo.extend(node.orelse)
            if isinstance(node, ast.Try):
                for h in node.handlers:
                    todo.extend(h.body)
    return out


def _qualified(node: ast.expr, imports: dict[str, str]) -> str | None:
    dotted = _dotted(node)
    if dotted is None:
        return None
    root, _, rest = dotted.partition(".")
    if root not in imports:
        return None
    full = imports[root] + ("." + rest if rest else "")
    # scipy.special and jax.scipy.special reached through a bare package import
    return full


def _is_jaxtyping(ann: ast.expr | None) -> bool:
    if not isinstance(ann, ast.Subscript):
        return False
    head = _dotted(ann.value)
    return head is not None and head.split(".")[-1] in DTYPES


def is_annotated(fn: ast.FunctionDef) -> bool:
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    return any(_is_jaxtyping(a.annotation) for a in args)


_OPS: dict[type, str] = {
    ast.MatMult: "@", ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
}  # fmt: skip
assert set(_OPS.values()) == set(OPERATORS)


def _op_text(op: ast.AST) -> str:
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
            ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~",
            ast.Not: "not"}.get(type(op), type(op).__name__)  # fmt: skip


def _number(v: float) -> str:
    text = str(int(v)) if v == int(v) and abs(v) < 1000000000000000.0 else repr(v)
    return text if not text.startswith("-") else f"( {text} )"


def _targets(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Assign):
        return [n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    if isinstance(stmt, (ast.For, ast.With)):
        return [n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)]  # fmt: skip
    return [
        n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    ]


def _construct(stmt: ast.stmt) -> str:
    names = {ast.For: "a for loop", ast.AsyncFor: "a for loop", ast.While: "a while loop",
             ast.If: "an if statement", ast.With: "a with statement", ast.Try: "a try statement",
             ast.FunctionDef: "a nested function", ast.ClassDef: "a nested class",
             ast.Expr: "an expression statement", ast.Raise: "a raise statement",
             ast.Global: "a global statement", ast.Nonlocal: "a nonlocal statement",
             ast.Delete: "a del statement", ast.Import: "an import inside the function",
             ast.ImportFrom: "an import inside the function",
             ast.Match: "a match statement"}  # fmt: skip
    return names.get(type(stmt), f"a {type(stmt).__name__} statement")


def _expression(node: ast.expr) -> str:
    names = {ast.Lambda: "a lambda", ast.IfExp: "a conditional expression",
             ast.ListComp: "a list comprehension", ast.GeneratorExp: "a generator expression",
             ast.Compare: "a comparison", ast.BoolOp: "a boolean operation",
             ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict",
             ast.JoinedStr: "an f-string", ast.Starred: "*unpacking"}  # fmt: skip
    return names.get(type(node), f"the expression {ast.unparse(node)[:30]}")
