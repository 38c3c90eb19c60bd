"""The Python API (LANGUAGE.md §8): what the CLI prints, as functions of a document's text."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from matdiff.analysis import DocumentModel, analyze
from matdiff.base import diagnostics as base
from matdiff.base.spans import LineIndex
from matdiff.embedded import HostKind, blocks


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


class MatdiffError(Exception):
    """Bad input to the API: carries the message and (where there is one) the position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"{self.line}:{self.column}: {self.message}"


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
    from matdiff.derivatives import derivation

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


def _name_latex(name: str) -> str:
    return name if len(name) == 1 else f"\\mathrm{{{name}}}"


def equation_latex(d: Any) -> str:
    """LaTeX ``lhs = rhs`` of a Derivation, the left side saying which layout it is."""
    return f"{_lhs_latex(d)} = {d.emit('latex')}"


def _lhs_latex(d: Any) -> str:
    f, x = _name_latex(d.of), _name_latex(d.wrt)
    if d.kind == "gradient":
        return f"\\nabla_{{{x}}} {f}"
    if d.kind == "hessian":
        return f"\\nabla^2_{{{x}}} {f}"
    if d.x.is_scalar:
        return f"\\frac{{\\mathrm{{d}} {f}}}{{\\mathrm{{d}} {x}}}"
    if d.f.is_scalar:
        return f"\\frac{{\\partial {f}}}{{\\partial {x}}}"
    return f"\\frac{{\\partial \\operatorname{{vec}} {f}}}{{\\partial \\operatorname{{vec}} {x}}}"


def steps_latex(d: Any, seconds: float = 10.0) -> str:
    """The derivation of a Derivation as ``\\begin{aligned} … \\end{aligned}``: one step a
    line, its identity named on the right; a line that repeats the one above is left out.
    The same steps as ``Derivation.steps`` (the definition as written first, and the second
    differential for a Hessian, where the engine gives them).  EngineError past ``seconds``."""
    from matdiff.engine import derive as engine_derive
    from matdiff.engine import expr as E
    from matdiff.engine.printer import to_latex, to_text

    make = getattr(engine_derive, "hessian_steps", None) if d.kind == "hessian" else None
    written = getattr(d, "written", None)
    extra = {"written": written} if written is not None else {}
    with E.Budget(seconds):
        steps = (make or engine_derive.steps)(d.f, d.x, **extra)
    names = {"f": _name_latex(d.of), "x": _name_latex(d.wrt)}
    lines: list[str] = []
    previous: str | None = None
    for i, step in enumerate(steps):
        lhs = getattr(step, "lhs", None) or ("d{f}" if i == 0 else None)
        text = to_text(step.expr) if step.expr is not None else (step.text or "")
        if lhs is None and text == previous:
            continue
        previous = text
        body = to_latex(step.expr) if step.expr is not None else _unicode_latex(text)
        lead = "&= " if lhs is None else f"{_lhs_words(lhs.format(**names))} &= "
        why = f" && \\text{{{_tex_text(step.rule)}}}" if step.rule else ""
        lines.append(f"{lead}{body}{why}")
    lines.append(f"{_lhs_latex(d)} &= {d.emit('latex')} && \\text{{{d.kind}}}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _lhs_words(lhs: str) -> str:
    """A step's left side (``d\\mathrm{loss}``, ``d vec X``, ``∇_{x} f``) as LaTeX."""
    out = _unicode_latex(lhs)
    return "\\mathrm{d}" + out[1:] if out.startswith("d") and not out[1:2].isalpha() else out


_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵏⁱᵀ"
_PLAIN = "0123456789-kiT"
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
_TEX_SYMBOLS = {
    "∘": " \\circ ", "⊗": " \\otimes ", "·": " \\cdot ", "↦": " \\mapsto ", "−": "-",
    "∇": "\\nabla ", "∂": "\\partial ", "σ": "\\sigma ", "Σ": "\\Sigma ", "‖": "\\|",
    "×": " \\times ", "′": "'", "ℝ": "\\mathbb{R}",
}  # fmt: skip
_TEX_WORDS = ("tr", "vec", "det", "log", "exp", "diag", "tanh", "sum", "softmax", "sigmoid")


def _unicode_latex(text: str) -> str:
    """Unicode math as printed by ``text`` (``tr(2x(Wx + b)ᵀdW)``) → LaTeX."""
    import re

    def sup(m: re.Match[str]) -> str:
        raw = m.group(0).translate(str.maketrans(_SUPERSCRIPTS, _PLAIN))
        raw = raw.replace("T", "\\top ")
        if m.group(0).startswith("∘"):
            return f"^{{\\circ {raw[1:]}}}"
        return f"^{{{raw}}}"

    def sub(m: re.Match[str]) -> str:
        return "_{" + m.group(0).translate(str.maketrans(_SUBSCRIPTS, "0123456789")) + "}"

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        if w in _TEX_WORDS:
            return f"\\operatorname{{{w}}}"
        if len(w) == 2 and w[0] == "d" and w[1].isupper():
            return f"\\mathrm{{d}}{w[1]}"
        return w

    out = re.sub(f"∘?[{_SUPERSCRIPTS}]+", sup, text)
    out = re.sub(f"[{_SUBSCRIPTS}]+", sub, out)
    out = re.sub(r"(?<![\\A-Za-z])[A-Za-z]+", word, out)
    return "".join(_TEX_SYMBOLS.get(ch, ch) for ch in out)


def _tex_text(text: str) -> str:
    """Plain words for ``\\text{…}``: LaTeX specials escaped, runs of math symbols as inline
    math."""
    import re

    out = []
    for run in re.findall(r"[^\x00-\x7f]+|[\x00-\x7f]+", text):
        if not run.isascii():
            out.append(f"${_unicode_latex(run)}$")
            continue
        for ch in run:
            if ch in "&%$#_{}":
                out.append("\\" + ch)
            elif ch in "\\^~":
                out.append({"\\": "\\backslash ", "^": "\\hat{}", "~": "\\sim "}[ch])
            else:
                out.append(ch)
    return "".join(out)
