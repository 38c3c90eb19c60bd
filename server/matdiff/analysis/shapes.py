"""The shapes of expressions, bottom-up.  An operand whose shape is unknown (already
reported) silences every check that involves it, so one root cause gives one diagnostic."""

from __future__ import annotations

from matdiff.analysis.calls import Calls
from matdiff.base import language
from matdiff.engine.shape import SCALAR, Shape
from matdiff.syntax import ast


class Shapes(Calls):
    def expr(self, node: ast.Expr) -> Shape | None:
        shape = self._expr(node)
        if shape is not None:
            self.pending[node.span] = shape
        return shape

    def _expr(self, node: ast.Expr) -> Shape | None:
        if isinstance(node, ast.Number):
            return SCALAR
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Unary):
            return self.expr(node.operand)
        if isinstance(node, ast.Transpose):
            inner = self.expr(node.operand)
            return None if inner is None else self.resolve(inner).T
        if isinstance(node, ast.Binary):
            return self.binary(node)
        return self.call(node)

    def name(self, node: ast.Name) -> Shape | None:
        sym = self.symbols.get(node.id)
        if sym is not None:
            if sym.kind == "dimension":
                return SCALAR
            if sym.kind == "function":
                self.error(node.span, f"'{node.id}' is a declared function; call it as "
                           f"{node.id}(…)", "function-as-value")  # fmt: skip
                return None
            return sym.shape
        if node.id in language.BARE_CONSTANTS:
            return self.sized(node, language.BARE_CONSTANTS[node.id], ())
        if node.id in language.FUNCTIONS:
            self.error(node.span, f"'{node.id}' is a function; call it as "
                       f"{language.FUNCTIONS[node.id].signature}", "function-as-value")  # fmt: skip
            return None
        if node.id in language.KEYWORDS:
            self.error(node.span, f"'{node.id}' is a keyword, not a value", "reserved")
            return None
        if node.id == self.current:
            self.error(node.span, f"'{node.id}' cannot be used in its own definition",
                       "use-before-definition", name=node.id)  # fmt: skip
            return None
        later = self.later.get(node.id)
        if later is not None:
            self.error(node.span, f"'{node.id}' is used before its definition at "
                       f"{self.where(later)}", "use-before-definition", name=node.id)  # fmt: skip
            return None
        hint = language.did_you_mean(node.id, self.symbols.names())
        suffix = f"; did you mean '{hint}'?" if hint else ""
        data = {"name": node.id} | ({"suggestion": hint} if hint else {})
        self.error(node.span, f"'{node.id}' is not declared or defined{suffix}", "undefined",
                   **data)  # fmt: skip
        return None

    def binary(self, node: ast.Binary) -> Shape | None:
        """A chain (``a + b - c``, ``a*b*c``: binary operators down the left operands) is
        checked in a loop, left to right, so that a long one does not recurse."""
        chain = [node]
        while isinstance(chain[-1].left, ast.Binary):
            chain.append(chain[-1].left)
        left = self.expr(chain[-1].left)
        for link in reversed(chain):
            left = self.operation(link, left, self.expr(link.right))
            if link is not node and left is not None:
                self.pending[link.span] = left
        return left

    def operation(self, node: ast.Binary, left: Shape | None, right: Shape | None) -> Shape | None:
        op = node.op
        if op in ("^", ".^"):
            return self.power(node, left, right)
        if left is None or right is None:
            return None
        left, right = self.resolve(left), self.resolve(right)
        L, R = node.left, node.right
        if op in ("+", "-"):
            if self.unify_shapes(left, right):
                return self.resolve(left)
            verb = f"add {self.show(L, left)} and {self.show(R, right)}" if op == "+" else \
                f"subtract {self.show(R, right)} from {self.show(L, left)}"  # fmt: skip
            fix = self.transpose_fix(left, right, lambda a, b: a == b)
            self.shape_error(node.op_span, f"cannot {verb}: shapes differ", L, R, **fix)
            return None
        if op in ("*", "@"):
            if left.is_scalar:
                return right
            if right.is_scalar:
                return left
            if self.unify(left.cols, right.rows):
                return self.resolve(Shape(left.rows, right.cols))
            fix = self.transpose_fix(left, right, lambda a, b: a.cols == b.rows)
            inner = (
                f"inner dimensions {self.lookup(left.cols)} and {self.lookup(right.rows)} differ"
            )
            self.shape_error(node.op_span, f"cannot multiply {self.show(L, left)} by "
                             f"{self.show(R, right)}: {inner}", L, R, **fix)  # fmt: skip
            return None
        if op in (".*", "./"):
            if self.unify_shapes(left, right):
                return self.resolve(left)
            what = "element-wise multiply" if op == ".*" else "element-wise divide"
            fix = self.transpose_fix(left, right, lambda a, b: a == b)
            self.shape_error(node.op_span, f"cannot {what} {self.show(L, left)} and "
                             f"{self.show(R, right)}: shapes differ", L, R, **fix)  # fmt: skip
            return None
        if op == "/":
            if right.is_scalar:
                return left
            self.shape_error(node.op_span, f"cannot divide by {self.show(R, right)}: '/' divides "
                             "by a scalar; use './' for element-wise division or inv(…)",
                             R)  # fmt: skip
            return None
        assert op == "⊗"
        return Shape(left.rows * right.rows, left.cols * right.cols)

    def transpose_fix(self, a: Shape, b: Shape, fits: object) -> dict[str, str]:
        assert callable(fits)
        if fits(a, b.T):
            return {"fix": "transpose-right"}
        if fits(a.T, b):
            return {"fix": "transpose-left"}
        return {}

    def power(self, node: ast.Binary, base: Shape | None, exp: Shape | None) -> Shape | None:
        if base is None or exp is None:
            return None
        base, exp = self.resolve(base), self.resolve(exp)
        if not exp.is_scalar:
            self.shape_error(node.right.span, f"the exponent {self.show(node.right, exp)} must be "
                             "a scalar", node.right)  # fmt: skip
            return None
        if node.op == ".^" or base.is_scalar:
            return base
        if integer_literal(node.right) is None:
            self.shape_error(node.op_span, f"cannot raise the {base.kind()} "
                             f"{self.show(node.left, base)} "
                             "to a non-integer power; use '.^' for an element-wise power",
                             node.left, fix="elementwise-power")  # fmt: skip
            return None
        if self.unify(base.rows, base.cols):
            return self.resolve(base)
        fix = {"fix": "elementwise-power"} if base.is_vector else {}
        self.shape_error(node.op_span, f"cannot raise {self.show(node.left, base)} to a power: "
                         "'^' needs a scalar or a square matrix; use '.^' for an element-wise "
                         "power", node.left, **fix)  # fmt: skip
        return None


def integer_literal(node: ast.Expr) -> int | None:
    """The value of an integer literal with optional signs (``-1``, ``+2``), else None."""
    sign = 1
    while isinstance(node, ast.Unary):
        sign = -sign if node.op == "-" else sign
        node = node.operand
    if isinstance(node, ast.Number) and node.text.isdigit():
        return sign * int(node.text)
    return None
