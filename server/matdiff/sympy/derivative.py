"""``diff``: a SymPy matrix expression differentiated by matdiff's engine, returned in
SymPy's convention (the vec-Jacobian as SymPy's 4-dimensional array for matrices)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

try:
    import sympy as sp
    from sympy.tensor.array.expressions import (
        ArrayAdd,
        ArrayContraction,
        ArrayDiagonal,
        ArrayTensorProduct,
        OneArray,
        PermuteDims,
        ZeroArray,
        convert_array_to_matrix,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('matdiff.sympy needs SymPy: pip install "matdiff[sympy]"') from exc

from matdiff.analysis import DocumentModel, analyze
from matdiff.api import MatdiffError
from matdiff.base.language import RESERVED
from matdiff.sympy.reader import _raise_first_error, _Reader, _scalar
from matdiff.sympy.writer import _document, _is_matrix, _Names
from matdiff.syntax import ast

# The vec-Jacobian as SymPy's 4-dimensional array ------------------------------------------

Split = tuple[Any, Any]


class _UnknownSplitError(MatdiffError):
    """A piece of a Jacobian whose row or column split is not known yet (an ``eye(n*n)``)."""


@dataclass(frozen=True)
class _Piece:
    """A piece of a vec-Jacobian (a matrix acting on vec's) as a SymPy array, its axes in
    SymPy's order: the (row, col) axes of the space it maps from (``ins``), then those of the
    space it maps to (``outs``).  A column ``vec(A)`` has no ``ins``, a row ``vec(B)'`` no
    ``outs``, a scalar neither."""

    expr: Any
    ins: Split | None
    outs: Split | None


def _same(a: Split | None, b: Split | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(sp.expand(sp.sympify(u) - sp.sympify(v)) == 0 for u, v in zip(a, b, strict=True))


def _is_vector_split(split: Split) -> bool:
    return bool(split[0] == 1 or split[1] == 1)


def _pairs(split: Split) -> Any:
    """δ[i, k]·δ[j, l] with the axes in order (i, j, k, l): ``eye`` on the vec's of a split."""
    t = ArrayTensorProduct(sp.Identity(split[0]), sp.Identity(split[1]))
    return PermuteDims(t, index_order_old="ikjl", index_order_new="ijkl")


def _fit(p: _Piece, ins: Split | None, outs: Split | None) -> _Piece:
    """``p`` on the splits ``ins``/``outs`` where it has the other vector split of the same
    vec space (n×1 for 1×n: the same vec, its two axes swapped); otherwise ``p``."""
    swap = [
        have is not None
        and want is not None
        and not _same(have, want)
        and _is_vector_split(have)
        and _same(have, (want[1], want[0]))
        for have, want in ((p.ins, ins), (p.outs, outs))
    ]
    if not any(swap):
        return p
    axes: list[int] = []
    for group, split in ((0, p.ins), (1, p.outs)):
        if split is not None:
            at = len(axes)
            axes += [at + 1, at] if swap[group] else [at, at + 1]
    return _Piece(
        PermuteDims(p.expr, axes),
        ins if swap[0] else p.ins,
        outs if swap[1] else p.outs,
    )


def _scale(c: Any, p: _Piece) -> _Piece:
    if p.ins is None and p.outs is None:
        return _Piece(c * p.expr, None, None)
    return _Piece(ArrayTensorProduct(c, p.expr), p.ins, p.outs)


def _transposed(p: _Piece) -> _Piece:
    expr = p.expr
    if p.ins is not None and p.outs is not None:
        expr = PermuteDims(expr, [2, 3, 0, 1])
    return _Piece(expr, p.outs, p.ins)


def _product(left: _Piece, right: _Piece) -> _Piece:
    """The matrix product left·right: ``right`` acts first, its outs meet ``left``'s ins."""
    if left.ins is None and left.outs is None:
        return _scale(left.expr, right)
    if right.ins is None and right.outs is None:
        return _scale(right.expr, left)
    right = _fit(right, right.ins, left.ins)
    if not _same(right.outs, left.ins):
        raise MatdiffError(f"matdiff.sympy: vec spaces {right.outs} and {left.ins} differ")
    expr = ArrayTensorProduct(right.expr, left.expr)
    if right.outs is not None:
        a = 2 if right.ins is not None else 0
        expr = ArrayContraction(expr, (a, a + 2), (a + 1, a + 3))
        if right.ins is None and left.outs is None:  # a row times a column: a scalar
            expr = convert_array_to_matrix(expr)
    return _Piece(expr, right.ins, left.outs)


class _JacobianReader(_Reader):
    """The text of d vec(F)/d vec(X) (``kron``, ``commutation``, ``diag(vec(…))``, ``vec(…)``,
    products, sums) → SymPy's array with entry [i, j, k, l] = ∂F[k, l]/∂X[i, j].

    Each piece is read knowing, where it can, the shapes (splits) of the vec spaces it maps
    between; a ``kron(P, Q)`` carries its own: ``vec(Q Y Pᵀ) = (P ⊗ Q) vec(Y)``."""

    def call(self, node: ast.Call) -> Any:
        if node.func.id == "vec":  # of a vector: the vector (a column)
            a = self.expr(node.args[0])
            if _is_matrix(a) and a.shape[1] != 1:
                if a.shape[0] != 1:
                    raise MatdiffError("SymPy's matrix expressions have no vec of a matrix")
                return a.T
            return a
        return super().call(node)

    def size(self, node: ast.Expr) -> Any:
        """A size argument (``n``, ``3``, ``m*n``)."""
        if isinstance(node, ast.Number):
            return sp.Integer(node.text)
        if isinstance(node, ast.Name):
            return self.table.setdefault(node.id, sp.Symbol(node.id))
        if isinstance(node, ast.Binary) and node.op == "*":
            return self.size(node.left) * self.size(node.right)
        raise MatdiffError("matdiff.sympy cannot read a size")

    def jacobian(self, node: ast.Expr, outs: Split | None, ins: Split | None) -> _Piece:
        rows, cols = self.shape(node.span)
        if rows == 1 and cols == 1:
            try:
                return _Piece(_scalar(self.expr(node)), None, None)
            except MatdiffError:
                pass  # e.g. vec(A)'*vec(B): read as pieces below
        if isinstance(node, ast.Unary):
            p = self.jacobian(node.operand, outs, ins)
            return _scale(sp.Integer(-1), p) if node.op == "-" else p
        if isinstance(node, ast.Transpose):
            return _transposed(self.jacobian(node.operand, ins, outs))
        if isinstance(node, ast.Binary):
            return self.binary_piece(node, outs, ins)
        if isinstance(node, ast.Name) and node.id in ("I", "eye"):
            return self.identity(outs, ins)
        if isinstance(node, ast.Call):
            got = self.call_piece(node, outs, ins)
            if got is not None:
                return got
        return self.generic(node, (rows, cols), outs, ins)

    def binary_piece(self, node: ast.Binary, outs: Split | None, ins: Split | None) -> _Piece:
        op = node.op
        if op in ("+", "-"):
            a = self.jacobian(node.left, outs, ins)
            b = _fit(self.jacobian(node.right, outs or a.outs, ins or a.ins), a.ins, a.outs)
            if not (_same(a.ins, b.ins) and _same(a.outs, b.outs)):
                raise MatdiffError("matdiff.sympy: a sum of Jacobians on different vec spaces")
            if op == "-":
                b = _scale(sp.Integer(-1), b)
            if a.ins is None and a.outs is None:
                return _Piece(a.expr + b.expr, None, None)
            return _Piece(ArrayAdd(a.expr, b.expr), a.ins, a.outs)
        if op == "/":
            return _scale(1 / _scalar(self.expr(node.right)), self.jacobian(node.left, outs, ins))
        if op in ("*", "@"):
            return self.product(node, outs, ins)
        raise MatdiffError(f"matdiff.sympy cannot read '{op}' in a Jacobian")

    def product(self, node: ast.Binary, outs: Split | None, ins: Split | None) -> _Piece:
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if self.shape(side.span) == (1, 1):
                try:
                    c = _scalar(self.expr(side))
                except MatdiffError:
                    continue
                return _scale(c, self.jacobian(other, outs, ins))
        try:  # the right factor first: it knows the variable's split
            right = self.jacobian(node.right, None, ins)
            left = self.jacobian(node.left, outs, right.outs)
        except _UnknownSplitError:
            left = self.jacobian(node.left, outs, None)
            right = self.jacobian(node.right, left.ins, ins)
        return _product(left, right)

    def identity(self, outs: Split | None, ins: Split | None) -> _Piece:
        split = ins or outs
        if split is None:
            raise _UnknownSplitError("the split of an identity")
        return _Piece(_pairs(split), split, split)

    def call_piece(self, node: ast.Call, outs: Split | None, ins: Split | None) -> _Piece | None:
        fname, args = node.func.id, node.args
        if fname == "kron":  # (P ⊗ Q)[(k, l), (i, j)] = Q[k, i]·P[l, j]
            P, Q = self.expr(args[0]), self.expr(args[1])
            p_rows, p_cols = self.shape(args[0].span)
            q_rows, q_cols = self.shape(args[1].span)
            expr = ArrayTensorProduct(_t(Q), _t(P))
            expr = PermuteDims(expr, index_order_old="ikjl", index_order_new="ijkl")
            return _Piece(expr, (q_cols, p_cols), (q_rows, p_rows))
        if fname == "commutation":  # K vec(A) = vec(Aᵀ), A m×n: δ[i, l]·δ[j, k]
            m, n = (self.size(a) for a in args)
            expr = ArrayTensorProduct(sp.Identity(m), sp.Identity(n))
            expr = PermuteDims(expr, index_order_old="iljk", index_order_new="ijkl")
            return _Piece(expr, (m, n), (n, m))
        if fname in ("eye", "I"):
            return self.identity(outs, ins)
        if fname in ("zeros", "ones"):
            return self.constant_piece(fname, node, outs, ins)
        if fname == "vec":
            A = self.expr(args[0])
            return _Piece(A, None, self.shape(args[0].span))
        if fname == "diag" and isinstance(args[0], ast.Call) and args[0].func.id == "vec":
            inner = args[0].args[0]  # diag(vec(A))[(k, l), (i, j)] = δ[k, i]·δ[l, j]·A[k, l]
            A = self.expr(inner)
            rows, cols = self.shape(inner.span)
            t = ArrayTensorProduct(sp.Identity(rows), sp.Identity(cols), A)
            return _Piece(ArrayDiagonal(t, (1, 4), (3, 5)), (rows, cols), (rows, cols))
        return None

    def constant_piece(
        self, fname: str, node: ast.Expr, outs: Split | None, ins: Split | None
    ) -> _Piece:
        rows, cols = self.shape(node.span)
        column, row = cols == 1, rows == 1
        if (outs is None and not row) or (ins is None and not column):
            raise _UnknownSplitError(f"the split of {fname}")
        axes = [*(ins or ()), *(outs or ())] if not (row or column) else list(ins or outs or ())
        if fname == "zeros":
            expr = sp.ZeroMatrix(*axes) if len(axes) == 2 else ZeroArray(*axes)
        else:
            expr = sp.OneMatrix(*axes) if len(axes) == 2 else OneArray(*axes)
        return _Piece(expr, None if column else ins, None if row else outs)

    def generic(
        self, node: ast.Expr, shape: Split, outs: Split | None, ins: Split | None
    ) -> _Piece:
        """A matrix M acting on vec's of vectors (column or row): its entries as they are."""
        rows, cols = shape
        column, row = cols == 1, rows == 1
        outs = None if row else outs or (rows, 1)
        ins = None if column else ins or (cols, 1)
        for split in (outs, ins):
            if split is not None and not _is_vector_split(split):
                raise MatdiffError(
                    f"matdiff.sympy cannot write '{self.model.source(node.span)}' as an array "
                    f"on {split[0]}×{split[1]} matrices"
                )
        M = self.expr(node)
        if column or row:
            vec = M if column else M.T  # as a column
            split = outs if column else ins
            assert split is not None
            return _Piece(vec if split[1] == 1 else vec.T, ins, outs)
        assert ins is not None and outs is not None
        # M[vec(k, l), vec(i, j)] with one of i, j and one of k, l always 0: Mᵀ and I(1)
        old = "pquv"
        new = ("pu" if ins[1] == 1 else "up") + ("qv" if outs[1] == 1 else "vq")
        expr = ArrayTensorProduct(M.T, sp.Identity(1))
        return _Piece(PermuteDims(expr, index_order_old=old, index_order_new=new), ins, outs)


def _t(M: Any) -> Any:
    return M.T if _is_matrix(M) else M


def _shape(e: Any) -> tuple[Any, Any]:
    return (e.shape[0], e.shape[1]) if _is_matrix(e) else (1, 1)


def diff(expr: Any, X: Any) -> Any:
    """The derivative of the SymPy expression ``expr`` by the symbol ``X`` (a
    ``MatrixSymbol`` or a ``Symbol``), in SymPy's convention, as a SymPy expression; a
    matrix by a matrix is SymPy's array [i, j, k, l] = ∂expr[k, l]/∂X[i, j]."""
    from matdiff.services.derivatives import derivation

    if not isinstance(X, sp.MatrixSymbol | sp.Symbol):
        raise MatdiffError(f"matdiff differentiates by a MatrixSymbol or a Symbol, not {X}")
    expr = sp.sympify(expr)
    text, names, writer = _document(expr, "f", (X,))
    if X in writer.dims:
        raise MatdiffError(f"{X} is a size; differentiate by a MatrixSymbol or a Symbol")
    of = text.splitlines()[-1].split(" = ", 1)[0]
    wrt = names.name(X)
    fy, fx = _shape(expr), _shape(X)
    scalar_f = fy == (1, 1)
    d = derivation(text, of, wrt, "gradient" if scalar_f else "numerator")
    result_doc = f"{text}{_fresh('r', names, of)} = {d.emit('dsl')}\n"
    model = analyze(result_doc)
    _raise_first_error(model)
    table = dict(names.by_name)
    if not scalar_f and fx != (1, 1) and (fy[1] != 1 or fx[1] != 1):
        return _array_derivative(model, table, fy, fx)
    result = _Reader(model, table).definition(model.definitions[-1].name)
    if not scalar_f and fx != (1, 1):
        result = result.T  # a vector by a vector: SymPy's n×m, the Jacobian transposed
    return result


def _array_derivative(model: DocumentModel, table: dict[str, Any], fy: Split, fx: Split) -> Any:
    """d vec(F)/d vec(X) read as SymPy's array [i, j, k, l] = ∂F[k, l]/∂X[i, j], then
    ``convert_array_to_matrix`` as in SymPy's own ``MatrixExpr.diff``."""
    result = model.definitions[-1]
    assert result.value is not None
    try:
        piece = _fit(_JacobianReader(model, table).jacobian(result.value, fy, fx), fx, fy)
    except MatdiffError as exc:
        text = model.source(result.value.span)
        raise MatdiffError(
            f"matdiff.sympy cannot write d vec/d vec = {text} as an array: {exc}"
        ) from exc
    if not (_same(piece.ins, fx) and _same(piece.outs, fy)):  # pragma: no cover - a bug
        raise MatdiffError(f"matdiff.sympy read a Jacobian from {piece.ins} to {piece.outs}")
    try:
        return convert_array_to_matrix(piece.expr)
    except (AttributeError, TypeError, ValueError, NotImplementedError):
        return piece.expr  # SymPy 1.14 cannot simplify some contractions of diagonals


def _fresh(base: str, names: _Names, taken: str) -> str:
    name, i = base, 1
    while name in names.by_name or name in RESERVED or name == taken:
        i += 1
        name = f"{base}_{i}"
    return name
