"""``workspace/executeCommand``: ``matdiff.derivative`` for inline look-ups from any client."""

from __future__ import annotations

from typing import Any

from matdiff.base.errors import MatdiffError
from matdiff.features.snapshot import Snapshot
from matdiff.services.derivatives import cached_derivation

KINDS = {"gradient": "gradient", "numerator": "numerator", "hessian": "hessian"}


def derivative(snap: Snapshot, args: dict[str, Any]) -> dict[str, Any]:
    """``{uri, name, wrt, layout, emit}`` → ``{text}`` or ``{error}``."""
    name, wrt = str(args.get("name", "")), str(args.get("wrt", ""))
    layout = str(args.get("layout", "gradient"))
    emit = str(args.get("emit", "text"))
    if layout not in KINDS:
        return {"error": f"unknown layout '{layout}' (gradient, numerator or hessian)"}
    try:
        d = cached_derivation(snap.model, name, wrt, KINDS[layout])  # type: ignore[arg-type]
        return {"text": d.emit(emit), "shape": str(d.result.shape), "layout": layout}
    except MatdiffError as exc:
        return {"error": exc.message}


def variables(snap: Snapshot, args: dict[str, Any]) -> dict[str, Any]:
    """``{uri, name}`` → ``{variables}``: what definition ``name`` depends on (through other
    definitions), in declaration order — the variables worth differentiating it by."""
    name = str(args.get("name", ""))
    sym = snap.model.symbols.get(name)
    if sym is None or sym.kind != "definition":
        return {"error": f"'{name}' is not a definition"}
    return {"variables": [v.name for v in snap.model.depends_on(name)]}
