"""The reader of annotated Python functions (LANGUAGE.md §10).

A top-level function whose array parameters carry jaxtyping shapes
(``Float[np.ndarray, "m n"]``) becomes a matdiff document: parameters are declarations,
assignments definitions, and ``return e`` a definition named after the function.  The reader
follows NumPy's shape rules itself (``x @ y`` of two vectors is ``x'*y``, ``*`` of equal
shapes is ``.*``, a vector against a matrix broadcasts along its rows …), so a shape error is
reported at the Python operator in the Python source's words.  What it cannot follow is one
information note naming the construct, and the function is then offered no derivative.

The document is built from tokens, each remembering the host range it stands for; the
tokens are separated by spaces, so every offset of the document has one host place (a token's
end is the space after it).  Lines of the document are the lines of the Python file.  Only
``ast`` reads the code: nothing is imported or run.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from matdiff.base import caches
from matdiff.base.caches import Table
from matdiff.base.embedded import Block
from matdiff.base.language import RESERVED
from matdiff.pysource.table import ARRAY_TYPES, BY_NAME, CONSTANTS, DTYPES, METHODS, OPERATORS

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
    if not shape:
        return "scalar"
    return "×".join(shape)


def _show(f: Frag) -> str:
    return f"{f.src} ({words(f.shape)})"


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


class _Reader:
    def __init__(self, src: _Source, fn: ast.FunctionDef, imports: dict[str, str]) -> None:
        self.src = src
        self.fn = fn
        self.imports = imports
        self.notes: list[Note] = []
        self.derivable = True
        self.framework = ""
        self.dims: set[str] = set()
        self.names: dict[str, tuple[str, Shape] | None] = {}  # Python name → (matdiff, shape)
        self.used: set[str] = set(RESERVED)
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                self.used.add(node.id)
            elif isinstance(node, ast.arg):
                self.used.add(node.arg)
        self.lines: dict[int, list[list[Tok]]] = {}
        self.parameters: list[tuple[str, Shape | None]] = []
        self.size_names: dict[str, str] = {}  # Python local → the size it holds

    # ------------------------------------------------------------------ notes

    def refuse(self, node: ast.AST, what: str) -> None:
        start, end = self.src.range(node)
        line = self.src.line_of(start)
        end = min(end, self.src.line_starts[line] + len(self.src.lines[line]))
        message = f"matdiff does not read {what}; no derivative is offered for '{self.fn.name}'"
        self.notes.append(Note(start, end, message, "information", "unsupported"))
        self.derivable = False

    def shape_error(self, err: _ShapeError) -> None:
        self.notes.append(Note(err.start, err.end, err.message, "error", "shape"))
        self.derivable = False

    # ------------------------------------------------------------------ statements

    def emit(self, node: ast.AST, toks: list[Tok]) -> None:
        line = node.lineno - 1  # type: ignore[attr-defined]
        self.lines.setdefault(line, []).append(toks)

    def fresh(self, name: str) -> str:
        """The matdiff name of a new definition of Python ``name`` (renamed when Python
        reassigns it, or when matdiff reserves it)."""
        if name not in RESERVED and name not in self.dims and name not in self.taken:
            self.taken.add(name)
            return name
        k = 1
        while f"{name}_{k}" in self.used or f"{name}_{k}" in self.taken:
            k += 1
        self.taken.add(f"{name}_{k}")
        return f"{name}_{k}"

    def read(self) -> None:
        self.taken: set[str] = set()
        self.parameters_()
        body = list(self.fn.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        returned = False
        for stmt in body:
            if returned:
                self.refuse(stmt, "code after the return statement")
                break
            try:
                returned = self.statement(stmt)
            except _Refused as exc:
                self.refuse(exc.node, exc.what)
                self.forget(stmt)
            except _ShapeError as exc:
                self.shape_error(exc)
                self.forget(stmt)
            except _Unknown:
                self.forget(stmt)
        if not returned and self.derivable:
            self.refuse(self.fn, "a function without a return statement at its end")

    def forget(self, stmt: ast.stmt) -> None:
        for t in _targets(stmt):
            self.names[t] = None

    def parameters_(self) -> None:
        a = self.fn.args
        if a.vararg or a.kwarg:
            self.refuse(a.vararg or a.kwarg or self.fn, "*args or **kwargs parameters")
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
            shape = self.parameter(arg)
            self.parameters.append((arg.arg, shape))

    def parameter(self, arg: ast.arg) -> Shape | None:
        ann = arg.annotation
        name = arg.arg
        start, end = self.src.range(arg)
        name_end = start + len(name)
        if name in RESERVED or keyword.iskeyword(name):
            self.refuse(arg, f"a parameter named '{name}' (a matdiff function name)")
            self.names[name] = None
            return None
        const = ""
        if isinstance(ann, ast.Name) and ann.id in ("float", "int"):
            shape: Shape = ()
            const = "const " if ann.id == "int" else ""
        elif isinstance(ann, ast.Subscript) and _is_jaxtyping(ann):
            got = self.jaxtyping(arg, ann)
            if got is None:
                self.names[name] = None
                return None
            shape = got
        else:
            what = "without a shape annotation" if ann is None else "with this annotation"
            self.refuse(arg, f"the parameter '{name}' {what} (write Float[np.ndarray, \"m n\"] "
                        "or float)")  # fmt: skip
            self.names[name] = None
            return None
        if name in self.dims:
            self.refuse(arg, f"a parameter named like the dimension '{name}'")
            self.names[name] = None
            return None
        self.taken.add(name)
        self.names[name] = (name, shape)
        kind = ("scalar" if not shape else f"vector ( {shape[0]} )" if len(shape) == 1
                else f"matrix ( {shape[0]} , {shape[1]} )")  # fmt: skip
        toks: list[Tok] = []
        if const:
            toks.append(("const", start, start))
        toks.append((name, start, name_end))
        toks += [(w, name_end, end) for w in f": {kind}".split()]
        self.emit(arg, toks)
        return None if const else shape

    def jaxtyping(self, arg: ast.arg, ann: ast.Subscript) -> Shape | None:
        sl = ann.slice
        if not (isinstance(sl, ast.Tuple) and len(sl.elts) == 2):
            self.refuse(ann, 'this jaxtyping annotation (Float[ArrayType, "dims"])')
            return None
        typ, dims = sl.elts
        full = _qualified(typ, self.imports) or _dotted(typ) or ""
        if full == "Array" or (full.endswith(".Array") and full not in ARRAY_TYPES):
            full = "jax.Array"
        framework = ARRAY_TYPES.get(full)
        if framework is None:
            self.refuse(typ, f"the array type '{ast.unparse(typ)}'")
            return None
        self.framework = self.framework or framework
        if not (isinstance(dims, ast.Constant) and isinstance(dims.value, str)):
            self.refuse(dims, "a shape that is not a string literal")
            return None
        parts = dims.value.split()
        for p in parts:
            if not (p.isidentifier() or (p.isdigit() and int(p) > 0)):
                self.refuse(dims, f"the dimension '{p}' (names and positive integers only)")
                return None
            if p in RESERVED or (p in self.names and self.names[p] is not None):
                self.refuse(dims, f"the dimension name '{p}' (also a parameter or a matdiff name)")
                return None
        if len(parts) == 2 and "1" in parts:
            self.refuse(dims, "a 2-D array with a dimension of size 1 (matdiff would read it as "
                        "a vector, and its gradient would lose an axis)")  # fmt: skip
            return None
        if len(parts) > 2:
            self.refuse(dims, f"an array of {len(parts)} dimensions (vectors and matrices only)")
            return None
        self.dims.update(p for p in parts if not p.isdigit())
        return tuple(parts)

    def statement(self, stmt: ast.stmt) -> bool:
        """Translate one statement; True for the return."""
        if isinstance(stmt, (ast.Pass, ast.Assert)):
            return False
        if isinstance(stmt, ast.Return):
            if stmt.value is None:
                raise _Refused(stmt, "a return without a value")
            if isinstance(stmt.value, ast.Tuple):
                raise _Refused(stmt.value, "returning a tuple")
            value = self.expr(stmt.value)
            start, _end = self.src.range(stmt)
            name = self.fresh(self.fn.name)
            self.definition_name = name
            ns, ne = self.name_range()
            self.emit(stmt, [(name, ns, ne), ("=", start, start + 6), *value.toks])
            self.result_shape = value.shape
            return True
        target: ast.expr
        if isinstance(stmt, ast.Assign) and self.sizes(stmt):
            return False
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise _Refused(stmt, "this assignment (one name = expression)")
            target, value_node = stmt.targets[0], stmt.value
            value = self.expr(value_node)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            if not isinstance(stmt.target, ast.Name):
                raise _Refused(stmt, "this assignment (one name = expression)")
            target = stmt.target
            value = self.expr(stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            if not isinstance(stmt.target, ast.Name):
                raise _Refused(stmt, "this assignment (one name = expression)")
            target = stmt.target
            left = self.name(stmt.target)
            right = self.expr(stmt.value)
            op = _OPS.get(type(stmt.op))
            if op is None:
                raise _Refused(stmt, f"the operator '{_op_text(stmt.op)}='")
            s, e = self.src.range(stmt)
            ostart = self.src.off(stmt.target.end_lineno or 0, stmt.target.end_col_offset or 0)
            ostart = self.op_at(ostart, op + "=")
            value = self.binary(op, left, right, (ostart, ostart + len(op) + 1), (s, e))
        else:
            raise _Refused(stmt, _construct(stmt))
        assert isinstance(target, ast.Name)
        name = self.fresh(target.id)
        s, e = self.src.range(target)
        eq = self.op_at(e, "=") if not isinstance(stmt, ast.AugAssign) else e
        self.emit(stmt, [(name, s, e), ("=", eq, eq + 1), *value.toks])
        self.names[target.id] = (name, value.shape)
        size = value.toks[0][0] if len(value.toks) == 1 else ""
        if size in self.dims or size.isdigit():
            self.size_names[target.id] = size  # n = X.shape[0]: a size, usable in eye(n)
        else:
            self.size_names.pop(target.id, None)
        return False

    def sizes(self, stmt: ast.Assign) -> bool:
        """``m, n = W.shape``: the names are the array's dimensions (numbers in matdiff)."""
        if not (len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple)
                and isinstance(stmt.value, ast.Attribute)
                and stmt.value.attr == "shape"):  # fmt: skip
            return False
        arr = self.expr(stmt.value.value)
        targets = stmt.targets[0].elts
        if len(targets) != len(arr.shape) or not all(isinstance(t, ast.Name) for t in targets):
            raise _Refused(
                stmt, f"unpacking the shape {words(arr.shape)} into {len(targets)} names"
            )
        for t, dim in zip(targets, arr.shape, strict=True):
            assert isinstance(t, ast.Name)
            name = self.fresh(t.id)
            s, e = self.src.range(t)
            self.emit(stmt, [(name, s, e), ("=", e, e), (dim, *self.src.range(stmt.value))])
            self.names[t.id] = (name, ())
            self.size_names[t.id] = dim
        return True

    def name_range(self) -> tuple[int, int]:
        line = self.src.lines[self.fn.lineno - 1]
        col = self.src.off(self.fn.lineno, self.fn.col_offset)
        base = self.src.line_starts[self.fn.lineno - 1]
        i = line.find(self.fn.name, col - base + 3)
        start = base + i
        return start, start + len(self.fn.name)

    def op_at(self, start: int, op: str) -> int:
        """The host offset of operator ``op`` at or after ``start`` (skipping spaces,
        parentheses, comments and line continuations)."""
        text = self.src.text
        i = start
        while i < len(text):
            if text.startswith(op, i):
                return i
            c = text[i]
            if c == "#":
                i = text.find("\n", i)
                if i < 0:
                    break
            i += 1
        return start

    # ------------------------------------------------------------------ expressions

    def frag(self, node: ast.AST, toks: list[Tok], shape: Shape) -> Frag:
        s, e = self.src.range(node)
        return Frag(toks, shape, self.src.snippet(s, e), s, e)

    def name(self, node: ast.Name) -> Frag:
        if node.id not in self.names:
            raise _Refused(node, f"the name '{node.id}' (not a parameter or a local of "
                           f"'{self.fn.name}')")  # fmt: skip
        bound = self.names[node.id]
        if bound is None:
            raise _Unknown()
        s, e = self.src.range(node)
        return self.frag(node, [(bound[0], s, e)], bound[1])

    def expr(self, node: ast.expr) -> Frag:
        s, e = self.src.range(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _Refused(node, f"the constant {ast.unparse(node)}")
            f = self.frag(node, [(_number(float(v)), s, e)], ())
            f.number = float(v)
            return f
        if isinstance(node, ast.UnaryOp):
            operand = self.expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.USub):
                if operand.number is not None:
                    f = self.frag(node, [(_number(-operand.number), s, e)], ())
                    f.number = -operand.number
                    return f
                return self.frag(node, _template("- ( {0} )", [operand], (s, s + 1), (s, e)),
                                 operand.shape)  # fmt: skip
            raise _Refused(node, f"the operator '{_op_text(node.op)}'")
        if isinstance(node, ast.BinOp):
            op = _OPS.get(type(node.op))
            if op is None:
                raise _Refused(node, f"the operator '{_op_text(node.op)}'")
            left = self.expr(node.left)
            right = self.expr(node.right)
            at = self.op_at(self.src.range(node.left)[1], op)
            return self.binary(op, left, right, (at, at + len(op)), (s, e))
        if isinstance(node, ast.Attribute):
            if node.attr == "T":
                inner = self.expr(node.value)
                dot = self.op_at(inner.end, ".")
                return self.transpose(inner, (dot, e), (s, e))
            if node.attr == "logabsdet" and isinstance(node.value, ast.Call):
                return self.logdet(node.value, (s, e))
            value = CONSTANTS.get(self.qualified(node) or "")
            if value is not None:
                f = self.frag(node, [(_number(value), s, e)], ())
                f.number = value
                return f
            raise _Refused(node, f"the attribute '.{node.attr}'")
        if isinstance(node, ast.Subscript):
            idx = node.slice
            if isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
                return self.frag(node, [(self.dim(node), s, e)], ())
            if (isinstance(node.value, ast.Call) and isinstance(idx, ast.Constant)
                    and idx.value == 1 and self.meaning(node.value.func) == "slogdet"):  # fmt: skip
                return self.logdet(node.value, (s, e))
            raise _Refused(node, f"indexing ({self.src.snippet(s, e)})")
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "len":
                return self.frag(node, [(self.dim(node), s, e)], ())
            return self.call(node)
        raise _Refused(node, _expression(node))

    def qualified(self, node: ast.expr) -> str | None:
        """The fully qualified name of ``np.sum`` and the like, unless a local or a parameter
        shadows the module."""
        root = _dotted(node)
        if root is not None and root.split(".")[0] in self.names:
            return None
        return _qualified(node, self.imports)

    def meaning(self, func: ast.expr) -> str | None:
        root = _dotted(func)
        if root is not None and root.split(".")[0] in self.names:
            return None  # a local or a parameter shadows the module
        full = _qualified(func, self.imports)
        if full is not None:
            return BY_NAME.get(full)
        if isinstance(func, ast.Name) and func.id == "abs" and "abs" not in self.names:
            return "elementwise:abs"
        return None

    def call(self, node: ast.Call) -> Frag:
        func = node.func
        s, e = self.src.range(node)
        fs, fe = self.src.range(func)
        meaning = self.meaning(func)
        args = list(node.args)
        if (
            meaning is None
            and isinstance(func, ast.Attribute)
            and _qualified(func, self.imports) is None
            and func.attr in METHODS
        ):
            meaning = METHODS[func.attr]
            args = [func.value, *args]
            fs = self.op_at(self.src.range(func.value)[1], ".")
        if meaning is None:
            what = _dotted(func) or ast.unparse(func)
            full = _qualified(func, self.imports)
            extra = f" ({full})" if full and full != what else ""
            raise _Refused(node, f"the call to '{what}'{extra}: it is not in matdiff's table")
        if any(isinstance(a, ast.Starred) for a in args):
            raise _Refused(node, "*arguments")
        rule = MEANINGS.get(meaning.split(":")[0])
        assert rule is not None
        return rule(self, meaning, node, args, (fs, fe), (s, e))

    def keywords(self, node: ast.Call, allowed: tuple[str, ...]) -> dict[str, ast.expr]:
        out = {}
        for k in node.keywords:
            if k.arg in ("dtype", "device"):
                continue
            if k.arg is None or k.arg not in allowed:
                raise _Refused(node, f"the keyword argument '{k.arg}' of "
                               f"'{_dotted(node.func) or 'this call'}'")  # fmt: skip
            out[k.arg] = k.value
        return out

    def arity(self, node: ast.Call, args: list[ast.expr], n: int) -> list[Frag]:
        if len(args) != n:
            raise _Refused(node, f"'{_dotted(node.func)}' with {len(args)} arguments")
        return [self.expr(a) for a in args]

    # ------------------------------------------------------------------ shape rules

    def binary(self, op: str, a: Frag, b: Frag, at: tuple[int, int],
               rng: tuple[int, int]) -> Frag:  # fmt: skip
        src = self.src.snippet(*rng)
        if op == "@":
            return self.matmul(a, b, at, rng)
        if op == "**":
            if b.shape:
                raise _ShapeError(b.start, b.end, f"the exponent {_show(b)} must be a scalar")
            sym = "^" if not a.shape else ".^"
            return Frag(_template(f"( {{0}} ) {sym} ( {{1}} )", [a, b], at, rng), a.shape, src,
                        *rng)  # fmt: skip
        if not a.shape and not b.shape:
            return Frag(_template(f"( {{0}} ) {op} ( {{1}} )", [a, b], at, rng), (), src, *rng)
        if op == "*" and (not a.shape or not b.shape):
            shape = a.shape or b.shape
            return Frag(_template("( {0} ) * ( {1} )", [a, b], at, rng), shape, src, *rng)
        if op == "/" and not b.shape:
            return Frag(_template("( {0} ) / ( {1} )", [a, b], at, rng), a.shape, src, *rng)
        broadcast = _broadcast(a.shape, b.shape)
        if broadcast is None:
            verb = {"+": f"add {_show(a)} and {_show(b)}",
                    "-": f"subtract {_show(b)} from {_show(a)}",
                    "*": f"element-wise multiply {_show(a)} and {_show(b)}",
                    "/": f"element-wise divide {_show(a)} and {_show(b)}"}[op]  # fmt: skip
            raise _ShapeError(at[0], at[1], f"cannot {verb}: shapes differ")
        sym = {"+": "+", "-": "-", "*": ".*", "/": "./"}[op]
        x, y = _expand(a, broadcast, at), _expand(b, broadcast, at)
        toks = _template(f"( {{0}} ) {sym} ( {{1}} )", [x, y], at, rng)
        return Frag(toks, broadcast, src, *rng)

    def matmul(self, a: Frag, b: Frag, at: tuple[int, int], rng: tuple[int, int]) -> Frag:
        src = self.src.snippet(*rng)
        for f in (a, b):
            if not f.shape:
                raise _ShapeError(at[0], at[1], f"cannot multiply {_show(a)} by {_show(b)} "
                                  "with '@': it needs arrays; use '*' for a scalar")  # fmt: skip
        inner_a = a.shape[-1]
        inner_b = b.shape[0]
        if inner_a != inner_b:
            raise _ShapeError(at[0], at[1], f"cannot multiply {_show(a)} by {_show(b)}: inner "
                              f"dimensions {inner_a} and {inner_b} differ")  # fmt: skip
        shape: Shape
        if len(a.shape) == 2 and len(b.shape) == 2:
            t, shape = "( {0} ) * ( {1} )", (a.shape[0], b.shape[1])
        elif len(a.shape) == 2:
            t, shape = "( {0} ) * ( {1} )", (a.shape[0],)
        elif len(b.shape) == 2:
            t, shape = "( ( {0} ) ' * ( {1} ) ) '", (b.shape[1],)
        else:
            t, shape = "( {0} ) ' * ( {1} )", ()
        return Frag(_template(t, [a, b], at, rng), shape, src, *rng)

    def transpose(self, a: Frag, at: tuple[int, int], rng: tuple[int, int]) -> Frag:
        if len(a.shape) < 2:
            return Frag(a.toks, a.shape, self.src.snippet(*rng), *rng)
        return Frag(_template("( {0} ) '", [a], at, rng), (a.shape[1], a.shape[0]),
                    self.src.snippet(*rng), *rng)  # fmt: skip

    def square(self, what: str, f: Frag, at: tuple[int, int]) -> None:
        if len(f.shape) != 2 or f.shape[0] != f.shape[1]:
            raise _ShapeError(at[0], at[1], f"cannot take the {what} of {_show(f)}: "
                              "it needs a square matrix")  # fmt: skip

    def logdet(self, call: ast.Call, rng: tuple[int, int]) -> Frag:
        self.keywords(call, ())
        (x,) = self.arity(call, list(call.args), 1)
        at = self.src.range(call.func)
        self.square("log-determinant", x, at)
        return Frag(_template("logdet ( {0} )", [x], at, rng), (), self.src.snippet(*rng), *rng)

    def dim(self, node: ast.expr) -> str:
        """A size: an integer literal, ``X.shape[k]``, ``len(x)``, or a local holding one."""
        if isinstance(node, ast.Name) and node.id in self.size_names:
            return self.size_names[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value > 0:
            return str(node.value)
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "shape" and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int)):  # fmt: skip
            arr = self.expr(node.value.value)
            k = node.slice.value
            if -len(arr.shape) <= k < len(arr.shape):
                return arr.shape[k]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "len" and len(node.args) == 1):  # fmt: skip
            arr = self.expr(node.args[0])
            if arr.shape:
                return arr.shape[0]
        raise _Refused(node, f"the size {ast.unparse(node)} (write a literal, X.shape[k], "
                       "len(x) or a name set to one)")  # fmt: skip


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


