"""Derivatives as LaTeX: the equation ``lhs = rhs`` saying which layout, and the steps as
an ``aligned`` block (the notebook's ``Derived`` and the editor panel read them).  The engine
is imported on first use."""

from __future__ import annotations

from typing import Any


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
