"""The reader's expressions: a Python expression read as matdiff tokens with its NumPy shape
(operators, names, calls through ``rules.MEANINGS``), the base class of ``reader._Reader``."""

from __future__ import annotations

import ast

from matdiff.base.language import RESERVED
from matdiff.pysource.rules import MEANINGS, _broadcast, _expand, _template
from matdiff.pysource.source import (
    _OPS,
    Frag,
    Note,
    Shape,
    Tok,
    _dotted,
    _expression,
    _number,
    _op_text,
    _qualified,
    _Refused,
    _ShapeError,
    _show,
    _Source,
    _Unknown,
)
from matdiff.pysource.table import BY_NAME, CONSTANTS, METHODS


class _ExpressionReader:
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