Rule = Callable[[_Reader, str, ast.Call, list[ast.expr], tuple[int, int], tuple[int, int]], Frag]


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


def _build(src: _Source, reader: _Reader) -> FunctionBlock:
    first = reader.fn.lineno - 1
    last = (reader.fn.end_lineno or reader.fn.lineno) - 1
    text_parts: list[str] = ["\n" * first]
    pos = first
    doc_starts: list[int] = []
    doc_ends: list[int] = []
    hs_list: list[int] = []
    he_list: list[int] = []
    for line in range(first, last + 1):
        pieces = reader.lines.get(line, [])
        col = 0
        chunks: list[str] = []
        for k, toks in enumerate(pieces):
            if k:
                toks = [(";", toks[0][1], toks[0][1]), *toks]
            for text, hs, he in toks:
                if chunks:
                    chunks.append(" ")
                    col += 1
                doc_starts.append(pos + col)
                doc_ends.append(pos + col + len(text))
                hs_list.append(hs)
                he_list.append(he)
                chunks.append(text)
                col += len(text)
        line_text = "".join(chunks)
        text_parts.append(line_text + "\n")
        pos += len(line_text) + 1
    by_host = sorted(
        (hs, he, ds) for hs, he, ds in zip(hs_list, he_list, doc_starts, strict=True) if he > hs
    )
    if not doc_starts:  # a refused function: its name still belongs to it (the hover says why)
        ns, ne = reader.name_range()
        by_host = [(ns, ne, 0)]
    start_host = src.line_starts[first]
    return FunctionBlock(
        "".join(text_parts), (0,), (start_host,), tuple(doc_starts), tuple(doc_ends),
        tuple(hs_list), tuple(he_list), tuple(by_host), tuple(b[0] for b in by_host),
    )  # fmt: skip


