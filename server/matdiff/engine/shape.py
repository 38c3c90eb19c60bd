"""Symbolic dimensions and shapes.

A :class:`Dim` is a monomial of dimension symbols with a positive integer coefficient
(``n``, ``3``, ``m·n`` for ``vec`` of an m×n matrix).  Two different symbols are different
sizes.  Symbols starting with ``?`` are placeholders the shape checker solves for (the size
of a bare ``I``); they never reach the engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Dim:
    coef: int = 1
    syms: tuple[str, ...] = ()  # sorted, with repetition

    @staticmethod
    def of(value: int | str) -> Dim:
        return Dim(value, ()) if isinstance(value, int) else Dim(1, (value,))

    def __mul__(self, other: Dim) -> Dim:
        return Dim(self.coef * other.coef, tuple(sorted(self.syms + other.syms)))

    @property
    def is_one(self) -> bool:
        return self.coef == 1 and not self.syms

    @property
    def is_placeholder(self) -> bool:
        return self.coef == 1 and len(self.syms) == 1 and self.syms[0].startswith("?")

    @property
    def has_placeholder(self) -> bool:
        return any(s.startswith("?") for s in self.syms)

    def value(self, sizes: dict[str, int]) -> int:
        out = self.coef
        for s in self.syms:
            out *= sizes[s]
        return out

    def text(self, sep: str = "·") -> str:
        parts = ([str(self.coef)] if self.coef != 1 or not self.syms else []) + list(self.syms)
        return sep.join(parts)

    def __str__(self) -> str:
        return self.text()


ONE = Dim()


@dataclass(frozen=True, slots=True)
class Shape:
    rows: Dim
    cols: Dim

    @staticmethod
    def of(rows: int | str | Dim, cols: int | str | Dim) -> Shape:
        r = rows if isinstance(rows, Dim) else Dim.of(rows)
        c = cols if isinstance(cols, Dim) else Dim.of(cols)
        return Shape(r, c)

    @property
    def is_scalar(self) -> bool:
        return self.rows.is_one and self.cols.is_one

    @property
    def is_column(self) -> bool:
        return self.cols.is_one

    @property
    def is_row(self) -> bool:
        return self.rows.is_one

    @property
    def is_vector(self) -> bool:
        """A column or a row (a scalar counts as both)."""
        return self.cols.is_one or self.rows.is_one

    @property
    def is_square(self) -> bool:
        return self.rows == self.cols

    @property
    def T(self) -> Shape:  # noqa: N802 — mirrors the math
        return Shape(self.cols, self.rows)

    @property
    def size(self) -> Dim:
        return self.rows * self.cols

    def kind(self) -> str:
        if self.is_scalar:
            return "scalar"
        if self.is_column:
            return "vector"
        if self.is_row:
            return "row vector"
        return "matrix"

    def __str__(self) -> str:
        return "scalar" if self.is_scalar else f"{self.rows}×{self.cols}"


SCALAR = Shape(ONE, ONE)
