"""``workspace/executeCommand``: ``matdiff.derivative`` for inline look-ups from any client."""

from __future__ import annotations

from typing import Any

from matdiff.base.errors import MatdiffError
from matdiff.engine.expr import EngineError
from matdiff.features.snapshot import Snapshot
from matdiff.services.derivatives import EDITOR_SECONDS, cached_derivation
from matdiff.services.latex import equation_latex, steps_latex

KINDS = {"gradient": "gradient", "numerator": "numerator", "hessian": "hessian"}


def derivative(snap: Snapshot, args: dict[str, Any]) -> dict[str, Any]:
    """``{uri, name, wrt, layout, emit}`` → ``{text}`` or ``{error}``.  Besides the output
    forms, ``emit`` may be ``equation`` (LaTeX ``lhs = rhs``) or ``steps-latex``."""
    name, wrt = str(args.get("name", "")), str(args.get("wrt", ""))
    layout = str(args.get("layout", "gradient"))
    emit = str(args.get("emit", "text"))
    if layout not in KINDS:
        return {"error": f"unknown layout '{layout}' (gradient, numerator or hessian)"}
    try:
        d = cached_derivation(snap.model, name, wrt, KINDS[layout])  # type: ignore[arg-type]
        if emit == "equation":  # LaTeX lhs = rhs, for a panel that typesets it
            text = equation_latex(d)
        elif emit == "steps-latex":  # the derivation as an aligned LaTeX block
            text = steps_latex(d, EDITOR_SECONDS)
        else:
            text = d.emit(emit)
        return {"text": text, "shape": str(d.result.shape), "layout": layout}
    except MatdiffError as exc:
        return {"error": snap.places(exc.message)}
    except EngineError as exc:
        return {"error": str(exc)}


def variables(snap: Snapshot, args: dict[str, Any]) -> dict[str, Any]:
    """``{uri, name}`` → ``{variables}``: what definition ``name`` depends on (through other
    definitions), in declaration order — the variables worth differentiating it by."""
    name = str(args.get("name", ""))
    sym = snap.model.symbols.get(name)
    if sym is None or sym.kind != "definition":
        return {"error": f"'{name}' is not a definition"}
    return {"variables": [v.name for v in snap.model.depends_on(name)]}