def read_function(src: _Source, fn: ast.FunctionDef, imports: dict[str, str]) -> FunctionDoc:
    reader = _Reader(src, fn, imports)
    reader.definition_name = fn.name
    reader.read()
    framework = reader.framework or "numpy"
    if not reader.derivable:
        reader.lines = {}
    block = _build(src, reader)
    ns, ne = reader.name_range()
    last = (fn.end_lineno or fn.lineno) - 1
    end = src.line_starts[last] + len(src.lines[last])
    doc = FunctionDoc(fn.name, reader.definition_name, framework, reader.parameters, block,
                      reader.notes, reader.derivable, ns, ne, end)  # fmt: skip
    object.__setattr__(block, "function", doc)  # the block knows its function (for features)
    return doc


# (function source, its first line, the file's imports) → (the function read, its offset)
Imports = tuple[tuple[str, str], ...]
# (a top-level def's text, its first line, the file's imports) → (the function read, or None
# for one that is not annotated or does not parse; the offset it was read at)
_READ: Table[tuple[str, int, Imports], tuple[FunctionDoc | None, int]] = Table(
    "pysource.functions", 1024
)
# an import statement's text → what it imports
_IMPORTS: Table[str, Imports] = Table("pysource.imports", 256)
_TRIPLE = re.compile(r"\"\"\"|'''")


