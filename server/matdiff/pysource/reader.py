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
import keyword
import re

from matdiff.base import caches
from matdiff.base.caches import Table
from matdiff.base.language import RESERVED
from matdiff.pysource.expressions import _ExpressionReader
from matdiff.pysource.rules import MEANINGS as MEANINGS  # re-exported (the table test)
from matdiff.pysource.source import (
    _OPS,
    FunctionBlock,
    FunctionDoc,
    Shape,
    Tok,
    _construct,
    _dotted,
    _is_jaxtyping,
    _op_text,
    _qualified,
    _Refused,
    _ShapeError,
    _Source,
    _targets,
    _Unknown,
    imports_of,
    is_annotated,
    words,
)
from matdiff.pysource.source import Note as Note  # re-exported
from matdiff.pysource.table import ARRAY_TYPES


class _Reader(_ExpressionReader):
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
