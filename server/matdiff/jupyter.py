"""The ``%%matdiff`` cell magic for IPython and Jupyter (LANGUAGE.md §11).

``%load_ext matdiff`` registers it.  The cell is a document; its output is the diagnostics
(readable text with the cell line they are on, never a traceback), then for each definition
and the variables it depends on (or those named by ``--of``/``--wrt``) the derivative as
display math (``text/latex``) with its NumPy line; ``--steps`` adds the derivation as an
aligned LaTeX block, one step a line with the identity it used; ``--layout
numerator|gradient|both`` picks the layouts (default: gradient, and the numerator layout for
definitions that are not scalars).

:func:`cell_outputs` computes the outputs without IPython; the magic only displays them.
IPython is imported when the extension is loaded, never by ``import matdiff``.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from typing import Any

from matdiff.analysis import DocumentModel, analyze
from matdiff.api import Derived, MatdiffError, derive


@dataclass(frozen=True)
class Output:
    """One output of a cell: ``stream`` text for stderr, or a ``display`` MIME bundle."""

    kind: str  # "stderr" | "display"
    data: dict[str, str]


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit the kernel's process
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="%%matdiff", add_help=False)
    p.add_argument("--of", action="append", default=[], help="definitions to differentiate")
    p.add_argument("--wrt", action="append", default=[], help="variables to differentiate by")
    p.add_argument("--steps", action="store_true", help="show the derivation")
    p.add_argument("--layout", choices=("gradient", "numerator", "both"), default="gradient")
    return p


_LAYOUTS = {"gradient": ["gradient"], "numerator": ["numerator"], "both": ["gradient", "numerator"]}


def _names(values: list[str]) -> list[str]:
    return [n for v in values for n in v.replace(",", " ").split()]


def _stderr(text: str) -> Output:
    return Output("stderr", {"text/plain": text if text.endswith("\n") else text + "\n"})


def _diagnostic(model: DocumentModel, start: int, message: str, first_line: int) -> str:
    line, col = model.line_index.line_col(start)
    source = model.text.splitlines()[line] if model.text.splitlines() else ""
    caret = " " * (4 + len(source[:col].expandtabs())) + "^"
    return f"line {line + first_line}: {message}\n    {source.expandtabs()}\n{caret}"


def cell_outputs(line: str, cell: str, first_line: int = 2) -> list[Output]:
    """The outputs of ``%%matdiff LINE`` over ``cell``.  ``first_line`` is the cell line
    the document starts on (2: below the ``%%matdiff`` line)."""
    try:
        args = _parser().parse_args(shlex.split(line))
    except (_UsageError, ValueError) as exc:
        return [_stderr(f"%%matdiff: {exc}\nusage: {_parser().format_usage().strip()[7:]}")]
    model = analyze(cell)
    out: list[Output] = []
    for d in model.diagnostics:
        out.append(_stderr(_diagnostic(model, d.span.start, d.message, first_line)))
    ofs, wrts = _names(args.of), _names(args.wrt)
    for name in ofs:
        sym = model.symbols.get(name)
        if sym is None or sym.kind != "definition":
            out.append(_stderr(f"--of {name}: no definition '{name}' in the cell"))
    for name in wrts:
        sym = model.symbols.get(name)
        if sym is None or not sym.is_variable:
            out.append(_stderr(f"--wrt {name}: no variable '{name}' in the cell"))
    definitions = [s for s in model.definitions if not ofs or s.name in ofs]
    broken = bool(model.diagnostics)
    for sym in definitions:
        variables = [v.name for v in model.depends_on(sym.name)]
        if wrts:
            variables = [w for w in wrts if w in variables or sym.name in ofs]
        scalar = sym.shape is not None and sym.shape.is_scalar
        kinds = _LAYOUTS[args.layout] if scalar else ["numerator"]
        for wrt in variables:
            for kind in kinds:
                try:
                    r = derive(cell, sym.name, wrt, kind)
                except MatdiffError as exc:
                    if not broken:  # else the diagnostics above already say why
                        out.append(_stderr(f"{sym.name} by {wrt}: {exc}"))
                    continue
                out.extend(_derivative_outputs(r, args.steps))
    if not out:
        out.append(_stderr("%%matdiff: no definition to differentiate in the cell"))
    return out


def _derivative_outputs(r: Derived, steps: bool) -> list[Output]:
    check = "checked by finite differences" if r.verified else "not checked numerically"
    math = Output("display", {"text/latex": f"$$\n{r.equation}\n$$", "text/plain": r.conclusion})
    code = Output(
        "display",
        {"text/markdown": f"```python\n# {r.conclusion} — {check}\n{r.numpy}\n```\n",
         "text/plain": r.numpy},
    )  # fmt: skip
    if not steps:
        return [math, code]
    derivation = Output(
        "display", {"text/latex": f"$$\n{r.steps_latex}\n$$", "text/plain": "\n".join(r.steps)}
    )
    return [derivation, math, code]


def matdiff_magic(line: str, cell: str) -> None:
    """%%matdiff [--of NAME] [--wrt VAR] [--steps] [--layout numerator|gradient|both]

    The cell is a matdiff document: shows its diagnostics, then its derivatives as math
    with their NumPy lines."""
    import sys

    from IPython.display import display

    try:
        outputs = cell_outputs(line, cell)
    except Exception as exc:  # noqa: BLE001 — a cell shows a message, never a traceback
        outputs = [_stderr(f"%%matdiff: internal error ({type(exc).__name__}: {exc})")]
    for o in outputs:
        if o.kind == "stderr":
            sys.stderr.write(o.data["text/plain"])
            sys.stderr.flush()
        else:
            display(o.data, raw=True)  # type: ignore[no-untyped-call]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext matdiff``: register the ``%%matdiff`` cell magic."""
    ipython.register_magic_function(matdiff_magic, magic_kind="cell", magic_name="matdiff")