def read(text: str) -> list[FunctionDoc]:
    """Every annotated top-level function of a Python file, read.  The file is read as its
    top-level statements, each parsed on its own; a function whose text, line and the file's
    imports are unchanged is neither parsed nor read again, so an edit costs the statement
    it touched.  A statement that does not parse (being typed) is skipped; the rest of the
    file is still read."""
    chunks = _chunks(text)
    imports: dict[str, str] = {}
    for _, chunk in chunks:
        if not chunk.startswith(("def ", "@")):
            imports.update(_imports(chunk))
    key_imports = tuple(sorted(imports.items()))
    src: _Source | None = None
    out = []
    offset, line = 0, 0
    for first, chunk in chunks:
        if not chunk.startswith(("def ", "@")):
            continue
        while line < first:  # the chunk's offset, counting lines from the last one
            offset = text.index("\n", offset) + 1
            line += 1
        key = (chunk, first, key_imports)
        got = caches.active()[_READ].get(key)
        if got is None:
            src = src or _Source(text)
            doc = _read_chunk(src, chunk, first, imports)
            caches.active()[_READ].put(key, (doc, offset))
        elif got[0] is not None:
            doc = got[0].shifted(offset - got[1])
        else:
            doc = None
        if doc is not None:
            out.append(doc)
    return out


