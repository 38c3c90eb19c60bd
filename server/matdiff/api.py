"""The Python API (LANGUAGE.md §8): what the CLI prints, as functions of a document's text.

A facade: the error type lives in ``base.errors``, the derivatives and their LaTeX in
``services``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from matdiff.analysis import DocumentModel, analyze
from matdiff.base import diagnostics as base
from matdiff.base import notebook
from matdiff.base.embedded import HostKind, blocks
from matdiff.base.errors import MatdiffError as MatdiffError
from matdiff.base.spans import LineIndex
from matdiff.services.latex import _tex_text, equation_latex, steps_latex

if TYPE_CHECKING:
    from matdiff.services.derivatives import diff as diff
    from matdiff.services.derivatives import grad as grad
    from matdiff.services.derivatives import hessian as hessian


def __getattr__(name: str) -> Any:
    """``grad``, ``diff`` and ``hessian`` load the engine (and NumPy) on first use, so that
    checking a document starts without them."""
    if name in ("diff", "grad", "hessian"):
        from matdiff.services import derivatives

        return getattr(derivatives, name)
    raise AttributeError(f"module 'matdiff.api' has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem in a document, positioned with 1-based lines and columns (code points).

    ``end_line``/``end_column`` point just past the range.  ``str(d)`` is the CLI's form
    without the file name: ``LINE:COL: error: message``.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    code: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.severity}: {self.message}"


def to_public(model: DocumentModel, diagnostic: base.Diagnostic) -> Diagnostic:
    line, col = model.line_index.line_col(diagnostic.span.start)
    end_line, end_col = model.line_index.line_col(diagnostic.span.end)
    return Diagnostic(
        line + 1,
        col + 1,
        end_line + 1,
        end_col + 1,
        diagnostic.message,
        diagnostic.code,
        diagnostic.severity.value,
    )


def check(source: str) -> list[Diagnostic]:
    """Every diagnostic of the document ``source``, in document order."""
    model = analyze(source)
    return [to_public(model, d) for d in model.diagnostics]


def check_host(text: str, kind: HostKind) -> list[Diagnostic]:
    """Every diagnostic of the matdiff blocks embedded in a Python or Markdown file, at their
    places in that file (each block is a document of its own)."""
    index = LineIndex(text)
    out: list[Diagnostic] = []
    for block in blocks(text, kind):
        model = analyze(block.text)
        for d in model.diagnostics:
            start = index.line_col(block.host_offset(d.span.start))
            end = index.line_col(block.host_offset(d.span.end))
            out.append(Diagnostic(start[0] + 1, start[1] + 1, end[0] + 1, end[1] + 1,
                                  d.message, d.code, d.severity.value))  # fmt: skip
    if kind == "python":
        from matdiff import pysource

        for n in pysource.notes(text):
            start, end = index.line_col(n.start), index.line_col(n.end)
            out.append(Diagnostic(start[0] + 1, start[1] + 1, end[0] + 1, end[1] + 1,
                                  n.message, n.code, n.severity))  # fmt: skip
        out.sort(key=lambda d: (d.line, d.column))
    return out


def check_notebook(text: str) -> list[tuple[int, Diagnostic]]:
    """Every diagnostic of the matdiff in a Jupyter notebook (nbformat 4: its ``%%matdiff``
    cells, the ``# matdiff:`` blocks of its Python cells, the fences of its Markdown cells,
    as the language server reads them; ``base/notebook.py``), each with the number of its
    cell (from 1, every cell counted); lines and columns count in the cell.  Raises
    MatdiffError for text that is not a notebook."""
    out: list[tuple[int, Diagnostic]] = []
    for cell in notebook.cells(text):
        found = check(cell.text) if cell.kind is None else check_host(cell.text, cell.kind)
        out.extend((cell.number, d) for d in found)
    return out


# ---------------------------------------------------------------------------------------
# derive(): one derivative with every form of it, for notebooks (LANGUAGE.md §11)


@dataclass(frozen=True)
class Derived:
    """A derivative of definition ``of`` by ``wrt`` in every output form.

    ``text`` (Unicode math), ``dsl`` (the language), ``numpy`` (one expression), ``latex``
    (the right-hand side), ``equation`` (LaTeX ``lhs = rhs``, saying which layout),
    ``verified`` (whether finite differences agree), and, computed when first asked for,
    ``steps`` (the derivation, one line a step naming its identity, as ``--steps`` prints)
    and ``steps_latex`` (the same as an ``aligned`` LaTeX block).  Notebooks show it as
    display math (``_repr_latex_``) or as math with its NumPy line (``_repr_markdown_``).
    """

    of: str
    wrt: str
    kind: str
    text: str
    dsl: str
    numpy: str
    latex: str
    equation: str
    conclusion: str
    verified: bool
    derivation: Any = field(repr=False, compare=False)

    @cached_property
    def steps(self) -> tuple[str, ...]:
        try:
            return tuple(self.derivation.steps())
        except Exception as exc:  # noqa: BLE001 — no steps is a message, never a crash
            return (f"(no steps: {exc})", self.conclusion)

    @cached_property
    def steps_latex(self) -> str:
        try:
            return steps_latex(self.derivation)
        except Exception as exc:  # noqa: BLE001 — no steps is a message, never a crash
            return f"\\text{{{_tex_text(f'(no steps: {exc})')}}}"

    def __str__(self) -> str:
        return self.text

    def _repr_latex_(self) -> str:
        return f"$$\n{self.equation}\n$$"

    def _repr_markdown_(self) -> str:
        check = "checked by finite differences" if self.verified else "not checked numerically"
        return (
            f"$$\n{self.equation}\n$$\n\n```python\n# {self.conclusion} — {check}\n"
            f"{self.numpy}\n```\n"
        )


def derive(source: str, of: str | None = None, wrt: str | None = None,
           kind: str = "gradient") -> Derived:  # fmt: skip
    """The ``kind`` derivative (``"gradient"``, ``"numerator"`` or ``"hessian"``) of
    definition ``of`` (default: the last definition) by variable ``wrt`` (default: the one
    variable ``of`` depends on) in every form; raises MatdiffError like ``grad``."""
    from matdiff.services.derivatives import derivation

    if kind not in ("gradient", "numerator", "hessian"):
        raise MatdiffError(f"unknown kind '{kind}' (gradient, numerator, hessian)")
    model = analyze(source)
    if of is None:
        if not model.definitions:
            raise MatdiffError("the document has no definition to differentiate")
        of = model.definitions[-1].name
    if wrt is None:
        deps = model.depends_on(of) if of in model.symbols else []
        if len(deps) != 1:
            names = ", ".join(d.name for d in deps) or "none"
            raise MatdiffError(f"name the variable: wrt= one of the variables of '{of}' ({names})")
        wrt = deps[0].name
    d = derivation(model, of, wrt, kind)  # type: ignore[arg-type]
    return Derived(
        of, wrt, kind, d.emit("text"), d.emit("dsl"), d.emit("numpy"), d.emit("latex"),
        equation_latex(d), d.conclusion(), d.verified(), d,
    )  # fmt: skip