def _read_chunk(
    src: _Source, chunk: str, first: int, imports: dict[str, str]
) -> FunctionDoc | None:
    try:
        tree = ast.parse(chunk)
    except (SyntaxError, ValueError, RecursionError):
        return None
    ast.increment_lineno(tree, first)
    node = tree.body[-1] if tree.body else None
    if isinstance(node, ast.FunctionDef) and is_annotated(node):
        return read_function(src, node, imports)
    return None


def _imports(chunk: str) -> Imports:
    got = caches.active()[_IMPORTS].get(chunk)
    if got is None:
        try:
            got = tuple(imports_of(ast.parse(chunk)).items())
        except (SyntaxError, ValueError, RecursionError):
            got = ()
        caches.active()[_IMPORTS].put(chunk, got)
    return got


def _chunks(text: str) -> list[tuple[int, str]]:
    """The top-level functions and imports of a file: (first line, text).  A top-level
    statement starts on a line that starts with neither a space, ``#`` nor a closing bracket,
    outside a triple-quoted string; decorators go with their ``def``."""
    lines = text.split("\n")
    starts: list[int] = []
    quote: str | None = None
    decorated = False  # the last start is a decorator: its def is not a start
    for i, line in enumerate(lines):
        if quote is None and line[:1] not in ("", " ", "\t", "#", ")", "]", "}"):
            if not decorated:
                starts.append(i)
            decorated = line.startswith("@")
        if '"""' in line or "'''" in line:
            for m in _TRIPLE.finditer(line):
                if quote is None:
                    quote = m.group()
                elif quote == m.group():
                    quote = None
    out = []
    for k, first in enumerate(starts):
        head = lines[first]
        if not head.startswith(("def ", "@", "import ", "from ", "if ", "try:")):
            continue
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        chunk = "\n".join(lines[first:end])
        if head.startswith(("if ", "try:")) and "import" not in chunk:
            continue
        out.append((first, chunk))
    return out
